"""提交检查 (submitting audits): the one entry point the web UI and the CLI use to start a run.

``submit_page_audit`` / ``submit_site_audit`` create the 检查批次 (Run row) at once and return its id; the work
goes to RQ when ``settings.redis_url`` is set (workers started with ``govaudit worker``) and otherwise to the
same job functions on a thread pool in this process (the embedded default), so a web request returns at
once either way. ``run_status`` reads live progress from the database. See ``workers/jobs.py`` for the fan-out,
the finaliser, retries and idempotency.
"""
from __future__ import annotations

import time
from datetime import date
from typing import Any, Callable

from sqlalchemy import func, select

from auditor.config import Settings
from auditor.models import SiteProfile
from auditor.netpolicy import TargetRefused, normalise_url
from clients.resolve import check_target
from auditor.store import Store
from auditor.store.limits import check_lengths
from auditor.store.models import Page, Run
from workers import jobs

TERMINAL = ("done", "failed", "aborted")


def _initial_status(settings: Settings) -> str:
    return "queued" if settings.redis_url else "running"


def _owner(settings: Settings) -> dict[str, Any]:
    """Who runs the run: RQ's workers (the reaper asks RQ), or this process (the reaper checks its pid)."""
    from workers.runend import owner_identity

    if settings.redis_url:
        return {"mode": "rq", "queue": settings.rq_queue}
    return owner_identity("embedded")


def submit_page_audit(settings: Settings, store: Store, urls: list[str], site: SiteProfile, *,
                      site_id: int | None = None, purpose: str | None = None, started_by: str | None = None) -> int:
    """页面检查: one run over the given pages; returns the run id at once (pages_total = distinct URLs).

    URLs are normalised and de-duplicated first (a page is stored once per run); one that cannot be
    normalised is kept as given and becomes that page's error row, as in the embedded runner.
    """
    keys: list[str] = []
    for raw in urls:
        try:
            keys.append(normalise_url(raw))
        except TargetRefused:
            keys.append(raw)
    keys = list(dict.fromkeys(keys))
    if not keys:
        raise ValueError("没有要检查的网址")
    for k in keys:  # what the user typed is refused, not cut (ValueTooLong is a ValueError)
        check_lengths(Page, {"url": k})
    run = store.create_run(site.name, site.code, len(keys), settings.engine, settings.user_agent,
                           {"urls": keys, "allow_private": settings.allow_private,
                            "mode": "rq" if settings.redis_url else "embedded"}, site_id=site_id,
                           owner=_owner(settings), purpose=purpose, started_by=started_by)
    _set_status(store, run.id, _initial_status(settings))
    _enqueue_or_fail(store, run.id, lambda: jobs.enqueue_pages(settings, run.id, site,
                                                               [(i, u, None) for i, u in enumerate(keys)]))
    return run.id


def submit_site_audit(settings: Settings, store: Store, site_url: str, site: SiteProfile, *,
                      site_id: int | None = None, max_pages: int | None = None, today: date | None = None,
                      links: bool = True, ipv6: bool = True, purpose: str | None = None,
                      started_by: str | None = None) -> int:
    """全站检查: crawl and audit a whole site (per crawl level fan-out); returns the run id at once.

    Raises ``TargetRefused`` when the home page URL is invalid or refused by the network policy (nothing is
    created then). ``pages_total`` grows as each crawl level is planned.
    """
    if max_pages:
        settings = settings.replace(max_pages=max_pages)
    home = check_target(site_url, allow_private=settings.allow_private, allowlist=settings.private_allowlist,
                        host_map=settings.host_map).url
    run = store.create_run(site.name, site.code, 1, settings.engine, settings.user_agent,
                           {"max_pages": settings.max_pages, "per_template": settings.per_template,
                            "today": today.isoformat() if today else None, "links": links, "ipv6": ipv6,
                            "mode": "rq" if settings.redis_url else "embedded"},
                           site_id=site_id, kind="site", site_url=home, owner=_owner(settings), purpose=purpose,
                           started_by=started_by)
    _set_status(store, run.id, _initial_status(settings))
    _enqueue_or_fail(store, run.id, lambda: jobs.enqueue_call(settings, jobs.site_step, settings, run.id, site))
    return run.id


def _enqueue_or_fail(store: Store, run_id: int, enqueue: Callable[[], None]) -> None:
    """Enqueue, or mark the run failed and re-raise (Redis unreachable): no run waits 'queued' forever."""
    try:
        enqueue()
    except Exception as exc:
        from workers.runend import reason_for

        store.end_run(run_id, "failed", f"无法提交到任务队列：{reason_for(exc)}")
        raise


def _set_status(store: Store, run_id: int, status: str) -> None:
    with store.session.begin() as s:
        run = s.get(Run, run_id)
        if run is not None:
            run.status = status


def run_status(store: Store, run_id: int) -> dict[str, Any]:
    """Live progress of a run: status (queued / running / done / failed / aborted) and, for a run that did not
    finish, the reason (``error``), pages done, total and failed, and the page errors so far (at most 50)."""
    with store.session() as s:
        run = s.get(Run, run_id)
        if run is None:
            raise KeyError(f"没有检查批次 {run_id}")
        done = s.scalar(select(func.count()).select_from(Page).where(Page.run_id == run_id)) or 0
        errors = list(s.execute(select(Page.url, Page.error_kind, Page.error)
                                .where(Page.run_id == run_id, Page.error_kind.is_not(None))
                                .order_by(Page.id).limit(50)))
        failed = s.scalar(select(func.count()).select_from(Page)
                          .where(Page.run_id == run_id, Page.error_kind.is_not(None))) or 0
        return {"run_id": run_id, "kind": run.kind, "status": run.status, "error": run.error,
                "pages_done": int(done),
                "pages_total": int(run.pages_total), "pages_failed": int(failed),
                "started_at": run.started_at, "finished_at": run.finished_at,
                "errors": [{"url": u, "kind": k, "error": e} for u, k, e in errors]}


def wait_for_run(store: Store, run_id: int, timeout: float = 600, poll: float = 0.5) -> dict[str, Any]:
    """Block until the run has ended (done, failed or aborted; CLI ``--wait``, tests); raises TimeoutError."""
    deadline = time.monotonic() + timeout
    while True:
        st = run_status(store, run_id)
        if st["status"] in TERMINAL:
            return st
        if time.monotonic() > deadline:
            raise TimeoutError(f"检查批次 {run_id} 未在 {timeout:g} 秒内完成：{st}")
        time.sleep(poll)


__all__ = ["submit_page_audit", "submit_site_audit", "run_status", "wait_for_run"]
