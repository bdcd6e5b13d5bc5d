"""Link availability (可用性): checks links, images and attachments over HTTP and sorts each into a class.

Classes (docs/shared spec §1.3; the commercial monitors count only 404/403 as «确定不可用»):

========================  ==============================================================================
``ok``                    the link answered 2xx (after redirects)
``broken`` 确定不可用      HTTP 404 / 410 / 403, NXDOMAIN, connection refused, TLS failure, redirect loop,
                          invalid URL — permanent; never retried
``suspect`` 疑似不可用     timeouts, connection resets, 5xx and 429 still failing after the retries, other 4xx
``unassessable`` 无法评估  the auditor itself was challenged or blocked by a WAF / anti-bot page (never counted
                          as broken), or the target is private/loopback and private targets are not allowed
========================  ==============================================================================

How a link is fetched (``check_links``):

* ``HEAD`` first; any 4xx/5xx to ``HEAD`` (405 and 501 included, servers that refuse HEAD), a reset connection,
  or a 2xx whose headers carry a challenge cookie, is asked again with ``GET``, which reads at most
  ``SAMPLE_BYTES`` of the body (for the WAF signatures) and closes. Once a link needed ``GET``, its retries use
  ``GET`` directly.
* Redirects are followed by hand (at most ``MAX_REDIRECTS``); every hop is checked against the network policy
  and recorded in ``exchange['redirects']``. A URL seen twice in one chain is a loop (broken, 重定向循环).
* Transient failures (timeouts, resets, 5xx, 429) are retried ``retries`` times with exponential backoff
  (``backoff * 2**n``); a ``Retry-After`` on 429/503 is honoured up to ``retry_after_cap`` seconds. Permanent
  failures (DNS, refused, TLS, 404/410/403) are not retried.
* At most ``per_host`` requests run at once against one host name, and ``concurrency`` overall; one aiohttp
  session (one connection pool, sized to ``concurrency``) keeps HTTP/1.1 connections alive (small answers are
  read to their end so the connection goes back to the pool); no cookies are kept between requests, proxy
  variables are ignored. aiohttp's C parser costs about a third of the CPU of httpx/httpcore per request, and
  on a large site the checker is bound by its own CPU (docs/performance.md). A direct request is sent to the
  pinned address itself (an IP literal in the request URL, the name in ``Host`` and in TLS SNI and certificate
  checks), so the session never looks a name up; its resolver refuses every lookup but that of the configured
  egress proxy's own name (``egress_proxy = "http://egress:3128"`` in compose).
  URLs are parsed and joined with httpx's URL type (also used by the streaming callers' httpx client), so what
  counts as an invalid URL does not depend on the client.
* Name resolution follows the browser's host mapping (``settings.host_map``, same semantics as
  ``auditor.netpolicy.resolve``): a mapped host is connected to at the mapped ``ip[:port]`` while the URL,
  the ``Host`` header, TLS SNI and certificate checks keep the original name. Every host is resolved once per
  run and the connection is pinned to that address (no second lookup between the policy check and the
  connect). With ``settings.isolate_network`` an unmapped name that is not an IP literal or ``localhost`` is
  NXDOMAIN without any lookup. Otherwise an unmapped name is not looked up here at all: the request goes
  through the egress proxy (``browsers/egress.py``, Squid), which resolves it, refuses private destinations and
  connects to the address it judged; its answers (X-Squid-Error) become the same error kinds (a refusal is
  ``private``). Address literals and mapped hosts are judged here and connected to directly. With ``allow_private`` false, links to private/loopback addresses (also through
  a redirect) are not fetched: ``unassessable`` «内网地址，未检查» (``private_allowlist`` CIDRs excepted).
* Non-http(s) links (``mailto:``, ``javascript:``, ``tel:``, ``data:`` …) are skipped: they are absent from
  the result.
"""
from __future__ import annotations

import asyncio
import email.utils
import errno
import importlib.util
import ipaddress
import re
import socket
import ssl
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any, Awaitable, Callable, Iterable, Mapping
from urllib.parse import urljoin, urlsplit

import aiohttp
import httpcore
import httpx
import yarl
from aiohttp.abc import AbstractResolver

# httpcore (1.0.x) runs `import sniffio` on every lock it sets up and falls back to asyncio when that fails;
# without sniffio installed, each failed import scans sys.path (a third of the checker's CPU time). A None
# entry in sys.modules makes that import fail at once, with the same fallback.
if "sniffio" not in sys.modules and importlib.util.find_spec("sniffio") is None:
    sys.modules["sniffio"] = None  # type: ignore[assignment]

from auditor.errors import network_zh
from auditor.config import Settings
from auditor.netpolicy import NOTFOUND, _allowed, _is_private, map_target

OK, BROKEN, SUSPECT, UNASSESSABLE = "ok", "broken", "suspect", "unassessable"
SAMPLE_BYTES = 64 * 1024
MAX_REDIRECTS = 10
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
BROKEN_STATUSES = frozenset({403, 404, 410})
#: statuses worth retrying (transient); 501 Not Implemented and 505 are not transient.
TRANSIENT_STATUSES = frozenset({429, 500, 502, 503, 504, 507, 509, 520, 521, 522, 523, 524})
REQUEST_HEADERS_KEPT = ("host", "user-agent", "accept", "accept-language", "accept-encoding")
RESPONSE_HEADERS_KEPT = ("content-type", "content-length", "content-disposition", "location", "server",
                         "retry-after", "set-cookie", "date", "last-modified", "x-powered-by", "cf-mitigated",
                         "via", "x-cache")


# --------------------------------------------------------------------------------------------------------------
# WAF / anti-bot challenge signatures (data)
# --------------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ChallengeSignature:
    """One sign that the answer is a WAF challenge or a block of the auditor rather than the page itself.

    ``where``: ``body`` (regex over the decoded body sample), ``cookie`` (regex over the *names* of the cookies
    the response sets), or ``header`` (regex over the value of ``header``).
    ``strong``: specific enough to count on a 2xx answer too (challenge pages are often served with 200);
    weak signatures (vendor names, generic block phrases that could appear in a normal article) count only
    on an error status (>= 400).
    ``statuses``: when set, the signature counts only for these statuses.
    """
    name: str
    where: str
    pattern: str
    strong: bool = False
    header: str | None = None
    statuses: frozenset[int] | None = None
    example: str = ""  # a body snippet, cookie name or header value it matches (documentation and tests)

    @property
    def regex(self) -> re.Pattern[str]:
        return _compiled(self.pattern)


_REGEX_CACHE: dict[str, re.Pattern[str]] = {}


def _compiled(pattern: str) -> re.Pattern[str]:
    rx = _REGEX_CACHE.get(pattern)
    if rx is None:
        rx = _REGEX_CACHE[pattern] = re.compile(pattern, re.I)
    return rx


S = ChallengeSignature
#: The challenge/block signatures, most specific first. Add new vendors here with an ``example``;
#: tests/test_linkcheck.py checks that every signature matches its own example.
CHALLENGE_SIGNATURES: list[ChallengeSignature] = [
    # 知道创宇 加速乐 / 创宇盾: JS challenge that sets __jsl_clearance (often HTTP 521 with a __jsluid_* cookie).
    S("知道创宇加速乐", "cookie", r"^__jsl_clearance", strong=True, example="__jsl_clearance_s"),
    S("知道创宇加速乐", "body", r"__jsl_clearance", strong=True,
      example="<script>document.cookie=('__jsl_clearance=1700000000.1|0|x');location.href=location.pathname</script>"),
    S("知道创宇加速乐", "cookie", r"^__jsluid", example="__jsluid_h"),
    S("知道创宇", "body", r"知道创宇|创宇盾|jiasule|加速乐", example="请登录创宇盾控制台查看"),
    # 云锁 (yunsuo): 200 page with a JS redirect through security_verify_data, sets yunsuo_session_verify.
    S("云锁", "cookie", r"^(yunsuo_session_verify|security_session_verify)$", strong=True,
      example="yunsuo_session_verify"),
    S("云锁", "body", r"security_verify_data|yunsuo_session_verify|security_session_verify", strong=True,
      example='self.location="/index.html?security_verify_data="+screendate'),
    S("云锁", "cookie", r"^srcurl$", example="srcurl"),
    S("云锁", "body", r"云锁|yunsuo", example="网站防护：云锁"),
    # 安全狗 (safedog)
    S("安全狗", "cookie", r"^safedog-flow-item", example="safedog-flow-item"),
    S("安全狗", "header", r"safedog|WAF", header="x-powered-by", example="WAF/2.0"),
    S("安全狗", "body", r"安全狗|safedog", example="网站防火墙 - 安全狗"),
    # Cloudflare
    S("Cloudflare", "header", r"challenge", header="cf-mitigated", strong=True, example="challenge"),
    S("Cloudflare", "body", r"cf-chl|cf_chl_opt|/cdn-cgi/challenge-platform", strong=True,
      example="<script>window._cf_chl_opt={cvId:'3'}</script>"),
    # 阿里云 WAF / 盾
    S("阿里云 WAF", "cookie", r"^acw_sc__v2$", strong=True, example="acw_sc__v2"),
    S("阿里云 WAF", "body", r"acw_sc__v2|\barg1\s*=\s*'[0-9A-F]{40}'", strong=True,
      example="<script>var arg1='3E40CCD6ACF2C5E4F7E6B4C6A1B2C3D4E5F60718';</script>"),
    S("阿里云 WAF", "body", r"aliyun_waf|errors\.aliyun\.com|阿里云.{0,8}(WAF|防火墙|安全)",
      example="<img src='https://errors.aliyun.com/images/TB1.png'>"),
    # 瑞数 (Rivers Security) dynamic challenge: 412 with a $_ts script and a pair of cookies.
    S("瑞数", "body", r"\$_ts\s*=\s*window\[\s*['\"]\$_ts['\"]\s*\]", strong=True,
      example="<script>$_ts=window['$_ts'];if(!$_ts)$_ts={};</script>"),
    S("412 挑战（瑞数等）", "cookie", r".", statuses=frozenset({412}), example="NfBCSins2OywO"),
    S("412 挑战（瑞数等）", "body", r"<script", statuses=frozenset({412}),
      example="<script type='text/javascript' r='m'>"),
    # Other vendors seen in front of government sites.
    S("腾讯云 WAF", "body", r"waf\.tencent|腾讯云.{0,10}(Web应用防火墙|WAF)|T-Sec",
      example="腾讯云 Web应用防火墙 提示"),
    S("360网站卫士", "body", r"360网站卫士|wangzhan\.360\.cn|360wzb", example="由360网站卫士提供防护"),
    S("百度云加速", "body", r"yunjiasu|百度云加速", example="百度云加速 安全拦截"),
    S("百度云加速", "header", r"yunjiasu", header="server", example="yunjiasu-nginx"),
    S("长亭雷池", "body", r"safeline|雷池", example="Protected By SafeLine WAF"),
    S("Akamai", "body", r"errors\.edgesuite\.net|Reference&#32;&#35;",
      example="Reference&#32;&#35;18&#46;2d351ab8"),
    # Generic JS challenges (specific wording: strong) and block pages (weak).
    S("浏览器验证", "body", r"正在验证您的浏览器|正在进行安全验证|浏览器安全检查|请开启\s*JavaScript\s*并刷新|"
      r"Checking your browser before accessing|<title>\s*Just a moment\.\.\.\s*</title>", strong=True,
      example="<p>正在验证您的浏览器，请稍候……</p>"),
    S("防火墙拦截", "body", r"访问被拦截|访问已被拦截|请求已被拦截|已被拦截|访问被阻断|请求被阻断|网站防火墙|"
      r"应用防火墙|疑似黑客攻击|不合法参数", example="您的访问被拦截"),
    S("WAF", "body", r"\bWAF\b", example="Blocked by WAF"),
    S("WAF", "header", r"\bWAF\b", header="server", example="jiasule-waf"),
]
del S


def _header_items(headers: Any) -> list[tuple[str, str]]:
    if headers is None:
        return []
    if hasattr(headers, "multi_items"):
        items = headers.multi_items()
    elif isinstance(headers, Mapping):
        items = []
        for k, v in headers.items():
            if isinstance(v, (list, tuple)):
                items.extend((k, x) for x in v)
            else:
                items.append((k, v))
    else:
        items = list(headers)
    return [(str(k).lower(), str(v)) for k, v in items]


_CHARSET_RX = re.compile(rb"charset\s*=\s*[\"']?([A-Za-z0-9_\-]+)", re.I)


def _decode(body: bytes, headers: list[tuple[str, str]]) -> str:
    """Decode a body sample: the declared charset (header, then meta), else UTF-8, else GB18030."""
    charset = None
    for k, v in headers:
        if k == "content-type":
            m = _CHARSET_RX.search(v.encode("latin-1", "ignore"))
            charset = m.group(1).decode() if m else None
    if not charset:
        m = _CHARSET_RX.search(body[:2048])
        charset = m.group(1).decode() if m else None
    if charset:
        try:
            return body.decode(charset.lower().replace("gb2312", "gb18030").replace("gbk", "gb18030"),
                               errors="replace")
        except LookupError:
            pass
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start >= len(body) - 3:  # a multi-byte character cut by the sample limit
            return body[:exc.start].decode("utf-8", errors="replace")
        return body.decode("gb18030", errors="replace")


def match_challenge(status: int | None, body_sample: bytes | None, headers: Any) -> ChallengeSignature | None:
    """The first signature saying this answer is a WAF challenge / block page, or None. Pure."""
    if status is None:
        return None
    items = _header_items(headers)
    cookies = [v.split("=", 1)[0].strip() for k, v in items if k == "set-cookie"]
    text: str | None = None
    for sig in CHALLENGE_SIGNATURES:
        if sig.statuses is not None and status not in sig.statuses:
            continue
        if not sig.strong and status < 400:
            continue
        rx = sig.regex
        if sig.where == "cookie":
            if any(rx.search(c) for c in cookies):
                return sig
        elif sig.where == "header":
            if any(rx.search(v) for k, v in items if k == sig.header):
                return sig
        elif sig.where == "body" and body_sample:
            if text is None:
                text = _decode(body_sample, items)
            if rx.search(text):
                return sig
    return None


_HINT_HEADERS = frozenset({"set-cookie" if s.where == "cookie" else s.header or ""
                           for s in CHALLENGE_SIGNATURES if s.strong and s.where != "body"})


def _header_hint(headers: Mapping[str, str] | None) -> bool:
    """A 2xx HEAD answer whose headers alone carry a strong challenge sign (worth a GET to look at the body)."""
    if headers is None or not any(name in headers for name in _HINT_HEADERS):  # the common case, cheaply
        return False
    return match_challenge(200, None, headers) is not None


# --------------------------------------------------------------------------------------------------------------
# classify (pure)
# --------------------------------------------------------------------------------------------------------------

#: error kinds produced by the fetcher -> (class, reason)
ERROR_CLASSES: dict[str, tuple[str, str]] = {
    "dns": (BROKEN, "域名无法解析"),
    "refused": (BROKEN, "连接被拒绝"),
    "tls": (BROKEN, "TLS 握手失败"),
    "redirect_loop": (BROKEN, "重定向循环"),
    "too_many_redirects": (BROKEN, f"重定向次数过多（超过 {MAX_REDIRECTS} 次）"),
    "invalid_url": (BROKEN, "网址无效"),
    "timeout": (SUSPECT, "超时"),
    "reset": (SUSPECT, "连接被重置"),
    "dns_temp": (SUSPECT, "域名解析暂时失败"),
    "unreachable": (SUSPECT, "网络不可达"),
    "bad_scheme": (SUSPECT, "重定向到不支持的协议"),
    "private": (UNASSESSABLE, "内网地址，未检查"),
    # Offline runs (tests, the demo): the outside world is not there, so its links cannot be judged.
    "offline": (UNASSESSABLE, "离线运行：未映射的外部网站未检查"),
}
TRANSIENT_ERRORS = frozenset({"timeout", "reset", "dns_temp", "unreachable", "error"})


def classify(status: int | None, error_kind: str | None, body_sample: bytes | None = None,
             headers: Any = None, *, attempts: int = 1) -> tuple[str, str]:
    """(klass, reason) of one link from what the last attempt saw. Pure: no I/O, no clock.

    ``status`` final HTTP status (after redirects) or None; ``error_kind`` one of ``ERROR_CLASSES`` (or any
    other string: suspect «请求失败»); ``body_sample`` up to ``SAMPLE_BYTES`` of a GET body; ``headers`` the
    final response headers (httpx.Headers, a mapping, or (name, value) pairs); ``attempts`` how many attempts
    were made (worded into the reason of transient failures).
    """
    again = f"（重试 {attempts} 次后）" if attempts > 1 else ""
    if error_kind is not None:
        klass, reason = ERROR_CLASSES.get(error_kind, (SUSPECT, "请求失败"))
        if klass == SUSPECT and error_kind in TRANSIENT_ERRORS:
            reason += again
        return klass, reason
    if status is None:
        return SUSPECT, "无响应"
    if match_challenge(status, body_sample, headers) is not None:
        return UNASSESSABLE, "疑似防火墙拦截（验证页面）"
    if 200 <= status < 300 or status == 304:
        return OK, f"HTTP {status}"
    if 300 <= status < 400:
        return SUSPECT, f"HTTP {status}（重定向没有目标）"
    if status in BROKEN_STATUSES:
        return BROKEN, f"HTTP {status}"
    if status == 429:
        return SUSPECT, "HTTP 429（重试后仍被限流）" if attempts > 1 else "HTTP 429（被限流）"
    if status >= 500:
        return SUSPECT, f"HTTP {status}{again}"
    return SUSPECT, f"HTTP {status}"


# --------------------------------------------------------------------------------------------------------------
# the checker
# --------------------------------------------------------------------------------------------------------------

@dataclass
class LinkCheck:
    url: str
    klass: str
    http_status: int | None
    reason: str
    attempts: int = 1
    elapsed_ms: int | None = None
    exchange: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Outcome:
    method: str
    url: str
    status: int | None = None
    error_kind: str | None = None
    error: str | None = None
    headers: Mapping[str, str] | None = None  # aiohttp's (case-insensitive, repeated names kept)
    body: bytes | None = None
    redirects: list[dict[str, Any]] = field(default_factory=list)
    request_headers: dict[str, str] = field(default_factory=dict)
    status_line: str | None = None
    connected_to: str | None = None
    elapsed: float = 0.0


def host_map_target(host: str, host_map: Mapping[str, str]) -> tuple[str, int | None] | None:
    """(ip, port or None) of a mapped host (see auditor.netpolicy.map_target)."""
    return map_target(host, host_map)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
        return True
    except ValueError:
        return False


class _PinnedBackend(httpcore.AsyncNetworkBackend):
    """Connects to the address each host was resolved (or mapped) to; the URL keeps the name."""

    def __init__(self, pins: dict[str, tuple[str, int | None]]):
        self._inner = httpcore.AnyIOBackend()
        self._pins = pins

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None, socket_options: Any = None) -> httpcore.AsyncNetworkStream:
        ip, mapped_port = self._pins.get(host, (host, None))
        if not _is_ip(ip):  # never reached through check_links (every host is pinned first): refuse lookups
            raise httpcore.ConnectError(f"host not pinned: {host}")
        return await self._inner.connect_tcp(ip, mapped_port or port, timeout=timeout,
                                             local_address=local_address, socket_options=socket_options)

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Any = None) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not used")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class _RoutingTransport(httpx.AsyncBaseTransport):
    """Hosts the egress proxy resolves go through it; pinned hosts (literals, mapped) go direct."""

    def __init__(self, direct: httpx.AsyncBaseTransport, proxied: httpx.AsyncBaseTransport | None,
                 via_proxy: set[str]):
        self.direct, self.proxied, self.via_proxy = direct, proxied, via_proxy

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.proxied is not None and request.url.host in self.via_proxy:
            return await self.proxied.handle_async_request(request)
        return await self.direct.handle_async_request(request)

    async def aclose(self) -> None:
        await self.direct.aclose()
        if self.proxied is not None:
            await self.proxied.aclose()


class _NoLookups(AbstractResolver):
    """The link-check session's resolver: it looks up only the configured egress proxy's own name (compose's
    ``egress``), never a name from a page. Direct requests name the pinned address itself, so any other call here
    is a bug, refused rather than resolved."""

    def __init__(self, proxy: str | None) -> None:
        self._allowed = {(urlsplit(proxy).hostname or "").lower()} - {""} if proxy else set()
        self._inner: AbstractResolver | None = None

    async def resolve(self, host: str, port: int = 0, family: int = socket.AF_INET) -> list[Any]:
        if host.lower().rstrip(".") not in self._allowed:
            raise OSError(errno.EACCES, f"host not pinned: {host}")
        if self._inner is None:
            self._inner = aiohttp.ThreadedResolver()
        return await self._inner.resolve(host, port, family)  # type: ignore[arg-type]

    async def close(self) -> None:
        if self._inner is not None:
            await self._inner.close()


def _egress_proxy(settings: Settings) -> str | None:
    """The egress proxy for names (None in isolated runs, where names are not resolved at all)."""
    if settings.isolate_network:
        return None
    # browsers.egress starts and stops the Squid process (no browser involved); the import is here so that
    # the domain modules do not load it unless a request needs it.
    from browsers.egress import proxy_for

    return proxy_for(settings)


def _squid_kind(squid_error: str) -> str:
    """An error kind of ERROR_CLASSES for an X-Squid-Error value (the proxy's reason, e.g. "ERR_CONNECT_FAIL 111")."""
    from browsers.egress import refusal_kind

    kind = refusal_kind(squid_error)
    if kind == "egress_refused":
        return "private"
    if kind == "connection":
        if "ERR_CONNECT_FAIL" in squid_error:
            return "refused" if squid_error.rstrip().endswith(" 111") else "unreachable"
        return "reset"
    return kind or "error"


class _PinnedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport with a connection pool whose network backend follows the pins."""

    def __init__(self, pins: dict[str, tuple[str, int | None]], ssl_context: ssl.SSLContext, limits: httpx.Limits):
        super().__init__(verify=ssl_context, trust_env=False, limits=limits, http1=True, http2=False)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context, max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections, keepalive_expiry=limits.keepalive_expiry,
            http1=True, http2=False, network_backend=_PinnedBackend(pins))


def _ssl_context() -> ssl.SSLContext:
    try:
        import certifi
        return ssl.create_default_context(cafile=certifi.where())
    except ImportError:  # pragma: no cover - certifi comes with httpx
        return ssl.create_default_context()


def _error_kind(exc: BaseException) -> str:
    """Map an httpx/httpcore/OS exception to an error kind of ERROR_CLASSES."""
    if isinstance(exc, (httpx.TimeoutException, asyncio.TimeoutError, TimeoutError, aiohttp.ServerTimeoutError)):
        return "timeout"
    chain: list[BaseException] = []
    e: BaseException | None = exc
    while e is not None and e not in chain:
        chain.append(e)
        # aiohttp keeps the operating system's error beside, not as the cause.
        inner = getattr(e, "os_error", None) if isinstance(e, aiohttp.ClientOSError) else None
        e = inner if isinstance(inner, BaseException) and inner not in chain else (e.__cause__ or e.__context__)
    for e in chain:
        if isinstance(e, (ssl.SSLError, ssl.CertificateError, aiohttp.ClientSSLError)):
            return "tls"
        if isinstance(e, ConnectionRefusedError):
            return "refused"
        if isinstance(e, (ConnectionResetError, ConnectionAbortedError, BrokenPipeError)):
            return "reset"
        if isinstance(e, OSError) and e.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
            return "unreachable"
        if isinstance(e, (TimeoutError, socket.timeout)):
            return "timeout"
    text = " ".join(str(e) for e in chain).lower()
    if "refused" in text or "errno 111" in text:
        return "refused"
    if "ssl" in text or "tls" in text or "certificate" in text:
        return "tls"
    if isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError, aiohttp.ServerDisconnectedError,
                        aiohttp.ClientPayloadError, aiohttp.ClientResponseError)):
        return "reset"
    if isinstance(exc, (httpx.ConnectError, aiohttp.ClientConnectorError)):
        return "unreachable"
    if isinstance(exc, aiohttp.ClientOSError):
        return "reset"
    return "error"


def _retry_after(headers: Mapping[str, str] | None, now: float) -> float | None:
    value = headers.get("retry-after") if headers is not None else None
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - now)


def _subset(headers: Mapping[str, str] | None, keep: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    if headers is None:
        return out
    for k, v in _header_items(headers):
        if k in keep:
            v = v if len(v) <= 300 else v[:300] + "…"
            out[k] = f"{out[k]}\n{v}" if k in out else v
    return out


class _Checker:
    def __init__(self, settings: Settings, *, per_host: int, concurrency: int, retries: int, backoff: float,
                 timeout: float, retry_after_cap: float, sleep: Callable[[float], Awaitable[Any]]):
        self.settings = settings
        self.per_host = max(1, per_host)
        self.retries = max(0, retries)
        self.backoff = backoff
        self.timeout = timeout
        self.retry_after_cap = retry_after_cap
        self.sleep = sleep
        self.global_sem = asyncio.Semaphore(max(1, concurrency))
        self.host_sems: dict[str, asyncio.Semaphore] = {}
        self.pins: dict[str, tuple[str, int | None]] = {}
        self.resolved: dict[str, asyncio.Future[tuple[str | None, str | None]]] = {}
        self.concurrency = max(1, concurrency)
        self.proxy = _egress_proxy(settings)
        self.via_proxy: set[str] = set()  # hosts the proxy resolves (unmapped names)
        self.headers = {
            "User-Agent": settings.user_agent,
            "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5",
            "Accept-Encoding": "gzip, deflate",
        }
        self._session: aiohttp.ClientSession | None = None
        self._client: httpx.AsyncClient | None = None

    @property
    def session(self) -> aiohttp.ClientSession:
        """The link checks' session (made on first use, inside the running event loop): one connection pool for
        the run; redirects are followed here, cookies are never kept, proxy variables never read."""
        if self._session is None:
            connector = aiohttp.TCPConnector(limit=self.concurrency, limit_per_host=0, ssl=_ssl_context(),
                                             use_dns_cache=False, keepalive_timeout=30.0,
                                             resolver=_NoLookups(self.proxy))
            # Header lines up to 32 KB (aiohttp's default is 8 KB; some sites set long cookies).
            self._session = aiohttp.ClientSession(
                connector=connector, cookie_jar=aiohttp.DummyCookieJar(), trust_env=False, auto_decompress=True,
                timeout=aiohttp.ClientTimeout(total=None), max_line_size=32768, max_field_size=32768)
        return self._session

    @property
    def client(self) -> httpx.AsyncClient:
        """An httpx client under the same pins and proxy, for the callers that stream a body (``fetch_text``,
        attachments, the light page fetch). It keeps no cookies and ignores proxy variables."""
        if self._client is None:
            limits = httpx.Limits(max_connections=self.concurrency, max_keepalive_connections=self.concurrency,
                                  keepalive_expiry=30.0)
            proxied = None
            if self.proxy:
                proxied = httpx.AsyncHTTPTransport(proxy=httpx.Proxy(self.proxy), verify=_ssl_context(),
                                                   trust_env=False, limits=limits, http1=True, http2=False)
            transport = _RoutingTransport(_PinnedTransport(self.pins, _ssl_context(), limits), proxied,
                                          self.via_proxy)
            self._client = httpx.AsyncClient(
                transport=transport, trust_env=False, follow_redirects=False, timeout=httpx.Timeout(self.timeout),
                headers=self.headers, cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])))
        return self._client

    async def close(self) -> None:
        """Close the session and the client, whichever were made."""
        session, client, self._session, self._client = self._session, self._client, None, None
        if session is not None:
            await session.close()
        if client is not None:
            await client.aclose()

    # ---- name resolution and policy ----------------------------------------------------------------------
    async def _target(self, host: str) -> tuple[str | None, str | None]:
        """(error_kind, detail) for the host, pinning its address; (None, None) when it may be fetched."""
        fut = self.resolved.get(host)
        if fut is None:
            fut = self.resolved[host] = asyncio.get_running_loop().create_future()
            try:
                fut.set_result(await self._resolve(host))
            except Exception as exc:  # noqa: BLE001 - hand the failure to every waiter
                fut.set_result(("dns_temp", str(exc)))
            except BaseException:  # cancelled: let a later caller resolve again
                del self.resolved[host]
                fut.cancel()
                raise
        return await asyncio.shield(fut)

    async def _resolve(self, host: str) -> tuple[str | None, str | None]:
        s = self.settings
        mapped = host_map_target(host, s.host_map)
        if mapped is not None and mapped[0] == NOTFOUND:  # Chromium's MAP syntax for NXDOMAIN
            return "dns", f"{host}: 映射为不存在的域名"
        if mapped is not None:
            addrs, port = [mapped[0]], mapped[1]
        elif _is_ip(host):
            addrs, port = [host.strip("[]")], None
        elif host == "localhost" or host.endswith(".localhost"):
            addrs, port = ["127.0.0.1"], None
        elif s.isolate_network:
            return "offline", f"{host}: 网络隔离，未映射的域名不解析"
        elif self.proxy:
            self.via_proxy.add(host)  # resolved and judged by the egress proxy, at the connect
            return None, None
        else:
            try:
                infos = await asyncio.get_running_loop().getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
            except socket.gaierror as exc:
                permanent = exc.errno in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", socket.EAI_NONAME))
                return ("dns" if permanent else "dns_temp"), f"{host}: {exc}"
            except UnicodeError as exc:
                return "invalid_url", f"{host}: {exc}"
            addrs = list(dict.fromkeys(i[4][0] for i in infos))
            addrs.sort(key=lambda a: ":" in a)  # IPv4 first
            port = None
        if not s.allow_private:
            bad = [a for a in addrs if _is_private(a) and not _allowed(a, s.private_allowlist)]
            if bad:
                return "private", f"{host} -> {', '.join(bad)}"
        self.pins[host] = (addrs[0], port)
        return None, None

    async def _proxy_kind(self, host: str, squid_error: str) -> str:
        """The error kind of the proxy's answer; Squid 5 reports a name that does not resolve as a read error."""
        kind = _squid_kind(squid_error)
        if kind == "reset" and squid_error.startswith("ERR_READ_ERROR") and squid_error.rstrip().endswith(" 0"):
            from clients.resolve import name_resolves

            if await name_resolves(host, self.settings.dns_server) is False:
                return "dns"
        return kind

    def _host_sem(self, host: str) -> asyncio.Semaphore:
        sem = self.host_sems.get(host)
        if sem is None:
            sem = self.host_sems[host] = asyncio.Semaphore(self.per_host)
        return sem

    # ---- one request chain -------------------------------------------------------------------------------
    async def _fetch_chain(self, url: str, method: str) -> _Outcome:
        out = _Outcome(method=method, url=url)
        seen = {url}
        current = url
        for _hop in range(MAX_REDIRECTS + 1):
            out.url = current
            try:
                u = httpx.URL(current)
            except (httpx.InvalidURL, ValueError) as exc:
                out.error_kind, out.error = "invalid_url", str(exc)
                return out
            if u.scheme not in ("http", "https"):
                out.error_kind, out.error = ("bad_scheme" if out.redirects else "invalid_url"), current
                return out
            if not u.host:
                out.error_kind, out.error = "invalid_url", current
                return out
            kind, detail = await self._target(u.host)
            if kind is not None:
                out.error_kind, out.error = kind, detail
                return out
            authority = u.netloc.decode("ascii")
            if u.host in self.via_proxy:
                out.connected_to = f"出站代理 {self.proxy}"
                target, proxy, sni = yarl.URL(str(u), encoded=True), self.proxy, None
            else:
                # To the pinned address itself: the name stays in Host and in TLS (SNI, certificate check).
                pin = self.pins[u.host]
                port = pin[1] or u.port or (443 if u.scheme == "https" else 80)
                out.connected_to = f"{pin[0]}:{port}"
                ip = f"[{pin[0]}]" if ":" in pin[0] else pin[0]
                target = yarl.URL(f"{u.scheme}://{ip}:{port}{u.raw_path.decode('ascii')}", encoded=True)
                proxy, sni = None, (u.raw_host.decode("ascii") if u.scheme == "https" else None)
            headers = {"Host": authority, **self.headers}
            out.request_headers = _subset(headers, REQUEST_HEADERS_KEPT)
            out.status = out.headers = out.body = out.status_line = None
            async with self._host_sem(u.host), self.global_sem:
                t0 = time.perf_counter()  # time on the wire, not in the queue
                try:
                    async with asyncio.timeout(self.timeout):
                        async with self.session.request(method, target, headers=headers, allow_redirects=False,
                                                        proxy=proxy, server_hostname=sni) as response:
                            # Read to the end of a small answer (HEAD: the empty body) so that the connection
                            # goes back to the pool; stop at SAMPLE_BYTES (the connection is then closed).
                            chunks, size = [], 0
                            async for chunk in response.content.iter_any():
                                chunks.append(chunk)
                                size += len(chunk)
                                if size >= SAMPLE_BYTES:
                                    response.close()
                                    break
                            body = None
                            if method == "GET" and response.status not in REDIRECT_STATUSES:
                                body = b"".join(chunks)[:SAMPLE_BYTES]
                except Exception as exc:  # noqa: BLE001 - every failure becomes an error kind
                    out.elapsed += time.perf_counter() - t0
                    out.error_kind, out.error = _error_kind(exc), network_zh(f"{type(exc).__name__}: {exc}")[:300]
                    if isinstance(exc, (httpx.ProxyError, aiohttp.ClientHttpProxyError)) and u.host in self.via_proxy:
                        # A refused tunnel (https): ask the proxy why, as the browser's fetcher does.
                        from browsers.egress import ask_proxy

                        verdict = await ask_proxy(self.proxy or "", u.host, u.port or 443)
                        if verdict:
                            out.error_kind = await self._proxy_kind(u.host, verdict)
                            out.error = f"出站代理：{verdict}"
                    return out
            out.elapsed += time.perf_counter() - t0
            squid = response.headers.get("x-squid-error") if u.host in self.via_proxy else None
            if squid:  # the proxy answered, not the site (the same for plain http as a refused tunnel)
                out.error_kind, out.error = await self._proxy_kind(u.host, squid), f"出站代理：{squid}"
                return out
            out.status, out.headers, out.body = response.status, response.headers, body
            version = f"HTTP/{response.version.major}.{response.version.minor}" if response.version else "HTTP/1.1"
            out.status_line = f"{version} {response.status} {response.reason or ''}".strip()
            location = response.headers.get("location")
            if response.status in REDIRECT_STATUSES and location:
                try:
                    nxt = str(u.join(location.strip()).copy_with(fragment=None))
                except (httpx.InvalidURL, ValueError) as exc:
                    out.error_kind, out.error = "invalid_url", f"Location: {location} ({exc})"
                    return out
                out.redirects.append({"url": current, "status": response.status, "location": nxt})
                if nxt in seen:
                    out.error_kind, out.error = "redirect_loop", nxt
                    return out
                seen.add(nxt)
                current = nxt
                continue
            return out
        out.error_kind, out.error = "too_many_redirects", current
        return out

    @staticmethod
    def _needs_get(o: _Outcome) -> bool:
        if o.error_kind == "reset":
            return True
        if o.error_kind is not None or o.status is None:
            return False
        return o.status >= 400 or (200 <= o.status < 300 and _header_hint(o.headers))

    def _transient(self, o: _Outcome, klass: str) -> bool:
        if klass in (OK, BROKEN, UNASSESSABLE):
            return False
        if o.error_kind is not None:
            return o.error_kind in TRANSIENT_ERRORS
        return o.status in TRANSIENT_STATUSES

    # ---- one link ----------------------------------------------------------------------------------------
    async def check(self, url: str) -> LinkCheck:
        started = datetime.now(timezone.utc).isoformat(timespec="seconds")
        use_get = False
        history: list[dict[str, Any]] = []
        attempt = 0
        while True:
            attempt += 1
            o = await self._fetch_chain(url, "GET" if use_get else "HEAD")
            history.append(self._brief(o))
            if o.method == "HEAD" and self._needs_get(o):
                use_get = True
                head_elapsed = o.elapsed
                o = await self._fetch_chain(url, "GET")
                o.elapsed += head_elapsed
                history.append(self._brief(o))
            klass, reason = classify(o.status, o.error_kind, o.body, o.headers, attempts=attempt)
            if attempt <= self.retries and self._transient(o, klass):
                delay = self.backoff * (2 ** (attempt - 1))
                if o.status in (429, 503):
                    ra = _retry_after(o.headers, time.time())
                    if ra is not None:
                        delay = max(delay, min(ra, self.retry_after_cap))
                history[-1]["retry_in"] = round(delay, 3)
                await self.sleep(delay)
                continue
            break
        sig = match_challenge(o.status, o.body, o.headers) if klass == UNASSESSABLE and o.status else None
        exchange: dict[str, Any] = {
            "started_at": started,
            "method": o.method,
            "url": o.url,
            "request_headers": o.request_headers,
            "status_line": o.status_line,
            "response_headers": _subset(o.headers, RESPONSE_HEADERS_KEPT),
            "redirects": o.redirects,
            "connected_to": o.connected_to,
            "attempts": history,
        }
        if o.error:
            exchange["error"] = o.error
        if sig is not None:
            exchange["waf"] = sig.name
        if o.body is not None:
            exchange["body_sample_bytes"] = len(o.body)
        return LinkCheck(url=url, klass=klass, http_status=o.status, reason=reason, attempts=attempt,
                         elapsed_ms=int(o.elapsed * 1000), exchange=exchange)

    @staticmethod
    def _brief(o: _Outcome) -> dict[str, Any]:
        d: dict[str, Any] = {"method": o.method, "url": o.url, "ms": int(o.elapsed * 1000)}
        if o.status is not None:
            d["status"] = o.status
        if o.error_kind:
            d["error"] = o.error_kind
        return d


def is_checkable(url: str) -> bool:
    """http(s) links only: mailto:, javascript:, tel:, data: … are skipped by check_links."""
    head = url.strip()[:8].lower()
    return head.startswith("http://") or head.startswith("https://")


async def check_links(urls: Iterable[str], settings: Settings, *, per_host: int = 2, retries: int = 2,
                      backoff: float = 0.5, timeout: float = 10.0,
                      sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
                      concurrency: int = 32, retry_after_cap: float = 10.0) -> dict[str, LinkCheck]:
    """Check every http(s) URL once (fragments ignored; duplicates share one check) -> {url: LinkCheck}.

    ``per_host`` requests at once per host name, ``concurrency`` overall (also the connection pool size);
    ``retries`` extra attempts for transient failures, ``backoff * 2**n`` seconds apart (``Retry-After`` honoured
    up to ``retry_after_cap``); ``timeout`` seconds per request, all phases together; ``sleep`` is the wait
    used between attempts (tests pass a recording one). Non-http(s) URLs are not in the result.
    """
    todo: dict[str, list[str]] = {}
    for raw in urls:
        if not is_checkable(raw):
            continue
        todo.setdefault(raw.strip().split("#", 1)[0], []).append(raw)
    if not todo:
        return {}
    checker = _Checker(settings, per_host=per_host, concurrency=concurrency, retries=retries, backoff=backoff,
                       timeout=timeout, retry_after_cap=retry_after_cap, sleep=sleep)
    try:
        results = await asyncio.gather(*(checker.check(u) for u in todo))
    finally:
        await checker.close()
    out: dict[str, LinkCheck] = {}
    for (key, originals), res in zip(todo.items(), results):
        for raw in originals:
            out[raw] = res if raw == key else LinkCheck(**{**res.__dict__, "url": raw})
    return out


def check_links_sync(urls: Iterable[str], settings: Settings, **kwargs: Any) -> dict[str, LinkCheck]:
    """check_links from synchronous code (runs its own event loop)."""
    return asyncio.run(check_links(urls, settings, **kwargs))


async def fetch_text(url: str, settings: Settings, *, timeout: float = 10.0, max_bytes: int = 5_000_000,
                     max_redirects: int = 5) -> str | None:
    """GET a small text resource (robots.txt, sitemap.xml) under the same host mapping and private-target
    policy as the link checks; None when it is missing, refused or not text."""
    checker = _Checker(settings, per_host=1, concurrency=1, retries=0, backoff=0, timeout=timeout,
                       retry_after_cap=0, sleep=asyncio.sleep)
    try:
        for _ in range(max_redirects + 1):
            host = urlsplit(url).hostname or ""
            err, _detail = await checker._target(host)
            if err:
                return None
            try:
                async with checker.client.stream("GET", url) as resp:
                    if resp.is_redirect and resp.headers.get("location"):
                        url = urljoin(url, resp.headers["location"])
                        continue
                    if resp.status_code != 200:
                        return None
                    body = b""
                    async for chunk in resp.aiter_bytes():
                        body += chunk
                        if len(body) > max_bytes:
                            return None
                    return body.decode(resp.encoding or "utf-8", errors="replace")
            except httpx.HTTPError:
                return None
        return None
    finally:
        await checker.close()
