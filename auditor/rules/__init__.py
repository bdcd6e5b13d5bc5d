"""The page rules: pure functions over a page's facts and the site's profile, one module per rule.

Rule ids are part of the contract (the JSON output and the scorecard use them); see docs/rules.md.
"""
from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import Callable

from auditor import fault
from auditor.models import CheckResult, PageFacts, SiteProfile
from auditor.rules.meta import RuleMeta
from auditor.rules import (a11y_axe, a11y_entry, content_pii, content_wording, elderly_focus, elderly_keyboard,
                           elderly_popups, elderly_zoom, footer_conac, footer_contact, footer_icp, footer_jiucuo,
                           footer_police_record, footer_site_code, footer_sponsor, header_site_name, meta_article,
                           meta_column, meta_site, site_domain, site_https)

ALL_KINDS = frozenset({"home", "column", "article", "other"})


@dataclass(frozen=True)
class Rule:
    id: str
    indicator: str
    kinds: frozenset[str]
    check: Callable[[PageFacts, SiteProfile], CheckResult]
    meta: RuleMeta | None = None


def _rule(mod: ModuleType, kinds: frozenset[str] = ALL_KINDS) -> Rule:
    meta: RuleMeta | None = getattr(mod, "META", None)
    if meta is not None:
        return Rule(meta.id, meta.indicator, meta.kinds, mod.check, meta)
    return Rule(mod.RULE, mod.INDICATOR, kinds, mod.check)


RULES: list[Rule] = [
    _rule(header_site_name),
    _rule(footer_conac),
    _rule(footer_jiucuo),
    _rule(footer_site_code),
    _rule(footer_icp),
    _rule(footer_police_record),
    _rule(footer_sponsor),
    _rule(footer_contact),
    _rule(meta_site),
    _rule(meta_column, frozenset({"column", "article"})),
    _rule(meta_article, frozenset({"article"})),
    _rule(site_domain),
    _rule(site_https),
    _rule(content_wording),
    _rule(content_pii),
]
RULE_IDS = [r.id for r in RULES]
INDICATORS = {r.id: r.indicator for r in RULES}


# 无障碍/适老化 rules read facts only some pages have (axe ran; the entries were switched on). Their ids are
# fixed, except the per-violation findings "a11y.<rule id>" and the 需人工复核 ones "a11y.review.<axe rule id>".
A11Y_RULES: list[tuple[str, str]] = [
    (a11y_axe.SUMMARY, a11y_axe.INDICATOR),
    (a11y_entry.A11Y_RULE, a11y_entry.A11Y_INDICATOR),
    (a11y_entry.ELDERLY_RULE, a11y_entry.ELDERLY_INDICATOR),
    (elderly_popups.RULE, elderly_popups.INDICATOR),
    (elderly_focus.RULE, elderly_focus.INDICATOR),
    (elderly_keyboard.RULE, elderly_keyboard.INDICATOR),
    (elderly_zoom.RULE, elderly_zoom.INDICATOR),
]
INDICATORS.update(dict(A11Y_RULES))


_A11Y_FNS: list[tuple[str, str, Callable[[PageFacts], CheckResult | None]]] = [
    (a11y_entry.A11Y_RULE, a11y_entry.A11Y_INDICATOR, a11y_entry.check_a11y),
    (a11y_entry.ELDERLY_RULE, a11y_entry.ELDERLY_INDICATOR, a11y_entry.check_elderly),
    (elderly_popups.RULE, elderly_popups.INDICATOR, elderly_popups.check),
    (elderly_focus.RULE, elderly_focus.INDICATOR, elderly_focus.check),
    (elderly_keyboard.RULE, elderly_keyboard.INDICATOR, elderly_keyboard.check),
    (elderly_zoom.RULE, elderly_zoom.INDICATOR, elderly_zoom.check),
]


def run_a11y_rules(facts: PageFacts, node_cap: int = 5) -> list[CheckResult]:
    """The 无障碍 findings (axe) and the 无障碍/适老化 entry and item checks, where their facts exist."""
    try:
        out = a11y_axe.checks(facts, node_cap)
    except Exception as exc:  # noqa: BLE001 - one rule cannot sink a page
        out = [fault.rule_crashed(a11y_axe.SUMMARY, a11y_axe.INDICATOR, exc)]
    for rule, indicator, fn in _A11Y_FNS:
        try:
            c = fn(facts)
        except Exception as exc:  # noqa: BLE001
            c = fault.rule_crashed(rule, indicator, exc)
        if c is not None:
            out.append(fault.adjudicate(c, facts))
    return out


def run_one(rule: Rule, facts: PageFacts, site: SiteProfile) -> CheckResult:
    """One rule on one page, under the rule of fault; a rule that raises is not assessable on its own."""
    try:
        return fault.adjudicate(rule.check(facts, site), facts)
    except Exception as exc:  # noqa: BLE001 - one rule cannot sink a page
        return fault.rule_crashed(rule.id, rule.indicator, exc)


def run_rules(facts: PageFacts, site: SiteProfile, kind: str, only: set[str] | None = None,
              node_cap: int = 5) -> list[CheckResult]:
    """Every rule that applies to this page kind, in contract order, then the 无障碍/适老化 ones."""
    out = [run_one(r, facts, site) for r in RULES if kind in r.kinds and (only is None or r.id in only)]
    if only is None:
        out += run_a11y_rules(facts, node_cap)
    return out
