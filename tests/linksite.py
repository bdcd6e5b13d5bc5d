"""A local site with one endpoint per link-availability class, plus a big generated site for benchmarks.

``start_linksite() -> (server, port)`` serves, on 127.0.0.1 (HTTP/1.1 keep-alive, daemon threads, quiet):

=====================  ====================================================================  ==================
path                   answer                                                                expected class
=====================  ====================================================================  ==================
/ok                    200 HTML page                                                         ok
/missing               404                                                                   broken
/gone                  410                                                                   broken
/forbidden             403 plain                                                             broken
/waf403                403 知道创宇-style challenge page + Set-Cookie __jsluid_h/__jsl_clearance  unassessable
/challenge200          200 云锁-style «正在验证您的浏览器» JS page + Set-Cookie yunsuo_session_verify  unassessable
/error500              500 always                                                            suspect
/flaky503?fail=N       503 (Retry-After: 0) for the first N requests of that URL, then 200   ok (retried)
/flaky429?fail=N       429 Retry-After: 1 for the first N requests of that URL, then 200     ok (retried)
/always429             429 Retry-After: 1                                                    suspect
/hang?s=S              sleeps S seconds (default 30, at most 30) before answering           suspect (timeout)
/head405               405 to HEAD, 200 to GET                                               ok
/redirect/N            302 -> /redirect/N-1 … /redirect/0 -> /ok                              ok
/loop/a, /loop/b       302 to each other                                                     broken
/to?u=URL              302 to URL (any absolute URL)                                        (that of URL)
/files/report.pdf      200 application/pdf, Content-Disposition: attachment                  ok
/files/data.xls        200 application/vnd.ms-excel, Content-Disposition: attachment         ok
/img/logo.png          200 image/png                                                         ok
/img/missing.png       404                                                                   broken
/slow?ms=M             200 after M ms (concurrency tests)                                    ok
/huge                  405 to HEAD, 200 to GET with a 1 MB body (the sample stops at 64 KB)  ok
/big/...               the big site (``big_site_pages``), leaves under /big/doc/, /big/img/, /big/files/;
                       its answers carry a ``LinkChecker`` header (lifts LinkChecker's per-host throttle)
=====================  ====================================================================  ==================

The server records, on ``server.stats``: ``hits[path?query]`` (all methods), ``methods`` [(method, path)],
``hosts`` (Host headers seen), ``agents`` (User-Agents), ``inflight`` / ``max_inflight`` per Host header (port stripped),
``connections`` (TCP connections accepted: keep-alive shows as fewer connections than requests).

``refused_port()`` gives a port with nothing listening (bound, then closed).

Run ``python -m tests.linksite`` to serve it in its own process (prints ``PORT <n>``; used by the benchmark).
"""
from __future__ import annotations

import base64
import collections
import socket
import sys
import threading
import time
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

PNG_1PX = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")
PDF_BYTES = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\n" \
            b"trailer<</Root 1 0 R>>\n%%EOF\n"
XLS_BYTES = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504

OK_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>政务公开 - 示范市人民政府</title></head>
<body><div class="header"><h1>示范市人民政府</h1></div><p>关于做好2024年度政府信息公开工作的通知</p>
<div class="footer">主办单位：示范市人民政府办公室 网站标识码：1234000001</div></body></html>"""

# 知道创宇 加速乐 style: the first answer is a tiny script that computes and sets __jsl_clearance, then reloads.
WAF403_PAGE = """<html><head><meta charset="utf-8"><title>访问被拦截</title></head><body>
<script>document.cookie=('_')+('_')+('j')+('s')+('l')+('_')+('c')+('l')+('e')+('a')+('r')+('a')+('n')+('c')+('e')+
'=1700000000.123|0|'+(function(){var a=['fT','3D'];return a.join('')})()+';max-age=3600;path=/';
location.href=location.pathname+location.search</script>
<div class="box"><h2>您的访问被拦截</h2><p>当前访问疑似黑客攻击，已被网站管理员设置为拦截。</p>
<p>如果您是网站管理员，请登录创宇盾控制台查看详情。__jsl_clearance 验证失败。</p></div></body></html>"""

# 云锁 style: 200 with a JS challenge redirecting through security_verify_data.
CHALLENGE200_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>安全验证</title>
<meta http-equiv="pragma" content="no-cache"></head><body>
<div style="text-align:center;margin-top:120px"><p>正在验证您的浏览器，请稍候……</p>
<p>本站已开启访问保护，请开启 JavaScript 并刷新页面。</p></div>
<script type="text/javascript">
function stringToHex(s){var v="";for(var i=0;i<s.length;i++){v+=s.charCodeAt(i).toString(16)}return v}
var screendate=stringToHex(screen.width+","+screen.height);
self.location="/challenge200?security_verify_data="+screendate;
</script></body></html>"""


class _Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.hits: collections.Counter[str] = collections.Counter()
        self.methods: list[tuple[str, str]] = []
        self.hosts: list[str] = []
        self.agents: set[str] = set()
        self.connections = 0
        self.inflight: collections.Counter[str] = collections.Counter()
        self.max_inflight: collections.Counter[str] = collections.Counter()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.stats = _Stats()
        self.stopping = threading.Event()

    def handle_error(self, request, client_address) -> None:  # quiet: clients hang up on purpose
        pass

    def shutdown(self) -> None:
        self.stopping.set()
        super().shutdown()
        self.server_close()


# ---- the big site -------------------------------------------------------------------------------------------

BIG_SEED_NOTE = "deterministic: document k = 100*i + j is broken when k % 33 == 7 (3 %), image of page i when i % 20 == 3"


def _leaf(i: int, j: int) -> tuple[str, bool]:
    """Path of leaf link j of page i, and whether it is broken (404)."""
    k = i * 100 + j
    kind = j % 6
    if kind == 4:
        path, broken = f"/big/img/{i}-{j}.png", i % 20 == 3
    elif kind == 5:
        path, broken = f"/big/files/{i}-{j}.{'pdf' if i % 2 else 'xls'}", False
    else:
        path, broken = f"/big/doc/{i}-{j}.html", k % 33 == 7
    return path, broken


def big_site_pages(n_pages: int = 220, links_per_page: int = 12) -> dict[str, str]:
    """{path: html} of the big site: /big/index.html links every page /big/p<i>.html; each page links the index,
    the next page and ``links_per_page - 2`` leaves of its own (documents, images, attachments; ~3 % of them
    404). Leaves are served by the server from their path; pages from this dict."""
    pages: dict[str, str] = {}
    rows = "".join(f'<li><a href="/big/p{i}.html">栏目页 {i}</a></li>' for i in range(n_pages))
    pages["/big/index.html"] = (
        '<!doctype html><html><head><meta charset="utf-8"><title>大站首页</title></head><body>'
        f"<h1>示范市人民政府（基准站）</h1><ul>{rows}</ul></body></html>")
    for i in range(n_pages):
        items = ['<li><a href="/big/index.html">首页</a></li>',
                 f'<li><a href="/big/p{(i + 1) % n_pages}.html">下一页</a></li>']
        for j in range(links_per_page - 2):
            path, _ = _leaf(i, j)
            if path.endswith(".png"):
                items.append(f'<li><img src="{path}" alt="图片 {i}-{j}"></li>')
            else:
                items.append(f'<li><a href="{path}">文件 {i}-{j}</a></li>')
        pages[f"/big/p{i}.html"] = (
            '<!doctype html><html><head><meta charset="utf-8"><title>栏目页</title></head><body>'
            f"<h1>栏目页 {i}</h1><ul>{''.join(items)}</ul></body></html>")
    return pages


def big_site_links(n_pages: int = 220, links_per_page: int = 12) -> set[str]:
    """Every distinct path the big site links to (pages and leaves), index included."""
    links = {"/big/index.html"} | {f"/big/p{i}.html" for i in range(n_pages)}
    for i in range(n_pages):
        for j in range(links_per_page - 2):
            links.add(_leaf(i, j)[0])
    return links


def expected_broken(base: str = "", n_pages: int = 220, links_per_page: int = 12) -> set[str]:
    """Ground truth: the broken (404) URLs of the big site, as ``base + path``."""
    out = set()
    for i in range(n_pages):
        for j in range(links_per_page - 2):
            path, broken = _leaf(i, j)
            if broken:
                out.add(base + path)
    return out


@lru_cache(maxsize=1)
def _big() -> tuple[dict[str, bytes], set[str], set[str]]:
    pages = {p: h.encode("utf-8") for p, h in big_site_pages().items()}
    leaves = big_site_links() - set(pages)
    return pages, leaves, expected_broken()


LEAF_DOC = ('<!doctype html><html><head><meta charset="utf-8"><title>文件</title></head><body>'
            "<p>政府信息公开文件正文。</p></body></html>").encode("utf-8")


# ---- the handler --------------------------------------------------------------------------------------------

class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms Nagle/delayed-ACK stall
    server: _Server

    def log_message(self, *a: object) -> None:
        pass

    def _send(self, status: int, body: bytes = b"", ctype: str = "text/html; charset=utf-8",
              headers: list[tuple[str, str]] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in [*(headers or []), *getattr(self, "_extra_headers", [])]:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)

    def _error(self, status: int, headers: list[tuple[str, str]] | None = None) -> None:
        body = f"<html><body><h1>{status}</h1></body></html>".encode()
        self._send(status, body, headers=headers)

    def setup(self) -> None:
        super().setup()
        with self.server.stats.lock:
            self.server.stats.connections += 1

    def do_HEAD(self) -> None:
        self._dispatch()

    def do_GET(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        st = self.server.stats
        host = (self.headers.get("Host") or "").rsplit(":", 1)[0] if not (self.headers.get("Host") or "").startswith(
            "[") else (self.headers.get("Host") or "").split("]")[0] + "]"
        with st.lock:
            st.hits[self.path] += 1
            count = st.hits[self.path]
            st.methods.append((self.command, self.path))
            st.hosts.append(self.headers.get("Host") or "")
            st.agents.add(self.headers.get("User-Agent") or "")
            st.inflight[host] += 1
            st.max_inflight[host] = max(st.max_inflight[host], st.inflight[host])
        try:
            self._route(count)
        finally:
            with st.lock:
                st.inflight[host] -= 1

    def _route(self, count: int) -> None:  # noqa: C901 - one branch per endpoint
        self._extra_headers: list[tuple[str, str]] = []
        parts = urlsplit(self.path)
        path, q = parts.path, parse_qs(parts.query)
        if path.startswith("/big/"):
            return self._big(path)
        if path == "/ok" or path == "/":
            return self._send(200, OK_PAGE.encode("utf-8"))
        if path in ("/missing", "/img/missing.png"):
            return self._error(404)
        if path == "/gone":
            return self._error(410)
        if path == "/forbidden":
            return self._send(403, b"<html><head><title>403 Forbidden</title></head><body><center><h1>403 Forbidden"
                                   b"</h1></center><hr><center>nginx</center></body></html>",
                              headers=[("Server", "nginx")])
        if path == "/waf403":
            return self._send(403, WAF403_PAGE.encode("utf-8"), headers=[
                ("Server", "jiasule-waf"), ("Set-Cookie", "__jsluid_h=7c1f0a8d3b5e4f6a; max-age=31536000; path=/"),
                ("Set-Cookie", "__jsl_clearance=1700000000.123|0|abc%3D; max-age=3600; path=/")])
        if path == "/challenge200":
            return self._send(200, CHALLENGE200_PAGE.encode("utf-8"), headers=[
                ("Set-Cookie", "yunsuo_session_verify=8f3b2c1d0e9a; expires=Thu, 01 Jan 2099 00:00:00 GMT; path=/"),
                ("Set-Cookie", "srcurl=2f6368616c6c656e6765323030; path=/")])
        if path == "/error500":
            return self._error(500)
        if path == "/flaky503":
            if count <= int(q.get("fail", ["1"])[0]):
                return self._error(503, headers=[("Retry-After", "0")])
            return self._send(200, OK_PAGE.encode("utf-8"))
        if path == "/flaky429":
            if count <= int(q.get("fail", ["1"])[0]):
                return self._error(429, headers=[("Retry-After", "1")])
            return self._send(200, OK_PAGE.encode("utf-8"))
        if path == "/always429":
            return self._error(429, headers=[("Retry-After", "1")])
        if path == "/hang":
            deadline = time.monotonic() + min(30.0, float(q.get("s", ["30"])[0]))
            while time.monotonic() < deadline and not self.server.stopping.is_set():
                time.sleep(0.05)
            return self._send(200, OK_PAGE.encode("utf-8"))
        if path == "/head405":
            if self.command == "HEAD":
                return self._error(405, headers=[("Allow", "GET")])
            return self._send(200, OK_PAGE.encode("utf-8"))
        if path.startswith("/redirect/"):
            n = int(path.rsplit("/", 1)[1] or 0)
            return self._send(302, b"", headers=[("Location", f"/redirect/{n - 1}" if n > 0 else "/ok")])
        if path == "/loop/a":
            return self._send(302, b"", headers=[("Location", "/loop/b")])
        if path == "/loop/b":
            return self._send(302, b"", headers=[("Location", "/loop/a")])
        if path == "/to":
            return self._send(302, b"", headers=[("Location", q["u"][0])])
        if path == "/files/report.pdf":
            return self._send(200, PDF_BYTES, "application/pdf",
                              [("Content-Disposition", 'attachment; filename="report.pdf"')])
        if path == "/files/data.xls":
            return self._send(200, XLS_BYTES, "application/vnd.ms-excel",
                              [("Content-Disposition", 'attachment; filename="data.xls"')])
        if path == "/img/logo.png":
            return self._send(200, PNG_1PX, "image/png")
        if path == "/huge":
            if self.command == "HEAD":
                return self._error(405, headers=[("Allow", "GET")])
            return self._send(200, b"<html><body>" + b"x" * 1_000_000 + b"</body></html>")
        if path == "/slow":
            time.sleep(min(5.0, int(q.get("ms", ["100"])[0]) / 1000))
            return self._send(200, OK_PAGE.encode("utf-8"))
        return self._error(404)

    def _big(self, path: str) -> None:
        # LinkChecker waits 0.1-0.6 s between two requests to one host unless the host answers with a
        # "LinkChecker" header (then its maxrequestspersecond applies): the big site opts in, for benchmarks.
        self._extra_headers = [("LinkChecker", "unthrottled")]
        pages, leaves, broken = _big()
        if path == "/big/" or path == "/big":
            path = "/big/index.html"
        if path in pages:
            return self._send(200, pages[path])
        if path not in leaves or path in broken:
            return self._error(404)
        if path.endswith(".png"):
            return self._send(200, PNG_1PX, "image/png")
        if path.endswith(".pdf"):
            return self._send(200, PDF_BYTES, "application/pdf",
                              [("Content-Disposition", f'attachment; filename="{path.rsplit("/", 1)[1]}"')])
        if path.endswith(".xls"):
            return self._send(200, XLS_BYTES, "application/vnd.ms-excel",
                              [("Content-Disposition", f'attachment; filename="{path.rsplit("/", 1)[1]}"')])
        return self._send(200, LEAF_DOC)


def start_linksite() -> tuple[_Server, int]:
    """Start the fixture server on 127.0.0.1 (ephemeral port) in a daemon thread."""
    srv = _Server(("127.0.0.1", 0), _Handler)
    threading.Thread(target=srv.serve_forever, daemon=True, name="linksite").start()
    return srv, srv.server_address[1]


def refused_port() -> int:
    """A local port with nothing listening: bind an ephemeral port, then close it."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


if __name__ == "__main__":  # serve in a process of its own (the benchmark keeps it off its event loop's GIL)
    server, port = start_linksite()
    _big()
    print(f"PORT {port}", flush=True)
    try:
        while sys.stdin.buffer.read(1024):  # until the parent closes our stdin
            pass
    finally:
        server.shutdown()
