"""检查工作进程 (``govaudit worker``): an RQ worker that keeps one Chromium for its whole life.

* **No fork.** RQ's default ``Worker`` forks a work horse per job, so a browser would either be launched per
  job or inherited across a fork (unsafe). ``AuditWorker`` is RQ's ``SimpleWorker`` (jobs run in the worker
  process itself): the browser is launched lazily on the process's event loop thread at the first page job
  (``workers.jobs.Runtime``) and reused by every later job, with a clean tab per page (kept per host).
* **Heartbeats while a job runs.** A ``SimpleWorker`` normally sets the job's heartbeat once (job timeout +
  60 s); a worker killed mid-page would then hold its job for that long. ``AuditWorker`` renews the
  execution's heartbeat every ``heartbeat`` seconds from a helper thread (RQ's own ``maintain_heartbeats``,
  as the forking worker does while it watches its horse) and lets it lapse after four missed beats. RQ's
  registry clean-up (run by every worker each ``maintenance`` seconds) then finds the abandoned job in the
  ``StartedJobRegistry`` and, since page jobs carry a ``Retry``, requeues it (``Job.retry``) — with the
  backoff interval, via the scheduler — instead of failing it.
* **Maintenance on time.** An idle RQ worker blocks on the queue for up to ``worker_ttl`` − 15 s; this one wakes
  every ``maintenance`` seconds, so the clean-up above also runs when nothing else is queued.
* **Scheduler in a thread.** RQ's scheduler (moving ``enqueue_in``/``Retry`` backoffs from the
  ScheduledJobRegistry to the queue) normally runs in a process forked from the worker, possibly after the
  browser started; here it runs in a thread of the worker (``ThreadScheduler``), so nothing forks at all.
* **Timeouts.** Job timeouts stay RQ's (SIGALRM in the main thread, which is free: the page runs on the loop
  thread, see ``Runtime.run``); the page budget (``page_budget``) ends a slow page well before.
"""
from __future__ import annotations

import logging
import threading
from typing import Any

from rq.job import Job
from rq.queue import Queue
from rq.scheduler import RQScheduler, run as run_scheduler
from rq.worker import SimpleWorker, WorkerStatus

from auditor.config import Settings
from workers import jobs

log = logging.getLogger("govaudit.worker")


class ThreadScheduler(RQScheduler):
    """RQ's scheduler loop in a daemon thread of the worker instead of a forked process."""

    _thread: threading.Thread | None = None

    def _install_signal_handlers(self) -> None:  # signals belong to the worker's main thread
        pass

    def start(self) -> Any:
        self._status = self.Status.STARTED
        self._stop_requested = False
        self._thread = threading.Thread(target=run_scheduler, args=(self,), name="rq-scheduler", daemon=True)
        self._thread.start()
        self._process = self._thread  # RQ checks _process.is_alive() to restart a dead scheduler
        return self._thread


class AuditWorker(SimpleWorker):
    """The RQ worker of govsite-auditor (see the module docstring)."""

    def __init__(self, *args: Any, heartbeat: int = 15, settings: Settings | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.beat = max(1, int(heartbeat))
        self.settings = settings  # for the reaper (runs whose jobs are gone end as failed)

    def run_maintenance_tasks(self) -> None:
        """RQ's registry clean-up (abandoned jobs retried or failed), then the reaper: a run with no job left
        anywhere in RQ ends as failed instead of showing 'running' for ever (workers/reaper.py)."""
        super().run_maintenance_tasks()
        if self.settings is not None:
            from workers.reaper import reap_runs

            try:
                reap_runs(jobs.store_for(self.settings), self.settings)
            except Exception:  # noqa: BLE001 - a failed reap is retried at the next maintenance
                log.warning("收尾失败", exc_info=True)

    @property
    def dequeue_timeout(self) -> int:
        # RQ blocks an idle worker on the queue for worker_ttl - 15 s (405 s) between maintenance runs; wake up
        # every maintenance interval instead, so abandoned jobs are requeued on time even when all is quiet.
        return max(1, min(self.worker_ttl - 15, int(self.maintenance_interval)))

    def get_heartbeat_ttl(self, job: Job, working_time: float = 0.0) -> int:
        # Four missed beats and the job counts as abandoned (the helper thread renews it every beat).
        return self.beat * 4

    def execute_job(self, job: Job, queue: Queue) -> None:
        execution = self.prepare_execution(job)
        stop = threading.Event()

        def beat() -> None:
            while not stop.wait(self.beat):
                try:
                    self.maintain_heartbeats(job, execution)
                except Exception:  # noqa: BLE001 - a missed beat is retried at the next one
                    log.warning("心跳失败（作业 %s）", job.id, exc_info=True)

        t = threading.Thread(target=beat, name="rq-heartbeat", daemon=True)
        t.start()
        try:
            self.perform_job(job, queue, execution)
        finally:
            stop.set()
            t.join(timeout=5)
        self.set_state(WorkerStatus.IDLE)

    def _start_scheduler(self, burst: bool = False, logging_level: str | None = "INFO",
                         date_format: str = "", log_format: str = "", **_: Any) -> None:
        """RQ's ``_start_scheduler`` with the thread scheduler (a burst worker moves due jobs once)."""
        from rq.defaults import DEFAULT_LOGGING_DATE_FORMAT, DEFAULT_LOGGING_FORMAT

        self.scheduler = ThreadScheduler(self.queues, connection=self.connection,
                                         logging_level=logging_level if logging_level is not None else self.log.level,
                                         date_format=date_format or DEFAULT_LOGGING_DATE_FORMAT,
                                         log_format=log_format or DEFAULT_LOGGING_FORMAT, serializer=self.serializer)
        self.scheduler.acquire_locks()
        if self.scheduler.acquired_locks:
            if burst:
                try:
                    self.scheduler.register_birth()
                    self.scheduler.enqueue_scheduled_jobs()
                finally:
                    self.scheduler.release_locks()
                    self.scheduler.register_death()
            else:
                self.scheduler.start()

    def stop_scheduler(self) -> None:
        sch = self.scheduler
        if isinstance(sch, ThreadScheduler) and sch._thread is not None:
            sch.request_stop()
            sch._thread.join(timeout=sch.interval + 5)


def run_worker(settings: Settings, queues: list[str] | None = None, *, burst: bool = False,
               name: str | None = None, with_scheduler: bool = True, max_jobs: int | None = None,
               logging_level: str = "INFO") -> bool:
    """Work the queues until stopped (SIGTERM/SIGINT finish the current page first) or, with ``burst``,
    until they are empty. Returns whether any job was done."""
    if not settings.redis_url:
        raise ValueError("工作进程需要 Redis：请设置 REDIS_URL（或 GOVAUDIT_REDIS_URL）")
    conn = jobs.redis_conn(settings.redis_url)
    names = queues or [settings.rq_queue]
    worker = AuditWorker([Queue(n, connection=conn) for n in names], connection=conn, name=name,
                         heartbeat=settings.worker_heartbeat, maintenance_interval=settings.worker_maintenance,
                         default_result_ttl=settings.result_ttl, settings=settings)
    try:
        return bool(worker.work(burst=burst, with_scheduler=with_scheduler, max_jobs=max_jobs,
                                logging_level=logging_level))
    finally:
        jobs.shutdown_runtime()


__all__ = ["AuditWorker", "ThreadScheduler", "run_worker"]
