"""The site rules (站点规则): pure functions over a whole-site audit's facts (``auditor.site_facts.SiteFacts``),
one module per family, each rule declared by a ``RuleMeta`` with ``scope="site"`` beside its function.

They return the same ``CheckResult`` as the page rules, with a ``subject`` where a rule has several results (a
栏目's URL, a page's URL, ``pages`` for the per-rule page summaries). ``workers/siterun.py`` gathers the facts,
calls ``run_site_rules`` and stores the results: ``links.availability`` on its pages, the rest as the run's site
checks. The order of ``SITE_RULES`` is the order of the stored site checks.
"""
from __future__ import annotations

from auditor import fault
from auditor.models import CheckResult
from auditor.rules.meta import RuleMeta
from auditor.site_facts import SiteFacts
from auditor.site_rules import (availability, coverage, freshness, interaction, ipv6, links, policy, search,
                                 service_guide)
from auditor.site_rules.base import SiteRule, SiteRuleConfig

SITE_RULES: list[SiteRule] = [
    SiteRule(links.PAGE_META, links.check_page_links, needs=("links",)),
    SiteRule(links.HOME_META, links.check_home, needs=("links",)),
    SiteRule(links.OTHER_META, links.check_other, needs=("links",)),
    SiteRule(links.EXTERNAL_META, links.check_external, needs=("links",)),
    SiteRule(freshness.COLUMN_META, freshness.check_columns, needs=("pages",)),
    SiteRule(freshness.VETO_META, freshness.check_veto, needs=("pages",)),
    SiteRule(freshness.HOME_META, freshness.check_home, needs=("pages",)),
    SiteRule(freshness.PUBDATE_META, freshness.check_pubdate, needs=("pages",)),
    SiteRule(ipv6.AAAA_META, ipv6.rule_aaaa, needs=("ipv6",)),
    SiteRule(ipv6.NS_META, ipv6.rule_ns, needs=("ipv6",)),
    SiteRule(ipv6.HOME_META, ipv6.rule_home, needs=("ipv6",)),
    SiteRule(ipv6.CONSISTENCY_META, ipv6.rule_consistency, needs=("ipv6",)),
    SiteRule(ipv6.LEVEL2_META, ipv6.rule_level2, needs=("ipv6",)),
    SiteRule(ipv6.LEVEL3_META, ipv6.rule_level3, needs=("ipv6",)),
    SiteRule(ipv6.SUBRESOURCES_META, ipv6.rule_subresources, needs=("ipv6",)),
    SiteRule(ipv6.SUPPORT_META, ipv6.rule_support, needs=("ipv6",)),
    SiteRule(coverage.SUMMARY_META, coverage.check_summaries, needs=("page_results",)),
    SiteRule(coverage.META, coverage.check_coverage, needs=("crawl", "page_results")),
    SiteRule(availability.UNREACHABLE_META, availability.check_unreachable),
    SiteRule(availability.META, availability.check_availability, needs=("probes", "probes_until")),
]
# 站内搜索, 互动交流, 政策解读 and 办事指南 are judged by their own pure functions over facts gathered in one pass per
# family (workers/site_extra.py in the browser, workers/site_extra2.py over HTTP): they are declared here for the catalog, docs and scorecard, not run by run_site_rules.
FAMILY_METAS: list[RuleMeta] = [search.META, *interaction.METAS, *policy.METAS, *service_guide.METAS]
SITE_METAS: list[RuleMeta] = [r.meta for r in SITE_RULES] + FAMILY_METAS
SITE_RULE_IDS = [m.id for m in SITE_METAS]


def run_one(rule: SiteRule, facts: SiteFacts, config: SiteRuleConfig) -> list[CheckResult]:
    """One site rule; a rule that raises is not assessable on its own (one result, «检查规则出错»)."""
    try:
        return rule.check(facts, config)
    except Exception as exc:  # noqa: BLE001 - one rule cannot sink the site's other rules
        return [fault.rule_crashed(rule.meta.id, rule.meta.indicator, exc)]


def run_site_rules(facts: SiteFacts, config: SiteRuleConfig | None = None, *, rules: list[SiteRule] | None = None,
                   only: set[str] | None = None) -> list[CheckResult]:
    """Every site rule whose facts were gathered, in ``SITE_RULES`` order (``only``: these rule ids)."""
    cfg = config or SiteRuleConfig()
    out: list[CheckResult] = []
    for rule in rules if rules is not None else SITE_RULES:
        if (only is None or rule.meta.id in only) and rule.applies(facts):
            out += run_one(rule, facts, cfg)
    return out


__all__ = ["SITE_RULES", "SITE_METAS", "SITE_RULE_IDS", "SiteRule", "SiteRuleConfig", "run_one", "run_site_rules"]
