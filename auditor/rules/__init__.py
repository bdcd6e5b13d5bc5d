"""The page rules: pure functions over a page's facts and the site's profile, one module per rule.

Each rule module declares ``META`` (auditor/rules/meta.py) beside its ``check``; this registry, ``catalog()`` (read
by ``govaudit rules``, which generates docs/rules.md's tables), the UI's indicator names and 如何整改 guidance and the
exports all read it. Rule ids are part of the contract (the JSON output and the scorecard use them).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from types import ModuleType
from typing import Callable

from auditor import fault
from auditor.models import CheckResult, PageFacts, SiteProfile
from auditor.rules.meta import PAGE_KINDS, RuleMeta
from auditor.rules import (a11y_axe, a11y_entry, content_pii, content_wording, elderly_focus, elderly_keyboard,
                           elderly_popups, elderly_zoom, footer_conac, footer_contact, footer_icp, footer_jiucuo,
                           footer_police_record, footer_site_code, footer_sponsor, header_site_name, meta_article,
                           meta_column, meta_site, site_domain, site_https)

ALL_KINDS = PAGE_KINDS


@dataclass(frozen=True)
class Rule:
    id: str
    indicator: str
    kinds: frozenset[str]
    check: Callable[[PageFacts, SiteProfile], CheckResult]
    meta: RuleMeta | None = None


def _rule(mod: ModuleType) -> Rule:
    meta: RuleMeta = mod.META
    return Rule(meta.id, meta.indicator, meta.kinds, mod.check, meta)


# The page rules, in contract order (the JSON output, the CLI table and docs/rules.md list them in this order).
RULES: list[Rule] = [_rule(m) for m in (
    header_site_name, footer_conac, footer_jiucuo, footer_site_code, footer_icp, footer_police_record,
    footer_sponsor, footer_contact, meta_site, meta_column, meta_article, site_domain, site_https,
    content_wording, content_pii)]
RULE_IDS = [r.id for r in RULES]

# 无障碍/适老化 rules read facts only some pages have (axe ran; the entries were switched on). Their ids are
# fixed, except the per-violation findings "a11y.<rule id>" and the 需人工复核 ones "a11y.review.<axe rule id>",
# which a11y.axe's META declares as ``extra_ids`` and ``meta_for`` maps to it.
_A11Y_FNS: list[tuple[RuleMeta, Callable[[PageFacts], CheckResult | None]]] = [
    (a11y_entry.A11Y_META, a11y_entry.check_a11y),
    (a11y_entry.ELDERLY_META, a11y_entry.check_elderly),
    (elderly_popups.META, elderly_popups.check),
    (elderly_focus.META, elderly_focus.check),
    (elderly_keyboard.META, elderly_keyboard.check),
    (elderly_zoom.META, elderly_zoom.check),
]
A11Y_METAS: list[RuleMeta] = [a11y_axe.META, *(m for m, _ in _A11Y_FNS)]
A11Y_RULES: list[tuple[str, str]] = [(m.id, m.indicator) for m in A11Y_METAS]
INDICATORS = {m.id: m.indicator for m in [*(r.meta for r in RULES if r.meta), *A11Y_METAS]}


def catalog() -> list[RuleMeta]:
    """Every rule's declaration: the page rules in contract order, the 无障碍/适老化 rules, then the site rules."""
    return [m for metas in catalog_sections().values() for m in metas]


def catalog_sections() -> dict[str, list[RuleMeta]]:
    """The catalog by docs/rules.md section: page rules, 无障碍/适老化 rules, site rules."""
    from auditor.site_rules import SITE_METAS

    return {"page": [r.meta for r in RULES if r.meta], "a11y": list(A11Y_METAS), "site": list(SITE_METAS)}


def meta_for(rule_id: str) -> RuleMeta | None:
    """The declaration behind a check's rule id; the dynamic ids "a11y.<axe rule>" and "a11y.review.<axe rule>"
    are a11y.axe's findings. None for an id no rule declares (an old stored check, a removed rule)."""
    by_id = _by_id()
    if rule_id in by_id:
        return by_id[rule_id]
    if rule_id.startswith(a11y_axe.PREFIX):
        return a11y_axe.META
    return None


@functools.cache
def _by_id() -> dict[str, RuleMeta]:
    return {m.id: m for m in catalog()}


def run_a11y_rules(facts: PageFacts, node_cap: int = 5) -> list[CheckResult]:
    """The 无障碍 findings (axe) and the 无障碍/适老化 entry and item checks, where their facts exist."""
    try:
        out = a11y_axe.checks(facts, node_cap)
    except Exception as exc:  # noqa: BLE001 - one rule cannot sink a page
        out = [fault.rule_crashed(a11y_axe.SUMMARY, a11y_axe.INDICATOR, exc)]
    for meta, fn in _A11Y_FNS:
        try:
            c = fn(facts)
        except Exception as exc:  # noqa: BLE001
            c = fault.rule_crashed(meta.id, meta.indicator, exc)
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
