"""Read side for the web UI and the API: sites with their latest state, runs, findings with filters, pages,
evidence ownership and run comparison. No Flask here; every query takes a *scope* (None = all sites, or the
set of site ids a site owner may see) so the access rule lives in the query, not only in the view.

A finding is a page check (rule on one page) or a site-level check whose status is fail or warn. Per-rule
page summaries (subject "pages") and counters that restate page findings are left out, so nothing is counted
twice. A run belongs to a site by ``runs.site_id``, or, for runs started from the command line without one,
by ``runs.site_url`` equal to the registered site's URL.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterable

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import selectinload

from auditor.store.db import Store
from auditor.trends import classify
from auditor.store.models import Check, Evidence, Page, Run, Site, SiteCheck
from auditor.store.reviews import ReviewInfo, fingerprint, latest_reviews

FINDING_STATUSES = ("fail", "warn")
# Site checks that only restate page findings or are informational.
SUMMARY_RULES = frozenset({"crawl.coverage", "links.external", "links.home", "links.other"})
REVIEW_STATES = ("unreviewed", "false_positive", "confirmed")
ACTIVE_STATUSES = ("queued", "running")

Scope = frozenset[int] | None


def _utc(dt: datetime | None) -> datetime | None:
    if dt is None:
        return None
    return dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt


def effective_site_id() -> Any:
    """SQL: the site a run belongs to (its site_id, else the registered site with the run's site_url)."""
    by_url = select(Site.id).where(Site.url == Run.site_url).correlate(Run).scalar_subquery()
    return func.coalesce(Run.site_id, by_url)


def _in_scope(expr: Any, scope: Scope) -> ColumnElement[bool] | None:
    if scope is None:
        return None
    return expr.in_(sorted(scope)) if scope else expr.in_([-1])


@dataclass(frozen=True)
class SiteInfo:
    id: int
    name: str
    url: str
    site_code: str | None
    sponsor: str | None
    site_type: str | None
    region: str | None = None  # 地区


@dataclass
class RunInfo:
    id: int
    kind: str
    status: str
    site_id: int | None
    site_name: str
    site_url: str | None
    site_code: str | None
    engine: str
    user_agent: str
    started_at: datetime | None
    finished_at: datetime | None
    pages_total: int
    pages_done: int
    pages_failed: int
    options: dict[str, Any]
    findings: int = 0
    purpose: str = "official"  # official 正式检查 | self_check 自查 | partial 抽查页面
    started_by: str | None = None
    error: str | None = None

    @property
    def official(self) -> bool:
        return self.purpose == "official"

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATUSES


@dataclass
class Finding:
    ref: str  # "c<check id>" for a page check, "s<site check id>" for a site-level check
    level: str  # page | site
    run_id: int
    run_started_at: datetime | None
    site_id: int | None
    site_name: str
    sponsor: str | None
    site_url: str
    rule: str
    indicator: str
    status: str
    message: str
    page_id: int | None
    page_url: str | None
    page_title: str | None
    subject: str
    checked_at: datetime | None
    fingerprint: str
    review: ReviewInfo | None = None

    @property
    def problem_url(self) -> str:
        if self.page_url:
            return self.page_url
        if self.subject.startswith(("http://", "https://")):
            return self.subject
        return self.site_url

    @property
    def review_state(self) -> str:
        return self.review.verdict if self.review else "unreviewed"


@dataclass
class FindingFilter:
    site_id: int | None = None
    run_id: int | None = None
    indicator: str | None = None
    status: str | None = None  # fail | warn
    review: str | None = None  # unreviewed | false_positive | confirmed
    latest: bool = True  # only each site's latest finished run (ignored when run_id is given)


@dataclass
class SiteRow:
    site: SiteInfo
    latest: RunInfo | None  # the latest complete official run (else the latest run)
    trend: list[tuple[int, int]] = field(default_factory=list)  # (run id, findings), oldest first
    self_check: RunInfo | None = None  # the owner's latest 自查, shown beside the official result


def _site(s: Site) -> SiteInfo:
    return SiteInfo(s.id, s.name, s.url, s.site_code, s.sponsor, s.site_type, s.region)


def _run(r: Run, site_id: int | None) -> RunInfo:
    return RunInfo(r.id, r.kind, r.status, site_id, r.site_name, r.site_url, r.site_code, r.engine, r.user_agent,
                   _utc(r.started_at), _utc(r.finished_at), r.pages_total, r.pages_done, r.pages_failed,
                   dict(r.options or {}), purpose=r.purpose or "official", started_by=r.started_by,
                   error=getattr(r, "error", None))


# --- sites ---

def visible_sites(store: Store, scope: Scope) -> list[SiteInfo]:
    stmt = select(Site).order_by(Site.id)
    cond = _in_scope(Site.id, scope)
    if cond is not None:
        stmt = stmt.where(cond)
    with store.session() as s:
        return [_site(x) for x in s.scalars(stmt)]


def get_site(store: Store, site_id: int) -> SiteInfo | None:
    with store.session() as s:
        x = s.get(Site, site_id)
        return _site(x) if x else None


def sites_by_id(store: Store, ids: Iterable[int]) -> dict[int, SiteInfo]:
    ids = sorted({i for i in ids if i is not None})
    if not ids:
        return {}
    with store.session() as s:
        return {x.id: _site(x) for x in s.scalars(select(Site).where(Site.id.in_(ids)))}


# --- runs ---

def _runs(store: Store, where: list[Any], limit: int | None = None, newest_first: bool = True) -> list[RunInfo]:
    eff = effective_site_id().label("eff")
    stmt = select(Run, eff)
    for w in where:
        stmt = stmt.where(w)
    stmt = stmt.order_by(Run.id.desc() if newest_first else Run.id)
    if limit:
        stmt = stmt.limit(limit)
    with store.session() as s:
        return [_run(r, sid) for r, sid in s.execute(stmt)]


def site_check_value(store: Store, site_check_id: int) -> Any:
    """The stored value of a site check (its evidence tables: 政策解读 rows, the 要素 matrix, both runs' home items)."""
    with store.session() as s:
        return s.scalar(select(SiteCheck.value).where(SiteCheck.id == site_check_id))


def get_run(store: Store, run_id: int, scope: Scope = None) -> RunInfo | None:
    """The run, or None when it does not exist or lies outside the scope (the caller says 404 either way)."""
    where: list[Any] = [Run.id == run_id]
    cond = _in_scope(effective_site_id(), scope)
    if cond is not None:
        where.append(cond)
    runs = _runs(store, where)
    if not runs:
        return None
    run = runs[0]
    run.findings = findings_count(store, [run.id]).get(run.id, 0)
    return run


def runs_of_site(store: Store, site_id: int, limit: int = 100) -> list[RunInfo]:
    runs = _runs(store, [effective_site_id() == site_id], limit)
    counts = findings_count(store, [r.id for r in runs])
    for r in runs:
        r.findings = counts.get(r.id, 0)
    return runs


def recent_runs(store: Store, scope: Scope, limit: int = 50) -> list[RunInfo]:
    where = [c for c in [_in_scope(effective_site_id(), scope)] if c is not None]
    runs = _runs(store, where, limit)
    counts = findings_count(store, [r.id for r in runs])
    for r in runs:
        r.findings = counts.get(r.id, 0)
    return runs


def findings_count(store: Store, run_ids: Iterable[int]) -> dict[int, int]:
    """Findings (fail + warn, page and site level) per run."""
    ids = sorted(set(run_ids))
    out: Counter[int] = Counter()
    if not ids:
        return {}
    with store.session() as s:
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            q1 = (select(Page.run_id, func.count(Check.id)).join(Check, Check.page_id == Page.id)
                  .where(Page.run_id.in_(chunk), Check.status.in_(FINDING_STATUSES)).group_by(Page.run_id))
            q2 = (select(SiteCheck.run_id, func.count(SiteCheck.id))
                  .where(SiteCheck.run_id.in_(chunk), SiteCheck.status.in_(FINDING_STATUSES),
                         SiteCheck.subject != "pages", SiteCheck.rule.not_in(SUMMARY_RULES))
                  .group_by(SiteCheck.run_id))
            for rid, n in list(s.execute(q1)) + list(s.execute(q2)):
                out[rid] += n
    return dict(out)


def run_progress(store: Store, run_id: int) -> dict[str, Any]:
    """Pages done / total / failed and the first 50 page errors. While a run is going, count its stored pages
    (the runners only write the totals on the Run row at the end)."""
    with store.session() as s:
        run = s.get(Run, run_id)
        if run is None:
            raise KeyError(run_id)
        done, failed = run.pages_done, run.pages_failed
        if run.status in ACTIVE_STATUSES or (run.finished_at is None and not done):
            done = s.scalar(select(func.count(Page.id)).where(Page.run_id == run_id)) or 0
            failed = s.scalar(select(func.count(Page.id)).where(Page.run_id == run_id,
                                                                 Page.error_kind.is_not(None))) or 0
        errors = [{"url": u, "kind": k, "error": e} for u, k, e in s.execute(
            select(Page.url, Page.error_kind, Page.error).where(Page.run_id == run_id, Page.error_kind.is_not(None))
            .order_by(Page.id).limit(50))]
        return {"run_id": run.id, "status": run.status, "kind": run.kind, "pages_total": run.pages_total,
                "pages_done": done, "pages_failed": failed,
                "started_at": _iso(run.started_at), "finished_at": _iso(run.finished_at),
                "findings": findings_count(store, [run_id]).get(run_id, 0), "errors": errors}


def _iso(dt: datetime | None) -> str | None:
    d = _utc(dt)
    return d.isoformat() if d else None


def latest_run_ids(store: Store, scope: Scope, site_id: int | None = None) -> list[int]:
    """Each site's latest result: its latest complete official run (正式检查, status done); without one, its latest
    finished run of any kind, or its latest run. A site owner's self-check (自查) or a partial run never replaces
    an official result. Runs tied to no site are grouped by their site URL / name."""
    eff = effective_site_id().label("eff")
    stmt = select(Run.id, eff, Run.site_url, Run.site_name, Run.finished_at, Run.purpose, Run.status).order_by(Run.id)
    cond = _in_scope(effective_site_id(), scope)
    if cond is not None:
        stmt = stmt.where(cond)
    if site_id is not None:
        stmt = stmt.where(effective_site_id() == site_id)
    official: dict[Any, int] = {}
    finished: dict[Any, int] = {}
    anyrun: dict[Any, int] = {}
    with store.session() as s:
        for rid, sid, url, name, fin, purpose, status in s.execute(stmt):
            key = sid if sid is not None else ("u", url or name)
            anyrun[key] = rid
            if fin is not None:
                finished[key] = rid
                if purpose == "official" and status == "done":
                    official[key] = rid
    return sorted(official.get(k, finished.get(k, v)) for k, v in anyrun.items())


def site_overview(store: Store, scope: Scope, n: int = 8) -> list[SiteRow]:
    """Every visible site with its latest run and the findings count of its last ``n`` runs."""
    sites = visible_sites(store, scope)
    if not sites:
        return []
    eff = effective_site_id().label("eff")
    ids = [x.id for x in sites]
    stmt = select(Run, eff).where(effective_site_id().in_(ids)).order_by(Run.id.desc())
    per_site: dict[int, list[RunInfo]] = {}
    with store.session() as s:
        for r, sid in s.execute(stmt):
            lst = per_site.setdefault(sid, [])
            if len(lst) < n * 5:  # room for self-checks between the official runs
                lst.append(_run(r, sid))
    counts = findings_count(store, [r.id for lst in per_site.values() for r in lst])
    rows = []
    for site in sites:
        runs = per_site.get(site.id, [])
        for r in runs:
            r.findings = counts.get(r.id, 0)
        # The site's result and trend are its complete official runs; a self-check shows beside them.
        official = [r for r in runs if r.official and r.status == "done"]
        latest = official[0] if official else (runs[0] if runs else None)
        trend = (official or [r for r in runs if not r.active])[:n]
        rows.append(SiteRow(site, latest, [(r.id, r.findings) for r in reversed(trend)],
                            next((r for r in runs if r.purpose == "self_check"), None)))
    return rows


# --- findings ---

def _page_findings(store: Store, scope: Scope, flt: FindingFilter, run_ids: list[int] | None,
                   check_id: int | None = None) -> list[Finding]:
    eff = effective_site_id().label("eff")
    stmt = (select(Check.id, Check.rule, Check.status, Check.indicator, Check.message, Page.id, Page.url,
                   Page.title, Page.fetched_at, Run.id, Run.started_at, Run.site_name, Run.site_url, eff)
            .join(Page, Check.page_id == Page.id).join(Run, Page.run_id == Run.id)
            .where(Check.status.in_(FINDING_STATUSES)))
    stmt = _common_filters(stmt, scope, flt, run_ids, Check.indicator, Check.status)
    if check_id is not None:
        stmt = stmt.where(Check.id == check_id)
    out = []
    with store.session() as s:
        rows = list(s.execute(stmt))
    sites = sites_by_id(store, [r[13] for r in rows])
    for (cid, rule, status, indicator, message, pid, purl, title, fetched, rid, started, rname, rurl,
         sid) in rows:
        site = sites.get(sid)
        site_url = site.url if site else (rurl or "")
        out.append(Finding(f"c{cid}", "page", rid, _utc(started), sid, site.name if site else rname,
                           site.sponsor if site else None, site_url or purl, rule, indicator, status, message,
                           pid, purl, title, "", _utc(fetched) or _utc(started),
                           fingerprint(site_url or purl, rule, purl, "")))
    return out


def _site_findings(store: Store, scope: Scope, flt: FindingFilter, run_ids: list[int] | None,
                   site_check_id: int | None = None) -> list[Finding]:
    eff = effective_site_id().label("eff")
    stmt = (select(SiteCheck.id, SiteCheck.rule, SiteCheck.status, SiteCheck.indicator, SiteCheck.message,
                   SiteCheck.subject, Run.id, Run.started_at, Run.finished_at, Run.site_name, Run.site_url, eff)
            .join(Run, SiteCheck.run_id == Run.id)
            .where(SiteCheck.status.in_(FINDING_STATUSES), SiteCheck.subject != "pages",
                   SiteCheck.rule.not_in(SUMMARY_RULES)))
    stmt = _common_filters(stmt, scope, flt, run_ids, SiteCheck.indicator, SiteCheck.status)
    if site_check_id is not None:
        stmt = stmt.where(SiteCheck.id == site_check_id)
    with store.session() as s:
        rows = list(s.execute(stmt))
    sites = sites_by_id(store, [r[11] for r in rows])
    out = []
    for scid, rule, status, indicator, message, subject, rid, started, fin, rname, rurl, sid in rows:
        site = sites.get(sid)
        site_url = site.url if site else (rurl or "")
        out.append(Finding(f"s{scid}", "site", rid, _utc(started), sid, site.name if site else rname,
                           site.sponsor if site else None, site_url, rule, indicator, status, message,
                           None, None, None, subject or "", _utc(fin) or _utc(started),
                           fingerprint(site_url, rule, None, subject or "")))
    return out


def _common_filters(stmt: Any, scope: Scope, flt: FindingFilter, run_ids: list[int] | None,
                    indicator_col: Any, status_col: Any) -> Any:
    cond = _in_scope(effective_site_id(), scope)
    if cond is not None:
        stmt = stmt.where(cond)
    if flt.site_id is not None:
        stmt = stmt.where(effective_site_id() == flt.site_id)
    if run_ids is not None:
        stmt = stmt.where(Run.id.in_(run_ids or [-1]))
    if flt.indicator:
        stmt = stmt.where(indicator_col == flt.indicator)
    if flt.status:
        stmt = stmt.where(status_col == flt.status)
    return stmt


def list_findings(store: Store, scope: Scope, flt: FindingFilter, limit: int | None = None,
                  offset: int = 0) -> tuple[list[Finding], int]:
    """Findings matching the filter, newest run first, each with its latest review; and the total count."""
    if flt.run_id is not None:
        run_ids: list[int] | None = [flt.run_id]
    elif flt.latest:
        run_ids = latest_run_ids(store, scope, flt.site_id)
    else:
        run_ids = None
    found = _page_findings(store, scope, flt, run_ids) + _site_findings(store, scope, flt, run_ids)
    attach_reviews(store, found)
    if flt.review:
        found = [f for f in found if f.review_state == flt.review]
    found.sort(key=lambda f: (-f.run_id, f.site_name, f.level != "site", f.page_url or "", f.rule, f.subject))
    total = len(found)
    end = None if limit is None else offset + limit
    return found[offset:end], total


def attach_reviews(store: Store, found: list[Finding]) -> None:
    reviews = latest_reviews(store, [f.fingerprint for f in found])
    for f in found:
        f.review = reviews.get(f.fingerprint)


def get_finding(store: Store, ref: str, scope: Scope) -> Finding | None:
    """One finding by its ref ("c12" / "s3"), or None when unknown, not a finding, or outside the scope."""
    if len(ref) < 2 or ref[0] not in "cs" or not ref[1:].isdigit():
        return None
    num = int(ref[1:])
    flt = FindingFilter(latest=False)
    found = (_page_findings(store, scope, flt, None, check_id=num) if ref[0] == "c"
             else _site_findings(store, scope, flt, None, site_check_id=num))
    if not found:
        return None
    attach_reviews(store, found)
    return found[0]


def indicators(store: Store, scope: Scope) -> list[str]:
    """The indicators that have findings somewhere in the scope (for the filter list)."""
    eff = effective_site_id()
    q1 = (select(Check.indicator).join(Page, Check.page_id == Page.id).join(Run, Page.run_id == Run.id)
          .where(Check.status.in_(FINDING_STATUSES)).distinct())
    q2 = (select(SiteCheck.indicator).join(Run, SiteCheck.run_id == Run.id)
          .where(SiteCheck.status.in_(FINDING_STATUSES), SiteCheck.subject != "pages",
                 SiteCheck.rule.not_in(SUMMARY_RULES)).distinct())
    cond = _in_scope(eff, scope)
    if cond is not None:
        q1, q2 = q1.where(cond), q2.where(cond)
    with store.session() as s:
        return sorted(set(s.scalars(q1)) | set(s.scalars(q2)))


# --- pages and evidence ---

@dataclass
class EvidenceInfo:
    id: int
    kind: str
    path: str | None
    sha256: str | None
    size: int | None
    box: dict[str, float] | None
    note: str | None
    text: str | None
    check_id: int | None


@dataclass
class CheckInfo:
    id: int
    rule: str
    status: str
    indicator: str
    message: str
    value: Any
    evidence: list[EvidenceInfo]


@dataclass
class PageInfo:
    id: int
    run_id: int
    url: str
    final_url: str | None
    http_status: int | None
    kind: str | None
    title: str | None
    error_kind: str | None
    error: str | None
    user_agent: str
    fetched_at: datetime | None
    screenshot: EvidenceInfo | None
    checks: list[CheckInfo]
    findings: int = 0


def _ev(e: Evidence) -> EvidenceInfo:
    return EvidenceInfo(e.id, e.kind, e.path, e.sha256, e.size, e.box, e.note, e.text, e.check_id)


def _page(p: Page, with_checks: bool) -> PageInfo:
    shot = next((e for e in p.evidence if e.kind == "screenshot"), None)
    checks = []
    if with_checks:
        checks = [CheckInfo(c.id, c.rule, c.status, c.indicator, c.message, c.value,
                            [_ev(e) for e in sorted(c.evidence, key=lambda e: e.id)])
                  for c in sorted(p.checks, key=lambda c: c.id)]
    info = PageInfo(p.id, p.run_id, p.url, p.final_url, p.http_status, p.kind, p.title, p.error_kind, p.error,
                    p.user_agent, _utc(p.fetched_at), _ev(shot) if shot else None, checks)
    info.findings = sum(1 for c in p.checks if c.status in FINDING_STATUSES)
    return info


def pages_of_run(store: Store, run_id: int) -> list[PageInfo]:
    with store.session() as s:
        pages = s.scalars(select(Page).where(Page.run_id == run_id).order_by(Page.id)
                          .options(selectinload(Page.checks), selectinload(Page.evidence)))
        return [_page(p, False) for p in pages]


def get_page(store: Store, page_id: int, scope: Scope) -> tuple[PageInfo, RunInfo] | None:
    with store.session() as s:
        p = s.scalar(select(Page).where(Page.id == page_id).options(
            selectinload(Page.checks).selectinload(Check.evidence), selectinload(Page.evidence)))
        if p is None:
            return None
        info = _page(p, True)
    run = get_run(store, info.run_id, scope)
    return (info, run) if run else None


def evidence_of_check(store: Store, check_id: int) -> tuple[list[EvidenceInfo], EvidenceInfo | None]:
    """A check's evidence files and the full-page screenshot of its page."""
    with store.session() as s:
        c = s.get(Check, check_id)
        if c is None:
            return [], None
        evs = [_ev(e) for e in s.scalars(select(Evidence).where(Evidence.check_id == check_id).order_by(Evidence.id))]
        shot = s.scalar(select(Evidence).where(Evidence.page_id == c.page_id, Evidence.kind == "screenshot"))
        return evs, (_ev(shot) if shot else None)


def evidence_of_site_check(store: Store, site_check_id: int) -> list[EvidenceInfo]:
    """The pictures of a site-level check (站内搜索, 互动交流): the Evidence rows its value names, of pages of its
    own run only."""
    with store.session() as s:
        sc = s.get(SiteCheck, site_check_id)
        listed = ((sc.value or {}).get("evidence") if sc is not None and isinstance(sc.value, dict) else None) or []
        ids = [e["id"] for e in listed if isinstance(e, dict) and isinstance(e.get("id"), int)]
        if not ids:
            return []
        rows = s.scalars(select(Evidence).join(Page, Evidence.page_id == Page.id)
                         .where(Evidence.id.in_(ids), Page.run_id == sc.run_id).order_by(Evidence.id))  # type: ignore[union-attr]
        return [_ev(e) for e in rows]


def evidence_site(store: Store, evidence_id: int) -> tuple[EvidenceInfo, int | None] | None:
    """An evidence row and the site its run belongs to (None: a run tied to no registered site)."""
    eff = effective_site_id().label("eff")
    stmt = (select(Evidence, eff).join(Page, Evidence.page_id == Page.id).join(Run, Page.run_id == Run.id)
            .where(Evidence.id == evidence_id))
    with store.session() as s:
        row = s.execute(stmt).first()
        if row is None:
            return None
        return _ev(row[0]), row[1]


# --- comparison ---

@dataclass
class Comparison:
    a: RunInfo
    b: RunInfo
    new: list[Finding]  # in b, not in a
    fixed: list[Finding]  # in a, not in b, and b audited that page (or, for site checks, was a site run)
    still: list[tuple[Finding, Finding]]  # in both (a's and b's copy)
    unchecked: list[Finding]  # in a, but b did not audit that page: neither fixed nor still there


def compare_refusal(run_a: int, run_b: int) -> str | None:
    """Why two runs cannot be compared in this order (the earlier run first), in Chinese; None when they can."""
    if run_a == run_b:
        return "不能把一次检查与它自己对比：请选择两次不同的检查"
    if run_a > run_b:
        return f"对比顺序颠倒：批次 {run_a} 晚于批次 {run_b}，请把较早的检查放在前面（a={run_b}&b={run_a}）"
    return None


def default_pair(runs: list[RunInfo]) -> tuple[int, int] | None:
    """The pair a comparison opens on: the two latest complete official runs (正式检查), else the two latest runs;
    a site owner's self-check is not what the official trend compares."""
    official = [r for r in runs if r.official and r.status == "done"]
    pool = official if len(official) >= 2 else runs
    if len(pool) < 2:
        return None
    return pool[1].id, pool[0].id


def compare_runs(store: Store, scope: Scope, run_a: int, run_b: int) -> Comparison | None:
    """Findings of two runs matched by fingerprint. None when either run is outside the scope."""
    a, b = get_run(store, run_a, scope), get_run(store, run_b, scope)
    if a is None or b is None:
        return None
    fa, _ = list_findings(store, scope, FindingFilter(run_id=run_a, latest=False))
    fb, _ = list_findings(store, scope, FindingFilter(run_id=run_b, latest=False))
    ka = {f.fingerprint: f for f in fa}
    kb = {f.fingerprint: f for f in fb}
    with store.session() as s:
        audited_b = set(s.scalars(select(Page.url).where(Page.run_id == run_b, Page.error_kind.is_(None))))
    new, fixed, still, unchecked = classify(
        ka, kb, lambda f: (f.page_url in audited_b) if f.level == "page" else (b.kind == "site"))
    return Comparison(a, b, new, fixed, still, unchecked)
