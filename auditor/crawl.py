"""Crawl planning (抽查页面的选取): which pages of a site to audit, from what the rendered pages link to.

Inspections judge a site, not a page: the 一级栏目 (the navigation), 二级 and 三级 pages, 业务系统 and 专题 on the
site's own host and subdomains. Pure functions: the site runner feeds them the links it saw in the browser
and the sitemap/robots text it fetched, and asks what to visit next.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

ATTACHMENT_EXT = re.compile(r"\.(pdf|docx?|xlsx?|pptx?|wps|et|zip|rar|7z|txt|csv|ofd|ceb)$", re.I)
NON_PAGE_EXT = re.compile(r"\.(jpe?g|png|gif|bmp|svg|webp|ico|css|js|json|xml|rss|mp4|mp3|avi|flv|swf|apk|exe|iso)$", re.I)
_INDEX = re.compile(r"/(index|default)\.(s?html?|jsp|php|aspx?)$", re.I)
_TRACKING = {"utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "spm", "from", "timestamp"}


def canonical(url: str, base: str | None = None) -> str | None:
    """A URL's identity for de-duplication: absolute, no fragment, lower-case host, no default port, sorted
    query without tracking parameters, and `X/index.html` the same as `X/`. None for non-http(s) links."""
    if base:
        url = urljoin(base, url.strip())
    try:
        p = urlsplit(url.strip())
    except ValueError:
        return None
    if p.scheme not in ("http", "https") or not p.hostname:
        return None
    host = p.hostname.lower().rstrip(".")
    try:
        port = p.port
    except ValueError:
        return None
    netloc = host if port in (None, 80 if p.scheme == "http" else 443) else f"{host}:{port}"
    path = re.sub(r"/{2,}", "/", p.path or "/")
    path = _INDEX.sub("/", path)
    query = urlencode(sorted((k, v) for k, v in parse_qsl(p.query, keep_blank_values=True) if k not in _TRACKING))
    return urlunsplit((p.scheme, netloc, path, query, ""))


def site_base(home_url: str) -> str:
    """The host whose subdomains belong to the site: www.shifan.gov.cn -> shifan.gov.cn."""
    host = (urlsplit(home_url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def same_site(url: str, base: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return host == base or host.endswith("." + base) or host == "www." + base


def url_template(url: str) -> str:
    """The URL's template: numbers (dates, ids) replaced, so `/gzdt/202611/t20261118_4521015.html` and
    `/gzdt/202610/t20261009_4519876.html` are one template (one kind of page)."""
    p = urlsplit(url)
    path = re.sub(r"\d+", "{n}", p.path)
    keys = sorted(k for k, _ in parse_qsl(p.query, keep_blank_values=True))
    return f"{p.hostname}{path}" + (f"?{'&'.join(keys)}" if keys else "")


def sitemap_urls(xml_text: str) -> tuple[list[str], list[str]]:
    """(page URLs, nested sitemap URLs) from a sitemap or sitemap index; tolerant of bad XML."""
    pages: list[str] = []
    nested: list[str] = []
    try:
        root = ET.fromstring(xml_text.encode("utf-8") if isinstance(xml_text, str) else xml_text)
    except ET.ParseError:
        return re.findall(r"<loc>\s*([^<\s]+)\s*</loc>", xml_text), []
    for el in root.iter():
        if el.tag.endswith("loc") and el.text:
            parent_is_index = root.tag.endswith("sitemapindex")
            (nested if parent_is_index else pages).append(el.text.strip())
    return pages, nested


def robots_sitemaps(robots_text: str) -> list[str]:
    return [line.split(":", 1)[1].strip() for line in robots_text.splitlines()
            if line.lower().startswith("sitemap:") and ":" in line]


@dataclass
class Candidate:
    url: str
    level: int  # click depth as the IPv6/可用性 indicators count it: 1 首页, 2 二级 (linked from the home page;
    # the navigation's 一级栏目 are among them), 3 三级; 9 = known only from the sitemap
    source: str  # nav (一级栏目) | subnav (二级栏目 in a 一级栏目's own navigation) | link | sitemap
    text: str = ""
    parent: str | None = None


# Navigation columns (一级 and their 二级 sub-columns) are each judged (栏目更新, 空白栏目): never sampled away by
# template, though they share one (`/col/col{n}/index.html`); the page budget still bounds them.
COLUMN_SOURCES = frozenset({"nav", "subnav"})


@dataclass
class CrawlPlan:
    """The frontier of a site crawl under a page budget, sampling at most ``per_template`` pages per template
    (navigation columns exempt)."""
    home_url: str
    max_pages: int = 100
    per_template: int = 5
    max_level: int = 3
    base: str = ""
    seen: set[str] = field(default_factory=set)
    templates: Counter[str] = field(default_factory=Counter)
    queue: "OrderedDict[str, Candidate]" = field(default_factory=OrderedDict)
    planned: list[Candidate] = field(default_factory=list)
    skipped_by_template: int = 0
    external: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self.base = self.base or site_base(self.home_url)
        home = canonical(self.home_url)
        if home:
            self.seen.add(home)
            self.templates[url_template(home)] += 1
            self.planned.append(Candidate(self.home_url, 1, "home"))

    def offer(self, href: str, level: int, source: str, text: str = "", parent: str | None = None) -> bool:
        """Consider a link seen at ``level`` - 1; True when it was queued as a page to audit."""
        key = canonical(href, parent)
        if key is None:
            return False
        if not same_site(key, self.base):
            self.external[urlsplit(key).hostname or ""] += 1
            return False
        if key in self.seen or level > self.max_level and source != "sitemap":
            return False
        path = urlsplit(key).path
        if ATTACHMENT_EXT.search(path) or NON_PAGE_EXT.search(path):
            return False
        self.seen.add(key)
        self.queue[key] = Candidate(key, level, source, text, parent)
        return True

    def next_batch(self, limit: int) -> list[Candidate]:
        """Up to ``limit`` pages to audit next: shallow levels first, at most per_template per template."""
        out: list[Candidate] = []
        room = self.max_pages - len(self.planned)
        ordered = sorted(self.queue.values(), key=lambda c: (c.level, c.source not in COLUMN_SOURCES))
        for cand in ordered:
            if len(out) >= min(limit, room):
                break
            del self.queue[cand.url]
            tpl = url_template(cand.url)
            if self.templates[tpl] >= self.per_template and cand.source not in COLUMN_SOURCES:
                self.skipped_by_template += 1
                continue
            self.templates[tpl] += 1
            out.append(cand)
        self.planned.extend(out)
        return out

    @property
    def full(self) -> bool:
        return len(self.planned) >= self.max_pages
