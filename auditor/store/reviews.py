"""Reviews of findings (误报 / 确认): append-only, keyed on a fingerprint that is the same in every run.

The fingerprint is SHA-256 over (site origin, rule, page URL, subject). It leaves out the check id and the run,
so when the same site is audited again and the same rule fails on the same page, the newest review of that
finding is shown again. The site part is the origin (scheme://host[:port], lower case) so a site registered
as ``http://x.gov.cn/`` and a run that only knows its page URLs agree.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Iterable
from urllib.parse import urlsplit

from sqlalchemy import select

from auditor.store.db import Store
from auditor.store.models import Review

VERDICTS = {"false_positive": "误报", "confirmed": "确认"}
MAX_REASON = 2000


class ReviewError(ValueError):
    pass


def origin(url: str | None) -> str:
    """scheme://host[:port] of a URL, lower case; '' when there is none."""
    if not url:
        return ""
    parts = urlsplit(url.strip())
    if not parts.scheme or not parts.netloc:
        return ""
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def _page_key(url: str | None) -> str:
    # The fragment never changes what was fetched; everything else (path, query) does.
    return (url or "").split("#", 1)[0]


def fingerprint(site_url: str | None, rule: str, page_url: str | None, subject: str = "") -> str:
    site = origin(site_url) or origin(page_url)
    raw = "\x1f".join((site, rule, _page_key(page_url), subject or ""))
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ReviewInfo:
    id: int
    fingerprint: str
    verdict: str
    reviewer: str
    reason: str
    created_at: datetime
    run_id: int | None
    finding_ref: str | None

    @property
    def verdict_zh(self) -> str:
        return VERDICTS.get(self.verdict, self.verdict)


def _utc(dt: datetime) -> datetime:
    # SQLite hands back naive datetimes; they were written as UTC.
    return dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt


def _info(r: Review) -> ReviewInfo:
    return ReviewInfo(r.id, r.fingerprint, r.verdict, r.reviewer, r.reason, _utc(r.created_at), r.run_id,
                      r.finding_ref)


@dataclass(frozen=True)
class Target:
    """A finding to review, by the parts of its fingerprint (and where it was seen)."""
    site_url: str | None
    rule: str
    page_url: str | None
    subject: str = ""
    run_id: int | None = None
    finding_ref: str | None = None


def _checked_reason(verdict: str, reason: str) -> str:
    if verdict not in VERDICTS:
        raise ReviewError("结论必须是 误报 或 确认")
    reason = (reason or "").strip()
    if verdict == "false_positive" and not reason:
        raise ReviewError("标记误报需要填写理由")
    if len(reason) > MAX_REASON:
        raise ReviewError(f"理由不能超过 {MAX_REASON} 字")
    return reason


def _row(t: Target, verdict: str, reviewer: str, reason: str, now: datetime) -> Review:
    return Review(fingerprint=fingerprint(t.site_url, t.rule, t.page_url, t.subject),
                  site_url=origin(t.site_url) or origin(t.page_url), rule=t.rule, page_url=_page_key(t.page_url),
                  subject=t.subject or "", verdict=verdict, reviewer=reviewer, reason=reason, run_id=t.run_id,
                  finding_ref=t.finding_ref, created_at=now)


def add_review(store: Store, *, site_url: str | None, rule: str, page_url: str | None, subject: str,
               verdict: str, reviewer: str, reason: str, run_id: int | None = None,
               finding_ref: str | None = None) -> ReviewInfo:
    """Record a verdict. A 误报 needs a reason (the next reviewer must be able to follow it)."""
    reason = _checked_reason(verdict, reason)
    with store.session.begin() as s:
        r = _row(Target(site_url, rule, page_url, subject, run_id, finding_ref), verdict, reviewer, reason,
                 datetime.now(timezone.utc))
        s.add(r)
        s.flush()
        return _info(r)


def add_reviews(store: Store, targets: Iterable[Target], *, verdict: str, reviewer: str, reason: str) -> int:
    """One verdict and one reason on many findings (a whole group, or the rows a reviewer selected), in one
    transaction: all are recorded or none. Findings named twice are recorded once. Returns how many."""
    reason = _checked_reason(verdict, reason)
    now = datetime.now(timezone.utc)
    rows: dict[str, Review] = {}
    for t in targets:
        r = _row(t, verdict, reviewer, reason, now)
        rows.setdefault(r.fingerprint, r)
    if not rows:
        raise ReviewError("没有选中任何问题")
    with store.session.begin() as s:
        s.add_all(rows.values())
    return len(rows)


def latest_reviews(store: Store, fingerprints: Iterable[str]) -> dict[str, ReviewInfo]:
    """The newest review of each fingerprint that has one."""
    fps = list(dict.fromkeys(fingerprints))
    out: dict[str, ReviewInfo] = {}
    with store.session() as s:
        for i in range(0, len(fps), 500):  # stay far below the bound-parameter limits
            rows = s.scalars(select(Review).where(Review.fingerprint.in_(fps[i:i + 500]))
                             .order_by(Review.created_at, Review.id))
            for r in rows:
                out[r.fingerprint] = _info(r)  # ordered oldest first: the last one wins
    return out


def history(store: Store, fp: str) -> list[ReviewInfo]:
    """Every review of one finding, newest first."""
    with store.session() as s:
        rows = s.scalars(select(Review).where(Review.fingerprint == fp)
                         .order_by(Review.created_at.desc(), Review.id.desc()))
        return [_info(r) for r in rows]
