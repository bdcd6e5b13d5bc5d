"""``govaudit ipv6`` wall time on the dual-stack site of the IPv6 lab (tests/netns.py: network namespaces under
fd42::/16, needs root), run inside the lab's client namespace as the netns test runs it.

    .venv/bin/python bench/bench_ipv6.py [--runs N] [--tree PATH ...]

``--tree`` runs another checkout's command line (e.g. the code before a change) in the same lab, alternating,
so the figures compare side by side. Prints n/a when the lab cannot be built (no root). Prints the load.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bytecode import compile_tree  # noqa: E402
from bench.load import load_line  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def time_ipv6(lab: object, tree: Path) -> tuple[float, int]:
    tmp = Path(tempfile.mkdtemp(prefix="govaudit-bench-v6-"))
    tmp.chmod(0o777)
    # -P: the working directory (the lab runs commands in this checkout) must not shadow PYTHONPATH
    cmd = ["env", f"PYTHONPATH={tree}", sys.executable, "-P", "-m", "govaudit", "ipv6",
           "http://dual.lab6.gov.cn/", "--no-ocr", "--max-pages", "10", "--json", str(tmp / "v6.json"),
           "--database-url", f"sqlite:///{tmp}/g.db", "--evidence-dir", str(tmp / "ev")]
    t0 = time.perf_counter()
    res = lab.run_client(cmd, timeout=300)  # type: ignore[attr-defined]
    return time.perf_counter() - t0, res.returncode


def measure(trees: list[Path], runs: int) -> dict[Path, list[float]] | None:
    """Seconds per run of each tree (alternating), or None when the lab cannot be built."""
    from tests.netns import Lab, LabUnavailable

    lab = Lab()
    try:
        lab.start()
    except LabUnavailable as exc:
        print(f"IPv6 lab unavailable ({exc}): n/a")
        return None
    out: dict[Path, list[float]] = {t: [] for t in trees}
    for tree in trees:
        compile_tree(tree)
    try:
        for _ in range(runs):
            for tree in trees:
                secs, code = time_ipv6(lab, tree)
                if code not in (0, 1):
                    print(f"  {tree}: exit {code}")
                out[tree].append(secs)
    finally:
        lab.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--tree", type=Path, action="append")
    args = ap.parse_args()
    print(load_line("start"))
    got = measure(args.tree or [ROOT], args.runs)
    for tree, secs in (got or {}).items():
        print(f"govaudit ipv6, 4-page dual-stack lab site  {str(tree):40} median {statistics.median(secs):6.2f} s  "
              f"runs {[round(s, 2) for s in secs]}")
    print(load_line("end"))


if __name__ == "__main__":
    main()
