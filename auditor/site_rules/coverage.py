"""抽查范围 and the per-rule page summaries of a whole-site audit: what was sampled, what could not be opened, and
on how many sampled pages each page rule failed or warned, with the worst examples."""
from __future__ import annotations

from collections import defaultdict

from auditor.models import CheckResult, Status
from auditor.rules import INDICATORS
from auditor.rules.meta import RuleMeta
from auditor.site_facts import SiteFacts, StoredCheck
from auditor.site_rules import links
from auditor.site_rules.base import SiteRuleConfig

META = RuleMeta(
    id="crawl.coverage",
    indicator="抽查范围",
    pass_title="抽查的页面都能打开",
    fail_title="有抽查的页面无法打开",
    fix="修复结果中列出的打不开的页面（它们的检查项无法评估）。",
    facts=("crawl", "page_results"),
    scope="site",
    description="各层级计划抽查的页面数、无法打开的页面（有则 warn）、按网址模板抽样略过的同类页面数、外部主机。",
)
SUMMARY_META = RuleMeta(
    id="pages.summary",
    indicator="页面检查汇总",
    pass_title="该项在所有抽查页面上通过",
    fail_title="该项在部分抽查页面上不合格",
    fix="按各页面检查项的整改说明修改，结果中列出最严重的页面。",
    facts=("page_results", "links"),
    scope="site",
    description="每个页面检查项一条（rule 为该页面规则的 id，subject 为 pages）：在多少个抽查页面上不合格、警告、无法评估，"
                "最严重的5个例子；状态取各页面中最严重的。包括按页面给出的 links.availability。",
    extra_ids=("<page rule>",),
)
_ORDER = {"fail": 0, "not_assessable": 1, "warn": 2, "pass": 3}


def _with_link_findings(facts: SiteFacts) -> list[tuple[str, list[StoredCheck]]]:
    """Each stored page's checks, with its ``links.availability`` finding (judged from the link facts) last,
    where the run stores it."""
    assert facts.page_results is not None
    found = links.findings_by_page(links.judge_links(facts.links, facts.home)) if facts.links is not None else {}
    out = []
    for p in facts.page_results:
        checks = list(p.checks)
        c = found.get(p.page_id)
        if c is not None and all(x.rule != c.rule for x in checks):  # not already stored (a retried finaliser)
            checks.append(StoredCheck(c.rule, c.status.value, c.indicator, c.message))
        out.append((p.url, checks))
    return out


def check_summaries(facts: SiteFacts, config: SiteRuleConfig) -> list[CheckResult]:
    """Per page rule (in the order the rules first appear): the counts of each status over the sampled pages and
    the worst examples (failures first); the status is the worst one."""
    by_rule: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    indicators: dict[str, str] = {}  # per-violation 无障碍 rules (a11y.<axe rule>) carry their own indicator
    for url, checks in _with_link_findings(facts):
        for c in checks:
            by_rule[c.rule].append((c.status, url, c.message))
            indicators.setdefault(c.rule, c.indicator)
    out = []
    for rule, results in by_rule.items():
        counts = {s: sum(1 for r in results if r[0] == s) for s in ("pass", "fail", "warn", "not_assessable")}
        worst = sorted((r for r in results if r[0] != "pass"), key=lambda r: _ORDER[r[0]])[:5]
        status = min((r[0] for r in results), key=lambda s: _ORDER[s])
        out.append(CheckResult(
            rule=rule, subject="pages", status=Status(status),
            indicator=INDICATORS.get(rule) or indicators.get(rule) or
            (links.LINK_INDICATOR if rule == links.LINK_RULE else rule),
            message=f"{len(results)} 个页面中：不合格 {counts['fail']}，警告 {counts['warn']}，"
                    f"无法评估 {counts['not_assessable']}",
            value={"counts": counts, "pages": len(results),
                   "examples": [{"status": s, "url": u, "message": m} for s, u, m in worst]}))
    return out


def check_coverage(facts: SiteFacts, config: SiteRuleConfig) -> list[CheckResult]:
    """抽查范围: pages audited and per crawl level, the ones that could not be opened (warn), pages skipped by
    the per-template sampling, the external hosts linked to."""
    assert facts.crawl is not None and facts.page_results is not None
    pages, crawl = facts.page_results, facts.crawl
    errors = [p for p in pages if p.error_kind]
    levels: dict[str, int] = defaultdict(int)
    for _, level in crawl.planned:
        levels[str(level)] += 1
    return [CheckResult(
        rule=META.id, status=Status.WARN if errors else Status.PASS, indicator=META.indicator,
        message=f"抽查 {len(pages)} 个页面（{len(errors)} 个无法打开），按模板抽样略过 "
                f"{crawl.skipped_by_template} 个同类页面",
        value={"pages": len(pages), "errors": [{"url": p.url, "error": p.error} for p in errors][:50],
               "skipped_by_template": crawl.skipped_by_template, "levels": dict(levels),
               "external_hosts": dict(list(crawl.external_hosts.items())[:50])})]
