"""无障碍 (axe-core and our own checks): one finding per violated rule, mapped to WCAG and GB/T 37668-2019; one
需人工复核 finding per rule axe could not decide; and a page summary.

Reads ``facts.axe`` (``auditor.a11y.compact`` of either engine's run, with boxes for the first nodes).
Status: a violation of a WCAG criterion with impact critical/serious is 不合格; a lesser impact, or a rule
that is only an axe best practice, is a 警告. What axe leaves for review (its "incomplete" results: text over
a background image, a link told apart by colour alone) is a 警告 marked 需人工复核, with axe's reason: the
inspector looks at the crop and decides, and can mark it 误报. Messages are axe's own zh_CN texts; our own
checks (``source`` "govsite-auditor", browsers/a11y_extra.js) bring Chinese texts of their own.
"""
from __future__ import annotations

import re
from typing import Any

from auditor.a11y import FAIL_IMPACTS, gbt_indicator, sc_from_tags
from auditor.models import Box, CheckResult, EvidenceRef, PageFacts, Status
from auditor.rules.meta import RuleMeta

PREFIX = "a11y."
REVIEW_PREFIX = "a11y.review."
META = RuleMeta(
    id="a11y.axe",
    indicator="无障碍（GB/T 37668-2019）",
    pass_title="axe-core 未发现无障碍问题",
    fail_title="页面有无障碍问题",
    fix="按每条问题所列的 WCAG/GB/T 37668 条款修改页面代码（图片替代文本、表单标签、链接名称、颜色对比度等），改后重新检查。",
    facts=("axe",),
    extra_ids=("a11y.<axe rule>", "a11y.review.<axe rule>"),
    description=("On every page (`a11y = true`): summary of axe-core: pass with no violations; else the worst "
                 "finding's status; not_assessable when axe could not run"),
)
SUMMARY = META.id
INDICATOR = META.indicator
_SERVICE_MARKUP = re.compile(r"bszs\.conac\.cn|dcs\.conac\.cn|_ideConac|imgConac|zfwzgl\.www\.gov\.cn|_span_jiucuo"
                             r"|exposure/jiucuo|exposure/images/jiucuo", re.I)
IMPACT_ZH = {"critical": "严重", "serious": "较重", "moderate": "中等", "minor": "轻微"}


def _finding(v: dict[str, Any], review: bool, version: str, node_cap: int) -> CheckResult:
    scs = sc_from_tags(v["tags"])
    gbt = [gbt_indicator(sc) for sc in scs]
    best_practice = not scs
    if review:
        status = Status.WARN
    else:
        status = Status.FAIL if (v.get("impact") in FAIL_IMPACTS and not best_practice) else Status.WARN
    where = gbt[0].label if gbt else "axe 最佳实践（无对应 WCAG 成功准则）"
    evidence = []
    for n in v["nodes"][:node_cap]:
        evidence.append(EvidenceRef(n["summary"] or v["help"], Box.of(n.get("box")), n["html"] or None, n["target"]))
    if not evidence:
        evidence.append(EvidenceRef(v["help"], kind="axe", text=v["id"]))
    impact = IMPACT_ZH.get(v.get("impact") or "", v.get("impact") or "")
    # Every element of the finding is the markup a national service draws (the 党政机关网站标识, the 找错 entry):
    # the site cannot change it, so it is never a fail of the site, and it says so.
    nodes = v.get("nodes") or []
    service = bool(nodes) and len(nodes) >= v.get("count", 0) and all(
        _SERVICE_MARKUP.search(f"{n.get('html') or ''} {n.get('target') or ''}") for n in nodes)
    if service and status is Status.FAIL:
        status = Status.WARN
    source = v.get("source", "axe-core")
    if review:
        who = "axe-core" if source == "axe-core" else "自动检查"
        message = f"需人工复核：{v['help']}（{v['count']} 处{who}无法判定；{where}）"
        indicator = f"无障碍 · {gbt[0].name if gbt else '最佳实践'} · 需人工复核"
    else:
        message = f"{v['help']}（{v['count']} 处，影响{impact}；{where}）"
        indicator = f"无障碍 · {gbt[0].name if gbt else '最佳实践'}"
    if service:
        message = f"非网站可整改（国家服务绘制的标识或入口代码）：{message}"
    return CheckResult(
        (REVIEW_PREFIX if review else PREFIX) + v["id"], status, indicator, message,
        {"axe_rule": v["id"], "source": source, "needs_review": review, "impact": v.get("impact"), "wcag": scs,
         "gbt37668": [{"clause": g.clause, "name": g.name, "guideline": g.guideline, "principle": g.principle,
                       "level": g.level} for g in gbt],
         "best_practice": best_practice, "nodes": v["count"],
         "targets": [n["target"] for n in v["nodes"][:20]], "description": v["description"],
         "help_url": v["help_url"], "axe_version": version, "not_site_fixable": service},
        evidence)


def checks(facts: PageFacts, node_cap: int = 5) -> list[CheckResult]:
    """The page's accessibility findings; empty when the accessibility pass did not run on this page."""
    axe = facts.axe
    if axe is None:
        return []
    if axe.get("error"):
        return [CheckResult(SUMMARY, Status.NOT_ASSESSABLE, INDICATOR, f"无障碍检查未能完成：{axe['error']}",
                            {"error": axe["error"]}, [EvidenceRef("axe-core 运行失败", kind="axe",
                                                                  text=axe["error"])])]
    version = axe.get("version", "")
    out = [_finding(v, False, version, node_cap) for v in axe["violations"]]
    review = [_finding(v, True, version, node_cap) for v in axe.get("review", [])]
    fails = sum(1 for c in out if c.status is Status.FAIL)
    warns = len(out) - fails
    # The verdict is on what was decided; the rules left for review are findings of their own.
    status = Status.FAIL if fails else Status.WARN if warns else Status.PASS
    msg = (f"axe-core {version} 未发现无障碍问题" if not out else
           f"axe-core {version} 发现 {len(out)} 类无障碍问题（不合格 {fails}，警告 {warns}）")
    if review:
        msg += f"；{len(review)} 类需人工复核"
    summary = CheckResult(SUMMARY, status, INDICATOR, msg,
                          {"violations": len(out), "fail": fails, "warn": warns, "rules": [c.rule for c in out],
                           "review": [c.rule for c in review], "incomplete": axe.get("incomplete", []),
                           "axe_version": version, "engine": axe.get("engine", "")},
                          [EvidenceRef("axe-core 检查结果", kind="axe",
                                       text=", ".join(c.rule for c in out + review) or "无")])
    return [summary] + out + review
