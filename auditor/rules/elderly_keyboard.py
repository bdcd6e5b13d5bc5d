"""键盘可达主导航 (elderly.keyboard_nav): the main navigation (一级栏目) is reachable with the Tab key.

适老化规范: «计算机网站至少提供全程键盘和特大鼠标»; WCAG 2.1.1. The navigation links are the probe's (nav/menu
blocks near the top); the Tab walk (up to 80 stops from the top of the page) must reach them.
Reached share ≥ 80 % 通过; ≥ 50 % 警告; less 不合格.
"""
from __future__ import annotations

from urllib.parse import urldefrag

from auditor.models import Box, CheckResult, EvidenceRef, PageFacts, Status
from auditor.rules.meta import RuleMeta

META = RuleMeta(
    id="elderly.keyboard_nav",
    indicator="键盘可达主导航",
    pass_title="用 Tab 键可到达主导航",
    fail_title="用 Tab 键到达不了主导航",
    fix="让主导航（一级栏目）的链接可用 Tab 键依次到达：使用真实的 <a href> 链接，不要用 tabindex=-1 或只响应鼠标的元素。",
    facts=("elderly", "probe.nav"),
    kinds=frozenset({"home"}),
    description=("On home page: pass ≥ 80 %, warn ≥ 50 % of navigation links reached by Tab"),
)
RULE = META.id
INDICATOR = META.indicator
PASS_SHARE, WARN_SHARE = 0.8, 0.5
MAX_NAV = 12


def _key(href: str) -> str:
    return urldefrag(href or "")[0].rstrip("/")


def check(facts: PageFacts) -> CheckResult | None:
    el = facts.elderly
    if el is None or el.get("error"):
        return None
    kb = el.get("keyboard")
    nav = []
    for n in facts.probe.nav:
        k = _key(n.get("href", ""))
        if k and not k.startswith("javascript") and k not in [x[0] for x in nav]:
            nav.append((k, n))
        if len(nav) >= MAX_NAV:
            break
    if not kb or not nav:
        why = "键盘检查未能完成" if not kb else "页面上未识别出主导航"
        return CheckResult(RULE, Status.NOT_ASSESSABLE, INDICATOR, why, None, [EvidenceRef(why, kind="note")])
    # A nav link counts as reached when the focus lands on it inside the navigation, not on a link elsewhere
    # (a «更多» link or the footer) that happens to share its address.
    reached = {_key(s.get("href", "")) for s in kb["stops"] if s.get("inNav")}
    missing = [(k, n) for k, n in nav if k not in reached]
    share = 1 - len(missing) / len(nav)
    value = {"nav_links": len(nav), "reached": len(nav) - len(missing), "share": round(share, 3),
             "tab_stops": len(kb["stops"]), "missing": [k for k, _ in missing]}
    if not missing:
        return CheckResult(RULE, Status.PASS, INDICATOR,
                           f"主导航 {len(nav)} 个栏目均可用 Tab 键到达（共 {len(kb['stops'])} 个焦点）", value,
                           [EvidenceRef("主导航", Box.of(nav[0][1].get("box")), None, nav[0][1].get("text"))])
    status = Status.PASS if share >= PASS_SHARE else Status.WARN if share >= WARN_SHARE else Status.FAIL
    ev = [EvidenceRef(f"Tab 键无法到达：{n.get('text')}", Box.of(n.get("box")), None, k) for k, n in missing[:5]]
    return CheckResult(RULE, status, INDICATOR,
                       f"主导航 {len(nav)} 个栏目中 {len(missing)} 个无法用 Tab 键到达：" + "、".join(
                           (n.get("text") or k)[:10] for k, n in missing[:5]), value, ev)
