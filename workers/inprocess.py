"""The embedded runner: audits a run's pages in this process, a few at a time, in one shared browser."""
from __future__ import annotations

import asyncio
import time
from typing import Any, Callable

from auditor import profile
from auditor.config import Settings
from auditor.models import SiteProfile
from auditor.netpolicy import TargetRefused
from clients.resolve import check_target
from clients.ocr import shared_ocr
from auditor.store import Store
from workers.pipeline import PageAuditor, PageOutcome
from workers.launch import launch as launch_browser, stop as stop_browser
from workers.runend import ending, owner_identity
from workers.tasks import cancel_and_wait

Progress = Callable[[int, int, PageOutcome], None]


async def run_pages(settings: Settings, store: Store, urls: list[str], site: SiteProfile,
                    progress: Progress | None = None, site_id: int | None = None, purpose: str | None = None,
                    started_by: str | None = None, prepare: Callable[[], object] | None = None,
                    launched: "asyncio.Future[Any] | None" = None) -> int:
    """Audit the URLs as one run; returns the run id. Bad URLs become page errors; the run goes on.

    The browser starts while the database is prepared (``prepare``, e.g. ``store.upgrade``, then the run's row),
    both in the background of one another: on a single page that is most of the start-up. ``launched`` is a
    browser already starting (``workers.launch.launch``: the command line starts it before importing this).

    The run always ends: done, or failed with the reason (``RunFailed`` is raised: the browser would not
    start, the evidence folder is not writable...), or aborted on Ctrl-C/SIGTERM (re-raised)."""
    launch = launched if launched is not None else launch_browser(settings)
    try:
        with profile.phase("db"):
            if prepare is not None:
                await asyncio.to_thread(prepare)
            run = await asyncio.to_thread(
                store.create_run, site.name, site.code, len(urls), settings.engine, settings.user_agent,
                {"urls": urls, "allow_private": settings.allow_private}, site_id=site_id, owner=owner_identity(),
                purpose=purpose, started_by=started_by)
    except BaseException:
        await stop_browser(launch)
        raise
    with ending(store, settings, run.id):
        done = 0
        ocr = shared_ocr() if settings.ocr else None  # the model itself loads when a page first needs it
        try:
            auditor = PageAuditor(settings, store, None, ocr)
        except BaseException:
            await stop_browser(launch)
            raise
        # The run's national-service probe needs no browser: it runs while the browser is still starting.
        services = asyncio.ensure_future(auditor.services_for(run.id))
        try:
            fetcher = await launch
        except BaseException:
            await cancel_and_wait(services)
            raise
        auditor.fetcher = fetcher
        closing: "asyncio.Future[None] | None" = None
        fetched: set[int] = set()

        def page_fetched(i: int) -> None:
            # Once every page has been fetched the browser closes, beside the last pages' rules, evidence and rows.
            nonlocal closing
            fetched.add(i)
            if len(fetched) == len(urls) and closing is None:
                closing = asyncio.ensure_future(fetcher.__aexit__(None, None, None))

        try:
            sem = asyncio.Semaphore(max(1, settings.concurrency))

            async def one(i: int, raw: str) -> PageOutcome:
                nonlocal done
                async with sem:
                    t0 = time.perf_counter()
                    try:
                        target = check_target(raw, allow_private=settings.allow_private,
                                              allowlist=settings.private_allowlist, host_map=settings.host_map)
                        out = await auditor.audit(run.id, target.url, site, i, lambda: page_fetched(i))
                    except TargetRefused as exc:
                        out = auditor.record_refused(run.id, raw, exc)
                    finally:
                        page_fetched(i)  # refused, or failed before its fetch: it needs the browser no more either
                    out.seconds = time.perf_counter() - t0
                    done += 1
                    if progress:
                        progress(done, len(urls), out)
                    return out

            async with asyncio.TaskGroup() as tg:  # one page's fatal error cancels the others
                for i, u in enumerate(urls):
                    tg.create_task(one(i, u))
        finally:
            await cancel_and_wait(services)  # no page asked for it (every URL refused): not left running
            await (closing if closing is not None else fetcher.__aexit__(None, None, None))
        with profile.phase("db"):
            store.finish_run(run.id)
    return run.id
