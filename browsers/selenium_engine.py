"""The second engine: Selenium driving Chromium through /usr/bin/chromedriver, or a remote Selenium Grid.

It runs the same page audit as the Playwright fetcher (the same probe, a full-page screenshot, axe-core through
axe-selenium-python given the vendored axe file) and returns the same ``FetchResult``, so the rules cannot tell
the engines apart. What WebDriver cannot see is left out and said so in ``notes``: the redirect chain (only the
first and last URL), byte counts of the wire, and the 无障碍/适老化 entry activation, which stays on Playwright.

WebDriver is blocking; each call runs in a worker thread with its own driver from a small pool (one per
concurrent page). A driver that dies is replaced and the page retried once.
"""
from __future__ import annotations

import asyncio
import base64
import os
import queue
import time
from datetime import datetime, timezone
from typing import Any

from auditor.a11y import box_targets, compact
from auditor.config import Settings
from auditor.errors import PageError, classify, describe
from auditor.facts import parse_probe
from browsers import a11y_extra
from browsers import axe as axe_js
from browsers.fetcher import PROBE_JS, FetchResult
from browsers.launch import CHROMIUM_PATH, chromium_args

CHROMEDRIVER_PATH = os.environ.get("GOVAUDIT_CHROMEDRIVER_PATH", "/usr/bin/chromedriver")
STATUS_JS = ("const n = performance.getEntriesByType('navigation')[0];"
             "return n && n.responseStatus ? n.responseStatus : null;")
DEAD_DRIVER = ("invalid session id", "session deleted", "chrome not reachable", "disconnected",
               "no such window", "target window already closed", "connection refused", "max retries exceeded")


def _proxy(settings: Settings) -> str | None:
    """The egress proxy for this browser (browsers/egress.py). A remote Grid node cannot reach our own Squid on
    127.0.0.1, so a remote Grid needs ``egress_proxy`` (an address the node can reach, e.g. compose's egress)."""
    from urllib.parse import urlsplit

    from browsers.egress import EgressError, proxy_for

    grid_host = (urlsplit(settings.selenium_grid_url).hostname or "") if settings.selenium_grid_url else ""
    if grid_host and grid_host not in ("127.0.0.1", "localhost", "::1") and settings.egress \
            and not settings.egress_proxy:
        raise EgressError("使用远程 Selenium Grid 时须设置 egress_proxy（Grid 节点能访问的出站代理地址）")
    return proxy_for(settings)


def _proxy_verdict(settings: Settings, url: str) -> PageError | None:
    """WebDriver shows neither the proxy's headers nor the tunnel error, so ask the egress proxy about the URL's
    destination: the error class when it refuses it (or cannot resolve or reach it), None when it allows it."""
    from urllib.parse import urlsplit

    from browsers.egress import ask_proxy_sync, proxy_for, refusal_kind

    parts = urlsplit(url)
    proxy = proxy_for(settings)
    if not proxy or not parts.hostname or parts.scheme not in ("http", "https"):
        return None
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return None
    kind = refusal_kind(ask_proxy_sync(proxy, parts.hostname, port) or "")
    return PageError(kind) if kind else None


def _options(settings: Settings) -> Any:
    from selenium.webdriver.chrome.options import Options

    opts = Options()
    args = chromium_args(settings.host_map, isolate=settings.isolate_network, proxy=_proxy(settings))
    # --hide-scrollbars: Playwright's headless Chromium has no scrollbars; the same layout width in both engines.
    for a in args + ["--headless=new", "--hide-scrollbars", f"--window-size={settings.viewport_width},{settings.viewport_height}",
                     f"--user-agent={settings.user_agent}", "--lang=zh-CN"]:
        opts.add_argument(a)
    binary = settings.selenium_binary if settings.selenium_grid_url else CHROMIUM_PATH
    if binary:
        opts.binary_location = binary
    # Hostile pages: dialogs are dismissed by the driver, downloads refused by the browser.
    opts.set_capability("unhandledPromptBehavior", "dismiss")
    opts.add_experimental_option("prefs", {"download_restrictions": 3,
                                           "profile.default_content_setting_values.automatic_downloads": 2})
    opts.page_load_strategy = "normal"
    return opts


def new_driver(settings: Settings) -> Any:
    """A Chromium under WebDriver: local chromedriver (never downloaded: SE_OFFLINE) or the configured Grid."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager must not try to fetch a driver
    opts = _options(settings)
    if settings.selenium_grid_url:
        driver = webdriver.Remote(command_executor=settings.selenium_grid_url, options=opts)
    else:
        driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER_PATH), options=opts)
    driver.set_page_load_timeout(settings.nav_timeout)
    driver.set_script_timeout(max(30.0, settings.page_budget))
    return driver


def _dead(exc: BaseException) -> bool:
    text = str(exc).lower()
    return any(s in text for s in DEAD_DRIVER)


class SeleniumFetcher:
    """Same interface as ``browsers.fetcher.PageFetcher``: ``async with``, ``fetch(url, ...)``."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._pool: queue.LifoQueue[Any] = queue.LifoQueue()
        self._all: list[Any] = []
        self._sem = asyncio.Semaphore(max(1, settings.concurrency))
        self.restarts = 0

    async def __aenter__(self) -> "SeleniumFetcher":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def start(self) -> None:  # drivers start lazily, one per concurrent page
        return None

    async def close(self) -> None:
        for d in self._all:
            try:
                await asyncio.to_thread(d.quit)
            except Exception:  # noqa: BLE001 - a dead driver may refuse to quit
                pass
        self._all.clear()

    def _take(self) -> Any:
        try:
            return self._pool.get_nowait()
        except queue.Empty:
            d = new_driver(self.settings)
            self._all.append(d)
            return d

    def _drop(self, driver: Any) -> None:
        try:
            driver.quit()
        except Exception:  # noqa: BLE001
            pass
        if driver in self._all:
            self._all.remove(driver)
        self.restarts += 1

    async def fetch(self, url: str, *, screenshot: bool = True, probe: bool = True, a11y: bool = False,
                    elderly: bool = False, ocr: Any = None) -> FetchResult:
        async with self._sem:
            res = await asyncio.to_thread(self._fetch_sync, url, screenshot, probe, a11y)
            if res.error_kind == PageError.BROWSER_CRASHED:
                retry = await asyncio.to_thread(self._fetch_sync, url, screenshot, probe, a11y)
                retry.attempts = 2
                retry.notes.append("浏览器崩溃后已重启并重试")
                res = retry
            if elderly and res.ok:
                res.notes.append("Selenium 引擎不执行无障碍/适老化入口点击检查（仅 Playwright 引擎）")
            return res

    def _fetch_sync(self, url: str, want_shot: bool, want_probe: bool, want_a11y: bool) -> FetchResult:
        s = self.settings
        res = FetchResult(url=url, user_agent=s.user_agent,
                          fetched_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))
        res.notes.append("Selenium 引擎：重定向链只记录起止地址")
        if s.standins:
            res.notes.append("Selenium 引擎不提供国家服务（conac、找错）的离线替身")
        t0 = time.perf_counter()
        driver = None
        try:
            driver = self._take()
            driver.delete_all_cookies()
            self._drive(driver, url, res, want_shot, want_probe, want_a11y)
        except Exception as exc:  # noqa: BLE001 - every driver failure becomes a page error
            msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            if driver is not None and _dead(exc):
                kind = PageError.BROWSER_CRASHED
                self._drop(driver)
                driver = None
            elif isinstance(exc, _Abort):
                kind = exc.kind
            else:
                kind = classify(str(exc))
            res.error_kind, res.error = kind, describe(kind, msg[:300])
        finally:
            if driver is not None:
                try:
                    driver.get("about:blank")  # leave the page: its timers and sockets stop here
                    self._pool.put(driver)
                except Exception:  # noqa: BLE001
                    self._drop(driver)
            res.timings["total"] = round(time.perf_counter() - t0, 3)
        if res.error_kind is not None:
            res.probe = res.screenshot = res.axe = None
        return res

    def _drive(self, driver: Any, url: str, res: FetchResult, want_shot: bool, want_probe: bool,
               want_a11y: bool) -> None:
        from selenium.common.exceptions import TimeoutException

        s = self.settings
        t = time.perf_counter()
        try:
            driver.get(url)
        except TimeoutException:
            raise _Abort(PageError.TIMEOUT, f"{s.nav_timeout:.0f} 秒") from None
        res.timings["load"] = round(time.perf_counter() - t, 3)
        res.final_url = driver.current_url
        res.redirect_chain = [url] if res.final_url == url else [url, res.final_url]
        if res.final_url.startswith(("chrome-error:", "about:")):
            raise _Abort(_proxy_verdict(s, url) or PageError.UNKNOWN, "页面无法打开")
        res.status = driver.execute_script(STATUS_JS)
        if res.status in (403, 503):
            refused = _proxy_verdict(s, res.final_url)
            if refused:  # the egress proxy answered instead of the site
                raise _Abort(refused)
        if res.status is not None and res.status >= 400:
            raise _Abort(PageError.HTTP_ERROR, f"HTTP {res.status}")
        res.frame_urls = driver.execute_script(
            "return Array.from(document.querySelectorAll('iframe[src],frame[src]')).map(f => f.src)") or []
        if want_probe:
            t = time.perf_counter()
            facts = driver.execute_script(f"return ({PROBE_JS})(arguments[0]);", {"maxNodes": s.max_dom_nodes})
            res.timings["probe"] = round(time.perf_counter() - t, 3)
            if "tooLarge" in facts:
                raise _Abort(PageError.DOM_TOO_LARGE, f"{facts['tooLarge']} 个元素")
            res.probe = parse_probe(facts)  # the boundary: typed facts from here on (auditor/facts.py)
        if want_shot:
            t = time.perf_counter()
            res.screenshot = _full_page_png(driver, s)
            res.timings["screenshot"] = round(time.perf_counter() - t, 3)
        if want_a11y:
            t = time.perf_counter()
            res.axe = axe_pass(driver, s.a11y_node_cap)
            res.timings["axe"] = round(time.perf_counter() - t, 3)


class _Abort(Exception):
    def __init__(self, kind: PageError, detail: str = ""):
        super().__init__(detail)
        self.kind = kind


def _full_page_png(driver: Any, s: Settings) -> bytes:
    """The whole page: the window is made as tall as the document (capped), the screenshot taken, the size restored.
    Works the same on a local driver and on a Grid node (no CDP needed)."""
    height = driver.execute_script(
        "return Math.max(document.documentElement.scrollHeight, document.body ? document.body.scrollHeight : 0);")
    height = min(int(height or s.viewport_height), s.max_screenshot_height)
    if not s.selenium_grid_url:
        # Local chromedriver speaks CDP: capture beyond the viewport, exactly as Playwright's full-page shot.
        width = driver.execute_script("return document.documentElement.scrollWidth;")
        shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}})
        return base64.b64decode(shot["data"])
    original = driver.get_window_size()
    # The window size is the outer size; add what the browser's frame takes so the viewport holds the page.
    frame = driver.execute_script("return Math.max(0, window.outerHeight - window.innerHeight);") or 0
    driver.set_window_size(original["width"], max(height, s.viewport_height) + int(frame))
    try:
        return driver.get_screenshot_as_png()
    finally:
        driver.set_window_size(original["width"], original["height"])


def axe_pass(driver: Any, node_cap: int, rules: list[str] | None = None) -> dict[str, Any]:
    """axe-core through axe-selenium-python, given the vendored axe build (not the 2018 one it bundles)."""
    from axe_selenium_python import Axe

    try:
        axe = Axe(driver, script_url=str(axe_js.AXE_PATH))
        axe.inject()
        driver.execute_script("axe.configure({locale: arguments[0]});", axe_js.ZH_CN)
        base = axe_js.axe_only(rules)
        raw = (driver.execute_script(f"return ({axe_js.RESULT_FILTER_JS})(arguments[0]);",
                                     axe.run(options=axe_js.options_json(base)))
               if base is None or base else {"violations": [], "incomplete": [], "testEngine": {}})
        extra = axe_js.extra_rules(rules)
        result = compact(axe_js.with_extra(raw, a11y_extra.run_selenium(driver, extra) if extra else []))
        nodes = box_targets(result, node_cap)
        targets = [n["target"] for n in nodes]
        boxes = (driver.execute_script(f"return ({axe_js.BOXES_JS})(arguments[0]);", [targets])
                 if targets else [])
        for n, box in zip(nodes, boxes):
            n["box"] = box
        result["engine"] = "selenium"
        return result
    except Exception as exc:  # noqa: BLE001 - the page still counts; its accessibility is not assessable
        if _dead(exc):
            raise
        return {"error": (str(exc).splitlines()[0] if str(exc) else type(exc).__name__)[:300]}
