"""The run's browser closes once every page has been fetched (workers/inprocess.py), beside the last page's rules,
evidence and rows, and the run still stores every page. What happens in which order, not how long it takes."""
from __future__ import annotations

import asyncio
from http.server import BaseHTTPRequestHandler

import pytest

from auditor.models import SiteProfile
from auditor.store import Store
from tests.servers import send_html, start
from workers.inprocess import run_pages
from workers.launch import launch

pytestmark = [pytest.mark.browser]

PAGE = ("<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><title>页{n}</title></head><body>"
        "<h1>示范市人民政府</h1><p>正文{n}</p></body></html>")


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *a: object) -> None:
        pass

    def do_GET(self) -> None:
        send_html(self, PAGE.format(n=self.path.strip("/")))


class _OrderStore(Store):
    """The real SQLite store, noting when each page's rows are saved."""

    def __init__(self, url: str, events: list[str]):
        super().__init__(url)
        self.events = events

    def save_page(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.events.append("save_page")
        return super().save_page(*args, **kwargs)


@pytest.mark.parametrize("refused_last", [False, True])
def test_the_browser_closes_after_the_last_fetch_before_the_last_rows(settings, refused_last):
    server, port = start(_Handler)
    base = f"http://127.0.0.1:{port}"
    events: list[str] = []
    s = settings.replace(a11y=False, elderly="off", ocr=False, concurrency=1)
    store = _OrderStore(s.database_url, events)
    store.upgrade()
    urls = [f"{base}/1", f"{base}/2"] + (["http://10.0.0.1/"] if refused_last else [])
    if refused_last:
        s = s.replace(allow_private=False, private_allowlist=["127.0.0.1"])

    async def go():
        launched = launch(s)
        fetcher = await asyncio.shield(launched)
        real_exit = fetcher.__aexit__

        async def noted_exit(*exc):
            events.append("browser_close")
            return await real_exit(*exc)

        fetcher.__aexit__ = noted_exit
        run_id = await run_pages(s, store, urls, SiteProfile("示范市人民政府"), launched=launched)
        return run_id, fetcher

    try:
        run_id, fetcher = asyncio.run(go())
    finally:
        server.shutdown()
    run = store.run_with_pages(run_id)
    assert run.status == "done" and len(run.pages) == len(urls)
    assert sum(1 for p in run.pages if p.error is None) == 2
    assert events.count("browser_close") == 1
    if refused_last:
        # A refused URL is recorded without the browser; the browser closes once that last page is settled.
        assert events == ["save_page"] * 3 + ["browser_close"]
    else:
        # Closed after the last page's fetch, before that page's rows were saved.
        assert events == ["save_page", "browser_close", "save_page"], events
    assert fetcher.browser is None
