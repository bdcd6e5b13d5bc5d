"""``govaudit ipv6``: IPv6 支持度 of a site without page audits.

The 二级/三级 links are found by a light crawl (HTTP and an HTML parser, clients.ipv6_probe.LightFetcher) under
the same crawl plan as a 全站检查 (home page = level 1, its links level 2, theirs level 3; per-template sampling,
politeness per host); only the home page is rendered in Chromium, over IPv6 (``_render_over_ipv6``). The pages
the crawl read are stored as pages of the run without checks, so the run says what was visited.
"""
from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit

from auditor import profile
from auditor.config import Settings
from auditor.crawl import Candidate
from auditor.errors import PageError
from auditor.models import SiteProfile
from auditor.netpolicy import TargetRefused, normalise_url
from auditor.store import Store
from auditor.store.models import Page
from clients.ipv6_probe import LightFetcher
from clients.resolve import check_target
from workers.runend import ending, owner_identity
from workers.siterun import (SiteCrawl, _cand_dict, _follow_dns_server, _HostGate, _render_over_ipv6,
                             ipv6_site_checks)
from workers.tasks import cancel_and_wait

# Pages of these levels are read for their links; a level-3 page's links would be level 4, so it is only planned.
READ_LEVELS = (1, 2)
NOTE = "仅用于发现二级/三级链接（HTTP 读取，未做页面检查）"


async def run_ipv6(settings: Settings, store: Store, home_url: str, site: SiteProfile, *,
                   started_by: str | None = None) -> int:
    """The IPv6 checks of the site as one run (kind "site", its site checks the ipv6.* ones); returns its id.
    A refused target raises TargetRefused; a name that does not resolve still gives a run (no AAAA, no home)."""
    settings = await _follow_dns_server(settings, normalise_url(home_url))
    try:
        home = check_target(home_url, allow_private=settings.allow_private, allowlist=settings.private_allowlist,
                            host_map=settings.host_map).url
    except TargetRefused as exc:
        if exc.kind is not PageError.DNS:
            raise
        home = normalise_url(home_url)
    options = {"max_pages": settings.max_pages, "per_template": settings.per_template, "ipv6_only": True}
    with profile.phase("db"):
        run = await asyncio.to_thread(
            store.create_run, site.name, site.code, 0, settings.engine, settings.user_agent, options,
            kind="site", site_url=home, owner=owner_identity(), started_by=started_by)
    with ending(store, settings, run.id):
        crawl = SiteCrawl(home, settings, site)
        # The browser (and its egress proxy) starts over IPv6 while the crawl and the measurements run.
        early = asyncio.ensure_future(_early_render(settings, home))
        try:
            with profile.phase("crawl"):
                await _light_crawl(settings, store, run.id, crawl)

            async def render(addr: str) -> dict[str, Any]:
                got = await early
                return got if got is not None and got["address"] == addr else \
                    await _render_over_ipv6(settings, home, addr)

            with profile.phase("links"):
                checks = await ipv6_site_checks(settings, home, crawl.plan, crawl.notes, render)
        finally:
            await cancel_and_wait(early)
        with profile.phase("db"):
            store.set_pages_total(run.id, len(crawl.notes))
            store.save_site_checks(run.id, checks)
            store.finish_run(run.id)
    return run.id


async def _early_render(settings: Settings, home: str) -> dict[str, Any] | None:
    """The home page rendered over IPv6 at the first AAAA address (what ``ipv6_site_checks`` would render after
    its measurements), or None when the name has no AAAA answer or the lookup fails."""
    from clients.ipv6_probe import make_resolver

    host = urlsplit(home).hostname or ""
    if settings.isolate_network and not settings.dns_server:
        return None  # offline without a DNS server: ipv6_site_checks measures nothing either
    try:
        answer = await make_resolver(settings).resolve(host, "AAAA")
    except Exception:  # noqa: BLE001 - no AAAA, NXDOMAIN, timeout: the measurements say which
        return None
    with profile.phase("render_v6"):
        return await _render_over_ipv6(settings, home, str(answer[0]))


async def _light_crawl(settings: Settings, store: Store, run_id: int, crawl: SiteCrawl) -> None:
    """Read the planned pages of levels 1-2 over HTTP, offering their links to the plan, until it is full."""
    plan = crawl.plan
    gate = _HostGate(settings.per_host, settings.crawl_delay)
    sem = asyncio.Semaphore(max(2, settings.concurrency))
    async with LightFetcher(settings) as fetcher:

        async def visit(cand: Candidate) -> None:
            if cand.level not in READ_LEVELS:
                return
            async with sem:
                host_sem = await gate.enter(urlsplit(cand.url).hostname or "")
                try:
                    try:
                        check_target(cand.url, allow_private=settings.allow_private,
                                     allowlist=settings.private_allowlist, host_map=settings.host_map)
                    except TargetRefused as exc:
                        res, links, error, kind = None, None, str(exc), exc.kind.value
                    else:
                        res, links = await fetcher.fetch(cand.url)
                        error = res.error or (f"HTTP {res.status}" if not res.ok else None)
                        kind = _error_kind(res.error, res.status) if error else None
                finally:
                    host_sem.release()
            page = Page(url=cand.url, final_url=(res.final_url if res else None) or None,
                        http_status=res.status if res else None, error=error, error_kind=kind,
                        user_agent=settings.user_agent, details={"notes": [NOTE]})
            pid = await asyncio.to_thread(store.save_page, run_id, page, [], [])
            crawl.absorb({"cand": _cand_dict(cand), "page_id": pid, "kind": None, "error": error,
                          "ok": links is not None, "evidence_keys": None, "metas": {}, "probe": links or {}})

        await visit(plan.planned[0])
        while True:
            batch = plan.next_batch(max(2, settings.concurrency) * 4)
            if not batch:
                break
            await asyncio.gather(*(visit(c) for c in batch))


_KINDS = {"no_address": PageError.DNS, "connection": PageError.CONNECTION, "timeout": PageError.TIMEOUT,
          "tls": PageError.TLS, "private": PageError.PRIVATE_TARGET}


def _error_kind(error: str | None, status: int | None) -> str:
    """The page error kind of a light fetch's failure («connection: …», an HTTP status ≥ 400)."""
    if error:
        return _KINDS.get(error.split(":", 1)[0], PageError.UNKNOWN).value
    return (PageError.HTTP_ERROR if status and status >= 400 else PageError.UNKNOWN).value
