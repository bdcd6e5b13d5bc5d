"""任务 (jobs): the functions an RQ worker runs, and that the embedded runner runs in-process when no
``REDIS_URL`` is set. One 检查批次 (run) fans out into 页面检查 jobs, one per page, and ends with a 汇总 job
(the finaliser: counts, and for a 全站检查 the links, 栏目更新, IPv6 and per-rule summaries).

Why a completion set in Redis and not ``depends_on`` on every page job
    RQ's ``Job.dependencies_are_met`` re-reads the status of *every* dependency each time one of them
    finishes, so a finaliser depending on n page jobs costs O(n²) Redis reads (a million for a 1,000-page
    run). Instead every page job, once its page (and, for a site run, its crawl record) is stored, adds its
    index to the run's set ``…:done`` (SADD: a job run twice adds nothing twice) and compares SCARD with the
    run's planned page count; the job that completes the set claims ``…:claim:<what>`` (SET NX, so two jobs
    finishing together enqueue one follow-up) and enqueues it. A page job that finally fails (retries used
    up, e.g. the page kills every worker) is recorded by its failure callback as a page error and counted
    the same way, so a run always finishes; the finaliser also re-reads the database, the source of truth.

Site runs (全站检查) fan out per crawl level
    The crawl needs a page's links to plan deeper levels, so a site run is a chain of steps: ``site_step``
    absorbs the stored crawl records of the level just audited (``workers.siterun.SiteCrawl``, the same code
    the embedded ``run_site`` uses), plans the next level and fans it out as page jobs; the last page job of
    the level enqueues the next step; a step that plans nothing enqueues ``site_finish``. The crawl state
    between steps is pickled in Redis (``…:crawl``; in memory in the embedded mode).

Retries
    Page jobs are enqueued with ``Retry(max=job_retries, interval=retry_backoff)``: an exception (the browser
    crashed twice in a row, the database or Redis hiccupped, the job timed out) is transient and retried
    after the backoff; a worker that died mid-page leaves its job in the StartedJobRegistry, where the RQ
    registry clean-up (``AuditWorker``'s maintenance) finds it once its heartbeat lapses and retries it the
    same way. What the *site* did wrong (DNS, TLS, HTTP 4xx/5xx, timeouts, refused targets) is not a failure
    of the job: it is stored as the page's error row and the job succeeds, so it is never retried.

Idempotency
    ``Store.save_page`` replaces the page on (run_id, url) with its checks and evidence, evidence files are
    written under the page's index, crawl records are keyed by index and the completion set is a set: a
    page job run twice leaves one page, one set of checks and one done mark.
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import pickle
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict
from datetime import date, datetime, timezone
from typing import Any, Callable, Coroutine, TypeVar

from sqlalchemy import func, select

from auditor.config import Settings
from auditor.errors import PageError
from auditor.models import SiteProfile
from auditor.netpolicy import TargetRefused
from clients.resolve import check_target
from auditor.store import Store
from auditor.store.models import Page, Run

log = logging.getLogger("govaudit.jobs")
T = TypeVar("T")

# Settings that never reach the browser: jobs that differ only in these share one browser in a worker process
# (the rest - engine, host map, budgets, user agent, a11y pass... - get a browser of their own).
_NOT_FETCH_FIELDS = {"database_url", "redis_url", "evidence_dir", "concurrency", "ocr", "max_pages", "per_template",
                     "per_host", "crawl_delay", "link_timeout", "link_retries", "ipv6", "ipv6_link_target",
                     "ipv6_fail_similarity", "ipv6_support_target", "rq_queue", "job_timeout", "finish_timeout",
                     "job_retries", "retry_backoff", "worker_heartbeat", "worker_maintenance", "result_ttl",
                     "secret_key", "cookie_secure", "dns_server"}
STATE_TTL = 7 * 86400  # run keys outlive the run by a week (a late duplicate job still finds them)


class TransientPageError(RuntimeError):
    """The page could not be audited for a reason of ours (the browser crashed again): worth a retry."""


# --------------------------------------------------------------------------------------------------------------
# One runtime per worker process: an event loop thread, one browser (per fetch configuration), the OCR engine.
# --------------------------------------------------------------------------------------------------------------

class Runtime:
    """The per-process 执行环境: an asyncio loop in a daemon thread, with the browser started lazily on it.

    The loop lives in its own thread so that the RQ worker's main thread stays free for RQ (signals, job
    timeouts by SIGALRM, heartbeats), and so that one loop and one Chromium serve every job of the process.
    Nothing here exists before the first job, so a forking worker could not inherit a browser either.
    """

    def __init__(self) -> None:
        self.pid = os.getpid()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._fetchers: dict[tuple, Any] = {}
        self._fetcher_lock: asyncio.Lock | None = None
        self.browser_launches = 0

    def loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                ready = threading.Event()

                def main() -> None:
                    loop = asyncio.new_event_loop()
                    asyncio.set_event_loop(loop)
                    self._loop = loop
                    ready.set()
                    loop.run_forever()

                self._thread = threading.Thread(target=main, name="govaudit-loop", daemon=True)
                self._thread.start()
                ready.wait()
            assert self._loop is not None
            return self._loop

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run a coroutine on the process loop and wait for it; an exception in the waiting thread (RQ's
        job-timeout alarm, a shutdown) cancels the coroutine so the page's browser context is closed."""
        fut = asyncio.run_coroutine_threadsafe(coro, self.loop())
        try:
            return fut.result(timeout)
        except BaseException:
            fut.cancel()
            raise

    async def fetcher(self, settings: Settings) -> Any:
        """The browser for this fetch configuration, launched on first use and then reused."""
        from browsers.engines import make_fetcher

        if self._fetcher_lock is None:
            self._fetcher_lock = asyncio.Lock()
        key = tuple(sorted((k, json.dumps(v, sort_keys=True, default=str)) for k, v in asdict(settings).items()
                           if k not in _NOT_FETCH_FIELDS))
        async with self._fetcher_lock:
            f = self._fetchers.get(key)
            if f is None:
                if len(self._fetchers) >= 2:  # another configuration: close the oldest browser
                    old_key = next(iter(self._fetchers))
                    await self._fetchers.pop(old_key).close()
                from workers.runend import start_fetcher

                f = make_fetcher(settings)
                await start_fetcher(f)  # BrowserLaunchError «无法启动浏览器：…» when it will not start
                self.browser_launches += 1
                self._fetchers[key] = f
            return f

    async def _close(self) -> None:
        for f in list(self._fetchers.values()):
            await f.close()
        self._fetchers.clear()

    def close(self) -> None:
        """Close the browsers (worker shutdown); the loop thread stays for a later job."""
        if self._loop is not None and self._fetchers:
            try:
                self.run(self._close(), timeout=30)
            except Exception:  # noqa: BLE001 - closing at shutdown must not raise
                log.exception("关闭浏览器失败")


_runtime: Runtime | None = None
_runtime_lock = threading.Lock()


def runtime() -> Runtime:
    """This process's runtime (a fresh one after a fork: a loop thread and a browser never cross a fork)."""
    global _runtime
    with _runtime_lock:
        if _runtime is None or _runtime.pid != os.getpid():
            _runtime = Runtime()
        return _runtime


def shutdown_runtime() -> None:
    if _runtime is not None and _runtime.pid == os.getpid():
        _runtime.close()


_stores: dict[str, Store] = {}
_stores_lock = threading.Lock()


def store_for(settings: Settings) -> Store:
    """One Store (engine and connection pool) per database per process."""
    with _stores_lock:
        st = _stores.get(settings.database_url)
        if st is None:
            st = _stores[settings.database_url] = Store(settings.database_url)
        return st


# --------------------------------------------------------------------------------------------------------------
# Run state (completion set, claims, crawl records and state): Redis in service mode, memory when embedded.
# --------------------------------------------------------------------------------------------------------------

class RunState:
    """Where a run's coordination lives. Keys: ``govaudit:<queue>:run:<id>:<name>``."""

    def mark_done(self, run_id: int, index: int) -> int:
        raise NotImplementedError

    def done(self, run_id: int) -> set[int]:
        raise NotImplementedError

    def claim(self, run_id: int, what: str) -> bool:
        raise NotImplementedError

    def put_record(self, run_id: int, index: int, record: dict[str, Any]) -> None:
        raise NotImplementedError

    def records(self, run_id: int) -> dict[int, dict[str, Any]]:
        raise NotImplementedError

    def put_blob(self, run_id: int, name: str, data: bytes) -> None:
        raise NotImplementedError

    def get_blob(self, run_id: int, name: str) -> bytes | None:
        raise NotImplementedError


class RedisRunState(RunState):
    def __init__(self, redis: Any, queue: str):
        self.r, self.queue = redis, queue

    def key(self, run_id: int, name: str) -> str:
        return f"govaudit:{self.queue}:run:{run_id}:{name}"

    def mark_done(self, run_id: int, index: int) -> int:
        k = self.key(run_id, "done")
        with self.r.pipeline() as p:
            p.sadd(k, index)
            p.expire(k, STATE_TTL)
            p.scard(k)
            return int(p.execute()[-1])

    def done(self, run_id: int) -> set[int]:
        return {int(x) for x in self.r.smembers(self.key(run_id, "done"))}

    def claim(self, run_id: int, what: str) -> bool:
        return bool(self.r.set(self.key(run_id, f"claim:{what}"), os.getpid(), nx=True, ex=STATE_TTL))

    def put_record(self, run_id: int, index: int, record: dict[str, Any]) -> None:
        k = self.key(run_id, "records")
        with self.r.pipeline() as p:
            p.hset(k, str(index), json.dumps(record, ensure_ascii=False))
            p.expire(k, STATE_TTL)
            p.execute()

    def records(self, run_id: int) -> dict[int, dict[str, Any]]:
        return {int(k): json.loads(v) for k, v in self.r.hgetall(self.key(run_id, "records")).items()}

    def put_blob(self, run_id: int, name: str, data: bytes) -> None:
        self.r.set(self.key(run_id, name), data, ex=STATE_TTL)

    def get_blob(self, run_id: int, name: str) -> bytes | None:
        return self.r.get(self.key(run_id, name))


class MemoryRunState(RunState):
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._done: dict[int, set[int]] = {}
        self._claims: set[tuple[int, str]] = set()
        self._records: dict[int, dict[int, dict[str, Any]]] = {}
        self._blobs: dict[tuple[int, str], bytes] = {}

    def mark_done(self, run_id: int, index: int) -> int:
        with self._lock:
            s = self._done.setdefault(run_id, set())
            s.add(index)
            return len(s)

    def done(self, run_id: int) -> set[int]:
        with self._lock:
            return set(self._done.get(run_id, set()))

    def claim(self, run_id: int, what: str) -> bool:
        with self._lock:
            if (run_id, what) in self._claims:
                return False
            self._claims.add((run_id, what))
            return True

    def put_record(self, run_id: int, index: int, record: dict[str, Any]) -> None:
        with self._lock:
            self._records.setdefault(run_id, {})[index] = record

    def records(self, run_id: int) -> dict[int, dict[str, Any]]:
        with self._lock:
            return dict(self._records.get(run_id, {}))

    def put_blob(self, run_id: int, name: str, data: bytes) -> None:
        with self._lock:
            self._blobs[(run_id, name)] = data

    def get_blob(self, run_id: int, name: str) -> bytes | None:
        with self._lock:
            return self._blobs.get((run_id, name))

    def forget(self, run_id: int) -> None:
        """Drop a finished run's crawl records and state (the bulk); its done set and claims stay, so a late
        duplicate page job does not finalise the run again (as the Redis keys' week-long TTL ensures)."""
        with self._lock:
            self._records.pop(run_id, None)
            self._blobs = {k: v for k, v in self._blobs.items() if k[0] != run_id}


_memory_state = MemoryRunState()


def redis_conn(url: str) -> Any:
    """A Redis client that rides out a short hiccup (reconnect with backoff) instead of failing the job."""
    from redis import Redis
    from redis.backoff import ExponentialBackoff
    from redis.exceptions import ConnectionError as RedisConnectionError, TimeoutError as RedisTimeoutError
    from redis.retry import Retry as RedisRetry

    return Redis.from_url(url, retry=RedisRetry(ExponentialBackoff(cap=5, base=0.2), 8),
                          retry_on_error=[RedisConnectionError, RedisTimeoutError], health_check_interval=30,
                          socket_connect_timeout=5)


_conns: dict[str, Any] = {}


def _redis(settings: Settings) -> Any:
    assert settings.redis_url
    if settings.redis_url not in _conns:
        _conns[settings.redis_url] = redis_conn(settings.redis_url)
    return _conns[settings.redis_url]


def state_for(settings: Settings) -> RunState:
    if settings.redis_url:
        return RedisRunState(_redis(settings), settings.rq_queue)
    return _memory_state


# --------------------------------------------------------------------------------------------------------------
# Enqueueing: RQ with REDIS_URL, else a thread pool in this process running the same functions.
# --------------------------------------------------------------------------------------------------------------

class LocalQueue:
    """The embedded 任务队列: the job functions on a thread pool, with the RQ path's retry-and-backoff and
    failure-callback semantics, so a run without Redis behaves like one with it."""

    def __init__(self, workers: int):
        self.pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="govaudit-job")
        self.local = threading.local()

    def submit(self, settings: Settings, fn: Callable[..., Any], args: tuple, *, retries: int,
               on_failure: Callable[..., Any] | None = None, attempt: int = 0) -> Future:
        """Run ``fn(*args)`` on the pool; on an exception resubmit it after the backoff (a timer, so no pool
        thread sleeps) until ``retries`` are used up, then call ``on_failure(args, exc)``."""
        def run() -> Any:
            from workers.runend import FATAL, root_cause

            self.local.retries_left = retries - attempt
            try:
                return fn(*args)
            except Exception as exc:  # noqa: BLE001 - a job's failure must not kill the pool thread
                if attempt < retries and not isinstance(root_cause(exc), FATAL):
                    backoff = [int(x) for x in settings.retry_backoff] or [0]
                    wait = backoff[min(attempt, len(backoff) - 1)]
                    log.warning("任务 %s 失败，%s 秒后重试: %s", fn.__name__, wait, exc)
                    t = threading.Timer(wait, self.submit, (settings, fn, args),
                                        {"retries": retries, "on_failure": on_failure, "attempt": attempt + 1})
                    t.daemon = True
                    t.start()
                    return None
                log.exception("任务 %s 最终失败", fn.__name__)
                try:
                    if on_failure is not None:
                        on_failure(args, exc)
                except Exception as exc2:  # noqa: BLE001 - recording the failure failed: end the run itself
                    log.exception("任务 %s 的失败处理出错", fn.__name__)
                    if len(args) > 1 and isinstance(args[1], int):
                        _mark_failed(settings, args[1], exc2)
                return None

        return self.pool.submit(run)


_local_queues: dict[int, LocalQueue] = {}
_local_lock = threading.Lock()


def local_queue(settings: Settings) -> LocalQueue:
    with _local_lock:
        n = max(1, settings.concurrency)
        if n not in _local_queues:
            _local_queues[n] = LocalQueue(n)
        return _local_queues[n]


def retries_left(settings: Settings) -> int:
    """Retries the current job still has (0 on its last attempt)."""
    if settings.redis_url:
        from rq import get_current_job

        job = get_current_job()
        return int(job.retries_left or 0) if job is not None else 0
    return int(getattr(local_queue(settings).local, "retries_left", 0))


def rq_queue(settings: Settings, name: str | None = None) -> Any:
    from rq import Queue

    return Queue(name or settings.rq_queue, connection=_redis(settings), default_timeout=settings.job_timeout)


def _retry(settings: Settings) -> Any:
    from rq import Retry

    backoff = [int(x) for x in settings.retry_backoff] or [0]
    return Retry(max=max(1, settings.job_retries), interval=backoff)


def enqueue_pages(settings: Settings, run_id: int, site: SiteProfile,
                  pages: list[tuple[int, str, dict[str, Any] | None]]) -> None:
    """Fan out 页面检查 jobs: (index, url, crawl candidate or None) each."""
    if not pages:
        return
    if settings.redis_url:
        from rq import Callback, Queue

        q = rq_queue(settings)
        data = [Queue.prepare_data(audit_page, args=(settings, run_id, url, index, site, cand),
                                   timeout=settings.job_timeout, retry=_retry(settings),
                                   on_failure=Callback(page_failed, timeout=60), result_ttl=settings.result_ttl,
                                   failure_ttl=STATE_TTL, description=f"run {run_id} page {index} {url}")
                for index, url, cand in pages]
        for i in range(0, len(data), 500):  # one round trip per 500 jobs
            q.enqueue_many(data[i:i + 500])
        return
    lq = local_queue(settings)
    for index, url, cand in pages:
        lq.submit(settings, audit_page, (settings, run_id, url, index, site, cand),
                  retries=settings.job_retries, on_failure=_local_page_failed)


def enqueue_call(settings: Settings, fn: Callable[..., Any], *args: Any, timeout: int | None = None) -> None:
    """Enqueue a coordination job (site step, finaliser) with the same retry policy as page jobs."""
    if settings.redis_url:
        from rq import Callback

        rq_queue(settings).enqueue_call(fn, args=args, timeout=timeout or settings.job_timeout,
                                        retry=_retry(settings), result_ttl=settings.result_ttl,
                                        failure_ttl=STATE_TTL, description=f"{fn.__name__} run {args[1]}",
                                        on_failure=Callback(run_failed, timeout=60))
        return
    local_queue(settings).submit(settings, fn, args, retries=settings.job_retries,
                                 on_failure=lambda a, exc: _mark_failed(a[0], a[1], exc))


# --------------------------------------------------------------------------------------------------------------
# The jobs.
# --------------------------------------------------------------------------------------------------------------

def _mark_running(store: Store, run_id: int) -> str | None:
    """queued → running; returns the run's status (None when the run is gone)."""
    with store.session.begin() as s:
        run = s.get(Run, run_id)
        if run is not None and run.status == "queued":
            run.status = "running"
        return run.status if run is not None else None


async def _audit(settings: Settings, store: Store, run_id: int, url: str, index: int, site: SiteProfile) -> Any:
    from clients.ocr import shared_ocr
    from workers.pipeline import PageAuditor

    rt = runtime()
    fetcher = await rt.fetcher(settings)
    auditor = PageAuditor(settings, store, fetcher, shared_ocr() if settings.ocr else None)
    t0 = time.perf_counter()
    try:
        target = check_target(url, allow_private=settings.allow_private, allowlist=settings.private_allowlist,
                              host_map=settings.host_map)
        out = await auditor.audit(run_id, target.url, site, index)
    except TargetRefused as exc:
        out = await asyncio.to_thread(auditor.record_refused, run_id, url, exc)
    out.seconds = time.perf_counter() - t0
    return out


def audit_page(settings: Settings, run_id: int, url: str, index: int, site: SiteProfile,
               cand: dict[str, Any] | None = None) -> dict[str, Any]:
    """页面检查 job: audit one page of a run in this process's browser, store it, count it done."""
    store = store_for(settings)
    if _mark_running(store, run_id) in ("failed", "aborted", None):  # the run already ended: no more work
        return {"url": url, "index": index, "skipped": True}
    out = runtime().run(_audit(settings, store, run_id, url, index, site))
    if out.error_kind == PageError.BROWSER_CRASHED.value and retries_left(settings) > 0:
        # The fetcher already restarted the browser and tried again; a fresh attempt later (maybe on another
        # worker) is worth more than recording our crash as the site's error. On the last attempt it stays.
        raise TransientPageError(f"浏览器连续崩溃：{url}")
    if cand is not None:
        from workers.siterun import page_record

        state_for(settings).put_record(run_id, index, page_record(cand, out))
    _page_done(settings, store, run_id, index)
    return {"url": url, "index": index, "page_id": out.page_id, "error": out.error_kind, "pid": os.getpid(),
            "findings": sum(1 for c in out.checks if c.status.is_finding), "seconds": round(out.seconds, 3)}


def _page_done(settings: Settings, store: Store, run_id: int, index: int) -> None:
    """Count the page done; the page that completes the planned set enqueues what comes next."""
    n = state_for(settings).mark_done(run_id, index)
    with store.session() as s:
        run = s.get(Run, run_id)
        total, kind = (run.pages_total, run.kind) if run is not None else (0, "pages")
    if total and n >= total and state_for(settings).claim(run_id, f"after:{total}"):
        if kind == "site":
            enqueue_call(settings, site_step, settings, run_id)
        else:
            enqueue_call(settings, finish_run, settings, run_id, timeout=settings.finish_timeout)


def _record_failed_page(settings: Settings, run_id: int, url: str, index: int, cand: dict[str, Any] | None,
                        exc: BaseException | None) -> None:
    """A page whose job failed every attempt is stored as a page error (nothing is silently lost)."""
    store = store_for(settings)
    from workers.runend import FATAL, reason_for, root_cause

    crashed = isinstance(exc, TransientPageError)
    why = "浏览器连续崩溃" if crashed else reason_for(exc) if exc is not None and isinstance(root_cause(exc), FATAL) \
        else f"检查任务多次失败（{type(exc).__name__ if exc else '工作进程退出'}）"
    page = Page(url=url, error_kind=(PageError.BROWSER_CRASHED if crashed else PageError.UNKNOWN).value,
                error=why, attempts=settings.job_retries + 1, user_agent=settings.user_agent)
    page_id = store.save_page(run_id, page, [], [])
    if cand is not None:
        from workers.siterun import failed_record

        state_for(settings).put_record(run_id, index, failed_record(cand, page_id, why))
    _page_done(settings, store, run_id, index)


def page_failed(job: Any, connection: Any, exc_type: Any = None, exc_value: BaseException | None = None,
                tb: Any = None) -> None:
    """RQ failure callback of a page job (also called for a job abandoned by a dead worker). RQ calls it
    before deciding to retry, so it acts only when no retry is left."""
    if job.retries_left:
        return
    settings, run_id, url, index, _site, cand = (list(job.args) + [None])[:6]
    _record_failed_page(settings, run_id, url, index, cand, exc_value)


def _local_page_failed(args: tuple, exc: BaseException) -> None:
    from workers.runend import FATAL, root_cause

    settings, run_id, url, index, _site, cand = args
    if isinstance(root_cause(exc), FATAL):  # no page of this run can succeed here: the run fails at once
        _mark_failed(settings, run_id, exc)
        return
    _record_failed_page(settings, run_id, url, index, cand, exc)


def _mark_failed(settings: Settings, run_id: int, exc: BaseException | None) -> None:
    """A run whose step or finaliser failed every attempt ends as 失败 (failed) with the reason in ``Run.error``,
    not 'running' forever."""
    from workers.runend import reason_for

    store = store_for(settings)
    store.end_run(run_id, "failed", reason_for(exc) if exc else "工作进程退出，检查未能完成")


def run_failed(job: Any, connection: Any, exc_type: Any = None, exc_value: BaseException | None = None,
               tb: Any = None) -> None:
    """RQ failure callback of a site step or finaliser: only once no retry is left."""
    if job.retries_left:
        return
    _mark_failed(job.args[0], job.args[1], exc_value)


def finish_run(settings: Settings, run_id: int) -> dict[str, Any]:
    """汇总 job of a page run: pages planned but never stored become page errors, then counts and status."""
    store = store_for(settings)
    with store.session() as s:
        run = s.get(Run, run_id)
        assert run is not None
        urls = list((run.options or {}).get("urls") or [])
        stored = set(s.scalars(select(Page.url).where(Page.run_id == run_id)))
    for url in urls:
        if url not in stored:
            store.save_page(run_id, Page(url=url, error_kind=PageError.UNKNOWN.value, error="页面检查任务未完成",
                                         user_agent=settings.user_agent), [], [])
    done = store.finish_run(run_id)
    if not settings.redis_url:
        _memory_state.forget(run_id)
    return {"run_id": run_id, "pages_done": done.pages_done, "pages_failed": done.pages_failed}


def site_step(settings: Settings, run_id: int, site: SiteProfile | None = None) -> dict[str, Any]:
    """全站检查 step: absorb the level just audited, plan the next level and fan it out (or finish)."""
    from workers.siterun import SiteCrawl, discover_sitemaps, follow_dns_server

    store = store_for(settings)
    _mark_running(store, run_id)
    st = state_for(settings)
    blob = st.get_blob(run_id, "crawl")
    with store.session() as s:
        run = s.get(Run, run_id)
        assert run is not None
        home = run.site_url or ""
    if blob is None:
        audit_settings = runtime().run(follow_dns_server(settings, home))
        crawl = SiteCrawl(home, audit_settings, site or SiteProfile(run_name(store, run_id)))
        wave = crawl.first_wave()
    else:
        crawl, audit_settings = pickle.loads(blob)
        done = st.done(run_id)
        pending = [i for i in crawl.wave_indexes() if i not in done]
        if pending:  # a retried step whose level is still being audited: re-fan the missing pages only
            wave_pages = [(i, c.url, crawl.cand_dict(c)) for i, c in crawl.current_wave() if i in pending]
            enqueue_pages(audit_settings, run_id, crawl.site, wave_pages)
            return {"run_id": run_id, "refanned": len(wave_pages)}
        records = st.records(run_id)
        crawl.absorb_wave(records)
        if crawl.level_count == 1:  # after the home page: sitemap.xml / robots.txt, as the embedded crawl
            crawl.offer_sitemaps(runtime().run(discover_sitemaps(crawl.home, audit_settings)))
        wave = crawl.next_wave()
    st.put_blob(run_id, "crawl", pickle.dumps((crawl, audit_settings)))
    if not wave:
        enqueue_call(settings, site_finish, settings, run_id, timeout=settings.finish_timeout)
        return {"run_id": run_id, "levels": crawl.level_count, "pages": len(crawl.plan.planned)}
    store.set_pages_total(run_id, len(crawl.plan.planned))
    enqueue_pages(audit_settings, run_id, crawl.site, [(i, c.url, crawl.cand_dict(c)) for i, c in wave])
    return {"run_id": run_id, "level": crawl.level_count, "fanned_out": len(wave)}


def site_finish(settings: Settings, run_id: int) -> dict[str, Any]:
    """全站检查 汇总: links over HTTP, 栏目更新, IPv6, per-rule summaries, then the run is done."""
    from workers.siterun import finish_site

    store = store_for(settings)
    st = state_for(settings)
    blob = st.get_blob(run_id, "crawl")
    assert blob is not None, f"run {run_id}: crawl state missing"
    crawl, audit_settings = pickle.loads(blob)
    with store.session() as s:
        run = s.get(Run, run_id)
        assert run is not None
        options = dict(run.options or {})
    today = date.fromisoformat(options["today"]) if options.get("today") else \
        datetime.now(timezone.utc).astimezone().date()
    runtime().run(finish_site(audit_settings, store, run_id, crawl, today=today,
                              links=bool(options.get("links", True)), ipv6=bool(options.get("ipv6", True))))
    if not settings.redis_url:
        _memory_state.forget(run_id)
    with store.session() as s:
        n = s.scalar(select(func.count()).select_from(Page).where(Page.run_id == run_id))
    return {"run_id": run_id, "pages": n}


def run_name(store: Store, run_id: int) -> str:
    with store.session() as s:
        run = s.get(Run, run_id)
        return run.site_name if run is not None else ""


def settings_dict(settings: Settings) -> dict[str, Any]:
    return asdict(settings)


__all__ = ["audit_page", "finish_run", "site_step", "site_finish", "page_failed", "enqueue_pages",
           "enqueue_call", "runtime", "Runtime", "TransientPageError", "state_for", "store_for", "redis_conn"]
