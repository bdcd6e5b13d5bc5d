"""The page job: fetch in the browser, collect facts once, run the pure rules, write evidence, store.

This is where the rooms meet for one page (browsers/ for the fetch and the evidence files, auditor/ for
facts, rules, OCR and storage). Both the in-process runner and (later) RQ workers call it.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, Callable
from datetime import datetime
from urllib.parse import urlsplit

from auditor import pagekind, profile
from auditor.config import Settings
from auditor.errors import PageError, describe
from auditor.models import CheckResult, PageFacts, SiteProfile
from auditor.netpolicy import TargetRefused, refused_without_lookup
from clients.resolve import check_target
from clients.ocr import HeaderOCR
from auditor.rules import content_pii, content_wording, header_site_name, run_rules
from auditor.rules._common import header_band_bottom
from auditor.store import Store
from auditor.store.models import Check, Evidence, Page
from browsers.attachments import gather as gather_attachments
from browsers.evidence import EvidenceFile, EvidenceWriter
from browsers.fetcher import FetchResult, PageFetcher
from workers.tasks import cancel_and_wait


@dataclass
class PageOutcome:
    url: str
    page_id: int
    error_kind: str | None
    error: str | None
    kind: str | None = None
    checks: list[CheckResult] = field(default_factory=list)
    seconds: float = 0.0
    facts: PageFacts | None = None  # kept for site audits (links, navigation, lists); not stored
    evidence_keys: tuple[str, str] | None = None  # (run key, page key) of the page's evidence folder


def _ev_row(f: EvidenceFile, note: str | None = None, text: str | None = None) -> Evidence:
    return Evidence(kind=f.kind, path=f.path, sha256=f.sha256, size=f.size,
                    box=f.box.as_dict() if f.box else None, note=note, text=text)


def _probe_services_sync(settings: Settings) -> dict[str, dict]:
    from browsers.service_probe import probe_services

    return asyncio.run(probe_services(settings))


class PageAuditor:
    def __init__(self, settings: Settings, store: Store, fetcher: PageFetcher | None, ocr: HeaderOCR | None):
        """``fetcher`` may be given later (set ``self.fetcher`` before the first ``audit``): the run's services
        probe can start while the browser does."""
        self.settings = settings
        self.store = store
        self.fetcher = fetcher
        self.ocr = ocr
        # The run's reachability of the national services, by host (auditor.fault), probed once per run.
        self.services: dict[str, dict] = {}
        self._services_run: int | None = None
        self._services_lock = asyncio.Lock()
        # The content rules' settings: the wording files (validated here too) and the salt of personal-data hashes.
        content_wording.use(settings.wording_files)
        content_pii.configure(pii_salt(settings))
        self._attachments: dict[str, dict] = {}  # by URL, for the pages of this auditor (one run or worker)

    async def services_for(self, run_id: int) -> dict[str, dict]:
        """The run's national-service reachability: stored with the run by whichever job came first, else probed
        now and stored (auditor/services.py)."""
        async with self._services_lock:
            if self._services_run == run_id:
                return self.services
            stored = await asyncio.to_thread(self.store.run_services, run_id)
            if stored is None:
                with profile.phase("services"):
                    # In a thread with its own event loop: importing the HTTP client and probing must not hold up
                    # the page's fetch on this loop.
                    stored = await asyncio.to_thread(_probe_services_sync, self.settings)
                await asyncio.to_thread(self.store.set_run_services, run_id, stored)
            self.services, self._services_run = stored, run_id
            return stored

    def record_refused(self, run_id: int, url: str, exc: TargetRefused) -> PageOutcome:
        page = Page(url=url, error_kind=exc.kind.value, error=str(exc), user_agent=self.settings.user_agent)
        pid = self.store.save_page(run_id, page, [], [])
        return PageOutcome(url, pid, exc.kind.value, str(exc))

    async def audit(self, run_id: int, url: str, site: SiteProfile, index: int,
                    fetched: Callable[[], None] | None = None) -> PageOutcome:
        """Fetch, judge and store one page. ``fetched`` is called as soon as the page needs the browser no more
        (the runner closes the browser after the last page's fetch, beside that page's rules and rows)."""
        s = self.settings
        ocr_fn = None
        elderly = wants_elderly(s, url, index)
        if self.ocr is not None and s.ocr:
            # The model loads when a page first needs it (an entry drawn as a picture, a header name the DOM
            # cannot prove), inside the page's budget, which allows OCR twice the 适老化 budget.
            ocr_fn = self.ocr.read_png
        # The run's national-service probe (the first page's job) runs beside the page's fetch: the rules need it,
        # the fetch does not.
        services = asyncio.ensure_future(self.services_for(run_id))
        assert self.fetcher is not None, "PageAuditor.fetcher is set before the first page"
        more = {"follow_contact": True} if s.follow_contact and getattr(self.fetcher, "follows_contact", False) else {}
        try:
            fetch = await self.fetcher.fetch(url, a11y=s.a11y, elderly=elderly, ocr=ocr_fn, **more)
        except BaseException:
            await cancel_and_wait(services)
            raise
        finally:
            if fetched is not None:
                fetched()
        await services
        if fetch.ok and not s.allow_private:
            # The page may have redirected somewhere the auditor must not go; judge every hop.
            for hop in fetch.redirect_chain[1:]:
                try:
                    check_target(hop, allow_private=False, allowlist=s.private_allowlist, host_map=s.host_map)
                except TargetRefused as exc:
                    fetch.error_kind, fetch.error = exc.kind, describe(exc.kind, f"重定向到 {hop}")
                    fetch.probe = fetch.screenshot = None
                    break
            refuse_landing(fetch, s)
            cp = fetch.contact_page
            if fetch.ok and cp and cp.get("final_url"):
                # The followed «联系我们» page may have gone somewhere the auditor must not go: its facts are dropped.
                try:
                    check_target(cp["final_url"], allow_private=False, allowlist=s.private_allowlist,
                                 host_map=s.host_map)
                except TargetRefused as exc:
                    fetch.contact_page = {**cp, "texts": [], "mailto": [], "shot_box": None,
                                          "error": f"拒绝访问：{exc}"}
                    fetch.contact_png = None
        page = Page(url=url, final_url=fetch.final_url or None, http_status=fetch.status,
                    error_kind=fetch.error_kind.value if fetch.error_kind else None, error=fetch.error,
                    attempts=fetch.attempts, user_agent=fetch.user_agent,
                    fetched_at=datetime.fromisoformat(fetch.fetched_at),
                    details=_details(fetch))
        if not fetch.ok:
            pid = await asyncio.to_thread(_timed, "db", self.store.save_page, run_id, page, [], [])
            return PageOutcome(url, pid, page.error_kind, page.error, seconds=fetch.timings.get("total", 0))
        assert fetch.probe is not None
        facts = PageFacts(url=url, final_url=fetch.final_url, status=fetch.status, probe=fetch.probe,
                          failed_requests=fetch.failed_requests, mixed_content=fetch.mixed_content,
                          axe=fetch.axe, elderly=fetch.elderly, pending_requests=fetch.pending_requests,
                          side_failures=fetch.side_failures, reached_hosts=fetch.reached_hosts,
                          services=self.services, contact_page=fetch.contact_page,
                          contact_png=fetch.contact_png)
        if s.attachments:
            try:
                facts.attachments = await gather_attachments(fetch.probe, fetch.final_url or url, s,
                                                             self._attachments)
            except Exception as exc:  # noqa: BLE001 - the attachments cannot sink the page's other checks
                facts.attachments = [{"url": url, "name": "（附件）", "status": "not_assessable",
                                      "error": f"附件收集出错：{type(exc).__name__}", "chunks": []}]
        kind = pagekind.classify(facts)
        page.kind, page.title = kind, (fetch.probe.get("title") or "")[:500]
        keys = (f"run-{run_id}", f"page-{index:04d}-{urlsplit(url).path}")
        writer = EvidenceWriter(s.evidence_dir, keys[0], keys[1], fetch.screenshot, staged=True)
        checks, rows, page_rows = await asyncio.to_thread(self._judge, facts, site, kind, writer)
        pid = await asyncio.to_thread(_timed, "db", self.store.save_page, run_id, page, rows, page_rows)
        # Files move into place only after their rows are committed: a kill in between leaves a .tmp- folder
        # that the sweep (workers/reaper.py) completes or removes, never an orphan folder.
        await asyncio.to_thread(_timed, "evidence", writer.commit)
        return PageOutcome(url, pid, None, None, kind, checks, fetch.timings.get("total", 0), facts, keys)

    def _judge(self, facts: PageFacts, site: SiteProfile, kind: str, writer: EvidenceWriter
               ) -> tuple[list[CheckResult], list[tuple[Check, list[Evidence]]], list[Evidence]]:
        """OCR when the DOM cannot prove the name, the rules, then evidence files (CPU work, off the loop)."""
        header_box = None
        if self.ocr is not None and self.settings.ocr and not header_site_name.dom_proves(facts, site) \
                and header_site_name.pixels_may_show_name(facts, site):
            from auditor.models import Box

            header_box = Box.of(facts.probe.get("header", {}).get("box"))
            if header_box is not None:
                # OCR reads the header band only, never below its cap (an article byline must not be read).
                bottom = header_band_bottom(facts)
                header_box = Box(header_box.x, header_box.y, header_box.w, max(0.0, bottom - header_box.y))
            with profile.phase("evidence"):
                region = writer.region_png(header_box) if header_box else None
            with profile.phase("ocr"):
                facts.header_ocr = self.ocr.read_png(region[0], region[1]) if region else []
            facts.header_ocr_box = header_box
        with profile.phase("rules"):
            checks = run_rules(facts, site, kind, node_cap=self.settings.a11y_node_cap)
        with profile.phase("evidence"):
            # Personal data on the page is blurred in the stored screenshot too, not only in its crop.
            writer.redact([r.box for c in checks for r in c.evidence if r.blur and r.box is not None])
            page_rows: list[Evidence] = []
            shot = writer.screenshot()
            if shot:
                page_rows.append(_ev_row(shot, "整页截图"))
            return checks, check_rows(checks, writer), page_rows


def _timed(phase: str, fn: Any, *args: Any) -> Any:
    """``fn(*args)`` profiled as ``phase`` (for calls sent to a thread)."""
    with profile.phase(phase):
        return fn(*args)


def refuse_landing(fetch: FetchResult, settings: Settings) -> None:
    """Defence in depth beside the egress proxy: the page the browser ended on (a script may have navigated after
    load) and every frame must be at an allowed address too; otherwise nothing of the page is kept."""
    if not fetch.ok or settings.allow_private:
        return
    for where, u in [("页面最终网址", fetch.final_url), *(("页面或其框架的地址", f) for f in fetch.frame_urls)]:
        if u and refused_without_lookup(u, allow_private=False, allowlist=settings.private_allowlist,
                                        host_map=settings.host_map):
            fetch.error_kind, fetch.error = PageError.EGRESS_REFUSED, describe(PageError.EGRESS_REFUSED, where)
            fetch.probe = fetch.screenshot = fetch.axe = fetch.elderly = None
            return


def pii_salt(settings: Settings) -> str:
    """The per-deployment salt of personal-data hashes: the setting, else one generated once and kept beside the
    evidence folder (<data folder>/pii_salt)."""
    if settings.pii_salt:
        return settings.pii_salt
    import secrets
    from pathlib import Path

    path = Path(settings.evidence_dir).resolve().parent / "pii_salt"
    try:
        if path.is_file():
            return path.read_text(encoding="utf-8").strip()
        path.parent.mkdir(parents=True, exist_ok=True)
        salt = secrets.token_hex(16)
        path.write_text(salt, encoding="utf-8")
        path.chmod(0o600)
        return salt
    except OSError:
        return ""


HOME_PATHS = frozenset({"", "/", "/index.html", "/index.htm", "/index.shtml", "/index.jsp", "/index.php",
                        "/default.html", "/default.htm", "/default.aspx"})


def wants_elderly(settings: Settings, url: str, index: int) -> bool:
    """Whether this page gets the 无障碍/适老化 entry activation: every page ("all"), or the home page ("home",
    where inspectors look for the entry), or none ("off")."""
    if settings.elderly == "all":
        return True
    if settings.elderly == "home":
        return urlsplit(url).path in HOME_PATHS
    return False


def check_rows(checks: list[CheckResult], writer: EvidenceWriter) -> list[tuple[Check, list[Evidence]]]:
    """Database rows for checks, with their evidence files written (crops boxed, HTML snippets)."""
    rows: list[tuple[Check, list[Evidence]]] = []
    for c in checks:
        evs: list[Evidence] = []
        for ref in c.evidence:
            if ref.png is not None:  # a picture of its own (before/after a mode switch), box drawn on it
                evs.append(_ev_row(writer.picture(c.rule, ref.png, ref.box), ref.note, ref.text))
                continue
            crop = writer.crop(c.rule, ref.box, "ocr_crop" if ref.kind == "ocr" else "crop", blur=ref.blur)
            if crop:
                evs.append(_ev_row(crop, ref.note, ref.text))
            if ref.blur:  # personal data: the masked sentence only, never the element's raw HTML
                if not crop:
                    evs.append(Evidence(kind=ref.kind, note=ref.note, text=ref.text,
                                        box=ref.box.as_dict() if ref.box else None))
                continue
            if ref.html and ref.kind == "link":  # a link's HTTP exchange: plain text, not markup
                evs.append(_ev_row(writer.text(c.rule, ref.html), ref.note, ref.text))
            elif ref.html:
                evs.append(_ev_row(writer.html(c.rule, ref.html), ref.note, ref.text))
            if not crop and not ref.html:
                evs.append(Evidence(kind=ref.kind, note=ref.note, text=ref.text,
                                    box=ref.box.as_dict() if ref.box else None))
        rows.append((Check(rule=c.rule, status=c.status.value, indicator=c.indicator, message=c.message,
                           value=c.value), evs))
    return rows


def _details(fetch: FetchResult) -> dict:
    return {"redirect_chain": fetch.redirect_chain, "console_errors": fetch.console_errors,
            "failed_requests": fetch.failed_requests[:100], "timings": fetch.timings, "dialogs": fetch.dialogs,
            "notes": fetch.notes, "mixed_content": fetch.mixed_content[:50],
            "pending_requests": fetch.pending_requests[:50], "side_failures": fetch.side_failures[:50],
            "a11y": _a11y_details(fetch), "contact_page": _contact_details(fetch)}


def _contact_details(fetch: FetchResult) -> dict | None:
    """The followed «联系我们» page, without its texts and picture (the check's evidence holds what counts)."""
    cp = fetch.contact_page
    if cp is None:
        return None
    return {k: cp.get(k) for k in ("url", "final_url", "status", "error", "title")}


def _a11y_details(fetch: FetchResult) -> dict | None:
    """What the 无障碍 pass saw, without pictures (they are evidence files): axe version, counts, entries."""
    if fetch.axe is None and fetch.elderly is None:
        return None
    out: dict = {}
    if fetch.axe is not None:
        out["axe_version"] = fetch.axe.get("version")
        out["axe_engine"] = fetch.axe.get("engine")
        out["violations"] = {v["id"]: v["count"] for v in fetch.axe.get("violations", [])}
        out["review"] = {v["id"]: v["count"] for v in fetch.axe.get("review", [])}
        # Rule ids that passed / had nothing to check: the conformance report's 符合 and 不适用.
        out["passes"] = list(fetch.axe.get("passes") or [])
        out["inapplicable"] = list(fetch.axe.get("inapplicable") or [])
        out["error"] = fetch.axe.get("error")
    if fetch.elderly is not None:
        found = fetch.elderly.get("found") or {}
        out["entries"] = [{k: e.get(k) for k in ("kind", "text", "selector", "source")}
                          for e in found.get("entries", [])][:10]
        out["toolbar_scripts"] = found.get("toolbarScripts")
        out["steps"] = fetch.elderly.get("steps")
        out["step_errors"] = fetch.elderly.get("errors")
    return out


__all__ = ["PageAuditor", "PageOutcome", "PageError"]
