"""Single-page command line: wall time of ``govaudit audit URL`` on the sample site's home page, as a user runs it
(a new process, a new browser, a fresh SQLite file), with defaults and with ``--no-a11y --elderly off --no-ocr``.

    .venv/bin/python bench/bench_cli.py [--runs N] [--tree PATH] [--profile]

``--tree`` runs the command line of another checkout (e.g. the code before a change) with this bench, so the
two can be measured side by side on one machine in one run. ``--profile`` passes ``--profile`` to the command
and prints its per-phase table (auditor/profile.py). Prints the load at start and end.
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from auditor import sample_site  # noqa: E402
from bench.bytecode import compile_tree  # noqa: E402
from bench.load import load_line  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
LEAN = ["--no-a11y", "--elderly", "off", "--no-ocr"]
_DBS: dict[Path, Path] = {}


def cli_argv(base: str, path: str | list[str] = "/index.html", extra: list[str] | None = None) -> list[str]:
    host = sample_site.SITE["host"]
    paths = [path] if isinstance(path, str) else path
    return [sys.executable, "-m", "govaudit", "audit", *(f"http://{host}{p}" for p in paths),
            "--site-name", sample_site.SITE["name"],
            "--host-map", f"{host}={base.removeprefix('http://')}", "--allow-private", "--standins", "--offline",
            *(extra or [])]


def run_cli(base: str, tree: Path, extra: list[str] | None = None, path: str | list[str] = "/index.html"
            ) -> tuple[float, int, str]:
    """One ``govaudit audit`` of the page in a fresh process and database: (seconds, exit code, stderr)."""
    tmp = Path(tempfile.mkdtemp(prefix="govaudit-bench-cli-"))
    # One database per checkout, kept between runs as a user's is (the first run migrates it).
    db = _DBS.setdefault(tree, Path(tempfile.mkdtemp(prefix="govaudit-bench-cli-db-")) / "db.sqlite")
    env = {**os.environ, "PYTHONPATH": str(tree), "GOVAUDIT_DATABASE_URL": f"sqlite:///{db}",
           "GOVAUDIT_EVIDENCE_DIR": str(tmp / "evidence")}
    t0 = time.perf_counter()
    p = subprocess.run(cli_argv(base, path, extra), cwd=tree, env=env, capture_output=True, text=True)
    return time.perf_counter() - t0, p.returncode, p.stderr


def run_cli_cpu(base: str, tree: Path, extra: list[str] | None = None) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the whole process tree: Python, Playwright's driver, Chromium, Squid).
    CPU time is what a loaded machine distorts least."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall, code, err = run_cli(base, tree, extra)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if code not in (0, 1):
        print(f"  exit {code}: {err.strip()[-400:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--tree", type=Path, action="append", help="checkout to run (repeatable; default this one)")
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--pages", type=int, help="instead: one run of this many sample-site pages, with --profile")
    args = ap.parse_args()
    trees = args.tree or [ROOT]
    for tree in trees:
        compile_tree(tree)
    print(load_line("start"))
    server, base = sample_site.serve()
    try:
        if args.pages:
            paths = (list(sample_site.truth()["pages"]) * 2)[:args.pages]
            for tree in trees:
                secs, code, err = run_cli(base, tree, ["--profile"], paths)
                print(f"{args.pages} pages, {tree}: {secs:.1f} s, exit {code}\n{err[err.find('各阶段用时'):]}")
            return
        for tree in trees:
            run_cli(base, tree)  # warm the OS file cache and Chromium's files; create the tree's database
        for label, extra in (("defaults", []), ("--no-a11y --elderly off --no-ocr", LEAN)):
            secs: dict[Path, list[float]] = {t: [] for t in trees}
            cpus: dict[Path, list[float]] = {t: [] for t in trees}
            for _ in range(args.runs):
                for tree in trees:  # alternating, so the machine's drift favours no tree
                    if args.profile:
                        s, code, err = run_cli(base, tree, extra + ["--profile"])
                        print(f"{label}, {tree}: {s:.2f} s\n{err[err.find('各阶段用时'):]}")
                        c = float("nan")
                    else:
                        s, c = run_cli_cpu(base, tree, extra)
                    secs[tree].append(s)
                    cpus[tree].append(c)
            for tree in trees:
                print(f"{label:34} {str(tree):32} wall median {statistics.median(secs[tree]):6.2f} s, "
                      f"CPU median {statistics.median(cpus[tree]):6.2f} s  (wall {[round(x, 2) for x in secs[tree]]})")
    finally:
        server.shutdown()
        print(load_line("end"))


if __name__ == "__main__":
    main()
