"""空白栏目的提示语: the words by which a list page says it has nothing («暂无信息», «正在建设中»).

Its own module so that the page-kind classifier (``auditor/pagekind.py``, on every page) reads it without loading the
site rules, which use it for 空白栏目 (``auditor/site_rules/columns.py``).
"""
from __future__ import annotations

import re

# «暂无信息 / 暂无内容 / 正在建设中» and their common variants on 空白栏目.
BLANK_RE = re.compile(r"暂无(?:相关)?(?:信息|内容|数据|记录|文章)|(?:栏目)?正在建设中|栏目建设中")


def blank_marker(text: str | None) -> str | None:
    """The words by which a list page says it has nothing («暂无信息»), or None."""
    m = BLANK_RE.search(text or "")
    return m.group(0) if m else None


__all__ = ["BLANK_RE", "blank_marker"]
