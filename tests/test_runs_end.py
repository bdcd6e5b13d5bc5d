"""Runs always end: failed with the reason, aborted on interrupt or when their process died (the reaper), and
no orphan evidence (staged files committed after the rows, swept otherwise)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from sqlalchemy import select

from auditor.models import SiteProfile
from auditor.store import Store
from auditor.store.models import Evidence, Page, Run
from browsers.evidence import EvidenceWriter
from tests.servers import start
from workers.reaper import reap_runs, sweep_evidence
from workers.runend import owner_identity

GOVAUDIT = [sys.executable, "-m", "govaudit"]  # the entry point users run (govaudit/entry.py)
ROOT = Path(__file__).resolve().parents[1]
SITE = "示范市人民政府"
QUICK = ["--allow-private", "--standins", "--offline", "--no-ocr", "--no-a11y", "--elderly", "off"]


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "GOVAUDIT_DATABASE_URL": f"sqlite:///{tmp_path}/g.db",
            "GOVAUDIT_EVIDENCE_DIR": str(tmp_path / "ev"), **extra}


def govaudit(args: list[str], tmp_path: Path, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(GOVAUDIT + args, capture_output=True, text=True, timeout=300, env=_env(tmp_path, **extra),
                          cwd=ROOT)


def _store(tmp_path: Path) -> Store:
    return Store(f"sqlite:///{tmp_path}/g.db")


def _runs(tmp_path: Path) -> list[Run]:
    return _store(tmp_path).runs()


def _files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()} if root.is_dir() else set()


def _referenced(store: Store) -> set[str]:
    with store.session() as s:
        return set(s.scalars(select(Evidence.path).where(Evidence.path.is_not(None))))


def _no_orphans(store: Store, evidence: Path) -> None:
    files = _files(evidence)
    assert not [f for f in files if "/.tmp-" in f], files
    assert files <= _referenced(store), files - _referenced(store)


# --- without a browser ------------------------------------------------------------------------------------------

def _page_with_evidence(store: Store, run_id: int, page_key: str, names: list[str]) -> None:
    evs = [Evidence(kind="screenshot", path=f"run-{run_id}/{page_key}/{n}", sha256="0" * 64, size=1) for n in names]
    store.save_page(run_id, Page(url=f"http://a.gov.cn/{page_key}", user_agent="ua"), [], evs)


def test_staged_evidence_moves_into_place_on_commit(tmp_path):
    w = EvidenceWriter(tmp_path, "run-1", "page-0000-/", b"png-bytes", staged=True)
    f = w.screenshot()
    assert f is not None and f.path == "run-1/page-0000-_/full.png"
    assert not (tmp_path / f.path).exists() and len(list((tmp_path / "run-1").glob(".tmp-*/full.png"))) == 1
    w.commit()
    assert (tmp_path / f.path).read_bytes() == b"png-bytes" and not list((tmp_path / "run-1").glob(".tmp-*"))
    # A page stored again (a retried job): the new files replace the old ones file by file.
    w2 = EvidenceWriter(tmp_path, "run-1", "page-0000-/", b"new", staged=True)
    w2.screenshot()
    w2.commit()
    assert (tmp_path / f.path).read_bytes() == b"new"


def test_sweep_completes_committed_stages_and_removes_orphans(tmp_path):
    store = _store(tmp_path)
    store.upgrade()
    ev = tmp_path / "ev"
    done = store.create_run(SITE, None, 2, "playwright", "ua", {})
    live = store.create_run(SITE, None, 1, "playwright", "ua", {}, owner=owner_identity())
    _page_with_evidence(store, done.id, "page-a", ["full.png"])
    _page_with_evidence(store, done.id, "page-c", ["full.png"])
    store.finish_run(done.id)
    run_dir = ev / f"run-{done.id}"
    # Killed between the commit and the rename: the staged folder holds committed files.
    stage = run_dir / ".tmp-page-a-0123abcd"
    stage.mkdir(parents=True)
    (stage / "full.png").write_bytes(b"a")
    (stage / "stray.png").write_bytes(b"x")  # written, never committed
    # Killed before the commit: a staged folder nobody refers to.
    (run_dir / ".tmp-page-b-89abcdef").mkdir()
    (run_dir / ".tmp-page-b-89abcdef" / "full.png").write_bytes(b"b")
    (run_dir / "page-c").mkdir()
    (run_dir / "page-c" / "full.png").write_bytes(b"c")
    (run_dir / "page-c" / "links.availability-3.png").write_bytes(b"orphan crop")
    (run_dir / "page-z").mkdir()
    (run_dir / "page-z" / "full.png").write_bytes(b"z")
    # A running run's files are left alone; a folder whose run is gone goes once old enough.
    (ev / f"run-{live.id}" / ".tmp-page-q-00000000").mkdir(parents=True)
    (ev / f"run-{live.id}" / ".tmp-page-q-00000000" / "full.png").write_bytes(b"q")
    gone = ev / "run-999"
    (gone / "page-x").mkdir(parents=True)
    (gone / "page-x" / "full.png").write_bytes(b"?")
    old = time.time() - 3600
    os.utime(gone, (old, old))

    report = sweep_evidence(store, ev, min_age=600)
    assert report.moved == 1
    assert _files(ev) == {f"run-{done.id}/page-a/full.png", f"run-{done.id}/page-c/full.png",
                          f"run-{live.id}/.tmp-page-q-00000000/full.png"}
    assert (run_dir / "page-a" / "full.png").read_bytes() == b"a"
    assert not gone.exists()


def test_reaper_ends_runs_whose_process_is_gone(tmp_path):
    store = _store(tmp_path)
    store.upgrade()
    child = subprocess.Popen([sys.executable, "-c", "import psutil, os, json; "
                              "print(json.dumps(psutil.Process(os.getpid()).create_time()))"],
                             stdout=subprocess.PIPE, text=True)
    started = float(child.communicate()[0])
    me = owner_identity()
    dead = store.create_run(SITE, None, 1, "playwright", "ua", {},
                            owner={**me, "pid": child.pid, "started": started})
    alive = store.create_run(SITE, None, 1, "playwright", "ua", {}, owner=me)
    elsewhere = store.create_run(SITE, None, 1, "playwright", "ua", {}, owner={**me, "host": "another-host"})
    recycled = store.create_run(SITE, None, 1, "playwright", "ua", {}, owner={**me, "started": me["started"] - 100})
    assert reap_runs(store, grace=3600) == []  # too young to judge
    reaped = {r.run_id: r for r in reap_runs(store, grace=0)}
    assert set(reaped) == {dead.id, recycled.id}
    with store.session() as s:
        d = s.get(Run, dead.id)
        assert d.status == "aborted" and "进程已退出" in (d.error or "") and d.finished_at is not None
        assert s.get(Run, alive.id).status == "running" and s.get(Run, elsewhere.id).status == "running"
    assert reap_runs(store, grace=0) == []  # an ended run stays as it ended
    store.finish_run(dead.id)
    assert store.runs()[-1].status == "aborted"  # finish_run does not undo an ending either


# --- with Chromium ----------------------------------------------------------------------------------------------

@pytest.fixture
def slow_page():
    """A page that answers only when released (keeps a run in progress), and whether it was asked for."""
    asked, release = threading.Event(), threading.Event()

    class Slow(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            asked.set()
            release.wait(120)
            body = "<html><head><title>慢</title></head><body>慢页面</body></html>".encode()
            try:
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except OSError:  # the browser that asked is gone (the test killed it)
                pass

        def log_message(self, *a: object) -> None:
            pass

    srv, port = start(Slow)
    yield {"host_map": f"slow.shifan.gov.cn=127.0.0.1:{port}", "url": "http://slow.shifan.gov.cn/slow.html",
           "asked": asked}
    release.set()
    srv.shutdown()


def _wait(cond, what: str, limit: float = 180) -> None:
    deadline = time.monotonic() + limit
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"没有等到：{what}")
        time.sleep(0.2)


def _start_audit(tmp_path: Path, sample_site, slow_page) -> tuple[subprocess.Popen, str]:
    host = sample_site["host"]
    fast = f"http://{host}/index.html"
    p = subprocess.Popen(GOVAUDIT + ["audit", fast, slow_page["url"], "--site-name", SITE, "--concurrency", "1",
                                     "--host-map", f"{host}={sample_site['host_map'][host]}",
                                     "--host-map", slow_page["host_map"], *QUICK],
                         env=_env(tmp_path), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         start_new_session=True)
    store = _store(tmp_path)

    def fast_page_stored() -> bool:
        try:
            with store.session() as s:
                return s.query(Page).filter(Page.url == fast).count() == 1
        except Exception:  # noqa: BLE001 - the database may not exist yet
            return False

    _wait(lambda: slow_page["asked"].is_set() and fast_page_stored(), "快页面已保存且慢页面正在检查")
    return p, fast


def _reap_group(p: subprocess.Popen) -> None:
    try:
        os.killpg(p.pid, signal.SIGKILL)  # the browser the killed process left behind
    except ProcessLookupError:
        pass


@pytest.mark.browser
def test_sigkill_mid_run_then_reap_aborts_it_and_leaves_no_orphans(tmp_path, sample_site, slow_page):
    p, fast = _start_audit(tmp_path, sample_site, slow_page)
    try:
        p.send_signal(signal.SIGKILL)
        p.communicate(timeout=60)
    finally:
        _reap_group(p)
    (run,) = _runs(tmp_path)
    assert run.status == "running"  # nothing could end it: the process died at once
    r = govaudit(["runs", "reap", "--grace", "0"], tmp_path)
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    assert f"检查批次 {run.id} → aborted" in r.stdout
    (run,) = _runs(tmp_path)
    assert run.status == "aborted" and "进程已退出" in run.error and run.finished_at is not None
    store = _store(tmp_path)
    _no_orphans(store, tmp_path / "ev")
    assert any(f.startswith(f"run-{run.id}/") for f in _files(tmp_path / "ev"))  # the stored page's evidence stays
    again = govaudit(["audit", fast, "--site-name", SITE,
                      "--host-map", f"{sample_site['host']}={sample_site['host_map'][sample_site['host']]}", *QUICK],
                     tmp_path)
    assert again.returncode in (0, 1), again.stderr
    assert [r.status for r in _runs(tmp_path)] == ["done", "aborted"]
    _no_orphans(store, tmp_path / "ev")
    listed = govaudit(["runs", "list", "--status", "aborted"], tmp_path)
    assert listed.returncode == 0 and listed.stdout.startswith(f"{run.id}\taborted（已中止）") and "进程已退出" in listed.stdout


@pytest.mark.browser
def test_sigterm_mid_run_ends_it_aborted(tmp_path, sample_site, slow_page):
    p, _ = _start_audit(tmp_path, sample_site, slow_page)
    try:
        p.send_signal(signal.SIGTERM)
        _, err = p.communicate(timeout=120)
    finally:
        _reap_group(p)
    assert p.returncode == 143 and "Traceback" not in err and "已终止" in err, err
    (run,) = _runs(tmp_path)
    assert run.status == "aborted" and run.error and "中断" in run.error
    _no_orphans(_store(tmp_path), tmp_path / "ev")


@pytest.mark.browser
def test_unwritable_evidence_folder_fails_the_run_with_the_reason(tmp_path, sample_site):
    host = sample_site["host"]
    (tmp_path / "afile").write_text("a file where the evidence folder should be")
    p = govaudit(["audit", f"http://{host}/index.html", "--site-name", SITE,
                  "--host-map", f"{host}={sample_site['host_map'][host]}", *QUICK], tmp_path,
                 GOVAUDIT_EVIDENCE_DIR=str(tmp_path / "afile" / "ev"))
    assert p.returncode == 2 and "Traceback" not in p.stderr, p.stderr
    assert "错误：" in p.stderr and "证据目录不可写" in p.stderr
    (run,) = _runs(tmp_path)
    assert run.status == "failed" and run.error.startswith("证据目录不可写：")


@pytest.mark.browser
@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_evidence_folder_fails_the_run(tmp_path, sample_site):
    host = sample_site["host"]
    ev = tmp_path / "ev"
    ev.mkdir()
    ev.chmod(0o555)
    try:
        p = govaudit(["audit", f"http://{host}/index.html", "--site-name", SITE,
                      "--host-map", f"{host}={sample_site['host_map'][host]}", *QUICK], tmp_path)
    finally:
        ev.chmod(0o755)
    assert p.returncode == 2 and "Traceback" not in p.stderr and "证据目录不可写" in p.stderr, p.stderr
    (run,) = _runs(tmp_path)
    assert run.status == "failed" and run.error.startswith("证据目录不可写：")


@pytest.mark.browser
@pytest.mark.parametrize("command", ["audit", "audit-site"])
def test_bad_chromium_path_fails_the_run(tmp_path, sample_site, command):
    host = sample_site["host"]
    args = [command, f"http://{host}/index.html", "--site-name", SITE,
            "--host-map", f"{host}={sample_site['host_map'][host]}", *QUICK]
    if command == "audit-site":
        args += ["--max-pages", "2", "--no-links"]
    p = govaudit(args, tmp_path, GOVAUDIT_CHROMIUM_PATH=str(tmp_path / "no-chromium"))
    assert p.returncode == 2 and "Traceback" not in p.stderr, p.stderr
    assert "错误：" in p.stderr and "无法启动浏览器" in p.stderr
    (run,) = _runs(tmp_path)
    assert run.status == "failed" and run.error.startswith("无法启动浏览器：")


@pytest.mark.browser
def test_web_thread_pool_run_fails_at_once_on_a_bad_browser(settings, sample_site, monkeypatch, tmp_path):
    """The embedded path the web UI uses (workers/dispatch.py → a thread pool): no retries for a browser
    that cannot start; the run ends failed with the reason instead of every page failing slowly."""
    import browsers.launch
    from workers.dispatch import submit_page_audit, wait_for_run

    monkeypatch.setattr(browsers.launch, "CHROMIUM_PATH", str(tmp_path / "no-chromium"))
    s = settings.replace(host_map=sample_site["host_map"], viewport_width=1001, ocr=False, a11y=False,
                         elderly="off", retry_backoff=[60])  # a retry would be seen as a minute's wait
    store = Store(s.database_url)
    store.upgrade()
    run_id = submit_page_audit(s, store, [f"http://{sample_site['host']}/index.html"], SiteProfile(SITE))
    st = wait_for_run(store, run_id, timeout=50)
    assert st["status"] == "failed" and st["error"].startswith("无法启动浏览器：")
    with store.session() as sess:
        assert sess.get(Run, run_id).owner["pid"] == os.getpid()


def test_reaper_fails_rq_runs_whose_jobs_are_gone(tmp_path):
    """Service mode: a run is alive while RQ holds a job of it (queued here); with none left it has failed."""
    import uuid

    from rq import Queue

    from auditor.config import Settings
    from workers.jobs import redis_conn

    s = Settings(database_url=f"sqlite:///{tmp_path}/g.db", evidence_dir=str(tmp_path / "ev"),
                 redis_url="redis://127.0.0.1:6379/0", rq_queue=f"reap-{uuid.uuid4().hex[:8]}")
    store = Store(s.database_url)
    store.upgrade()
    lost = store.create_run(SITE, None, 1, "playwright", "ua", {"mode": "rq"}, owner={"mode": "rq", "queue": s.rq_queue})
    waiting = store.create_run(SITE, None, 1, "playwright", "ua", {"mode": "rq"},
                               owner={"mode": "rq", "queue": s.rq_queue})
    q = Queue(s.rq_queue, connection=redis_conn(s.redis_url))
    job = q.enqueue(len, "x", description=f"run {waiting.id} page 0 http://a.gov.cn/")
    try:
        reaped = reap_runs(store, s, grace=0)
        assert [(r.run_id, r.status) for r in reaped] == [(lost.id, "failed")]
        assert "任务" in reaped[0].reason
        assert store.run_state(waiting.id) == "running"
        assert reap_runs(store, None, grace=0) == []  # without Redis settings RQ runs are left alone
    finally:
        job.delete()
        q.delete(delete_jobs=True)
