"""Availability probes in the Store: at most one row per (site_url, slot), so a restarted monitor can neither
lose a stored probe nor count one twice. Works on SQLite and PostgreSQL.

Timestamps are written as UTC (SQLite keeps them naive; they are read back as aware UTC).
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from auditor.availability import ProbeRecord
from auditor.store import Store
from auditor.store.models import AvailabilityProbe

_T = AvailabilityProbe.__table__


def _utc(dt: datetime) -> datetime:
    return dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt.astimezone(timezone.utc)


def _row(rec: ProbeRecord) -> dict[str, object]:
    return {"site_url": rec.site_url, "slot": int(rec.slot), "probed_at": _utc(rec.probed_at), "ok": bool(rec.ok),
            "elapsed_ms": rec.elapsed_ms, "http_status": rec.http_status, "error": rec.error}


def record_probe(store: Store, rec: ProbeRecord) -> bool:
    """Insert one probe; False (and nothing written) when that site already has a probe for that slot."""
    row = _row(rec)
    dialect = store.engine.dialect.name
    if dialect in ("sqlite", "postgresql"):
        if dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert as dialect_insert
        else:
            from sqlalchemy.dialects.postgresql import insert as dialect_insert
        # RETURNING says whether a row went in (rowcount is -1 when SQLAlchemy adds RETURNING itself).
        stmt = (dialect_insert(_T).values(**row).on_conflict_do_nothing(index_elements=["site_url", "slot"])
                .returning(_T.c.id))
        with store.engine.begin() as conn:
            return conn.execute(stmt).first() is not None
    # Any other database: let the unique constraint decide, inside a savepoint.
    with store.engine.begin() as conn:
        try:
            with conn.begin_nested():
                conn.execute(insert(_T).values(**row))
        except IntegrityError:
            return False
        return True


def _record(r: AvailabilityProbe) -> ProbeRecord:
    return ProbeRecord(site_url=r.site_url, slot=int(r.slot), probed_at=_utc(r.probed_at), ok=bool(r.ok),
                       elapsed_ms=r.elapsed_ms, http_status=r.http_status, error=r.error)


def probes(store: Store, site_url: str, since: datetime | None = None, until: datetime | None = None
           ) -> list[ProbeRecord]:
    """A site's probes with since ≤ probed_at < until (either bound optional), oldest first."""
    q = select(AvailabilityProbe).where(AvailabilityProbe.site_url == site_url)
    if since is not None:
        q = q.where(AvailabilityProbe.probed_at >= _utc(since))
    if until is not None:
        q = q.where(AvailabilityProbe.probed_at < _utc(until))
    q = q.order_by(AvailabilityProbe.slot)
    with store.session() as s:
        return [_record(r) for r in s.scalars(q)]


def last_slot(store: Store, site_url: str) -> int | None:
    """The newest slot stored for a site, None before its first probe."""
    with store.session() as s:
        v = s.scalar(select(func.max(AvailabilityProbe.slot)).where(AvailabilityProbe.site_url == site_url))
    return None if v is None else int(v)
