"""Storage errors with a Chinese message: the CLI prints them (exit 2), the web turns them into a 4xx/5xx page."""
from __future__ import annotations


class StoreError(Exception):
    """The database could not be opened, reached or written (bad URL, unsupported database, no permission)."""


class ValueTooLong(StoreError, ValueError):
    """A value is longer than its database column (refused for what the user typed)."""


def masked(url: str) -> str:
    """The database URL without its password, for messages."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - a URL that does not even parse is shown as given, minus any user info
        head, sep, tail = url.partition("@")
        return ("…@" + tail) if sep else url


def describe_db_error(exc: BaseException, url: str) -> str:
    """A Chinese message for a database driver error (the first line of the driver's own text)."""
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    first = text[0] if text else type(exc).__name__
    low = first.lower()
    where = masked(url)
    if "unable to open database file" in low:
        return f"无法打开数据库文件（目录不存在或没有权限）：{where}"
    if "readonly" in low or "read-only" in low or "attempt to write a readonly database" in low:
        return f"数据库文件不可写：{where}"
    if "connection refused" in low or "could not connect" in low or "timeout" in low or \
            "name or service not known" in low or "connection failed" in low or "no such host" in low:
        return f"无法连接数据库 {where}：{first}"
    if "password authentication failed" in low or "authentication" in low:
        return f"数据库拒绝登录 {where}：{first}"
    if "does not exist" in low and "database" in low:
        return f"数据库不存在 {where}：{first}"
    return f"数据库错误（{where}）：{first}"


def as_store_error(exc: BaseException, url: str) -> StoreError:
    return StoreError(describe_db_error(exc, url))


__all__ = ["StoreError", "ValueTooLong", "describe_db_error", "masked", "as_store_error"]
