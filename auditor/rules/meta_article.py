"""meta.article — 网页标签（内容页面标签）: ArticleTitle, PubDate (YYYY-MM-DD HH:MM[:SS]), ContentSource."""
from __future__ import annotations

import re

from auditor.models import CheckResult, PageFacts, SiteProfile, Status
from auditor.rules._common import result
from auditor.rules._meta import meta_evidence, required
from auditor.rules.meta import RuleMeta

META = RuleMeta(
    id="meta.article",
    indicator="网页标签（内容页面标签）",
    pass_title="内容页面标签齐全",
    fail_title="缺少内容页面标签",
    fix="在内容页的 <head> 中加入 ArticleTitle、PubDate（格式 YYYY-MM-DD HH:MM）、ContentSource 三个 meta 标签。",
    facts=("probe.metas",),
    kinds=frozenset({"article"}),
    key="D4.6",
    group="D4",
    description=("**pass** when on article pages: ArticleTitle, PubDate (`YYYY-MM-DD HH:MM[:SS]`), ContentSource "
                 "present; **fail** when any missing; **warn** when PubDate present but not in that format"),
)
RULE = META.id
INDICATOR = META.indicator
NAMES = ["ArticleTitle", "PubDate", "ContentSource"]
PUBDATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?$")


def check(facts: PageFacts, site: SiteProfile) -> CheckResult:
    found, missing = required(facts, NAMES)
    ev = [meta_evidence(found, "内容页面标签")]
    if missing:
        return result(RULE, INDICATOR, Status.FAIL, f"缺少内容页面标签：{'、'.join(missing)}",
                      {"found": found, "missing": missing}, ev)
    if not PUBDATE_RE.match(found["PubDate"]):
        return result(RULE, INDICATOR, Status.WARN,
                      f"PubDate“{found['PubDate']}”格式不规范（应为 YYYY-MM-DD HH:MM）", {"found": found}, ev)
    return result(RULE, INDICATOR, Status.PASS, "内容页面标签齐全", {"found": found}, ev)
