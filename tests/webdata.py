"""Test data for the web UI and API: real audits in real Chromium, stored in real SQLite, built once per process.

Site A, 测试市人民政府 (www.ceshi.gov.cn), is served here from templates whose content depends on a version
switch, so two runs differ: in v1 /a.html lacks its ICP number; in v2 that is fixed and /b.html lost its
主办单位. The home page's <title> carries ``<script>alert(1)</script>`` (pages are written by strangers).
Site B is the bundled sample site 示范市人民政府, audited once; its owner is a different user.
"""
from __future__ import annotations

import asyncio
import atexit
import dataclasses
import shutil
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from auditor.config import Settings
from auditor.models import SiteProfile
from auditor.store import Store
from auditor.store.users import create_user
from tests import servers

HOST_A = "www.ceshi.gov.cn"
NAME_A = "测试市人民政府"
CODE_A = "1234000001"
SPONSOR_A = "测试市人民政府办公室"
XSS_TITLE = "测试市人民政府<script>alert(1)</script>"
PASSWORD = "correct-horse-1"

_STATE = {"version": 1}

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>{title}</title>
<meta name="SiteName" content="{name}"><meta name="SiteDomain" content="{host}"><meta name="SiteIDCode" content="{code}">
<style>.content {{ min-height: 1100px; }}</style>
</head><body>
<div class="header"><h1>{name}</h1></div>
<div class="content"><h2>{heading}</h2><p>本页为测试页面，正文内容若干。</p></div>
<div class="footer">{sponsor}<p>网站标识码：{code}</p>{icp}<p>联系电话：0571-88880000</p></div>
</body></html>"""


def page_html(path: str, version: int) -> str | None:
    sponsor = f"<p>主办单位：{SPONSOR_A}</p>"
    icp = '<p><a href="https://beian.miit.gov.cn/">浙ICP备12345678号-1</a></p>'
    if path in ("/", "/index.html"):
        # The ICP number without its beian.miit.gov.cn link (a warning with the element's HTML as evidence),
        # and markup in it that must stay text in the UI.
        plain = '<p class="icp">浙ICP备12345678号-1<b onmouseover="alert(4)">（备案）</b></p>'
        return PAGE.format(title=XSS_TITLE, name=NAME_A, host=HOST_A, code=CODE_A, heading="首页",
                           sponsor=sponsor, icp=plain)
    if path == "/a.html":
        return PAGE.format(title="页面A", name=NAME_A, host=HOST_A, code=CODE_A, heading="页面A",
                           sponsor=sponsor, icp="" if version == 1 else icp)
    if path == "/b.html":
        return PAGE.format(title="页面B", name=NAME_A, host=HOST_A, code=CODE_A, heading="页面B",
                           sponsor=sponsor if version == 1 else "", icp=icp)
    return None


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *a: object) -> None:
        pass

    def do_GET(self) -> None:
        body = page_html(self.path.split("?", 1)[0], _STATE["version"])
        if body is None:
            self.send_error(404)
            return
        data = body.encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_HEAD = do_GET


@dataclass
class WebData:
    root: Path
    settings: Settings
    site_a: int
    site_b: int
    runs_a: list[int]  # v1, v2
    run_b: int
    users: dict[str, str]  # username -> role

    def store(self) -> Store:
        return Store(self.settings.database_url)


_lock = threading.Lock()
_cache: dict[str, WebData] = {}


def _quiet(settings: Settings) -> Settings:
    """No OCR model and no accessibility passes: these tests are about the web layer, and they keep it fast."""
    names = {f.name for f in dataclasses.fields(Settings)}
    extra: dict[str, Any] = {k: v for k, v in {"a11y": False, "elderly": "off"}.items() if k in names}
    return settings.replace(ocr=False, **extra)


def build(sample_site: dict[str, Any]) -> WebData:
    """Serve site A, audit it twice (v1, v2) and site B once; create one user per role. Cached per process.

    Built on a thread of its own: Playwright's sync API keeps an event loop running on the test's thread,
    and the audits need asyncio.run."""
    with _lock:
        if "data" not in _cache:
            with ThreadPoolExecutor(1) as pool:
                _cache["data"] = pool.submit(_build, sample_site).result()
        return _cache["data"]


def _build(sample_site: dict[str, Any]) -> WebData:
    from workers.inprocess import run_pages

    root = Path(tempfile.mkdtemp(prefix="govaudit-web-"))
    atexit.register(shutil.rmtree, root, True)
    srv, port = servers.start(_Handler)
    atexit.register(srv.shutdown)
    settings = _quiet(Settings(
        database_url=f"sqlite:///{root}/govaudit.db", evidence_dir=str(root / "evidence"),
        allow_private=True, isolate_network=True, standins=True, nav_timeout=15, page_budget=40,
        host_map={HOST_A: f"127.0.0.1:{port}", **sample_site["host_map"]}, secret_key="t" * 64,
        concurrency=2))
    store = Store(settings.database_url)
    store.upgrade()
    a, _ = store.upsert_site(NAME_A, f"http://{HOST_A}/", CODE_A, SPONSOR_A, "政府门户网站")
    truth = sample_site["truth"]["site"]
    b, _ = store.upsert_site(truth["name"], f"http://{sample_site['host']}/", truth["code"], "示范市人民政府办公厅",
                             "政府门户网站")
    prof_a = SiteProfile(NAME_A, CODE_A)
    urls_a = [f"http://{HOST_A}/index.html", f"http://{HOST_A}/a.html", f"http://{HOST_A}/b.html"]
    runs_a = []
    for version in (1, 2):
        _STATE["version"] = version
        runs_a.append(asyncio.run(run_pages(settings, store, urls_a, prof_a, site_id=a.id)))
    _STATE["version"] = 2
    urls_b = [f"http://{sample_site['host']}{p}" for p in ("/index.html", "/variants/icp-missing.html")]
    run_b = asyncio.run(run_pages(settings, store, urls_b, SiteProfile(truth["name"], truth["code"]),
                                  site_id=b.id))
    users = {"admin": "admin", "auditor": "auditor", "owner_a": "owner", "owner_b": "owner"}
    create_user(store, "admin", PASSWORD, "admin")
    create_user(store, "auditor", PASSWORD, "auditor")
    create_user(store, "owner_a", PASSWORD, "owner", [a.url])
    create_user(store, "owner_b", PASSWORD, "owner", [b.url])
    store.engine.dispose()
    return WebData(root, settings, a.id, b.id, runs_a, run_b, users)
