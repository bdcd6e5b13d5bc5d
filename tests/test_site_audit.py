"""Whole-site audits in real Chromium on local sites: crawl levels, link availability of every class with
evidence, politeness per host, and column freshness against a dated fixture site with an injected clock."""
from __future__ import annotations

import asyncio
import hashlib
from datetime import date
from pathlib import Path

import pytest

from auditor.models import SiteProfile
from auditor.report import site_document
from auditor.store import Store
from tests.fixtures.freshsite.make import build
from tests.linksite import refused_port, start_linksite
from tests.servers import host_static_server
from workers.siterun import run_site

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LINK_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>链接测试县人民政府</title>
<meta name="SiteName" content="链接测试县人民政府"></head><body>
<div class="header"><h1>链接测试县人民政府</h1></div>
<div class="nav"><a href="/a.html">政务公开</a></div>
<ul class="links">
<li><a href="http://www.linksite.gov.cn/ok">正常链接</a></li>
<li><a href="http://www.linksite.gov.cn/gone">已删除的页面</a></li>
<li><a href="http://www.linksite.gov.cn/waf403">被防火墙拦截</a></li>
<li><a href="http://www.linksite.gov.cn/flaky503">偶尔出错</a></li>
<li><a href="http://www.linksite.gov.cn/always429">一直限流</a></li>
<li><a href="http://www.linksite.gov.cn/flaky429?fail=1">先限流后正常</a></li>
<li><a href="http://slow.linksite.gov.cn/hang?s=6">不响应的服务器</a></li>
<li><a href="http://www.linksite.gov.cn/files/report.pdf">附件：报告.pdf</a></li>
<li><a href="http://127.0.0.1:REFUSED/x.html">端口无服务</a></li>
<li><a href="http://dead.linktest.gov.cn/">不存在的域名</a></li>
<li><a href="http://www.elsewhere.cn/">外部网站</a></li>
<li><a href="/nope.html">站内坏链</a></li>
</ul><img src="http://www.linksite.gov.cn/img/missing.png" alt="坏图片" width="80" height="40">
<div class="footer">主办单位：链接测试县人民政府办公室</div></body></html>"""
PAGE_A = """<!doctype html><html><head><meta charset="utf-8"><title>政务公开</title></head><body>
<div class="nav"><a href="/">首页</a></div><p>二级页面</p><a href="/b.html">三级页面</a></body></html>"""
PAGE_B = """<!doctype html><html><head><meta charset="utf-8"><title>三级</title></head><body><p>三级页面</p>
<a href="/c.html">四级页面（超出抽查层级）</a></body></html>"""


@pytest.fixture
def link_test_site(tmp_path):
    lsrv, lport = start_linksite()
    root = tmp_path / "site"
    root.mkdir()
    (root / "index.html").write_text(LINK_PAGE.replace("REFUSED", str(refused_port())), encoding="utf-8")
    (root / "a.html").write_text(PAGE_A, encoding="utf-8")
    (root / "b.html").write_text(PAGE_B, encoding="utf-8")
    (root / "c.html").write_text(PAGE_B, encoding="utf-8")
    srv, port = host_static_server({"www.linktest.gov.cn": root})
    yield {"port": port, "lsrv": lsrv, "host_map": {"www.linktest.gov.cn": f"127.0.0.1:{port}",
                                                    "www.linksite.gov.cn": f"127.0.0.1:{lport}",
                                                    "slow.linksite.gov.cn": f"127.0.0.1:{lport}",
                                                    "dead.linktest.gov.cn": "~NOTFOUND"}}
    srv.shutdown()
    lsrv.shutdown()


def test_site_audit_checks_every_link_class_with_evidence(settings, link_test_site):
    s = settings.replace(host_map=link_test_site["host_map"], link_timeout=1.5, crawl_delay=0.05)
    store = Store(s.database_url)
    store.upgrade()
    run_id = asyncio.run(run_site(s, store, "http://www.linktest.gov.cn/", SiteProfile("链接测试县人民政府")))
    doc = site_document(store.run_with_pages(run_id), s.evidence_dir)

    pages = {p["url"]: p for p in doc["pages"]}
    assert set(pages) == {"http://www.linktest.gov.cn/", "http://www.linktest.gov.cn/a.html",
                          "http://www.linktest.gov.cn/b.html", "http://www.linktest.gov.cn/nope.html",
                          "http://dead.linktest.gov.cn/"}  # subdomains belong to the site
    assert pages["http://www.linktest.gov.cn/nope.html"]["status"] == 404  # a broken page of the site itself
    assert pages["http://dead.linktest.gov.cn/"]["error_kind"] == "dns"
    levels = next(c for c in doc["site_checks"] if c["rule"] == "crawl.coverage")["value"]["levels"]
    assert levels == {"1": 1, "2": 3, "3": 1}

    run = store.run_with_pages(run_id)
    klass = {link.url: link.klass for link in run.links}
    expect = {
        "http://www.linksite.gov.cn/ok": "ok",
        "http://www.linksite.gov.cn/gone": "broken",
        "http://www.linksite.gov.cn/waf403": "unassessable",
        "http://www.linksite.gov.cn/flaky503": "ok",
        "http://www.linksite.gov.cn/always429": "suspect",
        "http://www.linksite.gov.cn/flaky429?fail=1": "ok",
        "http://slow.linksite.gov.cn/hang?s=6": "suspect",
        "http://www.linksite.gov.cn/files/report.pdf": "ok",
        "http://dead.linktest.gov.cn/": "broken",
        "http://www.elsewhere.cn/": "unassessable",
        "http://www.linksite.gov.cn/img/missing.png": "broken",
        "http://www.linktest.gov.cn/nope.html": "broken",
    }
    for url, want in expect.items():
        assert klass.get(url) == want, (url, klass.get(url))
    refused = next(u for u in klass if u.startswith("http://127.0.0.1:"))
    assert klass[refused] == "broken"
    kinds = {link.url: link.kind for link in run.links}
    assert kinds["http://www.linksite.gov.cn/files/report.pdf"] == "attachment"
    assert kinds["http://www.linksite.gov.cn/img/missing.png"] == "image"

    home = next(c for c in doc["site_checks"] if c["rule"] == "links.home")
    assert home["status"] == "fail" and home["value"]["counts"]["broken"] == 5
    assert home["value"]["counts"]["suspect"] == 2
    ext = next(c for c in doc["site_checks"] if c["rule"] == "links.external")["value"]
    assert "www.linksite.gov.cn" in ext and "www.elsewhere.cn" in ext

    # The home page's finding: a boxed crop of each broken link where it appears, plus the HTTP exchange.
    check = next(c for c in pages["http://www.linktest.gov.cn/"]["checks"] if c["rule"] == "links.availability")
    assert check["status"] == "fail"
    crops = [e for e in check["evidence"] if e["kind"] == "crop"]
    assert len(crops) >= 5
    root = Path(s.evidence_dir)
    for e in crops:
        assert hashlib.sha256((root / e["path"]).read_bytes()).hexdigest() == e["sha256"]
    gone = next(e for e in check["evidence"] if e["kind"] == "http" and "/gone" in (e["note"] or ""))
    exchange = (root / gone["path"]).read_text(encoding="utf-8")
    assert "GET http://www.linksite.gov.cn/gone" in exchange and "HTTP/1.1 410 Gone" in exchange

    # Politeness: never more than per_host requests at once to one host. (The hanging server has a host of its
    # own: the checker gives up on it, but the server still counts the abandoned request as in flight.)
    assert link_test_site["lsrv"].stats.max_inflight["www.linksite.gov.cn"] <= s.per_host


@pytest.fixture
def fresh_site(tmp_path):
    today = date(2026, 11, 18)
    root = tmp_path / "fresh"
    truth = build(root, today)
    srv, port = host_static_server({truth["site"]["host"]: root})
    yield truth, {truth["site"]["host"]: f"127.0.0.1:{port}"}, today
    srv.shutdown()


def test_column_freshness_on_a_rendered_site_with_an_injected_clock(settings, fresh_site):
    truth, host_map, today = fresh_site
    s = settings.replace(host_map=host_map, max_pages=200, per_template=100, crawl_delay=0, concurrency=2)
    store = Store(s.database_url)
    store.upgrade()
    home = f"http://{truth['site']['host']}/"
    run_id = asyncio.run(run_site(s, store, home, SiteProfile(truth["site"]["name"], truth["site"]["code"]),
                                  today=today, links=False))
    doc = site_document(store.run_with_pages(run_id), s.evidence_dir)
    assert len(doc["pages"]) == len(truth["pages"])  # every page, through the navigation and the sitemap
    columns = {c["subject"]: c for c in doc["site_checks"] if c["rule"] == "columns.freshness"}
    want_status = {"fresh": "pass", "expiring": "warn", "stale": "fail", "empty": "fail"}
    for path, col in truth["columns"].items():
        url = home.rstrip("/") + path.replace("index.html", "")
        got = columns[url]
        assert got["status"] == want_status[col["status"]], (path, got["message"])
        if col["status"] == "empty":
            assert got["indicator"] == "空白栏目"
        if col["status"] == "expiring":
            assert got["value"]["expires_on"] == col["expires_on"]
    veto = next(c for c in doc["site_checks"] if c["rule"] == "columns.veto")
    assert veto["status"] == ("fail" if truth["veto"]["veto"] else "pass")
    assert veto["value"]["stale"] == truth["veto"]["stale"] and veto["value"]["empty"] == truth["veto"]["empty"]
    assert next(c for c in doc["site_checks"] if c["rule"] == "home.update")["status"] == "pass"
    undated = next(c for c in doc["site_checks"] if c["rule"] == "article.pubdate_visible")
    no_date = {home.rstrip("/") + p for p, a in truth["articles"].items() if not a["visible_date"]}
    assert undated["status"] == "warn"
    assert set(undated["value"]["without_date"]) == no_date


def test_a_site_with_2000_links_finds_exactly_the_broken_ones(settings):
    """The big generated site (221 pages, 2,421 distinct links): the checker's broken set is the ground truth."""
    from clients.linkcheck import check_links
    from tests.linksite import big_site_links, expected_broken

    srv, port = start_linksite()
    try:
        base = "http://www.bigsite.gov.cn"
        s = settings.replace(host_map={"www.bigsite.gov.cn": f"127.0.0.1:{port}"})
        urls = [base + p for p in sorted(big_site_links())]
        assert len(urls) >= 2000
        res = asyncio.run(check_links(urls, s, per_host=2))
    finally:
        srv.shutdown()
    assert {u for u, r in res.items() if r.klass == "broken"} == expected_broken(base)
    assert all(r.klass == "ok" for u, r in res.items() if u not in expected_broken(base))
