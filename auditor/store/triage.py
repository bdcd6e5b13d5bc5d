"""The store side of 分组审核 and 先整改: findings as grouping items (with the hash of each finding's HTML snippet
and an example crop), and the site owners' «已整改» answers with what a later run says about them.

An «已整改» answer is kept against the finding's fingerprint (like a review), so a later run of the site can tell:
**已整改** — the finding is gone and that run audited its page without error (a site-level finding: the later run
was a site audit); **仍存在** — the same finding is in that run; **未复查** — the later run did not open the page;
**待复查** — no later run yet. These are the comparison's own categories (``findings.compare_runs``).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Iterable

from sqlalchemy import select

from auditor.store import findings as fq
from auditor.store.db import Store
from auditor.store.models import Evidence, FixClaim, Page
from auditor.store.reviews import MAX_REASON, ReviewError, origin
from auditor.triage import Item

CROP_KINDS = ("crop", "ocr_crop", "shot")
CLAIM_STATES = {"fixed": "已整改", "still": "仍存在", "unchecked": "未复查", "pending": "待复查"}


@dataclass(frozen=True)
class EvidenceKeys:
    element: str  # SHA-256 over the check's HTML snippet hashes, "" without a snippet
    crop_id: int | None  # the check's first picture (crop), for the group's example
    html_id: int | None = None  # the check's first HTML snippet file


def evidence_keys(store: Store, check_ids: Iterable[int]) -> dict[int, EvidenceKeys]:
    """For each page check: its element key and its first crop."""
    ids = sorted(set(check_ids))
    html: dict[int, list[str]] = {}
    crop: dict[int, int] = {}
    snippet: dict[int, int] = {}
    with store.session() as s:
        for i in range(0, len(ids), 500):
            rows = s.execute(select(Evidence.check_id, Evidence.kind, Evidence.sha256, Evidence.id)
                             .where(Evidence.check_id.in_(ids[i:i + 500]),
                                    Evidence.kind.in_(("html", *CROP_KINDS)))
                             .order_by(Evidence.id))
            for cid, kind, sha, eid in rows:
                if kind == "html" and sha:
                    html.setdefault(cid, []).append(sha)
                    snippet.setdefault(cid, eid)
                elif kind in CROP_KINDS:
                    crop.setdefault(cid, eid)
    out = {}
    for cid in ids:
        shas = html.get(cid)
        out[cid] = EvidenceKeys("-".join(sorted(set(shas)))[:200] if shas else "", crop.get(cid), snippet.get(cid))
    return out


def review_items(store: Store, found: list[fq.Finding]) -> tuple[list[Item], dict[str, EvidenceKeys]]:
    """The findings as grouping items, and each page finding's evidence keys (example crop, snippet) by ref."""
    keys = evidence_keys(store, [int(f.ref[1:]) for f in found if f.level == "page"])
    items, examples = [], {}
    for f in found:
        k = keys.get(int(f.ref[1:])) if f.level == "page" else None
        items.append(Item(f.ref, f.rule, f.indicator, f.status, str(f.site_id) if f.site_id else origin(f.site_url),
                          f.page_url if f.level == "page" else None, k.element if k else "", f.review_state))
        if k is not None:
            examples[f.ref] = k
    return items, examples


# --- «已整改» ---

@dataclass(frozen=True)
class FixInfo:
    id: int
    fingerprint: str
    site_url: str
    rule: str
    indicator: str
    page_url: str
    subject: str
    claimed_by: str
    note: str
    run_id: int
    finding_ref: str
    created_at: datetime


def _utc(dt: datetime) -> datetime:
    return dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt


def _info(c: FixClaim) -> FixInfo:
    return FixInfo(c.id, c.fingerprint, c.site_url, c.rule, c.indicator or c.rule, c.page_url, c.subject, c.claimed_by, c.note, c.run_id,
                   c.finding_ref, _utc(c.created_at))


def claim_fixed(store: Store, found: Iterable[fq.Finding], owner: str, note: str = "") -> int:
    """Record «已整改» by ``owner`` on the findings, in one transaction. Returns how many were recorded."""
    note = (note or "").strip()
    if len(note) > MAX_REASON:
        raise ReviewError(f"说明不能超过 {MAX_REASON} 字")
    now = datetime.now(timezone.utc)
    rows: dict[str, FixClaim] = {}
    for f in found:
        rows.setdefault(f.fingerprint, FixClaim(
            fingerprint=f.fingerprint, site_url=origin(f.site_url) or origin(f.page_url), rule=f.rule, indicator=f.indicator,
            page_url=(f.page_url or "").split("#", 1)[0], subject=f.subject or "", claimed_by=owner, note=note,
            run_id=f.run_id, finding_ref=f.ref, created_at=now))
    if not rows:
        raise ReviewError("没有选中任何问题")
    with store.session.begin() as s:
        s.add_all(rows.values())
    return len(rows)


def site_claims(store: Store, site_url: str) -> list[FixInfo]:
    """The newest «已整改» answer per finding of the site (by its origin), newest first."""
    latest: dict[str, FixInfo] = {}
    with store.session() as s:
        for c in s.scalars(select(FixClaim).where(FixClaim.site_url == origin(site_url))
                           .order_by(FixClaim.created_at, FixClaim.id)):
            latest[c.fingerprint] = _info(c)
    return sorted(latest.values(), key=lambda c: (c.created_at, c.id), reverse=True)


@dataclass(frozen=True)
class Verified:
    claim: FixInfo
    state: str  # fixed | still | unchecked | pending
    run_id: int | None  # the run that says so

    @property
    def state_zh(self) -> str:
        return CLAIM_STATES[self.state]


def _state(store: Store, scope: fq.Scope, claim: FixInfo, run: fq.RunInfo,
           cache: dict[int, tuple[set[str], set[str]]]) -> str:
    if run.id not in cache:
        found, _ = fq.list_findings(store, scope, fq.FindingFilter(run_id=run.id, latest=False))
        with store.session() as s:
            audited = set(s.scalars(select(Page.url).where(Page.run_id == run.id, Page.error_kind.is_(None))))
        cache[run.id] = ({f.fingerprint for f in found}, audited)
    fps, audited = cache[run.id]
    if claim.fingerprint in fps:
        return "still"
    seen = (claim.page_url in audited) if claim.page_url else (run.kind == "site")
    return "fixed" if seen else "unchecked"


def verify_in_run(store: Store, scope: fq.Scope, run: fq.RunInfo, site_url: str) -> list[Verified]:
    """What ``run`` says about each «已整改» answer given on an earlier run of the site."""
    cache: dict[int, tuple[set[str], set[str]]] = {}
    return [Verified(c, _state(store, scope, c, run, cache), run.id) for c in site_claims(store, site_url)
            if c.run_id < run.id]


def verify_latest(store: Store, scope: fq.Scope, site: fq.SiteInfo) -> list[Verified]:
    """Each «已整改» answer of the site with what the newest finished run after it says (待复查 when none)."""
    runs = [r for r in fq.runs_of_site(store, site.id, 200) if r.finished_at is not None and not r.active]
    cache: dict[int, tuple[set[str], set[str]]] = {}
    out = []
    for c in site_claims(store, site.url):
        later = [r for r in runs if r.id > c.run_id and r.status == "done"]
        if not later:
            out.append(Verified(c, "pending", None))
            continue
        newest = max(later, key=lambda r: r.id)
        out.append(Verified(c, _state(store, scope, c, newest, cache), newest.id))
    return out
