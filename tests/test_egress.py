"""Egress control (issue 12): no byte of an internal service reaches the auditor's results.

The "internal" services listen on 127.0.0.1 and [::1] and carry a secret marker; the "owner's site" listens on
127.0.0.2, allowed as if it were public (``private_allowlist=["127.0.0.2/32"]``) with ``allow_private`` off. The
owner's pages try every way a page can reach another address: iframe, img, fetch, WebSocket, location.href, a
302, a meta refresh, a name whose DNS answer is 127.0.0.1 (a local dnsmasq). Real Chromium, real Squid.
"""
from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from auditor.config import Settings
from auditor.errors import MESSAGES, PageError
from auditor.models import SiteProfile
from auditor.netpolicy import TargetRefused, normalise_url, refused_without_lookup
from clients.resolve import check_target
from auditor.store import Store
from browsers import egress

ROOT = Path(__file__).resolve().parents[1]
MARKER = "INTERNAL-SECRET-7f3a9c"
REFUSED = MESSAGES[PageError.EGRESS_REFUSED]
OWNER = "127.0.0.2"

needs_squid = pytest.mark.skipif(not Path(egress.SQUID).exists(), reason="squid (Debian package squid) not installed")


# ---------------------------------------------------------------------------------------------- servers

class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class _Server6(_Server):
    address_family = socket.AF_INET6


class Internal:
    """An internal HTTP service with a secret page; counts every request it receives (WebSocket upgrades too)."""

    def __init__(self, host: str):
        self.requests: list[str] = []
        outer = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a: object) -> None:
                pass

            def do_GET(self) -> None:
                outer.requests.append(self.path)
                body = f"<html><head><title>{MARKER}</title></head><body>{MARKER}</body></html>".encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Access-Control-Allow-Origin", "*")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_POST = do_GET

        self.srv = (_Server6 if ":" in host else _Server)((host, 0), H)
        self.port = self.srv.server_address[1]
        self.base = f"http://[{host}]:{self.port}" if ":" in host else f"http://{host}:{self.port}"
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.srv.shutdown()
        self.srv.server_close()


class RawListener:
    """An open non-HTTP port (like Redis or PostgreSQL): accepts, counts, sends the marker, closes."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self._stop = False
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            try:
                conn.sendall(f"-ERR {MARKER}\r\n".encode())
            finally:
                conn.close()

    def close(self) -> None:
        self._stop = True
        self.sock.close()


def closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def owner_site(pages: dict[str, tuple[int, dict[str, str], str]]) -> tuple[ThreadingHTTPServer, int]:
    """The site owner's server on 127.0.0.2: path -> (status, headers, html)."""

    class H(BaseHTTPRequestHandler):
        def log_message(self, *a: object) -> None:
            pass

        def do_GET(self) -> None:
            status, headers, html = pages.get(self.path.split("?")[0], (404, {}, "<title>无此页面</title>"))
            body = html.encode()
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    srv = _Server((OWNER, 0), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, srv.server_address[1]


def page(title: str, body: str = "", head: str = "") -> tuple[int, dict[str, str], str]:
    return 200, {}, (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title>{head}'
                     f"</head><body><h1>示范市人民政府</h1><p>{title}</p>{body}"
                     "<p>主办单位：示范市人民政府办公室</p></body></html>")


def settings_for(tmp_path: Path, **kw) -> Settings:
    return Settings(database_url=f"sqlite:///{tmp_path}/govaudit.db", evidence_dir=str(tmp_path / "evidence"),
                    allow_private=False, private_allowlist=[f"{OWNER}/32"], isolate_network=True, ocr=False,
                    a11y=False, elderly="off", nav_timeout=10, load_grace=3, page_budget=30, concurrency=1,
                    tab_reuse=0, **kw)


def no_marker_anywhere(tmp_path: Path, *texts: str) -> None:
    """No byte of the internal page in the database, the evidence files or what was printed."""
    for f in tmp_path.rglob("*"):
        if f.is_file():
            assert MARKER.encode() not in f.read_bytes(), f
    for t in texts:
        assert MARKER not in t


def audit(s: Settings, urls: list[str]) -> dict[str, object]:
    from workers.inprocess import run_pages

    store = Store(s.database_url)
    store.upgrade()
    run_id = asyncio.run(run_pages(s, store, urls, SiteProfile("示范市人民政府")))
    return {p.url: p for p in store.run_with_pages(run_id).pages}


@pytest.fixture
def internal():
    v4, v6, raw = Internal("127.0.0.1"), Internal("::1"), RawListener()
    yield v4, v6, raw
    v4.close()
    v6.close()
    raw.close()


# ---------------------------------------------------------------------------------------------- URL parser

def test_normalise_url_reads_urls_as_the_browser_does():
    assert normalise_url(" www.gov.cn ") == "http://www.gov.cn/"
    assert normalise_url("www.gov.cn：8080/a") == "http://www.gov.cn:8080/a"
    assert normalise_url("HTTPS://WWW.Gov.CN") == "https://www.gov.cn/"
    assert normalise_url("http://例子.政务.cn/") == "http://xn--fsqu00a.xn--zfr164b.cn/"
    # WHATWG numbers: what Chromium connects to, so what the policy judges.
    assert normalise_url("http://0x7f.1/") == "http://127.0.0.1/"
    assert normalise_url("http://2130706433/") == "http://127.0.0.1/"
    cases = {
        "http://127.0.0.1:18081\\@www.own.gov.cn/": "反斜杠",
        "http:\\\\www.gov.cn\\": "反斜杠",
        "http://user@www.gov.cn/": "用户名或密码",
        "http://user:pw@www.gov.cn/": "用户名或密码",
        "http://[::1": "IPv6",
        "http://www.gov.cn:99999/": "端口无效",
        "javascript:alert(1)": "http/https",
        "file:///etc/passwd": "http/https",
        "ftp://x.gov.cn": "http/https",
        "http://a b.gov.cn/": "空格",
        "": "为空",
        "http://": "网址无效",
    }
    for raw, words in cases.items():
        with pytest.raises(TargetRefused) as e:
            normalise_url(raw)
        assert e.value.kind is PageError.INVALID_URL
        assert words in str(e.value), (raw, str(e.value))
    for private in ("http://0x7f.1/", "http://2130706433/", "http://[::ffff:127.0.0.1]/", "http://[fd42::1]/"):
        with pytest.raises(TargetRefused) as e:
            check_target(private, allow_private=False)
        assert e.value.kind is PageError.PRIVATE_TARGET


def test_refused_without_lookup_judges_literals_and_mapped_hosts_only():
    assert refused_without_lookup("http://[::ffff:7f00:1]/", allow_private=False) == "::ffff:7f00:1"
    assert refused_without_lookup("http://127.0.0.2:8/", allow_private=False, allowlist=["127.0.0.2/32"]) is None
    assert refused_without_lookup("about:blank", allow_private=False) is None
    assert refused_without_lookup("http://x.test/", allow_private=False, host_map={"x.test": "127.0.0.1:80"}) \
        == "127.0.0.1"
    assert refused_without_lookup("http://169.254.169.254/", allow_private=True) is None


def test_squid_conf_denies_private_ranges_before_any_allow(tmp_path):
    conf = egress.squid_conf(egress.EgressPolicy(allowlist=("127.0.0.2/32",)), 3128, tmp_path)
    lines = conf.splitlines()
    deny = lines.index("http_access deny refused_dst !allowed_dst")
    assert deny < lines.index("http_access allow clients")
    for net in ("127.0.0.0/8", "10.0.0.0/8", "169.254.0.0/16", "100.64.0.0/10", "fc00::/7", "fe80::/10",
                "::ffff:127.0.0.0/104", "::ffff:10.0.0.0/104"):
        assert net in conf
    assert "cache deny all" in lines and "forwarded_for delete" in lines and "via off" in lines
    open_conf = egress.squid_conf(egress.EgressPolicy(allow_all=True), 3128, tmp_path)
    assert "refused_dst" not in open_conf


# ---------------------------------------------------------------------------------------------- the proxy

@needs_squid
def test_squid_refuses_internal_addresses_with_one_answer_whatever_the_port_state(internal):
    v4, v6, raw = internal
    s = Settings(allow_private=False, private_allowlist=[f"{OWNER}/32"], isolate_network=True)
    proxy = egress.proxy_for(s)
    assert proxy and proxy == egress.proxy_for(s)  # one proxy per policy per process

    async def ask(host: str, port: int) -> str | None:
        return await egress.ask_proxy(proxy, host, port)

    answers = {}
    for name, (host, port) in {"http": ("127.0.0.1", v4.port), "raw": ("127.0.0.1", raw.port),
                               "closed": ("127.0.0.1", closed_port()), "v6": ("::1", v6.port),
                               "mapped-v6": ("::ffff:127.0.0.1", v4.port)}.items():
        answers[name] = asyncio.run(ask(host, port))
    assert set(answers.values()) == {f"403:{egress.REFUSED_PAGE} 0"}, answers
    # Plain http through the proxy: the same fixed page for every port state, never the service's bytes.
    bodies = []
    for port in (v4.port, raw.port, closed_port()):
        out = subprocess.run(["curl", "-s", "-i", "-x", proxy, f"http://127.0.0.1:{port}/"], capture_output=True,
                             timeout=30)
        head, _, body = out.stdout.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 403") and MARKER.encode() not in out.stdout
        assert b"X-Forwarded-For" not in head and b"Via:" not in head
        bodies.append(body)
    assert len(set(bodies)) == 1 and REFUSED.encode() in bodies[0]
    assert v4.requests == [] and v6.requests == [] and raw.accepted == 0
    # The allowlisted address is reachable through the same proxy.
    srv, port = owner_site({"/": page("正常页面")})
    try:
        assert asyncio.run(ask(OWNER, port)) == ""
    finally:
        srv.shutdown()


def attack_pages(v4: Internal, v6: Internal) -> dict[str, tuple[int, dict[str, str], str]]:
    i4, i6 = v4.base + "/secret", v6.base + "/secret"
    return {
        "/good": page("正常页面"),
        "/iframe4": page("内嵌框架", f'<iframe src="{i4}"></iframe>'),
        "/iframe6": page("内嵌框架六", f'<iframe src="{i6}"></iframe>'),
        "/img": page("图片", f'<img src="{i4}.png" alt="x"><img src="{i6}.png" alt="y">'
                           f'<img src="{i4.replace("http:", "https:")}.png" alt="z">'),
        "/fetch": page("脚本请求", "<p id=out></p><script>for (const u of [%r, %r]) fetch(u, {mode: 'no-cors'})"
                                ".then(r => r.text()).then(t => document.getElementById('out').textContent += t)"
                                ".catch(() => {});</script>" % (i4, i6)),
        "/ws": page("WebSocket", "<script>for (const u of [%r, %r]) { try { const w = new WebSocket(u); "
                                 "w.onmessage = e => document.body.append(e.data); } catch (e) {} }</script>"
                                 % (v4.base.replace("http", "ws") + "/ws", v6.base.replace("http", "ws") + "/ws")),
        "/location4": page("跳转", f"<script>location.href = {i4!r};</script>"),
        "/location6": page("跳转六", f"<script>location.href = {i6!r};</script>"),
        "/redirect": (302, {"Location": i4}, ""),
        "/redirect6": (302, {"Location": i6}, ""),
        "/redirect-https": (302, {"Location": f"https://127.0.0.1:{v4.port}/secret"}, ""),
        "/meta": page("刷新", head=f'<meta http-equiv="refresh" content="0;url={i4}">'),
    }


@needs_squid
@pytest.mark.browser
def test_no_byte_of_an_internal_service_reaches_the_audit(tmp_path, internal):
    v4, v6, raw = internal
    i4, i6 = v4.base + "/secret", v6.base + "/secret"
    pages = attack_pages(v4, v6)
    srv, port = owner_site(pages)
    base = f"http://{OWNER}:{port}"
    s = settings_for(tmp_path)
    try:
        got = audit(s, [base + p for p in pages])
    finally:
        srv.shutdown()
    by = {u.replace(base, ""): p for u, p in got.items()}
    assert by["/good"].error_kind is None and by["/good"].checks, by["/good"].error
    # Sub-resources are refused by the proxy; the page itself is still audited.
    for path in ("/img", "/fetch", "/ws"):
        assert by[path].error_kind is None, (path, by[path].error)
    refused = {r["url"] for r in by["/fetch"].details["failed_requests"] if r.get("error") == REFUSED}
    assert refused == {i4, i6}, by["/fetch"].details["failed_requests"]
    assert {r["url"] for r in by["/img"].details["failed_requests"]} == {i4 + ".png", i6 + ".png",
                                                                           i4.replace("http:", "https:") + ".png"}
    assert [r["error"] for r in by["/img"].details["failed_requests"] if r["url"].startswith("https:")] == [REFUSED]
    # A frame or a navigation to an internal address ends the page as refused, nothing of it kept.
    for path in ("/iframe4", "/iframe6", "/location4", "/location6", "/redirect", "/redirect6",
                 "/redirect-https", "/meta"):
        p = by[path]
        if path == "/meta" and p.error_kind is None:
            # The refresh may fire only after the page was gathered: then the owner's page is what was audited.
            assert p.title == "刷新", p.title
            continue
        assert p.error_kind == PageError.EGRESS_REFUSED.value, (path, p.error_kind, p.error)
        assert p.error.startswith(REFUSED) and not p.checks
    assert v4.requests == [] and v6.requests == [] and raw.accepted == 0
    no_marker_anywhere(tmp_path, json.dumps({u: p.details for u, p in got.items()}, default=str))


@needs_squid
@pytest.mark.browser
def test_the_attacks_are_real_when_the_internal_addresses_are_allowed(tmp_path, internal):
    """The control: allow the internal addresses explicitly and every attack page reaches them (through the same
    proxy), so the refusals above are the policy's doing, not pages that never tried."""
    v4, v6, _raw = internal
    pages = attack_pages(v4, v6)
    srv, port = owner_site(pages)
    base = f"http://{OWNER}:{port}"
    s = settings_for(tmp_path).replace(private_allowlist=[f"{OWNER}/32", "127.0.0.1/32", "::1/128"])
    try:
        got = audit(s, [base + p for p in ("/iframe4", "/img", "/fetch", "/ws", "/location6", "/redirect")])
    finally:
        srv.shutdown()
    assert {"/secret", "/secret.png", "/ws"} <= set(v4.requests), v4.requests
    assert {"/secret", "/secret.png", "/ws"} <= set(v6.requests), v6.requests
    by = {u.replace(base, ""): p for u, p in got.items()}
    assert by["/redirect"].error_kind is None and by["/redirect"].title == MARKER


@needs_squid
@pytest.mark.browser
def test_refusal_reads_the_same_whatever_the_port_state(tmp_path, internal):
    v4, _v6, raw = internal
    targets = {"open-http": v4.port, "open-raw": raw.port, "closed": closed_port()}
    pages = {}
    for name, p in targets.items():
        pages[f"/{name}"] = (302, {"Location": f"http://127.0.0.1:{p}/"}, "")
        pages[f"/{name}-tls"] = (302, {"Location": f"https://127.0.0.1:{p}/"}, "")
    srv, port = owner_site(pages)
    base = f"http://{OWNER}:{port}"
    try:
        got = audit(settings_for(tmp_path), [base + p for p in pages])
    finally:
        srv.shutdown()
    errors = {(p.error_kind, p.error) for p in got.values()}
    assert errors == {(PageError.EGRESS_REFUSED.value, REFUSED)}, errors
    assert v4.requests == [] and raw.accepted == 0


@needs_squid
@pytest.mark.browser
def test_cli_refuses_backslash_and_userinfo_urls(tmp_path, internal):
    v4, _v6, _raw = internal
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVAUDIT_")}
    env.update(GOVAUDIT_DATABASE_URL=f"sqlite:///{tmp_path}/g.db", GOVAUDIT_EVIDENCE_DIR=str(tmp_path / "ev"),
               GOVAUDIT_ALLOW_PRIVATE="false", GOVAUDIT_ISOLATE_NETWORK="true", GOVAUDIT_OCR="false")
    for url in (f"http://127.0.0.1:{v4.port}\\@www.own.gov.cn/", f"http://www.own.gov.cn@127.0.0.1:{v4.port}/",
                f"http://127.0.0.1:{v4.port}/"):
        out = subprocess.run([sys.executable, "-m", "govaudit", "audit", url], capture_output=True, text=True,
                             env=env, cwd=ROOT, timeout=120)
        assert out.returncode == 2, (url, out.returncode, out.stderr[-2000:])
        assert "Traceback" not in out.stderr and out.stderr.strip()
        no_marker_anywhere(tmp_path, out.stdout, out.stderr)
    assert v4.requests == []


# ---------------------------------------------------------------------------------------------- DNS rebinding

def _dnsmasq(addr: str, records: dict[str, str]) -> subprocess.Popen:
    dnsmasq = shutil.which("dnsmasq") or "/usr/sbin/dnsmasq"
    args = [dnsmasq, "--no-daemon", "--no-resolv", "--no-hosts", "--no-poll", "--port=53",
            f"--listen-address={addr}", "--bind-interfaces", "--pid-file=", "--conf-file=/dev/null",
            "--local=/test/", *(f"--host-record={n},{a}" for n, a in records.items())]
    if os.geteuid() == 0:
        args += ["--user=root", "--group=root"]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.skip(f"dnsmasq 无法在 {addr}:53 监听: {proc.stderr.read().decode()[-300:]}")
        probe = subprocess.run(["ss", "-lun", f"src {addr}:53"], capture_output=True, text=True)
        if f"{addr}:53" in probe.stdout:
            return proc
        time.sleep(0.05)
    proc.kill()
    pytest.skip("dnsmasq 未启动")


@needs_squid
@pytest.mark.browser
@pytest.mark.skipif(os.geteuid() != 0 or not (shutil.which("dnsmasq") or Path("/usr/sbin/dnsmasq").exists()),
                    reason="needs root (DNS port 53) and dnsmasq")
def test_a_name_answering_loopback_is_refused_by_the_proxy(tmp_path, internal):
    """The proxy resolves the name itself (Squid asks dns_nameservers on port 53: a local dnsmasq here) and
    judges the address it will connect to: no second lookup for a rebinding answer to slip into."""
    v4, _v6, _raw = internal
    dns_addr = "127.0.0.53"
    dns = _dnsmasq(dns_addr, {"rebind.test": "127.0.0.1", "owner.test": OWNER})
    srv, port = owner_site({"/frame": page("外部框架", f'<iframe src="http://rebind.test:{v4.port}/secret"></iframe>'
                                                       f'<img src="http://rebind.test:{v4.port}/p.png">'),
                            "/go": (302, {"Location": f"http://rebind.test:{v4.port}/secret"}, ""),
                            "/nx": (302, {"Location": "http://nx.test/"}, ""),
                            "/ok": page("正常页面")})
    base = f"http://{OWNER}:{port}"
    s = settings_for(tmp_path, dns_server=dns_addr)
    try:
        got = audit(s, [base + "/frame", base + "/go", base + "/nx", base + "/ok"])
        # The name resolves through the proxy to an allowed address: fetched.
        proxy = egress.proxy_for(s)
        assert asyncio.run(egress.ask_proxy(proxy, "owner.test", port)) == ""
        assert asyncio.run(egress.ask_proxy(proxy, "rebind.test", v4.port)) == f"403:{egress.REFUSED_PAGE} 0"
    finally:
        srv.shutdown()
        dns.terminate()
        dns.wait(5)
    by = {u.replace(base, ""): p for u, p in got.items()}
    assert by["/ok"].error_kind is None, by["/ok"].error
    # The frame's name is not judged by us (no lookup): the proxy refused it, the frame shows its fixed page.
    assert by["/frame"].error_kind is None, by["/frame"].error
    assert any(r.get("error") == REFUSED for r in by["/frame"].details["failed_requests"])
    assert by["/go"].error_kind == PageError.EGRESS_REFUSED.value, by["/go"].error
    # A name that does not exist stays a DNS error behind the proxy.
    assert by["/nx"].error_kind == PageError.DNS.value, by["/nx"].error
    assert v4.requests == []
    no_marker_anywhere(tmp_path)


@needs_squid
@pytest.mark.browser
def test_selenium_engine_goes_through_the_same_proxy(tmp_path, internal):
    v4, v6, raw = internal
    pages = attack_pages(v4, v6)
    srv, port = owner_site(pages)
    base = f"http://{OWNER}:{port}"
    paths = ("/good", "/iframe4", "/img", "/ws", "/redirect", "/redirect-https")
    try:
        got = audit(settings_for(tmp_path, engine="selenium"), [base + p for p in paths])
    finally:
        srv.shutdown()
    by = {u.replace(base, ""): p for u, p in got.items()}
    assert by["/good"].error_kind is None and by["/good"].checks, by["/good"].error
    for path in ("/img", "/ws"):
        assert by[path].error_kind is None, (path, by[path].error)
    for path in ("/iframe4", "/redirect", "/redirect-https"):
        assert by[path].error_kind == PageError.EGRESS_REFUSED.value, (path, by[path].error_kind, by[path].error)
    assert v4.requests == [] and v6.requests == [] and raw.accepted == 0
    no_marker_anywhere(tmp_path)


@needs_squid
@pytest.mark.skipif(os.geteuid() != 0 or not (shutil.which("dnsmasq") or Path("/usr/sbin/dnsmasq").exists()),
                    reason="needs root (DNS port 53) and dnsmasq")
def test_link_checks_resolve_names_through_the_proxy(tmp_path, internal):
    """Outside isolated runs the link checker looks up no name itself: the proxy resolves (here through a local
    dnsmasq), refuses the internal answer before connecting, and its reasons become the usual link classes."""
    from clients.linkcheck import check_links, fetch_text

    v4, _v6, raw = internal
    dns = _dnsmasq("127.0.0.54", {"rebind.test": "127.0.0.1", "owner.test": OWNER})
    srv, port = owner_site({"/ok": page("正常页面"), "/robots.txt": (200, {}, "User-agent: *"),
                            "/go": (302, {"Location": f"http://rebind.test:{v4.port}/secret"}, "")})
    s = Settings(allow_private=False, private_allowlist=[f"{OWNER}/32"], isolate_network=False,
                 dns_server="127.0.0.54")
    urls = [f"http://owner.test:{port}/ok", f"http://owner.test:{port}/go", f"http://rebind.test:{v4.port}/secret",
            f"https://rebind.test:{v4.port}/secret", f"http://rebind.test:{raw.port}/", "http://nx.test/"]
    try:
        got = asyncio.run(check_links(urls, s, retries=0, timeout=10))
        robots = asyncio.run(fetch_text(f"http://owner.test:{port}/robots.txt", s))
        secret = asyncio.run(fetch_text(f"http://rebind.test:{v4.port}/secret", s))
        probes = {u: _probe(u, s) for u in (f"http://owner.test:{port}/ok", f"http://owner.test:{closed_port()}/",
                                            "http://nx.test/", f"http://owner.test:{port}/go",
                                            f"https://rebind.test:{v4.port}/")}
    finally:
        srv.shutdown()
        dns.terminate()
        dns.wait(5)
    assert got[urls[0]].klass == "ok", got[urls[0]]
    assert "出站代理" in got[urls[0]].exchange["connected_to"]
    for u in urls[1:5]:
        assert (got[u].klass, got[u].reason) == ("unassessable", "内网地址，未检查"), (u, got[u])
    assert (got[urls[5]].klass, got[urls[5]].reason) == ("broken", "域名无法解析"), got[urls[5]]
    assert robots == "User-agent: *" and secret is None
    # The availability monitor's probes take the same road.
    ok, closed, nx, go, tls = probes.values()
    assert ok.ok and not ok.error, ok
    assert closed.error == "连接被拒绝" and nx.error == "域名无法解析", (closed, nx)
    assert go == tls == "refused", (go, tls)
    assert v4.requests == [] and raw.accepted == 0
    assert MARKER not in json.dumps({u: r.exchange for u, r in got.items()}, default=str)


def _probe(url: str, s: Settings):
    from workers.monitor import probe_once

    try:
        return asyncio.run(probe_once(url, s, timeout=10))
    except TargetRefused as exc:
        assert exc.kind is PageError.EGRESS_REFUSED and MARKER not in str(exc)
        return "refused"


@needs_squid
@pytest.mark.browser
def test_webrtc_sends_no_udp_past_the_proxy():
    """WebRTC's STUN/ICE traffic is UDP, which no HTTP proxy carries: the browser is launched so that only
    proxied WebRTC traffic is allowed. The control (the same launch without that flag) does reach the port."""
    from playwright.async_api import async_playwright

    from browsers.launch import CHROMIUM_PATH, chromium_args

    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    udp.settimeout(0.2)
    port = udp.getsockname()[1]
    js = ("async (port) => { const pc = new RTCPeerConnection({iceServers: [{urls: 'stun:127.0.0.1:' + port}]});"
          " pc.createDataChannel('x'); await pc.setLocalDescription(await pc.createOffer());"
          " await new Promise(r => setTimeout(r, 2500)); pc.close(); return true; }")
    proxy = egress.proxy_for(Settings(allow_private=False, isolate_network=True))
    args = chromium_args({}, isolate=True, proxy=proxy)
    assert "--webrtc-ip-handling-policy=disable_non_proxied_udp" in args

    def packets() -> int:
        n = 0
        while True:
            try:
                udp.recvfrom(2048)
                n += 1
            except (socket.timeout, BlockingIOError):
                return n

    async def run(launch_args: list[str]) -> int:
        async with async_playwright() as p:
            b = await p.chromium.launch(executable_path=CHROMIUM_PATH, args=launch_args)
            try:
                page = await b.new_page()
                await page.goto("about:blank")
                await page.evaluate(js, port)
            finally:
                await b.close()
        return packets()

    try:
        assert asyncio.run(run(args)) == 0
        assert asyncio.run(run([a for a in args if "webrtc" not in a])) > 0
    finally:
        udp.close()
