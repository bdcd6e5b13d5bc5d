"""站点无法访问 (单项否决): the verdict over a week of scheduled home-page probes.

The rule (国办秘函〔2019〕19号, ../shared/spec.md §0, §1.2): «监测1周，每天间隔性访问20次以上，超过（含）15秒网站仍打不开的
次数累计占比超过（含）5%». So: a window of 7 days ending at the assessment time, at least 20 probes on each of
those days (20次以上 includes 20), a probe that has not opened within 15 s counts as a failure (the prober's
job), and the site fails when failures / total ≥ 5 % (超过（含）: the boundary itself fails).

Probes are scheduled in slots: slot = int(epoch seconds // interval). The monitor stores at most one probe per
site and slot, so a restarted monitor neither loses nor double-counts probes. Everything here is pure: no
clock, no network, no database. The verdict as a result (``site.availability``) and the single failed visit of
a site run (``site.unreachable``) are site rules in ``auditor/site_rules/availability.py``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from fractions import Fraction
from typing import Any, Iterable

from auditor.models import Status

#: One probe an hour: 24 a day, above the rule's 20.
DEFAULT_INTERVAL_S = 3600 * 24 // 24
DEFAULT_TIMEOUT_S = 15.0
WINDOW_DAYS = 7
MIN_PER_DAY = 20
FAIL_RATIO = 0.05

#: Days are labelled in China Standard Time (no DST; a fixed offset needs no tz database).
CST = timezone(timedelta(hours=8), "CST")


@dataclass
class ProbeRecord:
    """One probe of a site's home page: ``ok`` when it opened within the timeout."""
    site_url: str
    slot: int
    probed_at: datetime
    ok: bool
    elapsed_ms: int | None = None
    http_status: int | None = None
    error: str | None = None


@dataclass
class DayCount:
    """One of the window's days: [start, end), 24 hours each, counted back from the assessment time."""
    index: int  # 1..window_days
    start: datetime
    end: datetime
    total: int = 0
    failures: int = 0

    @property
    def label(self) -> str:
        return self.start.astimezone(CST).strftime("%Y-%m-%d")


@dataclass
class AvailabilityVerdict:
    site_url: str | None
    status: Status
    message: str
    total: int
    failures: int
    ratio: float  # failures / total, 0.0 when there is no probe
    complete: bool  # every day of the window has at least min_per_day probes
    missing: int  # probes still missing for the monitoring to be complete
    per_day: list[DayCount]
    failed: list[ProbeRecord]
    window_start: datetime
    window_end: datetime
    window_days: int = WINDOW_DAYS
    min_per_day: int = MIN_PER_DAY
    fail_ratio: float = FAIL_RATIO
    extra: dict[str, Any] = field(default_factory=dict)


def _utc(dt: datetime) -> datetime:
    """Aware UTC; a naive datetime is taken as UTC (SQLite hands timestamps back naive)."""
    return dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt.astimezone(timezone.utc)


def schedule(interval_s: int, now: datetime) -> int:
    """The slot number ``now`` falls in: int(epoch seconds // interval)."""
    if interval_s <= 0:
        raise ValueError("interval_s must be positive")
    return int(_utc(now).timestamp() // interval_s)


def slot_start(slot: int, interval_s: int) -> datetime:
    """When a slot begins (UTC)."""
    return datetime.fromtimestamp(slot * interval_s, tz=timezone.utc)


def slot_end(slot: int, interval_s: int) -> datetime:
    return slot_start(slot + 1, interval_s)


def probes_per_day(interval_s: int) -> float:
    return 86400 / interval_s


def _pct(x: float) -> str:
    return f"{x * 100:.2f}%"


def _threshold_pct(fail_ratio: float) -> str:
    return f"{fail_ratio * 100:g}%"


def verdict(probes: Iterable[ProbeRecord], now: datetime, window_days: int = WINDOW_DAYS,
            min_per_day: int = MIN_PER_DAY, fail_ratio: float = FAIL_RATIO, *,
            timeout_s: float = DEFAULT_TIMEOUT_S) -> AvailabilityVerdict:
    """The 站点无法访问 verdict for the ``window_days`` days ending at ``now`` ([now - window, now)).

    ``timeout_s`` only words the message (the prober decides what failed).
    Probes outside the window are ignored; a (site, slot) seen twice counts once. When a day of the window has
    fewer than ``min_per_day`` probes the monitoring is incomplete and the status is not_assessable (the
    message says how many probes are missing); otherwise fail when failures / total ≥ ``fail_ratio``.
    """
    end = _utc(now)
    start = end - timedelta(days=window_days)
    days = [DayCount(i + 1, start + timedelta(days=i), start + timedelta(days=i + 1)) for i in range(window_days)]
    seen: set[tuple[str, int]] = set()
    inside: list[ProbeRecord] = []
    sites: set[str] = set()
    for p in probes:
        t = _utc(p.probed_at)
        if not (start <= t < end) or (p.site_url, p.slot) in seen:
            continue
        seen.add((p.site_url, p.slot))
        inside.append(p)
        sites.add(p.site_url)
        d = days[min(int((t - start) // timedelta(days=1)), window_days - 1)]
        d.total += 1
        d.failures += 0 if p.ok else 1
    inside.sort(key=lambda p: (_utc(p.probed_at), p.slot))
    total = len(inside)
    failed = [p for p in inside if not p.ok]
    failures = len(failed)
    ratio = failures / total if total else 0.0
    missing = sum(max(0, min_per_day - d.total) for d in days)
    complete = missing == 0
    site_url = next(iter(sites)) if len(sites) == 1 else None
    threshold = _threshold_pct(fail_ratio)
    counted = f"监测{window_days}天共访问{total}次，超过（含）{timeout_s:g}秒仍打不开{failures}次，占{_pct(ratio)}"
    if not complete:
        short = [d for d in days if d.total < min_per_day]
        detail = "、".join(f"第{d.index}天（{d.label}）{d.total}次" for d in short[:7])
        if len(short) > 7:
            detail += f"等{len(short)}天"
        status = Status.NOT_ASSESSABLE
        message = (f"监测数据不足，无法判定：规则要求监测{window_days}天、每天访问{min_per_day}次以上，"
                   f"{detail}，共缺少{missing}次访问"
                   + (f"（目前已访问{total}次，打不开{failures}次，占{_pct(ratio)}）" if total else ""))
    elif Fraction(failures, total) >= Fraction(str(fail_ratio)):
        status = Status.FAIL
        message = f"站点无法访问（单项否决）：{counted}，达到（含）{threshold}"
    else:
        status = Status.PASS
        message = f"站点可正常访问：{counted}，低于{threshold}"
    return AvailabilityVerdict(site_url=site_url, status=status, message=message, total=total,
                               failures=failures, ratio=ratio, complete=complete, missing=missing,
                               per_day=days, failed=failed, window_start=start, window_end=end,
                               window_days=window_days, min_per_day=min_per_day, fail_ratio=fail_ratio)


def _iso(dt: datetime) -> str:
    return _utc(dt).astimezone(CST).isoformat(timespec="seconds")


def verdict_value(v: AvailabilityVerdict, max_failed: int = 500) -> dict[str, Any]:
    """The numbers behind a verdict, JSON-ready (times in China Standard Time)."""
    return {
        "site_url": v.site_url,
        "window": {"start": _iso(v.window_start), "end": _iso(v.window_end), "days": v.window_days},
        "total": v.total,
        "failures": v.failures,
        "ratio": round(v.ratio, 6),
        "threshold": v.fail_ratio,
        "min_per_day": v.min_per_day,
        "complete": v.complete,
        "missing": v.missing,
        "per_day": [{"day": d.index, "date": d.label, "start": _iso(d.start), "end": _iso(d.end),
                     "total": d.total, "failures": d.failures} for d in v.per_day],
        "failed": [{"time": _iso(p.probed_at), "slot": p.slot, "error": p.error, "http_status": p.http_status,
                    "elapsed_ms": p.elapsed_ms} for p in v.failed[:max_failed]],
        "failed_truncated": len(v.failed) > max_failed,
    }
