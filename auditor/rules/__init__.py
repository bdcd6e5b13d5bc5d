"""The page rules: pure functions over a page's facts and the site's profile, one module per rule.

Rule ids are part of the contract (the JSON output and the scorecard use them); see docs/rules.md.
"""
from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import Callable

from auditor.models import CheckResult, PageFacts, SiteProfile
from auditor.rules import (footer_conac, footer_contact, footer_icp, footer_jiucuo, footer_police_record,
                           footer_site_code, footer_sponsor, header_site_name, meta_article, meta_column, meta_site,
                           site_domain, site_https)

ALL_KINDS = frozenset({"home", "column", "article", "other"})


@dataclass(frozen=True)
class Rule:
    id: str
    indicator: str
    kinds: frozenset[str]
    check: Callable[[PageFacts, SiteProfile], CheckResult]


def _rule(mod: ModuleType, kinds: frozenset[str] = ALL_KINDS) -> Rule:
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
]
RULE_IDS = [r.id for r in RULES]
INDICATORS = {r.id: r.indicator for r in RULES}


def run_rules(facts: PageFacts, site: SiteProfile, kind: str, only: set[str] | None = None) -> list[CheckResult]:
    """Every rule that applies to this page kind, in contract order."""
    return [r.check(facts, site) for r in RULES if kind in r.kinds and (only is None or r.id in only)]
