"""季度检查情况通报（草稿）: what the quarter's runs say, in the parts every 通报 has.

一、总体情况 (sites checked by type, 合格率, the previous quarter beside it); 二、发现的主要问题 (by 19号 indicator,
with the named sites and one example each); 三、下一步工作要求; 附件1 各网站检查情况及得分; 附件2 检查发现存在问题的
网站名单 (with a 结果 column; 需人工复核 apart). Each site counts with its latest complete official run of the
quarter, scored by auditor/scoring; the trend table follows the last four quarters (auditor/trends.py).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from auditor.quarter import Quarter
from auditor.scoring import FAIL, PASS, Scorecard, Table
from auditor.store.scorecard import score_run
from auditor.store.trends import load_trends, official_runs
from auditor.trends import DEFAULT_QUARTERS, RegionTrend, SiteTrend, overall, region_trends
from auditor.store import Store
from auditor.store.models import Run, Site

TREND_QUARTERS = DEFAULT_QUARTERS


class BulletinError(ValueError):
    """The data cannot make a 通报; the message says why, in Chinese."""


@dataclass
class Example:
    ref: str
    url: str
    message: str
    crop: str | None  # evidence path, relative to the evidence folder


@dataclass
class SiteResult:
    name: str
    url: str
    site_type: str
    sponsor: str
    run_id: int
    checked_at: datetime | None
    card: Scorecard
    examples: dict[str, Example] = field(default_factory=dict)  # indicator id -> first example


@dataclass
class Problem:
    indicator: str
    name: str
    kind: str  # veto | deduct
    sites: list[tuple[str, Example | None]]


@dataclass
class Bulletin:
    quarter: Quarter
    sites: list[SiteResult]
    previous: list[SiteResult]
    problems: list[Problem]
    table_sources: tuple[str, ...]
    trends: list[SiteTrend] = field(default_factory=list)  # the last TREND_QUARTERS quarters, oldest first
    quarters: list[Quarter] = field(default_factory=list)

    @property
    def regions(self) -> list[RegionTrend]:
        return region_trends(self.trends, self.quarters)

    @property
    def total(self) -> RegionTrend:
        return overall(self.trends, self.quarters)

    @staticmethod
    def pass_rate(sites: list[SiteResult]) -> float | None:
        return round(100 * sum(1 for s in sites if s.card.verdict == PASS) / len(sites), 1) if sites else None

    def by_type(self) -> list[tuple[str, int, int]]:
        """(网站类型, 检查数, 合格数)."""
        out: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for s in self.sites:
            out[s.site_type][0] += 1
            out[s.site_type][1] += s.card.verdict == PASS
        return [(t, n, ok) for t, (n, ok) in sorted(out.items())]

    @property
    def needs_review(self) -> list[SiteResult]:
        return [s for s in self.sites if s.card.provisional]


def _latest_runs(store: Store, quarter: Quarter) -> list[Run]:
    """Each site's latest complete official run of the quarter (a self-check or a partial run never counts)."""
    ids = sorted(official_runs(store, [quarter])[quarter].values())
    with store.session() as s:
        return list(s.scalars(select(Run).where(Run.id.in_(ids or [-1])).order_by(Run.id)))


def _details(store: Store, run_id: int) -> dict[str, Example]:
    run = store.run_with_pages(run_id)
    out = {}
    for p in run.pages:
        for c in p.checks:
            crop = next((e.path for e in c.evidence if e.kind in ("crop", "ocr_crop", "picture") and e.path), None)
            out[f"c{c.id}"] = Example(f"c{c.id}", p.url, c.message, crop)
    for sc in run.site_checks:
        out[f"s{sc.id}"] = Example(f"s{sc.id}", sc.subject or run.site_url or "", sc.message, None)
    return out


def _site_result(store: Store, run: Run, table: Table) -> SiteResult:
    site = None
    with store.session() as s:
        if run.site_id:
            site = s.get(Site, run.site_id)
        elif run.site_url:
            site = s.scalar(select(Site).where(Site.url == run.site_url))
    card = score_run(store, run.id, table, site_type=site.site_type if site else None)
    details = _details(store, run.id)
    examples: dict[str, Example] = {}
    for v in card.vetoes:
        ex = next((details[r] for r in v.findings if r in details), None)
        if ex:
            examples[v.indicator] = ex
    for g in card.groups:
        for d in g.deductions:
            ex = next((details[r] for r in d.findings if r in details), None)
            if ex:
                examples[d.indicator] = ex
    return SiteResult(site.name if site else run.site_name, site.url if site else (run.site_url or ""),
                      (site.site_type if site else None) or "未分类", (site.sponsor if site else None) or "",
                      run.id, run.finished_at or run.started_at, card, examples)


def build_bulletin(store: Store, quarter: Quarter, table: Table) -> Bulletin:
    sites = [_site_result(store, r, table) for r in _latest_runs(store, quarter)]
    if not sites:
        raise BulletinError(f"{quarter.label}没有已完成的检查批次")
    previous = [_site_result(store, r, table) for r in _latest_runs(store, quarter.previous)]
    problems: dict[str, Problem] = {}
    for s in sorted(sites, key=lambda x: x.name):
        for v in s.card.vetoes:
            problems.setdefault(v.indicator, Problem(v.indicator, v.name, "veto", [])).sites.append(
                (s.name, s.examples.get(v.indicator)))
        for g in s.card.groups:
            for d in g.deductions:
                if d.points > 0:
                    problems.setdefault(d.indicator, Problem(d.indicator, d.name, "deduct", [])).sites.append(
                        (s.name, s.examples.get(d.indicator)))
    order = sorted(problems.values(), key=lambda p: (p.kind != "veto", -len(p.sites), p.indicator))
    quarters = quarter.back(TREND_QUARTERS)
    return Bulletin(quarter, sorted(sites, key=lambda x: (x.card.verdict != FAIL, x.name)), previous, order,
                    table.sources, load_trends(store, quarters, table), quarters)
