"""Benchmark: the same ≥1,000-page workload through the embedded runner, 1 RQ worker and 2 RQ workers, side by
side in one run.

    .venv/bin/python bench/bench_rq.py [--pages 1000] [--redis-url redis://127.0.0.1:6379/0]
                                       [--database-url postgresql://postgres@127.0.0.1:5432/test]
                                       [--no-ocr] [--no-a11y] [--modes embedded,rq1,rq2]

The workload is the bundled sample site's pages repeated under distinct query strings (``?b=<k>``), so every
page is a distinct URL of the run while the content stays realistic; the site is served locally and mapped
inside the browser (nothing leaves the machine). Every mode audits the whole workload with the default page
audit (rules, evidence, OCR where needed, the 无障碍 pass when enabled) into a fresh database:

* embedded: ``workers.dispatch.submit_page_audit`` without Redis (the job functions on a thread pool in this
  process, ``concurrency`` pages at a time in one browser);
* RQ ×1 / ×2: the same submit with Redis, then 1 or 2 ``govaudit worker --burst`` processes (one Chromium each,
  one page at a time each). Their clock starts when the workers are launched, so it includes start-up.

Prints pages/min for each mode, the scaling ratio (2 workers / 1 worker) and the peak RSS of each worker's
process tree (Python + Playwright driver + Chromium, sampled every 200 ms; for the embedded mode the bench process and
its browser; the sample site is served by a separate process, counted in neither).
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from auditor import sample_site  # noqa: E402
from auditor.config import Settings, load_settings  # noqa: E402
from auditor.models import SiteProfile  # noqa: E402
from auditor.store import Store  # noqa: E402
from workers.dispatch import run_status, submit_page_audit, wait_for_run  # noqa: E402


EXCLUDE: set[int] = set()  # the sample-site server, a child of this process but not part of any auditor


def tree_rss(pid: int) -> int:
    try:
        p = psutil.Process(pid)
        procs = [p] + [c for c in p.children(recursive=True) if c.pid not in EXCLUDE]
    except psutil.Error:
        return 0
    total = 0
    for q in procs:
        try:
            total += q.memory_info().rss
        except psutil.Error:
            pass
    return total


class Sampler:
    """Peak RSS of each watched process tree, sampled every 200 ms."""

    def __init__(self, pids: list[int]):
        self.pids = pids
        self.peak = {pid: 0 for pid in pids}
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for pid in self.pids:
                self.peak[pid] = max(self.peak[pid], tree_rss(pid))
            time.sleep(0.2)

    def __enter__(self) -> "Sampler":
        self._t.start()
        return self

    def __exit__(self, *a: object) -> None:
        self._stop.set()
        self._t.join()


def cleanup_queue(r: Any, queue: str) -> None:
    """Drop the bench queue's jobs (by origin), registries and run keys from Redis."""
    from rq.job import Job

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


def workload(n: int, host: str) -> list[str]:
    pages = list(sample_site.truth()["pages"])
    return [f"http://{host}{pages[i % len(pages)]}?b={i // len(pages)}" for i in range(n)]


SCHEMAS: list[tuple[str, str]] = []  # PostgreSQL schemas made for the modes, dropped at the end


def drop_schemas() -> None:
    import sqlalchemy as sa

    from auditor.store.db import normalise_db_url

    for base, schema in SCHEMAS:
        with sa.create_engine(normalise_db_url(base)).begin() as c:
            c.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))


def fresh_db(base: str | None, tmp: Path, name: str) -> str:
    if not base:
        return f"sqlite:///{tmp}/{name}.db"
    import sqlalchemy as sa

    from auditor.store.db import normalise_db_url

    schema = f"bench_{name}_{uuid.uuid4().hex[:6]}"
    with sa.create_engine(normalise_db_url(base)).begin() as c:
        c.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    SCHEMAS.append((base, schema))
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}"


def run_embedded(s: Settings, urls: list[str], site: SiteProfile) -> dict[str, Any]:
    store = Store(s.database_url)
    store.upgrade()
    with Sampler([os.getpid()]) as sm:
        t0 = time.perf_counter()
        rid = submit_page_audit(s, store, urls, site)
        st = wait_for_run(store, rid, timeout=7200, poll=1)
        wall = time.perf_counter() - t0
    return {"mode": f"embedded (concurrency {s.concurrency})", "wall": wall, "status": st,
            "rss": [sm.peak[os.getpid()]], "workers": 0}


def run_rq(s: Settings, urls: list[str], site: SiteProfile, n_workers: int, logdir: Path) -> dict[str, Any]:
    from redis import Redis

    store = Store(s.database_url)
    store.upgrade()
    rid = submit_page_audit(s, store, urls, site)  # all page jobs queued before any worker starts
    env = {**os.environ, "REDIS_URL": s.redis_url or "", "GOVAUDIT_RQ_QUEUE": s.rq_queue,
           "PYTHONPATH": str(ROOT)}
    t0 = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, "-m", "govaudit.cli", "worker", "--burst", "--name",
                               f"{s.rq_queue}-{k}"], env=env, cwd=ROOT, start_new_session=True,
                              stdout=open(logdir / f"{s.rq_queue}-{k}.log", "wb"), stderr=subprocess.STDOUT)
             for k in range(n_workers)]
    try:
        with Sampler([p.pid for p in procs]) as sm:
            first = None
            while True:
                st = run_status(store, rid)
                if first is None and st["pages_done"]:
                    first = time.perf_counter() - t0
                if st["status"] in ("done", "failed") or all(p.poll() is not None for p in procs):
                    break
                time.sleep(0.5)
            wall = time.perf_counter() - t0
            st = wait_for_run(store, rid, timeout=60)
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
            try:
                p.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
        cleanup_queue(Redis.from_url(s.redis_url or ""), s.rq_queue)
    return {"mode": f"RQ, {n_workers} worker{'s' if n_workers > 1 else ''}", "wall": wall, "status": st,
            "rss": [sm.peak[p.pid] for p in procs], "workers": n_workers, "first": first}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=1000)
    ap.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    ap.add_argument("--database-url", help="PostgreSQL base URL (a fresh schema per mode); default SQLite files")
    ap.add_argument("--no-ocr", action="store_true")
    ap.add_argument("--no-a11y", action="store_true", help="without the 无障碍/适老化 pass (axe-core on every page)")
    ap.add_argument("--modes", default="embedded,rq1,rq2")
    args = ap.parse_args()

    # The site is served from a process of its own: served from this one it would share the embedded mode's GIL.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "auditor.sample_site", "--port", str(port)], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    EXCLUDE.add(server.pid)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    truth = sample_site.truth()
    host = truth["site"]["host"]
    site = SiteProfile(truth["site"]["name"], truth["site"]["code"])
    urls = workload(args.pages, host)
    tmp = Path(tempfile.mkdtemp(prefix="bench-rq-"))
    common = load_settings(env={}).replace(
        host_map={host: f"127.0.0.1:{port}"}, standins=True, isolate_network=True, allow_private=True,
        ocr=not args.no_ocr)
    if args.no_a11y:
        common = common.replace(a11y=False, elderly="off")
    db = "PostgreSQL" if args.database_url else "SQLite"
    print(f"pages: {len(urls)}  cores: {psutil.cpu_count()}  database: {db}"
          f"  ocr: {common.ocr}  a11y: {getattr(common, 'a11y', None)}", flush=True)
    results = []
    try:
        for mode in args.modes.split(","):
            s = common.replace(database_url=fresh_db(args.database_url, tmp, mode), evidence_dir=str(tmp / mode))
            if mode == "embedded":
                res = run_embedded(s.replace(redis_url=None), urls, site)
            else:
                n = int(mode[2:])
                res = run_rq(s.replace(redis_url=args.redis_url, rq_queue=f"bench-{uuid.uuid4().hex[:8]}"),
                             urls, site, n, tmp)
            results.append(res)
            st = res["status"]
            print(f"  {res['mode']}: {st['pages_done']}/{st['pages_total']} pages ({st['pages_failed']} errors) "
                  f"in {res['wall']:.0f} s", flush=True)
    finally:
        server.terminate()
        server.wait(10)
        drop_schemas()
        shutil.rmtree(tmp, ignore_errors=True)

    print()
    print(f"{'mode':26} {'pages':>6} {'errors':>6} {'wall s':>8} {'pages/min':>10} {'1st page s':>10} "
          f"{'peak RSS/worker MB':>20}")
    rate: dict[int, float] = {}
    for r in results:
        st = r["status"]
        ppm = st["pages_done"] / r["wall"] * 60
        if r["workers"]:
            rate[r["workers"]] = ppm
        rss = "/".join(f"{x / 2**20:.0f}" for x in r["rss"])
        first = f"{r['first']:.1f}" if r.get("first") is not None else "-"
        print(f"{r['mode']:26} {st['pages_done']:>6} {st['pages_failed']:>6} {r['wall']:>8.0f} {ppm:>10.1f} "
              f"{first:>10} {rss:>20}")
    if 1 in rate and 2 in rate:
        print(f"\nscaling ratio (2 workers / 1 worker): {rate[2] / rate[1]:.2f}  on {psutil.cpu_count()} cores")


if __name__ == "__main__":
    main()
