"""footer.sponsor — 网站主办单位: «主办单位：…» / «主办：…» in the footer (承办/技术支持 do not count)."""
from __future__ import annotations

import re

from auditor.models import CheckResult, PageFacts, SiteProfile, Status
from auditor.rules._common import band_evidence, footer_texts, result, search_texts

RULE = "footer.sponsor"
INDICATOR = "网站主办单位"
_SPONSOR = re.compile(r"主\s*办\s*(?:单\s*位)?\s*[:：]?\s*[\n ]?([^\s|｜,，。;；:：]{2,40})")


def check(facts: PageFacts, site: SiteProfile) -> CheckResult:
    hits = [h for h in search_texts(footer_texts(facts), _SPONSOR) if not h.match.group(1).startswith(("单位", "方"))]
    if not hits:
        return result(RULE, INDICATOR, Status.FAIL, "底部功能区未标明网站主办单位", None,
                      [band_evidence(facts, "footer", "底部功能区")])
    hit = hits[0]
    sponsor = hit.match.group(1)
    return result(RULE, INDICATOR, Status.PASS, f"页面底部标明主办单位：{sponsor}", {"sponsor": sponsor},
                  [hit.evidence("网站主办单位")])
