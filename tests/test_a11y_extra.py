"""Our own in-page checks (browsers/a11y_extra.js) in real Chromium: what each counts and what it leaves alone,
axe's result shape, and the saved government pages of ../shared/corpus.

One Chromium serves the whole module (one event loop of its own); hand-written pages go in with
``page.set_content``, the corpus pages from a loopback server that picks the folder by Host header.
"""
from __future__ import annotations

import asyncio
import json
import re
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread
from typing import Any

import pytest
from playwright.async_api import async_playwright

from auditor.a11y import compact, sc_from_tags
from browsers import a11y_extra, standins
from browsers.axe import AXE_SOURCE
from browsers.launch import launch_chromium
from tests.conftest import SHARED
from tests.corpus.render_for_labels import HOST_SUFFIX, start_server

pytestmark = [pytest.mark.browser]

CORPUS = SHARED / "corpus"
VIEWPORT = {"width": 1366, "height": 900}
SYM, FORM, LINK = a11y_extra.EXTRA_RULES
IMG = "data:image/gif;base64,R0lGODlhAQABAIAAAP///wAAACwAAAAAAQABAAACAkQBADs="
BG_IMG = f"url({IMG})"


# ---------------------------------------------------------------- one browser for the module

class Chromium:
    """Async Playwright on a private event loop, driven from synchronous tests."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.server: ThreadingHTTPServer | None = None
        self.corpus_port = 0

    def run(self, coro: Any) -> Any:
        return self.loop.run_until_complete(coro)

    async def start(self) -> None:
        self.pw = await async_playwright().start()
        host_map = {}
        if CORPUS.is_dir():
            self.server = start_server(CORPUS)
            self.corpus_port = self.server.server_address[1]
            host_map[f"*{HOST_SUFFIX}"] = f"127.0.0.1:{self.corpus_port}"
        self.browser = await launch_chromium(self.pw, host_map, isolate=True)
        self.context = await self.browser.new_context(viewport=VIEWPORT)
        self.page = await self.context.new_page()

    async def stop(self) -> None:
        await self.browser.close()
        await self.pw.stop()
        if self.server:
            self.server.shutdown()


@pytest.fixture(scope="module")
def chromium():
    c = Chromium()
    c.run(c.start())
    yield c
    c.run(c.stop())
    c.loop.close()


async def _load(page: Any, html: str, axe: bool = True) -> None:
    await page.goto("about:blank")  # a fresh window: set_content alone keeps the last page's globals (axe)
    await page.set_content(html)
    if axe:
        await page.evaluate(AXE_SOURCE + "\n;0")


def doc(body: str, head: str = "") -> str:
    return (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>测试</title>{head}</head>'
            f"<body style=\"margin:8px;background:#fff;font:16px/1.5 sans-serif\">{body}</body></html>")


def check(chromium: Chromium, html: str, rules: list[str] | None = None, axe: bool = True) -> list[dict[str, Any]]:
    async def go() -> list[dict[str, Any]]:
        await _load(chromium.page, html, axe)
        return await a11y_extra.run_playwright(chromium.page, rules)
    return chromium.run(go())


def by_rule(results: list[dict[str, Any]]) -> dict[str, dict[str, dict[str, Any]]]:
    """rule -> target -> node; what is left for review under "review:<rule>"."""
    return {("review:" if v.get("incomplete") else "") + v["id"]: {n["target"][0]: n for n in v["nodes"]}
            for v in results}


def targets(results: list[dict[str, Any]], rule: str) -> set[str]:
    return set(by_rule(results).get(rule, {}))


# ---------------------------------------------------------------- ga-symbol-contrast

def test_symbol_text_in_low_contrast_fails_with_ratio_colours_and_threshold(chromium):
    html = doc("""<nav><a href="/a" style="color:#000">首页</a><span id="pipe" style="color:#ccc">|</span>
      <a href="/b" style="color:#000">新闻</a><span id="rsaquo" style="color:#aaa">›</span>
      <span id="slash" style="color:#bbb"> / </span><span id="dash" style="color:#999">—</span>
      <span id="dark" style="color:#333">|</span><span id="word" style="color:#ccc">|新闻|</span></nav>""")
    found = by_rule(check(chromium, html))[SYM]
    assert set(found) == {"#pipe", "#rsaquo", "#slash", "#dash"}
    pipe = found["#pipe"]
    assert pipe["impact"] == "moderate"
    summary = pipe["failureSummary"]
    # #ccc on white: (1.05) / (0.6038 + 0.05) = 1.606...
    assert "1.60:1" in summary and "#cccccc" in summary and "#ffffff" in summary and "4.5:1" in summary
    assert "“|”" in summary and "16px" in summary


def test_text_that_axe_measures_itself_is_left_to_axe(chromium):
    """axe's color-contrast does not apply to "|" (punctuation only) and leaves a failing single character ("·")
    as needs-review; those are ours. "» »" and "| |" it judges itself: not reported twice."""
    html = doc('<p><span id="pipe" style="color:#ccc">|</span> <span id="dot" style="color:#ccc">·</span> '
               '<span id="raquos" style="color:#ccc">» »</span> <span id="pipes" style="color:#ccc">| |</span></p>')

    async def go():
        await _load(chromium.page, html)
        axe = await chromium.page.evaluate(
            "async () => { const r = await axe.run(document, {runOnly: ['color-contrast']});"
            " const t = (k) => r[k].flatMap((v) => v.nodes.map((n) => n.target[0]));"
            " return [t('violations'), t('incomplete')]; }")
        return axe, await a11y_extra.run_playwright(chromium.page)
    (violations, incomplete), ours = chromium.run(go())
    assert set(violations) == {"#raquos", "#pipes"} and "#dot" in incomplete and "#pipe" not in incomplete
    assert targets(ours, SYM) == {"#pipe", "#dot"}


def test_without_axe_every_punctuation_or_symbol_text_is_measured(chromium):
    html = doc('<p><span id="pipe" style="color:#ccc">|</span> <span id="raquos" style="color:#ccc">» »</span> '
               '<span id="copy" style="color:#ccc">©©</span> <span id="same" style="color:#fff">|</span></p>')
    assert targets(check(chromium, html, axe=False), SYM) == {"#pipe", "#raquos", "#copy"}
    # With axe: "» »" is axe's; "©" counts as an emoji there, so "©©" is not (and stays ours).
    assert targets(check(chromium, html), SYM) == {"#pipe", "#copy"}


def test_large_text_needs_three_to_one(chromium):
    # #888 on white is 3.54:1: enough for large text, not for normal text.
    html = doc("""<p><span id="big" style="color:#888;font-size:24px">|</span>
      <span id="bold" style="color:#888;font-size:19px;font-weight:700">|</span>
      <span id="small" style="color:#888;font-size:16px">|</span>
      <span id="notbold" style="color:#888;font-size:18px;font-weight:700">|</span>
      <span id="lightbig" style="color:#bbb;font-size:30px">|</span></p>""")
    found = by_rule(check(chromium, html))[SYM]
    assert set(found) == {"#small", "#notbold", "#lightbig"}
    assert "3.54:1" in found["#small"]["failureSummary"] and "4.5:1" in found["#small"]["failureSummary"]
    assert "3:1" in found["#lightbig"]["failureSummary"] and "大号文字" in found["#lightbig"]["failureSummary"]


def test_semi_transparent_backgrounds_and_opacity_are_composited(chromium):
    html = doc("""<div style="background:#000;padding:4px">
        <div style="background:rgba(255,255,255,0.5);padding:4px">
          <span id="white" style="color:#fff">|</span><span id="black" style="color:#000">|</span></div></div>
      <p><span id="faded" style="color:#000;opacity:0.3">|</span><span id="solid" style="color:#000">|</span></p>
      <p style="opacity:0.35"><span id="groupfaded" style="color:#000">|</span></p>
      <p><span id="alpha" style="color:rgba(0,0,0,0.25)">|</span></p>""")
    found = by_rule(check(chromium, html))[SYM]
    assert set(found) == {"#white", "#faded", "#groupfaded", "#alpha"}
    # 50 % white over black is #808080: white on it is 3.95:1.
    assert "#808080" in found["#white"]["failureSummary"] and "3.97:1" in found["#white"]["failureSummary"]
    # 30 % black over white: #b3b3b3.
    assert "#b3b3b3" in found["#faded"]["failureSummary"]


def test_background_image_gradient_and_overlap_cannot_be_told(chromium):
    html = doc(f"""<div style="background:#fff {BG_IMG}"><span id="img" style="color:#ccc">|</span></div>
      <div style="background:linear-gradient(#fff,#eee)"><span id="grad" style="color:#ccc">|</span></div>
      <div style="position:relative;height:40px">
        <span id="under" style="color:#ccc">|</span>
        <div style="position:absolute;left:0;top:0;width:60px;height:40px;background:#036"></div></div>
      <div style="position:relative;height:40px">
        <img src="{IMG}" style="position:absolute;left:0;top:0;width:300px;height:40px">
        <span id="onphoto" style="position:relative;color:#fff">|</span></div>
      <div style="position:relative;height:40px">
        <span id="glass" style="color:#ccc">|</span>
        <div style="position:absolute;left:0;top:0;width:60px;height:40px"></div></div>""")
    # A transparent box over the text hides nothing: that one is still measured. The others are left for review,
    # with the ratio against the background colours alone; white on the photo (1:1 by colours) is not reported.
    results = check(chromium, html)
    assert targets(results, SYM) == {"#glass"}
    review = by_rule(results)["review:" + SYM]
    assert set(review) == {"#img", "#grad", "#under"}
    assert "背景图像或渐变" in review["#img"]["failureSummary"] and "重叠" in review["#under"]["failureSummary"]
    assert all(n["failureSummary"].startswith("需人工复核") for n in review.values())


def test_below_the_viewport_the_same_overlap_rules_apply(chromium):
    """Far below the fold elementsFromPoint sees nothing: the boxes answer the same question."""
    html = doc(f"""<div style="height:2500px"></div>
      <p><span id="plain" style="color:#ccc">|</span></p>
      <div style="position:relative;height:40px">
        <img src="{IMG}" style="position:absolute;left:0;top:0;width:300px;height:40px">
        <span id="onphoto" style="position:relative;color:#fff">|</span></div>
      <div style="position:relative;height:40px">
        <span id="under" style="color:#ccc">|</span>
        <div style="position:absolute;left:0;top:0;width:60px;height:40px;background:#036"></div></div>
      <div style="position:relative;height:40px;overflow:hidden">
        <div style="position:absolute;left:0;top:40px;width:300px;height:40px;background:#036"></div></div>
      <div style="height:40px"><span id="clipped-cover" style="color:#ccc">|</span></div>""")
    results = check(chromium, html)
    assert targets(results, SYM) == {"#plain", "#clipped-cover"}
    assert targets(results, "review:" + SYM) == {"#under"}


def test_hidden_disabled_and_non_content_text_is_skipped(chromium):
    grey = "color:#ccc"
    html = doc(f"""<p><span id="shown" style="{grey}">|</span></p>
      <p style="display:none"><span style="{grey}">|</span></p>
      <p><span style="{grey};visibility:hidden">|</span></p>
      <p><span style="{grey};opacity:0">|</span></p>
      <p><span style="{grey};position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)">|</span></p>
      <p><span style="{grey};position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;
          white-space:nowrap;border:0">|</span></p>
      <p><span style="{grey};position:absolute;clip-path:inset(50%)">|</span></p>
      <p style="{grey};text-indent:-9999px">|</p>
      <div style="width:0;height:0;overflow:hidden"><span style="{grey}">|</span></div>
      <p><button disabled style="{grey}">›</button><button aria-disabled="true" style="{grey}">›</button></p>
      <fieldset disabled><button style="{grey}">›</button></fieldset>
      <select><option style="{grey}">—</option></select>
      <noscript><span style="{grey}">|</span></noscript>
      <template><span style="{grey}">|</span></template>
      <p><span style="{grey};font-size:0">|</span></p>""")
    assert targets(check(chromium, html), SYM) == {"#shown"}


def test_other_colour_spaces_are_read(chromium):
    html = doc('<p><span id="oklch" style="color:oklch(85% 0 0)">|</span>'
               '<span id="mix" style="color:color-mix(in srgb, #fff 80%, #000)">|</span>'
               '<span id="ok" style="color:oklch(20% 0 0)">|</span></p>')
    assert targets(check(chromium, html), SYM) == {"#oklch", "#mix"}


# ---------------------------------------------------------------- ga-form-submit

def test_forms_without_a_submit_button_fail(chromium):
    html = doc("""<form id="typed-button"><input name="q"><button type="button">搜索</button></form>
      <form id="plain-button"><input name="q"><button>搜索</button></form>
      <form id="bogus-type"><input name="q"><button type="bogus">搜索</button></form>
      <form id="submit-input"><input name="q"><input type="submit" value="搜索"></form>
      <form id="image-input"><input name="q"><input type="image" src="data:," alt="搜索"></form>
      <form id="owned-from-outside"><input name="q"></form><button form="owned-from-outside">搜索</button>
      <form id="lent-away"><input name="q"><button form="elsewhere">搜索</button></form>
      <form id="elsewhere"></form>
      <form id="links-select"><select onchange="location=this.value"><option>友情链接</option></select></form>
      <form id="reset-only"><input name="q"><button type="reset">清空</button></form>
      <form id="hidden-form" style="display:none"><input name="q"></form>
      <form id="only-hidden-inputs"><input type="hidden" name="t" value="1"></form>""")
    found = by_rule(check(chromium, html))[FORM]
    assert set(found) == {"#typed-button", "#lent-away", "#links-select", "#reset-only"}
    summary = found["#typed-button"]["failureSummary"]
    assert "没有提交按钮" in summary and "input[type=text]" in summary and "button[type=button]" in summary
    assert found["#links-select"]["impact"] == "moderate"


# ---------------------------------------------------------------- ga-image-link-alt

def test_image_only_links_need_a_name(chromium):
    img = f'src="{IMG}" width="40" height="20"'
    html = doc(f"""<p>
      <a id="named-alt" href="/"><img {img} alt="首页"></a>
      <a id="empty-alt" href="/"><img {img} alt=""></a>
      <a id="no-alt" href="/"><img {img}></a>
      <a id="blank-alt" href="/"><img {img} alt="   "></a>
      <a id="aria-label" href="/" aria-label="首页"><img {img} alt=""></a>
      <a id="labelledby" href="/" aria-labelledby="lbl"><img {img} alt=""></a><span id="lbl">政务公开</span>
      <a id="link-title" href="/" title="首页"><img {img}></a>
      <a id="img-title" href="/"><img {img} title="首页"></a>
      <a id="with-text" href="/"><img {img} alt="">首页</a>
      <a id="sr-text" href="/"><img {img} alt=""><span style="position:absolute;width:1px;height:1px;
          overflow:hidden;clip:rect(0 0 0 0)">首页</span></a>
      <a id="text-hidden" href="/"><img {img} alt=""><span style="display:none">首页</span></a>
      <a id="svg-bare" href="/"><svg width="20" height="20"><rect width="20" height="20"/></svg></a>
      <a id="svg-title" href="/"><svg width="20" height="20"><title>首页</title><rect width="20" height="20"/></svg></a>
      <span id="role-link" role="link" tabindex="0"><img {img}></span>
      <a id="no-href"><img {img}></a>
      <a id="hidden-link" href="/" style="display:none"><img {img}></a>
      <a id="text-only" href="/">首页</a>
      <a id="button-role" href="#" role="button"><img {img}></a>
    </p>""")
    found = by_rule(check(chromium, html))[LINK]
    assert set(found) == {"#empty-alt", "#no-alt", "#blank-alt", "#text-hidden", "#svg-bare", "#role-link"}
    n = found["#empty-alt"]
    assert n["impact"] == "serious" and "alt 为空" in n["failureSummary"]
    assert "alt 属性缺失" in found["#no-alt"]["failureSummary"]


# ---------------------------------------------------------------- shape, options, robustness

ALL_BAD = doc(f"""<p><span id="sep" style="color:#ccc">|</span></p>
  <form id="search"><input name="q"><button type="button">搜索</button></form>
  <a id="logo" href="/"><img src="{IMG}" width="40" height="20"></a>""")


def test_results_have_axes_shape_and_compact_accepts_them(chromium):
    results = check(chromium, ALL_BAD)
    assert [v["id"] for v in results] == [SYM, FORM, LINK]
    want = {SYM: (["wcag2aa", "wcag143"], "moderate", "1.4.3"), FORM: (["wcag2a", "wcag322"], "moderate", "3.2.2"),
            LINK: (["wcag2a", "wcag111"], "serious", "1.1.1")}
    for v in results:
        tags, impact, sc = want[v["id"]]
        assert v["tags"] == tags and v["impact"] == impact and sc_from_tags(v["tags"]) == [sc]
        assert v["helpUrl"] == ""
        assert re.search(r"[\u4e00-\u9fff]", v["help"]) and re.search(r"[\u4e00-\u9fff]", v["description"])
        for n in v["nodes"]:
            assert isinstance(n["target"], list) and len(n["target"]) == 1 and isinstance(n["target"][0], str)
            assert n["html"].startswith("<") and len(n["html"]) <= 600
            assert n["failureSummary"].startswith("修复以下") and n["impact"] == impact
    assert json.loads(json.dumps(results)) == results  # plain JSON, as both engines carry it
    c = compact({"violations": results})
    assert [v["id"] for v in c["violations"]] == sorted([SYM, FORM, LINK])
    nodes = {v["id"]: v["nodes"][0] for v in c["violations"]}
    assert nodes[SYM]["target"] == "#sep" and nodes[FORM]["target"] == "#search" and nodes[LINK]["target"] == "#logo"
    assert all(v["count"] == 1 and v["help"] for v in c["violations"])
    assert "1.60:1" in nodes[SYM]["summary"]


def test_rules_option_runs_a_subset(chromium):
    assert [v["id"] for v in check(chromium, ALL_BAD, [FORM])] == [FORM]
    assert [v["id"] for v in check(chromium, ALL_BAD, [LINK, SYM])] == [SYM, LINK]
    assert check(chromium, ALL_BAD, []) == []
    assert check(chromium, ALL_BAD, ["color-contrast"]) == []


def test_targets_select_the_element_without_axe_too(chromium):
    """Node targets are document.querySelector selectors (the crop boxes are found with them)."""
    many = "".join(f'<li><a href="/{i}">栏目{i}</a><span class="sep" style="color:#ddd">|</span></li>'
                   for i in range(30))
    html = doc(f'<ul class="nav">{many}</ul><div><div><form><input name="q"></form></div></div>')
    for axe in (True, False):
        async def go():
            await _load(chromium.page, html, axe)
            res = await a11y_extra.run_playwright(chromium.page)
            sels = [n["target"][0] for v in res for n in v["nodes"]]
            hits = await chromium.page.evaluate(
                "(sels) => sels.map((s) => [document.querySelectorAll(s).length, document.querySelector(s).outerHTML])",
                sels)
            return res, sels, hits
        res, sels, hits = chromium.run(go())
        assert len(by_rule(res)[SYM]) == 30 and len(by_rule(res)[FORM]) == 1
        assert len(set(sels)) == len(sels)
        for (count, html_of), node in zip(hits, [n for v in res for n in v["nodes"]]):
            assert count == 1 and html_of[:600] == node["html"]


def test_node_cap_is_200_per_rule(chromium):
    html = doc("".join(f'<span style="color:#ddd">|</span>' for i in range(260)))
    res = check(chromium, html)
    assert len(res) == 1 and len(res[0]["nodes"]) == 200


def test_checks_do_not_change_the_page_and_survive_odd_documents(chromium):
    async def go():
        page = chromium.page
        await _load(page, ALL_BAD + '<div id="host"></div>')
        await page.evaluate("""() => {
            const root = document.getElementById('host').attachShadow({mode: 'open'});
            root.innerHTML = '<span style="color:#ccc">|</span><form><input></form>';
            window.__mutations = 0;
            new MutationObserver((m) => { window.__mutations += m.length; })
              .observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
            window.__before = document.documentElement.outerHTML;
        }""")
        res = await a11y_extra.run_playwright(page)
        await page.evaluate("() => new Promise((r) => setTimeout(r, 50))")
        same = await page.evaluate("() => [window.__mutations, document.documentElement.outerHTML === window.__before]")
        # An SVG document has no body; the checks return without throwing.
        await page.goto('data:image/svg+xml,<svg xmlns="http://www.w3.org/2000/svg"><text y="20">|</text></svg>')
        svg = await a11y_extra.run_playwright(page)
        await page.goto("about:blank")
        return res, same, svg
    res, same, svg = chromium.run(go())
    assert len(res) == 3 and same == [0, True] and svg == []


def test_selenium_runs_the_same_checks(chromium, settings):
    from browsers.selenium_engine import new_driver

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *a: object) -> None:
            pass

        def do_GET(self) -> None:
            data = ALL_BAD.encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    Thread(target=srv.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{srv.server_address[1]}/"
    try:
        driver = new_driver(settings)
        try:
            driver.get(url)
            driver.execute_script(AXE_SOURCE)
            se = a11y_extra.run_selenium(driver)
            only = a11y_extra.run_selenium(driver, [LINK])
        finally:
            driver.quit()

        async def go():
            await chromium.page.goto(url)
            await chromium.page.evaluate(AXE_SOURCE + "\n;0")
            return await a11y_extra.run_playwright(chromium.page)
        pw = chromium.run(go())
    finally:
        srv.shutdown()
    assert [v["id"] for v in se] == [SYM, FORM, LINK] and [v["id"] for v in only] == [LINK]
    assert by_rule(se).keys() == by_rule(pw).keys()
    for rule in by_rule(se):
        assert set(by_rule(se)[rule]) == set(by_rule(pw)[rule])


# ---------------------------------------------------------------- the saved government pages

TIMED_JS = """async (js) => {
  const n = document.getElementsByTagName('*').length;
  const t = performance.now();
  const results = (0, eval)(js)({});
  return {ms: performance.now() - t, elements: n, results};
}"""
# The pages the assertions below name, the largest page, and a few more kinds of frame (a page without
# <meta charset>, big portal home frames, a hidden login form); the whole corpus takes too long for this file.
CORPUS_PAGES = ["fgw-beijing-gov-cn", "wtl-sz-gov-cn", "www-hongshan-gov-cn", "www-xa-gov-cn", "whlyj-beijing-gov-cn",
                "www-moe-gov-cn", "swj-wuhan-gov-cn", "www-bjft-gov-cn", "whlyw-cq-gov-cn", "www-neac-gov-cn",
                "www-sjz-gov-cn", "www-hfss-gov-cn", "www-gxzf-gov-cn", "www-wlmq-gov-cn", "www-sc-gov-cn",
                "www-gz-gov-cn", "www-yn-gov-cn", "jyt-ah-gov-cn"]
LARGEST = "www-wlmq-gov-cn"  # 1,028 elements rendered, the most of the 40


async def _open_corpus_page(chromium: Chromium, slug: str) -> tuple[Any, Any]:
    ctx = await chromium.browser.new_context(viewport=VIEWPORT)
    await standins.install(ctx)
    page = await ctx.new_page()
    try:
        await page.goto(f"http://{slug}{HOST_SUFFIX}/index.html", wait_until="load", timeout=20_000)
    except Exception:  # noqa: BLE001 - a slow resource: the page is checked as it stands
        pass
    await page.evaluate(AXE_SOURCE + "\n;0")
    return ctx, page


@pytest.fixture(scope="module")
def corpus(chromium):
    """Saved pages rendered as the auditor renders them, axe injected, our checks run once."""
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is not beside the project")

    async def one(slug: str, sem: asyncio.Semaphore) -> tuple[str, dict[str, Any]]:
        async with sem:
            ctx, page = await _open_corpus_page(chromium, slug)
            try:
                out = await page.evaluate(TIMED_JS, a11y_extra.EXTRA_JS)
                # The module's own entry point gives the same answer.
                out["again"] = await a11y_extra.run_playwright(page)
                out["selected"] = await page.evaluate(
                    "(sels) => sels.map((s) => { try { return document.querySelectorAll(s).length; }"
                    " catch (e) { return -1; } })",
                    [n["target"][0] for v in out["results"] for n in v["nodes"]])
                return slug, out
            finally:
                await ctx.close()

    async def all_pages() -> dict[str, dict[str, Any]]:
        sem = asyncio.Semaphore(4)
        return dict(await asyncio.gather(*(one(s, sem) for s in CORPUS_PAGES)))
    t = time.perf_counter()
    pages = chromium.run(all_pages())
    print(f"\ncorpus: {len(pages)} pages in {time.perf_counter() - t:.1f} s")
    for slug, out in pages.items():
        counts = {v["id"]: len(v["nodes"]) for v in out["results"]}
        print(f"  {slug:24} {out['elements']:5} elements {counts}")
    return pages


def test_corpus_pages_give_well_formed_results(corpus):
    assert len(corpus) == len(CORPUS_PAGES)
    for slug, out in corpus.items():
        results = out["results"]
        assert isinstance(results, list), slug
        # Violations in rule order, then what is left for review (marked incomplete), in rule order.
        for part in ([v for v in results if not v.get("incomplete")], [v for v in results if v.get("incomplete")]):
            assert [v["id"] for v in part] == [r for r in a11y_extra.EXTRA_RULES if r in {v["id"] for v in part}]
        assert [bool(v.get("incomplete")) for v in results] == sorted(bool(v.get("incomplete")) for v in results)
        for v in results:
            assert v["nodes"] and len(v["nodes"]) <= 200, (slug, v["id"])
            assert set(v) >= {"id", "impact", "tags", "help", "description", "helpUrl", "nodes"}
            for n in v["nodes"]:
                assert n["failureSummary"] and n["html"] and len(n["html"]) <= 600, (slug, n)
        # Every target selects exactly one element.
        assert all(c == 1 for c in out["selected"]), (slug, out["selected"])
        assert by_rule(out["again"]).keys() == by_rule(results).keys(), slug
        compact({"violations": results})


def test_corpus_search_forms_without_submit_button(corpus):
    fgw = by_rule(corpus["fgw-beijing-gov-cn"]["results"])[FORM]
    assert len(fgw) == 1 and 'name="searchForm"' in next(iter(fgw.values()))["html"]
    # 深圳文广旅体: onsubmit="return false" and a type=button image; 洪山区: a lone text field, Enter handled by script.
    assert "#myForm" in by_rule(corpus["wtl-sz-gov-cn"]["results"])[FORM]
    assert "form.box_size" in by_rule(corpus["www-hongshan-gov-cn"]["results"])[FORM]
    # Forms with an <input type=submit> / <button type=submit> are not reported.
    for slug in ("www-xa-gov-cn", "whlyj-beijing-gov-cn", "www-moe-gov-cn", "swj-wuhan-gov-cn", "www-bjft-gov-cn"):
        assert FORM not in by_rule(corpus[slug]["results"]), slug
    total = sum(len(by_rule(o["results"]).get(FORM, {})) for o in corpus.values())
    assert total == 3


def test_corpus_low_contrast_separators(corpus):
    cq = by_rule(corpus["whlyw-cq-gov-cn"]["results"])[SYM]
    assert set(cq) == {f"div.f-info-div > span:nth-child({i})" for i in (2, 4, 6)}
    assert all("“|”" in n["failureSummary"] and "1.60:1" in n["failureSummary"] for n in cq.values())
    neac = by_rule(corpus["www-neac-gov-cn"]["results"])[SYM]
    assert "div.top > span" in neac and "2.48:1" in neac["div.top > span"]["failureSummary"]
    assert sum("3.75:1" in n["failureSummary"] and "#eeeeee" in n["failureSummary"] for n in neac.values()) == 5
    # 石家庄: the dim "|" between 中国政府网 and 省政府 on the red top bar.
    sjz = by_rule(corpus["www-sjz-gov-cn"]["results"])[SYM]
    assert "#a40013" in sjz["div.wb > span"]["failureSummary"]
    # 合肥蜀山: the grey ">" of the breadcrumb.
    assert any("“>”" in n["failureSummary"] and "2.84:1" in n["failureSummary"]
               for n in by_rule(corpus["www-hfss-gov-cn"]["results"])[SYM].values())
    # 广西: white "|" on the banner photo (an <img> sibling under the text): can't tell, not reported.
    assert SYM not in by_rule(corpus["www-gxzf-gov-cn"]["results"])


def test_corpus_image_links_without_alt(corpus):
    xa = by_rule(corpus["www-xa-gov-cn"]["results"])[LINK]
    assert {"a.navbar-brand", "span.error-icon > a", "span.gov-icon > a"} <= set(xa)
    neac = by_rule(corpus["www-neac-gov-cn"]["results"])[LINK]
    assert "li.dzjg > a" in neac and "alt 为空" in neac["li.dzjg > a"]["failureSummary"]
    for out in corpus.values():
        for n in by_rule(out["results"]).get(LINK, {}).values():
            assert "<img" in n["html"] or "<svg" in n["html"] or "role=\"img\"" in n["html"]
            assert not re.search(r'\balt="[^"]*[^\s"][^"]*"', n["html"]), n["html"]


def test_corpus_largest_page_after_a_full_axe_run(chromium, corpus):
    """As the audit runs it: right after a full axe run in the same page, the same results (the time it took is
    printed; speed is the bench's business, bench/bench_a11y.py)."""
    from browsers.axe import options_json

    async def go() -> dict[str, Any]:
        ctx, page = await _open_corpus_page(chromium, LARGEST)
        try:
            await page.evaluate(f"async () => {{ await axe.run(document, {options_json()}); }}")
            return await page.evaluate(TIMED_JS, a11y_extra.EXTRA_JS)
        finally:
            await ctx.close()
    out = chromium.run(go())
    print(f"\nlargest corpus page {LARGEST}: {out['elements']} elements, extra checks {out['ms']:.1f} ms")
    assert out["elements"] > 1000
    assert by_rule(out["results"]).keys() == by_rule(corpus[LARGEST]["results"]).keys()
