"""Link availability (可用性): the pure classifier, and check_links over real HTTP on 127.0.0.1 (tests/linksite.py).

Nothing leaves the machine: every host is 127.0.0.1, mapped to it, or unmapped under isolate_network (NXDOMAIN
without a lookup, asserted by making any lookup fail the test).
"""
from __future__ import annotations

import asyncio
import socket

import pytest

from auditor.config import Settings
from clients.linkcheck import (CHALLENGE_SIGNATURES, SAMPLE_BYTES, LinkCheck, check_links, classify,
                               host_map_target, match_challenge)
from tests.linksite import refused_port, start_linksite

# ---- classify (pure) -----------------------------------------------------------------------------------------

WAF_403_BODY = "<html><title>访问被拦截</title><body>当前访问疑似黑客攻击，已被网站管理员设置为拦截。</body></html>"
CHALLENGE_BODY = "<html><body><p>正在验证您的浏览器</p><script>self.location='/?security_verify_data=1'</script>"


@pytest.mark.parametrize("status,error,body,headers,attempts,klass,reason", [
    (200, None, b"<html>ok</html>", {}, 1, "ok", "HTTP 200"),
    (204, None, None, {}, 1, "ok", "HTTP 204"),
    (404, None, b"not found", {}, 1, "broken", "HTTP 404"),
    (410, None, None, {}, 1, "broken", "HTTP 410"),
    (403, None, b"<h1>403 Forbidden</h1><hr>nginx", {"Server": "nginx"}, 1, "broken", "HTTP 403"),
    (403, None, WAF_403_BODY.encode(), {}, 1, "unassessable", "疑似防火墙拦截（验证页面）"),
    (403, None, WAF_403_BODY.encode("gbk"), {"Content-Type": "text/html; charset=gb2312"}, 1,
     "unassessable", "疑似防火墙拦截（验证页面）"),
    (403, None, WAF_403_BODY.encode("gbk"), {}, 1, "unassessable", "疑似防火墙拦截（验证页面）"),  # sniffed GBK
    (503, None, b"", [("Set-Cookie", "__jsl_clearance=1|0|x; path=/")], 3, "unassessable",
     "疑似防火墙拦截（验证页面）"),
    (200, None, CHALLENGE_BODY.encode(), {}, 1, "unassessable", "疑似防火墙拦截（验证页面）"),
    (200, None, b"", {"cf-mitigated": "challenge"}, 1, "unassessable", "疑似防火墙拦截（验证页面）"),
    (521, None, b"<script>var x=1</script>", [("set-cookie", "__jsluid_s=abc; path=/")], 1, "unassessable",
     "疑似防火墙拦截（验证页面）"),
    (412, None, b"<script>$_ts=window['$_ts'];</script>", [("Set-Cookie", "FSSBBIl1UgzbN7N80S=x")], 1,
     "unassessable", "疑似防火墙拦截（验证页面）"),
    (412, None, b"Precondition Failed", {}, 1, "suspect", "HTTP 412"),
    # weak signs (a vendor name, the word WAF) on a 2xx page are an article, not a block
    (200, None, "<p>我市采购安全狗网站防火墙，部署 WAF 设备</p>".encode(), {}, 1, "ok", "HTTP 200"),
    (500, None, b"", {}, 3, "suspect", "HTTP 500（重试 3 次后）"),
    (503, None, b"", {}, 3, "suspect", "HTTP 503（重试 3 次后）"),
    (502, None, b"", {}, 1, "suspect", "HTTP 502"),
    (429, None, b"", {"Retry-After": "1"}, 3, "suspect", "HTTP 429（重试后仍被限流）"),
    (405, None, b"", {}, 1, "suspect", "HTTP 405"),
    (401, None, b"", {}, 1, "suspect", "HTTP 401"),
    (None, "dns", None, None, 1, "broken", "域名无法解析"),
    (None, "refused", None, None, 1, "broken", "连接被拒绝"),
    (None, "tls", None, None, 1, "broken", "TLS 握手失败"),
    (None, "redirect_loop", None, None, 1, "broken", "重定向循环"),
    (None, "timeout", None, None, 1, "suspect", "超时"),
    (None, "timeout", None, None, 3, "suspect", "超时（重试 3 次后）"),
    (None, "reset", None, None, 1, "suspect", "连接被重置"),
    (None, "private", None, None, 1, "unassessable", "内网地址，未检查"),
    (None, "something-new", None, None, 1, "suspect", "请求失败"),
])
def test_classify(status, error, body, headers, attempts, klass, reason):
    assert classify(status, error, body, headers, attempts=attempts) == (klass, reason)


@pytest.mark.parametrize("sig", CHALLENGE_SIGNATURES, ids=lambda s: f"{s.name}-{s.where}")
def test_every_signature_matches_its_own_example(sig):
    assert sig.example, f"signature {sig.name} has no example"
    status = next(iter(sig.statuses)) if sig.statuses else 403
    body, headers = None, []
    if sig.where == "body":
        body = sig.example.encode("utf-8")
    elif sig.where == "cookie":
        headers = [("Set-Cookie", f"{sig.example}=v; path=/")]
    else:
        headers = [(sig.header, sig.example)]
    assert match_challenge(status, body, headers) is not None
    assert classify(status, None, body, headers)[0] == "unassessable"
    # strong signatures also catch a challenge served as 200; weak ones never turn a 2xx into unassessable
    expected_on_200 = "unassessable" if sig.strong and not sig.statuses else "ok"
    assert classify(200, None, body, headers)[0] == expected_on_200


def test_host_map_target_semantics():
    m = {"www.a.gov.cn": "127.0.0.1:8080", "*.b.gov.cn": "127.0.0.2", "v6.gov.cn": "[::1]:81"}
    assert host_map_target("www.a.gov.cn", m) == ("127.0.0.1", 8080)
    assert host_map_target("x.y.b.gov.cn", m) == ("127.0.0.2", None)
    assert host_map_target("v6.gov.cn", m) == ("::1", 81)
    assert host_map_target("a.gov.cn", m) is None
    assert host_map_target("b.gov.cn", m) is None  # "*.b.gov.cn" needs a subdomain, as in netpolicy.resolve


# ---- check_links over HTTP -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def site():
    server, port = start_linksite()
    yield server, port
    server.shutdown()


def _settings(port: int, **kw) -> Settings:
    base = dict(allow_private=True, isolate_network=True,
                host_map={"www.linksite.gov.cn": f"127.0.0.1:{port}", "*.files.linksite.gov.cn": f"127.0.0.1:{port}"})
    base.update(kw)
    return Settings(**base)


class RecordingSleep:
    def __init__(self):
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)
        await asyncio.sleep(min(delay, 0.01))  # record the backoff, do not spend it


def run(urls, settings, **kw) -> dict[str, LinkCheck]:
    kw.setdefault("timeout", 1.5)
    kw.setdefault("backoff", 0.05)
    return asyncio.run(check_links(urls, settings, **kw))


EXPECTED = {
    "/ok": ("ok", "HTTP 200"),
    "/missing": ("broken", "HTTP 404"),
    "/gone": ("broken", "HTTP 410"),
    "/forbidden": ("broken", "HTTP 403"),
    "/waf403": ("unassessable", "疑似防火墙拦截（验证页面）"),
    "/challenge200": ("unassessable", "疑似防火墙拦截（验证页面）"),
    "/error500": ("suspect", "HTTP 500（重试 3 次后）"),
    "/flaky503?fail=2": ("ok", "HTTP 200"),
    "/flaky429?fail=2": ("ok", "HTTP 200"),
    "/always429": ("suspect", "HTTP 429（重试后仍被限流）"),
    "/hang?s=20": ("suspect", "超时（重试 3 次后）"),
    "/head405": ("ok", "HTTP 200"),
    "/huge": ("ok", "HTTP 200"),
    "/redirect/3": ("ok", "HTTP 200"),
    "/redirect/12": ("broken", "重定向次数过多（超过 10 次）"),
    "/loop/a": ("broken", "重定向循环"),
    "/files/report.pdf": ("ok", "HTTP 200"),
    "/files/data.xls": ("ok", "HTTP 200"),
    "/img/logo.png": ("ok", "HTTP 200"),
    "/img/missing.png": ("broken", "HTTP 404"),
}


@pytest.fixture(scope="module")
def classes(site):
    """One run of check_links over every endpoint class (retries 2, backoff 0.05, timeout 1.5 s)."""
    server, port = site
    base = f"http://127.0.0.1:{port}"
    gone_port = refused_port()
    extra = {"refused": f"http://127.0.0.1:{gone_port}/index.html",
             "tls": f"https://127.0.0.1:{port}/ok",  # TLS to a plain-HTTP port
             "skipped": ["mailto:zfxxgk@shifan.gov.cn", "javascript:void(0)", "tel:0571-88880000",
                         "data:image/png;base64,AAAA"]}
    urls = [base + p for p in EXPECTED] + [extra["refused"], extra["tls"], *extra["skipped"]]
    sleep = RecordingSleep()
    settings = _settings(port)
    results = run(urls, settings, sleep=sleep)
    return {"server": server, "base": base, "results": results, "sleep": sleep, "extra": extra,
            "settings": settings}


@pytest.mark.parametrize("path", list(EXPECTED))
def test_each_class_lands_where_it_should(classes, path):
    res = classes["results"][classes["base"] + path]
    assert (res.klass, res.reason) == EXPECTED[path], res.exchange


def test_refused_tls_and_skipped_schemes(classes):
    r, extra = classes["results"], classes["extra"]
    assert (r[extra["refused"]].klass, r[extra["refused"]].reason) == ("broken", "连接被拒绝")
    assert r[extra["refused"]].attempts == 1  # permanent: not retried
    assert (r[extra["tls"]].klass, r[extra["tls"]].reason) == ("broken", "TLS 握手失败")
    assert r[extra["tls"]].attempts == 1
    for url in extra["skipped"]:
        assert url not in r
    assert len(r) == len(EXPECTED) + 2


def test_retries_are_counted_on_the_server(classes):
    hits, r, b = classes["server"].stats.hits, classes["results"], classes["base"]
    # 503 twice (HEAD, then GET), backoff, GET 200
    assert r[b + "/flaky503?fail=2"].attempts == 2 and hits["/flaky503?fail=2"] == 3
    assert r[b + "/flaky429?fail=2"].attempts == 2 and hits["/flaky429?fail=2"] == 3
    assert r[b + "/always429"].attempts == 3 and hits["/always429"] == 4
    assert r[b + "/error500"].attempts == 3 and hits["/error500"] == 4
    assert r[b + "/hang?s=20"].attempts == 3 and hits["/hang?s=20"] == 3  # timeouts are retried, with HEAD
    # permanent answers are not retried: HEAD, then GET to confirm
    assert r[b + "/missing"].attempts == 1 and hits["/missing"] == 2
    assert r[b + "/forbidden"].attempts == 1 and hits["/forbidden"] == 2
    assert hits["/img/logo.png"] == 1 and hits["/files/data.xls"] == 1  # a good link costs one HEAD
    delays = classes["sleep"].delays
    assert delays.count(1.0) >= 3  # Retry-After: 1 honoured (flaky429 once, always429 twice)
    assert 0.05 in delays and 0.1 in delays  # exponential backoff 0.05 * 2**n


def test_head_refused_falls_back_to_get_and_samples_the_body(classes):
    methods, r, b = classes["server"].stats.methods, classes["results"], classes["base"]
    assert [m for m, p in methods if p == "/head405"] == ["HEAD", "GET"]
    assert r[b + "/head405"].exchange["method"] == "GET"
    huge = r[b + "/huge"]
    assert huge.exchange["body_sample_bytes"] == SAMPLE_BYTES  # 1 MB page: sample stops at 64 KB


def test_exchange_is_evidence(classes):
    r, b, settings = classes["results"], classes["base"], classes["settings"]
    red = r[b + "/redirect/3"].exchange
    assert [h["status"] for h in red["redirects"]] == [302, 302, 302, 302]
    assert red["redirects"][0]["url"] == b + "/redirect/3" and red["url"] == b + "/ok"
    assert red["status_line"] == "HTTP/1.1 200 OK" and red["method"] == "HEAD"
    assert red["request_headers"]["user-agent"] == settings.user_agent
    pdf = r[b + "/files/report.pdf"].exchange
    assert pdf["response_headers"]["content-disposition"].startswith("attachment")
    waf = r[b + "/waf403"]
    assert waf.http_status == 403 and waf.exchange["waf"] == "知道创宇加速乐"
    assert "__jsl_clearance" in waf.exchange["response_headers"]["set-cookie"]
    assert r[b + "/challenge200"].exchange["waf"] == "云锁"
    loop = r[b + "/loop/a"].exchange
    assert [h["url"] for h in loop["redirects"]] == [b + "/loop/a", b + "/loop/b"]
    assert r[b + "/hang?s=20"].exchange["attempts"][0]["error"] == "timeout"
    assert all(res.elapsed_ms is not None for res in r.values())
    assert settings.user_agent in classes["server"].stats.agents  # the server saw who is checking


def test_per_host_concurrency_is_bounded(site):
    server, port = site
    urls = [f"http://{h}.files.linksite.gov.cn/slow?ms=60&i={i}" for h in ("a", "b") for i in range(10)]
    res = run(urls, _settings(port), per_host=2)
    assert {r.klass for r in res.values()} == {"ok"}
    peak = server.stats.max_inflight
    assert peak["a.files.linksite.gov.cn"] == 2 and peak["b.files.linksite.gov.cn"] == 2
    urls1 = [f"http://c.files.linksite.gov.cn/slow?ms=30&i={i}" for i in range(6)]
    run(urls1, _settings(port), per_host=1)
    assert server.stats.max_inflight["c.files.linksite.gov.cn"] == 1


def test_isolated_network_does_not_look_up_unmapped_hosts(site, monkeypatch):
    """Offline runs: unmapped hosts are not looked up and not judged (unassessable); a host mapped to
    ~NOTFOUND (Chromium's syntax) is a real NXDOMAIN, i.e. broken."""
    _, port = site
    looked_up: list[object] = []

    def no_lookup(*args, **kwargs):
        looked_up.append(args)
        raise AssertionError("DNS lookup attempted")

    monkeypatch.setattr(socket, "getaddrinfo", no_lookup)
    monkeypatch.setattr(socket, "gethostbyname", no_lookup)
    url = "http://www.unmapped.gov.cn/index.html"
    redirect = "http://www.linksite.gov.cn/to?u=http://cdn.unmapped.gov.cn/a.pdf"
    dead = "http://dead.linksite.gov.cn/x.html"
    settings = _settings(port)
    settings = settings.replace(host_map={"dead.linksite.gov.cn": "~NOTFOUND", **settings.host_map})
    res = run([url, redirect, dead], settings)
    assert (res[url].klass, res[url].attempts) == ("unassessable", 1) and "离线" in res[url].reason
    assert res[redirect].klass == "unassessable"
    assert (res[dead].klass, res[dead].reason) == ("broken", "域名无法解析")
    assert res[redirect].exchange["redirects"][0]["location"] == "http://cdn.unmapped.gov.cn/a.pdf"
    assert looked_up == []


def test_host_map_keeps_the_host_header(site):
    server, port = site
    url = "http://www.linksite.gov.cn/ok?mapped=1"
    # a redirect to another mapped host (wildcard pattern) is followed through the map too
    via = "http://www.linksite.gov.cn/to?u=http://cdn.files.linksite.gov.cn/files/report.pdf"
    res = run([url, via], _settings(port))
    assert res[url].klass == "ok" and res[via].klass == "ok"
    assert res[url].exchange["connected_to"] == f"127.0.0.1:{port}"
    assert res[url].exchange["request_headers"]["host"] == "www.linksite.gov.cn"
    assert "www.linksite.gov.cn" in server.stats.hosts
    assert "cdn.files.linksite.gov.cn" in server.stats.hosts
    assert res[via].exchange["url"] == "http://cdn.files.linksite.gov.cn/files/report.pdf"


def test_private_targets_are_not_fetched_unless_allowed(site):
    server, port = site
    direct = f"http://127.0.0.1:{port}/ok?private=1"
    mapped = "http://www.linksite.gov.cn/ok?private=2"
    res = run([direct, mapped], _settings(port, allow_private=False))
    for url in (direct, mapped):
        assert (res[url].klass, res[url].reason) == ("unassessable", "内网地址，未检查")
    assert server.stats.hits["/ok?private=1"] == 0 and server.stats.hits["/ok?private=2"] == 0
    # an allowlisted address is fetched; a redirect from it to another private address is refused
    into = f"http://127.0.0.1:{port}/to?u=http://intranet.linksite.gov.cn/ok%3Fprivate%3D3"
    s = _settings(port, allow_private=False, private_allowlist=["127.0.0.1/32"],
                  host_map={"intranet.linksite.gov.cn": f"127.0.0.2:{port}"})
    res = run([direct, into], s)
    assert res[direct].klass == "ok"
    assert (res[into].klass, res[into].reason) == ("unassessable", "内网地址，未检查")
    assert res[into].exchange["redirects"][0]["location"].startswith("http://intranet.linksite.gov.cn/")
    assert server.stats.hits["/ok?private=3"] == 0


def test_fragments_and_duplicates_share_one_check(site):
    server, port = site
    a = f"http://127.0.0.1:{port}/ok?dup=1#top"
    b = f"http://127.0.0.1:{port}/ok?dup=1#bottom"
    res = run([a, b, a], _settings(port))
    assert set(res) == {a, b} and res[a].url == a and res[b].url == b
    assert server.stats.hits["/ok?dup=1"] == 1


def test_retry_after_is_capped(site):
    _, port = site
    sleep = RecordingSleep()
    url = f"http://127.0.0.1:{port}/always429"
    res = run([url], _settings(port), sleep=sleep, retry_after_cap=0.2, retries=1)
    assert res[url].klass == "suspect" and res[url].attempts == 2
    assert sleep.delays == [0.2]


def test_no_urls_no_client():
    assert asyncio.run(check_links(["mailto:a@b.cn", "javascript:;"], Settings())) == {}


def test_connections_are_kept_alive(site):
    server, port = site
    before = server.stats.connections
    urls = [f"http://127.0.0.1:{port}/big/doc/{i}-0.html?ka=1" for i in range(40)]
    res = run(urls, _settings(port), per_host=2)
    assert len(res) == 40
    assert server.stats.connections - before <= 4  # 40 HEADs (and the GETs after 404s) over ~2 connections


def test_tls_goes_to_the_pinned_address_with_the_name_in_sni_and_the_certificate_checked(tmp_path):
    """A mapped https host: the connection goes to the mapped address, the name travels in TLS SNI (not the
    address), and the certificate is verified (a self-signed one is a TLS failure, never «ok»)."""
    import ssl
    import subprocess
    import threading

    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=www.tls.linksite.gov.cn", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    names: list[str | None] = []
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    ctx.sni_callback = lambda sock, name, _ctx: names.append(name)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    port = listener.getsockname()[1]

    def serve() -> None:
        for _ in range(4):
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            try:
                with ctx.wrap_socket(conn, server_side=True) as tls:
                    tls.recv(1024)
            except (ssl.SSLError, OSError):
                pass  # the client refuses the certificate, as it must

    threading.Thread(target=serve, daemon=True).start()
    try:
        url = "https://www.tls.linksite.gov.cn/index.html"
        res = run([url], Settings(allow_private=True, isolate_network=True,
                                  host_map={"www.tls.linksite.gov.cn": f"127.0.0.1:{port}"}), retries=0)
    finally:
        listener.close()
    assert (res[url].klass, res[url].reason) == ("broken", "TLS 握手失败")
    assert res[url].exchange["connected_to"] == f"127.0.0.1:{port}"
    assert names and set(names) == {"www.tls.linksite.gov.cn"}


def test_an_egress_proxy_named_by_host_name_is_reached(monkeypatch):
    """compose names the egress proxy by its service name (``http://egress:3128``): the checker's session looks up
    that one name, and only it, and sends unmapped names to the proxy unresolved. Here the proxy is a stand-in on
    127.0.0.1 named ``localhost``; the link's own name is never looked up."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    seen: list[str] = []

    class Proxy(BaseHTTPRequestHandler):
        def do_HEAD(self) -> None:  # noqa: N802 - http.server's names
            seen.append(f"{self.command} {self.path}")
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    real = socket.getaddrinfo
    looked_up: list[str] = []

    def only_localhost(host, *args, **kwargs):
        looked_up.append(host)
        if host != "localhost":
            raise AssertionError(f"lookup of {host}")
        return real("127.0.0.1", *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", only_localhost)
    try:
        url = "http://www.unmapped.gov.cn/index.html"
        settings = Settings(allow_private=False, isolate_network=False,
                            egress_proxy=f"http://localhost:{server.server_address[1]}")
        res = run([url], settings, retries=0)
    finally:
        server.shutdown()
    assert (res[url].klass, res[url].http_status) == ("ok", 200), res[url].exchange
    assert seen == ["HEAD http://www.unmapped.gov.cn/index.html"]
    assert set(looked_up) == {"localhost"}
    assert res[url].exchange["connected_to"].startswith("出站代理 http://localhost:")
