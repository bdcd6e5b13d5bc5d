"""Reading the findings filter from a query string (the same for the list, the exports and the API)."""
from __future__ import annotations

from typing import Mapping

from auditor.store.findings import FINDING_STATUSES, REVIEW_STATES, FindingFilter


class BadParam(ValueError):
    pass


def _int(args: Mapping[str, str], name: str) -> int | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 12:
        raise BadParam(f"参数 {name} 必须是正整数")
    return int(raw)


def finding_filter(args: Mapping[str, str]) -> FindingFilter:
    """site_id, run_id, indicator, status (fail|warn), review (unreviewed|false_positive|confirmed),
    all_runs=1 to look beyond each site's latest run."""
    status = (args.get("status") or "").strip() or None
    if status is not None and status not in FINDING_STATUSES:
        raise BadParam("参数 status 必须是 fail 或 warn")
    review = (args.get("review") or "").strip() or None
    if review is not None and review not in REVIEW_STATES:
        raise BadParam("参数 review 必须是 " + " / ".join(REVIEW_STATES))
    indicator = (args.get("indicator") or "").strip()[:100] or None
    all_runs = (args.get("all_runs") or "").strip() in ("1", "true", "on", "yes")
    return FindingFilter(site_id=_int(args, "site_id"), run_id=_int(args, "run_id"), indicator=indicator,
                         status=status, review=review, latest=not all_runs)


def paging(args: Mapping[str, str], default: int = 100, most: int = 1000) -> tuple[int, int]:
    limit = _int(args, "limit") or default
    offset = _int(args, "offset") or 0
    return min(limit, most), offset
