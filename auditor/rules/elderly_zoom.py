"""文字放大 200% 不丢失内容 (elderly.zoom_200): WCAG 1.4.4 / 适老化规范 «文字放大».

Every font on the page is made twice as large (text-only zoom, as a browser's «只缩放文字» does), and text that
then overflows a box that hides overflow (fixed-height lists, clipped cells; ellipsis excluded) is lost content.
Only clipping that was not there at 100 % counts. Lost text in any element: 不合格.
"""
from __future__ import annotations

from auditor.models import Box, CheckResult, EvidenceRef, PageFacts, Status
from auditor.rules.meta import RuleMeta

META = RuleMeta(
    id="elderly.zoom_200",
    indicator="文字放大200%不丢失内容",
    pass_title="文字放大 200% 后内容完整",
    fail_title="文字放大 200% 后有文字被截断",
    fix="不要给文字容器设固定高度加 overflow:hidden，改用自适应高度，使文字放大到 200% 后仍能完整显示。",
    facts=("elderly",),
    kinds=frozenset({"home"}),
    description=("On home page: fail: text newly clipped at 200 % text size"),
)
RULE = META.id
INDICATOR = META.indicator


def check(facts: PageFacts) -> CheckResult | None:
    el = facts.elderly
    if el is None or el.get("error"):
        return None
    z = el.get("zoom")
    if not z:
        return CheckResult(RULE, Status.NOT_ASSESSABLE, INDICATOR, "文字放大检查未能完成",
                           (el.get("errors") or {}).get("zoom"), [EvidenceRef("检查未完成", kind="note")])
    before = {c["selector"] for c in z["base"]["clipped"]}
    lost = [c for c in z["zoomed"]["clipped"] if c["selector"] not in before]
    # Keep the outermost: a clipped list and each clipped item in it are one loss.
    sels = [c["selector"] for c in lost]
    lost = [c for c in lost if not any(o != c["selector"] and c["selector"].startswith(o + " > ") for o in sels)]
    shot = z.get("shot")
    value = {"factor": z["factor"], "clipped_new": len(lost), "examples": [c["selector"] for c in lost[:10]],
             "scroll_width": z["zoomed"]["scrollWidth"], "viewport_width": z["zoomed"]["innerWidth"]}
    if not lost:
        return CheckResult(RULE, Status.PASS, INDICATOR, f"文字放大 {z['factor']:.0%} 后未发现被截断的文字", value,
                           [EvidenceRef("文字放大后的页面", kind="shot", png=shot)] if shot else
                           [EvidenceRef("文字放大后的页面", kind="note")])
    ev = []
    for c in lost[:5]:
        b = Box.of(c["box"])
        if shot and b is not None and b.y < 900:
            ev.append(EvidenceRef(f"放大后被截断：{c['text']}", b, None, c["selector"], "shot", png=shot))
        else:
            ev.append(EvidenceRef(f"放大后被截断：{c['text']}", None, None, c["selector"], "note"))
    return CheckResult(RULE, Status.FAIL, INDICATOR,
                       f"文字放大 {z['factor']:.0%} 后有 {len(lost)} 处文字被截断而看不全：" + "、".join(
                           c["text"][:12] for c in lost[:3]), value, ev)
