"""Local HTTP servers for tests: a Host-dispatching static server (corpus) and a hostile-page server."""
from __future__ import annotations

import mimetypes
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable
from urllib.parse import unquote, urlsplit


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def start(handler: type[BaseHTTPRequestHandler]) -> tuple[ThreadingHTTPServer, int]:
    srv = _Server(("127.0.0.1", 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, srv.server_address[1]


def send_html(handler: BaseHTTPRequestHandler, html: str, status: int = 200) -> None:
    """Answer a request with an HTML page (UTF-8, with its length)."""
    body = html.encode("utf-8")
    handler.send_response(status)
    handler.send_header("Content-Type", "text/html; charset=utf-8")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def host_static_server(folders: dict[str, Path]) -> tuple[ThreadingHTTPServer, int]:
    """Serves folders[host] for requests whose Host header (without port) is that host."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *a: object) -> None:
            pass

        def do_GET(self) -> None:
            host = (self.headers.get("Host") or "").split(":")[0]
            root = folders.get(host)
            path = unquote(urlsplit(self.path).path)
            if root is None:
                return self.send_error(404)
            target = (root / path.lstrip("/")).resolve()
            if target.is_dir():
                target = target / "index.html"
            if not str(target).startswith(str(root.resolve())) or not target.is_file():
                return self.send_error(404)
            data = target.read_bytes()
            ctype = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return start(Handler)


GOOD_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>正常页面</title></head><body>
<div class="header"><h1>示范市人民政府</h1></div><p>正常内容</p>
<div class="footer">主办单位：示范市人民政府办公室 联系电话：0571-88880000</div></body></html>"""


def hostile_server(hooks: dict[str, Callable[[], None]] | None = None) -> tuple[ThreadingHTTPServer, int]:
    """Pages that try to hang, flood or trick the browser. ``hooks['kill']`` is called on the first /kill."""
    hooks = hooks or {}
    state = {"kill": 0}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a: object) -> None:
            pass

        def _html(self, body: str, status: int = 200) -> None:
            send_html(self, body, status)

        def do_GET(self) -> None:  # noqa: C901 - one branch per hostile page
            path = urlsplit(self.path).path
            try:
                if path == "/good":
                    return self._html(GOOD_PAGE)
                if path == "/alert-loop":
                    return self._html("<html><body><script>while(true){alert('不要走');}</script></body></html>")
                if path == "/redirect-loop":
                    self.send_response(302)
                    self.send_header("Location", "/redirect-loop")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if path == "/never-ends":
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    self.end_headers()
                    self.wfile.write(b"<html><body><p>loading")
                    deadline = time.monotonic() + 90  # bounded: the test never needs more
                    while time.monotonic() < deadline:
                        self.wfile.write(b".")
                        self.wfile.flush()
                        time.sleep(0.2)
                    return
                if path == "/huge":
                    size = 50 * 1024 * 1024
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    self.send_header("Content-Length", str(size))
                    self.end_headers()
                    chunk = (b"<p>" + "政府网站".encode() * 20 + b"</p>\n") * 1000
                    sent = 0
                    while sent < size:
                        piece = chunk[: size - sent]
                        self.wfile.write(piece)
                        sent += len(piece)
                    return
                if path == "/download":
                    data = b"PK\x03\x04" + b"\0" * 4096
                    self.send_response(200)
                    self.send_header("Content-Type", "application/octet-stream")
                    self.send_header("Content-Disposition", 'attachment; filename="report.zip"')
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return
                if path == "/many-nodes":
                    return self._html("<html><body><script>for(let i=0;i<120000;i++)"
                                      "document.body.appendChild(document.createElement('i'));</script></body></html>")
                if path == "/kill":
                    state["kill"] += 1
                    if state["kill"] == 1 and "kill" in hooks:
                        hooks["kill"]()
                        time.sleep(1)
                    return self._html(GOOD_PAGE.replace("正常页面", "重试后的页面"))
                self.send_error(404)
            except (BrokenPipeError, ConnectionResetError):
                return

    return start(Handler)
