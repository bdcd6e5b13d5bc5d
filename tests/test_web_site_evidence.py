"""The finding page of the issue 16 site rules in real Chromium: the 政策文件 → 解读 → 回链 table, the 要素 matrix
per 办事指南 and both runs' home items, rendered from the stored site checks (what the pure rules returned)."""
from __future__ import annotations

import os
import threading
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect, sync_playwright
from werkzeug.serving import make_server

from auditor.site_rules.columns import check_home_update, home_snapshot
from auditor.site_rules.policy import PolicyDoc, PolicyFacts, check_links
from auditor.site_rules.service_guide import ELEMENTS, Guide, ServiceFacts, check_guides
from auditor.store import Store
from auditor.store.models import SiteCheck
from auditor.store.users import create_user
from browsers.launch import CHROMIUM_PATH, chromium_args
from web.app import create_app

pytestmark = [pytest.mark.browser]
PASSWORD = "correct-horse-1"
DAY = date(2026, 11, 18)


def _rows(settings) -> dict[str, int]:
    store = Store(settings.database_url)
    store.upgrade()
    create_user(store, "auditor", PASSWORD, "auditor")
    run = store.create_run("示范市人民政府", "3399000001", 1, "playwright", "ua", {}, kind="site",
                           site_url="http://www.shifan.gov.cn/")
    docs = [PolicyDoc("http://www.shifan.gov.cn/zcwj/1.html", "关于甲的通知", interpretation_url="http://www.shifan.gov.cn/jd/1.html",
                      interpretation_text="政策解读", back_link=True),
            PolicyDoc("http://www.shifan.gov.cn/zcwj/2.html", "关于乙的通知", interpretation_url="http://www.shifan.gov.cn/jd/2.html",
                      interpretation_text="图解", back_link=False),
            PolicyDoc("http://www.shifan.gov.cn/zcwj/3.html", "关于丙的通知")]
    names = list(ELEMENTS)
    guides = [Guide(f"http://www.shifan.gov.cn/bsfw/g{k}.html", f"事项{k}办事指南",
                    present={n: i >= m for i, n in enumerate(names)}) for k, m in enumerate((0, 5))]
    items = [("示范市召开专题会议", "http://www.shifan.gov.cn/a.html", (DAY - timedelta(days=2)).isoformat())]
    later = DAY + timedelta(days=15)
    results = [check_links(PolicyFacts("政策文件", "http://www.shifan.gov.cn/zcwj/", docs)),
               check_guides(ServiceFacts("办事服务", "http://www.shifan.gov.cn/bsfw/", guides=guides)),
               check_home_update(home_snapshot(items, later, 2), home_snapshot(items, DAY, 1), later)]
    store.save_site_checks(run.id, [SiteCheck(rule=c.rule, subject="", status=c.status.value, indicator=c.indicator,
                                              message=c.message, value=c.value) for c in results])
    store.finish_run(run.id)
    return {c.rule: c.id for c in store.run_with_pages(run.id).site_checks}


def test_site_rule_evidence_tables_on_the_finding_page(settings, tmp_path):
    ids = _rows(settings)
    srv = make_server("127.0.0.1", 0, create_app(settings), threaded=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    shots = os.environ.get("GOVAUDIT_SHOTS")  # a folder to keep the screenshots in (to look at them)
    try:
        with sync_playwright() as pw:
            b = pw.chromium.launch(executable_path=CHROMIUM_PATH, args=chromium_args({}, isolate=True))
            page = b.new_context(base_url=f"http://127.0.0.1:{srv.server_port}", locale="zh-CN").new_page()
            page.goto("/login")
            page.fill("#username", "auditor")
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.goto(f"/findings/s{ids['policy.interpretation']}")
            rows = page.locator("#policy-table tbody tr")
            expect(rows).to_have_count(3)
            expect(rows.nth(0)).to_contain_text("有")
            expect(rows.nth(1).locator("td").nth(2)).to_have_text("无")
            expect(rows.nth(2)).to_contain_text("无解读链接")
            if shots:
                page.screenshot(path=f"{shots}/policy.png", full_page=True)
            page.goto(f"/findings/s{ids['service.guide']}")
            matrix = page.locator("#guide-matrix")
            expect(matrix.locator("thead th")).to_have_count(10)
            expect(matrix.locator("tbody tr").nth(1).locator("td").last).to_have_text("5")
            expect(matrix.locator("tbody tr").nth(1).locator(".error")).to_have_count(5)
            if shots:
                page.screenshot(path=f"{shots}/guides.png", full_page=True)
            page.goto(f"/findings/s{ids['home.update']}")
            expect(page.locator(".two-runs section")).to_have_count(2)
            expect(page.locator(".two-runs section").first).to_contain_text("批次 1")
            expect(page.locator("p.error")).to_contain_text("完全相同")
            if shots:
                page.screenshot(path=f"{shots}/home.png", full_page=True)
            b.close()
    finally:
        srv.shutdown()
