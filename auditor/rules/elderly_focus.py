"""焦点可见 (elderly.focus_visible): a keyboard user sees where the focus is (适老化规范; WCAG 2.4.7).

From the Tab walk of browsers/elderly.py: each stop's computed style while focused is compared with the same
element unfocused (outline, shadow, colours, border, underline, transform). No difference means no visible focus.
Share of stops without visible focus: 0 通过; up to 20 % 警告; more 不合格.
"""
from __future__ import annotations

from auditor.models import Box, CheckResult, EvidenceRef, PageFacts, Status
from auditor.rules.meta import RuleMeta

META = RuleMeta(
    id="elderly.focus_visible",
    indicator="焦点可见",
    pass_title="键盘焦点在各元素上均可见",
    fail_title="键盘焦点不可见",
    fix="为链接、按钮、表单控件设置明显的 :focus 样式（如轮廓线），不要用 outline:none 去掉焦点框。",
    facts=("elderly",),
    kinds=frozenset({"home"}),
    description=("On home page: warn ≤ 20 %, fail > 20 % of Tab stops without visible focus"),
)
RULE = META.id
INDICATOR = META.indicator
WARN_SHARE = 0.2


def check(facts: PageFacts) -> CheckResult | None:
    el = facts.elderly
    if el is None or el.get("error"):
        return None
    kb = el.get("keyboard")
    if not kb:
        return CheckResult(RULE, Status.NOT_ASSESSABLE, INDICATOR, "键盘检查未能完成",
                           (el.get("errors") or {}).get("keyboard"), [EvidenceRef("键盘检查未完成", kind="note")])
    stops = kb["stops"]
    if not stops:
        return CheckResult(RULE, Status.FAIL, INDICATOR, "按 Tab 键无法把焦点移到页面上的任何元素", {"stops": 0},
                           [EvidenceRef("Tab 键无可聚焦元素", kind="note")])
    hidden = [s for s in stops if s.get("unfocused") is not None and s["unfocused"] == s["style"]]
    share = len(hidden) / len(stops)
    value = {"stops": len(stops), "without_focus_style": len(hidden), "share": round(share, 3),
             "examples": [h["selector"] for h in hidden[:10]]}
    ev = [EvidenceRef(f"获得焦点时无可见变化：{h['text'] or h['tag']}", Box.of(h["box"]), h["html"], h["selector"])
          for h in hidden[:5]]
    if not hidden:
        first = stops[0]
        return CheckResult(RULE, Status.PASS, INDICATOR, f"Tab 键经过的 {len(stops)} 个元素获得焦点时均有可见变化",
                           value, [EvidenceRef("第一个焦点", Box.of(first["box"]), first["html"], first["selector"])])
    status = Status.WARN if share <= WARN_SHARE else Status.FAIL
    return CheckResult(RULE, status, INDICATOR,
                       f"Tab 键经过的 {len(stops)} 个元素中 {len(hidden)} 个获得焦点时没有可见变化（{share:.0%}）",
                       value, ev)
