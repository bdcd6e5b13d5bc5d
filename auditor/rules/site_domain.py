"""site.domain — 网站域名: government sites use .gov.cn or .政务 (国办《关于加强政府网站域名管理的通知》)."""
from __future__ import annotations

from auditor.models import CheckResult, EvidenceRef, PageFacts, SiteProfile, Status
from auditor.rules._common import host, result
from auditor.rules.meta import RuleMeta

META = RuleMeta(
    id="site.domain",
    indicator="网站域名",
    pass_title="域名符合政府网站域名要求",
    fail_title="域名不是 .gov.cn 或 .政务 域名",
    fix="使用 .gov.cn 或 .政务 域名访问网站，其他域名跳转到该域名。",
    facts=("final_url",),
    key="D4.1",
    group="D4",
    description=("**pass** when host ends in `.gov.cn` or `.政务`; **fail** when any other host"),
)
RULE = META.id
INDICATOR = META.indicator
ALLOWED_SUFFIXES = (".gov.cn", ".政务", ".xn--zfr164b")


def check(facts: PageFacts, site: SiteProfile) -> CheckResult:
    h = host(facts.final_url or facts.url).rstrip(".")
    ev = [EvidenceRef(note="页面地址", text=facts.final_url or facts.url, kind="url")]
    if h.endswith(ALLOWED_SUFFIXES) or h in ("gov.cn",):
        return result(RULE, INDICATOR, Status.PASS, f"域名 {h} 符合政府网站域名要求", {"host": h}, ev)
    return result(RULE, INDICATOR, Status.FAIL, f"域名 {h} 不是 .gov.cn 或 .政务 域名", {"host": h}, ev)
