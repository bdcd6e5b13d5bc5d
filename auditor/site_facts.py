"""Site facts (站点事实): what the site rules (``auditor.site_rules``) read about a whole-site audit.

The gatherers (``workers/siterun.py`` with ``clients/`` and ``browsers/``) fill these dataclasses: the crawl plan,
what each sampled page showed (its kind, 栏目 tags, dated list items, text), the page rules' stored verdicts, every
link checked over HTTP, the IPv6 measurements and what was observed of the home page. The site rules are pure
functions over them, as the page rules are over ``PageFacts``. A section that was not gathered is ``None`` (links
not checked, IPv6 switched off): the rules that read it then yield nothing.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, NamedTuple

from auditor.availability import ProbeRecord
from auditor.freshness import ListItem
from auditor.ipv6 import IPv6Measurements


@dataclass
class PageNote:
    """What the site rules need from one sampled page after its full facts are dropped (the crawl keeps it)."""
    url: str
    page_id: int
    level: int          # crawl level: 1 the home page, 2 its 一级栏目 and links, 3 …; 9 from the sitemap
    source: str         # how the crawl found it: home | nav | link | sitemap
    nav_text: str       # the navigation or link text that led to it
    kind: str | None    # page kind (home | column | article | other); None when it could not be opened
    metas: dict[str, str]  # meta tags by lower-case name (columnname, columntype …)
    items: list[ListItem]  # list items outside the header and the navigation: (title, href, date text)
    text: str
    title: str
    error: str | None   # why the page could not be opened
    subresources: list[str] = field(default_factory=list)  # http(s) images and scripts it loads


class LinkPlace(NamedTuple):
    """Where a link appears: the page, its stored id, the link's box there and the page's evidence folder keys."""
    page_url: str
    page_id: int
    box: dict[str, float] | None
    evidence_keys: tuple[str, str] | None


@dataclass
class SeenLink:
    """A link, image or attachment seen on the sampled pages (deduplicated by URL without fragment)."""
    kind: str  # link | image | attachment
    on_home: bool = False
    rendered_broken: bool = False  # an image the browser showed broken (naturalWidth 0)
    places: list[LinkPlace] = field(default_factory=list)


@dataclass
class HttpCheck:
    """What the HTTP link checker measured for one URL (its class: ok | broken | suspect | unassessable)."""
    klass: str
    http_status: int | None
    reason: str
    attempts: int = 1
    elapsed_ms: int | None = None
    exchange: dict[str, Any] = field(default_factory=dict)


@dataclass
class LinkFacts:
    """Every link seen, and the HTTP check of each (a URL without a check is left out)."""
    seen: dict[str, SeenLink]
    checked: dict[str, HttpCheck]


@dataclass
class StoredCheck:
    """A page rule's stored verdict on one page."""
    rule: str
    status: str
    indicator: str
    message: str


@dataclass
class PageResult:
    """One stored page of the run, with its page rules' verdicts (in stored order)."""
    page_id: int
    url: str
    error_kind: str | None
    error: str | None
    checks: list[StoredCheck] = field(default_factory=list)


@dataclass
class CrawlFacts:
    """The crawl plan as it ended: every planned page with its level, what sampling skipped, external hosts."""
    planned: list[tuple[str, int]]       # (url, level) in plan order
    skipped_by_template: int
    external_hosts: dict[str, int]       # host -> links to it, most first


@dataclass
class IPv6Facts:
    """The IPv6 measurements of the site, the home page rendered over IPv6 only, or why nothing was measured."""
    measurements: IPv6Measurements | None = None
    render: dict[str, Any] | None = None  # {"address", "ok", "status", "error", "screenshot"?, "sha256"?}
    skipped: str | None = None            # the reason IPv6 was not measured (then measurements is None)


@dataclass
class HomeFailure:
    """The home page could not be reached at all (its name did not resolve): no page was opened."""
    url: str
    error_kind: str | None
    error: str | None


@dataclass
class SiteFacts:
    """Everything the site rules may read about one whole-site audit."""
    home: str
    today: date                          # the inspection day (监测时间点)
    observed_at: str                     # when these facts were assembled (ISO, seconds)
    pages: dict[str, PageNote] | None = None       # by URL, in crawl order
    links: LinkFacts | None = None
    page_results: list[PageResult] | None = None
    crawl: CrawlFacts | None = None
    ipv6: IPv6Facts | None = None
    home_failure: HomeFailure | None = None
    run_id: int | None = None
    # 首页不更新 across runs: the home page's items as this site's previous run saw them
    # (auditor.site_rules.columns.HomeSnapshot), read from the store by the worker; None when there was none.
    previous_home: Any = None
    # The availability monitor's probes of the home page (站点无法访问) and the assessment time.
    probes: list[ProbeRecord] | None = None
    probes_until: datetime | None = None
