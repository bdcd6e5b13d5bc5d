"""Site checks driven in the browser after the crawl: 站内搜索 (site.search) and 互动交流 (interaction.*).

Each family gathers with Chromium (browsers/site_search.py, browsers/interaction.py; the egress proxy and host map
of every page audit apply), hands the typed facts to its pure rules (auditor/site_rules/) and returns SiteCheck
rows. The pictures are evidence files under ``run-<id>/site/``, kept as Evidence rows of the home page (so the
sweep keeps them and the UI serves them) and listed in the check's value. Called from ``siterun.finish_site``.
"""
from __future__ import annotations

import asyncio
import dataclasses
import re
from datetime import date
from typing import Any, Awaitable, Callable, Iterable, Protocol

from auditor.config import Settings
from auditor.freshness import visible_pubdate
from auditor.models import CheckResult, Status
from auditor.site_rules import interaction, search
from auditor.site_rules.msgdates import parse_date
from auditor.store import Store
from auditor.store.models import Evidence, SiteCheck
from browsers.evidence import EvidenceWriter
from browsers.fetcher import PageFetcher
from browsers.interaction import ChannelCandidate, gather_interaction
from browsers.site_search import gather_search
from browsers.sitetab import first_line
from workers.launch import start_fetcher

SEARCH_QUERIES = 3
# «标题_示范市人民政府» / «标题 - 网站名»: the page title's site-name suffix is not part of the article's title.
_TITLE_SUFFIX = re.compile(r"\s*(?:[_|｜]|\s-\s|——).*$")


class Note(Protocol):
    """What the crawl kept of a page (workers.siterun._PageNotes)."""
    url: str
    page_id: int
    level: int
    source: str
    nav_text: str
    kind: str | None
    metas: dict[str, str]
    text: str
    title: str
    error: str | None


def recent_articles(notes: Iterable[Note], n: int = SEARCH_QUERIES) -> list[tuple[str, str]]:
    """The titles and URLs of the ``n`` newest article pages the crawl opened (by PubDate or the visible
    发布时间), one per title; titles shorter than 4 characters are not a fair search."""
    dated: list[tuple[date, str, str]] = []
    for note in notes:
        if note.error or note.kind != "article":
            continue
        title = (note.metas.get("articletitle") or _TITLE_SUFFIX.sub("", note.title or "")).strip()
        when = parse_date(note.metas.get("pubdate")) or visible_pubdate(note.text, title=note.title)
        if len(title) >= 4 and when is not None:
            dated.append((when, title, note.url))
    out: list[tuple[str, str]] = []
    for _, title, url in sorted(dated, key=lambda d: d[0], reverse=True):
        if all(title != t for t, _ in out):
            out.append((title, url))
        if len(out) == n:
            break
    return out


def channel_candidates(notes: Iterable[Note]) -> list[ChannelCandidate]:
    """Columns the crawl opened that are channels by their ColumnType (咨询投诉 / 在线访谈) or their name."""
    out = []
    for note in notes:
        if note.error:
            continue
        name = note.metas.get("columnname") or note.nav_text or note.title
        ctype = note.metas.get("columntype")
        if note.kind == "column" and interaction.channel_kind(name, ctype):
            out.append(ChannelCandidate(name, note.url, ctype, "columntype" if ctype else "column"))
    return sorted(out, key=lambda c: c.found_by != "columntype")


def to_site_checks(results: list[CheckResult], store: Store, settings: Settings, run_id: int,
                    home_page_id: int | None) -> list[SiteCheck]:
    """SiteCheck rows; each result's pictures written under run-<id>/site/ and stored with the home page."""
    out = []
    writer: EvidenceWriter | None = None
    for c in results:
        value = dict(c.value or {})
        files = []
        if home_page_id is not None and c.evidence:
            writer = writer or EvidenceWriter(settings.evidence_dir, f"run-{run_id}", "site", None, staged=True)
            rows = []
            for ref in c.evidence:
                if ref.png is None:
                    continue
                f = writer.picture(c.rule, ref.png)
                rows.append(Evidence(kind=f.kind, path=f.path, sha256=f.sha256, size=f.size, note=ref.note))
                files.append({"path": f.path, "sha256": f.sha256, "note": ref.note})
            ids = store.add_page_evidence(home_page_id, rows)
            for f, i in zip(files, ids):
                f["id"] = i
        if files:
            value["evidence"] = files
        out.append(SiteCheck.from_result(c, subject="", value=value))
    if writer is not None:
        writer.commit()  # the pictures move into place once their rows are stored
    return out


async def _bounded(settings: Settings, what: str, metas: list[Any],
                   gather: Callable[[PageFetcher], Awaitable[list[CheckResult]]],
                   fetcher: PageFetcher | None = None) -> list[CheckResult]:
    """Run one family's gathering within ``site_extra_budget``, on ``fetcher``'s Chromium (or one of its own); a
    browser that fails or a budget that runs out is the auditor's problem: every rule of the family is then
    not_assessable."""
    try:
        if fetcher is not None:
            return await asyncio.wait_for(gather(fetcher), timeout=settings.site_extra_budget)
        async with PageFetcher(settings, first_tab=False) as own:
            return await asyncio.wait_for(gather(own), timeout=settings.site_extra_budget)
    except asyncio.TimeoutError:
        why = f"{what}超过 {settings.site_extra_budget:.0f} 秒未完成"
    except Exception as exc:  # noqa: BLE001 - the audit goes on without this family
        why = f"{what}无法完成：{first_line(exc)[:200]}"
    return _not_assessable(metas, why)


def _not_assessable(metas: list[Any], why: str) -> list[CheckResult]:
    """Every rule of a family not_assessable, saying why (the auditor could not do it, not the site's fault)."""
    return [CheckResult(m.id, Status.NOT_ASSESSABLE, m.indicator, why, {}) for m in metas]


def _home_page_id(notes: dict[str, Any], home: str) -> int | None:
    note = notes.get(home)
    return note.page_id if note is not None and not note.error else None


async def search_checks(settings: Settings, store: Store, run_id: int, home: str,
                        notes: dict[str, Any], fetcher: PageFetcher | None = None) -> list[SiteCheck]:
    """site.search: the titles of the newest crawled articles searched with the home page's search box
    (on ``fetcher``'s Chromium, or one of its own)."""
    if not settings.site_search:
        return []
    articles = recent_articles(notes.values())

    async def gather(fetcher: PageFetcher) -> list[CheckResult]:
        return search.check(await gather_search(fetcher, home, articles))

    results = await _bounded(settings, "站内搜索检查", [search.META], gather, fetcher)
    return to_site_checks(results, store, settings, run_id, _home_page_id(notes, home))


SCAN_COLUMNS = 12  # navigation columns read for 留言 links (a portal has rarely more 一级栏目)


async def interaction_checks(settings: Settings, store: Store, run_id: int, home: str, notes: dict[str, Any],
                             today: date, nav_unvisited: list[str] | None = None,
                             fetcher: PageFetcher | None = None) -> list[SiteCheck]:
    """interaction.*: the 留言 channels and their messages' dates, judged on ``today`` (the run's day).
    ``nav_unvisited``: navigation columns the crawl found but did not audit (its page cap); they are read too,
    since «no channel» is a veto and must not rest on a partial crawl."""
    if not settings.interaction:
        return []
    known = channel_candidates(notes.values())
    nav = [n.url for n in notes.values() if n.source == "nav" and not n.error] + list(nav_unvisited or [])
    nav = list(dict.fromkeys(nav))
    scan = nav[:SCAN_COLUMNS]
    policy = interaction.InteractionPolicy(reply_window_days=settings.reply_window_days)

    async def gather(fetcher: PageFetcher) -> list[CheckResult]:
        facts = await gather_interaction(fetcher, home, known, scan)
        facts = dataclasses.replace(facts, unscanned=facts.unscanned + max(0, len(nav) - len(scan)))
        return interaction.check(facts, today, policy)

    results = await _bounded(settings, "互动交流检查", interaction.METAS, gather, fetcher)
    return to_site_checks(results, store, settings, run_id, _home_page_id(notes, home))


async def browser_checks(settings: Settings, store: Store, run_id: int, home: str, notes: dict[str, Any],
                         today: date, nav_unvisited: list[str] | None = None) -> list[SiteCheck]:
    """站内搜索 and 互动交流 side by side, each in tabs of its own on one Chromium started for both (a launch and
    a close fewer per site, and the two families' page loads overlap). Each keeps its own budget; a browser that
    will not start makes both families not_assessable, with the reason."""
    if not settings.site_search and not settings.interaction:
        return []
    try:
        fetcher = await start_fetcher(PageFetcher(settings, first_tab=False))
    except Exception as exc:  # noqa: BLE001 - each family then says it could not be done, and why
        why = first_line(exc)[:200]
        metas = ([search.META] if settings.site_search else []) + (interaction.METAS if settings.interaction else [])
        return to_site_checks(_not_assessable(metas, why), store, settings, run_id, _home_page_id(notes, home))
    try:
        found = await asyncio.gather(search_checks(settings, store, run_id, home, notes, fetcher),
                                     interaction_checks(settings, store, run_id, home, notes, today, nav_unvisited,
                                                        fetcher))
    finally:
        await fetcher.__aexit__(None, None, None)
    return found[0] + found[1]
