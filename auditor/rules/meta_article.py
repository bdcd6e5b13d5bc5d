"""meta.article — 网页标签（内容页面标签）: ArticleTitle, PubDate (YYYY-MM-DD HH:MM[:SS]), ContentSource."""
from __future__ import annotations

import re

from auditor.models import CheckResult, PageFacts, SiteProfile, Status
from auditor.rules._common import result
from auditor.rules._meta import meta_evidence, required

RULE = "meta.article"
INDICATOR = "网页标签（内容页面标签）"
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
