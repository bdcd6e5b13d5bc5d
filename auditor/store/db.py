"""The Store: engine, migrations and the writes/reads the pipeline and reports need."""
from __future__ import annotations

import functools
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

from sqlalchemy import create_engine, delete, event, inspect, select, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.orm import selectinload, sessionmaker

from auditor.store.errors import StoreError, ValueTooLong, as_store_error, masked
from auditor.store.limits import check_lengths, fit_lengths
from auditor.store.models import Check, Evidence, LinkResult, Page, Run, Site, SiteCheck

ACTIVE = ("queued", "running")
ENDED = ("done", "failed", "aborted")

MIGRATIONS = Path(__file__).parent / "migrations"


RUN_PURPOSES = ("official", "self_check", "partial")

_REVISION = re.compile(r"^(down_revision|revision)\s*(?::[^=]*)?=\s*['\"]?([^'\"\s]+?)['\"]?\s*$", re.M)


@functools.cache
def head_revision() -> str | None:
    """The newest migration's revision id, read from the files of migrations/versions without importing Alembic:
    the one revision no other names as its ``down_revision``. None when that is not one revision (a branch, a
    file this reading does not understand): then Alembic itself decides."""
    revisions, downs = set(), set()
    for f in (MIGRATIONS / "versions").glob("*.py"):
        found = dict(m.groups() for m in _REVISION.finditer(f.read_text(encoding="utf-8")))
        if "revision" not in found or "down_revision" not in found:
            return None
        revisions.add(found["revision"])
        downs.add(found["down_revision"])
    heads = revisions - downs
    return heads.pop() if len(heads) == 1 else None


def normalise_db_url(url: str) -> str:
    """Accept the usual spellings; PostgreSQL goes through psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def check_db_url(url: str) -> str:
    """The normalised URL of a supported database (SQLite or PostgreSQL), or StoreError in Chinese."""
    if not isinstance(url, str) or not url.strip():
        raise StoreError("数据库地址为空：请设置 DATABASE_URL（如 sqlite:///govaudit-data/govaudit.db）")
    norm = normalise_db_url(url.strip())
    try:
        parsed = make_url(norm)
    except ArgumentError:
        raise StoreError(f"数据库地址无效：{masked(url)}（应为 sqlite:///文件路径 或 postgresql://用户@主机/库名）") from None
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise StoreError(f"不支持的数据库 {backend}：{masked(url)}（支持 SQLite：sqlite:///文件路径；"
                         "PostgreSQL：postgresql://用户@主机/库名）")
    if backend == "postgresql" and not parsed.database:
        raise StoreError(f"数据库地址缺少库名：{masked(url)}（如 postgresql://用户@主机:5432/govaudit）")
    return norm


class Store:
    def __init__(self, url: str):
        """Open (lazily) the database at ``url``; StoreError in Chinese for an unsupported or malformed URL and
        for a SQLite folder that cannot be created. Connection problems surface at ``upgrade``/first use."""
        self.url = check_db_url(url)
        if self.url.startswith("sqlite:///") and not self.url.startswith("sqlite:///:memory:"):
            folder = Path(self.url[len("sqlite:///"):].split("?", 1)[0]).expanduser().parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"无法创建数据库目录 {folder}：{exc.strerror or exc}") from None
        kwargs: dict[str, Any] = {"pool_pre_ping": True}
        if self.url.startswith("postgresql"):
            kwargs["connect_args"] = {"connect_timeout": 10}  # an unreachable server fails in seconds, not minutes
        try:
            self.engine: Engine = create_engine(self.url, **kwargs)
        except (ArgumentError, NoSuchModuleError, ImportError) as exc:
            raise StoreError(f"无法使用数据库 {masked(url)}：{exc}") from None
        if self.url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self.session = sessionmaker(self.engine, expire_on_commit=False)

    def upgrade(self) -> None:
        """Bring the schema to the newest migration (idempotent); StoreError in Chinese when the database
        cannot be reached or written. A database already at the newest revision is told by one query, without
        importing Alembic (most of a single-page run's start-up)."""
        try:
            if self.schema_revision() == head_revision():
                return
        except DBAPIError as exc:
            raise as_store_error(exc, self.url) from None
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        cfg.set_main_option("sqlalchemy.url", self.url.replace("%", "%%"))
        try:
            with self.engine.begin() as conn:
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
        except DBAPIError as exc:
            raise as_store_error(exc, self.url) from None

    def schema_revision(self) -> str | None:
        """The revision in the alembic_version table (None: no table, an empty or a branched database)."""
        with self.engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            rows = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
        return rows[0] if len(rows) == 1 else None

    # --- sites ---
    def upsert_site(self, name: str, url: str, site_code: str | None = None, sponsor: str | None = None,
                    site_type: str | None = None, region: str | None = None) -> tuple[Site, bool]:
        """Add or update a site by URL; ValueTooLong when a value does not fit its column. A ``region`` (地区) of
        None leaves the stored one as it is (the web form that registers a site does not ask for it)."""
        check_lengths(Site, {"name": name, "url": url, "site_code": site_code, "sponsor": sponsor,
                             "site_type": site_type, "region": region})
        with self.session.begin() as s:
            site = s.scalar(select(Site).where(Site.url == url))
            created = site is None
            if site is None:
                site = Site(url=url, name=name)
                s.add(site)
            site.name, site.site_code, site.sponsor, site.site_type = name, site_code, sponsor, site_type
            if region is not None:
                site.region = region
            s.flush()
            s.expunge(site)
            return site, created

    def sites(self) -> list[Site]:
        with self.session() as s:
            return list(s.scalars(select(Site).order_by(Site.id)))

    # --- runs ---
    def create_run(self, site_name: str, site_code: str | None, pages_total: int, engine: str,
                   user_agent: str, options: dict[str, Any], site_id: int | None = None, kind: str = "pages",
                   site_url: str | None = None, owner: dict[str, Any] | None = None,
                   purpose: str | None = None, started_by: str | None = None) -> Run:
        """A new run (status running); ValueTooLong when the site name, code or URL does not fit.

        ``purpose`` defaults to official for a whole-site run and partial for chosen pages. A run tied to no site
        is attached to the registered site of its host (CLI and demo runs), so the site's page shows it."""
        if purpose not in (None, *RUN_PURPOSES):
            raise ValueError(f"检查类型无效：{purpose}")
        run = Run(site_name=site_name, site_code=site_code, pages_total=pages_total, engine=engine,
                  user_agent=user_agent, options=options, site_id=site_id, kind=kind, site_url=site_url,
                  owner=owner, purpose=purpose or ("official" if kind == "site" else "partial"),
                  started_by=started_by)
        check_lengths(run)
        with self.session.begin() as s:
            if run.site_id is None:
                run.site_id = self._site_for_host(s, site_url or (options or {}).get("urls", [None])[0])
            s.add(run)
            s.flush()
            s.expunge(run)
            return run

    @staticmethod
    def _site_for_host(s: Any, url: str | None) -> int | None:
        """The registered site whose home page is on this URL's host (www. ignored), if exactly one is."""
        from urllib.parse import urlsplit

        def bare(u: str) -> str:
            try:
                h = (urlsplit(u).hostname or "").lower()
            except ValueError:
                return ""
            return h[4:] if h.startswith("www.") else h

        host = bare(url or "")
        if not host:
            return None
        hits = [site.id for site in s.scalars(select(Site)) if bare(site.url) == host]
        return hits[0] if len(hits) == 1 else None

    def run_services(self, run_id: int) -> dict[str, Any] | None:
        """The run's national-service reachability (auditor/services.py), or None before it was probed."""
        with self.session() as s:
            run = s.get(Run, run_id)
            return None if run is None else (run.options or {}).get("services")

    def set_run_services(self, run_id: int, services: dict[str, Any]) -> None:
        with self.session.begin() as s:
            run = s.get(Run, run_id)
            if run is not None:
                run.options = {**(run.options or {}), "services": services}

    def finish_run(self, run_id: int, status: str = "done") -> Run:
        """Count the pages and end the run; a run already failed or aborted keeps that status and reason."""
        with self.session.begin() as s:
            run = s.get(Run, run_id)
            assert run is not None
            if run.status not in ("failed", "aborted"):
                run.status = status
                run.finished_at = datetime.now(timezone.utc)
            pages = list(s.scalars(select(Page).where(Page.run_id == run_id)))
            run.pages_done = len(pages)
            run.pages_failed = sum(1 for p in pages if p.error_kind)
            s.flush()
            s.expunge(run)
            return run

    def end_run(self, run_id: int, status: str, reason: str, *, only_active: bool = True) -> bool:
        """End a run as failed (失败) or aborted (已中止) with the reason; returns whether it was changed.
        With ``only_active`` a run that already ended is left as it is (the first ending wins)."""
        assert status in ("failed", "aborted")
        with self.session.begin() as s:
            run = s.get(Run, run_id)
            if run is None or (only_active and run.status in ENDED):
                return False
            pages = list(s.scalars(select(Page).where(Page.run_id == run_id)))
            run.status, run.error = status, reason[:4000]
            run.finished_at = datetime.now(timezone.utc)
            run.pages_done = len(pages)
            run.pages_failed = sum(1 for p in pages if p.error_kind)
            return True

    def run_state(self, run_id: int) -> str | None:
        with self.session() as s:
            run = s.get(Run, run_id)
            return run.status if run is not None else None

    def runs(self, status: Iterable[str] | None = None, limit: int = 50) -> list[Run]:
        """Runs, newest first (optionally only those in the given statuses)."""
        q = select(Run).order_by(Run.id.desc()).limit(limit)
        if status:
            q = q.where(Run.status.in_(list(status)))
        with self.session() as s:
            return list(s.scalars(q))

    def save_page(self, run_id: int, page: Page, checks: Iterable[tuple[Check, list[Evidence]]],
                  page_evidence: Iterable[Evidence]) -> int:
        """Store one page with its checks and evidence, replacing an earlier copy of the same page in the run.
        Values taken from the page (title, URLs, messages) are cut to their columns' lengths."""
        checks = [(fit_lengths(c), [fit_lengths(e) for e in evs]) for c, evs in checks]
        page_evidence = [fit_lengths(e) for e in page_evidence]
        fit_lengths(page)
        with self.session.begin() as s:
            s.execute(delete(Page).where(Page.run_id == run_id, Page.url == page.url))
            page.run_id = run_id
            s.add(page)
            s.flush()
            for ev in page_evidence:
                ev.page_id = page.id
                s.add(ev)
            for check, evs in checks:
                check.page_id = page.id
                s.add(check)
                s.flush()
                for ev in evs:
                    ev.page_id, ev.check_id = page.id, check.id
                    s.add(ev)
            s.flush()
            return page.id

    def set_pages_total(self, run_id: int, total: int) -> None:
        with self.session.begin() as s:
            run = s.get(Run, run_id)
            assert run is not None
            run.pages_total = total

    def add_checks(self, page_id: int, checks: Iterable[tuple[Check, list[Evidence]]]) -> None:
        """Add checks found after the page was stored (e.g. its broken links), replacing same-rule ones."""
        checks = [(fit_lengths(c), [fit_lengths(e) for e in evs]) for c, evs in checks]
        with self.session.begin() as s:
            rules = {c.rule for c, _ in checks}
            s.execute(delete(Check).where(Check.page_id == page_id, Check.rule.in_(rules)))
            for check, evs in checks:
                check.page_id = page_id
                s.add(check)
                s.flush()
                for ev in evs:
                    ev.page_id, ev.check_id = page_id, check.id
                    s.add(ev)

    def add_page_evidence(self, page_id: int, evidence: Iterable[Evidence]) -> list[int]:
        """Evidence files of a site-level check (站内搜索, 互动交流), kept with a page of the run (the home page) and
        no page check, so the sweep keeps the files and the UI serves them by id; returns the new ids."""
        rows = [fit_lengths(e) for e in evidence]
        with self.session.begin() as s:
            for ev in rows:
                ev.page_id, ev.check_id = page_id, None
                s.add(ev)
            s.flush()
            return [ev.id for ev in rows]

    def save_site_checks(self, run_id: int, checks: Iterable[SiteCheck]) -> None:
        """Store site-level results, replacing earlier ones of the same rule and subject (idempotent)."""
        checks = [fit_lengths(c) for c in checks]
        with self.session.begin() as s:
            for c in checks:
                s.execute(delete(SiteCheck).where(SiteCheck.run_id == run_id, SiteCheck.rule == c.rule,
                                                  SiteCheck.subject == c.subject))
                c.run_id = run_id
                s.add(c)

    def save_links(self, run_id: int, links: Iterable[LinkResult]) -> None:
        """Store link results, replacing earlier rows for the same URLs in the run (idempotent)."""
        # Cut to the columns; two URLs equal once cut are one row (the unique run + url).
        links = list({fit_lengths(link).url: link for link in links}.values())  # type: ignore[attr-defined]
        urls = [link.url for link in links]
        with self.session.begin() as s:
            for i in range(0, len(urls), 500):  # one DELETE per chunk, not per link
                s.execute(delete(LinkResult).where(LinkResult.run_id == run_id, LinkResult.url.in_(urls[i:i + 500])))
            for link in links:
                link.run_id = run_id
            s.add_all(links)

    def previous_site_check(self, run_id: int, rule: str) -> tuple[int, Any] | None:
        """(run id, value) of ``rule`` in the newest earlier finished site run of the same site (its site id, else
        its home URL): the site rules compare two runs with it (首页不更新 over two weeks)."""
        with self.session() as s:
            run = s.get(Run, run_id)
            if run is None:
                return None
            same = Run.site_id == run.site_id if run.site_id is not None else Run.site_url == run.site_url
            row = s.execute(select(Run.id, SiteCheck.value).join(SiteCheck, SiteCheck.run_id == Run.id)
                            .where(same, Run.kind == "site", Run.id < run_id, Run.status == "done",
                                   SiteCheck.rule == rule).order_by(Run.id.desc()).limit(1)).first()
            return (row[0], row[1]) if row else None

    def run_with_pages(self, run_id: int) -> Run:
        with self.session() as s:
            run = s.scalar(select(Run).where(Run.id == run_id).options(
                selectinload(Run.pages).selectinload(Page.checks).selectinload(Check.evidence),
                selectinload(Run.pages).selectinload(Page.evidence),
                selectinload(Run.site_checks), selectinload(Run.links)))
            assert run is not None
            return run


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


__all__ = ["Store", "StoreError", "ValueTooLong", "check_db_url", "normalise_db_url", "ACTIVE", "ENDED"]
