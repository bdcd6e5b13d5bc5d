"""收尾 (the reaper): end runs whose worker is gone, and sweep evidence no database row refers to.

``govaudit runs reap`` runs both; ``govaudit serve`` and ``govaudit worker`` run them at start.

Which runs are reaped (status queued/running only)
    * Embedded runs (``Run.owner`` mode "embedded": the CLI, or the web's thread pool): the owning process
      (pid + host + start time) is gone → ``aborted``. Runs of another host cannot be checked and are left.
    * RQ runs (mode "rq"): RQ's own clean-up of the StartedJobRegistry runs first (an abandoned job is
      retried or failed through its failure callback, which records the page); a run that then has no job
      left in the queue or in the started, scheduled or deferred registries → ``failed`` (its jobs were lost).
    * Runs from before owners were recorded: ``aborted`` once older than ``stale_hours`` (default 24).
    A run younger than ``grace`` seconds is never reaped (it may be between creation and its first job).

The evidence sweep (``sweep_evidence``)
    Only ``run-<id>`` folders of runs that have ended (or whose row is gone) are touched; a running run's
    folder is left alone. Inside: a staged ``.tmp-<page>-<random>`` folder (browsers/evidence.py) is moved
    into place when its rows were committed (the kill came between commit and rename) and deleted otherwise;
    files no Evidence row names are deleted; empty folders go. Folders of runs with no row are deleted once
    older than ``min_age`` seconds.
"""
from __future__ import annotations

import logging
import os
import re
import shutil
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

from sqlalchemy import select

from auditor.config import Settings
from auditor.store import Store
from auditor.store.db import ACTIVE
from auditor.store.models import Evidence, Page, Run
from browsers.evidence import STAGE_RE
from workers.runend import owner_alive

log = logging.getLogger("govaudit.reaper")
RUN_DIR_RE = re.compile(r"^run-(\d+)$")
JOB_RUN_RE = re.compile(r"\brun (\d+)\b")


@dataclass
class Reaped:
    run_id: int
    status: str
    reason: str


@dataclass
class SweepReport:
    moved: int = 0  # staged files moved into place (their rows were committed)
    removed_files: int = 0
    removed_dirs: list[str] = field(default_factory=list)


def _aware(t: datetime | None) -> datetime:
    if t is None:
        return datetime.now(timezone.utc)
    return t if t.tzinfo else t.replace(tzinfo=timezone.utc)


def rq_live_runs(settings: Settings) -> set[int] | None:
    """Run ids that still have a job in RQ (queued, started, scheduled or deferred), after RQ's clean-up of
    abandoned jobs; None when Redis cannot be asked (then RQ runs are left alone)."""
    if not settings.redis_url:
        return None
    try:
        from rq import Queue
        from rq.job import Job
        from rq.registry import DeferredJobRegistry, ScheduledJobRegistry, StartedJobRegistry

        from workers.jobs import redis_conn

        conn = redis_conn(settings.redis_url)
        q = Queue(settings.rq_queue, connection=conn)
        started = StartedJobRegistry(queue=q)
        started.cleanup()  # abandoned jobs: retried, or failed through their callbacks (pages recorded)
        ids = set(q.get_job_ids()) | set(started.get_job_ids())
        ids |= set(ScheduledJobRegistry(queue=q).get_job_ids()) | set(DeferredJobRegistry(queue=q).get_job_ids())
        live: set[int] = set()
        for job in Job.fetch_many(list(ids), connection=conn):
            if job is not None:
                m = JOB_RUN_RE.search(job.description or "")
                if m:
                    live.add(int(m.group(1)))
        return live
    except Exception:  # noqa: BLE001 - Redis down: nothing can be told about RQ runs
        log.warning("无法查询 RQ 队列，跳过服务模式的检查批次", exc_info=True)
        return None


def reap_runs(store: Store, settings: Settings | None = None, *, grace: float = 60,
              stale_hours: float = 24) -> list[Reaped]:
    """End the runs whose worker is gone (see the module docstring); returns what was ended."""
    now = datetime.now(timezone.utc)
    with store.session() as s:
        runs = list(s.scalars(select(Run).where(Run.status.in_(ACTIVE))))
    if not runs:
        return []
    rq_live: set[int] | None = None
    rq_asked = False
    out: list[Reaped] = []
    for run in runs:
        age = (now - _aware(run.started_at)).total_seconds()
        if age < grace:
            continue
        owner = run.owner or {}
        mode = owner.get("mode") or (run.options or {}).get("mode") or "embedded"
        verdict: tuple[str, str] | None = None
        if mode == "rq":
            if settings is None or owner.get("queue", settings.rq_queue) != settings.rq_queue:
                continue  # RQ runs are judged against their own queue only
            if not rq_asked:
                rq_live, rq_asked = rq_live_runs(settings), True
            if rq_live is not None and run.id not in rq_live:
                verdict = ("failed", "队列中已没有这个检查批次的任务（工作进程退出或任务丢失），检查未能完成")
        elif owner.get("pid") is not None:
            if owner_alive(owner) is False:
                verdict = ("aborted", f"执行检查的进程已退出（主机 {owner.get('host')}，进程 {owner.get('pid')}），"
                                      "检查被中断")
        elif age > stale_hours * 3600:
            verdict = ("aborted", f"检查批次没有记录执行进程，且已超过 {stale_hours:g} 小时未结束")
        if verdict and store.end_run(run.id, verdict[0], verdict[1]):
            log.warning("检查批次 %s 已标记为 %s：%s", run.id, verdict[0], verdict[1])
            out.append(Reaped(run.id, verdict[0], verdict[1]))
    return out


def _referenced(store: Store, run_id: int) -> set[str]:
    with store.session() as s:
        return {p for p in s.scalars(select(Evidence.path).join(Page, Evidence.page_id == Page.id)
                                     .where(Page.run_id == run_id, Evidence.path.is_not(None)))}


def _old(path: Path, min_age: float) -> bool:
    try:
        return time.time() - path.stat().st_mtime >= min_age
    except OSError:
        return False


def sweep_evidence(store: Store, evidence_dir: str | os.PathLike[str], *, runs: Iterable[int] | None = None,
                   min_age: float = 600) -> SweepReport:
    """Remove evidence no row refers to, and complete staged folders whose rows were committed."""
    root = Path(evidence_dir)
    report = SweepReport()
    if not root.is_dir():
        return report
    wanted = set(runs) if runs is not None else None
    dirs: dict[int, Path] = {}
    for d in root.iterdir():
        m = RUN_DIR_RE.match(d.name)
        if m and d.is_dir() and (wanted is None or int(m.group(1)) in wanted):
            dirs[int(m.group(1))] = d
    if not dirs:
        return report
    with store.session() as s:
        status = {i: st for i, st in s.execute(select(Run.id, Run.status).where(Run.id.in_(list(dirs))))}
    for run_id, d in sorted(dirs.items()):
        st = status.get(run_id)
        if st is None:
            if _old(d, min_age):  # a run deleted from the database (or never committed)
                shutil.rmtree(d, ignore_errors=True)
                report.removed_dirs.append(d.name)
            continue
        if st in ACTIVE:
            continue  # its writer may be at work; the reaper ends it first if it is dead
        _sweep_run_dir(d, _referenced(store, run_id), report)
    return report


def _sweep_run_dir(d: Path, referenced: set[str], report: SweepReport) -> None:
    run_key = d.name
    for entry in sorted(d.iterdir()):
        m = STAGE_RE.match(entry.name)
        if m and entry.is_dir():
            final = d / m.group("page")
            for f in entry.iterdir():
                rel = f"{run_key}/{m.group('page')}/{f.name}"
                if rel in referenced and not (final / f.name).exists():
                    final.mkdir(exist_ok=True)
                    os.replace(f, final / f.name)
                    report.moved += 1
                else:
                    report.removed_files += 1
            shutil.rmtree(entry, ignore_errors=True)
            report.removed_dirs.append(f"{run_key}/{entry.name}")
    for entry in sorted(d.iterdir()):
        if entry.is_dir():
            for f in entry.iterdir():
                if f"{run_key}/{entry.name}/{f.name}" not in referenced:
                    if f.is_dir():
                        shutil.rmtree(f, ignore_errors=True)
                    else:
                        f.unlink(missing_ok=True)
                    report.removed_files += 1
            if not any(entry.iterdir()):
                entry.rmdir()
                report.removed_dirs.append(f"{run_key}/{entry.name}")
        else:
            entry.unlink(missing_ok=True)
            report.removed_files += 1
    if not any(d.iterdir()):
        d.rmdir()
        report.removed_dirs.append(run_key)


def reap(store: Store, settings: Settings, *, grace: float = 60, min_age: float = 600) -> tuple[list[Reaped], SweepReport]:
    """Both: end dead runs, then sweep the evidence folder (``govaudit runs reap``; serve and worker at start)."""
    reaped = reap_runs(store, settings, grace=grace)
    return reaped, sweep_evidence(store, settings.evidence_dir, min_age=min_age)


__all__ = ["reap", "reap_runs", "sweep_evidence", "rq_live_runs", "Reaped", "SweepReport"]
