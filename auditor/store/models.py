"""Tables: Site, Run, Page, Check (one rule's result on one page), Evidence (files, by path and hash)."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    pass


class Site(Base):
    """网站: one government website as registered in the auditors' site list."""
    __tablename__ = "sites"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(1000), unique=True)
    site_code: Mapped[str | None] = mapped_column(String(20))
    sponsor: Mapped[str | None] = mapped_column(String(200))
    site_type: Mapped[str | None] = mapped_column(String(50))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    runs: Mapped[list["Run"]] = relationship(back_populates="site")


class Run(Base):
    """检查批次: one audit run over some pages of a site."""
    __tablename__ = "runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id", ondelete="SET NULL"))
    site_name: Mapped[str] = mapped_column(String(200))
    site_code: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="running")
    engine: Mapped[str] = mapped_column(String(30), default="playwright")
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    pages_total: Mapped[int] = mapped_column(Integer, default=0)
    pages_done: Mapped[int] = mapped_column(Integer, default=0)
    pages_failed: Mapped[int] = mapped_column(Integer, default=0)
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    site: Mapped[Site | None] = relationship(back_populates="runs")
    pages: Mapped[list["Page"]] = relationship(back_populates="run", cascade="all, delete-orphan")


class Page(Base):
    """One page fetched in a run; a page job run twice replaces its own rows (unique run + url)."""
    __tablename__ = "pages"
    __table_args__ = (UniqueConstraint("run_id", "url", name="uq_pages_run_url"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    final_url: Mapped[str | None] = mapped_column(String(2000))
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
