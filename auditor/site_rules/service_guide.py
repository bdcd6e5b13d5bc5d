"""办事服务 and 办事指南要素 (service.entry, service.guide, service.guide_elements) — pure rules over the guides the
worker read by following the site's 办事服务 entry (workers/site_extra2.py).

19号 单项否决 服务不实用 (spec §1.2, V6, confidence partial): «1.未提供办事服务。2.办事指南重点要素类别（包括事项名称、
设定依据、申请条件、办理材料、…» — the rest of the sentence («…缺失4类以上的事项数量超过（含）5个») is ❓ unverified, so the
two numbers live in the scoring data file (indicators_19.toml, V6 ``params``, marked unverified) and are passed in.
A guide on another host (the province's 政务服务网) that cannot be reached is `not_assessable`, naming the host and
the error, never `fail`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from auditor.models import CheckResult, Status
from auditor.rules.meta import RuleMeta

META_ENTRY = RuleMeta(
    id="service.entry", indicator="服务不实用（办事服务入口）", scope="site", key="V6", group="V",
    pass_title="网站提供办事服务入口", fail_title="办事服务入口打不开，或首页未找到入口",
    fix="在首页提供“办事服务”入口（可链接到本省政务服务网），并保证可以打开。",
    facts=("site.service_entry",),
    description="首页链接文字（或图片 alt/title）为«办事服务/政务服务/网上办事…»的入口，打开它（可在另一网站，同样的出站"
                "规则）。按链接文字找不到入口 warn（可能另有名称或本无对外服务职能，需人工核查，不作否决）；入口打不开：本站的错误 fail，其他网站无法访问 not_assessable（写明主机和错误）。",
)
META_GUIDE = RuleMeta(
    id="service.guide", indicator="服务不实用（办事指南要素）", scope="site", key="V6", group="V",
    pass_title="抽查的办事指南要素基本齐全", fail_title="办事指南要素缺失的事项过多",
    fix="办事指南应写明设定依据、申请条件、办理材料、办理地点、办理时间、联系电话、办理流程、收费标准等要素。",
    facts=("site.service_guides",),
    description="从办事服务入口抽取5–10篇办事指南，查找8类要素标签；缺失≥4类（评分数据文件 V6 的 params，❓ 未核实）的"
                "指南数达到 guides_min（默认5，❓）fail，有但不足 warn；证据是每篇指南的要素矩阵。",
)
META_ELEMENTS = RuleMeta(
    id="service.guide_elements", indicator="办事指南要素", scope="site", key="D2.4", group="D2",
    pass_title="办事指南要素齐全", fail_title="办事指南缺失多类要素",
    fix="补齐该办事指南缺失的要素。",
    facts=("site.service_guides",),
    description="每篇抽查的办事指南一条（subject = 指南网址）：缺失≥4类要素 fail，缺失1–3类 warn，齐全 pass；打不开的指南"
                "not_assessable（写明网址和错误）。",
)
METAS = (META_ENTRY, META_GUIDE, META_ELEMENTS)

# The 8 要素 the inspection names, each with the labels real guides use for it.
ELEMENTS: dict[str, tuple[str, ...]] = {
    "设定依据": ("设定依据", "法律依据", "实施依据", "办理依据", "政策依据"),
    "申请条件": ("申请条件", "受理条件", "办理条件", "申报条件", "受理标准"),
    "办理材料": ("办理材料", "申请材料", "申报材料", "所需材料", "材料清单", "提交材料"),
    "办理地点": ("办理地点", "办理地址", "受理地点", "办公地址", "窗口地址"),
    "办理时间": ("办理时间", "受理时间", "办公时间", "工作时间"),
    "联系电话": ("联系电话", "咨询电话", "咨询方式", "联系方式"),
    "办理流程": ("办理流程", "办事流程", "办理程序", "流程图"),
    "收费标准": ("收费标准", "是否收费", "收费依据", "收费情况"),
}
ENTRY_RE = re.compile(r"办事服务|政务服务|网上办事|在线办事|网上办事大厅|政务服务网")


def elements_present(text: str) -> dict[str, bool]:
    """Which 要素 a guide's text names (by any of its labels; spaces inside a label ignored)."""
    flat = re.sub(r"\s+", "", text or "")
    return {name: any(label in flat for label in labels) for name, labels in ELEMENTS.items()}


@dataclass
class Guide:
    url: str
    title: str
    error: str | None = None          # could not be loaded (host and error)
    present: dict[str, bool] = field(default_factory=dict)

    @property
    def missing(self) -> list[str]:
        return [n for n in ELEMENTS if not self.present.get(n)]


@dataclass
class ServiceFacts:
    entry_text: str | None            # the entry's link words (None: no entry on the home page)
    entry_url: str | None
    entry_error: str | None = None    # the entry page could not be loaded: host and error
    entry_external: bool = False      # on another site (the province's 政务服务网)
    guides: list[Guide] = field(default_factory=list)


@dataclass(frozen=True)
class GuideThresholds:
    """From the scoring data file (V6 params; ❓ unverified): a guide 缺失 ``missing_min`` or more 要素 counts, and
    ``guides_min`` such guides are 服务不实用."""
    missing_min: int = 4
    guides_min: int = 5


def _matrix(facts: ServiceFacts) -> dict[str, Any]:
    return {"entry": facts.entry_url, "entry_text": facts.entry_text, "labels": list(ELEMENTS),
            "guides": [{"url": g.url, "title": g.title, "error": g.error, "present": g.present,
                        "missing": len(g.missing) if g.error is None else None} for g in facts.guides]}


def check_entry(facts: ServiceFacts) -> CheckResult:
    rid, ind = META_ENTRY.id, META_ENTRY.indicator
    value = {"entry": facts.entry_url, "entry_text": facts.entry_text, "error": facts.entry_error,
             "external": facts.entry_external}
    if facts.entry_url is None and facts.entry_error:
        return CheckResult(rid, Status.NOT_ASSESSABLE, ind, f"未能查找办事服务入口：{facts.entry_error}", value)
    if facts.entry_url is None:
        # Found by link words only: a site may name it otherwise (我要办, 便民服务 …) or have no 对外服务职能 at all,
        # so its absence is for a person to confirm, never a veto on a guess (the first law).
        return CheckResult(rid, Status.WARN, ind, "首页未找到“办事服务/政务服务/网上办事”入口（按链接文字查找），"
                                                  "是否未提供办事服务需人工核查", value)
    if facts.entry_error:
        if facts.entry_external:
            return CheckResult(rid, Status.NOT_ASSESSABLE, ind,
                               f"本次检查无法访问办事服务入口所在网站：{facts.entry_error}；入口“{facts.entry_text}” → "
                               f"{facts.entry_url}，需人工复核", value)
        return CheckResult(rid, Status.FAIL, ind, f"办事服务入口“{facts.entry_text}”打不开：{facts.entry_error}", value)
    return CheckResult(rid, Status.PASS, ind, f"首页有办事服务入口“{facts.entry_text}” → {facts.entry_url}", value)


def check_guides(facts: ServiceFacts, th: GuideThresholds = GuideThresholds()) -> CheckResult:
    """服务不实用 (要素): how many sampled guides miss ``missing_min`` or more 要素."""
    rid, ind = META_GUIDE.id, META_GUIDE.indicator
    value = _matrix(facts)
    value.update(missing_min=th.missing_min, guides_min=th.guides_min, thresholds_verified=False)
    if facts.entry_url is None:
        return CheckResult(rid, Status.NOT_ASSESSABLE, ind, "没有办事服务入口，未抽查办事指南", value)
    if facts.entry_error:
        return CheckResult(rid, Status.NOT_ASSESSABLE, ind,
                           f"办事服务入口 {facts.entry_url} 无法打开（{facts.entry_error}），未抽查办事指南", value)
    read = [g for g in facts.guides if g.error is None]
    if not read:
        why = f"（{facts.guides[0].url}：{facts.guides[0].error}）" if facts.guides else ""
        return CheckResult(rid, Status.NOT_ASSESSABLE, ind,
                           f"从办事服务入口 {facts.entry_url} 未能读到办事指南{why}，需人工复核", value)
    poor = [g for g in read if len(g.missing) >= th.missing_min]
    value.update(read=len(read), poor=len(poor), poor_guides=[g.url for g in poor])
    head = f"抽查{len(read)}篇办事指南，缺失{th.missing_min}类及以上要素的{len(poor)}篇"
    names = "；".join(f"“{g.title[:24]}”缺{len(g.missing)}类（{'、'.join(g.missing)}）" for g in poor[:5])
    if len(poor) >= th.guides_min:
        return CheckResult(rid, Status.FAIL, ind, f"服务不实用：{head}（≥{th.guides_min}，阈值未核实）：{names}", value)
    if poor:
        return CheckResult(rid, Status.WARN, ind, f"{head}（<{th.guides_min}，未达单项否决）：{names}", value)
    return CheckResult(rid, Status.PASS, ind, f"{head}", value)


def check_each_guide(facts: ServiceFacts, th: GuideThresholds = GuideThresholds()) -> list[tuple[str, CheckResult]]:
    """One (subject = guide URL, result) per sampled guide: its row of the 要素 matrix."""
    rid, ind = META_ELEMENTS.id, META_ELEMENTS.indicator
    out = []
    for g in facts.guides:
        v = {"url": g.url, "title": g.title, "present": g.present, "missing": g.missing if g.error is None else None,
             "missing_min": th.missing_min}
        if g.error is not None:
            out.append((g.url, CheckResult(rid, Status.NOT_ASSESSABLE, ind, f"办事指南 {g.url} 无法打开：{g.error}", v)))
            continue
        q = f"办事指南“{g.title[:30]}”"
        if not g.missing:
            out.append((g.url, CheckResult(rid, Status.PASS, ind, f"{q}8类要素齐全", v)))
        else:
            status = Status.FAIL if len(g.missing) >= th.missing_min else Status.WARN
            out.append((g.url, CheckResult(rid, status, ind, f"{q}缺失{len(g.missing)}类要素：{'、'.join(g.missing)}", v)))
    return out
