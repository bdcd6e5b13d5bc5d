"""Issue 16 on the sample site's 栏目 variant (auditor/sample_site/make_lanmu.py, truth ``sites.lanmu``), in real
Chromium: all 12 navigation columns and their 二级 judged, blank «暂无信息» pages without meta are 空白栏目, a column
named 规范性文件 and tagged 工作动态 warns, 政策解读 links and back-links, 办事指南 要素, and 首页不更新 across two runs
15 days apart (injected clock). Plus the 办事服务 entry on an unreachable host, over real HTTP."""
from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

import pytest

from auditor.crawl import canonical
from auditor.models import SiteProfile
from auditor.report import site_document
from auditor.store import Store
from clients.pagefetch import LightFetcher
from tests.servers import host_static_server
from workers.site_extra2 import gather_service
from workers.siterun import run_site


def _run(s, store, home, day, **kw):
    return asyncio.run(run_site(s, store, home, SiteProfile("示范市人民政府", "3399000001"), today=day, ipv6=False,
                                links=False, **kw))


def _checks(store, s, run_id):
    return site_document(store.run_with_pages(run_id), s.evidence_dir)["site_checks"]


@pytest.mark.browser
@pytest.mark.slow
def test_every_column_policy_links_guides_and_home_history(settings, sample_site):
    t = sample_site["truth"]["sites"]["lanmu"]
    host = sample_site["host"]
    s = settings.replace(host_map=sample_site["host_map"], crawl_delay=0, a11y=False, elderly="off", ocr=False,
                         follow_contact=False, attachments=False)
    store = Store(s.database_url)
    store.upgrade()
    home = f"http://{host}{t['home']}"
    first = _run(s, store, home, date.fromisoformat(t["today"]))
    checks = _checks(store, s, first)

    columns = {c["subject"]: c for c in checks if c["rule"] == "columns.freshness"}
    assert sum(1 for c in t["columns"].values() if c["level"] == 1) == t["navigation_columns"] == 12
    for path, want in t["columns"].items():
        got = columns.get(canonical(f"http://{host}{path}"))
        assert got is not None, f"{path} not judged"
        assert got["status"] == want["status"], (path, got["message"])
        assert got["value"]["level"] == want["level"], path
        if want["blank"]:
            assert got["indicator"] == "空白栏目", got["message"]
        if want["mismatch"]:
            assert "不一致" in got["message"] and got["value"]["mismatch"]["judged_as"] == "dynamic"
    coverage = next(c for c in checks if c["rule"] == "crawl.coverage")
    assert coverage["value"]["skipped_by_template"] > 0  # template sampling still applies to the articles

    by_rule = {c["rule"]: c for c in checks if c["subject"] == ""}
    pol = t["policy"]
    link = by_rule["policy.interpretation"]
    assert link["status"] == pol["policy.interpretation"], link["message"]
    rows = link["value"]["rows"]
    assert len(rows) == pol["sampled"]
    assert sum(1 for r in rows if r["interpretation_url"]) == pol["linked"]
    assert sum(1 for r in rows if r["back_link"]) == pol["back_linked"]
    ratio = by_rule["policy.interpretation_ratio"]
    assert ratio["status"] == pol["policy.interpretation_ratio"] and ratio["value"]["ratio"] == pol["linked"] / 5

    svc = t["service"]
    assert by_rule["service.entry"]["status"] == svc["service.entry"], by_rule["service.entry"]["message"]
    guide = by_rule["service.guide"]
    assert guide["status"] == svc["service.guide"] and guide["value"]["poor"] == svc["poor"], guide["message"]
    matrix = {g["url"]: g["missing"] for g in guide["value"]["guides"]}
    assert matrix == {f"http://{host}{p}": n for p, n in t["guides"].items()}
    each = {c["subject"]: c["status"] for c in checks if c["rule"] == "service.guide_elements"}
    assert each == {f"http://{host}{p}": ("fail" if n >= 4 else "warn" if n else "pass")
                    for p, n in t["guides"].items()}

    home1 = by_rule["home.update"]
    assert home1["status"] == t["home_update"]["first"] and home1["value"]["previous"] is None

    # 15 days later the home page shows the same items: 首页不更新, with both runs' items as evidence.
    second = _run(s.replace(max_pages=1, policy_sample=0, guide_sample=0), store, home,
                  date.fromisoformat(t["second_run"]))
    home2 = next(c for c in _checks(store, s, second) if c["rule"] == "home.update")
    assert home2["status"] == t["home_update"]["second"], home2["message"]
    v = home2["value"]
    assert v["changed"] is False and v["span_days"] == 15 and v["previous"]["run_id"] == first
    assert v["previous"]["items"] == v["current"]["items"] and len(v["current"]["items"]) == 6
    assert "完全相同" in home2["message"]


def test_service_entry_on_an_unreachable_host_is_named_not_failed(settings, tmp_path: Path):
    root = tmp_path / "site"
    root.mkdir()
    (root / "index.html").write_text(
        '<html><head><meta charset="utf-8"><title>测试县人民政府</title></head><body>'
        '<a href="http://zwfw.province-sheng.gov.cn/county/">办事服务</a></body></html>', encoding="utf-8")
    srv, port = host_static_server({"www.ceshi.gov.cn": root})
    try:
        s = settings.replace(host_map={"www.ceshi.gov.cn": f"127.0.0.1:{port}"}, crawl_delay=0)

        async def go():
            async with LightFetcher(s) as f:
                return await gather_service(s, f, "http://www.ceshi.gov.cn/")
        facts = asyncio.run(go())
    finally:
        srv.shutdown()
    from auditor.site_rules.service_guide import check_entry, check_guides

    assert facts.entry_external and facts.entry_url == "http://zwfw.province-sheng.gov.cn/county/"
    for c in (check_entry(facts), check_guides(facts)):
        assert c.status.value == "not_assessable" and "zwfw.province-sheng.gov.cn" in c.message, c.message
