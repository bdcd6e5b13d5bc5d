"""定期任务 (periodic jobs) on RQ's cron scheduler (``rq.cron.CronScheduler``, RQ ≥ 2.4): periodic 全站检查 of
every registered site and the 站点无法访问 availability probes. ``govaudit schedule`` runs the scheduler (one
per deployment: it only enqueues); the workers run the jobs.

* ``audit_sites`` submits one site run per site in the site list (or the given URLs) through
  ``workers.dispatch.submit_site_audit``, so a scheduled audit is the same fan-out as one from the web UI.
* ``probe_sites`` probes every home page once for the current slot (``epoch // interval``) with the monitor's
  probe (``workers.monitor.probe_once``) and stores it under that slot: the database's unique (site, slot)
  means a job enqueued twice, or retried, stores one probe per slot — the 7-day verdict counts each slot once.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timezone
from typing import Any

from auditor.config import Settings
from auditor.models import SiteProfile
from auditor.netpolicy import TargetRefused, normalise_url
from workers import jobs

log = logging.getLogger("govaudit.schedule")


def _targets(settings: Settings, urls: list[str] | None) -> list[tuple[str, SiteProfile, int | None]]:
    store = jobs.store_for(settings)
    store.upgrade()
    if urls:
        return [(u, SiteProfile(u), None) for u in urls]
    return [(s.url, SiteProfile(s.name, s.site_code, s.sponsor, s.site_type), s.id) for s in store.sites()]


def audit_sites(settings: Settings, urls: list[str] | None = None, max_pages: int | None = None) -> list[int]:
    """定期全站检查 job: submit a site run per site; returns the run ids (a refused site is skipped)."""
    from workers.dispatch import submit_site_audit

    store = jobs.store_for(settings)
    runs = []
    for url, site, site_id in _targets(settings, urls):
        try:
            runs.append(submit_site_audit(settings, store, url, site, site_id=site_id, max_pages=max_pages))
        except TargetRefused as exc:
            log.warning("定期检查跳过 %s：%s", url, exc)
    return runs


def probe_sites(settings: Settings, interval_s: int = 3600, urls: list[str] | None = None,
                timeout: float | None = None) -> dict[str, Any]:
    """可访问性监测 job: one probe per site for the current slot, stored at once (idempotent per slot)."""
    from auditor.availability import DEFAULT_TIMEOUT_S, schedule as slot_of
    from auditor.store.availability import record_probe
    from workers.monitor import probe_once

    store = jobs.store_for(settings)
    now = datetime.now(timezone.utc)
    slot = slot_of(interval_s, now)
    keys = []
    for url, _site, _id in _targets(settings, urls):
        try:
            keys.append(normalise_url(url))
        except TargetRefused as exc:
            log.warning("监测跳过无效网址 %s：%s", url, exc)

    async def all_probes() -> list[Any]:
        sem = asyncio.Semaphore(20)

        async def one(u: str) -> Any:
            async with sem:
                try:
                    return await probe_once(u, settings, timeout or DEFAULT_TIMEOUT_S, slot=slot, probed_at=now,
                                            site_url=u)
                except TargetRefused as exc:
                    log.warning("监测 %s 未访问（不计入）：%s", u, exc)
                    return None

        return await asyncio.gather(*(one(u) for u in keys))

    records = jobs.runtime().run(all_probes())
    stored = sum(1 for r in records if r is not None and record_probe(store, r))
    return {"slot": slot, "probed": sum(1 for r in records if r is not None), "stored": stored,
            "failed": [r.site_url for r in records if r is not None and not r.ok]}


def build_cron(settings: Settings, *, audit_cron: str | None = None, audit_interval: int | None = None,
               probe_interval: int | None = None, urls: list[str] | None = None,
               max_pages: int | None = None) -> Any:
    """RQ's CronScheduler with the periodic jobs registered on ``settings.rq_queue``."""
    from rq.cron import CronScheduler

    cron = CronScheduler(connection=jobs.redis_conn(settings.redis_url or ""), name="")
    q = settings.rq_queue
    if audit_cron or audit_interval:
        cron.register(audit_sites, q, args=(settings, urls, max_pages), cron=audit_cron,
                      interval=None if audit_cron else audit_interval, job_timeout=settings.job_timeout,
                      name="govaudit.audit_sites")
    if probe_interval:
        cron.register(probe_sites, q, args=(settings, probe_interval, urls), interval=probe_interval,
                      job_timeout=max(60, min(settings.job_timeout, probe_interval)), name="govaudit.probe_sites")
    return cron


__all__ = ["audit_sites", "probe_sites", "build_cron"]
