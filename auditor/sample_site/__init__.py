"""The bundled sample 政府网站 (示范市人民政府, fictional): static pages, a tiny server and the ground truth.

It is the demo site and a test fixture. The good pages pass every page rule except ``site.https`` (plain
http); the pages under ``/variants/`` each break one rule (see ``truth.json``); those under ``/site-variants/``
pass the page rules and each break one site-level check (站内搜索, 互动交流: ``truth.json`` «site_checks»).
Tests serve it on 127.0.0.1 and map the host www.shifan.gov.cn to it in the browser. The server imports only the
stdlib; ``truth()`` reads the rules' declarations (their default expectations) when it is called.

``truth.json`` names, per page, only what differs from the default: a rule a page's ``expect`` (or ``a11y``)
does not name takes the sample site's ``defaults`` entry, else the rule's ``META.default`` — or ``skip`` where
the rule does not judge that page kind. Adding a rule thus means no edit of the 111 page entries.

    python -m auditor.sample_site [--port N]
"""
from __future__ import annotations

import functools
import json
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from auditor.sample_site import search

HERE = Path(__file__).parent
WWW = HERE / "www"
TRUTH = HERE / "truth.json"

SITE: dict[str, str] = {"name": "示范市人民政府", "host": "www.shifan.gov.cn", "code": "3399000001"}


class _Handler(SimpleHTTPRequestHandler):
    """Static files from www/, quiet, with explicit UTF-8 content types."""

    extensions_map = {
        **SimpleHTTPRequestHandler.extensions_map,
        ".html": "text/html; charset=utf-8",
        ".htm": "text/html; charset=utf-8",
        ".css": "text/css; charset=utf-8",
        ".js": "application/javascript; charset=utf-8",
        ".json": "application/json",
        ".png": "image/png",
    }

    def do_GET(self) -> None:
        """Static files, except the site's search service (www/ has no server side otherwise)."""
        path, _, query = self.path.partition("?")
        if path == "/search/do":
            self._answer(200, search.results(query))
        elif path == "/site-variants/search/empty.do":
            self._answer(200, search.empty(query))
        elif path == "/site-variants/search/error.do":
            self._answer(500, "<!DOCTYPE html><title>500 Internal Server Error</title><h1>服务器内部错误</h1>")
        else:
            super().do_GET()

    def _answer(self, status: int, body: str) -> None:
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass


def _handler() -> Any:
    return functools.partial(_Handler, directory=str(WWW))


def serve(host: str = "127.0.0.1", port: int = 0) -> tuple[ThreadingHTTPServer, str]:
    """Serve www/ from a daemon thread; return the server and its base URL ("http://127.0.0.1:PORT").

    Stop it with ``server.shutdown(); server.server_close()``.
    """
    server = ThreadingHTTPServer((host, port), _handler())
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="sample-site", daemon=True)
    thread.start()
    bound_host, bound_port = server.server_address[:2]
    return server, f"http://{bound_host}:{bound_port}"


def truth_file() -> dict[str, Any]:
    """truth.json as written: per page only the expectations that differ from the defaults."""
    return json.loads(TRUTH.read_text(encoding="utf-8"))


def default_expectations(kind: str, defaults: dict[str, str] | None = None) -> tuple[dict[str, str], dict[str, str]]:
    """What a page of this kind is expected to yield when its truth names nothing: (page rules, 无障碍/适老化
    rules). ``defaults`` are the sample site's own (e.g. site.https warns: the site is served over plain http)."""
    from auditor.rules import A11Y_METAS, RULES

    defaults = defaults or {}

    def want(meta: Any) -> str:
        st = defaults.get(meta.id) or meta.default
        return "skip" if st == "absent" else st

    page = {r.id: want(r.meta) if kind in r.meta.kinds else "skip" for r in RULES if r.meta}
    # a11y.axe's findings are listed by axe rule under "axe"/"review"; the other a11y rules have a status each.
    a11y = {m.id: want(m) for m in A11Y_METAS if not m.extra_ids}
    return page, a11y


def truth() -> dict[str, Any]:
    """The ground truth: the site settings and, per page path, its kind, what it breaks and each rule's status
    (truth.json's entries over the declared defaults)."""
    doc = truth_file()
    for page in doc["pages"].values():
        page_default, a11y_default = default_expectations(page["kind"], doc.get("defaults"))
        page["expect"] = {**page_default, **page.get("expect", {})}
        if "a11y" in page:
            page["a11y"] = {**a11y_default, **page["a11y"]}
    return doc
