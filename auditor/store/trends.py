"""The data behind the trends (auditor/trends.py): each site's latest complete official run per quarter, scored by
the 19号 table, with its findings' fingerprints and the pages it audited. A self-check (自查) or a partial run never
counts; runs tied to no registered site are grouped by their site URL (or name), as the run lists do."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from auditor.quarter import Quarter
from auditor.scoring import Table
from auditor.store import findings as fq
from auditor.store.db import Store
from auditor.store.models import Page, Run
from auditor.store.scorecard import score_run
from auditor.trends import SiteTrend, Snapshot, site_trend

Key = str


def run_key(site_id: int | None, site_url: str | None, site_name: str | None) -> Key:
    return f"site:{site_id}" if site_id is not None else f"url:{site_url or (site_name or '').strip()}"


def official_runs(store: Store, quarters: list[Quarter], scope: fq.Scope = None,
                  site_id: int | None = None) -> dict[Quarter, dict[Key, int]]:
    """Per quarter, each site's latest complete official run (正式检查, done) started in it (Beijing time)."""
    eff = fq.effective_site_id().label("eff")
    first, last = min(quarters), max(quarters)
    stmt = (select(Run.id, eff, Run.site_url, Run.site_name, Run.started_at)
            .where(Run.status == "done", Run.purpose == "official", Run.started_at >= first.start_utc,
                   Run.started_at < last.end_utc).order_by(Run.started_at, Run.id))
    cond = fq._in_scope(fq.effective_site_id(), scope)
    if cond is not None:
        stmt = stmt.where(cond)
    if site_id is not None:
        stmt = stmt.where(fq.effective_site_id() == site_id)
    out: dict[Quarter, dict[Key, int]] = {q: {} for q in quarters}
    with store.session() as s:
        for rid, sid, url, name, started in s.execute(stmt):
            q = Quarter.of(started)
            if q in out:
                out[q][run_key(sid, url, name)] = rid  # ordered by time: the last one wins
    return out


def snapshot(store: Store, run_id: int, quarter: Quarter, table: Table, site_type: str | None) -> Snapshot:
    """One run as a point of a trend: its scorecard (误报 excluded) and its findings by fingerprint."""
    # score_run: the same scorecard as the run page (with whatever judgements and 核减 the store records).
    card = score_run(store, run_id, table, site_type=site_type)
    found, _ = fq.list_findings(store, None, fq.FindingFilter(run_id=run_id, latest=False))
    with store.session() as s:
        audited = frozenset(s.scalars(select(Page.url).where(Page.run_id == run_id, Page.error_kind.is_(None))))
        whole_site = s.scalar(select(Run.kind).where(Run.id == run_id)) == "site"
    return Snapshot(quarter, run_id, card.verdict, card.total if card.scored else None, card.provisional,
                    {f.fingerprint: (f.page_url if f.level == "page" else None) for f in found}, audited,
                    whole_site)


def load_trends(store: Store, quarters: list[Quarter], table: Table, scope: fq.Scope = None,
                site_id: int | None = None) -> list[SiteTrend]:
    """Every site with an official run in the quarters, by region and name, each with its points per quarter."""
    runs = official_runs(store, quarters, scope, site_id)
    keys = sorted({k for per in runs.values() for k in per})
    sites = fq.sites_by_id(store, [int(k[5:]) for k in keys if k.startswith("site:")])
    names: dict[Key, tuple[str, str]] = {}
    with store.session() as s:
        ids = [rid for per in runs.values() for rid in per.values()]
        for rid, url, name, sid in s.execute(select(Run.id, Run.site_url, Run.site_name, Run.site_id)
                                             .where(Run.id.in_(ids or [-1]))):
            names.setdefault(run_key(sid, url, name), (name, url or ""))
    out = []
    for key in keys:
        site = sites.get(int(key[5:])) if key.startswith("site:") else None
        name, url = (site.name, site.url) if site else names.get(key, (key[4:], key[4:]))
        stype = site.site_type if site else None
        snaps: dict[Quarter, Any] = {q: snapshot(store, per[key], q, table, stype)
                                     for q, per in runs.items() if key in per}
        out.append(site_trend(key, name, url, site.region if site else None, stype, quarters, snaps))
    return sorted(out, key=lambda t: (t.region, t.name))
