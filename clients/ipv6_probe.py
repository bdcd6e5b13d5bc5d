"""Measuring side of the IPv6 checks: DNS (dnspython) and HTTP pinned to one address family.

DNS goes to ``settings.dns_server`` ("IP:PORT" or "IP") when set, else to the system resolver's servers. HTTP
connects to the address from the DNS answer of the family under test and keeps the name in the URL (Host header,
SNI); redirects are followed within the same family. Everything is bounded (timeouts, a semaphore, body cap).
"""
from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import time
from collections.abc import Iterable
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import dns.asyncresolver
import dns.exception
import dns.name
import dns.resolver
import httpcore
import httpx

from auditor.errors import network_zh

from auditor.config import Settings
from auditor.ipv6 import FetchResult, IPv6Measurements, LinkResult, NameServer
from clients.linkcheck import _ssl_context
from auditor.netpolicy import _allowed, _is_private, dns_server_address

MAX_BODY = 5_000_000
MAX_REDIRECTS = 10


def make_resolver(settings: Settings, timeout: float = 3.0) -> dns.asyncresolver.Resolver:
    if settings.dns_server:
        ip, port = dns_server_address(settings.dns_server)
        r = dns.asyncresolver.Resolver(configure=False)
        r.nameservers = [ip]
        r.port = port
    else:
        r = dns.asyncresolver.Resolver()
    r.timeout = timeout
    r.lifetime = timeout * 2
    return r


class DnsCache:
    """A/AAAA/NS answers, cached per (name, type); errors kept as text."""

    def __init__(self, resolver: dns.asyncresolver.Resolver):
        self.resolver = resolver
        self._cache: dict[tuple[str, str], asyncio.Future[tuple[list[str], str | None, float]]] = {}

    async def query(self, name: str, rdtype: str) -> tuple[list[str], str | None, float]:
        """(records as text, error or None, seconds). No records (NXDOMAIN / NODATA) is not an error."""
        key = (name.lower().rstrip("."), rdtype)
        fut = self._cache.get(key)
        if fut is None:
            fut = self._cache[key] = asyncio.get_running_loop().create_future()
            fut.set_result(await self._query(*key))
        return await asyncio.shield(fut)

    async def _query(self, name: str, rdtype: str) -> tuple[list[str], str | None, float]:
        try:
            ipaddress.ip_address(name.strip("[]"))
            ip = ipaddress.ip_address(name.strip("[]"))
            want = 4 if rdtype == "A" else 6
            return ([str(ip)] if ip.version == want else []), None, 0.0
        except ValueError:
            pass
        t0 = time.monotonic()
        try:
            ans = await self.resolver.resolve(name, rdtype, search=False, raise_on_no_answer=False)
            recs = [r.to_text() for r in ans] if ans.rrset is not None else []
            return recs, None, time.monotonic() - t0
        except dns.resolver.NXDOMAIN:
            return [], None, time.monotonic() - t0
        except dns.exception.Timeout:
            return [], "DNS 查询超时", time.monotonic() - t0
        except dns.resolver.NoNameservers as exc:
            return [], f"DNS 服务器拒绝或失败: {exc}", time.monotonic() - t0
        except Exception as exc:  # noqa: BLE001
            return [], f"DNS 查询失败: {exc}", time.monotonic() - t0

    async def addresses(self, host: str, family: int) -> tuple[list[str], str | None]:
        recs, err, _ = await self.query(host, "A" if family == 4 else "AAAA")
        return recs, err


class _FamilyBackend(httpcore.AsyncNetworkBackend):
    """Connects each host to its address of one family (from DnsCache); never falls back to the other."""

    def __init__(self, dns_cache: DnsCache, family: int, settings: Settings):
        self._inner = httpcore.AnyIOBackend()
        self.dns = dns_cache
        self.family = family
        self.settings = settings
        self.used: dict[str, str] = {}

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None, socket_options: Any = None) -> httpcore.AsyncNetworkStream:
        host = host.strip("[]")
        addrs, err = await self.dns.addresses(host, self.family)
        if not addrs:
            raise httpcore.ConnectError(f"no_address: {host} 没有 {'A' if self.family == 4 else 'AAAA'} 记录"
                                        + (f"（{err}）" if err else ""))
        s = self.settings
        if not s.allow_private:
            addrs = [a for a in addrs if not _is_private(a) or _allowed(a, s.private_allowlist)]
            if not addrs:
                raise httpcore.ConnectError(f"private: {host} 指向内网地址，已拒绝")
        last: Exception | None = None
        for ip in addrs[:3]:
            try:
                stream = await self._inner.connect_tcp(ip, port, timeout=timeout, local_address=local_address,
                                                       socket_options=socket_options)
                self.used[host] = ip
                return stream
            except (httpcore.ConnectError, httpcore.ConnectTimeout, OSError) as exc:
                last = exc
        assert last is not None
        raise last

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Any = None) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not used")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class _FamilyTransport(httpx.AsyncHTTPTransport):
    def __init__(self, backend: _FamilyBackend, limits: httpx.Limits):
        ctx = _ssl_context()
        super().__init__(verify=ctx, trust_env=False, limits=limits, http1=True, http2=False)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ctx, max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections, keepalive_expiry=limits.keepalive_expiry,
            http1=True, http2=False, network_backend=backend)


def _error_text(exc: BaseException) -> str:
    msg = str(exc) or type(exc).__name__
    if msg.startswith(("no_address:", "private:")):
        return msg
    if isinstance(exc, httpx.TimeoutException):
        return f"timeout: 超时 ({type(exc).__name__})"
    if isinstance(exc, httpx.ConnectError):
        if "SSL" in msg or "certificate" in msg:
            return f"tls: HTTPS 证书或握手错误（{msg}）"
        return f"connection: 无法连接 ({msg})"
    return f"other: {network_zh(f'{type(exc).__name__}: {msg}')}"


class FamilyClient:
    def __init__(self, dns_cache: DnsCache, family: int, settings: Settings, timeout: float, concurrency: int):
        self.family = family
        self.backend = _FamilyBackend(dns_cache, family, settings)
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        self.client = httpx.AsyncClient(transport=_FamilyTransport(self.backend, limits), trust_env=False,
                                        follow_redirects=False, timeout=httpx.Timeout(timeout),
                                        headers={"User-Agent": settings.user_agent})

    async def aclose(self) -> None:
        await self.client.aclose()

    async def fetch(self, url: str, *, want_body: bool = True) -> FetchResult:
        t0 = time.monotonic()
        res = FetchResult(family=self.family, url=url)
        cur = url
        try:
            for _ in range(MAX_REDIRECTS + 1):
                async with self.client.stream("GET", cur) as resp:
                    host = urlsplit(cur).hostname or ""
                    res.address = self.backend.used.get(host, res.address)
                    loc = resp.headers.get("location")
                    if resp.status_code in (301, 302, 303, 307, 308) and loc:
                        cur = urljoin(cur, loc)
                        continue
                    res.status = resp.status_code
                    res.final_url = cur
                    if want_body:
                        buf = bytearray()
                        async for chunk in resp.aiter_bytes():
                            buf += chunk
                            if len(buf) > MAX_BODY:
                                break
                        res.body = bytes(buf[:MAX_BODY]).decode(resp.encoding or "utf-8", errors="replace")
                    break
            else:
                res.error = "other: 重定向次数过多"
        except Exception as exc:  # noqa: BLE001 - every failure is a measurement
            res.error = _error_text(exc)
        res.elapsed = round(time.monotonic() - t0, 4)
        if res.status is not None and res.status >= 400 and res.error is None:
            res.error = None  # a status is an answer; FetchResult.ok says it was not a success
        return res


async def _tcp_connect(ip: str, port: int, timeout: float) -> bool:
    try:
        _, w = await asyncio.wait_for(asyncio.open_connection(ip, port), timeout)
        w.close()
        with contextlib.suppress(Exception):
            await w.wait_closed()
        return True
    except (TimeoutError, OSError):
        return False


async def find_nameservers(cache: DnsCache, host: str) -> tuple[str | None, list[NameServer], str | None]:
    """The zone holding ``host`` (walking up, not above two labels) and its NS with their addresses."""
    labels = host.lower().rstrip(".").split(".")
    err = None
    for i in range(max(1, len(labels) - 1)):
        zone = ".".join(labels[i:])
        recs, e, _ = await cache.query(zone, "NS")
        err = err or e
        if recs:
            names = sorted({r.rstrip(".").lower() for r in recs})
            aaaa = await asyncio.gather(*(cache.query(n, "AAAA") for n in names))
            a = await asyncio.gather(*(cache.query(n, "A") for n in names))
            return zone, [NameServer(name=n, aaaa=x[0], a=y[0]) for n, x, y in zip(names, aaaa, a)], None
    return None, [], err


async def measure_site(home_url: str, settings: Settings, level2_urls: Iterable[str] = (),
                       level3_urls: Iterable[str] = (), subresource_urls: Iterable[str] = (), *,
                       timeout: float | None = None, concurrency: int = 8, tcp_ports: tuple[int, ...] = (80, 443)
                       ) -> IPv6Measurements:
    """Measure one site's IPv6 support (see auditor.site_rules.ipv6 for the judgement)."""
    timeout = timeout if timeout is not None else min(settings.link_timeout, 10.0)
    host = (urlsplit(home_url).hostname or "").lower()
    cache = DnsCache(make_resolver(settings, timeout=min(3.0, timeout)))
    m = IPv6Measurements(url=home_url, host=host)
    (a, ea, ta), (aaaa, eaaaa, taaaa) = await asyncio.gather(cache.query(host, "A"), cache.query(host, "AAAA"))
    m.a, m.aaaa, m.dns_error = a, aaaa, ea or eaaaa
    m.dns_elapsed = {"A": round(ta, 4), "AAAA": round(taaaa, 4)}
    c4 = FamilyClient(cache, 4, settings, timeout, concurrency)
    c6 = FamilyClient(cache, 6, settings, timeout, concurrency)
    sem = asyncio.Semaphore(concurrency)

    async def bounded(coro):
        async with sem:
            return await coro

    async def link(url: str) -> LinkResult:
        r6 = await bounded(c6.fetch(url, want_body=False))
        lr = LinkResult(url=url, v6_ok=r6.ok, v6_status=r6.status, v6_error=r6.error)
        if not r6.ok:
            r4 = await bounded(c4.fetch(url, want_body=False))
            lr.v4_ok, lr.v4_status = r4.ok, r4.status
        return lr

    async def subhost(h: str) -> tuple[str, list[str], str | None]:
        recs, err, _ = await cache.query(h, "AAAA")
        return h, recs, err

    try:
        ns_task = asyncio.ensure_future(find_nameservers(cache, host))
        tcp_task = asyncio.gather(*(_tcp_connect(aaaa[0], p, timeout) for p in tcp_ports)) if aaaa else None
        home = asyncio.gather(bounded(c4.fetch(home_url)), bounded(c6.fetch(home_url)))
        l2 = asyncio.gather(*(link(u) for u in dict.fromkeys(level2_urls)))
        l3 = asyncio.gather(*(link(u) for u in dict.fromkeys(level3_urls)))
        hosts = sorted({(urlsplit(u).hostname or "").lower() for u in subresource_urls
                        if urlsplit(u).scheme in ("http", "https")} - {""})
        subs = asyncio.gather(*(subhost(h) for h in hosts))
        (m.v4, m.v6), m.level2, m.level3, sub = await asyncio.gather(home, l2, l3, subs)
        m.zone, m.nameservers, m.ns_error = await ns_task
        if tcp_task is not None:
            m.tcp6 = dict(zip(tcp_ports, await tcp_task))
        for h, recs, err in sub:
            m.subresource_hosts[h] = recs
            if err:
                m.subresource_errors[h] = err
    finally:
        await asyncio.gather(c4.aclose(), c6.aclose(), return_exceptions=True)
    return m


class _LinkParser(HTMLParser):
    """The links, images and scripts of an HTML document as written (no script runs): what the IPv6 crawl
    needs to find the 二级/三级 pages, in the shape of the browser probe's facts."""

    def __init__(self, url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base = url
        self.links: list[dict[str, str]] = []
        self.images: list[dict[str, str]] = []
        self.scripts: list[dict[str, str]] = []
        self.title = ""
        self._a: dict[str, str] | None = None
        self._in_title = False

    def _abs(self, ref: str | None) -> str:
        ref = (ref or "").strip()
        return urljoin(self.base, ref) if ref else ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "base" and a.get("href") and not (self.links or self.images or self.scripts):
            self.base = self._abs(a["href"])
        elif tag in ("a", "area") and a.get("href") and len(self.links) < 5000:
            link = {"href": self._abs(a["href"]).split("#", 1)[0], "text": ""}
            self.links.append(link)
            self._a = link if tag == "a" else None
        elif tag == "img" and a.get("src") and len(self.images) < 2000:
            self.images.append({"src": self._abs(a["src"])})
        elif tag == "script" and a.get("src") and len(self.scripts) < 500:
            self.scripts.append({"src": self._abs(a["src"])})
        elif tag == "title":
            self._in_title = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self._a = None
        elif tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._a is not None and len(self._a["text"]) < 200:
            self._a["text"] = (self._a["text"] + data.strip())[:200]
        if self._in_title:
            self.title = (self.title + data.strip())[:500]


def page_links(html: str, url: str) -> dict[str, Any]:
    """``{"links", "images", "scripts", "title"}`` of an HTML document at ``url`` (hrefs made absolute)."""
    parser = _LinkParser(url)
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # noqa: BLE001 - html.parser is lenient; whatever was read before a failure counts
        pass
    return {"links": parser.links, "images": parser.images, "scripts": parser.scripts, "title": parser.title}


class LightFetcher:
    """HTTP GET plus an HTML parser, for link discovery without a browser (``govaudit ipv6``): IPv4 first, IPv6
    when the site has no IPv4 answer, under the same DNS, address policy and caps as the measurements."""

    def __init__(self, settings: Settings, timeout: float | None = None, concurrency: int = 4):
        timeout = timeout if timeout is not None else min(settings.link_timeout, 10.0)
        cache = DnsCache(make_resolver(settings, timeout=min(3.0, timeout)))
        self._clients = [FamilyClient(cache, f, settings, timeout, concurrency) for f in (4, 6)]

    async def __aenter__(self) -> "LightFetcher":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.gather(*(c.aclose() for c in self._clients), return_exceptions=True)

    async def fetch(self, url: str) -> tuple[FetchResult, dict[str, Any] | None]:
        """The page's fetch and its links (None unless it answered 2xx/3xx with a body)."""
        res = await self._clients[0].fetch(url)
        if not res.ok and (res.error or "").startswith(("no_address", "connection")):
            res6 = await self._clients[1].fetch(url)
            if res6.ok or res6.status is not None:
                res = res6
        if not res.ok or not res.body:
            return res, None
        return res, page_links(res.body, res.final_url or url)


def measure_site_sync(*args: Any, **kwargs: Any) -> IPv6Measurements:
    return asyncio.run(measure_site(*args, **kwargs))
