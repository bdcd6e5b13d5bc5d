"""The probe's facts and axe's result travel as one JSON string (browsers/pagejson.py): a page whose scripts bend
JSON (Prototype.js's ``Array.prototype.toJSON``, a replaced ``JSON.stringify``) still gives the facts it shows,
and its own hooks are left as they were."""
from __future__ import annotations

import asyncio
from http.server import BaseHTTPRequestHandler

import pytest

from browsers.fetcher import PageFetcher
from tests.servers import start

pytestmark = [pytest.mark.browser]

BODY = """<h1>示范市人民政府</h1><nav><a href="/a">政务公开</a><a href="/b">政务服务</a><a href="/c">互动交流</a></nav>
<img src="/logo.png" alt="示范市人民政府"><p>正文</p>"""

PAGES = {
    "/plain": "",
    # Prototype.js 1.6: every array written by JSON.stringify becomes a string.
    "/prototype": """<script>Array.prototype.toJSON = function () { return "[" + this.join(", ") + "]"; };
</script>""",
    "/replaced": """<script>JSON.stringify = function () { return "nonsense"; };</script>""",
}


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *a: object) -> None:
        pass

    def do_GET(self) -> None:
        extra = PAGES.get(self.path)
        if extra is None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>页面</title>{extra}</head>'
                f"<body>{BODY}</body></html>").encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_facts_and_axe_survive_pages_that_bend_json(settings):
    srv, port = start(_Handler)
    try:
        async def go():
            async with PageFetcher(settings) as f:
                return {p: await f.fetch(f"http://127.0.0.1:{port}{p}", a11y=True) for p in PAGES}

        got = asyncio.run(go())
    finally:
        srv.shutdown()
    plain = got["/plain"]
    assert plain.error is None, plain.error
    hrefs = sorted(link["href"] for link in plain.probe.links)
    assert len(hrefs) == 3 and isinstance(plain.probe.images, list) and plain.probe.images
    violations = sorted(v["id"] for v in plain.axe["violations"])
    for path in ("/prototype", "/replaced"):
        res = got[path]
        assert res.error is None, (path, res.error)
        assert sorted(link["href"] for link in res.probe.links) == hrefs, path
        assert isinstance(res.probe.images, list) and len(res.probe.images) == len(plain.probe.images), path
        assert sorted(v["id"] for v in res.axe["violations"]) == violations, path


def test_the_pages_own_hooks_are_put_back_and_a_bent_result_is_not_used():
    from playwright.async_api import async_playwright

    from browsers.launch import launch_chromium
    from browsers.pagejson import evaluate_object

    async def go():
        async with async_playwright() as pw:
            browser = await launch_chromium(pw, {}, isolate=True)
            try:
                page = await browser.new_page()
                await page.set_content("<p>x</p>")
                await page.evaluate("""() => { Array.prototype.toJSON = function () { return "bent"; };
                                              Object.prototype.toJSON = undefined; }""")
                first = await evaluate_object(page, "() => ({a: [1, 2, {b: [3]}], s: 'z'})")
                hooks = await page.evaluate(
                    "() => [typeof Array.prototype.toJSON, Object.prototype.hasOwnProperty('toJSON')]")
                await page.evaluate("() => { JSON.stringify = () => '[1, 2]'; }")  # valid JSON, not an object
                second = await evaluate_object(page, "async () => ({a: [1, 2]})")
                return first, hooks, second
            finally:
                await browser.close()

    first, hooks, second = asyncio.run(go())
    assert first == {"a": [1, 2, {"b": [3]}], "s": "z"}
    assert hooks == ["function", True], "the page's toJSON hooks are put back"
    assert second == {"a": [1, 2]}, "a replaced JSON.stringify: Playwright's own encoding"
