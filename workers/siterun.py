"""Whole-site audit (全站检查): crawl the home page, the 一级栏目 and the 二级/三级 pages within a budget, audit every
sampled page with the page rules, then check every link, image and attachment over HTTP, judge column
freshness, and summarise per rule with the worst examples.
"""
from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any, Callable
from urllib.parse import urlsplit

from auditor import freshness
from auditor.availability import home_unreachable
from auditor.errors import PageError
from auditor.config import Settings
from auditor.crawl import ATTACHMENT_EXT, Candidate, CrawlPlan, canonical, robots_sitemaps, same_site, sitemap_urls
from clients.linkcheck import LinkCheck, check_links, fetch_text
from auditor.models import Box, CheckResult, EvidenceRef, SiteProfile, Status
from auditor.netpolicy import NOTFOUND, TargetRefused, map_target, normalise_url
from clients.resolve import check_target
from clients.ocr import shared_ocr
from auditor.rules import INDICATORS
from auditor.store import Store
from auditor.store.models import LinkResult, Page, SiteCheck
from browsers.evidence import EvidenceWriter
from browsers.engines import make_fetcher
from browsers.fetcher import PageFetcher
from workers.pipeline import PageAuditor, PageOutcome, check_rows
from workers import site_columns, site_extra2
from workers.runend import browser, ending, owner_identity

Progress = Callable[[str, int, int, str], None]  # (stage, done, total, message)

LINK_RULE = "links.availability"
LINK_INDICATOR = "可用性（不可用链接）"
MAX_LINK_EVIDENCE = 10


@dataclass
class _Seen:
    """Where a link appears: (page url, page id, box on that page, evidence keys)."""
    kind: str
    on_home: bool = False
    rendered_broken: bool = False
    places: list[tuple[str, int, dict[str, float] | None, tuple[str, str] | None]] = field(default_factory=list)


@dataclass
class _PageNotes:
    """What the site checks need from a page after its facts are dropped."""
    url: str
    page_id: int
    level: int
    source: str
    nav_text: str
    kind: str | None
    metas: dict[str, str]
    items: list[tuple[str, str, str | None]]
    text: str
    title: str
    error: str | None
    subresources: list[str] = field(default_factory=list)


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
        c = home_unreachable(home, exc.kind.value, str(exc), datetime.now(timezone.utc).isoformat(timespec="seconds"))
        store.save_site_checks(run.id, [SiteCheck(rule=c.rule, subject="", status=c.status.value,
                                                  indicator=c.indicator, message=c.message, value=c.value)])
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
    site_checks: list[SiteCheck] = []
    if links:
        site_checks += await _check_links(settings, store, run_id, home, crawl.seen_links, notes, say)
    site_checks += site_columns.column_checks(store, run_id, notes, home, today, fresh_config)
    site_checks += await site_extra2.policy_and_service_checks(settings, notes, home)
    if ipv6 and settings.ipv6:
        site_checks += await _ipv6_checks(settings, home, plan, notes)
    site_checks += _rule_summaries(store, run_id, plan)
    home_note = notes.get(home)
    if home_note is not None and home_note.error:
        c = home_unreachable(home, None, home_note.error, datetime.now(timezone.utc).isoformat(timespec="seconds"))
        site_checks.append(SiteCheck(rule=c.rule, subject="", status=c.status.value, indicator=c.indicator,
                                     message=c.message, value=c.value))
    store.save_site_checks(run_id, site_checks)
    store.finish_run(run_id)


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
        self.notes: dict[str, _PageNotes] = {}
        self.seen_links: dict[str, _Seen] = {}
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
        self.notes[url] = _PageNotes(
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


def _see(seen: dict[str, _Seen], url: str, kind: str, on_home: bool, page_url: str, page_id: int,
         keys: tuple[str, str] | None, box: dict[str, float] | None) -> _Seen:
    key = url.split("#", 1)[0]
    s = seen.setdefault(key, _Seen(kind))
    s.on_home = s.on_home or on_home
    if len(s.places) < 20 and all(p[0] != page_url for p in s.places):
        s.places.append((page_url, page_id, box, keys))
    return s


async def _check_links(settings: Settings, store: Store, run_id: int, home: str, seen: dict[str, _Seen],
                       notes: dict[str, _PageNotes], say: Progress) -> list[SiteCheck]:
    say("links", 0, len(seen), f"检查 {len(seen)} 个链接")
    results = await check_links(list(seen), settings, per_host=settings.per_host, retries=settings.link_retries,
                                timeout=settings.link_timeout)
    say("links", len(seen), len(seen), "链接检查完成")
    base = urlsplit(home).hostname or ""
    site_base = base[4:] if base.startswith("www.") else base
    rows: list[LinkResult] = []
    per_page: dict[int, list[tuple[str, LinkCheck, _Seen, dict[str, float] | None, tuple[str, str] | None]]] = \
        defaultdict(list)
    for url, s in seen.items():
        res = results.get(url)
        if res is None:
            continue
        klass, reason = res.klass, res.reason
        if s.rendered_broken and s.kind == "image" and klass == "ok":
            klass, reason = "broken", "图片在页面中无法显示（加载失败或不是有效图片）"
        rows.append(LinkResult(url=url, host=urlsplit(url).hostname or "", kind=s.kind, klass=klass,
                               external=not same_site(url, site_base), on_home=s.on_home,
                               http_status=res.http_status, reason=reason, attempts=res.attempts,
                               elapsed_ms=res.elapsed_ms, exchange=res.exchange,
                               found_on=[p[0] for p in s.places]))
        if klass in ("broken", "suspect"):
            for page_url, page_id, box, keys in s.places:
                per_page[page_id].append((url, LinkCheck(url, klass, res.http_status, reason, res.attempts,
                                                         res.elapsed_ms, res.exchange), s, box, keys))
    store.save_links(run_id, rows)
    for n, (page_id, found) in enumerate(per_page.items(), 1):
        keys = next((k for *_, k in found if k), None) or (f"run-{run_id}", f"page-{page_id}")
        writer = EvidenceWriter.reopen(settings.evidence_dir, keys[0], keys[1], staged=True)
        broken = [f for f in found if f[1].klass == "broken"]
        suspect = [f for f in found if f[1].klass == "suspect"]
        status = Status.FAIL if broken else Status.WARN
        msg = f"本页有 {len(broken)} 个确定不可用链接" + (f"、{len(suspect)} 个疑似不可用链接" if suspect else "") \
            if broken else f"本页有 {len(suspect)} 个疑似不可用链接"
        evidence = []
        for url, res, s, box, _ in (broken + suspect)[:MAX_LINK_EVIDENCE]:
            exch = _exchange_text(res)
            evidence.append(EvidenceRef(note=f"{'确定' if res.klass == 'broken' else '疑似'}不可用{_KIND_ZH[s.kind]}：{url}",
                                        box=Box.of(box), text=f"{res.reason}\n{exch}", html=exch, kind="link"))
        value = {"broken": [{"url": u, "status": r.http_status, "reason": r.reason, "kind": s.kind}
                            for u, r, s, _, _ in broken],
                 "suspect": [{"url": u, "status": r.http_status, "reason": r.reason, "kind": s.kind}
                             for u, r, s, _, _ in suspect]}
        check = CheckResult(LINK_RULE, status, LINK_INDICATOR, msg, value, evidence)
        store.add_checks(page_id, check_rows([check], writer))
        writer.commit()  # the crops move into the page's folder once their rows are stored
        say("evidence", n, len(per_page), f"不可用链接证据：页面 {page_id}")
    return _link_summaries(rows)


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


async def _ipv6_checks(settings: Settings, home: str, plan: CrawlPlan, notes: dict[str, _PageNotes]
                       ) -> list[SiteCheck]:
    """IPv6 支持度: AAAA, name servers, home page over v6, v4/v6 consistency, 二级/三级 links, sub-resources."""
    from auditor.ipv6 import IPv6Policy, score_ipv6
    from clients.ipv6_probe import measure_site

    if settings.isolate_network and not settings.dns_server:
        return [SiteCheck(rule="ipv6.support", subject="", status=Status.NOT_ASSESSABLE.value, indicator="IPv6 支持度",
                          message="离线运行且未配置 DNS 服务器（GOVAUDIT_DNS_SERVER），未检查 IPv6", value={})]
    level2 = [c.url for c in plan.planned if c.level == 2][:100]
    level3 = [c.url for c in plan.planned if c.level == 3][:100]
    home_note = notes.get(home)
    subres = home_note.subresources if home_note else []
    policy = IPv6Policy(fail_similarity=settings.ipv6_fail_similarity, link_target=settings.ipv6_link_target,
                        support_target=settings.ipv6_support_target)
    m = await measure_site(home, settings, level2, level3, subres)
    checks = [SiteCheck(rule=c.rule, subject="", status=c.status.value, indicator=c.indicator, message=c.message,
                        value=c.value) for c in score_ipv6(m, policy)]
    if m.aaaa:
        shot = await _render_over_ipv6(settings, home, m.aaaa[0])
        for c in checks:
            if c.rule == "ipv6.home":
                c.value = {**(c.value or {}), "ipv6_render": shot}
    return checks


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


_KIND_ZH = {"link": "链接", "image": "图片", "attachment": "附件"}


def _exchange_text(res: LinkCheck) -> str:
    """The HTTP exchange as an auditor reads it: request line, response status, selected headers, redirects."""
    ex = res.exchange or {}
    lines = []
    for hop in ex.get("redirects", []) or []:
        lines.append(f"{hop.get('method', 'GET')} {hop.get('url')} -> {hop.get('status')} {hop.get('location', '')}")
    lines.append(f"{ex.get('method', 'GET')} {ex.get('url', res.url)}")
    for k, v in (ex.get("request_headers") or {}).items():
        lines.append(f"{k}: {v}")
    lines.append("")
    lines.append(str(ex.get("status_line") or ex.get("error") or res.reason))
    for k, v in (ex.get("response_headers") or {}).items():
        lines.append(f"{k}: {v}")
    return "\n".join(lines)


def _link_summaries(rows: list[LinkResult]) -> list[SiteCheck]:
    """首页 and 其他页面 counts kept apart (the indicator treats them differently); 外链 listed by host."""
    out = []
    for subject, pick, label in (("home", lambda r: r.on_home, "首页"), ("other", lambda r: not r.on_home, "其他页面")):
        sel = [r for r in rows if pick(r)]
        counts = {k: sum(1 for r in sel if r.klass == k) for k in ("ok", "broken", "suspect", "unassessable")}
        status = Status.FAIL if counts["broken"] else Status.WARN if counts["suspect"] else Status.PASS
        msg = (f"{label}共检查 {len(sel)} 个链接：确定不可用 {counts['broken']} 个，疑似不可用 {counts['suspect']} 个，"
               f"无法评估 {counts['unassessable']} 个")
        worst = [{"url": r.url, "status": r.http_status, "reason": r.reason, "found_on": (r.found_on or [])[:3]}
                 for r in sel if r.klass in ("broken", "suspect")][:50]
        out.append(SiteCheck(rule=f"links.{subject}", subject="", status=status.value,
                             indicator=f"可用性（{label}不可用链接）", message=msg,
                             value={"counts": counts, "total": len(sel), "problems": worst}))
    ext: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in rows:
        if r.external:
            ext[r.host][r.klass] += 1
    out.append(SiteCheck(rule="links.external", subject="", status=Status.PASS.value, indicator="外链",
                         message=f"外部链接涉及 {len(ext)} 个网站",
                         value={host: dict(c) for host, c in sorted(ext.items())}))
    return out


def _rule_summaries(store: Store, run_id: int, plan: CrawlPlan) -> list[SiteCheck]:
    """Per page rule: on how many pages it failed or warned, with the worst examples (failures first)."""
    run = store.run_with_pages(run_id)
    by_rule: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    indicators: dict[str, str] = {}  # per-violation 无障碍 rules (a11y.<axe rule>) carry their own indicator
    errors = [p for p in run.pages if p.error_kind]
    for p in run.pages:
        for c in p.checks:
            by_rule[c.rule].append((c.status, p.url, c.message))
            indicators.setdefault(c.rule, c.indicator)
    out = []
    order = {"fail": 0, "not_assessable": 1, "warn": 2, "pass": 3}
    for rule, results in by_rule.items():
        counts = {s: sum(1 for r in results if r[0] == s) for s in ("pass", "fail", "warn", "not_assessable")}
        worst = sorted((r for r in results if r[0] != "pass"), key=lambda r: order[r[0]])[:5]
        status = min((r[0] for r in results), key=lambda s: order[s])
        out.append(SiteCheck(rule=rule, subject="pages", status=status,
                             indicator=INDICATORS.get(rule) or indicators.get(rule) or
                             (LINK_INDICATOR if rule == LINK_RULE else rule),
                             message=f"{len(results)} 个页面中：不合格 {counts['fail']}，警告 {counts['warn']}，"
                                     f"无法评估 {counts['not_assessable']}",
                             value={"counts": counts, "pages": len(results),
                                    "examples": [{"status": s, "url": u, "message": m} for s, u, m in worst]}))
    out.append(SiteCheck(rule="crawl.coverage", subject="", status=Status.WARN.value if errors else Status.PASS.value,
                         indicator="抽查范围",
                         message=f"抽查 {len(run.pages)} 个页面（{len(errors)} 个无法打开），按模板抽样略过 "
                                 f"{plan.skipped_by_template} 个同类页面",
                         value={"pages": len(run.pages), "errors": [{"url": p.url, "error": p.error} for p in errors][:50],
                                "skipped_by_template": plan.skipped_by_template,
                                "levels": _levels(plan), "external_hosts": dict(plan.external.most_common(50))}))
    return out


def _levels(plan: CrawlPlan) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for c in plan.planned:
        out[str(c.level)] += 1
    return dict(out)


# Public names for the RQ site steps (workers/jobs.py).
discover_sitemaps = _discover_sitemaps
follow_dns_server = _follow_dns_server

__all__ = ["run_site", "finish_site", "SiteCrawl", "page_record", "failed_record", "discover_sitemaps",
           "follow_dns_server"]
