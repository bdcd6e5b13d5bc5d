"""User management, 对比 and 人工核查 in real Chromium (Playwright) against the app served on 127.0.0.1:

- an admin creates a site owner through /users, logs out; the owner logs in and sees only their site, while the
  other site's run, site page and /users answer a Chinese 404 / 403;
- an auditor records a 人工核查 with a picture from the run page, and the verdict card shows it;
- the compare page is short: groups collapsed.

Set GOVAUDIT_SCREENSHOTS=<folder> to keep full-page screenshots of each page for a person to look at.
"""
from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright
from werkzeug.serving import make_server

from auditor.config import Settings
from auditor.store import Store
from browsers.launch import CHROMIUM_PATH, chromium_args
from tests.test_web_admin import PASSWORD, _build, _png
from web.app import create_app

pytestmark = [pytest.mark.browser]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    folder = tmp_path_factory.mktemp("admin_ui")
    settings = Settings(database_url=f"sqlite:///{folder}/govaudit.db", evidence_dir=str(folder / "ev"),
                        allow_private=True)
    ids = _build(settings)
    store = Store(settings.database_url)
    srv = make_server("127.0.0.1", 0, create_app(settings, store), threaded=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield {"url": f"http://127.0.0.1:{srv.server_port}", "store": store, **ids}
    srv.shutdown()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM_PATH, args=chromium_args({}, isolate=True))
        yield b
        b.close()


def shot(page: Page, name: str) -> None:
    folder = os.environ.get("GOVAUDIT_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def log_in(page: Page, base: str, name: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/login")
    page.fill("#username", name)
    page.fill("#password", password)
    page.click("button[type=submit]")
    expect(page.locator("#whoami")).to_contain_text(name)


def test_admin_creates_an_owner_who_sees_only_their_site(browser, served):
    base = served["url"]
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
    page = ctx.new_page()
    page.set_default_timeout(15_000)
    log_in(page, base, "admin")
    page.click("#nav-users")
    expect(page.locator("h1")).to_have_text("用户管理")
    form = page.locator("#add-user")
    form.locator("input[name=username]").fill("乙县网站办")
    form.locator("select[name=role]").select_option("owner")
    form.locator("select[name=sites]").select_option(str(served["b"]))
    form.locator("input[name=password]").fill("owner-pass-2026")
    form.locator("#add-user-btn").click()
    expect(page.locator(".flash-info")).to_contain_text("已添加用户 乙县网站办（网站主办方）")
    row = page.locator("#users tbody tr").filter(has_text="乙县网站办")
    expect(row).to_contain_text("乙县人民政府")
    expect(row).to_contain_text("网站主办方")
    row.locator("summary").click()
    shot(page, "users")
    # A refused form: the page again, the message in Chinese, what was typed kept.
    form = page.locator("#add-user")
    form.locator("input[name=username]").fill("无网站的主办方")
    form.locator("select[name=role]").select_option("owner")
    form.locator("input[name=password]").fill("owner-pass-2026")
    form.locator("#add-user-btn").click()
    expect(page.locator(".flash-error")).to_contain_text("网站主办方账号需要指定至少一个网站")
    expect(page.locator("#add-user input[name=username]")).to_have_value("无网站的主办方")
    shot(page, "users-refused")
    # The token is shown once.
    row = page.locator("#users tbody tr").filter(has_text="乙县网站办")
    row.locator("summary").click()
    row.locator("button:has-text('签发 API 令牌')").click()
    expect(page.locator("#shown-value")).to_have_text(re.compile(r"^ga_"))
    shot(page, "users-token")
    page.goto(base + "/users")
    expect(page.locator("#shown-value")).to_have_count(0)
    expect(page.locator("#users tbody tr").filter(has_text="乙县网站办")).to_contain_text("已签发")
    page.click("header .who button")  # 退出
    expect(page.locator(".flash-info")).to_contain_text("已退出登录")

    log_in(page, base, "乙县网站办", "owner-pass-2026")
    sites = page.locator("#sites")
    expect(sites).to_contain_text("乙县人民政府")
    expect(sites).not_to_contain_text("甲市人民政府")
    expect(page.locator("#nav-users")).to_have_count(0)
    for url in (f"/runs/{served['run1']}", f"/sites/{served['a']}", f"/sites/{served['a']}/compare"):
        resp = page.goto(base + url)
        assert resp.status == 404
        expect(page.locator("h1")).to_have_text("404 · 找不到该页面")
    shot(page, "owner-404")
    resp = page.goto(base + "/users")
    assert resp.status == 403
    expect(page.locator("h1")).to_have_text("403 · 没有权限")
    resp = page.goto(f"{base}/runs/{served['run_b']}")
    assert resp.status == 200
    expect(page.locator("#judge-form")).to_have_count(0)
    ctx.close()


def test_auditor_judges_a_pending_item_with_a_picture(browser, served, tmp_path):
    base, run = served["url"], served["run2"]
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
    page = ctx.new_page()
    page.set_default_timeout(15_000)
    log_in(page, base, "checker")
    page.goto(f"{base}/runs/{run}")
    expect(page.locator("#verdict h2")).to_contain_text("（暂定）")
    page.locator("#pending summary").click()
    pending = page.locator("#pending tbody tr")
    n = pending.count()
    assert n > 0
    pending.first.locator("a.judge-link").click()
    chosen = page.locator("#judge-indicator").input_value()
    assert chosen and chosen in (pending.first.text_content() or "")
    pic = tmp_path / "reply.png"
    pic.write_bytes(_png())
    form = page.locator("#judge-form")
    form.locator("input[name=result][value=符合]").check()
    form.locator("textarea[name=reason]").fill("抽查 3 条留言，均在 5 个工作日内答复")
    form.locator("input[name=picture]").set_input_files(str(pic))
    form.locator("#judge-btn").click()
    expect(page.locator(".flash-info")).to_contain_text(f"已记录人工核查 {chosen}：符合")
    expect(page.locator("#judgements")).to_contain_text("抽查 3 条留言")
    expect(page.locator("#judgements a")).to_have_text("查看图片")
    page.locator("#pending summary").click()
    expect(page.locator("#pending tbody tr")).to_have_count(n - 1)
    shot(page, "run-judged")
    ctx.close()


def test_compare_page_is_short(browser, served):
    base = served["url"]
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
    page = ctx.new_page()
    log_in(page, base, "checker")
    page.goto(f"{base}/sites/{served['a']}/compare?a={served['run1']}&b={served['run2']}")
    expect(page.locator("details.cmp-group")).to_have_count(2)
    shot(page, "compare")
    # Collapsed: one screen, whatever the number of findings.
    assert page.evaluate("document.documentElement.scrollHeight") <= 1200
    page.locator("details.cmp-group summary").first.click()
    shot(page, "compare-open")
    page.goto(f"{base}/nope")
    expect(page.locator("h1")).to_have_text("404 · 找不到该页面")
    shot(page, "404")
    ctx.close()
