"""site.https — HTTPS: served over HTTPS with no mixed content. The 指引's HTTPS wording is unverified (see
../shared/spec.md §2.5), so plain HTTP is a warning, not a failure."""
from __future__ import annotations

from auditor.models import CheckResult, EvidenceRef, PageFacts, SiteProfile, Status
from auditor.rules._common import result

RULE = "site.https"
INDICATOR = "HTTPS 安全连接"


def check(facts: PageFacts, site: SiteProfile) -> CheckResult:
    url = facts.final_url or facts.url
    ev = [EvidenceRef(note="页面地址", text=url, kind="url")]
    if not url.startswith("https://"):
        return result(RULE, INDICATOR, Status.WARN, "网站未使用 HTTPS 加密访问", {"url": url}, ev)
    if facts.mixed_content:
        return result(RULE, INDICATOR, Status.WARN, f"HTTPS 页面加载了 {len(facts.mixed_content)} 个 HTTP 资源（混合内容）",
                      {"mixed": facts.mixed_content[:20]}, ev)
    return result(RULE, INDICATOR, Status.PASS, "网站使用 HTTPS 访问，无混合内容", {"url": url}, ev)
