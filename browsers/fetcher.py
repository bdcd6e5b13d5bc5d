"""Page fetch in real Chromium: one browser per process, a clean tab per page (reused per host), hard budgets.

The fetch is separate from the rules that read it (as in GSA's site-scanning engine): it returns the probe's
facts, the full-page screenshot and what happened on the wire; it never judges the page.
"""
from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from auditor import profile
from auditor.config import Settings
from auditor.errors import PageError, classify, describe
from auditor.facts import ProbeFacts, parse_probe
from auditor.a11y import box_targets, compact
from auditor.netpolicy import map_target, refused_without_lookup
from browsers import axe as axe_js
from browsers import elderly as elderly_js
from browsers import egress, predriver, standins
from browsers.launch import launch_chromium, node_compile_cache
from browsers.pagejson import evaluate_object
from browsers.screenshot import full_page_png

PROBE_JS = (Path(__file__).parent / "probe.js").read_text(encoding="utf-8")
CONTACT_JS = (Path(__file__).parent / "contact_probe.js").read_text(encoding="utf-8")
# The followed «联系我们» page's picture: the block around its contacts, at most this size (CSS px).
CONTACT_SHOT_MAX = (1400, 1000)


@dataclass
class FetchResult:
    url: str
    final_url: str = ""
    status: int | None = None
    error_kind: PageError | None = None
    error: str | None = None
    redirect_chain: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[dict[str, Any]] = field(default_factory=list)
    mixed_content: list[str] = field(default_factory=list)
    dialogs: int = 0
    attempts: int = 1
    timings: dict[str, float] = field(default_factory=dict)
    probe: ProbeFacts | None = None
    screenshot: bytes | None = None
    user_agent: str = ""
    fetched_at: str = ""
    notes: list[str] = field(default_factory=list)
    axe: dict[str, Any] | None = None  # auditor.a11y.compact of the axe run, nodes with boxes
    elderly: dict[str, Any] | None = None  # browsers.elderly.assess
    # Requests still under way when the page was probed (a host that hangs is the auditor's evidence, too).
    pending_requests: list[dict[str, Any]] = field(default_factory=list)
    # Requests that failed during the auditor's own actions after the load (entry clicks, followed links).
    side_failures: list[dict[str, Any]] = field(default_factory=list)
    # Hosts that answered at least one request of the page (their answer counts, whatever a probe said).
    reached_hosts: list[str] = field(default_factory=list)
    # The page the footer's «联系我们» link leads to (PageFacts.contact_page) and its picture (kept apart: bytes).
    contact_page: dict[str, Any] | None = None
    contact_png: bytes | None = None
    frame_urls: list[str] = field(default_factory=list)
    refused_navigation: str | None = None  # a navigation of the page to a refused address (browsers/egress.py)  # every frame's URL after load (checked by the pipeline)

    @property
    def ok(self) -> bool:
        return self.error_kind is None and self.probe is not None


@dataclass
class _Tab:
    """A browser context with its one page, kept between pages of one host (see PageFetcher._take_tab)."""
    context: Any
    page: Any
    cdp: Any
    site: str
    browser: Any
    uses: int = 0
    resetting: "asyncio.Task[bool] | None" = None  # the reset after its last page, run in the background


class _Abort(Exception):
    def __init__(self, kind: PageError, detail: str = ""):
        super().__init__(detail)
        self.kind = kind
        self.detail = detail


class PageFetcher:
    """Owns one Chromium; fetch() may be called concurrently (each call gets a tab of its own)."""

    def __init__(self, settings: Settings, first_tab: bool = True):
        """``first_tab``: make the first page's tab as soon as the browser is up (off for a caller that opens its
        own contexts instead of fetching pages, such as 站内搜索 and 互动交流)."""
        self.settings = settings
        self._pw: Any = None
        self._pw_cm: Any = None
        self._browser: Any = None
        self._lock = asyncio.Lock()
        self._idle: list[_Tab] = []  # clean tabs waiting for the next page of their host, oldest first
        self._proxy: str | None = None  # the egress proxy every request goes through (browsers/egress.py)
        self.restarts = 0
        # Followed «联系我们» pages by URL, for the fetcher's lifetime: a site audit opens each one once.
        self._contact_cache: dict[str, tuple[dict[str, Any], bytes | None]] = {}
        self._contact_locks: dict[str, asyncio.Lock] = {}
        self._first_tab = first_tab
        self._spare: "asyncio.Future[_Tab] | None" = None  # the first page's tab, made as the browser starts

    async def __aenter__(self) -> "PageFetcher":
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def start(self) -> None:
        with profile.phase("browser_launch"):
            from playwright.async_api import async_playwright

            # The egress proxy (Squid, about a second) starts while Playwright's driver does.
            proxy = asyncio.ensure_future(asyncio.to_thread(egress.proxy_for, self.settings))
            try:
                early = predriver.take()  # the command line may have spawned the driver before its settings
                if early is not None:
                    self._pw_cm, starting = early
                    self._pw = await starting
                else:
                    node_compile_cache()
                    self._pw_cm = async_playwright()
                    self._pw = await self._pw_cm.__aenter__()
            except BaseException:
                await asyncio.gather(proxy, return_exceptions=True)
                raise
            self._proxy = await proxy
        await self._launch(proxy_ready=True)
        # The first page's tab (a browser context, its renderer, the CDP session) is made now, while the caller may
        # still be importing the runner and preparing the database (start-up, docs/performance.md).
        if self._first_tab:
            self._spare = asyncio.ensure_future(self._new_tab(""))

    async def _launch(self, proxy_ready: bool = False) -> None:
        s = self.settings
        with profile.phase("browser_launch"):
            if not proxy_ready:
                self._proxy = await asyncio.to_thread(egress.proxy_for, s)
            self._browser = await launch_chromium(self._pw, s.host_map, isolate=s.isolate_network,
                                                  proxy=self._proxy)

    @property
    def browser(self) -> Any:
        return self._browser

    async def _ensure_browser(self) -> None:
        async with self._lock:
            if self._browser is None or not self._browser.is_connected():
                try:
                    if self._browser is not None:
                        await self._browser.close()
                except Exception:  # noqa: BLE001 - a dead browser may refuse to close
                    pass
                self._idle.clear()  # tabs of the dead browser
                await self._launch()
                self.restarts += 1

    async def close(self) -> None:
        with profile.phase("browser_close"):
            await self._close()

    async def _close(self) -> None:
        spare, self._spare = self._spare, None
        if spare is not None:  # no page came for it: closed with the browser
            spare.cancel()
            await asyncio.gather(spare, return_exceptions=True)
        idle, self._idle = self._idle, []
        resets = [t.resetting for t in idle if t.resetting is not None]
        for task in resets:  # a reset for a page that will never come
            task.cancel()
        await asyncio.gather(*resets, return_exceptions=True)
        # Closing the browser closes its contexts: the idle tabs are not closed one by one first.
        try:
            if self._browser is not None:
                # Bounded: a wedged browser must not hang the run's shutdown.
                await asyncio.wait_for(self._browser.close(), timeout=30)
        except Exception:  # noqa: BLE001
            pass
        if self._pw_cm is not None:
            await self._pw_cm.__aexit__(None, None, None)
        self._browser = self._pw = self._pw_cm = None

    # The page job asks this engine to open the footer's «联系我们» page (workers/pipeline.py).
    follows_contact = True

    async def fetch(self, url: str, *, screenshot: bool = True, probe: bool = True, a11y: bool = False,
                    elderly: bool = False, ocr: elderly_js.OcrFn | None = None,
                    follow_contact: bool = False) -> FetchResult:
        """Fetch and probe one page. A crashed browser is restarted and the page retried once.

        ``a11y`` runs axe-core on the rendered page; ``elderly`` then switches the 无障碍/适老化 entries on and
        measures them (it changes the page, so it comes after everything else). ``follow_contact`` opens the
        footer's «联系我们» link when the footer shows no contact of its own (``_follow_contact``).
        """
        extras = {"a11y": a11y, "elderly": elderly, "ocr": ocr, "follow_contact": follow_contact}
        result = await self._fetch_once(url, screenshot, probe, extras)
        if result.error_kind == PageError.BROWSER_CRASHED or (
                result.error_kind is not None and not self._browser.is_connected()):
            await self._ensure_browser()
            retry = await self._fetch_once(url, screenshot, probe, extras)
            retry.attempts = 2
            retry.notes.append("浏览器崩溃后已重启并重试")
            if retry.error_kind == PageError.BROWSER_CRASHED:
                retry.error = describe(PageError.BROWSER_CRASHED)
            return retry
        return result

    async def _fetch_once(self, url: str, want_shot: bool, want_probe: bool,
                          extras: dict[str, Any] | None = None) -> FetchResult:
        s = self.settings
        res = FetchResult(url=url, user_agent=s.user_agent,
                          fetched_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))
        t0 = time.perf_counter()
        tab: _Tab | None = None
        finished = False  # stays False when the call is cancelled (a job timeout): the tab is then closed
        extras = extras or {}
        try:
            await self._ensure_browser()
            with profile.phase("tab"):
                tab = await self._take_tab(url)
            # The 适老化 pass has its own budget; OCR of an entry drawn as a picture is CPU work of ours, allowed
            # as much again.
            budget = s.page_budget + (2 * s.elderly_budget if extras.get("elderly") else 0)
            await asyncio.wait_for(self._drive(tab, url, res, want_shot, want_probe, extras), timeout=budget)
            if extras.get("follow_contact") and res.probe is not None:
                await self._follow_contact(tab.context, res)
            finished = True
        except _Abort as exc:
            res.error_kind, res.error = exc.kind, describe(exc.kind, exc.detail)
        except asyncio.TimeoutError:
            kind = PageError.DIALOG_LOOP if res.dialogs > 20 else PageError.BUDGET
            res.error_kind, res.error = kind, describe(kind, f"{s.page_budget:.0f} 秒")
        except Exception as exc:  # noqa: BLE001 - every browser failure becomes a page error
            msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            kind = classify(str(exc))
            if self._browser is None or not self._browser.is_connected():
                kind = PageError.BROWSER_CRASHED
            elif res.dialogs > 20 and kind in (PageError.TIMEOUT, PageError.UNKNOWN):
                kind = PageError.DIALOG_LOOP
            elif kind == PageError.EGRESS_REFUSED:
                kind = await self._tunnel_verdict(_tunnel_url(res, url))
            if kind not in (PageError.BROWSER_CRASHED, PageError.EGRESS_REFUSED) and tab is not None \
                    and (res.refused_navigation or await _landed_refused(tab, s)):
                kind = PageError.EGRESS_REFUSED  # e.g. a meta refresh to an internal address during the probe
            # A refusal reads the same whatever is behind the address (no URL, no port): nothing to scan with.
            res.error_kind = kind
            res.error = describe(kind) if kind == PageError.EGRESS_REFUSED else describe(kind, msg[:300])
        finally:
            if tab is not None:
                # Only a page that ended cleanly leaves its tab for the next page of the site: an error, a dialog
                # or the 适老化 pass (which switched modes on) may have left the tab in a state of its own.
                clean = finished and res.error_kind is None and not res.dialogs and not extras.get("elderly")
                await self._release(tab, clean)
            res.timings["total"] = round(time.perf_counter() - t0, 3)
        if res.error_kind is not None:
            res.probe = None
            res.screenshot = None
        return res

    async def _tunnel_verdict(self, url: str) -> PageError:
        """Chromium reports every refused proxy tunnel (https) as ERR_TUNNEL_CONNECTION_FAILED; ask the proxy
        whether it was a refusal, a name that does not resolve or a server that does not answer."""
        from urllib.parse import urlsplit as _split

        parts = _split(url)
        if not self._proxy or not parts.hostname:
            return PageError.CONNECTION
        port = parts.port or (443 if parts.scheme == "https" else 80)
        verdict = await egress.ask_proxy(self._proxy, parts.hostname, port)
        if verdict is None or verdict == "":
            return PageError.CONNECTION
        return await self._proxy_kind(parts.hostname, verdict)

    async def _mark_tunnel(self, entry: dict[str, Any]) -> None:
        """A sub-resource whose proxy tunnel failed (https, wss): the proxy's reason in place of Chromium's."""
        try:
            kind = await self._tunnel_verdict(entry["url"])
        except Exception:  # noqa: BLE001 - the entry keeps Chromium's words
            return
        if kind != PageError.CONNECTION:
            entry["net_error"], entry["error"] = entry["error"], describe(kind)

    async def _proxy_kind(self, host: str, squid_error: str) -> PageError:
        """The page error of the proxy's answer. Squid 5 reports a name that does not resolve as a read error
        ("no paths"), so that one is told apart by asking the DNS (the configured server) ourselves."""
        from clients.resolve import name_resolves

        kind = PageError(egress.refusal_kind(squid_error) or "connection")
        if kind == PageError.CONNECTION and squid_error.startswith("ERR_READ_ERROR") \
                and squid_error.rstrip().endswith(" 0") and await name_resolves(host, self.settings.dns_server) is False:
            return PageError.DNS
        return kind

    # ------------------------------------------------------------------------------------------ tabs
    # A fresh browser context per page costs a new renderer process, and that process compiles axe-core, the
    # probe and the page's own scripts from nothing (about 0.4 s of a 1 s page on 2 cores). So a tab that ended
    # cleanly is kept for the next page of the same host: its renderer keeps V8's compilation cache. Between
    # pages the tab is reset to a clean state (the page's storage cleared, about:blank, cookies cleared), and
    # the HTTP cache is off in every tab, so a page's network facts (failed requests, mixed content) do not
    # depend on which pages came before it. ``tab_reuse`` pages at most per tab; 0 = a fresh context per page.

    async def _take_tab(self, url: str) -> "_Tab":
        site = host_of(url)
        for i in range(len(self._idle) - 1, -1, -1):
            tab = self._idle[i]
            if tab.site == site:
                del self._idle[i]
                reset_ok = await tab.resetting if tab.resetting is not None else True
                tab.resetting = None
                if reset_ok and tab.browser is self._browser and not tab.page.is_closed():
                    return tab
                asyncio.ensure_future(_quiet(asyncio.wait_for(tab.context.close(), timeout=10)))
        spare, self._spare = self._spare, None
        if spare is not None:
            try:
                tab = await spare
            except Exception:  # noqa: BLE001 - a tab that would not open: a new one, which says why
                tab = None
            if tab is not None and tab.browser is self._browser and not tab.page.is_closed():
                tab.site = site
                return tab
        return await self._new_tab(site)

    async def _side_tab(self, url: str) -> tuple[Any, Any, Any]:
        """A fresh tab for the 适老化 pass's second entry (browsers/elderly.py ``assess``): (page, context, close)."""
        tab = await self._new_tab(host_of(url))

        async def close() -> None:
            await _quiet(asyncio.wait_for(tab.context.close(), timeout=10))

        return tab.page, tab.context, close

    async def _new_tab(self, site: str) -> "_Tab":
        s = self.settings
        context = await self._browser.new_context(
            user_agent=s.user_agent, viewport={"width": s.viewport_width, "height": s.viewport_height},
            accept_downloads=False, locale="zh-CN", service_workers="block", ignore_https_errors=False)
        try:
            if s.standins:
                await standins.install(context)
            page = await context.new_page()
            cdp = await context.new_cdp_session(page)
            await cdp.send("Network.enable")
            await cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        except BaseException:
            await _quiet(asyncio.wait_for(context.close(), timeout=10))
            raise
        return _Tab(context, page, cdp, site, self._browser)

    async def _release(self, tab: "_Tab", clean: bool) -> None:
        tab.uses += 1
        s = self.settings
        if clean and tab.uses < s.tab_reuse and tab.browser is self._browser and not tab.page.is_closed():
            # The reset runs in the background, beside the page's rules, evidence and rows; the next page of the
            # host waits for it (_take_tab), and a tab that would not reset is closed there instead of reused.
            tab.resetting = asyncio.ensure_future(self._reset_in_background(tab))
            self._idle.append(tab)
            while len(self._idle) > max(2, s.concurrency):
                old = self._idle.pop(0)
                if old.resetting is not None:
                    old.resetting.cancel()
                    await asyncio.gather(old.resetting, return_exceptions=True)
                await _quiet(asyncio.wait_for(old.context.close(), timeout=10))
            return
        try:
            await asyncio.wait_for(tab.context.close(), timeout=10)
        except Exception:  # noqa: BLE001 - a hung or crashed context must not hang the run
            pass

    async def _reset_in_background(self, tab: "_Tab") -> bool:
        try:
            with profile.phase("reset"):
                await asyncio.wait_for(self._reset(tab), timeout=10)
            return True
        except Exception:  # noqa: BLE001 - a tab that will not reset is closed instead of reused
            return False

    @staticmethod
    async def _reset(tab: "_Tab") -> None:
        await tab.page.evaluate("() => { try { localStorage.clear(); sessionStorage.clear(); } catch (e) {} }")
        await tab.page.goto("about:blank", wait_until="load", timeout=5000)
        await tab.context.clear_cookies()
        await tab.context.clear_permissions()

    async def _drive(self, tab: "_Tab", url: str, res: FetchResult, want_shot: bool, want_probe: bool,
                     extras: dict[str, Any]) -> None:
        page, context, cdp = tab.page, tab.context, tab.cdp
        listeners: list[tuple[Any, str, Any]] = []
        try:
            await self._drive_page(page, context, cdp, listeners, url, res, want_shot, want_probe, extras)
        finally:
            for emitter, event, fn in listeners:
                try:
                    emitter.remove_listener(event, fn)
                except Exception:  # noqa: BLE001 - a closed page has dropped its listeners already
                    pass

    async def _drive_page(self, page: Any, context: Any, cdp: Any, listeners: list[tuple[Any, str, Any]],
                          url: str, res: FetchResult, want_shot: bool, want_probe: bool,
                          extras: dict[str, Any]) -> None:
        s = self.settings
        aborted: list[_Abort] = []
        received = {"bytes": 0}
        downloads: list[str] = []
        pending: list[asyncio.Future[None]] = []  # reading the raw headers of failed responses (proxy answers)

        def on_dialog(dialog: Any) -> None:
            res.dialogs += 1
            asyncio.ensure_future(_quiet(dialog.dismiss()))

        def on_console(msg: Any) -> None:
            if msg.type == "error" and len(res.console_errors) < 50:
                res.console_errors.append(msg.text[:300])

        inflight: dict[int, Any] = {}

        def on_request(req: Any) -> None:
            if len(inflight) < 2000:
                inflight[id(req)] = req
            # A navigation of the page (a meta refresh, a script) to an address the policy refuses: the page is
            # refused, even when the navigation never commits and only breaks the probe.
            try:
                if not s.allow_private and req.is_navigation_request() and refused_without_lookup(
                        req.url, allow_private=False, allowlist=s.private_allowlist, host_map=s.host_map):
                    res.refused_navigation = req.url
            except Exception:  # noqa: BLE001 - a request of a closing page
                pass

        reached: set[str] = set()

        def on_finished(req: Any) -> None:
            inflight.pop(id(req), None)
            if len(reached) < 500:
                reached.add(host_of(req.url))

        def on_failed(req: Any) -> None:
            inflight.pop(id(req), None)
            if len(res.failed_requests) < 500:
                entry = {"url": req.url, "error": req.failure or "failed", "type": req.resource_type}
                res.failed_requests.append(entry)
                # A failed tunnel (https), or the proxy's error page blocked as the wrong kind of response (http):
                # the proxy is asked what it meant (a name that does not resolve, a refusal, a dead server).
                proxied = "ERR_TUNNEL_CONNECTION_FAILED" in entry["error"] or (
                    "ERR_BLOCKED_BY_ORB" in entry["error"] and map_target(host_of(req.url), s.host_map) is None)
                if self._proxy and proxied and len(pending) < 50:
                    pending.append(asyncio.ensure_future(self._mark_tunnel(entry)))

        def on_response(resp: Any) -> None:
            # A declared size over the cap stops the page before the body is read at all.
            length = resp.headers.get("content-length")
            if length and length.isdigit() and int(length) > s.max_page_bytes and not aborted:
                aborted.append(_Abort(PageError.TOO_LARGE, f"{resp.url} 声明大小 {int(length) // 1_000_000} MB"))
                asyncio.ensure_future(_quiet(page.close()))
            if resp.status >= 400 and len(res.failed_requests) < 500:
                entry = {"url": resp.url, "status": resp.status, "type": resp.request.resource_type}
                res.failed_requests.append(entry)
                if self._proxy and len(pending) < 50:
                    pending.append(asyncio.ensure_future(_mark_proxy_answer(resp, entry, self._proxy, s)))
            if url.startswith("https:") and resp.url.startswith("http:"):
                res.mixed_content.append(resp.url)

        def on_download(d: Any) -> None:
            downloads.append(d.url)

        def listen(emitter: Any, event: str, fn: Any) -> None:
            emitter.on(event, fn)
            listeners.append((emitter, event, fn))

        listen(page, "dialog", on_dialog)
        listen(page, "console", on_console)
        listen(page, "request", on_request)
        listen(page, "requestfinished", on_finished)
        listen(page, "requestfailed", on_failed)
        listen(page, "response", on_response)
        listen(page, "download", on_download)

        # Count bytes as they arrive so a huge or endless page is stopped early, not after it has been read.
        def on_data(ev: dict[str, Any]) -> None:
            received["bytes"] += int(ev.get("encodedDataLength") or ev.get("dataLength") or 0)
            if received["bytes"] > s.max_page_bytes and not aborted:
                aborted.append(_Abort(PageError.TOO_LARGE, f"已接收 {received['bytes'] // 1_000_000} MB"))
                asyncio.ensure_future(_quiet(page.close()))

        listen(cdp, "Network.dataReceived", on_data)

        t = time.perf_counter()
        try:
            response = await page.goto(url, wait_until="domcontentloaded", timeout=s.nav_timeout * 1000)
        except Exception as exc:
            if aborted:
                raise aborted[0] from None
            if downloads or "Download is starting" in str(exc):
                raise _Abort(PageError.DOWNLOAD, downloads[0] if downloads else url) from None
            raise
        if aborted:
            raise aborted[0]
        if response is None:
            raise _Abort(PageError.UNKNOWN, "没有收到页面响应")
        if self._proxy and map_target(host_of(response.url), s.host_map) is None:  # mapped hosts go direct
            squid = (await response.all_headers()).get("x-squid-error")
            if squid:  # the proxy answered instead of the site (a refused, unresolvable or dead destination)
                kind = await self._proxy_kind(host_of(response.url), squid)
                # A refusal names nothing (the same words for every port state); the others name the host.
                raise _Abort(kind, "" if kind == PageError.EGRESS_REFUSED else host_of(response.url))
        try:
            await page.wait_for_load_state("load", timeout=s.load_grace * 1000)
        except Exception:  # noqa: BLE001 - slow third-party resources: audit what rendered
            if aborted:
                raise aborted[0] from None
            res.notes.append(f"页面在 {s.load_grace:.0f} 秒内未触发 load 事件，按已渲染内容检查")
        _took(res, "load", t)
        if aborted:
            raise aborted[0]
        res.status = response.status
        res.final_url = page.url
        res.frame_urls = [f.url for f in page.frames]
        if pending:
            await asyncio.wait(pending, timeout=5)
        chain: list[str] = []
        req = response.request
        while req is not None:
            chain.append(req.url)
            req = req.redirected_from
        res.redirect_chain = list(reversed(chain))
        if response.status >= 400:
            raise _Abort(PageError.HTTP_ERROR, f"HTTP {response.status}")
        # What is still loading now never arrived in time for the page as audited (the rule of fault names it).
        res.pending_requests = [{"url": r.url, "type": r.resource_type, "error": "pending"}
                                for r in list(inflight.values())[:200] if r.url.startswith(("http:", "https:"))]
        res.reached_hosts = sorted(h for h in reached if h)
        if want_probe:
            t = time.perf_counter()
            # Returned as one JSON string: Playwright's own value encoding walks every node of a large result in
            # Python, which was a large share of the run's Python time at two pages at a time.
            facts = await evaluate_object(page, PROBE_JS, {"maxNodes": s.max_dom_nodes})
            _took(res, "probe", t)
            if "tooLarge" in facts:
                raise _Abort(PageError.DOM_TOO_LARGE, f"{facts['tooLarge']} 个元素")
            res.probe = parse_probe(facts)  # the boundary: typed facts from here on (auditor/facts.py)
        if want_shot:
            t = time.perf_counter()
            res.screenshot = await full_page_png(page, cdp, s.max_screenshot_height)
            _took(res, "screenshot", t)
        if aborted:
            raise aborted[0]
        if extras.get("a11y"):
            t = time.perf_counter()
            res.axe = await axe_pass(page, s.a11y_node_cap)
            res.timings["axe"] = round(time.perf_counter() - t, 3)
        # Where the page and its frames are now, after the probe and the screenshot (a script or a meta refresh
        # may have navigated since load): the pipeline judges every address the gathered facts may come from.
        res.frame_urls = list(dict.fromkeys([*res.frame_urls, *(f.url for f in page.frames)]))
        if extras.get("elderly"):
            t = time.perf_counter()
            # What the page did on the wire is judged as first loaded; the entry clicks and reloads do not count.
            kept = (list(res.failed_requests), list(res.mixed_content), list(res.console_errors))
            partial: dict[str, Any] = {}
            ocr_found = None
            if extras.get("ocr") is not None and res.screenshot:
                dom = await elderly_js.find(page)
                if not any(e["kind"] == "elderly" for e in dom["entries"]):
                    # An entry drawn as a picture: read the top band's pixels, outside the page's time budget.
                    t1 = time.perf_counter()
                    ocr_found = await asyncio.to_thread(elderly_js.ocr_entries, res.screenshot, extras["ocr"])
                    _took(res, "elderly_ocr", t1, "ocr")
            try:
                res.elderly = await asyncio.wait_for(
                    elderly_js.assess(page, context, res.final_url or url, ocr_found=ocr_found,
                                      nav_timeout=s.nav_timeout, out=partial,
                                      side_tab=lambda: self._side_tab(url)), timeout=s.elderly_budget)
            except asyncio.TimeoutError:
                # Keep the steps that finished; the rules judge those and call the rest not assessable.
                partial["timeout"] = f"适老化检查超过 {s.elderly_budget:.0f} 秒未完成"
                res.elderly = partial
            res.failed_requests[:], res.mixed_content[:], res.console_errors[:] = kept
            # ... but what failed during the entry clicks is the evidence the rule of fault reads (a toolbar
            # script or a 关怀版 host the auditor could not load), kept apart as the auditor's own actions.
            res.side_failures.extend((res.elderly or {}).get("side_failures") or [])
            _took(res, "elderly", t, "elderly", minus=res.timings.get("elderly_ocr", 0.0))


    # ------------------------------------------------------------------------------------ 联系我们 page
    async def _follow_contact(self, context: Any, res: FetchResult) -> None:
        """Open the footer's «联系我们» page when the footer itself shows no contact (the choice is the rule's:
        auditor.rules.footer_contact.link_to_follow), once per URL for the fetcher's lifetime, within
        ``contact_budget``. Never raises: what went wrong is recorded in the result for the rule to judge."""
        # Imported here, not with this module: the rules are not needed to start the browser (start-up).
        from auditor.rules import footer_contact

        href = footer_contact.link_to_follow(res.probe or {}, res.final_url or res.url)
        if not href:
            return
        lock = self._contact_locks.setdefault(href, asyncio.Lock())
        async with lock:
            cached = self._contact_cache.get(href)
            if cached is None:
                t = time.perf_counter()
                budget = self.settings.contact_budget
                try:
                    cached = await asyncio.wait_for(self._open_contact(context, href), timeout=budget)
                except asyncio.TimeoutError:
                    cached = ({"url": href, "final_url": None, "status": None, "texts": [], "mailto": [],
                               "error": f"Timeout {budget * 1000:.0f}ms exceeded（打开“联系我们”页面超时）"}, None)
                except Exception as exc:  # noqa: BLE001 - a browser failure here is the followed page's error
                    cached = ({"url": href, "final_url": None, "status": None, "texts": [], "mailto": [],
                               "error": (str(exc).splitlines()[0] if str(exc) else type(exc).__name__)[:300]}, None)
                _took(res, "contact", t)
                self._contact_cache[href] = cached
        info, png = cached
        res.contact_page, res.contact_png = dict(info), png
        if info.get("error") or (info.get("status") or 0) >= 400:
            # The auditor's own action failed: the rule of fault (auditor/fault.py) reads it for other hosts.
            failure: dict[str, Any] = {"url": href, "type": "document", "source": "action"}
            if info.get("error"):
                failure["error"] = info["error"]
            else:
                failure["status"] = info["status"]
            res.side_failures.append(failure)

    async def _open_contact(self, context: Any, url: str) -> tuple[dict[str, Any], bytes | None]:
        """The followed page in a new tab of the page's context: its visible texts with boxes, its mailto:
        links, and a picture of the block around its contacts (or of the first screen when it shows none)."""
        s = self.settings
        info: dict[str, Any] = {"url": url, "final_url": None, "status": None, "error": None, "title": "",
                                "texts": [], "mailto": [], "shot_box": None}
        page = await context.new_page()
        try:
            try:
                response = await page.goto(url, wait_until="domcontentloaded", timeout=s.nav_timeout * 1000)
            except Exception as exc:  # noqa: BLE001 - the network error is the finding
                info["error"] = (str(exc).splitlines()[0] if str(exc) else type(exc).__name__)[:300]
                return info, None
            info["final_url"] = page.url
            if response is None:
                info["error"] = "没有收到页面响应"
                return info, None
            info["status"] = response.status
            if response.status >= 400:
                return info, None
            try:
                await page.wait_for_load_state("load", timeout=min(s.load_grace, 5.0) * 1000)
            except Exception:  # noqa: BLE001 - slow third-party resources: read what rendered
                pass
            facts = await page.evaluate(CONTACT_JS, {"maxText": 100000})
            info.update(title=facts.get("title") or "", texts=facts.get("texts") or [],
                        mailto=facts.get("mailto") or [])
            from auditor.rules import footer_contact

            region = footer_contact.contact_region(info["texts"])
            doc_w = float((facts.get("doc") or {}).get("w") or s.viewport_width)
            doc_h = float((facts.get("doc") or {}).get("h") or s.viewport_height)
            if region is not None:
                x0, y0 = max(0.0, region.x - 40), max(0.0, region.y - 40)
                w = min(region.w + 80, CONTACT_SHOT_MAX[0], doc_w - x0)
                h = min(region.h + 80, CONTACT_SHOT_MAX[1], doc_h - y0)
            else:
                x0, y0, w, h = 0.0, 0.0, min(doc_w, float(s.viewport_width)), min(doc_h, float(s.viewport_height))
            if w < 4 or h < 4:
                return info, None
            clip = {"x": x0, "y": y0, "width": w, "height": h}
            png = await page.screenshot(full_page=True, clip=clip, type="png", animations="disabled")
            info["shot_box"] = {"x": x0, "y": y0, "w": w, "h": h}
            return info, png
        finally:
            await _quiet(asyncio.wait_for(page.close(), timeout=10))


async def _mark_proxy_answer(resp: Any, entry: dict[str, Any], proxy: str, s: Settings) -> None:
    """A failed response the egress proxy gave instead of the site is marked with the proxy's reason (e.g.
    «目标地址不允许访问»). Its X-Squid-Error header says so, but Chromium hides the headers of an opaque
    (cross-origin no-cors) response, so then: an address literal is judged by the policy, and a name answered
    403/503 is asked of the proxy (which decides before connecting)."""
    from urllib.parse import urlsplit as _split

    from auditor.netpolicy import refused_without_lookup

    try:
        kind = egress.refusal_kind((await resp.all_headers()).get("x-squid-error"))
    except Exception:  # noqa: BLE001 - a closed page: judged by the URL alone
        kind = None
    if kind is None and refused_without_lookup(entry["url"], allow_private=s.allow_private,
                                               allowlist=s.private_allowlist, host_map=s.host_map):
        kind = PageError.EGRESS_REFUSED.value
    if kind is None and entry.get("status") in (403, 503):
        from auditor.netpolicy import map_target

        parts = _split(entry["url"])
        if parts.hostname and not parts.hostname.replace(".", "").isdigit() and ":" not in parts.hostname \
                and map_target(parts.hostname, s.host_map) is None:  # a mapped host never went to the proxy
            verdict = await egress.ask_proxy(proxy, parts.hostname,
                                             parts.port or (443 if parts.scheme in ("https", "wss") else 80))
            kind = egress.refusal_kind(verdict) if verdict else None
    if kind:
        entry["error"] = describe(PageError(kind))


async def axe_pass(page: Any, node_cap: int) -> dict[str, Any]:
    """axe-core on the page as rendered, compacted, with document boxes for the first nodes of each rule."""
    try:
        result = compact(await axe_js.run_playwright(page))
        nodes = box_targets(result, node_cap)
        with profile.phase("axe"):
            boxes = await axe_js.boxes_playwright(page, [n["target"] for n in nodes])
        for n, box in zip(nodes, boxes):
            n["box"] = box
        result["engine"] = "playwright"
        return result
    except Exception as exc:  # noqa: BLE001 - a page that breaks axe is not assessable, the page still counts
        return {"error": (str(exc).splitlines()[0] if str(exc) else type(exc).__name__)[:300]}


def _took(res: FetchResult, key: str, t0: float, phase: str | None = None, minus: float = 0.0) -> None:
    """The step's seconds since ``t0`` into the page's timings and the run's profile (less ``minus``, the part
    of it profiled as a phase of its own, such as OCR inside the 适老化 pass)."""
    secs = time.perf_counter() - t0
    res.timings[key] = round(secs, 3)
    profile.add(phase or key, max(0.0, secs - minus))


async def _quiet(awaitable: Any) -> None:
    try:
        await awaitable
    except Exception:  # noqa: BLE001
        pass


def _tunnel_url(res: FetchResult, url: str) -> str:
    """The URL whose proxy tunnel failed: the last failed document request (a redirect's target), else the URL."""
    for r in reversed(res.failed_requests):
        if r.get("type") == "document" and "TUNNEL" in str(r.get("net_error") or r.get("error") or ""):
            return r["url"]
    return url


async def _landed_refused(tab: "_Tab", s: Settings) -> bool:
    """Whether the tab has navigated (during a failed fetch, e.g. a meta refresh while probing) to an address the
    policy refuses; a navigation under way is given a moment to commit."""
    from auditor.netpolicy import refused_without_lookup

    if s.allow_private:
        return False
    try:
        await tab.page.wait_for_load_state("domcontentloaded", timeout=3000)
    except Exception:  # noqa: BLE001 - judged by where it is now
        pass
    try:
        current = tab.page.url
    except Exception:  # noqa: BLE001
        return False
    return refused_without_lookup(current, allow_private=s.allow_private, allowlist=s.private_allowlist,
                                  host_map=s.host_map) is not None


def host_of(url: str) -> str:
    return urlsplit(url).hostname or ""
