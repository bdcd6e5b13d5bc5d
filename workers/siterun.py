"""Whole-site audit (全站检查): crawl the home page, the 一级栏目 and the 二级/三级 pages within a budget, audit every
sampled page with the page rules, then gather the site facts (every link, image and attachment checked over HTTP,
the IPv6 measurements, the stored pages), run the site rules over them (``auditor.site_rules``: links, 栏目更新,
IPv6, per-rule summaries, 抽查范围, 站点无法访问) and store their results.
"""
from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from datetime import date, datetime, timezone
from typing import Any, Awaitable, Callable
from urllib.parse import urlsplit

from auditor import freshness
from auditor.errors import PageError
from auditor.config import Settings
from auditor.crawl import ATTACHMENT_EXT, Candidate, CrawlPlan, canonical, robots_sitemaps, sitemap_urls
from auditor.ipv6 import IPv6Policy
from auditor.models import CheckResult, SiteProfile
from auditor.netpolicy import NOTFOUND, TargetRefused, map_target, normalise_url
from auditor.site_facts import (CrawlFacts, HomeFailure, HttpCheck, IPv6Facts, LinkFacts, LinkPlace, PageNote,
                                PageResult, SeenLink, SiteFacts, StoredCheck)
from auditor.site_rules import SiteRuleConfig, run_site_rules
from auditor.site_rules.links import judge_links, on_page
from auditor.store import Store
from auditor.store.models import LinkResult, Page, SiteCheck
from clients.linkcheck import check_links, fetch_text
from clients.resolve import check_target
from clients.ocr import shared_ocr
from browsers.evidence import EvidenceWriter
from browsers.engines import make_fetcher
from browsers.fetcher import PageFetcher
from workers import site_extra, site_extra2
from workers.pipeline import PageAuditor, PageOutcome, check_rows
from workers.runend import browser, ending, owner_identity
from workers.tasks import cancel_and_wait

Progress = Callable[[str, int, int, str], None]  # (stage, done, total, message)


class _HostGate:
    """At most ``per_host`` pages in flight per host, and ``delay`` seconds between starts on one host."""

    def __init__(self, per_host: int, delay: float):
        self.per_host, self.delay = per_host, delay
        self._sems: dict[str, asyncio.Semaphore] = defaultdict(lambda: asyncio.Semaphore(per_host))
        self._next: dict[str, float] = defaultdict(float)
        self._lock = asyncio.Lock()

    async def enter(self, host: str) -> asyncio.Semaphore:
        sem = self._sems[host]
        await sem.acquire()
        async with self._lock:
            wait = self._next[host] - time.monotonic()
            self._next[host] = max(time.monotonic(), self._next[host]) + self.delay
        if wait > 0:
            await asyncio.sleep(wait)
        return sem


async def _discover_sitemaps(home: str, settings: Settings) -> list[str]:
    """Page URLs from robots.txt's Sitemap lines and /sitemap.xml (one level of sitemap index)."""
    root = f"{urlsplit(home).scheme}://{urlsplit(home).netloc}"
    maps = [root + "/sitemap.xml"]
    robots = await fetch_text(root + "/robots.txt", settings)
    if robots:
        maps = list(dict.fromkeys(robots_sitemaps(robots) + maps))
    pages: list[str] = []
    for sm in maps[:5]:
        text = await fetch_text(sm, settings)
        if not text:
            continue
        found, nested = sitemap_urls(text)
        pages += found
        for sub in nested[:5]:
            sub_text = await fetch_text(sub, settings)
            if sub_text:
                pages += sitemap_urls(sub_text)[0]
    return pages


async def run_site(settings: Settings, store: Store, home_url: str, site: SiteProfile, *,
                   today: date | None = None, progress: Progress | None = None,
                   fresh_config: freshness.FreshnessConfig | None = None, links: bool = True,
                   site_id: int | None = None, ipv6: bool = True, started_by: str | None = None) -> int:
    """Audit a whole site; returns the run id. ``today`` is the inspection day (injectable for tests).

    A home page whose name does not resolve still gives a run, with the 站点无法访问 evidence."""
    today = today or datetime.now(timezone.utc).astimezone().date()
    settings = await _follow_dns_server(settings, normalise_url(home_url))
    options = {"max_pages": settings.max_pages, "per_template": settings.per_template, "today": today.isoformat()}
    try:
        target = check_target(home_url, allow_private=settings.allow_private, allowlist=settings.private_allowlist,
                              host_map=settings.host_map)
    except TargetRefused as exc:
        if exc.kind is not PageError.DNS:
            raise
        # The site's name does not resolve: still a run, with the 站点无法访问 evidence (a refused target is not).
        home = normalise_url(home_url)
        run = store.create_run(site.name, site.code, 1, settings.engine, settings.user_agent, options,
                               site_id=site_id, kind="site", site_url=home, owner=owner_identity(),
                               started_by=started_by)
        store.save_page(run.id, Page(url=home, error_kind=exc.kind.value, error=str(exc),
                                     user_agent=settings.user_agent), [], [])
        facts = SiteFacts(home=home, today=today, observed_at=_now(),
                          home_failure=HomeFailure(home, exc.kind.value, str(exc)))
        store.save_site_checks(run.id, _site_rows(run_site_rules(facts)))
        store.finish_run(run.id)
        return run.id
    home = target.url
    run = store.create_run(site.name, site.code, 0, settings.engine, settings.user_agent, options,
                           site_id=site_id, kind="site", site_url=home, owner=owner_identity(), started_by=started_by)
    with ending(store, settings, run.id):  # the run always ends: done, failed with the reason, or aborted
        await _site_pages_and_finish(settings, store, run.id, home, site, today, progress, fresh_config, links,
                                     ipv6)
    return run.id


async def _site_pages_and_finish(settings: Settings, store: Store, run_id: int, home: str, site: SiteProfile,
                                 today: date, progress: Progress | None,
                                 fresh_config: freshness.FreshnessConfig | None, links: bool, ipv6: bool) -> None:
    """The body of ``run_site`` once its run exists: crawl and audit the pages, then the site checks."""
    crawl = SiteCrawl(home, settings, site)
    plan = crawl.plan
    say = progress or (lambda *a: None)
    gate = _HostGate(settings.per_host, settings.crawl_delay)
    counter = {"i": 0}

    async with browser(make_fetcher(settings)) as fetcher:
        auditor = PageAuditor(settings, store, fetcher, shared_ocr() if settings.ocr else None)
        sem = asyncio.Semaphore(max(1, settings.concurrency))

        async def visit(cand: Candidate) -> None:
            async with sem:
                host = urlsplit(cand.url).hostname or ""
                host_sem = await gate.enter(host)
                try:
                    i = counter["i"]
                    counter["i"] += 1
                    try:
                        check_target(cand.url, allow_private=settings.allow_private,
                                     allowlist=settings.private_allowlist, host_map=settings.host_map)
                        out = await auditor.audit(run_id, cand.url, site, i)
                    except TargetRefused as exc:
                        out = auditor.record_refused(run_id, cand.url, exc)
                finally:
                    host_sem.release()
            crawl.absorb(page_record(cand, out))
            say("pages", len(crawl.notes), len(plan.planned), cand.url + (f"  错误：{out.error}" if out.error else ""))

        batch = plan.planned[:1]
        await visit(batch[0])
        crawl.offer_sitemaps(await _discover_sitemaps(home, settings))
        while True:
            batch = plan.next_batch(max(1, settings.concurrency) * 4)
            if not batch:
                break
            await asyncio.gather(*(visit(c) for c in batch))
    await finish_site(settings, store, run_id, crawl, today=today, progress=say, fresh_config=fresh_config,
                      links=links, ipv6=ipv6)


async def finish_site(settings: Settings, store: Store, run_id: int, crawl: "SiteCrawl", *, today: date,
                      progress: Progress | None = None, fresh_config: freshness.FreshnessConfig | None = None,
                      links: bool = True, ipv6: bool = True) -> None:
    """全站检查 汇总, once every sampled page is stored: links over HTTP, 栏目更新, IPv6 and the per-rule
    summaries, then the run is finished. Shared by the embedded run and the RQ finaliser (workers/jobs.py)."""
    say = progress or (lambda *a: None)
    home, plan, notes = crawl.home, crawl.plan, crawl.notes
    store.set_pages_total(run_id, len(notes))
    # What needs only the crawl runs side by side with the links and IPv6 measurements: 站内搜索 and 互动交流 in
    # one Chromium (auditor/site_rules/search.py, interaction.py; their evidence pictures are stored as they are
    # taken, workers/site_extra.py), 政策解读关联 and 办事指南要素 over plain HTTP (same egress rules).
    nav_unvisited = [c.url for c in plan.queue.values() if c.source == "nav"]
    extra = asyncio.ensure_future(asyncio.gather(
        site_extra.browser_checks(settings, store, run_id, home, notes, today, nav_unvisited),
        site_extra2.policy_and_service_checks(settings, notes, home)))
    try:  # a failure or a cancel here stops the families too: nothing is left running after the run ends
        link_facts = await _gather_links(settings, crawl.seen_links, say) if links else None
        ipv6_facts = await _gather_ipv6(settings, home, plan, notes) if ipv6 and settings.ipv6 else None
        facts = SiteFacts(home=home, today=today, observed_at=_now(), pages=notes, links=link_facts,
                          page_results=_page_results(store, run_id), crawl=_crawl_facts(plan), ipv6=ipv6_facts,
                          run_id=run_id, previous_home=_previous_home(store, run_id))
        config = SiteRuleConfig(freshness=fresh_config, ipv6=_ipv6_policy(settings))
        results = run_site_rules(facts, config)
        if link_facts is not None:
            store.save_links(run_id, [LinkResult(url=r.url, host=r.host, kind=r.kind, klass=r.klass,
                                                 external=r.external, on_home=r.on_home, http_status=r.http_status,
                                                 reason=r.reason, attempts=r.attempts, elapsed_ms=r.elapsed_ms,
                                                 exchange=r.exchange, found_on=r.found_on)
                                      for r in judge_links(link_facts, home)])
        _store_page_findings(settings, store, run_id, crawl.seen_links, [c for c in results if on_page(c)], say)
        rows = _site_rows([c for c in results if not on_page(c)])
        browser_rows, http_rows = await extra
        rows += browser_rows + http_rows
    except BaseException:
        await cancel_and_wait(extra)
        raise
    store.save_site_checks(run_id, rows)
    store.finish_run(run_id)


def _previous_home(store: Store, run_id: int) -> Any:
    """The home page's items as this site's previous run stored them (首页不更新 across runs), or None."""
    from auditor.site_rules.columns import HomeSnapshot

    prev = store.previous_site_check(run_id, "home.update")
    return HomeSnapshot.from_value((prev[1] or {}).get("current"), prev[0]) if prev else None


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _site_rows(results: list[CheckResult]) -> list[SiteCheck]:
    return [SiteCheck.from_result(c) for c in results]


def _cand_dict(cand: Candidate | dict[str, Any]) -> dict[str, Any]:
    if isinstance(cand, dict):
        return cand
    return {"url": cand.url, "level": cand.level, "source": cand.source, "text": cand.text, "parent": cand.parent}


def page_record(cand: Candidate | dict[str, Any], out: PageOutcome) -> dict[str, Any]:
    """What the site checks and the crawl need from an audited page, as plain JSON (the page's facts are
    dropped after the page job; an RQ site run keeps this record in Redis until the next crawl step)."""
    facts = out.facts
    probe = facts.probe if facts else {}
    pick = {
        "nav": [{"href": n.get("href"), "text": n.get("text", "")} for n in probe.get("nav", [])],
        "links": [{"href": a.get("href") or "", "text": a.get("text", ""), "box": a.get("box"),
                   "visible": a.get("visible")} for a in probe.get("links", [])],
        "images": [{"src": i.get("src") or "", "box": i.get("box"), "visible": i.get("visible"),
                    "loaded": i.get("loaded")} for i in probe.get("images", [])],
        "listItems": [{k: it.get(k) for k in ("title", "text", "href", "date", "inHeader")}
                      for it in probe.get("listItems", [])],
        "scripts": [{"src": x.get("src")} for x in probe.get("scripts", []) if x.get("src")],
        "text": (probe.get("text") or "")[:20000], "title": probe.get("title") or ""}
    return {"cand": _cand_dict(cand), "page_id": out.page_id, "kind": out.kind, "error": out.error,
            "ok": facts is not None, "evidence_keys": list(out.evidence_keys) if out.evidence_keys else None,
            "metas": facts.metas() if facts else {}, "probe": pick}


def failed_record(cand: Candidate | dict[str, Any], page_id: int, error: str) -> dict[str, Any]:
    """The crawl record of a page whose job failed every attempt (stored as a page error)."""
    return {"cand": _cand_dict(cand), "page_id": page_id, "kind": None, "error": error, "ok": False,
            "evidence_keys": None, "metas": {}, "probe": {}}


class SiteCrawl:
    """The state of one 全站检查 crawl: the plan (frontier, sampling), what the site checks need from each
    page (notes), and every link, image and attachment seen. The embedded ``run_site`` keeps it in memory;
    an RQ site run pickles it between crawl steps (``workers.jobs.site_step``), one crawl level per step."""

    def __init__(self, home: str, settings: Settings, site: SiteProfile | None = None):
        self.home = home
        self.site = site
        self.plan = CrawlPlan(home, max_pages=settings.max_pages, per_template=settings.per_template)
        self.notes: dict[str, PageNote] = {}
        self.seen_links: dict[str, SeenLink] = {}
        self.level_count = 0
        self._wave: list[int] = []

    # --- per crawl level (RQ site runs) ---
    def first_wave(self) -> list[tuple[int, Candidate]]:
        """The home page alone (its navigation defines the 一级栏目 and the sitemap is read after it)."""
        self._wave = [0]
        self.level_count = 1
        return [(0, self.plan.planned[0])]

    def next_wave(self) -> list[tuple[int, Candidate]]:
        """The next crawl level: every queued candidate of the shallowest level (within the page budget and
        the per-template sampling), so deeper links found on this level are planned before sitemap pages,
        as in the embedded crawl."""
        q = self.plan.queue
        out: list[tuple[int, Candidate]] = []
        while q and not out and not self.plan.full:
            level = min(c.level for c in q.values())
            held = [(u, c) for u, c in q.items() if c.level != level]
            for u, _ in held:
                del q[u]
            start = len(self.plan.planned)
            batch = self.plan.next_batch(len(q))
            q.update(held)
            out = [(start + k, c) for k, c in enumerate(batch)]
        self._wave = [i for i, _ in out]
        if out:
            self.level_count += 1
        return out

    def wave_indexes(self) -> list[int]:
        return list(self._wave)

    def current_wave(self) -> list[tuple[int, Candidate]]:
        return [(i, self.plan.planned[i]) for i in self._wave]

    @staticmethod
    def cand_dict(cand: Candidate) -> dict[str, Any]:
        return _cand_dict(cand)

    def absorb_wave(self, records: dict[int, dict[str, Any]]) -> None:
        """Absorb the current level's records in plan order (so the next level is planned the same way
        whichever worker finished first)."""
        for i in sorted(self._wave):
            if i in records:
                self.absorb(records[i])

    def offer_sitemaps(self, urls: list[str]) -> None:
        for url in urls:
            self.plan.offer(url, 9, "sitemap")

    def absorb(self, record: dict[str, Any]) -> None:
        """Record what the site checks need from a page and offer its links to the crawl plan."""
        cand, probe, plan = record["cand"], record.get("probe") or {}, self.plan
        url, level = cand["url"], cand["level"]
        page_id, keys = record["page_id"], tuple(record["evidence_keys"]) if record.get("evidence_keys") else None
        is_home = level == 1
        nav = {canonical(n["href"]) for n in probe.get("nav", [])}
        items = [(it.get("title") or it["text"], it["href"], it.get("date") or it["text"])
                 for it in probe.get("listItems", []) if not it.get("inHeader") and canonical(it["href"]) not in nav]
        subresources = [i["src"] for i in probe.get("images", [])] + [x["src"] for x in probe.get("scripts", [])
                                                                      if x.get("src")]
        self.notes[url] = PageNote(
            subresources=[u for u in subresources if u.startswith(("http://", "https://"))][:300],
            url=url, page_id=page_id, level=level, source=cand["source"], nav_text=cand.get("text") or "",
            kind=record.get("kind"), metas=record.get("metas") or {}, items=items, text=probe.get("text") or "",
            title=probe.get("title") or "", error=record.get("error"))
        if not record.get("ok"):
            return
        if is_home or cand["source"] == "nav":  # a 一级栏目's own navigation names its 二级栏目
            for n in probe.get("nav", []):
                plan.offer(n["href"], level + 1, "nav" if is_home else "subnav", n.get("text", ""), url)
        for a in probe.get("links", []):
            href = a.get("href") or ""
            if not href.startswith(("http://", "https://")):
                continue
            kind = "attachment" if ATTACHMENT_EXT.search(urlsplit(href).path) else "link"
            _see(self.seen_links, href, kind, is_home, url, page_id, keys, a.get("box") if a.get("visible") else None)
            plan.offer(href, level + 1, "link", a.get("text", ""), url)
        for img in probe.get("images", []):
            src = img.get("src") or ""
            if not src.startswith(("http://", "https://")):
                continue
            s = _see(self.seen_links, src, "image", is_home, url, page_id, keys,
                     img.get("box") if img.get("visible") else None)
            if img.get("visible") and not img.get("loaded"):
                s.rendered_broken = True


def _see(seen: dict[str, SeenLink], url: str, kind: str, on_home: bool, page_url: str, page_id: int,
         keys: tuple[str, str] | None, box: dict[str, float] | None) -> SeenLink:
    key = url.split("#", 1)[0]
    s = seen.setdefault(key, SeenLink(kind))
    s.on_home = s.on_home or on_home
    if len(s.places) < 20 and all(p.page_url != page_url for p in s.places):
        s.places.append(LinkPlace(page_url, page_id, box, keys))
    return s


async def _gather_links(settings: Settings, seen: dict[str, SeenLink], say: Progress) -> LinkFacts:
    """Every link, image and attachment seen, checked over HTTP."""
    say("links", 0, len(seen), f"检查 {len(seen)} 个链接")
    results = await check_links(list(seen), settings, per_host=settings.per_host, retries=settings.link_retries,
                                timeout=settings.link_timeout)
    say("links", len(seen), len(seen), "链接检查完成")
    return LinkFacts(seen=seen, checked={url: HttpCheck(r.klass, r.http_status, r.reason, r.attempts, r.elapsed_ms,
                                                        r.exchange) for url, r in results.items()})


def _store_page_findings(settings: Settings, store: Store, run_id: int, seen: dict[str, SeenLink],
                         findings: list[CheckResult], say: Progress) -> None:
    """Each page's ``links.availability`` result (subject: the page's URL) stored on that page, its evidence
    crops in the page's evidence folder."""
    where = {p.page_url: (p.page_id, p.evidence_keys) for s in seen.values() for p in s.places}
    for n, check in enumerate(findings, 1):
        page_id, keys = where[check.subject]
        keys = keys or (f"run-{run_id}", f"page-{page_id}")
        writer = EvidenceWriter.reopen(settings.evidence_dir, keys[0], keys[1], staged=True)
        store.add_checks(page_id, check_rows([check], writer))
        writer.commit()  # the crops move into the page's folder once their rows are stored
        say("evidence", n, len(findings), f"不可用链接证据：页面 {page_id}")


async def _follow_dns_server(settings: Settings, home: str) -> Settings:
    """With a configured DNS server (GOVAUDIT_DNS_SERVER), the browser follows the addresses that server gives
    for the site's host: they become browser MAP rules (the browser has no resolver setting of its own)."""
    host = urlsplit(home).hostname or ""
    if not settings.dns_server or not host or map_target(host, settings.host_map) is not None:
        return settings
    from clients.ipv6_probe import make_resolver

    resolver = make_resolver(settings)
    for rtype in ("A", "AAAA"):
        try:
            answer = await resolver.resolve(host, rtype)
        except Exception:  # noqa: BLE001 - NXDOMAIN, no answer, timeout: try the other family
            continue
        addr = str(answer[0])
        return settings.replace(host_map={**settings.host_map, host: f"[{addr}]" if ":" in addr else addr})
    return settings.replace(host_map={**settings.host_map, host: NOTFOUND})


async def _gather_ipv6(settings: Settings, home: str, plan: CrawlPlan, notes: dict[str, PageNote],
                       render: Callable[[str], Awaitable[dict[str, Any]]] | None = None) -> IPv6Facts:
    """IPv6 measurements: AAAA, name servers, home page over v6 and v4, 二级/三级 links, sub-resources; and the
    home page rendered over IPv6 only when it has an AAAA address. ``render(address)`` gives that rendering
    (default ``_render_over_ipv6``; ``govaudit ipv6`` passes one it started earlier, beside its crawl)."""
    from clients.ipv6_probe import measure_site

    if settings.isolate_network and not settings.dns_server:
        return IPv6Facts(skipped="离线运行且未配置 DNS 服务器（GOVAUDIT_DNS_SERVER），未检查 IPv6")
    level2 = [c.url for c in plan.planned if c.level == 2][:100]
    level3 = [c.url for c in plan.planned if c.level == 3][:100]
    home_note = notes.get(home)
    subres = home_note.subresources if home_note else []
    m = await measure_site(home, settings, level2, level3, subres)
    shot = (await (render(m.aaaa[0]) if render else _render_over_ipv6(settings, home, m.aaaa[0]))) if m.aaaa else None
    return IPv6Facts(measurements=m, render=shot)


def _ipv6_policy(settings: Settings) -> IPv6Policy:
    return IPv6Policy(fail_similarity=settings.ipv6_fail_similarity, link_target=settings.ipv6_link_target,
                      support_target=settings.ipv6_support_target)


async def ipv6_site_checks(settings: Settings, home: str, plan: CrawlPlan, notes: dict[str, PageNote],
                           render: Callable[[str], Awaitable[dict[str, Any]]] | None = None) -> list[SiteCheck]:
    """Only the IPv6 rules, for ``govaudit ipv6`` (workers/ipv6run.py): gather, judge, rows to store."""
    from auditor.site_rules import ipv6 as ipv6_rules

    facts = SiteFacts(home=home, today=date.today(), observed_at=_now(),
                      ipv6=await _gather_ipv6(settings, home, plan, notes, render))
    ids = {m.id for m in ipv6_rules.METAS}
    return _site_rows(run_site_rules(facts, SiteRuleConfig(ipv6=_ipv6_policy(settings)), only=ids))


async def _render_over_ipv6(settings: Settings, home: str, addr: str) -> dict[str, Any]:
    """The home page rendered in Chromium over IPv6 only (the host mapped to its AAAA address), with the
    full-page screenshot kept as evidence of what a v6-only visitor sees."""
    host = urlsplit(home).hostname or ""
    s6 = settings.replace(host_map={**settings.host_map, host: f"[{addr}]"}, ocr=False)
    async with PageFetcher(s6) as fetcher:
        res = await fetcher.fetch(home, probe=False)
    out: dict[str, Any] = {"address": addr, "ok": res.error is None, "status": res.status, "error": res.error}
    if res.screenshot:
        writer = EvidenceWriter(settings.evidence_dir, "ipv6", host or "site", res.screenshot)
        f = writer.save("home-ipv6.png", res.screenshot, "screenshot")
        out.update(screenshot=f.path, sha256=f.sha256)
    return out


def _page_results(store: Store, run_id: int) -> list[PageResult]:
    """The run's stored pages with their page rules' verdicts, in stored order."""
    run = store.run_with_pages(run_id)
    return [PageResult(p.id, p.url, p.error_kind, p.error,
                       [StoredCheck(c.rule, c.status, c.indicator, c.message) for c in p.checks]) for p in run.pages]


def _crawl_facts(plan: CrawlPlan) -> CrawlFacts:
    return CrawlFacts(planned=[(c.url, c.level) for c in plan.planned], skipped_by_template=plan.skipped_by_template,
                      external_hosts=dict(plan.external.most_common()))


# Public names for the RQ site steps (workers/jobs.py).
discover_sitemaps = _discover_sitemaps
follow_dns_server = _follow_dns_server

__all__ = ["run_site", "finish_site", "SiteCrawl", "page_record", "failed_record", "discover_sitemaps",
           "follow_dns_server"]
