"""The evidence screenshot (browsers/screenshot.py) draws the same pixels as Playwright's
``page.screenshot(full_page=True, animations="disabled")``, which it replaced for speed: on animated pages (finite
and infinite CSS animations, a transition, a blinking caret), on pages taller and wider than the window, on a
page cut at the height cap, and on sample-site pages; and it leaves the page as it found it."""
from __future__ import annotations

import asyncio
import io
from http.server import BaseHTTPRequestHandler

import pytest
from PIL import Image, ImageChops

from browsers.launch import launch_chromium
from browsers.screenshot import full_page_png
from tests.servers import start

pytestmark = [pytest.mark.browser]

ANIMATED = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>动画</title><style>
@keyframes slide { from { transform: translateX(0) } to { transform: translateX(400px) } }
@keyframes spin { from { transform: rotate(0deg) } to { transform: rotate(360deg) } }
.slide { width: 80px; height: 80px; background: #c00; animation: slide 8s linear 1 forwards; }
.spin { width: 80px; height: 80px; background: #06c; margin-top: 20px; animation: spin 1s linear infinite; }
.fade { width: 300px; height: 40px; background: #093; opacity: 0.1; transition: opacity 6s; }
.fade.on { opacity: 1; }
</style></head><body><h1>示范市人民政府</h1><div class="slide"></div><div class="spin" id="spin"></div>
<div class="fade" id="fade"></div><input id="q" value="站内搜索" autofocus>
<div style="height: 2600px; background: linear-gradient(#fff, #ddd)">长页面</div>
<script>requestAnimationFrame(() => document.getElementById("fade").classList.add("on"));
document.getElementById("q").focus();</script></body></html>"""

WIDE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>宽</title></head><body>
<div style="width: 2100px; height: 1500px; background: linear-gradient(90deg, #fee, #eef)">比窗口宽的页面</div>
</body></html>"""

SHORT = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>短</title></head><body>
<p>一屏以内的页面</p></body></html>"""

BROKEN = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>坏</title><script>
Document.prototype.getAnimations = function () { throw new Error("no"); };
Document.prototype.createNodeIterator = function () { throw new Error("no"); };
</script></head><body><p>改坏了 DOM 方法的页面</p></body></html>"""

PAGES = {"/animated": ANIMATED, "/wide": WIDE, "/short": SHORT, "/broken": BROKEN}


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *a: object) -> None:
        pass

    def do_GET(self) -> None:
        body = PAGES.get(self.path, "").encode("utf-8")
        self.send_response(200 if body else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _img(png: bytes) -> Image.Image:
    return Image.open(io.BytesIO(png)).convert("RGB")


def _same(a: bytes, b: bytes) -> bool:
    ia, ib = _img(a), _img(b)
    return ia.size == ib.size and ImageChops.difference(ia, ib).getbbox() is None


async def _both(browser, url: str, max_height: int = 20000) -> tuple[bytes, bytes, dict]:
    """Playwright's shot and ours, each on a fresh load of the page (a finished animation stays finished)."""
    shots = []
    state: dict = {}
    for ours in (False, True):
        ctx = await browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
        page = await ctx.new_page()
        await page.goto(url, wait_until="load")
        await page.wait_for_timeout(300)
        if ours:
            cdp = await ctx.new_cdp_session(page)
            shots.append(await full_page_png(page, cdp, max_height))
            state = await page.evaluate("""() => ({
                spin: document.getElementById("spin") ? document.getElementById("spin").getAnimations()
                      .map((a) => a.playState) : [],
                cleanup: typeof window.__gaShotCleanup,
                styles: document.querySelectorAll("style").length})""")
        elif max_height < 20000:
            width = await page.evaluate("document.documentElement.scrollWidth")
            shots.append(await page.screenshot(full_page=True, type="png", animations="disabled",
                                               clip={"x": 0, "y": 0, "width": width, "height": max_height}))
        else:
            shots.append(await page.screenshot(full_page=True, type="png", animations="disabled"))
        await ctx.close()
    return shots[0], shots[1], state


def _run(coro_fn, *args):
    from playwright.async_api import async_playwright

    async def main():
        async with async_playwright() as pw:
            browser = await launch_chromium(pw, {}, isolate=True)
            try:
                return await coro_fn(browser, *args)
            finally:
                await browser.close()

    return asyncio.run(main())


def test_same_pixels_as_playwright_on_animated_tall_wide_and_short_pages():
    srv, port = start(_Handler)
    try:
        async def go(browser):
            out = {}
            for path in PAGES:
                out[path] = await _both(browser, f"http://127.0.0.1:{port}{path}")
            out["capped"] = await _both(browser, f"http://127.0.0.1:{port}/animated", 1000)
            return out

        got = _run(go)
    finally:
        srv.shutdown()
    for name, (theirs, ours, _state) in got.items():
        assert _same(theirs, ours), f"{name}: pixels differ from Playwright's screenshot"
    assert _img(got["/animated"][1]).size == (1366, _img(got["/animated"][0]).size[1]) and \
        _img(got["/animated"][1]).size[1] > 2600, "the whole tall page"
    assert _img(got["/wide"][1]).size[0] >= 2100, "the whole width of a page wider than the window"
    assert _img(got["capped"][1]).size[1] == 1000, "cut at the height cap"
    state = got["/animated"][2]
    assert state["spin"] == ["running"], "the infinite animation runs again after the capture"
    assert state["cleanup"] == "undefined" and state["styles"] == 1, "the capture's own style and hooks are gone"


def test_same_pixels_as_playwright_on_sample_site_pages(sample_site):
    paths = ["/index.html", *[p for p in sample_site["truth"]["pages"] if p != "/index.html"][::25]]

    async def go(browser):
        out = {}
        for p in paths:
            theirs, ours, _ = await _both(browser, f"http://{sample_site['host']}{p}")
            out[p] = (theirs, ours)
        return out

    from playwright.async_api import async_playwright

    async def main():
        async with async_playwright() as pw:
            browser = await launch_chromium(pw, sample_site["host_map"], isolate=True)
            try:
                return await go(browser)
            finally:
                await browser.close()

    got = asyncio.run(main())
    assert len(got) >= 5
    for p, (theirs, ours) in got.items():
        assert _same(theirs, ours), f"{p}: pixels differ from Playwright's screenshot"
