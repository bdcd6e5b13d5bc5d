"""Page kind (首页 / 栏目页 / 内容页 / 其他) from the rendered page's facts: it decides which 网页标签 apply."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from auditor.models import PageFacts
from auditor.blankmark import blank_marker

_HOME_PATH = re.compile(r"^/?((index|default|home|main)\.(s?html?|jsp|php|aspx?))?$", re.I)


def classify(facts: PageFacts) -> str:
    """'home', 'column', 'article' or 'other'. Declared page labels win over layout hints."""
    metas = facts.metas()
    if metas.get("articletitle") or metas.get("pubdate"):
        return "article"
    path = urlsplit(facts.final_url or facts.url).path
    dated, longest = facts.probe.hints.dated_items, facts.probe.hints.longest_block
    # A content page saved or served as index.html is still a content page: a long body and no news lists.
    article_like = longest >= 400 and dated < 5
    if _HOME_PATH.match(path) and not article_like:
        return "home"
    if metas.get("columnname") or metas.get("columntype"):
        return "column"
    if dated >= 8 and longest < 400:
        return "column"
    if longest >= 200:
        return "article"
    if dated >= 5:
        return "column"
    # 空白栏目: a list page that says «暂无信息» is a column, whatever its tags (auditor/site_rules/columns.py).
    if blank_marker(facts.probe.text) and dated < 5:
        return "column"
    return "other"
