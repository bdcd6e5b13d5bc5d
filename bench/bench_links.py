"""Link availability benchmark: clients.linkcheck.check_links against LinkChecker on the same local site.

Run from the repository root (LinkChecker is a benchmark-only tool, not a dependency of the package):

    .venv/bin/pip install LinkChecker
    .venv/bin/python bench/bench_links.py            # add --rounds 3 to repeat and keep the best of each

It serves the big generated site of tests/linksite.py (220 pages, ~2,400 distinct links, ~3 % of them 404,
a few broken images) in a separate process on 127.0.0.1, then, side by side in one run:

* ``check_links`` over the site's link set (the pages and every link on them, from the generator), with
  ``per_host=2`` (the polite default used on real sites) and ``per_host=10`` (LinkChecker's default of 10
  threads), and a "crawl + check" row that first fetches and parses all 221 pages over HTTP (as LinkChecker
  must) and then checks the links it found;
* ``linkchecker`` (default 10 threads, recursion from /big/index.html, only 127.0.0.1, CSV output in a
  temporary folder), timed as a whole and without its interpreter start-up (measured with ``--version``).

It prints links checked, seconds, links/s, the ratio to LinkChecker and whether each found exactly the
ground-truth broken set (``tests.linksite.expected_broken``). Nothing but 127.0.0.1 is contacted.

LinkChecker waits 0.1-0.6 s between two requests to one host (~3 links/s, ~14 minutes for this site) unless
the host answers with a ``LinkChecker`` header; the big site sends it and the run sets LinkChecker's
``maxrequestspersecond`` high, so the two checkers are compared on speed, not on politeness. The fixture
server is Python's ThreadingHTTPServer: with 10 connections at once its threads fight over one GIL on a
2-core machine, which is why ``per_host=10`` is slower than ``per_host=2`` here.
"""
from __future__ import annotations

import argparse
import asyncio
import csv
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from auditor.config import Settings  # noqa: E402
from clients.linkcheck import check_links  # noqa: E402
from tests.linksite import big_site_links, expected_broken  # noqa: E402

LINK_RX = re.compile(r"""(?:href|src)\s*=\s*["']([^"']+)["']""", re.I)


def serve() -> tuple[subprocess.Popen, int]:
    """The fixture server in its own process (so its threads do not share our GIL)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "tests.linksite"], cwd=ROOT, env=env, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline().strip()
    if not line.startswith("PORT "):
        proc.kill()
        raise SystemExit(f"fixture server did not start: {line!r}")
    return proc, int(line.split()[1])


def settings() -> Settings:
    return Settings(allow_private=True, isolate_network=True)


def run_check(base: str, per_host: int) -> tuple[int, float, set[str]]:
    urls = [base + p for p in sorted(big_site_links())]
    t0 = time.perf_counter()
    res = asyncio.run(check_links(urls, settings(), per_host=per_host, timeout=10.0))
    dt = time.perf_counter() - t0
    return len(res), dt, {u for u, r in res.items() if r.klass == "broken"}


async def crawl(base: str, per_host: int) -> set[str]:
    """Fetch the index and every page it reaches under /big/ (HTML pages only) and return all links found."""
    start = base + "/big/index.html"
    found: set[str] = {start}
    seen_pages: set[str] = set()
    sem = asyncio.Semaphore(per_host)
    async with httpx.AsyncClient(trust_env=False, limits=httpx.Limits(max_connections=per_host)) as client:
        async def fetch(url: str) -> list[str]:
            async with sem:
                r = await client.get(url)
            if r.status_code != 200 or "html" not in r.headers.get("content-type", ""):
                return []
            return [str(httpx.URL(url).join(h).copy_with(fragment=None)) for h in LINK_RX.findall(r.text)]

        frontier = [start]
        while frontier:
            seen_pages.update(frontier)
            batches = await asyncio.gather(*(fetch(u) for u in frontier))
            new = {u for b in batches for u in b}
            found |= new
            frontier = sorted(u for u in new if u.startswith(base + "/big/") and re.search(r"/big/(index|p\d+)\.html$", u)
                              and u not in seen_pages)
    return found


def run_crawl_check(base: str, per_host: int) -> tuple[int, float, set[str]]:
    t0 = time.perf_counter()
    urls = asyncio.run(crawl(base, per_host))
    res = asyncio.run(check_links(urls, settings(), per_host=per_host, timeout=10.0))
    dt = time.perf_counter() - t0
    return len(res), dt, {u for u, r in res.items() if r.klass == "broken"}


def linkchecker_exe() -> str:
    exe = Path(sys.executable).with_name("linkchecker")
    if exe.exists():
        return str(exe)
    found = shutil.which("linkchecker")
    if not found:
        raise SystemExit("linkchecker not found: .venv/bin/pip install LinkChecker")
    return found


# LinkChecker waits 0.1-0.6 s between two requests to one host (about 3 links/s) unless the host sends a
# "LinkChecker" response header; the big site does, and this lifts the rate cap so that the comparison is
# between the two checkers' own speeds, not LinkChecker's politeness. Threads stay at its default (10).
RC_UNTHROTTLED = "[checking]\nmaxrequestspersecond=100000\n"


def run_linkchecker(base: str, unthrottled: bool = True) -> tuple[int, float, float, set[str]]:
    """(links checked, wall seconds, start-up seconds, broken URLs). Only 127.0.0.1 is given to it."""
    assert base.startswith("http://127.0.0.1:")
    exe = linkchecker_exe()
    with tempfile.TemporaryDirectory(prefix="bench-lc-") as tmp:
        os.chmod(tmp, 0o777)  # run as root, LinkChecker drops to 'nobody' and must still write its CSV
        out = Path(tmp) / "out.csv"
        env = {**os.environ, "HOME": tmp, "XDG_CONFIG_HOME": tmp, "XDG_DATA_HOME": tmp, "XDG_CACHE_HOME": tmp}
        for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
            env.pop(var, None)
        env["no_proxy"] = "*"
        t0 = time.perf_counter()
        subprocess.run([exe, "--version"], cwd=tmp, env=env, capture_output=True, timeout=60)
        startup = time.perf_counter() - t0
        rc = Path(tmp) / "linkcheckerrc"
        rc.write_text(RC_UNTHROTTLED if unthrottled else "[checking]\n", encoding="utf-8")
        cmd = [exe, "-f", str(rc), "--no-status", "--verbose", "-o", "none", "--timeout", "10",
               "-F", f"csv/utf_8/{out}", base + "/big/index.html"]
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, cwd=tmp, env=env, capture_output=True, text=True, timeout=900)
        wall = time.perf_counter() - t0
        if not out.exists():
            raise SystemExit(f"linkchecker wrote no CSV (exit {proc.returncode}): {proc.stderr[-2000:]}")
        rows = [line for line in out.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    reader = csv.DictReader(rows, delimiter=";")
    checked: set[str] = set()
    broken: set[str] = set()
    for row in reader:
        url = row.get("url") or ""
        if not url.startswith("http"):
            continue
        checked.add(url)
        if (row.get("valid") or "").strip().lower() in ("false", "0"):
            broken.add(url)
    return len(checked), wall, startup, broken


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=1, help="repeat each measurement, keep the fastest")
    args = ap.parse_args()
    proc, port = serve()
    base = f"http://127.0.0.1:{port}"
    truth = expected_broken(base)
    try:
        rows = []
        runs = {
            "check_links per_host=2": lambda: run_check(base, 2),
            "check_links per_host=10": lambda: run_check(base, 10),
            "crawl + check_links per_host=2": lambda: run_crawl_check(base, 2),
        }
        for name, fn in runs.items():
            best = min((fn() for _ in range(args.rounds)), key=lambda r: r[1])
            rows.append((name, best[0], best[1], best[2]))
        lc_best = min((run_linkchecker(base) for _ in range(args.rounds)), key=lambda r: r[1])
        n_lc, wall_lc, startup_lc, broken_lc = lc_best
    finally:
        proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()

    lc_rate = n_lc / wall_lc
    lc_rate_net = n_lc / max(1e-9, wall_lc - startup_lc)
    print(f"\nbig site: {len(big_site_links())} distinct links, {len(truth)} broken (ground truth); "
          f"server on 127.0.0.1:{port}; {os.cpu_count()} CPUs\n")
    head = f"{'tool':34} {'links':>6} {'seconds':>8} {'links/s':>9} {'× linkchecker':>14}  broken set"
    print(head)
    print("-" * len(head))
    for name, n, dt, broken in rows:
        rate = n / dt
        agree = "= truth" if broken == truth else f"≠ truth (+{len(broken - truth)} −{len(truth - broken)})"
        print(f"{name:34} {n:6d} {dt:8.2f} {rate:9.0f} {rate / lc_rate:13.1f}×  {agree}")
    agree = "= truth" if broken_lc == truth else f"≠ truth (+{len(broken_lc - truth)} −{len(truth - broken_lc)})"
    print(f"{'linkchecker (10 threads)':34} {n_lc:6d} {wall_lc:8.2f} {lc_rate:9.0f} {1.0:13.1f}×  {agree}")
    print(f"{'  … without its start-up':34} {n_lc:6d} {wall_lc - startup_lc:8.2f} {lc_rate_net:9.0f} "
          f"{'':14}  (start-up {startup_lc:.2f} s)")
    same = all(b == broken_lc for *_, b in rows)
    print(f"\nbroken sets: check_links and linkchecker {'agree' if same else 'DIFFER'}; "
          f"ratio (check_links per_host=2 / linkchecker) = {rows[0][1] / rows[0][2] / lc_rate:.1f}× "
          f"(vs linkchecker without start-up: {rows[0][1] / rows[0][2] / lc_rate_net:.1f}×)")


if __name__ == "__main__":
    main()
