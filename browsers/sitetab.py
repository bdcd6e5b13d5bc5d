"""A tab for the site-level checks that drive pages (站内搜索, 互动交流): a fresh context on the run's Chromium,
so the egress proxy and the host map of the launch apply to every request, as for the page audits
(browsers/egress.py). Navigations are judged again after they land (``netpolicy.refused_without_lookup``)."""
from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, AsyncIterator

from auditor.config import Settings
from auditor.errors import PageError, describe
from auditor.netpolicy import refused_without_lookup
from browsers import egress, standins
from browsers.fetcher import PageFetcher

# Visible anchors with their text, title attribute and absolute href (the channel and result links).
ANCHORS_JS = """() => [...document.querySelectorAll('a[href]')].slice(0, 3000).map(a => {
  const r = a.getBoundingClientRect();
  return {text: (a.innerText || a.textContent || '').trim().slice(0, 200), title: a.getAttribute('title') || '',
          href: a.href, visible: r.width > 0 && r.height > 0};
})"""


@dataclass
class Nav:
    """Where a navigation ended: the final URL, the HTTP status, or the network error (with its host)."""
    url: str
    final_url: str = ""
    status: int | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and (self.status or 0) < 400


def first_line(exc: BaseException) -> str:
    return (str(exc).splitlines()[0] if str(exc) else type(exc).__name__)[:300]


@asynccontextmanager
async def site_tab(fetcher: PageFetcher) -> AsyncIterator[Any]:
    """A page in a new browser context of the fetcher's (started) browser; closed on exit."""
    s = fetcher.settings
    context = await fetcher.browser.new_context(
        user_agent=s.user_agent, viewport={"width": s.viewport_width, "height": s.viewport_height},
        accept_downloads=False, locale="zh-CN", service_workers="block")
    try:
        if s.standins:
            await standins.install(context)
        yield await context.new_page()
    finally:
        try:
            await asyncio.wait_for(context.close(), timeout=10)
        except Exception:  # noqa: BLE001 - a wedged context must not hang the run
            pass


def refused(url: str, s: Settings) -> bool:
    return refused_without_lookup(url, allow_private=s.allow_private, allowlist=s.private_allowlist,
                                  host_map=s.host_map) is not None


async def settle(page: Any, s: Settings) -> None:
    """Give a page that has its DOM a moment to finish loading (slow third-party resources are not waited for)."""
    try:
        await page.wait_for_load_state("load", timeout=min(s.load_grace, 5.0) * 1000)
    except Exception:  # noqa: BLE001
        pass


async def response_error(resp: Any) -> str | None:
    """The egress proxy's refusal, when the answer came from it rather than from the site."""
    try:
        kind = egress.refusal_kind((await resp.all_headers()).get("x-squid-error"))
    except Exception:  # noqa: BLE001
        return None
    return describe(PageError(kind)) if kind else None


async def goto(page: Any, url: str, s: Settings) -> Nav:
    """Open ``url`` in the tab; never raises: a network error, a refused landing or an HTTP error is in Nav."""
    nav = Nav(url)
    if refused(url, s):
        nav.error = describe(PageError.EGRESS_REFUSED)
        return nav
    try:
        resp = await page.goto(url, wait_until="domcontentloaded", timeout=s.nav_timeout * 1000)
    except Exception as exc:  # noqa: BLE001 - the network error is the finding's evidence
        nav.error = first_line(exc)
        return nav
    nav.final_url = page.url
    if refused(page.url, s):
        nav.error = describe(PageError.EGRESS_REFUSED)
        return nav
    if resp is None:
        nav.error = "没有收到页面响应"
        return nav
    nav.status = resp.status
    if resp.status >= 400:
        nav.error = await response_error(resp)
        return nav
    await settle(page, s)
    return nav
