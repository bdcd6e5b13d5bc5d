"""Hostile pages each end in a clear page error while the run goes on (real Chromium, real servers)."""
from __future__ import annotations

import asyncio
import os
import signal

import psutil

from auditor.errors import MESSAGES, PageError
from auditor.models import SiteProfile
from auditor.store import Store
from tests.servers import hostile_server

import pytest

pytestmark = [pytest.mark.browser]
from workers.inprocess import run_pages


def kill_our_chromium() -> None:
    """SIGKILL the main Chromium process started by this test process (not renderers, not other browsers)."""
    me = psutil.Process(os.getpid())
    for p in me.children(recursive=True):
        try:
            cmd = p.cmdline()
        except psutil.Error:
            continue
        if cmd and "chromium" in cmd[0] and not any(a.startswith("--type=") for a in cmd):
            os.kill(p.pid, signal.SIGKILL)


def test_hostile_pages_end_in_clear_errors_and_the_run_goes_on(settings):
    server, port = hostile_server({"kill": kill_our_chromium})
    base = f"http://127.0.0.1:{port}"
    cases = {
        # A page that alerts forever never loads: the fetcher dismisses each dialog, counts them, and names the
        # page's end by them (more than 20 dialogs), whichever timer ran out first.
        "/alert-loop": {PageError.DIALOG_LOOP},
        "/redirect-loop": {PageError.REDIRECT_LOOP},
        "/never-ends": {PageError.TIMEOUT, PageError.BUDGET},
        "/huge": {PageError.TOO_LARGE},
        "/download": {PageError.DOWNLOAD},
        "/many-nodes": {PageError.DOM_TOO_LARGE},
    }
    s = settings.replace(nav_timeout=6, load_grace=2, page_budget=20, max_dom_nodes=50_000, concurrency=2)
    store = Store(s.database_url)
    store.upgrade()
    urls = [base + p for p in cases] + [base + "/good"]
    try:
        run_id = asyncio.run(run_pages(s, store, urls, SiteProfile("示范市人民政府")))
    finally:
        server.shutdown()
    pages = {p.url.replace(base, ""): p for p in store.run_with_pages(run_id).pages}
    for path, kinds in cases.items():
        p = pages[path]
        assert p.error_kind in {k.value for k in kinds}, (path, p.error_kind, p.error)
        # The class's Chinese sentence (auditor/errors.py), on one line, with at most a short detail after it.
        assert p.error.startswith(MESSAGES[PageError(p.error_kind)]), (path, p.error)
        assert "\n" not in p.error and "Traceback" not in p.error and len(p.error) <= len(MESSAGES[PageError(p.error_kind)]) + 301
        assert not p.checks
    good = pages["/good"]
    assert good.error_kind is None and good.checks, good.error
    assert pages["/alert-loop"].details["dialogs"] > 20


def test_browser_killed_mid_page_is_restarted_and_the_page_retried(settings):
    server, port = hostile_server({"kill": kill_our_chromium})
    base = f"http://127.0.0.1:{port}"
    s = settings.replace(nav_timeout=10, page_budget=30, concurrency=1)
    store = Store(s.database_url)
    store.upgrade()
    try:
        run_id = asyncio.run(run_pages(s, store, [base + "/kill", base + "/good"], SiteProfile("示范市人民政府")))
    finally:
        server.shutdown()
    pages = {p.url.replace(base, ""): p for p in store.run_with_pages(run_id).pages}
    killed = pages["/kill"]
    assert killed.error_kind is None, killed.error
    assert killed.attempts == 2
    assert killed.title == "重试后的页面"
    assert pages["/good"].error_kind is None
