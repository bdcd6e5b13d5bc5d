"""meta.site — 网页标签（网站标签）: SiteName, SiteDomain, SiteIDCode on every page."""
from __future__ import annotations

import re

from auditor.models import SITE_CODE_RE, CheckResult, PageFacts, SiteProfile, Status
from auditor.rules._common import result
from auditor.rules._meta import meta_evidence, required
from auditor.rules.meta import RuleMeta

META = RuleMeta(
    id="meta.site",
    indicator="网页标签（网站标签）",
    pass_title="网站标签齐全",
    fail_title="缺少网站标签",
    fix="在每个页面的 <head> 中加入 SiteName、SiteDomain（不带 http://）、SiteIDCode 三个 meta 标签。",
    facts=("probe.metas",),
    key="D4.6",
    group="D4",
    description=("**pass** when SiteName, SiteDomain, SiteIDCode all present and non-empty; **fail** when any missing;"
                 " **warn** when SiteDomain has a scheme (`http://`), SiteIDCode malformed"),
)
RULE = META.id
INDICATOR = META.indicator
NAMES = ["SiteName", "SiteDomain", "SiteIDCode"]


def check(facts: PageFacts, site: SiteProfile) -> CheckResult:
    found, missing = required(facts, NAMES)
    ev = [meta_evidence(found, "网站标签")]
    if missing:
        return result(RULE, INDICATOR, Status.FAIL, f"缺少网站标签：{'、'.join(missing)}",
                      {"found": found, "missing": missing}, ev)
    problems = []
    if re.match(r"^[a-z]+://", found["SiteDomain"], re.I) or "/" in found["SiteDomain"].rstrip("/"):
        problems.append(f"SiteDomain 应为域名而非网址（{found['SiteDomain']}）")
    if not SITE_CODE_RE.match(found["SiteIDCode"]):
        problems.append(f"SiteIDCode 格式不正确（{found['SiteIDCode']}）")
    if problems:
        return result(RULE, INDICATOR, Status.WARN, "；".join(problems), {"found": found}, ev)
    return result(RULE, INDICATOR, Status.PASS, "网站标签齐全", {"found": found}, ev)
