"""The availability monitor (站点无法访问): probes each site's home page once per scheduled slot and stores every
probe at once, so a week of probes can be judged by ``auditor.availability.verdict``.

* A probe is an HTTP GET of the home page (redirects followed, a fresh connection each time). It succeeded when a
  final 2xx/3xx response with a non-empty body arrived within the timeout (15 s, as the rule says: «超过（含）15秒
  网站仍打不开» is a failure). DNS, connecting, redirects and the body all count against that timeout.
* Connections go where the browser's would: ``settings.host_map`` sends a host to the mapped ip[:port] while the
  URL, Host header and TLS server name stay the site's own; with ``settings.isolate_network`` an unmapped host
  that is not a literal IP fails as 域名无法解析 without any lookup. Private and loopback addresses (also reached
  through a redirect) are refused unless ``settings.allow_private`` or ``private_allowlist`` allows them; the
  address checked is the address connected to. A refused probe is not stored (it says nothing about the site).
* Slots: slot = int(epoch // interval). On start the monitor resumes each site after its last stored slot, so
  it never probes a slot twice; a slot missed while the monitor was down is simply absent (the verdict then
  reports the monitoring as incomplete rather than inventing probes). The database's unique (site_url, slot)
  makes a double insert impossible even when two monitors race.
* Outside isolated runs an unmapped name is not looked up here: the probe goes through the egress proxy
  (browsers/egress.py, Squid), which resolves it, refuses private destinations and connects to what it judged;
  its answers become the same probe errors (a refusal raises TargetRefused, not stored). Literal addresses
  and mapped hosts are judged here and connected to directly.
* Sites are spread over the slot (a per-site offset); ``clock`` and ``sleep`` are injectable so a test can run
  a whole week on a fake clock.
"""
from __future__ import annotations

import asyncio
import errno
import functools
import ipaddress
import logging
import socket
import ssl
import time
from datetime import datetime, timezone
from typing import Any, Awaitable, Callable, Iterable

import anyio
import httpcore
import httpx

from auditor.availability import DEFAULT_INTERVAL_S, DEFAULT_TIMEOUT_S, ProbeRecord, schedule
from auditor.config import Settings
from auditor.errors import PageError
from auditor.netpolicy import NOTFOUND, TargetRefused, _allowed, _is_private, map_target, normalise_url
from auditor.store import Store
from auditor.store.availability import last_slot, record_probe

log = logging.getLogger("govaudit.monitor")

MAX_REDIRECTS = 10

Clock = Callable[[], datetime]
Sleep = Callable[[float], Awaitable[Any]]
Prober = Callable[..., Awaitable[ProbeRecord]]


class NameNotResolved(Exception):
    """The host has no address (or, with isolate_network, was not mapped)."""


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
        return True
    except ValueError:
        return False


def map_host(host: str, port: int, host_map: dict[str, str]) -> tuple[str, int] | None:
    """Where the browser's MAP rule sends host:port (auditor.netpolicy.map_target; a target without a port
    keeps the request's port), or None when unmapped."""
    mapped = map_target(host, host_map)
    return None if mapped is None else (mapped[0], mapped[1] if mapped[1] is not None else port)


class _PolicyBackend(httpcore.AsyncNetworkBackend):
    """httpcore network backend: host map, isolation, resolution and the private-address policy, then connect
    to exactly the address that was checked."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.inner = httpcore.AnyIOBackend()

    async def _addresses(self, host: str, port: int) -> tuple[list[str], int]:
        s = self.settings
        mapped = map_host(host, port, s.host_map)
        if mapped is not None and mapped[0] == NOTFOUND:
            raise NameNotResolved(f"域名无法解析: {host}（映射为不存在的域名）")
        if mapped is not None:
            host, port = mapped
        elif s.isolate_network and not _is_ip(host):
            raise NameNotResolved(f"域名无法解析: {host}（未映射，网络已隔离）")
        if _is_ip(host):
            return [host.strip("[]")], port
        try:
            infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError, OSError) as exc:
            raise NameNotResolved(f"域名无法解析: {host} ({exc})") from None
        addrs = list(dict.fromkeys(str(i[4][0]) for i in infos))
        if not addrs:
            raise NameNotResolved(f"域名无法解析: {host}")
        return addrs, port

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: Iterable[Any] | None = None) -> httpcore.AsyncNetworkStream:
        addrs, port = await self._addresses(host, port)
        s = self.settings
        if not s.allow_private:
            bad = [a for a in addrs if _is_private(a) and not _allowed(a, s.private_allowlist)]
            if bad:
                raise TargetRefused(PageError.PRIVATE_TARGET,
                                    f"{host} 指向内网或本机地址 {', '.join(bad)}，已拒绝（可用 --allow-private 允许）")
        last: Exception | None = None
        for addr in addrs:
            try:
                return await self.inner.connect_tcp(addr, port, timeout=timeout, local_address=local_address,
                                                    socket_options=socket_options)
            except httpcore.ConnectError as exc:
                last = exc
        assert last is not None
        raise last

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Iterable[Any] | None = None) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are not used by the monitor")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


@functools.lru_cache(maxsize=1)
def _ssl_context() -> ssl.SSLContext:
    """One verifying TLS context for every probe (building one per probe costs more than a local probe)."""
    return httpx.create_ssl_context(trust_env=False)


class _Transport(httpx.AsyncHTTPTransport):
    """httpx's transport over the policy backend (one fresh connection per probe, no proxies from the env)."""

    def __init__(self, settings: Settings):  # noqa: D107 - the pool is all the parent's methods use
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=_ssl_context(), max_connections=4,
            max_keepalive_connections=0, http1=True, http2=False, retries=0,
            network_backend=_PolicyBackend(settings))


class _ProxyAnswer(Exception):
    """The egress proxy answered instead of the site: its X-Squid-Error value and the host asked for."""

    def __init__(self, squid_error: str, host: str):
        super().__init__(squid_error)
        self.squid_error, self.host = squid_error, host


class _EgressTransport(httpx.AsyncBaseTransport):
    """Unmapped names through the egress proxy, everything else over the policy backend (every hop of a
    redirect chain is routed on its own)."""

    def __init__(self, settings: Settings, proxy: str):
        self.settings, self.proxy = settings, proxy
        self.direct = _Transport(settings)
        self.proxied = httpx.AsyncHTTPTransport(proxy=httpx.Proxy(proxy), verify=_ssl_context(), trust_env=False,
                                                limits=httpx.Limits(max_connections=4, max_keepalive_connections=0),
                                                http1=True, http2=False, retries=0)

    def _via_proxy(self, host: str) -> bool:
        return not _is_ip(host) and map_target(host, self.settings.host_map) is None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        if not self._via_proxy(host):
            return await self.direct.handle_async_request(request)
        try:
            response = await self.proxied.handle_async_request(request)
        except httpx.ProxyError:
            # A refused tunnel (https): ask the proxy why.
            from browsers.egress import ask_proxy

            verdict = await ask_proxy(self.proxy, host, request.url.port or 443)
            if verdict:
                raise _ProxyAnswer(verdict, host) from None
            raise
        squid = response.headers.get("x-squid-error")
        if squid:
            await response.aclose()
            raise _ProxyAnswer(squid, host)
        return response

    async def aclose(self) -> None:
        await self.direct.aclose()
        await self.proxied.aclose()


def _probe_transport(settings: Settings) -> httpx.AsyncBaseTransport:
    if settings.isolate_network:  # names are not resolved at all in isolated runs
        return _Transport(settings)
    from browsers.egress import proxy_for

    proxy = proxy_for(settings)
    return _EgressTransport(settings, proxy) if proxy else _Transport(settings)


async def _proxy_error(answer: _ProxyAnswer, settings: Settings) -> str:
    """The probe error for the proxy's answer; a refusal is not the site's fault (TargetRefused, not stored)."""
    from browsers.egress import refusal_kind

    squid = answer.squid_error
    kind = refusal_kind(squid)
    if kind == "egress_refused":
        raise TargetRefused(PageError.EGRESS_REFUSED, f"{answer.host}：目标地址不允许访问")
    if kind == "dns":
        return "域名无法解析"
    if kind == "timeout":
        return "超时"
    if kind == "tls":
        return "HTTPS 证书或握手错误"
    if "ERR_CONNECT_FAIL" in squid:
        return "连接被拒绝" if squid.rstrip().endswith(" 111") else "无法连接服务器（网络不可达）"
    if squid.startswith("ERR_READ_ERROR") and squid.rstrip().endswith(" 0"):
        from clients.resolve import name_resolves

        if await name_resolves(answer.host, settings.dns_server) is False:
            return "域名无法解析"  # Squid 5: a name without an address is "no paths", a read error
    return f"连接中断，服务器未返回完整响应（{squid}）"


def _chain(exc: BaseException) -> list[BaseException]:
    out: list[BaseException] = []
    e: BaseException | None = exc
    while e is not None and e not in out:
        out.append(e)
        e = e.__cause__ or e.__context__
    return out


def _http_error(status: int) -> str:
    words = {403: "禁止访问", 404: "页面不存在", 410: "页面已删除"}
    if status >= 500:
        return f"HTTP {status}（服务器错误）"
    return f"HTTP {status}（{words.get(status, '请求错误')}）"


def _connect_error(exc: BaseException) -> str:
    for e in _chain(exc):
        if isinstance(e, ssl.SSLError) or isinstance(e, ssl.CertificateError):
            return "HTTPS 证书或握手错误"
        if isinstance(e, ConnectionRefusedError) or (isinstance(e, OSError) and e.errno == errno.ECONNREFUSED):
            return "连接被拒绝"
        if isinstance(e, OSError) and e.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH):
            return "无法连接服务器（网络不可达）"
    text = str(exc)
    if "refused" in text.lower():
        return "连接被拒绝"
    if "SSL" in text or "certificate" in text.lower():
        return "HTTPS 证书或握手错误"
    return f"无法连接服务器（{text or type(exc).__name__}）"


async def probe_once(url: str, settings: Settings, timeout: float = DEFAULT_TIMEOUT_S, *,
                     slot: int | None = None, probed_at: datetime | None = None,
                     site_url: str | None = None) -> ProbeRecord:
    """Probe a home page once. Never raises for the site's own failures (they are the record's ``error``);
    raises ``TargetRefused`` for an invalid URL or a refused (private) target, which is not the site's fault.

    ``slot`` defaults to the current hourly slot and ``probed_at`` to now; ``site_url`` (the key the probe is
    stored under) defaults to the normalised URL.
    """
    target = normalise_url(url)
    at = probed_at or _utcnow()
    rec = ProbeRecord(site_url=site_url or target, slot=schedule(DEFAULT_INTERVAL_S, at) if slot is None else slot,
                      probed_at=at, ok=False)
    cap = max(1, settings.max_page_bytes)
    size = 0
    transport = await asyncio.to_thread(_probe_transport, settings)  # may start the proxy: not the site's time
    t0 = time.monotonic()
    try:
        async with asyncio.timeout(timeout):
            async with httpx.AsyncClient(transport=transport, follow_redirects=True,
                                         max_redirects=MAX_REDIRECTS, timeout=httpx.Timeout(timeout),
                                         trust_env=False,
                                         headers={"User-Agent": settings.user_agent,
                                                  "Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}) as client:
                async with client.stream("GET", target) as resp:
                    rec.http_status = resp.status_code
                    async for chunk in resp.aiter_bytes():
                        size += len(chunk)
                        if size >= cap:
                            break
        elapsed = time.monotonic() - t0
        status = rec.http_status or 0
        if status >= 400:
            rec.error = _http_error(status)
        elif size == 0:
            rec.error = f"HTTP {status}，页面内容为空"
        elif elapsed >= timeout:
            rec.error = f"超时（{timeout:g}秒）"
        else:
            rec.ok = True
    except TargetRefused:
        raise
    except _ProxyAnswer as answer:
        rec.error = await _proxy_error(answer, settings)
        if rec.error == "超时":
            rec.error = f"超时（{timeout:g}秒）"
    except (TimeoutError, httpx.TimeoutException):
        rec.error = f"超时（{timeout:g}秒）"
    except NameNotResolved:
        rec.error = "域名无法解析"
    except httpx.TooManyRedirects:
        rec.error = f"重定向次数过多（超过{MAX_REDIRECTS}次）"
    except httpx.ConnectError as exc:
        rec.error = _connect_error(exc)
    except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
        rec.error = f"连接中断，服务器未返回完整响应（{type(exc).__name__}）"
    except httpx.UnsupportedProtocol as exc:
        raise TargetRefused(PageError.INVALID_URL, f"只支持 http/https 网址: {exc}") from None
    except httpx.HTTPError as exc:
        rec.error = f"无法打开（{type(exc).__name__}: {exc}）"
    rec.elapsed_ms = int(round((time.monotonic() - t0) * 1000))
    return rec


def site_offsets(urls: list[str], interval_s: int, timeout: float) -> dict[str, float]:
    """Seconds after the slot's start at which each site is probed: sites spread over the slot in groups at
    least two timeouts apart (so one group's probes end before the next group is due)."""
    n = len(urls)
    groups = max(1, min(n, int(interval_s // max(2 * timeout, 1.0))))
    return {u: (i % groups) * interval_s / groups for i, u in enumerate(urls)}


async def run_monitor(store: Store, settings: Settings, site_urls: Iterable[str], *,
                      interval_s: int = DEFAULT_INTERVAL_S, timeout: float = DEFAULT_TIMEOUT_S,
                      clock: Clock = _utcnow, sleep: Sleep = asyncio.sleep,
                      stop_after_slots: int | None = None, max_concurrency: int = 20,
                      probe: Prober = probe_once) -> int:
    """Probe every site once per slot until cancelled (or, with ``stop_after_slots``, until the slots
    [start slot, start slot + stop_after_slots) have passed). Sites are stored under their normalised URL.
    Returns how many probes were stored."""
    urls: list[str] = []
    for raw in site_urls:
        try:
            key = normalise_url(raw)
        except TargetRefused as exc:
            log.error("监测跳过无效网址 %s: %s", raw, exc)
            continue
        if key not in urls:
            urls.append(key)
    if not urls:
        return 0
    start_slot = schedule(interval_s, clock())
    stop_slot = None if stop_after_slots is None else start_slot + stop_after_slots
    offsets = site_offsets(urls, interval_s, timeout)
    next_slot: dict[str, int] = {}
    for u in urls:
        last = await asyncio.to_thread(last_slot, store, u)
        next_slot[u] = start_slot if last is None else max(start_slot, last + 1)
    sem = asyncio.Semaphore(max(1, max_concurrency))
    stored = 0

    async def one(u: str, slot: int) -> bool:
        async with sem:
            try:
                rec = await probe(u, settings, timeout, slot=slot, probed_at=clock(), site_url=u)
            except TargetRefused as exc:
                log.warning("监测 %s 第 %d 时段未访问（不计入）: %s", u, slot, exc)
                return False
            except Exception:  # an auditor-side bug must not stop the monitoring of every site
                log.exception("监测 %s 第 %d 时段访问出错（不计入）", u, slot)
                return False
            try:
                return await asyncio.to_thread(record_probe, store, rec)
            except Exception:
                log.exception("监测 %s 第 %d 时段的结果未能保存", u, slot)
                return False

    while True:
        now = clock()
        now_ts = now.timestamp() if now.tzinfo else now.replace(tzinfo=timezone.utc).timestamp()
        cur = schedule(interval_s, now)
        for u in urls:
            if next_slot[u] < cur:  # that slot is over: it stays absent, nothing is invented
                next_slot[u] = cur
        pending = [u for u in urls if stop_slot is None or next_slot[u] < stop_slot]
        if not pending:
            return stored
        due = {u: next_slot[u] * interval_s + offsets[u] for u in pending}
        first = min(due.values())
        if first > now_ts:
            await sleep(first - now_ts)
            continue
        batch = [u for u in pending if due[u] <= now_ts]
        results = await asyncio.gather(*(one(u, next_slot[u]) for u in batch))
        stored += sum(1 for r in results if r)
        for u in batch:
            next_slot[u] += 1
