"""meta.site (网页标签（网站标签）) on hand-made facts, without a browser: the worked example of
docs/adding-a-rule.md (its sample-site variants are /variants/meta-site-missing.html and meta-site-scheme.html)."""
from __future__ import annotations

import pytest

from auditor.models import PageFacts, SiteProfile, Status
from auditor.rules import meta_site, run_one, RULES

SITE = SiteProfile("示范市人民政府", code="3399000001")
GOOD = {"SiteName": "示范市人民政府", "SiteDomain": "www.shifan.gov.cn", "SiteIDCode": "3399000001"}


def facts(**metas: str) -> PageFacts:
    return PageFacts(url="http://www.shifan.gov.cn/", final_url="http://www.shifan.gov.cn/", status=200,
                     probe={"metas": [{"name": n, "content": v} for n, v in metas.items()]})


@pytest.mark.parametrize("metas, status, says", [
    (GOOD, Status.PASS, "网站标签齐全"),
    ({**GOOD, "SiteIDCode": ""}, Status.FAIL, "缺少网站标签：SiteIDCode"),
    ({"SiteName": "示范市人民政府"}, Status.FAIL, "缺少网站标签：SiteDomain、SiteIDCode"),
    ({**GOOD, "SiteDomain": "http://www.shifan.gov.cn"}, Status.WARN, "SiteDomain 应为域名而非网址"),
    ({**GOOD, "SiteIDCode": "33990"}, Status.WARN, "SiteIDCode 格式不正确"),
])
def test_meta_site(metas, status, says):
    c = meta_site.check(facts(**metas), SITE)
    assert (c.rule, c.indicator, c.status) == ("meta.site", meta_site.META.indicator, status)
    assert says in c.message, c.message


def test_tag_names_are_case_insensitive_and_the_registry_runs_it():
    c = run_one(next(r for r in RULES if r.id == "meta.site"), facts(sitename="示范市人民政府",
                                                                    SITEDOMAIN="www.shifan.gov.cn",
                                                                    SiteIdCode="3399000001"), SITE)
    assert c.status is Status.PASS, c.message
