"""Column length limits, read off the models' ``String(n)`` columns and checked before writing.

PostgreSQL refuses a value longer than its column (SQLite would silently keep it), so the same check runs on
both: what the user typed (site name, URL, site code, sponsor) is refused with a Chinese message naming the
field; what came from a page (titles, messages, URLs found by the crawl) is cut to fit instead.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping

from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase

from auditor.lengths import FIELD_ZH, too_long
from auditor.store.errors import ValueTooLong


def column_limits(model: type[DeclarativeBase] | DeclarativeBase) -> dict[str, int]:
    """{attribute: maximum length} of the model's length-limited string columns."""
    cls = model if isinstance(model, type) else type(model)
    out: dict[str, int] = {}
    for attr in cls.__mapper__.column_attrs:  # type: ignore[attr-defined]
        col = attr.columns[0]
        if isinstance(col.type, String) and col.type.length:
            out[attr.key] = int(col.type.length)
    return out


def check_lengths(model: type[DeclarativeBase] | DeclarativeBase, values: Mapping[str, Any] | None = None) -> None:
    """Refuse values longer than their columns (``ValueTooLong``, naming the field and both lengths).

    ``values`` defaults to the instance's own attributes; pass a mapping to check input before a row exists.
    """
    limits = column_limits(model)
    items: Iterable[tuple[str, Any]]
    if values is None:
        items = ((k, getattr(model, k, None)) for k in limits)
    else:
        items = values.items()
    for key, value in items:
        limit = limits.get(key)
        message = too_long(key, value, limit) if limit is not None and isinstance(value, str) else None
        if message:
            raise ValueTooLong(message)


def fit_lengths(obj: DeclarativeBase) -> DeclarativeBase:
    """Cut string attributes that come from pages to their columns' lengths (in place); returns the object."""
    for key, limit in column_limits(obj).items():
        value = getattr(obj, key, None)
        if isinstance(value, str) and len(value) > limit:
            setattr(obj, key, value[:limit - 1] + "…")
    return obj


__all__ = ["column_limits", "check_lengths", "fit_lengths", "ValueTooLong", "FIELD_ZH"]
