"""A tab kept for the next page of a host (browsers/fetcher.py): the next page sees none of the previous page's
state or traffic, a page that ended badly does not pass its tab on, and a page audits the same either way."""
from __future__ import annotations

import asyncio
import time
from http.server import BaseHTTPRequestHandler

from auditor.a11y import violation_set
from browsers.fetcher import PageFetcher

import pytest

pytestmark = [pytest.mark.browser]
from tests.servers import start

PAGE_A = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>甲</title></head><body>
<h1>示范市人民政府</h1><img src="/missing.png" alt="缺失的图片">
<script>
localStorage.setItem("x", "1"); sessionStorage.setItem("y", "2");
// A request still under way when the page's audit ends: it is cut off by the next navigation and must not be
// counted against the next page.
window.addEventListener("load", () => { fetch("/slow").catch(() => {}); });
</script></body></html>"""

PAGE_B = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>乙</title></head><body>
<h1>示范市人民政府</h1><p>正文</p>
<script>
document.title = "cookie=" + document.cookie + ";ls=" + localStorage.getItem("x") + ";ss=" + sessionStorage.getItem("y");
</script></body></html>"""

PAGE_DIALOG = """<!doctype html><html><head><meta charset="utf-8"><title>弹窗</title></head><body><p>弹窗</p>
<script>alert("欢迎");</script></body></html>"""


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *a: object) -> None:
        pass

    def do_GET(self) -> None:
        pages = {"/a": PAGE_A, "/b": PAGE_B, "/dialog": PAGE_DIALOG}
        if self.path in ("/slow", "/hang"):
            time.sleep(3)
        if self.path not in pages and self.path not in ("/slow", "/hang"):
            return self.send_error(404)
        body = pages.get(self.path, "slow").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        if self.path == "/a":
            self.send_header("Set-Cookie", "seen=1; Path=/")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except OSError:
            pass


def test_the_next_page_in_a_kept_tab_sees_nothing_of_the_previous_one(settings):
    server, port = start(_Handler)
    base = f"http://127.0.0.1:{port}"

    async def go():
        async with PageFetcher(settings.replace(tab_reuse=50)) as f:
            a = await f.fetch(base + "/a")
            b = await f.fetch(base + "/b")
            kept = [(t.site, t.uses) for t in f._idle]
            contexts_after_b = len(f.browser.contexts)
            d = await f.fetch(base + "/dialog")
            contexts_after_dialog = len(f.browser.contexts)
            kept_after_dialog = [(t.site, t.uses) for t in f._idle]
            return a, b, d, kept, contexts_after_b, contexts_after_dialog, kept_after_dialog

    try:
        a, b, d, kept, ctx_b, ctx_d, kept_d = asyncio.run(go())
    finally:
        server.shutdown()
    assert a.ok and b.ok and d.ok, (a.error, b.error, d.error)
    assert any(r["url"].endswith("/missing.png") for r in a.failed_requests)
    # One tab served both pages...
    assert kept == [("127.0.0.1", 2)] and ctx_b == 1
    # ...and page b saw no cookie, no storage and none of a's requests.
    assert b.probe["title"] == "cookie=;ls=null;ss=null", b.probe["title"]
    assert not b.failed_requests, b.failed_requests
    # A page that raised a dialog does not pass its tab on.
    assert d.dialogs == 1
    assert kept_d == [] and ctx_d == 0


def test_without_reuse_every_page_gets_a_fresh_context(settings):
    server, port = start(_Handler)
    base = f"http://127.0.0.1:{port}"

    async def go():
        async with PageFetcher(settings.replace(tab_reuse=0)) as f:
            a = await f.fetch(base + "/a")
            n = len(f.browser.contexts)
            b = await f.fetch(base + "/b")
            return a, b, n, len(f._idle)

    try:
        a, b, n, idle = asyncio.run(go())
    finally:
        server.shutdown()
    assert a.ok and b.ok and n == 0 and idle == 0
    assert b.probe["title"] == "cookie=;ls=null;ss=null"


def test_sample_pages_audit_the_same_in_kept_and_fresh_tabs(settings, sample_site):
    """The same pages, one after another in one kept tab and each in a fresh context: the same probe facts,
    failed requests and accessibility findings."""
    host = sample_site["host"]
    paths = [p for p in sample_site["truth"]["pages"]][:6]
    urls = [f"http://{host}{p}" for p in paths]
    s = settings.replace(host_map=sample_site["host_map"])

    async def run(reuse: int):
        async with PageFetcher(s.replace(tab_reuse=reuse)) as f:
            return [await f.fetch(u, a11y=True) for u in urls], len(f._idle)

    kept, idle = asyncio.run(run(50))
    fresh, _ = asyncio.run(run(0))
    assert idle == 1
    for k, fr in zip(kept, fresh):
        assert k.ok and fr.ok, (k.url, k.error, fr.error)
        assert k.probe["title"] == fr.probe["title"]
        assert len(k.probe["links"]) == len(fr.probe["links"])
        assert {r["url"] for r in k.failed_requests} == {r["url"] for r in fr.failed_requests}, k.url
        assert violation_set(k.axe) == violation_set(fr.axe), k.url
        assert k.screenshot[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_cancelled_page_does_not_pass_its_tab_on(settings):
    """A job timeout cancels the fetch mid-page: its tab is closed, not kept."""
    server, port = start(_Handler)
    base = f"http://127.0.0.1:{port}"

    async def go():
        async with PageFetcher(settings.replace(tab_reuse=50)) as f:
            await f.fetch(base + "/a")
            assert len(f._idle) == 1
            try:
                await asyncio.wait_for(f.fetch(base + "/hang"), timeout=1)
            except asyncio.TimeoutError:
                pass
            else:
                raise AssertionError("the hanging page answered within 1 s")
            idle, contexts = len(f._idle), len(f.browser.contexts)
            after = await f.fetch(base + "/b")
            return idle, contexts, after

    try:
        idle, contexts, after = asyncio.run(go())
    finally:
        server.shutdown()
    assert idle == 0 and contexts == 0
    assert after.ok and after.probe["title"] == "cookie=;ls=null;ss=null"


def test_the_first_page_gets_the_tab_made_while_the_browser_started(settings):
    """The first page's tab is made as the browser comes up (start-up, docs/performance.md): the first page uses
    it rather than opening a second context, and a fetcher that opens its own contexts makes none."""
    server, port = start(_Handler)
    base = f"http://127.0.0.1:{port}"

    async def go():
        async with PageFetcher(settings.replace(tab_reuse=50)) as f:
            made_at_start = f._spare is not None
            spare = await f._spare
            b = await f.fetch(base + "/b")
            used = [t for t in f._idle]
            contexts = len(f.browser.contexts)
        async with PageFetcher(settings, first_tab=False) as g:
            await asyncio.sleep(0.3)
            own_contexts = len(g.browser.contexts)
            no_spare = g._spare is None
        return made_at_start, spare, b, used, contexts, own_contexts, no_spare

    try:
        made, spare, b, used, contexts, own_contexts, no_spare = asyncio.run(go())
    finally:
        server.shutdown()
    assert made and b.ok, b.error
    assert used == [spare] and spare.site == "127.0.0.1" and spare.uses == 1
    assert contexts == 1
    assert own_contexts == 0 and no_spare


def test_a_first_tab_no_page_came_for_is_closed_with_the_browser(settings):
    async def go():
        f = PageFetcher(settings)
        await f.start()
        spare = f._spare
        await f.close()
        return spare

    spare = asyncio.run(go())
    assert spare is not None and spare.done()
