"""政策解读关联 and 办事指南要素 of a site run: the worker follows links with light HTTP fetches (clients/pagefetch.py,
the link checker's egress and host-map rules), builds the facts and hands them to the pure site rules
(auditor/site_rules/policy.py, auditor/site_rules/service_guide.py)."""
from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from auditor.config import Settings
from auditor.crawl import canonical, same_site, site_base
from auditor.scoring.table import load_table
from auditor.site_rules import policy as pol
from auditor.site_rules import service_guide as svc
from auditor.store.models import SiteCheck
from clients.pagefetch import LightFetcher, LightPage

_POLICY_NAME = re.compile(r"政策文件|规范性文件|政府文件|文件发布")
_GUIDE_LINK = re.compile(r"指南")
_GUIDE_URL = re.compile(r"bszn|guide|znxq|bsznxq", re.I)
_GUIDE_LIST = re.compile(r"事项|个人办事|法人办事|部门服务|主题服务|办事指南")
_QUOTES = re.compile(r"[《》“”\"'「」〈〉\s]")


def _policy_column(notes: dict[str, Any]) -> Any | None:
    """The 政策文件 column: tagged ColumnType 政策文件 first, else so named; 一级栏目 first."""
    found = []
    for n in notes.values():
        if n.error or n.kind != "column" or not n.items:
            continue
        ctype = (n.metas.get("columntype") or "").strip()
        name = n.nav_text or n.metas.get("columnname") or n.title
        if ctype == "政策文件" or (_POLICY_NAME.search(name) and "解读" not in name):
            found.append(n)
    return min(found, key=lambda n: ((n.metas.get("columntype") or "").strip() != "政策文件", n.source != "nav",
                                     n.level)) if found else None


def _back_link(page: LightPage, doc_urls: set[str], title: str) -> str | None:
    """The 解读 page's link back to the document: the same URL, or words that are the document's title."""
    want = _QUOTES.sub("", title)
    for href, words in page.links:
        if canonical(href) in doc_urls:
            return href
        w = _QUOTES.sub("", words)
        if len(w) >= 8 and want and (w in want or want in w):
            return href
    return None


async def gather_policy(settings: Settings, fetcher: LightFetcher, notes: dict[str, Any]) -> pol.PolicyFacts:
    col = _policy_column(notes)
    if col is None:
        return pol.PolicyFacts(None, None, sample=settings.policy_sample)
    facts = pol.PolicyFacts(col.nav_text or col.metas.get("columnname") or col.title, col.url,
                            sample=settings.policy_sample)
    columns = {canonical(n.url) for n in notes.values() if n.kind == "column"}
    for title, href, _ in col.items[:settings.policy_sample]:
        page = await fetcher.get(href)
        doc = pol.PolicyDoc(href, title or page.title, error=page.error)
        facts.docs.append(doc)
        if page.error:
            continue
        doc_urls = {canonical(href), canonical(page.final_url)}
        link = next(((h, w) for h, w in page.links if pol.INTERPRETATION_RE.search(w)
                     and canonical(h) not in columns | doc_urls and h.startswith(("http://", "https://"))), None)
        if link is None:
            continue
        doc.interpretation_url, doc.interpretation_text = link
        ipage = await fetcher.get(link[0])
        if ipage.error:
            doc.interpretation_error = ipage.error
            continue
        doc.back_href = _back_link(ipage, doc_urls, doc.title)
        doc.back_link = doc.back_href is not None
    return facts


def _guide_links(page: LightPage) -> list[tuple[str, str]]:
    return [(h, w) for h, w in page.links if h.startswith(("http://", "https://"))
            and (_GUIDE_LINK.search(w) or _GUIDE_URL.search(h)) and w not in ("办事指南", "")]


async def gather_service(settings: Settings, fetcher: LightFetcher, home: str) -> svc.ServiceFacts:
    homepage = await fetcher.get(home)
    if homepage.error:  # the entry cannot be looked for: never "未提供办事服务"
        return svc.ServiceFacts(None, None, entry_error=f"首页无法读取：{homepage.error}")
    entries = [(h, w) for h, w in homepage.links if svc.ENTRY_RE.search(w) and h.startswith(("http://", "https://"))]
    if not entries:
        return svc.ServiceFacts(None, None)
    href, words = min(entries, key=lambda e: ("办事服务" not in e[1], len(e[1])))
    facts = svc.ServiceFacts(words, href, entry_external=not same_site(href, site_base(home)))
    entry = await fetcher.get(href)
    if entry.error:
        facts.entry_error = entry.error
        return facts
    found: dict[str, tuple[str, str]] = {}
    for h, w in _guide_links(entry):
        found.setdefault(canonical(h) or h, (h, w))
    lists = [(h, w) for h, w in entry.links if _GUIDE_LIST.search(w) and (urlsplit(h).hostname or "") == entry.host]
    for h, _ in lists[:6]:
        if len(found) >= settings.guide_sample:
            break
        sub = await fetcher.get(h)
        for gh, gw in [] if sub.error else _guide_links(sub):
            found.setdefault(canonical(gh) or gh, (gh, gw))
    for gh, gw in list(found.values())[:settings.guide_sample]:
        page = await fetcher.get(gh)
        g = svc.Guide(gh, page.title or gw, error=page.error)
        if not page.error:
            g.present = svc.elements_present(page.main_text or page.text)
        facts.guides.append(g)
    return facts


def guide_thresholds(scoring_files: tuple[str, ...] = ()) -> svc.GuideThresholds:
    """The 要素 thresholds kept in the scoring data file (V6 params, unverified)."""
    ind = load_table(*scoring_files).indicator("V6")
    p = ind.params if ind else {}
    return svc.GuideThresholds(int(p.get("missing_min", 4)), int(p.get("guides_min", 5)))


async def policy_and_service_checks(settings: Settings, notes: dict[str, Any], home: str) -> list[SiteCheck]:
    """policy.interpretation, policy.interpretation_ratio, service.entry, service.guide, service.guide_elements."""
    out: list[SiteCheck] = []
    async with LightFetcher(settings) as fetcher:
        if settings.policy_sample:
            pf = await gather_policy(settings, fetcher, notes)
            out += [SiteCheck.from_result(pol.check_links(pf)),
                    SiteCheck.from_result(pol.check_ratio(pf, settings.policy_interpretation_ratio))]
        if settings.guide_sample:
            sf = await gather_service(settings, fetcher, home)
            th = guide_thresholds()
            out += [SiteCheck.from_result(svc.check_entry(sf)), SiteCheck.from_result(svc.check_guides(sf, th))]
            out += [SiteCheck.from_result(c, subject=subject) for subject, c in svc.check_each_guide(sf, th)]
    return out
