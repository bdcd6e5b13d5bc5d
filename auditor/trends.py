"""趋势: per site and per region (地区), quarter over quarter — the 19号 score, 合格率, and the findings that are new,
fixed (已整改) or still there (仍存在).

Pure: each quarter's result of a site is a Snapshot of its latest complete official run in that quarter (loaded by
auditor/store/trends.py); a self-check or a partial run never enters a trend. Findings are matched across runs by
their fingerprint (site + rule + page + subject), the same matching as the run comparison (``classify``): a finding
of the earlier run that the later run does not have counts as fixed only when the later run audited that page (for
a site-level finding: when the later run was a whole-site run); otherwise it is «未复查», neither fixed nor there.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Hashable, Iterable, Mapping, TypeVar

from auditor.quarter import Quarter
from auditor.scoring import PASS

A = TypeVar("A")
B = TypeVar("B")
K = TypeVar("K", bound=Hashable)
NO_REGION = "未填写地区"
DEFAULT_QUARTERS = 4  # a trend shows the last four quarters (a year), as the 通报 does


def classify(a: Mapping[K, A], b: Mapping[K, B], seen: Callable[[A], bool]
             ) -> tuple[list[B], list[A], list[tuple[A, B]], list[A]]:
    """Findings of an earlier run ``a`` and a later run ``b``, keyed by fingerprint: (new in b, fixed, still there
    as (a's, b's), unchecked). ``seen(f)`` says whether the later run looked where a's finding ``f`` was."""
    new = [f for k, f in b.items() if k not in a]
    still = [(f, b[k]) for k, f in a.items() if k in b]
    fixed: list[A] = []
    unchecked: list[A] = []
    for k, f in a.items():
        if k not in b:
            (fixed if seen(f) else unchecked).append(f)
    return new, fixed, still, unchecked


@dataclass(frozen=True)
class Snapshot:
    """One site's official result in one quarter."""
    quarter: Quarter
    run_id: int
    verdict: str  # 合格 | 不合格
    score: float | None  # the 19号 total; None when a 单项否决 item ended the scoring
    provisional: bool  # 暂定
    findings: Mapping[str, str | None]  # fingerprint -> page URL (None: a site-level finding)
    audited: frozenset[str] = frozenset()  # pages the run opened without error
    whole_site: bool = True  # a whole-site run (site-level findings can be judged fixed)


@dataclass(frozen=True)
class Delta:
    """Findings against the site's previous checked quarter."""
    since: Quarter
    new: int
    fixed: int
    still: int
    unchecked: int


def delta(prev: Snapshot, cur: Snapshot) -> Delta:
    def seen(page_url: str | None) -> bool:
        return cur.whole_site if page_url is None else page_url in cur.audited

    new, fixed, still, unchecked = classify(prev.findings, cur.findings, seen)
    return Delta(prev.quarter, len(new), len(fixed), len(still), len(unchecked))


@dataclass(frozen=True)
class SitePoint:
    quarter: Quarter
    snapshot: Snapshot | None  # None: no complete official run that quarter
    delta: Delta | None = None

    @property
    def checked(self) -> bool:
        return self.snapshot is not None


@dataclass
class SiteTrend:
    key: str  # "site:<id>" for a registered site, else "url:<site url or name>"
    name: str
    url: str
    region: str
    site_type: str
    points: list[SitePoint]  # one per quarter, oldest first

    @property
    def latest(self) -> SitePoint | None:
        return next((p for p in reversed(self.points) if p.checked), None)


def site_trend(key: str, name: str, url: str, region: str | None, site_type: str | None,
               quarters: list[Quarter], snapshots: Mapping[Quarter, Snapshot]) -> SiteTrend:
    """A site's points over the quarters; each checked quarter is compared with the site's previous checked one."""
    points: list[SitePoint] = []
    prev: Snapshot | None = None
    for q in quarters:
        snap = snapshots.get(q)
        points.append(SitePoint(q, snap, delta(prev, snap) if prev and snap else None))
        prev = snap or prev
    return SiteTrend(key, name, url, (region or "").strip() or NO_REGION, (site_type or "").strip() or "未分类",
                     points)


@dataclass(frozen=True)
class RegionPoint:
    quarter: Quarter
    checked: int
    passed: int
    vetoed: int
    mean_score: float | None  # over the sites that were scored (a 单项否决 site has no score)
    new: int
    fixed: int
    still: int
    compared: int = 0  # sites with an earlier checked quarter to compare with (the changes are theirs)

    @property
    def rate(self) -> float | None:
        """合格率 in percent, one decimal."""
        return round(100 * self.passed / self.checked, 1) if self.checked else None


@dataclass
class RegionTrend:
    region: str
    sites: list[SiteTrend] = field(default_factory=list)
    points: list[RegionPoint] = field(default_factory=list)


def region_point(q: Quarter, sites: Iterable[SiteTrend]) -> RegionPoint:
    pts = [p for s in sites for p in s.points if p.quarter == q and p.snapshot is not None]
    snaps = [p.snapshot for p in pts if p.snapshot is not None]
    scores = [s.score for s in snaps if s.score is not None]
    deltas = [p.delta for p in pts if p.delta is not None]
    return RegionPoint(q, len(snaps), sum(1 for s in snaps if s.verdict == PASS),
                       sum(1 for s in snaps if s.score is None),
                       round(sum(scores) / len(scores), 1) if scores else None,
                       sum(d.new for d in deltas), sum(d.fixed for d in deltas), sum(d.still for d in deltas),
                       len(deltas))


def region_trends(sites: Iterable[SiteTrend], quarters: list[Quarter]) -> list[RegionTrend]:
    """The sites grouped by 地区, each region with its points per quarter; regions by name, 未填写地区 last."""
    by: dict[str, RegionTrend] = {}
    for s in sites:
        by.setdefault(s.region, RegionTrend(s.region)).sites.append(s)
    for r in by.values():
        r.points = [region_point(q, r.sites) for q in quarters]
    return sorted(by.values(), key=lambda r: (r.region == NO_REGION, r.region))


def overall(sites: list[SiteTrend], quarters: list[Quarter], name: str = "全部") -> RegionTrend:
    return RegionTrend(name, list(sites), [region_point(q, sites) for q in quarters])
