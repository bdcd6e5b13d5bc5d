"""分组审核 and 先整改 in real Chromium (Playwright), against the Flask app served on 127.0.0.1 in a thread:
an auditor marks a 100-page group 误报 in one action and the next group opens; j/k/x/f/c on the rows; a site owner's
self-check leaves the official verdict unchanged, and the owner sees both, the «先整改» list and the verification
of their «已整改» answer by that self-check.

Data: a copy of the web tests' database (tests/webdata.py: real audits, users of every role), with runs written
through the Store by tests/reviewdata.py; the owner's self-check is a real audit of the local test site.
"""
from __future__ import annotations

import re
import shutil
import tempfile
import threading
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright
from sqlalchemy import func, select
from werkzeug.serving import make_server

from auditor.scoring import load_table
from auditor.store import Store
from auditor.store import findings as fq
from auditor.store.models import FixClaim
from auditor.store.reviews import latest_reviews
from auditor.store.scorecard import score_run
from browsers.launch import CHROMIUM_PATH, chromium_args
from tests import webdata
from tests.reviewdata import make_run
from tests.webdata import HOST_A, NAME_A, PASSWORD, build
from web.app import create_app

pytestmark = [pytest.mark.browser]
SITE_A = f"http://{HOST_A}/"
SHOTS = Path(tempfile.gettempdir()) / "govaudit-review-shots"
ICP_HTML = '<p class="icp">浙ICP备12345678号-1</p>'


@pytest.fixture(scope="module")
def env(sample_site):
    """Settings on a copy of the web tests' database, and a store on it."""
    data = build(sample_site)
    root = Path(tempfile.mkdtemp(prefix="govaudit-review-"))
    shutil.copy(data.root / "govaudit.db", root / "govaudit.db")
    settings = data.settings.replace(database_url=f"sqlite:///{root}/govaudit.db")
    store = Store(settings.database_url)
    store.upgrade()
    yield data, settings, store
    store.engine.dispose()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def base_url(env):
    _, settings, _ = env
    app = create_app(settings)
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


def session(browser, base_url: str, username: str) -> Page:
    ctx = browser.new_context(base_url=base_url, locale="zh-CN", viewport={"width": 1400, "height": 900})
    page = ctx.new_page()
    page.set_default_timeout(15_000)
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("#whoami")).to_contain_text(username)
    return page


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _hundred_page_run(data, settings, store) -> int:
    pages = {f"{SITE_A}art/{i}.html": [("footer.icp", "fail", "ICP备案编号", "ICP备案编号未链接到备案系统", ICP_HTML)]
             for i in range(100)}
    for i in range(3):
        pages[f"{SITE_A}col/{i}/index.html"] = [("footer.sponsor", "fail", "网站主办单位", "缺少主办单位", None)]
    pages[f"{SITE_A}index.html"] = [("a11y.color-contrast", "warn", "颜色对比度", "文字颜色对比度不足", "<a>#777</a>")]
    return make_run(store, settings.evidence_dir, site_id=data.site_a, site_name=NAME_A, site_url=SITE_A,
                    pages=pages, purpose="partial", kind="pages")


def test_auditor_reviews_a_hundred_page_group_in_one_action(browser, base_url, env):
    data, settings, store = env
    run = _hundred_page_run(data, settings, store)
    page = session(browser, base_url, "auditor")
    page.click("header nav >> text=分组审核")
    page.goto(f"/review?run_id={run}")
    groups = page.locator("#groups li")
    # ICP: one element on 100 pages; 主办单位: three column pages of one template; the contrast warning.
    expect(groups).to_have_count(3)
    expect(page.locator("#groups li[data-rule='footer.sponsor']")).to_contain_text("同一页面模板 · 3 个页面")
    icp = page.locator("#groups li[data-rule='footer.icp']")
    expect(icp).to_have_count(1)
    expect(icp).to_contain_text("100 个页面")
    expect(icp).to_contain_text("同一元素")
    icp.locator("a").click()
    detail = page.locator("#group")
    expect(detail).to_have_attribute("data-rule", "footer.icp")
    expect(page.locator("#g-pages")).to_have_text("100")
    crop = detail.locator("figure.example img.crop")
    expect(crop).to_be_visible()
    assert page.evaluate("img => img.complete && img.naturalWidth > 0", crop.element_handle())
    expect(page.locator("#group-rows tbody tr")).to_have_count(100)
    expect(page.locator("#group-rows tbody tr").nth(2)).to_contain_text("/art/2.html")  # natural order
    expect(page.locator("#g-snippet")).to_have_text(ICP_HTML)  # the element, as text
    shot(page, "review-group")

    # 误报 without a reason: refused with the page again, nothing stored.
    page.click("#group-fp")
    expect(page.locator(".flash-error")).to_contain_text("理由")
    expect(page.locator("#reason")).to_be_focused()
    shot(page, "review-no-reason")
    found, _ = fq.list_findings(store, None, fq.FindingFilter(run_id=run, latest=False))
    icp_fps = [f.fingerprint for f in found if f.rule == "footer.icp"]
    assert len(icp_fps) == 100 and latest_reviews(store, icp_fps) == {}

    page.fill("#reason", "备案号由上级门户统一展示，模板中的链接已核实")
    page.click("#group-fp")
    expect(page.locator(".flash").first).to_contain_text("已将 100 项标记为「误报」")
    reviews = latest_reviews(store, icp_fps)
    assert len(reviews) == 100
    assert {(r.verdict, r.reviewer, r.reason) for r in reviews.values()} == {
        ("false_positive", "auditor", "备案号由上级门户统一展示，模板中的链接已核实")}
    # The next group with unreviewed findings is open; the ICP group is done.
    expect(page.locator("#group")).not_to_have_attribute("data-rule", "footer.icp")
    assert int(page.locator("#g-unreviewed").inner_text()) > 0
    expect(page.locator("#groups li[data-rule='footer.icp']")).to_have_class(re.compile(r"\bdone\b"))
    expect(page.locator("#groups li[data-rule='footer.icp'] .n-unrev")).to_have_text("0")
    shot(page, "review-next-group")
    page.context.close()


def test_keyboard_moves_and_marks_rows(browser, base_url, env):
    data, settings, store = env
    pages = {f"{SITE_A}kb/{i}.html": [("footer.police_record", "fail", "公安机关备案号", "缺少公安机关备案号",
                                       '<p class="ga">备案</p>')] for i in range(4)}
    run = make_run(store, settings.evidence_dir, site_id=data.site_a, site_name=NAME_A, site_url=SITE_A,
                   pages=pages, purpose="partial", kind="pages")
    page = session(browser, base_url, "auditor")
    page.goto(f"/review?run_id={run}")
    rows = page.locator("#group-rows tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.nth(0)).to_have_class(re.compile(r"\bcur\b"))
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    expect(rows.nth(1)).to_have_class(re.compile(r"\bcur\b"))
    expect(rows.nth(0)).not_to_have_class(re.compile(r"\bcur\b"))
    ref1 = rows.nth(1).get_attribute("data-ref")
    # f on the current row: a 误报 needs a reason, so the reason box takes the focus; Enter submits.
    page.keyboard.press("f")
    expect(page.locator("#key-hint")).to_be_visible()
    expect(page.locator("#reason")).to_be_focused()
    page.keyboard.type("页脚备案号在图片中")
    page.keyboard.press("Enter")
    expect(page.locator(".flash").first).to_contain_text("已将 1 项标记为「误报」")
    found = {f.ref: f for f in fq.list_findings(store, None, fq.FindingFilter(run_id=run, latest=False))[0]}
    assert found[ref1].review_state == "false_positive"
    assert sum(f.review_state != "unreviewed" for f in found.values()) == 1
    # The group still has unreviewed rows: it stays open, the cursor on the first unreviewed one.
    rows = page.locator("#group-rows tbody tr")
    expect(rows.nth(0)).to_have_class(re.compile(r"\bcur\b"))
    # x selects rows, c confirms the selection (no reason needed).
    page.keyboard.press("x")
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("x")
    refs = [rows.nth(0).get_attribute("data-ref"), rows.nth(2).get_attribute("data-ref")]
    page.keyboard.press("c")
    expect(page.locator(".flash").first).to_contain_text("已将 2 项标记为「确认」")
    found = {f.ref: f for f in fq.list_findings(store, None, fq.FindingFilter(run_id=run, latest=False))[0]}
    assert [found[r].review_state for r in refs] == ["confirmed", "confirmed"]
    assert sum(f.review_state == "unreviewed" for f in found.values()) == 1
    shot(page, "review-keyboard")
    page.goto("/review")  # every site's latest result: each group names its site
    first_key = page.locator("#group").get_attribute("data-key")
    page.keyboard.press("n")
    page.wait_for_url(re.compile(r"[?&]group="))  # loaded, with review.js listening again
    expect(page.locator("#group")).not_to_have_attribute("data-key", first_key)
    expect(page.locator("#groups li").nth(1)).to_have_class(re.compile(r"\bopen\b"))
    page.keyboard.press("p")
    expect(page.locator("#group")).to_have_attribute("data-key", first_key)
    expect(page.locator("#groups .gsite").first).to_be_visible()
    shot(page, "review-all-sites")
    page.context.close()


def test_bulk_review_bad_input_answers_chinese_4xx(browser, base_url, env):
    data, settings, store = env
    run = make_run(store, settings.evidence_dir, site_id=data.site_a, site_name=NAME_A, site_url=SITE_A,
                   pages={f"{SITE_A}bad/1.html": [("footer.contact", "fail", "联系方式", "缺少联系方式", None)]},
                   purpose="partial", kind="pages")
    page = session(browser, base_url, "auditor")
    page.goto(f"/review?run_id={run}")
    key = page.locator("#group").get_attribute("data-key")
    token = page.locator("meta[name=csrf-token]").get_attribute("content")
    base = {"csrf_token": token, "run_id": str(run), "group": key, "reason": "x"}
    cases = [({"action": "delete-everything"}, "操作无效"), ({"action": "group-confirmed", "group": "zz"}, "group"),
             ({"action": "group-confirmed", "group": "0" * 20}, "该组已不存在"),
             ({"action": "rows-confirmed", "ref": "c99999999"}, "不属于该组"),
             ({"action": "rows-confirmed", "ref": "x1"}, "编号无效"),
             ({"action": "group-confirmed", "run_id": "²"}, "run_id"),
             ({"action": "rows-false_positive", "reason": ""}, "选中")]
    for extra, msg in cases:
        resp = page.request.post(f"{base_url}/review/bulk", form={**base, **extra}, max_redirects=0)
        assert resp.status == 400, (extra, resp.status)
        assert msg in resp.text(), (extra, resp.text()[:300])
    resp = page.request.post(f"{base_url}/review/bulk", form={k: v for k, v in base.items() if k != "csrf_token"}
                             | {"action": "group-confirmed"}, max_redirects=0)
    assert resp.status == 400 and "CSRF" in resp.text()
    for url, msg in ((f"/review?run_id={run}&group=<x>", "group"), ("/review?site_id=abc", "site_id"),
                     ("/fix-first?site_id=-1", "site_id")):
        resp = page.goto(url)
        assert resp is not None and resp.status == 400 and msg in page.locator("main").inner_text(), url
    # «已整改» is the site owner's answer, not an auditor's.
    resp = page.request.post(f"{base_url}/fix-first/fixed", form={"csrf_token": token, "site_id": str(data.site_a),
                                                                  "one": "c1"}, max_redirects=0)
    assert resp.status == 403
    page.context.close()
    owner = session(browser, base_url, "owner_a")
    owner.goto(f"/review?site_id={data.site_a}")  # owners do not review: they are sent to 先整改
    expect(owner).to_have_url(re.compile(rf"/fix-first\?site_id={data.site_a}$"))
    resp = owner.goto(f"/fix-first?site_id={data.site_b}")  # another owner's site: as if it did not exist
    assert resp is not None and resp.status == 404
    token = owner.locator("meta[name=csrf-token]").get_attribute("content")
    resp = owner.request.post(f"{base_url}/fix-first/fixed", form={"csrf_token": token, "site_id": str(data.site_a),
                                                                   "run_id": str(run), "one": "c99999999"},
                              max_redirects=0)
    assert resp.status == 400 and "不属于本次检查" in resp.text()
    resp = owner.request.post(f"{base_url}/review/bulk", form={**base, "csrf_token": token,
                                                               "action": "group-confirmed"}, max_redirects=0)
    assert resp.status == 403
    owner.context.close()


def test_owner_self_check_keeps_the_official_verdict_and_fix_first(browser, base_url, env):
    data, settings, store = env
    spec_sponsor = [("footer.sponsor", "fail", "网站主办单位", "页面底部缺少网站主办单位", None)]
    official = make_run(store, settings.evidence_dir, site_id=data.site_a, site_name=NAME_A, site_url=SITE_A,
                        pages={f"{SITE_A}index.html": [("site.https", "warn", "HTTPS", "未启用HTTPS", None)],
                               f"{SITE_A}b.html": spec_sponsor,
                               f"{SITE_A}conac.html": [("a11y.image-alt", "warn", "无障碍 · 非文本内容",
                                                        "非网站可整改（国家服务绘制的标识或入口代码）：图片缺少替代文本",
                                                        '<img src="/conac.png">')]},
                        purpose="official", kind="site")
    table = load_table()
    before = score_run(store, official, table, site_type="政府门户网站")

    page = session(browser, base_url, "owner_a")
    page.click("header nav >> text=先整改")
    expect(page.locator("h1")).to_contain_text(NAME_A)
    expect(page.locator("#official-result")).to_contain_text(f"批次 {official}")
    expect(page.locator("#official-result .card-label")).to_have_text(before.label)
    groups = page.locator("#fix-list li.fix-group")
    expect(groups.first).to_have_attribute("data-rule", "footer.sponsor")  # the fail before the warning
    expect(groups).to_have_count(2)  # the national badge's markup is not the owner's to fix: not listed
    expect(page.locator("#fix-list")).not_to_contain_text("非网站可整改")
    guidance = groups.first.locator(".guidance")
    expect(guidance).to_contain_text("如何整改")
    expect(guidance).not_to_be_empty()
    shot(page, "fix-first-before")
    # «已整改» on /b.html's 主办单位: stored with the owner and the time.
    row = groups.first.locator("tr").filter(has_text="/b.html")
    row.locator("button.claim-one").click()
    expect(page.locator(".flash").first).to_contain_text("已答复 1 项「已整改」")
    with store.session() as s:
        claims = list(s.scalars(select(FixClaim)))
    assert [(c.claimed_by, c.rule, c.page_url, c.run_id) for c in claims] == [
        ("owner_a", "footer.sponsor", f"{SITE_A}b.html", official)]
    expect(page.locator("#fix-verify tbody tr").first).to_contain_text("待复查")

    # The owner's self-check: a real audit of the site as it is now (v1: /b.html has its 主办单位 again).
    webdata._STATE["version"] = 1
    try:
        page.goto(f"/sites/{data.site_a}")
        page.check("#start-audit input[value=pages]")
        page.fill("#start-audit textarea[name=urls]", f"{SITE_A}b.html")
        page.click("#start-audit-btn")
        expect(page).to_have_url(re.compile(r"/runs/\d+$"))
        expect(page.locator("#run-status")).to_have_text("已完成", timeout=90_000)
    finally:
        webdata._STATE["version"] = 2
    self_run = int(page.url.rsplit("/", 1)[1])
    assert fq.get_run(store, self_run).purpose == "self_check"

    # The official result is unchanged; the owner sees both.
    assert fq.latest_run_ids(store, None, data.site_a)[-1] == official
    assert score_run(store, official, table, site_type="政府门户网站").label == before.label
    page.click("header nav >> text=网站")
    row = page.locator("#sites tbody tr").filter(has_text=NAME_A)
    expect(row.locator(f"a[href='/runs/{official}']")).to_have_count(1)
    expect(row).to_contain_text(f"自查：批次 {self_run}")
    page.click("header nav >> text=先整改")
    expect(page.locator("#official-result")).to_contain_text(f"批次 {official}")
    expect(page.locator("#official-result .card-label")).to_have_text(before.label)
    expect(page.locator("#self-check-result")).to_contain_text(f"批次 {self_run}")
    expect(page.locator("#self-check-result")).to_contain_text("不计入正式结果")
    expect(page.locator("#fix-run")).to_contain_text(f"批次 {official}")
    # The self-check verified the answer: /b.html's 主办单位 is fixed.
    verify = page.locator("#fix-verify tbody tr").first
    expect(verify).to_contain_text("footer.sponsor")
    expect(verify).to_contain_text(f"批次 {self_run}")
    expect(verify.locator(".badge")).to_have_text("已整改")
    shot(page, "fix-first-after")
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(FixClaim)) == 1
    page.context.close()


def test_single_review_then_next_unreviewed_opens(browser, base_url, env):
    data, settings, store = env
    pages = {f"{SITE_A}nx/{i}.html": [("footer.contact", "fail", "联系方式", "缺少联系方式", None)] for i in range(2)}
    run = make_run(store, settings.evidence_dir, site_id=data.site_a, site_name=NAME_A, site_url=SITE_A,
                   pages=pages, purpose="partial", kind="pages")
    found = {f.page_url: f for f in fq.list_findings(store, None, fq.FindingFilter(run_id=run, latest=False))[0]}
    first, second = found[f"{SITE_A}nx/0.html"], found[f"{SITE_A}nx/1.html"]
    page = session(browser, base_url, "auditor")
    page.goto(f"/findings/{first.ref}")
    page.check("#review-form input[value=confirmed]")
    page.click("#review-submit-next")
    expect(page).to_have_url(f"{base_url}/findings/{second.ref}")
    expect(page.locator(".flash").first).to_contain_text("确认")
    page.check("#review-form input[value=confirmed]")
    page.click("#review-submit-next")
    expect(page).to_have_url(f"{base_url}/review?run_id={run}")
    expect(page.locator(".flash").nth(1)).to_contain_text("已全部审核")
    assert {f.review_state for f in fq.list_findings(store, None, fq.FindingFilter(run_id=run, latest=False))[0]} == {
        "confirmed"}
    page.context.close()
