"""The sample site's 站内搜索 service: a real search over the titles of the articles under www/ (ArticleTitle).

``/search/do?q=…[&sj=week|month|year][&lm=<column>]`` lists matching articles, newest first, with filters by
time (时间不限 / 一周内 / 一月内 / 一年内) and by column (全部栏目 / …). Two variants for the site.search truth:
``/site-variants/search/empty.do`` is a search engine with nothing indexed (always «没有找到相关结果», no filters) and
``/site-variants/search/error.do`` answers HTTP 500. Stdlib only; the index is read once, lazily.
"""
from __future__ import annotations

import functools
import html
import re
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import parse_qs, quote

WWW = Path(__file__).parent / "www"
_META = re.compile(r'<meta name="(ArticleTitle|PubDate|ColumnName)" content="([^"]*)"')
# The sample site's 今天 (its pages say «今天是：2026年11月18日»): the time filters count back from it.
TODAY = date(2026, 11, 18)
_SINCE = {"week": 7, "month": 31, "year": 366}


@functools.lru_cache(maxsize=1)
def index() -> list[dict[str, str]]:
    """Every article page of the site (not the variants): title, path, date, column."""
    out = []
    for p in sorted(WWW.rglob("*.html")):
        rel = "/" + p.relative_to(WWW).as_posix()
        if rel.startswith(("/variants/", "/site-variants/")):
            continue
        metas = dict(_META.findall(p.read_text(encoding="utf-8", errors="replace")))
        if metas.get("ArticleTitle"):
            out.append({"title": html.unescape(metas["ArticleTitle"]), "path": rel,
                        "date": metas.get("PubDate", "")[:10], "column": metas.get("ColumnName", "")})
    return sorted(out, key=lambda a: a["date"], reverse=True)


def _page(q: str, body: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>站内搜索_示范市人民政府</title>
<link rel="stylesheet" href="/css/style.css"></head>
<body><div class="wrap main">
<form class="search" action="/search/do" method="get" role="search"><input type="text" name="q" value="{html.escape(q)}"
 aria-label="站内搜索"><button type="submit">搜索</button></form>
{body}
</div></body></html>"""


def results(query: str) -> str:
    args = parse_qs(query)
    q = (args.get("q") or [""])[0].strip()
    since, column = (args.get("sj") or [""])[0], (args.get("lm") or [""])[0]
    hits = [a for a in index() if q and q in a["title"]]
    if since in _SINCE:
        start = (TODAY - timedelta(days=_SINCE[since])).isoformat()
        hits = [a for a in hits if a["date"] >= start]
    if column:
        hits = [a for a in hits if a["column"] == column]
    base = f"/search/do?q={quote(q)}"
    times = "".join(f'<a href="{base}&sj={k}">{label}</a>' for k, label in
                    (("", "时间不限"), ("week", "一周内"), ("month", "一月内"), ("year", "一年内")))
    columns = '<a href="' + base + '">全部栏目</a>' + "".join(
        f'<a href="{base}&lm={quote(c)}">{html.escape(c)}</a>' for c in dict.fromkeys(a["column"] for a in index()))
    if hits:
        rows = "".join(f'<li><a href="{a["path"]}" target="_blank">{html.escape(a["title"])}</a>'
                       f'<span class="date">{a["date"]}</span></li>' for a in hits[:20])
        listing = f'<p>找到 {len(hits)} 条结果</p><ul class="news-list">{rows}</ul>'
    else:
        listing = f"<p>没有找到与“{html.escape(q)}”相关的结果</p>"
    body = (f'<div class="filters"><span>按时间：</span>{times}</div><div class="filters"><span>按栏目：</span>'
            f'{columns}</div>{listing}')
    return _page(q, body)


def empty(query: str) -> str:
    q = (parse_qs(query).get("q") or [""])[0].strip()
    return _page(q, f"<p>抱歉，没有找到与“{html.escape(q)}”相关的结果。</p>")
