"""适老模式无弹窗广告 (elderly.no_popups): in elderly mode no pop-up, floating ad or overlay.

工信部《互联网网站适老化通用设计规范》: «严禁出现广告内容及插件，也不能随机出现广告或临时性的广告弹窗».
Measured a second after the mode was switched on (floating ads start late). A floating element counts when it
floats (fixed, or absolute with an ad-like id/class), is not a page-wide header/footer bar, not a small
«返回顶部» button and not the accessibility toolbar itself, and carries a picture, a close button, an ad-like
name, or covers half the screen.
"""
from __future__ import annotations

from typing import Any

from auditor.models import Box, CheckResult, EvidenceRef, PageFacts, Status
from auditor.rules.meta import RuleMeta

META = RuleMeta(
    id="elderly.no_popups",
    indicator="适老模式无广告弹窗",
    pass_title="适老模式下未发现弹窗或漂浮广告",
    fail_title="适老模式下出现弹窗或漂浮广告",
    fix="适老模式下关闭所有弹窗、漂浮窗和广告（工信部《互联网网站适老化通用设计规范》）。",
    facts=("elderly",),
    kinds=frozenset({"home"}),
    description=("On home page: fail: pop-up or floating ad in elderly mode"),
)
RULE = META.id
INDICATOR = META.indicator
MIN_AREA = 10_000


def is_popup(item: dict[str, Any]) -> bool:
    if item.get("bar") or item.get("backToTop") or item.get("area", 0) < MIN_AREA:
        return False
    return bool(item.get("overlay") or item.get("adLike") or item.get("hasImg") or item.get("hasClose"))


def check(facts: PageFacts) -> CheckResult | None:
    el = facts.elderly
    if el is None or el.get("error"):
        return None
    act = el.get("elderly")
    popups = el.get("popups")
    if act is None or "after" not in act or popups is None or popups.get("items") is None:
        return CheckResult(RULE, Status.NOT_ASSESSABLE, INDICATOR, "未能进入适老模式，无法检查适老模式下的弹窗", None,
                           [EvidenceRef("未进入适老模式", kind="note")])
    found = [i for i in popups["items"] if is_popup(i)]
    shot = act.get("shot_after")
    if not found:
        return CheckResult(RULE, Status.PASS, INDICATOR, "适老模式下未发现弹窗或漂浮广告",
                           {"floating": len(popups["items"])},
                           [EvidenceRef("适老模式页面", kind="shot", png=shot)] if shot else
                           [EvidenceRef("适老模式页面", kind="note")])
    ev = []
    for i in found[:5]:
        b = Box.of(i["box"])
        if shot:
            ev.append(EvidenceRef(f"适老模式下的弹窗/漂浮元素：{i['text'] or i['selector']}", b, None, i["selector"],
                                  "shot", png=shot))
        ev.append(EvidenceRef("弹窗元素", None, i["html"], i["selector"]))
    return CheckResult(RULE, Status.FAIL, INDICATOR,
                       f"适老模式下出现 {len(found)} 个弹窗或漂浮广告：" + "、".join(
                           (i["text"] or i["selector"])[:20] for i in found[:3]),
                       {"popups": [{k: i[k] for k in ("selector", "box", "text", "fixed", "adLike", "hasImg",
                                                      "hasClose", "overlay")} for i in found]}, ev)
