"""The Store: engine, migrations and the writes/reads the pipeline and reports need."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, delete, event, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import selectinload, sessionmaker

from auditor.store.models import Check, Evidence, LinkResult, Page, Run, Site, SiteCheck

MIGRATIONS = Path(__file__).parent / "migrations"


def normalise_db_url(url: str) -> str:
    """Accept the usual spellings; PostgreSQL goes through psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


class Store:
    def __init__(self, url: str):
        self.url = normalise_db_url(url)
        if self.url.startswith("sqlite:///") and not self.url.startswith("sqlite:///:memory:"):
            Path(self.url[len("sqlite:///"):]).expanduser().parent.mkdir(parents=True, exist_ok=True)
        self.engine: Engine = create_engine(self.url, pool_pre_ping=True)
        if self.url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self.session = sessionmaker(self.engine, expire_on_commit=False)

    def upgrade(self) -> None:
        """Bring the schema to the newest migration (idempotent)."""
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        cfg.set_main_option("sqlalchemy.url", self.url.replace("%", "%%"))
        with self.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")

    # --- sites ---
    def upsert_site(self, name: str, url: str, site_code: str | None = None, sponsor: str | None = None,
                    site_type: str | None = None) -> tuple[Site, bool]:
        with self.session.begin() as s:
            site = s.scalar(select(Site).where(Site.url == url))
            created = site is None
            if site is None:
                site = Site(url=url, name=name)
                s.add(site)
            site.name, site.site_code, site.sponsor, site.site_type = name, site_code, sponsor, site_type
            s.flush()
            s.expunge(site)
            return site, created

    def sites(self) -> list[Site]:
        with self.session() as s:
            return list(s.scalars(select(Site).order_by(Site.id)))

    # --- runs ---
    def create_run(self, site_name: str, site_code: str | None, pages_total: int, engine: str,
                   user_agent: str, options: dict[str, Any], site_id: int | None = None, kind: str = "pages",
                   site_url: str | None = None) -> Run:
        with self.session.begin() as s:
            run = Run(site_name=site_name, site_code=site_code, pages_total=pages_total, engine=engine,
                      user_agent=user_agent, options=options, site_id=site_id, kind=kind, site_url=site_url)
            s.add(run)
            s.flush()
            s.expunge(run)
            return run

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
        with self.session.begin() as s:
            run = s.get(Run, run_id)
            assert run is not None
            run.status = status
            run.finished_at = datetime.now(timezone.utc)
            pages = list(s.scalars(select(Page).where(Page.run_id == run_id)))
            run.pages_done = len(pages)
            run.pages_failed = sum(1 for p in pages if p.error_kind)
            s.flush()
            s.expunge(run)
            return run

    def save_page(self, run_id: int, page: Page, checks: Iterable[tuple[Check, list[Evidence]]],
                  page_evidence: Iterable[Evidence]) -> int:
        """Store one page with its checks and evidence, replacing an earlier copy of the same page in the run."""
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
        checks = list(checks)
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

    def save_site_checks(self, run_id: int, checks: Iterable[SiteCheck]) -> None:
        """Store site-level results, replacing earlier ones of the same rule and subject (idempotent)."""
        with self.session.begin() as s:
            for c in checks:
                s.execute(delete(SiteCheck).where(SiteCheck.run_id == run_id, SiteCheck.rule == c.rule,
                                                  SiteCheck.subject == c.subject))
                c.run_id = run_id
                s.add(c)

    def save_links(self, run_id: int, links: Iterable[LinkResult]) -> None:
        """Store link results, replacing earlier rows for the same URLs in the run (idempotent)."""
        links = list(links)
        urls = [link.url for link in links]
        with self.session.begin() as s:
            for i in range(0, len(urls), 500):  # one DELETE per chunk, not per link
                s.execute(delete(LinkResult).where(LinkResult.run_id == run_id, LinkResult.url.in_(urls[i:i + 500])))
            for link in links:
                link.run_id = run_id
            s.add_all(links)

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
