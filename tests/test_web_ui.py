"""The web UI in real Chromium (Playwright), against the Flask app served on 127.0.0.1 in a thread:
log in as each role, list, filter, open evidence, review a finding (kept across re-runs), compare runs,
download the XLSX and read it back, page titles carrying <script> shown as text, a site owner kept to their
own site (also by URL guessing), and an owner starting an audit and watching its progress.

Data: real audits of a local site (tests/webdata.py) stored in real SQLite.
"""
from __future__ import annotations

import re
import threading

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect, sync_playwright
from werkzeug.serving import make_server

from auditor.store import findings as fq
from auditor.store.reviews import add_review
from browsers.launch import CHROMIUM_PATH, chromium_args
from tests.webdata import HOST_A, PASSWORD, SPONSOR_A, XSS_TITLE, build
from web.app import create_app
from web.exports import COLUMNS, TITLE

pytestmark = [pytest.mark.browser]


@pytest.fixture(scope="module")
def data(sample_site):
    return build(sample_site)


@pytest.fixture(scope="module")
def base_url(data):
    app = create_app(data.settings)
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_port}"
    srv.shutdown()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM_PATH, args=chromium_args({}, isolate=True))
        yield b
        b.close()


@pytest.fixture
def dialogs() -> list[str]:
    return []


def session(browser, base_url: str, username: str, dialogs: list[str] | None = None) -> Page:
    """A fresh browser context logged in as the user; any JavaScript dialog is recorded (none may appear)."""
    ctx = browser.new_context(base_url=base_url, accept_downloads=True, locale="zh-CN")
    page = ctx.new_page()
    page.set_default_timeout(15_000)
    page.on("dialog", lambda d: (dialogs.append(d.message) if dialogs is not None else None, d.dismiss()))
    page.goto("/sites")
    expect(page).to_have_url(f"{base_url}/login?next=/sites")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{base_url}/sites")
    expect(page.locator("#whoami")).to_contain_text(username)
    return page


def finding_of(data, run_id: int, page_suffix: str, rule: str) -> fq.Finding:
    found, _ = fq.list_findings(data.store(), None, fq.FindingFilter(run_id=run_id, latest=False))
    return next(f for f in found if (f.page_url or "").endswith(page_suffix) and f.rule == rule)


def test_each_role_logs_in_and_sees_its_sites(browser, base_url, data):
    for user in ("admin", "auditor"):
        page = session(browser, base_url, user)
        expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
        rows = page.locator("#sites tbody tr")
        expect(rows.filter(has_text="测试市人民政府")).to_have_count(1)
        expect(rows.filter(has_text="示范市人民政府")).to_have_count(1)
        row_a = rows.filter(has_text="测试市人民政府")
        # Trend: one bar per finished run of site A, oldest first, with the numbers beside it.
        assert row_a.locator("svg.spark rect").count() >= 2
        expect(row_a.locator(".trend-nums")).to_contain_text("→")
        page.context.close()
    for user, mine, other in (("owner_a", "测试市人民政府", "示范市人民政府"),
                              ("owner_b", "示范市人民政府", "测试市人民政府")):
        page = session(browser, base_url, user)
        expect(page.locator("#sites tbody tr")).to_have_count(1)
        expect(page.locator("#sites")).to_contain_text(mine)
        expect(page.locator("#sites")).not_to_contain_text(other)
        page.context.close()


def test_auditor_filters_opens_evidence_and_reviews(browser, base_url, data):
    page = session(browser, base_url, "auditor")
    page.click("header nav >> text=问题")
    form = page.locator("#filters")
    form.locator("select[name=site_id]").select_option(str(data.site_a))
    form.locator("input[name=all_runs]").check()
    form.locator("#apply-filters").click()
    page.locator("#filters select[name=indicator]").select_option("ICP备案编号")
    page.locator("#filters #apply-filters").click()
    rows = page.locator("#findings tbody tr")
    # ICP: the home page's warning in both runs, and /a.html's missing number in run 1 only.
    expect(rows).to_have_count(3)
    for i in range(3):
        expect(rows.nth(i).locator("td").nth(1)).to_have_text("ICP备案编号")
    page.locator("#filters select[name=status]").select_option("warn")
    page.locator("#filters #apply-filters").click()
    expect(rows).to_have_count(2)
    expect(page.locator("#findings")).not_to_contain_text("/a.html")

    # Open run 1's copy of the home page's ICP warning.
    run1 = rows.filter(has=page.locator(f"td >> a[href='/runs/{data.runs_a[0]}']"))
    run1.locator("td").nth(3).locator("a").click()
    expect(page.locator("h1")).to_contain_text("ICP备案编号")
    crop = page.locator("img.crop").first
    expect(crop).to_be_visible()
    assert page.evaluate("img => img.complete && img.naturalWidth > 0", crop.element_handle())
    # The full screenshot with the element boxed, both drawn in one scaled SVG.
    expect(page.locator("svg.shot rect.evbox")).to_have_count(1)
    page.locator(".shot-wrap").scroll_into_view_if_needed()
    expect(page.locator("svg.shot rect.evbox")).to_be_in_viewport()  # evidence.js scrolled the picture to the box
    href = page.locator("svg.shot image").get_attribute("href")
    assert page.evaluate("u => fetch(u).then(r => r.status)", href) == 200
    # The HTML snippet is shown as text; its markup never becomes elements of this page.
    snippet = page.locator("pre.snippet").first
    expect(snippet).to_contain_text('<b onmouseover="alert(4)">')
    assert page.evaluate("() => document.querySelectorAll('b[onmouseover]').length") == 0
    expect(page.locator("figure.evidence .ok").first).to_have_text("校验一致")
    expect(page.locator("code.fp")).to_have_text(finding_of(data, data.runs_a[0], "/index.html", "footer.icp")
                                                 .fingerprint)

    # Review: 误报 needs a reason; with one it is recorded with the reviewer and time.
    page.check("#review-form input[value=false_positive]")
    page.click("#review-submit")
    expect(page.locator(".flash-error")).to_contain_text("理由")
    page.check("#review-form input[value=false_positive]")
    page.fill("#review-form textarea[name=reason]", "备案号已显示，链接由上级统一管理")
    page.click("#review-submit")
    expect(page.locator(".flash")).to_contain_text("误报")
    first = page.locator("#reviews tbody tr").first
    expect(first).to_contain_text("误报")
    expect(first).to_contain_text("auditor")
    expect(first).to_contain_text("备案号已显示")

    # The same finding in the later run shows the review.
    page.goto(f"/findings?run_id={data.runs_a[1]}&indicator=ICP备案编号")
    row = page.locator("#findings tbody tr").filter(has_text="/index.html")
    expect(row.locator(".rv-false_positive")).to_have_text("误报")
    page.goto(f"/findings?run_id={data.runs_a[1]}&review=false_positive")
    expect(page.locator("#findings tbody tr").filter(has_text="ICP备案编号")).to_have_count(1)
    page.context.close()


def test_compare_two_runs(browser, base_url, data):
    page = session(browser, base_url, "auditor")
    page.click(f"#sites a[href='/sites/{data.site_a}']")
    form = page.locator("#compare-form")
    form.locator("select[name=a]").select_option(str(data.runs_a[0]))
    form.locator("select[name=b]").select_option(str(data.runs_a[1]))
    form.locator("button").click()
    expect(page.locator("#n-new")).to_have_text("1")
    expect(page.locator("#n-fixed")).to_have_text("1")
    expect(page.locator("#n-still")).to_have_text("13")
    # Grouped by indicator, collapsed; the counts are links that filter by the change.
    page.click("#compare-counts a:has-text('新增')")
    group = page.locator("details.cmp-group")
    expect(group).to_have_count(1)
    group.locator("summary").click()
    expect(group.locator(".cmp-row")).to_contain_text("/b.html")
    expect(group.locator("summary")).to_contain_text("网站主办单位")
    page.locator("#compare-filters select[name=status]").select_option("fixed")
    page.locator("#compare-filters button").click()
    group = page.locator("details.cmp-group")
    group.first.locator("summary").click()
    expect(group.locator(".cmp-row[data-state=fixed]").filter(has_text="/a.html")).to_have_count(1)
    expect(group.locator("summary").filter(has_text="ICP备案编号")).to_have_count(1)
    page.context.close()


def test_xlsx_download_reads_back(browser, base_url, data, tmp_path):
    run2 = data.runs_a[1]
    fp = finding_of(data, run2, "/b.html", "footer.jiucuo")
    add_review(data.store(), site_url=fp.site_url, rule=fp.rule, page_url=fp.page_url, subject="",
               verdict="false_positive", reviewer="auditor", reason="找错入口经核实存在")
    page = session(browser, base_url, "auditor")
    page.goto(f"/findings?run_id={run2}")
    with page.expect_download() as dl:
        page.click("#export-xlsx")
    path = tmp_path / "notice.xlsx"
    dl.value.save_as(path)
    ws = load_workbook(path).active
    assert ws["A1"].value == TITLE
    assert [c.value for c in ws[2]] == COLUMNS
    body = [[c.value for c in row] for row in ws.iter_rows(min_row=3)]
    found, _ = fq.list_findings(data.store(), None, fq.FindingFilter(run_id=run2, latest=False))
    kept = [f for f in found if f.review_state != "false_positive"]
    assert len(body) == len(kept) > 0
    assert {(r[2], r[4]) for r in body} == {(f.indicator, f.page_url) for f in kept}
    assert (fp.indicator, fp.page_url) not in {(r[2], r[4]) for r in body}
    assert all(r[0] == "测试市人民政府" and r[1] == SPONSOR_A for r in body)
    assert all(r[4].startswith(f"http://{HOST_A}/") and len(r[5]) == 16 for r in body)
    page.context.close()


def test_page_title_with_script_is_shown_as_text(browser, base_url, data, dialogs):
    page = session(browser, base_url, "auditor", dialogs)
    page.goto(f"/runs/{data.runs_a[0]}")
    cell = page.locator("#pages tbody tr").filter(has_text="/index.html").locator("td.title")
    expect(cell).to_have_text(XSS_TITLE)
    cell_link = page.locator("#pages tbody tr").filter(has_text="/index.html").locator("a")
    cell_link.click()
    expect(page.locator("#page-title")).to_have_text(XSS_TITLE)
    # The only scripts are the app's own files; nothing from the title became a script or ran.
    assert page.evaluate("() => Array.from(document.scripts).every(s => new URL(s.src).pathname.startsWith("
                         "'/static/') && !s.textContent.trim())")
    idx = finding_of(data, data.runs_a[0], "/index.html", "footer.conac")
    page.goto(f"/findings/{idx.ref}")
    expect(page.locator("#finding-page-title")).to_have_text(XSS_TITLE)
    page.goto(f"/findings?run_id={data.runs_a[0]}")
    expect(page.locator("#findings .title").first).to_be_visible()
    assert dialogs == []
    page.context.close()


def test_owner_cannot_see_other_sites_even_by_url(browser, base_url, data):
    other = finding_of(data, data.run_b, "/icp-missing.html", "footer.icp")
    _, shot = fq.evidence_of_check(data.store(), int(other.ref[1:]))
    page = session(browser, base_url, "owner_a")
    page.click("header nav >> text=问题")
    expect(page.locator("#findings tbody tr").first).to_be_visible()
    expect(page.locator("#findings")).not_to_contain_text("示范市人民政府")
    options = page.locator("#filters select[name=site_id] option")
    expect(options).to_have_count(2)  # 全部 and their own site
    for url in (f"/findings/{other.ref}", f"/evidence/{shot.id}", f"/runs/{data.run_b}", f"/sites/{data.site_b}",
                f"/pages/{other.page_id}", f"/api/v1/findings/{other.ref}"):
        resp = page.goto(url)
        assert resp is not None and resp.status == 404, url
    # Their own findings: visible, but no review form (owners do not judge their own findings).
    mine = finding_of(data, data.runs_a[1], "/b.html", "footer.sponsor")
    page.goto(f"/findings/{mine.ref}")
    expect(page.locator("#message")).to_be_visible()
    expect(page.locator("#review-form")).to_have_count(0)
    page.context.close()


def test_owner_starts_an_audit_and_watches_progress(browser, base_url, data):
    page = session(browser, base_url, "owner_a")
    page.goto(f"/sites/{data.site_a}")
    page.check("#start-audit input[value=pages]")
    page.fill("#start-audit textarea[name=urls]", f"http://{HOST_A}/a.html\nhttp://{HOST_A}/b.html")
    page.click("#start-audit-btn")
    expect(page).to_have_url(re.compile(r"/runs/\d+$"))
    expect(page.locator("#pages-total")).to_have_text("2")
    # progress.js polls the API and reloads the page when the run is over.
    expect(page.locator("#run-status")).to_have_text("已完成", timeout=90_000)
    expect(page.locator("#pages-done")).to_have_text("2")
    expect(page.locator("#pages-failed")).to_have_text("0")
    expect(page.locator("#pages tbody tr")).to_have_count(2)
    assert page.evaluate("() => document.getElementById('run-progress').value") == 2
    page.context.close()
