"""Lengths of the text columns that hold what a user types (网站名称, 网址, 网站标识码, 主办单位...).

One place for the tables (``auditor/store/models.py`` declares ``String(SITE_NAME)``...) and for the command
line, which checks its arguments as it parses them: this module imports nothing, so a one-page audit does not
load the database layer before its browser starts (start-up, docs/performance.md).
"""
from __future__ import annotations

SITE_NAME = 200
SITE_CODE = 20
SITE_URL = 1000
PAGE_URL = 2000
SPONSOR = 200
SITE_TYPE = 50

# Names of the user-facing fields in messages (others are named by their column).
FIELD_ZH = {"name": "网站名称", "site_name": "网站名称", "url": "网址", "site_url": "网址", "site_code": "网站标识码",
            "sponsor": "主办单位", "site_type": "网站类型", "final_url": "最终网址", "user_agent": "User-Agent",
            "engine": "浏览器引擎"}


def too_long(field: str, value: str, limit: int) -> str | None:
    """The Chinese message for a value longer than its column («网站名称太长：…»), or None when it fits."""
    if len(value) <= limit:
        return None
    return f"{FIELD_ZH.get(field, field)}太长：{len(value)} 个字符，最多 {limit} 个（{value[:40]}…）"


__all__ = ["SITE_NAME", "SITE_CODE", "SITE_URL", "PAGE_URL", "SPONSOR", "SITE_TYPE", "FIELD_ZH", "too_long"]
