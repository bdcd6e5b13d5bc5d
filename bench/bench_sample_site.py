"""Site audit of the bundled sample site (示范市人民政府): wall time of `run_site`, of what follows the page audits,
and of the two site-check families driven in the browser (站内搜索, 互动交流), with them on and off in turn.

    .venv/bin/python bench/bench_sample_site.py [--repeat N]

Each round audits the site with the families off, then on, so both see the same load; prints seconds per audit,
the families' own seconds and the load average (helpers share the machine). Only 127.0.0.1 is contacted.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from auditor import sample_site as ss  # noqa: E402
from auditor.config import Settings  # noqa: E402
from auditor.models import SiteProfile  # noqa: E402
from auditor.store import Store  # noqa: E402
from workers import site_extra  # noqa: E402
from workers.siterun import run_site  # noqa: E402

SPENT: dict[str, float] = {}


def _timed(name: str, fn):  # type: ignore[no-untyped-def]
    async def wrapper(*a, **k):  # type: ignore[no-untyped-def]
        t = time.perf_counter()
        try:
            return await fn(*a, **k)
        finally:
            SPENT[name] = SPENT.get(name, 0.0) + time.perf_counter() - t
    return wrapper


# finish_site calls them through the module, so the wrappers see every call.
site_extra.search_checks = _timed("search", site_extra.search_checks)
site_extra.interaction_checks = _timed("interaction", site_extra.interaction_checks)


def one(base: str, **over: object) -> tuple[float, float, int]:
    tmp = Path(tempfile.mkdtemp(prefix="govaudit-bench-sample-"))
    port = base.rsplit(":", 1)[1]
    s = Settings(database_url=f"sqlite:///{tmp}/b.db", evidence_dir=str(tmp / "ev"), allow_private=True,
                 isolate_network=True, standins=True, host_map={ss.SITE["host"]: f"127.0.0.1:{port}"}, **over)
    store = Store(s.database_url)
    store.upgrade()
    marks: dict[str, float] = {}

    def progress(stage: str, done: int, total: int, msg: str) -> None:
        if stage == "links" and done == 0:
            marks.setdefault("pages_end", time.perf_counter())

    t0 = time.perf_counter()
    run_id = asyncio.run(run_site(s, store, f"http://{ss.SITE['host']}/index.html",
                                  SiteProfile(ss.SITE["name"], ss.SITE["code"]), today=date(2026, 11, 18),
                                  progress=progress))
    wall = time.perf_counter() - t0
    run = store.run_with_pages(run_id)
    return wall, wall - (marks.get("pages_end", t0) - t0), len(run.pages)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    server, base = ss.serve()
    try:
        for i in range(args.repeat):
            for on in (False, True):
                SPENT.clear()
                load = os.getloadavg()[0]
                wall, after_pages, pages = one(base, site_search=on, interaction=on)
                print(f"round {i + 1}, 站内搜索/互动交流 {'on ' if on else 'off'}: {pages} pages, {wall:.1f} s wall, "
                      f"{after_pages:.1f} s after the page audits (search {SPENT.get('search', 0):.1f} s, "
                      f"interaction {SPENT.get('interaction', 0):.1f} s; load average {load:.1f} before, "
                      f"{os.getloadavg()[0]:.1f} after)", flush=True)
    finally:
        server.shutdown()


if __name__ == "__main__":
    main()
