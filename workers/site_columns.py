"""栏目更新 of a site run: every navigation column judged (blank ones too, whatever their tags), a column named one
way and tagged another, and 首页不更新 compared with this site's previous run (read from the store here and handed
to the pure rules as facts)."""
from __future__ import annotations

import re
from datetime import date
from typing import Any, Iterable

from auditor import freshness
from auditor.crawl import COLUMN_SOURCES
from auditor.models import CheckResult, Status
from auditor.site_rules import columns as col_rules
from auditor.store import Store
from auditor.store.models import SiteCheck

# Navigation and service pages that carry column tags but are not 栏目 that publish information.
NOT_COLUMNS = re.compile(r"网站地图|站点地图|联系我们|关于我们|网站声明|隐私|使用帮助|sitemap", re.I)


def site_check(subject: str, c: CheckResult) -> SiteCheck:
    return SiteCheck(rule=c.rule, subject=subject, status=c.status.value, indicator=c.indicator, message=c.message,
                     value=c.value)


def _observations(notes: Iterable[Any], today: date) -> list[tuple[freshness.ColumnObservation, str]]:
    """(observation, the name a visitor sees) of every column page: list pages, and every navigation column
    (一级 and its 二级) that is not an article, even one the page-kind guess left as 'other'."""
    out = []
    for n in notes:
        nav = n.source in COLUMN_SOURCES
        if n.error or not (n.kind == "column" or (nav and n.kind == "other")):
            continue
        name = n.metas.get("columnname") or n.nav_text or n.title
        shown = n.nav_text or name
        if NOT_COLUMNS.search(name) or NOT_COLUMNS.search(shown) or (n.metas.get("columntype") or "").strip() == "首页":
            continue
        level = 1 if n.source == "nav" else 2 if n.source == "subnav" or n.level <= 2 else 3
        obs = freshness.ColumnObservation(name=name, url=n.url, column_type=n.metas.get("columntype"), level=level,
                                          items=n.items, blank=col_rules.is_blank_column(n.items, n.text, today))
        out.append((obs, shown))
    return out


def column_checks(store: Store, run_id: int, notes: dict[str, Any], home: str, today: date,
                  config: freshness.FreshnessConfig | None) -> list[SiteCheck]:
    """columns.freshness (one per column), columns.veto, home.update (across runs), article.pubdate_visible."""
    cfg = config or freshness.FreshnessConfig()
    observed = _observations(notes.values(), today)
    home_note = notes.get(home) or next((n for n in notes.values() if n.level == 1), None)
    home_items = home_note.items if home_note else []
    articles = [(n.url, freshness.visible_pubdate(n.text, title=n.title) is not None)
                for n in notes.values() if n.kind == "article" and not n.error]
    report = freshness.assess_columns([o for o, _ in observed], home_items, articles, today, cfg)
    rows = {(r.rule, r.subject): SiteCheck(rule=r.rule, subject=r.subject, status=r.status.value,
                                           indicator=r.indicator, message=r.message, value=r.value)
            for r in freshness.to_site_checks(report)}
    for obs, shown in observed:
        c = col_rules.check_column_mismatch(obs, shown, today, cfg)
        if c is not None:
            rows[(c.rule, obs.url)] = site_check(obs.url, c)
    old = rows[(col_rules.META_HOME.id, "")]
    prev = store.previous_site_check(run_id, col_rules.META_HOME.id)
    previous = col_rules.HomeSnapshot.from_value((prev[1] or {}).get("current"), prev[0]) if prev else None
    fallback = CheckResult(old.rule, Status(old.status), old.indicator, old.message, old.value)
    now = col_rules.home_snapshot(home_items, today, run_id)
    rows[(old.rule, "")] = site_check("", col_rules.check_home_update(
        now, previous, today, period_days=cfg.home_period.days, fallback=fallback))
    return list(rows.values())
