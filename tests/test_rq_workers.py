"""Service mode on real Redis, real worker processes (``govaudit worker``) and real Chromium: a worker killed
mid-page, Redis restarted mid-run, two workers sharing a run, the embedded path agreeing with the RQ path,
permanent page errors not retried, a transient one (the browser crashing) retried with backoff, and the
periodic jobs enqueued by RQ's cron scheduler (probes, a whole-site run through the queue).

Each test uses its own queue name (and so its own run keys) and removes its keys afterwards; the Redis
restart test runs its own redis-server on a free port. Pages come from the bundled sample site and from
small local servers, mapped inside the browser; nothing leaves the machine.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, Callable, Iterator

import psutil
import pytest
from redis import Redis
from rq import Queue
from rq.job import Job
from sqlalchemy import func, select

from auditor.config import Settings
from auditor.models import SiteProfile
from auditor.store import Store
from auditor.store.availability import probes
from auditor.store.models import Check, Evidence, Page, Run
from tests.servers import GOOD_PAGE, start
from workers import jobs
from workers.dispatch import run_status, submit_page_audit, wait_for_run
from workers.rqworker import AuditWorker
from workers.schedule import build_cron, probe_sites

pytestmark = [pytest.mark.browser, pytest.mark.services, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
SHARED_REDIS = "redis://127.0.0.1:6379/0"
SITE = SiteProfile("示范市人民政府", "1234000001")


def _ping(url: str) -> bool:
    try:
        return bool(Redis.from_url(url, socket_connect_timeout=1).ping())
    except Exception:  # noqa: BLE001 - not up (yet)
        return False


@pytest.fixture(scope="session")
def shared_redis() -> str:
    """The shared Redis at 127.0.0.1:6379, started the way scripts/services.sh does when it is missing."""
    if not _ping(SHARED_REDIS):
        subprocess.run(["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "-::1", "--port", "6379",
                        "--save", "", "--appendonly", "no"], check=True)
        for _ in range(50):
            if _ping(SHARED_REDIS):
                break
            time.sleep(0.1)
    assert _ping(SHARED_REDIS), "Redis 127.0.0.1:6379 is not running"
    return SHARED_REDIS


def _cleanup_queue(url: str, queue: str) -> None:
    """Remove everything a test queue left in the shared Redis: its jobs (by origin), registries, run keys."""
    r = Redis.from_url(url)
    for key in r.scan_iter(match="rq:job:*", count=1000):
        k = key.decode()
        if k.count(":") == 2 and r.hget(key, "origin") == queue.encode():
            jid = k.split(":", 2)[2]
            try:
                Job.fetch(jid, connection=r).delete()
            except Exception:  # noqa: BLE001 - already gone
                pass
            r.delete(key, f"rq:results:{jid}")
    for key in r.scan_iter(match=f"*{queue}*"):
        r.delete(key)
    r.srem("rq:queues", f"rq:queue:{queue}")


@pytest.fixture
def rq_settings(settings: Settings, sample_site: dict, shared_redis: str) -> Iterator[Settings]:
    """Test settings on a queue of their own; short heartbeat, clean-up period and backoff so a dead worker's
    job is requeued within seconds (production defaults: 15 s, 60 s, 5/30/120 s)."""
    s = settings.replace(redis_url=shared_redis, rq_queue=f"t-{uuid.uuid4().hex[:10]}",
                         host_map=dict(sample_site["host_map"]), worker_heartbeat=1, worker_maintenance=2,
                         retry_backoff=[1], job_retries=2, job_timeout=120,
                         # OCR and the 无障碍/适老化 pass are tested elsewhere; here they would only cost time per page.
                         ocr=False, a11y=False, elderly="off")
    Store(s.database_url).upgrade()
    yield s
    _cleanup_queue(shared_redis, s.rq_queue)


class Workers:
    """`govaudit worker` subprocesses, each in a session of its own so a kill takes its Chromium with it."""

    def __init__(self, settings: Settings, logdir: Path):
        self.settings, self.logdir = settings, logdir
        self.procs: list[subprocess.Popen] = []

    def start(self, name: str, *extra: str) -> subprocess.Popen:
        s = self.settings
        env = {**os.environ, "REDIS_URL": s.redis_url or "", "GOVAUDIT_RQ_QUEUE": s.rq_queue,
               "GOVAUDIT_WORKER_HEARTBEAT": str(s.worker_heartbeat),
               "GOVAUDIT_WORKER_MAINTENANCE": str(s.worker_maintenance), "PYTHONPATH": str(ROOT)}
        log = open(self.logdir / f"worker-{name}.log", "wb")
        p = subprocess.Popen([sys.executable, "-m", "govaudit.cli", "worker", "--name", f"{s.rq_queue}-{name}",
                              *extra], env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                             start_new_session=True)
        self.procs.append(p)
        return p

    def kill(self, p: subprocess.Popen) -> None:
        """SIGKILL the worker and everything in its session (its Chromium), as an OOM kill would."""
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        p.wait(10)

    def stop_all(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)  # warm shutdown: the current page is finished first
        for p in self.procs:
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                self.kill(p)
            try:
                os.killpg(p.pid, signal.SIGKILL)  # a leftover browser of a stopped worker
            except (ProcessLookupError, PermissionError):
                pass

    def log(self, name: str) -> str:
        return (self.logdir / f"worker-{name}.log").read_text(errors="replace")


@pytest.fixture
def workers(rq_settings: Settings, tmp_path: Path) -> Iterator[Workers]:
    w = Workers(rq_settings, tmp_path)
    yield w
    w.stop_all()


def counting_server(handlers: dict[str, Callable[[BaseHTTPRequestHandler], None]]) -> tuple[Any, int, Counter]:
    """A local server whose paths run the given handlers; counts the requests per path."""
    hits: Counter = Counter()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *a: object) -> None:
            pass

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            with lock:
                hits[path] += 1
            h = handlers.get(path)
            if h is None:
                self.send_error(404)
                return
            try:
                h(self)
            except (BrokenPipeError, ConnectionResetError):
                pass

    srv, port = start(Handler)
    return srv, port, hits


def html(handler: BaseHTTPRequestHandler, body: str = GOOD_PAGE) -> None:
    data = body.encode()
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html; charset=utf-8")
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


def sample_urls(sample_site: dict, n: int) -> list[str]:
    return [f"http://{sample_site['host']}{p}" for p in list(sample_site["truth"]["pages"])[:n]]


def pages_by_url(store: Store, run_id: int) -> dict[str, Any]:
    run = store.run_with_pages(run_id)
    urls = [p.url for p in run.pages]
    assert len(urls) == len(set(urls)), f"a page stored twice: {Counter(urls).most_common(3)}"
    return {p.url: p for p in run.pages}


def assert_no_doubles(store: Store, run_id: int) -> None:
    """Every page once, every rule once per page, every evidence file once per page."""
    for url, p in pages_by_url(store, run_id).items():
        rules = [c.rule for c in p.checks]
        assert len(rules) == len(set(rules)), f"{url}: doubled checks {Counter(rules).most_common(2)}"
        paths = [e.path for e in p.evidence if e.path]
        assert len(paths) == len(set(paths)), f"{url}: doubled evidence rows"


def finished_jobs(s: Settings) -> list[Any]:
    r = Redis.from_url(s.redis_url or "")
    q = Queue(s.rq_queue, connection=r)
    return [j for j in Job.fetch_many(q.finished_job_registry.get_job_ids(), connection=r) if j is not None]


def page_job(s: Settings, needle: str) -> Any:
    found = [j for j in finished_jobs(s) if j.func_name.endswith("audit_page") and needle in (j.description or "")]
    assert len(found) == 1, [j.description for j in finished_jobs(s)]
    return found[0]


def wait_until(cond: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


# --------------------------------------------------------------------------------------------------------------

def test_worker_killed_mid_page_job_is_retried_and_nothing_is_lost_or_doubled(rq_settings, sample_site, workers):
    s = rq_settings
    srv, port, hits = counting_server({"/slow": lambda h: (time.sleep(3), html(h))})
    s = s.replace(host_map={**s.host_map, "slow.shifan.gov.cn": f"127.0.0.1:{port}"})
    urls = ["http://slow.shifan.gov.cn/slow"] + sample_urls(sample_site, 6)
    store = Store(s.database_url)
    try:
        run_id = submit_page_audit(s, store, urls, SITE)
        assert run_status(store, run_id)["status"] == "queued"
        a = workers.start("a", "--no-scheduler")
        wait_until(lambda: hits["/slow"] >= 1, 60, "worker a to open the slow page")
        workers.kill(a)  # mid-page: the slow page is still loading
        assert run_status(store, run_id)["pages_done"] == 0
        workers.start("b")
        st = wait_for_run(store, run_id, timeout=90)
    finally:
        srv.shutdown()
    assert st["status"] == "done" and st["pages_done"] == len(urls) == st["pages_total"], st
    pages = pages_by_url(store, run_id)
    assert set(pages) == set(urls)
    assert pages[urls[0]].error_kind is None and pages[urls[0]].title == "正常页面"
    assert hits["/slow"] >= 2, "the killed worker's page was not audited again"
    assert_no_doubles(store, run_id)
    job = page_job(s, "/slow")
    assert job.retries_left == s.job_retries - 1, "the abandoned job was not requeued through its Retry"


def test_redis_restarted_mid_run_the_run_completes(rq_settings, sample_site, workers, tmp_path):
    exe = shutil.which("redis-server")
    assert exe, "redis-server is not installed"
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    data = tmp_path / "redis"
    data.mkdir()
    # Append-only file fsynced on every write, as a deployment runs Redis (compose.yaml): queues survive restarts.
    cmd = [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes",
           "--appendfsync", "always", "--dir", str(data)]
    url = f"redis://127.0.0.1:{port}/0"

    def up() -> subprocess.Popen:
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(lambda: _ping(url), 10, "own redis-server")
        return p

    redis_proc = up()
    s = rq_settings.replace(redis_url=url)
    workers.settings = s
    urls = sample_urls(sample_site, 8)
    store = Store(s.database_url)
    try:
        run_id = submit_page_audit(s, store, urls, SITE)
        workers.start("w")
        wait_until(lambda: run_status(store, run_id)["pages_done"] >= 2, 60, "two pages done")
        redis_proc.kill()  # abrupt: nothing but the append-only file survives
        redis_proc.wait(10)
        at_restart = run_status(store, run_id)["pages_done"]
        time.sleep(1.5)
        redis_proc = up()
        st = wait_for_run(store, run_id, timeout=90)
        assert at_restart < len(urls), "the run was over before Redis went away"
        assert st["status"] == "done" and st["pages_done"] == len(urls), st
        assert set(pages_by_url(store, run_id)) == set(urls)
        assert_no_doubles(store, run_id)
    finally:
        workers.stop_all()
        redis_proc.kill()
        redis_proc.wait(10)


def test_two_workers_share_a_run_and_agree_with_the_embedded_runner(rq_settings, sample_site, workers):
    s = rq_settings
    urls = sample_urls(sample_site, 12)
    store = Store(s.database_url)
    run_id = submit_page_audit(s, store, urls, SITE)
    w1, w2 = workers.start("one", "--burst"), workers.start("two", "--burst")
    for w in (w1, w2):
        w.wait(150)
    st = run_status(store, run_id)
    assert st["status"] == "done" and st["pages_done"] == len(urls), st
    assert_no_doubles(store, run_id)
    pids = Counter(j.return_value()["pid"] for j in finished_jobs(s) if j.func_name.endswith("audit_page"))
    assert sum(pids.values()) == len(urls)
    assert set(pids) == {w1.pid, w2.pid}, f"both workers should have audited pages: {pids}"

    # The same pages without Redis: the same job functions in this process (the embedded default).
    local = s.replace(redis_url=None)
    emb_id = submit_page_audit(local, store, urls, SITE)
    assert wait_for_run(store, emb_id, timeout=120)["status"] == "done"

    def findings(rid: int) -> dict[str, Any]:
        return {u: (p.error_kind, p.kind, sorted((c.rule, c.status) for c in p.checks))
                for u, p in pages_by_url(store, rid).items()}

    rq_f, emb_f = findings(run_id), findings(emb_id)
    assert rq_f.keys() == emb_f.keys()
    diff = {u: (rq_f[u], emb_f[u]) for u in rq_f if rq_f[u] != emb_f[u]}
    assert not diff, diff


def _kill_browsers_of(pids: list[int]) -> None:
    """SIGKILL the main Chromium of the given worker processes (started by this test), not renderers."""
    for pid in pids:
        try:
            kids = psutil.Process(pid).children(recursive=True)
        except psutil.Error:
            continue
        for p in kids:
            try:
                cmd = p.cmdline()
            except psutil.Error:
                continue
            if cmd and "chrom" in Path(cmd[0]).name and not any(a.startswith("--type=") for a in cmd):
                os.kill(p.pid, signal.SIGKILL)


def test_permanent_page_errors_are_results_and_a_crashing_browser_is_retried(rq_settings, sample_site, workers):
    s = rq_settings.replace(job_retries=1)
    box: dict[str, list[int]] = {"pids": []}

    def crash(h: BaseHTTPRequestHandler) -> None:
        _kill_browsers_of(box["pids"])  # every time: the browser dies on this page whatever we do
        time.sleep(1)
        html(h)

    srv, port, hits = counting_server({"/crash": crash})
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    s = s.replace(host_map={**s.host_map, "crash.shifan.gov.cn": f"127.0.0.1:{port}",
                            "gone.shifan.gov.cn": f"127.0.0.1:{port}", "nodns.shifan.gov.cn": "~NOTFOUND",
                            "down.shifan.gov.cn": f"127.0.0.1:{closed}"})
    urls = ["http://gone.shifan.gov.cn/missing", "http://nodns.shifan.gov.cn/", "http://down.shifan.gov.cn/",
            "http://crash.shifan.gov.cn/crash"] + sample_urls(sample_site, 2)
    store = Store(s.database_url)
    workers.settings = s
    try:
        run_id = submit_page_audit(s, store, urls, SITE)
        w = workers.start("w")
        box["pids"] = [w.pid]
        st = wait_for_run(store, run_id, timeout=120)
    finally:
        srv.shutdown()
    assert st["status"] == "done" and st["pages_done"] == len(urls), st
    pages = pages_by_url(store, run_id)
    assert pages[urls[0]].error_kind == "http_error"
    assert pages[urls[1]].error_kind == "dns"
    assert pages[urls[2]].error_kind == "connection"
    for u in urls[:3] + urls[4:]:
        assert page_job(s, u).retries_left == s.job_retries, f"{u} was retried"
    assert hits["/missing"] == 1, "a permanent error was fetched again"
    # The crashing page: restarted once inside the fetcher, then the job retried once after the backoff, and
    # only the last attempt records the crash as the page's error.
    assert pages[urls[3]].error_kind == "browser_crashed"
    assert hits["/crash"] == 2 * (s.job_retries + 1)
    assert page_job(s, "/crash").retries_left == 0
    assert not [j for j in finished_jobs(s) if j.is_failed]

    # The embedded path (no Redis) has the same semantics: retried after the backoff, then recorded.
    srv, port, hits = counting_server({"/crash": crash})
    try:
        local = s.replace(redis_url=None, host_map={**s.host_map, "crash.shifan.gov.cn": f"127.0.0.1:{port}"})
        box["pids"] = [os.getpid()]  # the embedded runner's browser is a child of this process
        emb_id = submit_page_audit(local, store, [urls[3]], SITE)  # alone: a crash would hit its neighbours
        assert wait_for_run(store, emb_id, timeout=120)["status"] == "done"
    finally:
        srv.shutdown()
    emb = pages_by_url(store, emb_id)
    assert emb[urls[3]].error_kind == "browser_crashed"
    assert hits["/crash"] == 2 * (s.job_retries + 1)


def test_rq_cron_enqueues_probes_and_site_audits_which_workers_run(rq_settings, sample_site):
    """RQ's cron scheduler enqueues the periodic jobs; a worker (here in this process) runs the probe and the
    whole site run it submits: crawl steps, pages and finaliser, all through the queue."""
    s = rq_settings.replace(max_pages=3, ipv6=False)
    store = Store(s.database_url)
    home = f"http://{sample_site['host']}/"
    store.upsert_site(sample_site["truth"]["site"]["name"], home, sample_site["truth"]["site"]["code"])
    cron = build_cron(s, audit_interval=7 * 86400, probe_interval=3600)
    assert {j.name for j in cron.get_jobs()} == {"govaudit.audit_sites", "govaudit.probe_sites"}
    assert len(cron.enqueue_jobs()) == 2  # RQ's cron: both due at start
    assert cron.enqueue_jobs() == []      # and not again within their interval
    q = Queue(s.rq_queue, connection=jobs.redis_conn(s.redis_url or ""))
    assert q.count == 2
    worker = AuditWorker([q], connection=q.connection, heartbeat=1, maintenance_interval=2)
    try:
        worker.work(burst=True)  # the probe, the site run's steps, its pages and its finaliser
    finally:
        jobs.shutdown_runtime()
        for j in cron.get_jobs():  # RQ's cron history of these jobs (keyed by job name, not by queue)
            q.connection.delete(j.job_history_key)
            q.connection.zrem("rq:cron_jobs", j.name)
    got = probes(store, home)
    assert len(got) == 1 and got[0].ok, got
    with store.session() as ss:
        site_runs = list(ss.scalars(select(Run).where(Run.kind == "site")))
    assert len(site_runs) == 1
    st = run_status(store, site_runs[0].id)
    assert st["status"] == "done" and st["pages_done"] == st["pages_total"] == 3, st
    doc_rules = {c.rule for c in store.run_with_pages(site_runs[0].id).site_checks}
    assert {"links.home", "crawl.coverage", "columns.veto", "site.search", "interaction.channel"} <= doc_rules
    # A probe job run again in the same slot stores nothing twice.
    assert probe_sites(s, 3600)["stored"] == 0
    assert len(probes(store, home)) == 1


def test_a_page_job_run_twice_leaves_one_set_of_findings(settings, sample_site):
    """Idempotency: the same page job twice (as after a requeue) leaves one page, the same checks and
    evidence rows, one done mark; its evidence files are rewritten in place, not duplicated."""
    s = settings.replace(host_map=dict(sample_site["host_map"]), ocr=False, a11y=False, elderly="off")
    store = Store(s.database_url)
    store.upgrade()
    url = sample_urls(sample_site, 1)[0]
    run = store.create_run(SITE.name, SITE.code, 1, s.engine, s.user_agent, {"urls": [url]})

    def counts() -> tuple[int, int, int, int]:
        with store.session() as ss:
            n = [ss.scalar(select(func.count()).select_from(t)) for t in (Page, Check, Evidence)]
        files = sum(1 for p in Path(s.evidence_dir).rglob("*") if p.is_file())
        return n[0], n[1], n[2], files

    try:
        first = jobs.audit_page(s, run.id, url, 0, SITE)
        once = counts()
        second = jobs.audit_page(s, run.id, url, 0, SITE)
        twice = counts()
    finally:
        jobs.shutdown_runtime()
    assert once[0] == 1 and once[1] > 5 and once[2] > 0 and once[3] > 0, once
    assert twice == once
    assert first["findings"] == second["findings"]
    assert jobs.state_for(s).done(run.id) == {0}
    # The page completed the run's set, so the finaliser was enqueued (once: the second time claims nothing).
    assert wait_for_run(store, run.id, timeout=30)["pages_done"] == 1
