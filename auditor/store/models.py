"""Tables: Site, Run, Page, Check (one rule's result on one page), Evidence (files, by path and hash)."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, BigInteger, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from auditor import lengths

if TYPE_CHECKING:
    from auditor.models import CheckResult


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    pass


class Site(Base):
    """网站: one government website as registered in the auditors' site list."""
    __tablename__ = "sites"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(lengths.SITE_NAME))
    url: Mapped[str] = mapped_column(String(lengths.SITE_URL), unique=True)
    site_code: Mapped[str | None] = mapped_column(String(lengths.SITE_CODE))
    sponsor: Mapped[str | None] = mapped_column(String(lengths.SPONSOR))
    site_type: Mapped[str | None] = mapped_column(String(lengths.SITE_TYPE))
    region: Mapped[str | None] = mapped_column(String(100))  # 地区 (migration 0010_site_region), for the trends
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    runs: Mapped[list["Run"]] = relationship(back_populates="site")


class Run(Base):
    """检查批次: one audit run over some pages of a site (kind "pages") or a whole site (kind "site").

    Status: queued → running → done (已完成), failed (失败, with ``error``) or aborted (已中止: interrupted, or its
    process died and the reaper found it). A run always ends; see docs/architecture.md.
    """
    __tablename__ = "runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), default="pages", server_default="pages")
    site_url: Mapped[str | None] = mapped_column(String(lengths.SITE_URL))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="SET NULL"))
    site_name: Mapped[str] = mapped_column(String(lengths.SITE_NAME))
    site_code: Mapped[str | None] = mapped_column(String(lengths.SITE_CODE))
    status: Mapped[str] = mapped_column(String(20), default="running")
    engine: Mapped[str] = mapped_column(String(30), default="playwright")
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    pages_total: Mapped[int] = mapped_column(Integer, default=0)
    pages_done: Mapped[int] = mapped_column(Integer, default=0)
    pages_failed: Mapped[int] = mapped_column(Integer, default=0)
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Why a run ended failed (失败) or aborted (已中止), in Chinese; None for a run that finished normally.
    error: Mapped[str | None] = mapped_column(Text)
    # Who runs it, so a run whose process is gone can be reaped (workers/reaper.py): embedded runs
    # {"mode": "embedded", "pid", "host", "started" (the process's start time)}; RQ runs {"mode": "rq", "queue"}.
    owner: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # What the run is for: official (正式检查, an auditor's full audit: the site's result and trend), self_check
    # (自查, a site owner's, never the official result) or partial (抽查页面, chosen pages); and who started it.
    purpose: Mapped[str] = mapped_column(String(20), default="official", server_default="official")
    started_by: Mapped[str | None] = mapped_column(String(80))
    site: Mapped[Site | None] = relationship(back_populates="runs")
    pages: Mapped[list["Page"]] = relationship(back_populates="run", cascade="all, delete-orphan")
    site_checks: Mapped[list["SiteCheck"]] = relationship(back_populates="run", cascade="all, delete-orphan")
    links: Mapped[list["LinkResult"]] = relationship(back_populates="run", cascade="all, delete-orphan")


class Page(Base):
    """One page fetched in a run; a page job run twice replaces its own rows (unique run + url)."""
    __tablename__ = "pages"
    __table_args__ = (UniqueConstraint("run_id", "url", name="uq_pages_run_url"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(lengths.PAGE_URL))
    final_url: Mapped[str | None] = mapped_column(String(lengths.PAGE_URL))
    http_status: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str | None] = mapped_column(String(20))
    title: Mapped[str | None] = mapped_column(Text)
    error_kind: Mapped[str | None] = mapped_column(String(40))
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    fetched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # redirects, console, failed requests, timings
    run: Mapped[Run] = relationship(back_populates="pages")
    checks: Mapped[list["Check"]] = relationship(back_populates="page", cascade="all, delete-orphan")
    evidence: Mapped[list["Evidence"]] = relationship(back_populates="page", cascade="all, delete-orphan")


class Check(Base):
    """One rule's result on one page (a finding when it failed or warned)."""
    __tablename__ = "checks"
    __table_args__ = (Index("ix_checks_rule_status", "rule", "status"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"), index=True)
    rule: Mapped[str] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(20))
    indicator: Mapped[str] = mapped_column(String(100))
    message: Mapped[str] = mapped_column(Text)
    value: Mapped[Any] = mapped_column(JSON, nullable=True)
    page: Mapped[Page] = relationship(back_populates="checks")
    evidence: Mapped[list["Evidence"]] = relationship(back_populates="check")


class Evidence(Base):
    """An evidence file under the evidence folder, by relative path and SHA-256 (never a blob)."""
    __tablename__ = "evidence"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"), index=True)
    check_id: Mapped[int | None] = mapped_column(ForeignKey("checks.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    path: Mapped[str | None] = mapped_column(String(500))
    sha256: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int | None] = mapped_column(Integer)
    box: Mapped[dict[str, float] | None] = mapped_column(JSON, nullable=True)
    note: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str | None] = mapped_column(Text)
    page: Mapped[Page] = relationship(back_populates="evidence")
    check: Mapped[Check | None] = relationship(back_populates="evidence")


class SiteCheck(Base):
    """A site-level result of a run (栏目更新, 可用性 summary, 单项否决 verdicts, per-rule page counts)."""
    __tablename__ = "site_checks"
    __table_args__ = (UniqueConstraint("run_id", "rule", "subject", name="uq_site_checks_run_rule_subject"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    rule: Mapped[str] = mapped_column(String(60))
    subject: Mapped[str] = mapped_column(String(500), default="")  # e.g. the column's URL; "" for the site
    status: Mapped[str] = mapped_column(String(20))
    indicator: Mapped[str] = mapped_column(String(100))
    message: Mapped[str] = mapped_column(Text)
    value: Mapped[Any] = mapped_column(JSON, nullable=True)
    run: Mapped[Run] = relationship(back_populates="site_checks")

    @classmethod
    def from_result(cls, c: "CheckResult", subject: str | None = None, value: Any = None) -> "SiteCheck":
        """The row of a site rule's ``CheckResult``: its subject and value unless others are given (the value
        with the stored pictures' paths, a guide's URL as subject)."""
        return cls(rule=c.rule, subject=c.subject if subject is None else subject, status=c.status.value,
                   indicator=c.indicator, message=c.message, value=c.value if value is None else value)


class LinkResult(Base):
    """One link, image or attachment checked over HTTP in a run (deduplicated by URL)."""
    __tablename__ = "link_results"
    __table_args__ = (UniqueConstraint("run_id", "url", name="uq_link_results_run_url"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    host: Mapped[str] = mapped_column(String(300))
    external: Mapped[bool] = mapped_column(default=False)
    on_home: Mapped[bool] = mapped_column(default=False)
    kind: Mapped[str] = mapped_column(String(20))  # link | image | attachment
    klass: Mapped[str] = mapped_column(String(20))  # ok | broken | suspect | unassessable
    http_status: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    elapsed_ms: Mapped[int | None] = mapped_column(Integer)
    exchange: Mapped[Any] = mapped_column(JSON, nullable=True)  # request/response lines and headers
    found_on: Mapped[Any] = mapped_column(JSON, nullable=True)  # pages (url) where the link appears
    checked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    run: Mapped[Run] = relationship(back_populates="links")


class AvailabilityProbe(Base):
    """One probe of a site's home page (站点无法访问 monitoring); unique per site and scheduled slot, so a
    restarted monitor neither loses nor double-counts probes."""
    __tablename__ = "availability_probes"
    __table_args__ = (UniqueConstraint("site_url", "slot", name="uq_probes_site_slot"),
                      Index("ix_probes_site_time", "site_url", "probed_at"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_url: Mapped[str] = mapped_column(String(1000))
    slot: Mapped[int] = mapped_column(BigInteger)  # scheduled slot number (epoch seconds // interval)
    probed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ok: Mapped[bool] = mapped_column()
    elapsed_ms: Mapped[int | None] = mapped_column(Integer)
    http_status: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)


# --- web UI: users, their sites, reviews (migration 0003) ---

class User(Base):
    """A person who logs in to the web UI: admin, auditor (all sites) or owner (only the sites in user_sites)."""
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))  # werkzeug.security (scrypt), never the password
    role: Mapped[str] = mapped_column(String(20))  # admin | auditor | owner
    # SHA-256 of the API token: the token is 256 random bits, so a fast hash suffices and lookups stay indexed.
    api_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Raised on log-out and on a new password: sessions carry the value they were issued with, so every older
    # session cookie (also one captured before the log-out) stops working at once.
    session_gen: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class LoginFailure(Base):
    """One failed log-in for a limiter key ("name:<user name>" or "addr:<client address>"), at a Unix time;
    used when no Redis is configured, so every server process and a restart see the same counts."""
    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_key_at", "key", "at"), Index("ix_login_failures_at", "at"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200))
    at: Mapped[float] = mapped_column(Float)


class UserSite(Base):
    """Which sites a site owner may see (and start audits of)."""
    __tablename__ = "user_sites"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True, index=True)


class Review(Base):
    """A reviewer's verdict on a finding (误报 / 确认), append-only; the newest per fingerprint counts.

    Keyed on the finding's fingerprint (site + rule + page URL + subject), not on the check id, so the verdict
    carries over to the same finding in later runs. The parts are kept beside the hash for reading and repair.
    """
    __tablename__ = "reviews"
    __table_args__ = (Index("ix_reviews_fingerprint_time", "fingerprint", "created_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    site_url: Mapped[str] = mapped_column(String(1000))
    rule: Mapped[str] = mapped_column(String(60))
    page_url: Mapped[str] = mapped_column(String(2000), default="")
    subject: Mapped[str] = mapped_column(String(500), default="")
    verdict: Mapped[str] = mapped_column(String(20))  # false_positive (误报) | confirmed (确认)
    reviewer: Mapped[str] = mapped_column(String(80))  # the username, kept even if the user is removed later
    reason: Mapped[str] = mapped_column(Text, default="")
    run_id: Mapped[int | None] = mapped_column(Integer)  # where it was reviewed; no FK: runs may be deleted
    finding_ref: Mapped[str | None] = mapped_column(String(20))  # e.g. "c123" (check) or "s45" (site check)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# --- 无障碍评测报告: the evaluator's 人工评测 judgements (migration 0007_a11y_judgements) ---

class ManualJudgementRow(Base):
    """人工评测: an evaluator's result for one criterion of a run under a standard, append-only; the newest per
    (run, standard, criterion) counts and replaces the automated result in the 评测报告."""
    __tablename__ = "manual_judgements"
    __table_args__ = (Index("ix_manual_judgements_run_std", "run_id", "standard", "criterion"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    standard: Mapped[str] = mapped_column(String(20))  # gbt37668 | wcag21aa | wcag22aa | elderly
    criterion: Mapped[str] = mapped_column(String(20))  # "1.4.3", "EL-01"
    result: Mapped[str] = mapped_column(String(20))  # passed | failed | cantTell | inapplicable
    note: Mapped[str] = mapped_column(Text, default="")
    evidence_path: Mapped[str | None] = mapped_column(String(500))  # under the evidence folder, or a URL
    user: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# --- 计分: a person's 人工核查 judgement and 核减 on a run's scorecard (migration 0008_users_admin) ---

class ScoreJudgementRow(Base):
    """人工核查 (kind "judgement": result 符合 / 不符合 / 撤销, optional points) or 核减 (kind "reduction": points given
    back) on one 19号 indicator of a run, with the reason and an optional picture as evidence. Append-only; the
    newest row per (run, indicator, kind) counts, so a mistake is corrected by a newer row and the history kept."""
    __tablename__ = "score_judgements"
    __table_args__ = (Index("ix_score_judgements_run", "run_id", "indicator", "kind"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    indicator: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20))  # judgement | reduction
    result: Mapped[str | None] = mapped_column(String(20))  # 符合 | 不符合 | 撤销 (judgements only)
    points: Mapped[float | None] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text, default="")
    evidence_path: Mapped[str | None] = mapped_column(String(500))  # relative to the evidence folder
    evidence_sha256: Mapped[str | None] = mapped_column(String(64))
    user: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# --- 先整改 / 已整改: a site owner's answer that a finding is fixed, for the next run to verify (0009_review_bulk) ---

class FixClaim(Base):
    """已整改: a site owner says a finding is fixed; append-only, the newest per fingerprint counts. Keyed on the
    finding's fingerprint like a review, so the next run of the site can tell whether it is gone or still there."""
    __tablename__ = "fix_claims"
    __table_args__ = (Index("ix_fix_claims_site_time", "site_url", "created_at"),
                      Index("ix_fix_claims_fingerprint", "fingerprint"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    site_url: Mapped[str] = mapped_column(String(1000))  # origin, as in reviews
    rule: Mapped[str] = mapped_column(String(60))
    indicator: Mapped[str] = mapped_column(String(100), default="")
    page_url: Mapped[str] = mapped_column(String(2000), default="")
    subject: Mapped[str] = mapped_column(String(500), default="")
    claimed_by: Mapped[str] = mapped_column(String(80))  # the owner's username
    note: Mapped[str] = mapped_column(Text, default="")
    run_id: Mapped[int] = mapped_column(Integer)  # the run whose finding was answered; no FK: runs may be deleted
    finding_ref: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
