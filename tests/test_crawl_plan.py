"""Crawl planning: canonical URLs, same-site, templates and sampling, sitemap and robots parsing."""
from __future__ import annotations

from auditor.crawl import CrawlPlan, canonical, robots_sitemaps, same_site, sitemap_urls, url_template


def test_canonical_urls():
    assert canonical("HTTP://WWW.Shifan.gov.cn:80/a//b/index.html#x") == "http://www.shifan.gov.cn/a/b/"
    assert canonical("../c.html?b=2&a=1&utm_source=x", "https://www.shifan.gov.cn/a/b/") == \
        "https://www.shifan.gov.cn/a/c.html?a=1&b=2"
    assert canonical("https://x.gov.cn:443/") == "https://x.gov.cn/"
    assert canonical("https://x.gov.cn:8443/") == "https://x.gov.cn:8443/"
    for bad in ("javascript:void(0)", "mailto:a@b.cn", "tel:12345", "http://x.gov.cn:99999/"):
        assert canonical(bad, "http://x.gov.cn/") is None


def test_same_site_includes_subdomains_only():
    assert same_site("http://jyj.shifan.gov.cn/x", "shifan.gov.cn")
    assert same_site("http://www.shifan.gov.cn/x", "shifan.gov.cn")
    assert not same_site("http://www.gov.cn/", "shifan.gov.cn")
    assert not same_site("http://evilshifan.gov.cn/", "shifan.gov.cn")


def test_templates_sample_n_pages_per_template_within_budget():
    assert url_template("http://a.gov.cn/gzdt/202611/t20261118_4521015.html") == \
        url_template("http://a.gov.cn/gzdt/202610/t20261009_1.html")
    plan = CrawlPlan("http://www.shifan.gov.cn/", max_pages=8, per_template=2)
    home = "http://www.shifan.gov.cn/"
    assert plan.offer("/zwgk/", 2, "nav", "政务公开", home)
    assert not plan.offer("/zwgk/index.html", 2, "link", "", home)  # same page
    assert not plan.offer("http://www.gov.cn/", 2, "link", "", home)  # external
    assert not plan.offer("/files/a.pdf", 2, "link", "", home)  # attachment: link-checked, not crawled
    for i in range(6):
        plan.offer(f"/gzdt/2026110{i}/t2026110{i}_{i}.html", 2, "link", "", home)
    plan.offer("/deep/x.html", 4, "link", "", home)  # beyond 三级
    batch = plan.next_batch(10)
    assert batch[0].url.endswith("/zwgk/") and batch[0].source == "nav"
    assert len(batch) == 3 and plan.skipped_by_template == 4
    assert plan.external["www.gov.cn"] == 1
    for i in range(20):
        plan.offer(f"/col-{chr(97 + i)}/", 3, "link", "", home)
    plan.next_batch(100)
    assert len(plan.planned) == 8 and plan.full


def test_sitemap_and_robots():
    xml = ('<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
           '<url><loc>http://a.gov.cn/1.html</loc></url><url><loc> http://a.gov.cn/2.html </loc></url></urlset>')
    assert sitemap_urls(xml) == (["http://a.gov.cn/1.html", "http://a.gov.cn/2.html"], [])
    idx = ('<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>http://a.gov.cn/s1.xml'
           '</loc></sitemap></sitemapindex>')
    assert sitemap_urls(idx) == ([], ["http://a.gov.cn/s1.xml"])
    assert sitemap_urls("<urlset><url><loc>http://a.gov.cn/x</loc>")[0] == ["http://a.gov.cn/x"]
    assert robots_sitemaps("User-agent: *\nDisallow:\nSitemap: http://a.gov.cn/sitemap.xml\n") == \
        ["http://a.gov.cn/sitemap.xml"]
