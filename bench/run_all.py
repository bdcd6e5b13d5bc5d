"""The table of issue 17, every ratio measured side by side in this one run, with the load at start and end.

    .venv/bin/python bench/run_all.py [--quick] [--json FILE]

Measures (the sample site served on 127.0.0.1 by a process of its own, host mapped in the browser, stand-ins for
national services):

* ``govaudit audit URL`` on the home page in a new process, defaults and ``--no-a11y --elderly off --no-ocr``
  (bench/bench_cli.py), interleaved with pa11y's CLI on the same page (one process per URL, its default
  runner, the same Chromium);
* the page audit in process (load, probe, screenshot, axe: bench_a11y's "ours whole"), mean per page, with
  pa11y's CLI and Lighthouse's (accessibility only) on each page in turn;
* pages/min at concurrency 2 and the full audit ÷ floor per page, where the floor loads and screenshots each
  page in the same fetcher, so it reuses and resets tabs as the audit does (bench_page_audit measured the
  floor in a fresh context per page);
* ``govaudit ipv6`` on the dual-stack site of the IPv6 lab (bench/bench_ipv6.py; needs root);
* links/s of check_links ÷ LinkChecker's (bench/bench_links.py).

A comparator that is not installed (pa11y/Lighthouse: ``bench/bench_a11y.py`` installs the pinned versions
with npm; LinkChecker: ``pip install LinkChecker``) or a lab that cannot be built prints n/a, never a number.
CI does not run this; no test asserts a time. ``--quick`` uses fewer pages and runs (under 10 minutes on a
quiet 2-core machine).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from auditor import sample_site  # noqa: E402
from auditor.config import Settings  # noqa: E402
from auditor.models import SiteProfile  # noqa: E402
from auditor.store import Store  # noqa: E402
from bench import bench_a11y, bench_cli, bench_ipv6, bench_links  # noqa: E402
from bench.bytecode import compile_tree  # noqa: E402
from bench.load import load_line  # noqa: E402
from browsers.fetcher import PageFetcher  # noqa: E402
from workers.inprocess import run_pages  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
HOST = sample_site.SITE["host"]

# measure key -> (label, target as the issue states it)
ROWS: list[tuple[str, str, str]] = [
    ("cli_defaults", "`govaudit audit URL`, one page, defaults (s)", "≤ 2.5"),
    ("cli_lean", "the same with --no-a11y --elderly off --no-ocr (s)", "≤ 1.5"),
    ("pa11y_cli_page", "pa11y CLI on the same page (s)", "(the bar)"),
    ("inproc_mean", "page audit in process, mean per page (s)", "≤ 0.6"),
    ("x_pa11y", "÷ pa11y CLI per URL", "≥ 4×"),
    ("x_lighthouse", "÷ Lighthouse CLI, accessibility", "≥ 20×"),
    ("pages_min", "pages/min at concurrency 2", "≥ 100"),
    ("floor_pages_min", "floor pages/min at concurrency 2", ""),
    ("full_floor", "full audit ÷ floor, mean per page (floor reuses tabs)", "≤ 1.2"),
    ("ipv6", "`govaudit ipv6`, 4-page dual-stack lab site (s)", "≤ 4"),
    ("x_linkchecker", "links/s ÷ LinkChecker", "≥ 5×"),
]


def _settings(base: str, tmp: Path, name: str, **kw: Any) -> Settings:
    return Settings(database_url=f"sqlite:///{tmp}/{name}.db", evidence_dir=str(tmp / name),
                    host_map={HOST: base.removeprefix("http://")}, isolate_network=True, standins=True,
                    allow_private=True, **kw)


def serve_apart() -> tuple["subprocess.Popen[str]", str]:
    """The sample site in a process of its own: served from this process, its threads would share the in-process
    audit's interpreter lock (and not pa11y's or Lighthouse's), which bent the in-process and pages/min rows."""
    proc = subprocess.Popen([sys.executable, "-m", "auditor.sample_site", "--port", "0"], cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    m = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
    if not m:
        proc.kill()
        raise SystemExit(f"the sample site did not start: {line!r}")
    return proc, f"http://127.0.0.1:{m.group(1)}"


def _pick(paths: list[str], n: int) -> list[str]:
    """``n`` paths spread over the site (lists, articles, services, variants), as bench_a11y picks them."""
    if n >= len(paths):
        return paths
    return [paths[round(i * (len(paths) - 1) / max(1, n - 1))] for i in range(n)]


def _tools() -> bool:
    """Whether the pinned pa11y and Lighthouse are installed (bench_a11y.ensure_tools installs them)."""
    have = bench_a11y._pkg_version("pa11y") != "?" and bench_a11y._pkg_version("lighthouse") != "?"
    if have:
        (bench_a11y.NODE_DIR / "pa11y_server.js").write_text(bench_a11y.PA11Y_SERVER_JS, encoding="utf-8")
    return have and shutil.which("node") is not None


def cli_measures(base: str, runs: int, tools: bool, tmp: Path, out: dict[str, Any]) -> None:
    """One page from the command line, defaults and lean, interleaved with pa11y's CLI on the same page."""
    url = f"http://{HOST}/index.html"
    cfg = bench_a11y.pa11y_config(tmp / "pa11y.json", {HOST: base.removeprefix("http://")}, Settings())
    bench_cli.run_cli(base, ROOT)  # cold start (file cache, Chromium's files), untimed
    if tools:
        asyncio.run(bench_a11y.pa11y_cli(url, cfg, "htmlcs"))
    got: dict[str, list[float]] = {"cli_defaults": [], "cli_lean": [], "pa11y_cli_page": []}
    for _ in range(runs):
        got["cli_defaults"].append(bench_cli.run_cli(base, ROOT)[0])
        got["cli_lean"].append(bench_cli.run_cli(base, ROOT, bench_cli.LEAN)[0])
        if tools:
            secs, data, err = asyncio.run(bench_a11y.pa11y_cli(url, cfg, "htmlcs"))
            if data is not None:
                got["pa11y_cli_page"].append(secs)
    for k, v in got.items():
        out[k] = statistics.median(v) if v else None


async def _inproc(urls: list[str], s: Settings, tmp: Path, tools: bool) -> dict[str, list[float]]:
    host_map = dict(s.host_map)
    cfg = bench_a11y.pa11y_config(tmp / "pa11y.json", host_map, s)
    times: dict[str, list[float]] = {"ours": [], "pa11y": [], "lighthouse": []}
    async with PageFetcher(s) as fetcher:
        for i, url in enumerate([urls[0], *urls]):  # the first page once more, untimed: every tool's cold start
            record = i > 0
            t0 = time.perf_counter()
            res = await fetcher.fetch(url, a11y=True)
            if record and res.error is None:
                times["ours"].append(time.perf_counter() - t0)
            if tools:
                secs, data, _ = await bench_a11y.pa11y_cli(url, cfg, "htmlcs")
                if record and data is not None:
                    times["pa11y"].append(secs)
                secs, report, _ = await bench_a11y.lighthouse_cli(url, tmp, host_map, s)
                if record and report is not None:
                    times["lighthouse"].append(secs)
    return times


def inproc_measures(base: str, pages: int, tools: bool, tmp: Path, out: dict[str, Any]) -> None:
    urls = [f"http://{HOST}{p}" for p in _pick(list(sample_site.truth()["pages"]), pages)]
    t = asyncio.run(_inproc(urls, _settings(base, tmp, "inproc"), tmp, tools))
    ours = statistics.mean(t["ours"]) if t["ours"] else None
    out["inproc_mean"] = ours
    out["pa11y_cli_mean"] = statistics.mean(t["pa11y"]) if t["pa11y"] else None
    out["lighthouse_mean"] = statistics.mean(t["lighthouse"]) if t["lighthouse"] else None
    out["x_pa11y"] = out["pa11y_cli_mean"] / ours if ours and out["pa11y_cli_mean"] else None
    out["x_lighthouse"] = out["lighthouse_mean"] / ours if ours and out["lighthouse_mean"] else None


async def _floor(s: Settings, urls: list[str], concurrency: int) -> tuple[list[float], float]:
    """Load and full-page screenshot of each page in one fetcher: tabs reused and reset as the audit's are."""
    times: list[float] = []
    sem = asyncio.Semaphore(concurrency)
    async with PageFetcher(s.replace(concurrency=concurrency)) as fetcher:
        await fetcher.fetch(urls[0], probe=False)  # warm

        async def one(url: str) -> None:
            async with sem:
                t0 = time.perf_counter()
                await fetcher.fetch(url, probe=False)
                times.append(time.perf_counter() - t0)

        t0 = time.perf_counter()
        await asyncio.gather(*(one(u) for u in urls))
        return times, time.perf_counter() - t0


def _full(s: Settings, urls: list[str]) -> tuple[list[float], float]:
    store = Store(s.database_url)
    store.upgrade()
    times: list[float] = []
    site = SiteProfile(sample_site.SITE["name"], sample_site.SITE["code"])
    t0 = time.perf_counter()
    asyncio.run(run_pages(s, store, urls, site, progress=lambda d, n, o: times.append(o.seconds)))
    return times, time.perf_counter() - t0


def page_audit_measures(base: str, seq_pages: int, par_pages: int, tmp: Path, out: dict[str, Any]) -> None:
    """Sequential per-page means (floor, full, floor again: drift favours neither) and pages/min at 2."""
    paths = list(sample_site.truth()["pages"])
    seq = [f"http://{HOST}{p}" for p in _pick(paths, seq_pages)]
    par = [f"http://{HOST}{p}" for p in (paths * 2)[:par_pages]]
    _full(_settings(base, tmp, "warm", concurrency=2), seq[:3])  # first browser start, OCR model, caches
    f1, _ = asyncio.run(_floor(_settings(base, tmp, "f1"), seq, 1))
    a_seq, _ = _full(_settings(base, tmp, "full-seq", concurrency=1), seq)
    f2, _ = asyncio.run(_floor(_settings(base, tmp, "f2"), seq, 1))
    floor = (statistics.mean(f1) + statistics.mean(f2)) / 2
    out["full_seq_mean"], out["floor_seq_mean"] = statistics.mean(a_seq), floor
    out["full_floor"] = statistics.mean(a_seq) / floor
    _, f_wall = asyncio.run(_floor(_settings(base, tmp, "f-par"), par, 2))
    _, a_wall = _full(_settings(base, tmp, "full-par", concurrency=2), par)
    out["floor_pages_min"] = len(par) / f_wall * 60
    out["pages_min"] = len(par) / a_wall * 60
    out["par_pages"] = len(par)


def ipv6_measures(runs: int, out: dict[str, Any]) -> None:
    got = bench_ipv6.measure([ROOT], runs)
    out["ipv6"] = statistics.median(got[ROOT]) if got else None


def links_measures(out: dict[str, Any]) -> None:
    try:
        bench_links.linkchecker_exe()
    except SystemExit:
        print("LinkChecker not installed (pip install LinkChecker): n/a")
        out["x_linkchecker"] = None
        return
    proc, port = bench_links.serve()
    base = f"http://127.0.0.1:{port}"
    try:
        n, secs, _ = bench_links.run_check(base, 2)
        n_lc, wall_lc, _, _ = bench_links.run_linkchecker(base)
    finally:
        proc.stdin.close()
        proc.wait(timeout=10)
    out["links_per_s"], out["linkchecker_per_s"] = n / secs, n_lc / wall_lc
    out["x_linkchecker"] = (n / secs) / (n_lc / wall_lc)


def fmt(key: str, v: Any) -> str:
    if v is None:
        return "n/a"
    if key.startswith("x_"):
        return f"{v:.1f}×"
    if key in ("pages_min", "floor_pages_min"):
        return f"{v:.1f}"
    return f"{v:.2f}"


def table(out: dict[str, Any]) -> str:
    lines = ["| measure | now | target of issue 17 |", "|---|---|---|"]
    for key, label, target in ROWS:
        lines.append(f"| {label} | {fmt(key, out.get(key))} | {target} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer pages and runs (under 10 minutes when quiet)")
    ap.add_argument("--only", action="append", choices=["cli", "inproc", "pages", "ipv6", "links"])
    ap.add_argument("--json", help="also write the figures to this file")
    args = ap.parse_args()
    q = args.quick
    compile_tree(Path(__file__).resolve().parents[1])
    out: dict[str, Any] = {"load_start": load_line("start")}
    print(out["load_start"], flush=True)
    tools = _tools()
    if not tools:
        print("pa11y / Lighthouse not installed (bench/bench_a11y.py installs the pinned versions): n/a")
    tmp = Path(tempfile.mkdtemp(prefix="govaudit-bench-all-"))
    server, base = serve_apart()
    steps: dict[str, Callable[[], None]] = {
        "cli": lambda: cli_measures(base, 2 if q else 5, tools, tmp, out),
        "inproc": lambda: inproc_measures(base, 4 if q else 12, tools, tmp, out),
        "pages": lambda: page_audit_measures(base, 8 if q else 20, 30 if q else 60, tmp, out),
        "ipv6": lambda: ipv6_measures(2 if q else 3, out),
        "links": lambda: links_measures(out),
    }
    try:
        for name, fn in steps.items():
            if args.only and name not in args.only:
                continue
            t0 = time.perf_counter()
            fn()
            print(f"  [{name}] {time.perf_counter() - t0:.0f} s; {load_line('now')}", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=10)
    out["load_end"] = load_line("end")
    print()
    print(table(out))
    print()
    print(out["load_start"])
    print(out["load_end"])
    if args.json:
        Path(args.json).write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
