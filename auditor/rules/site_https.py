"""site.https — HTTPS: served over HTTPS with no mixed content. The 指引's HTTPS wording is unverified (see
../shared/spec.md §2.5), so plain HTTP is a warning, not a failure."""
from __future__ import annotations

from auditor.models import CheckResult, EvidenceRef, PageFacts, SiteProfile, Status
from auditor.rules._common import result
from auditor.rules.meta import RuleMeta

META = RuleMeta(
    id="site.https",
    indicator="HTTPS 安全连接",
    pass_title="网站使用 HTTPS 访问，无混合内容",
    fail_title="网站未使用 HTTPS 或有混合内容",
    fix="为网站部署 HTTPS 证书并把 HTTP 访问跳转到 HTTPS，页面中的图片、脚本等资源也改用 HTTPS 地址。",
    facts=("final_url", "mixed_content"),
    description=("**pass** when page served over HTTPS with no mixed content; **warn** when served over plain HTTP, or"
                 " mixed content"),
)
RULE = META.id
INDICATOR = META.indicator


def check(facts: PageFacts, site: SiteProfile) -> CheckResult:
    url = facts.final_url or facts.url
    ev = [EvidenceRef(note="页面地址", text=url, kind="url")]
    if not url.startswith("https://"):
        return result(RULE, INDICATOR, Status.WARN, "网站未使用 HTTPS 加密访问", {"url": url}, ev)
    if facts.mixed_content:
        return result(RULE, INDICATOR, Status.WARN, f"HTTPS 页面加载了 {len(facts.mixed_content)} 个 HTTP 资源（混合内容）",
                      {"mixed": facts.mixed_content[:20]}, ev)
    return result(RULE, INDICATOR, Status.PASS, "网站使用 HTTPS 访问，无混合内容", {"url": url}, ev)
