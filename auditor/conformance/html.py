"""The 评测报告 as one self-contained HTML page (inline CSS, crops as data: URIs), in Chinese.

Every page-derived string goes through Jinja's autoescaping: pages are written by strangers.
"""
from __future__ import annotations

import base64
import mimetypes
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from jinja2 import Environment, select_autoescape

from auditor.a11y import PRINCIPLES
from auditor.conformance.evaluation import Evaluation
from auditor.conformance.model import OUTCOME_ZH, OUTCOMES

MAX_IMAGE_BYTES = 400_000

TEMPLATE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>{{ title }}</title>
<style>
body{font-family:"Noto Serif CJK SC","SimSun","宋体","Noto Sans CJK SC",serif;margin:0 auto;max-width:1100px;padding:24px;color:#222;line-height:1.6}
h1{font-size:26px;text-align:center;margin:8px 0 4px}h2{font-size:20px;border-bottom:2px solid #1f4e79;padding-bottom:4px;margin-top:32px}
h3{font-size:16px;margin:20px 0 6px}.sub{text-align:center;color:#555}
table{border-collapse:collapse;width:100%;margin:8px 0;font-size:14px}th,td{border:1px solid #999;padding:4px 6px;vertical-align:top;text-align:left}
th{background:#e8eef5}td.n{text-align:center}
.o{display:inline-block;padding:0 6px;border-radius:3px;font-weight:bold;white-space:nowrap}
.o-failed{background:#fde2e1;color:#a4000f}.o-passed{background:#e3f4e1;color:#1b5e20}.o-cantTell{background:#fff3cd;color:#7a5300}
.o-inapplicable{background:#eceff1;color:#455a64}.o-untested{background:#e3e9f7;color:#1a3c8c}
.ex{display:flex;gap:12px;align-items:flex-start;margin:6px 0;border-top:1px dashed #bbb;padding-top:6px}
.ex img{max-width:320px;max-height:200px;border:1px solid #888}.ex code{font-size:12px;word-break:break-all}
.small{font-size:12px;color:#555}.unv{color:#a15c00}
table.sum{table-layout:fixed}td.ref{white-space:nowrap}
dl.kv{display:grid;grid-template-columns:9em 1fr;gap:2px 12px}dl.kv dt{font-weight:bold}dl.kv dd{margin:0}
</style></head><body>
<h1>{{ title }}</h1>
<p class="sub">评测标准：{{ std.title }}　生成时间：{{ now }}</p>

<h2>一、评测范围</h2>
<dl class="kv">
<dt>网站名称</dt><dd>{{ run.site_name }}</dd>
<dt>网站地址</dt><dd>{{ run.site_url or "（页面检查，见样本）" }}</dd>
<dt>检查批次</dt><dd>第 {{ run.id }} 批（{{ "整站抽查" if run.kind == "site" else "页面检查" }}），{{ started }}</dd>
<dt>评测标准</dt><dd>{{ std.title }}{% if target %}，符合性目标 {{ target }}{% endif %}</dd>
{% if std.key == "gbt37668" %}<dt>说明</dt><dd class="unv">GB/T 37668-2019 条款号按该标准沿用的 WCAG 2.0 结构推定，未与标准原文核对（标「未核对」）。</dd>{% endif %}
{% if std.key == "elderly" %}<dt>说明</dt><dd class="unv">适老化条目编号为本工具自拟，要求摘自新闻稿与规范摘要，未与规范原文核对。</dd>{% endif %}
</dl>

<h2>二、评测结论汇总</h2>
<p>共 {{ results|length }} 项：{% for o in outcomes %}<span class="o o-{{ o }}">{{ zh[o] }} {{ counts[o] }}</span> {% endfor %}</p>
<table class="sum"><tr><th>原则</th>{% for o in outcomes %}<th>{{ zh[o] }}</th>{% endfor %}<th>合计</th></tr>
{% for p, c in by_principle %}<tr><td>{{ p }}</td>{% for o in outcomes %}<td class="n">{{ c[o] }}</td>{% endfor %}<td class="n">{{ c.values()|sum }}</td></tr>{% endfor %}
</table>

<h2>三、评测样本</h2>
<p>{{ sample.method }}</p>
<table><tr><th>#</th><th>样本</th><th>页面</th><th>类型</th><th>入选理由</th></tr>
{% for p in sample.structured %}<tr><td class="n">{{ loop.index }}</td><td>结构化</td><td>{{ p.title or "" }}<br><span class="small">{{ p.url }}</span></td><td>{{ p.kind or "" }}</td><td>{{ p.reason }}</td></tr>{% endfor %}
{% for p in sample.random %}<tr><td class="n">{{ sample.structured|length + loop.index }}</td><td>随机</td><td>{{ p.title or "" }}<br><span class="small">{{ p.url }}</span></td><td>{{ p.kind or "" }}</td><td>{{ p.reason }}</td></tr>{% endfor %}
</table>

<h2>四、评测方法</h2>
<dl class="kv">
<dt>浏览器</dt><dd>Chromium，检查引擎 {{ method.engine }}{% if method.axe_engines %}（axe 运行于 {{ method.axe_engines|join("、") }}）{% endif %}</dd>
<dt>自动检查</dt><dd>axe-core {{ method.axe_versions|join("、") or "未运行" }}（WCAG 2.0/2.1/2.2 A、AA 规则）；本工具的补充检查 ga-symbol-contrast、ga-form-submit、ga-image-link-alt；适老化入口与适老化检查（焦点可见、键盘可达主导航、文字放大 200%、适老模式无弹窗）{% if method.elderly_pages %}，在 {{ method.elderly_pages|length }} 个页面上运行{% else %}（本批次未运行）{% endif %}</dd>
<dt>ACT 一致性</dt><dd>{% if method.act and method.act.agreement %}axe-core {{ method.act.axe }} 在 W3C ACT 规则测试用例上（{{ method.act.rules }} 条规则，{{ method.act.cases }} 个用例，{{ method.act.generated }}）与预期结果一致 {{ method.act.agreement.ours }}；W3C 实施报告中 axe-core 为 {{ method.act.agreement.w3c_report }}{% else %}不可用{% endif %}</dd>
<dt>判定规则</dt><dd>有违反项（不论影响程度）为不符合；仅有需人工复核项或检查未能完成为无法判定；覆盖该准则的检查通过为符合（自动检查只覆盖准则的部分情形）；检查无适用内容为不适用；无自动检查覆盖为需人工评测。人工评测结论优先于自动结论。</dd>
</dl>

<h2>五、逐项评测结果</h2>
<table><tr><th>条款</th><th>名称</th><th>级别</th><th>结论</th><th>说明</th><th>自动检查</th></tr>
{% for r in results %}<tr id="c-{{ r.criterion.id }}"><td class="ref">{{ r.criterion.ref }}{% if r.criterion.ref != r.criterion.id %}<br><span class="small">WCAG {{ r.criterion.id }}</span>{% endif %}{% if not r.criterion.verified %}<br><span class="small unv">未核对</span>{% endif %}</td>
<td>{{ r.criterion.name }}{% if r.criterion.requirement %}<br><span class="small">{{ r.criterion.requirement }}</span>{% endif %}</td><td class="n">{{ r.criterion.level }}</td>
<td><span class="o o-{{ r.outcome }}">{{ zh[r.outcome] }}</span>{% if r.manual %}<br><span class="small">人工评测</span>{% endif %}</td>
<td>{% if r.manual %}{{ r.manual.note }}（{{ r.manual.user }}；自动：{{ zh[r.automatic] }}）{% else %}{{ r.description }}{% endif %}</td>
<td class="small" title="{{ r.checks|join(' ') }}">{{ r.checks|length }} 项</td></tr>{% endfor %}
</table>

{% for r in details %}
<h3>{{ r.criterion.label }}：<span class="o o-{{ r.outcome }}">{{ zh[r.outcome] }}</span></h3>
<p>{{ r.description }}{% if r.rules %}（{% for rule, n in r.rules.items() %}{{ rule }} {{ n }} 处{% if not loop.last %}；{% endif %}{% endfor %}）{% endif %}</p>
{% if r.failed_pages %}<p class="small">不符合的页面：{{ r.failed_pages|join("、") }}</p>{% endif %}
{% for e in r.examples %}<div class="ex">{% if e.img %}<img src="{{ e.img }}" alt="{{ e.rule }} 截图">{% endif %}<div><b>{{ e.rule }}</b> · <code>{{ e.target or "" }}</code><br>{{ e.message }}<br><span class="small">{{ e.note or "" }}</span><br><span class="small">{{ e.page_url }}</span></div></div>{% endfor %}
{% endfor %}

<h2>六、需人工评测的准则</h2>
<p>以下准则无自动检查覆盖，或自动检查无法判定，需评测人员逐页评测并记录结论与证据：</p>
<table><tr><th>条款</th><th>名称</th><th>自动结论</th><th>人工评测</th></tr>
{% for r in manual_rows %}<tr><td>{{ r.criterion.ref }}</td><td>{{ r.criterion.name }}</td><td>{{ zh[r.automatic] }}</td><td>{% if r.manual %}{{ zh[r.manual.result] }}：{{ r.manual.note }}（{{ r.manual.user }}）{% else %}待评测{% endif %}</td></tr>{% endfor %}
</table>

<h2>附录　检查的页面</h2>
<table><tr><th>#</th><th>页面</th><th>类型</th><th>是否在样本中</th></tr>
{% for p in appendix %}<tr><td class="n">{{ loop.index }}</td><td>{{ p.title or "" }}<br><span class="small">{{ p.url }}</span></td><td>{{ p.kind or "" }}</td><td>{{ p.state }}</td></tr>{% endfor %}
</table>
<p class="small">本报告由 govsite-auditor 生成；证据文件位于检查的证据目录。</p>
</body></html>
"""

_env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
_template = _env.from_string(TEMPLATE)


def evidence_file(evidence_dir: str | Path | None, rel: str | None) -> Path | None:
    """An evidence picture inside the evidence folder, not too large for a report; None otherwise."""
    if not evidence_dir or not rel:
        return None
    root = Path(evidence_dir).resolve()
    path = (root / rel).resolve()
    if root not in path.parents or not path.is_file() or path.stat().st_size > MAX_IMAGE_BYTES:
        return None
    return path


def data_uri(evidence_dir: str | Path | None, rel: str | None) -> str | None:
    """A crop as a data: URI (the page stays one file); None when missing, too large or outside the folder."""
    path = evidence_file(evidence_dir, rel)
    if path is None:
        return None
    mime = mimetypes.guess_type(path.name)[0] or "image/png"
    if not mime.startswith("image/"):
        return None
    return f"data:{mime};base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def context(ev: Evaluation, evidence_dir: str | Path | None) -> dict[str, Any]:
    """What both the HTML and the DOCX show, in display order."""
    run = ev.run
    results = ev.conformance.results
    details = []
    for r in results:
        if r.outcome in ("failed", "cantTell") or r.examples:
            details.append({"criterion": r.criterion, "outcome": r.outcome, "description": r.description,
                            "rules": r.rules, "failed_pages": r.failed_pages, "manual": r.manual,
                            "examples": [dict(e.__dict__, img=data_uri(evidence_dir, e.evidence_path))
                                         for e in r.examples]})
    in_sample = {p.url: ("结构化样本" if i < len(ev.sample.structured) else "随机样本")
                 for i, p in enumerate(ev.sample.structured + ev.sample.random)}
    appendix = []
    for p in sorted(run.pages, key=lambda p: p.id):
        state = in_sample.get(p.url) or ("未能检查" if p.error_kind else "不在样本中")
        appendix.append({"url": p.url, "title": p.title, "kind": p.kind, "state": state})
    counts = ev.conformance.counts()
    by = ev.conformance.by_principle()
    std = ev.standard
    return {
        "title": f"{run.site_name} 无障碍评测报告", "std": std, "run": run, "now":
        datetime.now(timezone.utc).astimezone().strftime("%Y-%m-%d %H:%M"),
        "started": run.started_at.strftime("%Y-%m-%d %H:%M") if run.started_at else "",
        "target": {"gbt37668": "二级（对应 WCAG 2.0 AA）", "wcag21aa": "AA", "wcag22aa": "AA"}.get(std.key, ""),
        "outcomes": OUTCOMES, "zh": OUTCOME_ZH, "counts": {o: counts.get(o, 0) for o in OUTCOMES},
        "by_principle": [(PRINCIPLES.get(p, p), by[p]) for p in sorted(by)],
        "sample": ev.sample, "method": ev.method, "results": results, "details": details,
        "manual_rows": [r for r in results if r.needs_person or r.manual], "appendix": appendix,
    }


def render(ev: Evaluation, evidence_dir: str | Path | None) -> str:
    return _template.render(**context(ev, evidence_dir))


__all__ = ["render", "context", "data_uri"]
