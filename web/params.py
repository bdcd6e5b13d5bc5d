"""Reading what a request names: ids (in paths and query strings), finding refs, URLs and the findings filter.

Every id is a bounded ASCII integer, 1 ≤ id < 2^63: Python's ``str.isdigit`` and Werkzeug's own ``int``
converter accept Unicode digits such as «²» (which ``int()`` then refuses) and numbers no database column can
hold, and either used to end in a 500. Here they are a 404 (in a path) or a 400 with a Chinese message.
"""
from __future__ import annotations

import re
from typing import Any, Mapping

from werkzeug.routing import BaseConverter, ValidationError

from auditor.netpolicy import TargetRefused, normalise_url
from auditor.store.findings import FINDING_STATUSES, REVIEW_STATES, FindingFilter

MAX_ID = 2 ** 63 - 1
_ASCII_INT = re.compile(r"[0-9]{1,19}")
_REF = re.compile(r"[cs]([0-9]{1,19})")


class BadParam(ValueError):
    pass


def parse_id(raw: str | None, minimum: int = 1) -> int | None:
    """The integer when ``raw`` is ASCII digits within minimum..2^63-1, else None."""
    if raw is None or not _ASCII_INT.fullmatch(raw):
        return None
    n = int(raw)
    return n if minimum <= n <= MAX_ID else None


def valid_ref(ref: str) -> bool:
    """A finding ref: ``c`` (page check) or ``s`` (site check) and an id."""
    m = _REF.fullmatch(ref)
    return m is not None and parse_id(m.group(1)) is not None


class IdConverter(BaseConverter):
    """``<int:...>`` in every route: ASCII digits only, 1 ≤ id < 2^63; anything else does not match (404)."""
    regex = r"[0-9]{1,19}"
    part_isolating = True

    def to_python(self, value: str) -> int:
        n = parse_id(value)
        if n is None:
            raise ValidationError()
        return n

    def to_url(self, value: Any) -> str:
        return str(int(value))


def _int(args: Mapping[str, str], name: str, minimum: int = 1) -> int | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    n = parse_id(raw, minimum)
    if n is None:
        raise BadParam(f"参数 {name} 必须是{'非负' if minimum == 0 else '正'}整数（只用 0-9，小于 2^63）")
    return n


def int_arg(args: Mapping[str, str], name: str, minimum: int = 1) -> int | None:
    """An optional integer query parameter; BadParam (→ 400) when present but not a bounded ASCII integer."""
    return _int(args, name, minimum)


def clean_url(raw: str) -> str:
    """A URL from a form or an API body, normalised (auditor.netpolicy.normalise_url); BadParam with a Chinese
    message for anything it refuses or cannot parse (``http://[::1`` raises a plain ValueError in urllib)."""
    try:
        return normalise_url(raw)
    except TargetRefused as exc:
        raise BadParam(str(exc)) from None
    except (ValueError, UnicodeError):
        raise BadParam(f"网址无效：{raw[:200]}") from None


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
    offset = _int(args, "offset", minimum=0) or 0
    return min(limit, most), offset
