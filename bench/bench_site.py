"""Whole-site benchmark: `govaudit audit-site` (real Chromium page audits + HTTP link checks) on the big local
site (221 pages, ~2,400 distinct links), side by side in one run with LinkChecker on the same site.

    .venv/bin/pip install LinkChecker        # benchmark-only tool
    .venv/bin/python bench/bench_site.py

Prints pages/min of the browser audit, links/s of the link-check stage, LinkChecker's links/s (whole run and
without its start-up), their ratio (target >= 3x) and whether both found the same broken set (and whether it
is the ground truth of tests/linksite.py). Only 127.0.0.1 is contacted.
"""
from __future__ import annotations

import asyncio
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from auditor.config import Settings  # noqa: E402
from auditor.models import SiteProfile  # noqa: E402
from auditor.store import Store  # noqa: E402
from bench.bench_links import run_linkchecker, serve  # noqa: E402
from tests.linksite import big_site_links, expected_broken  # noqa: E402
from workers.siterun import run_site  # noqa: E402

HOST = "www.bigsite.gov.cn"


def site_audit(port: int) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="govaudit-bench-site-"))
    s = Settings(database_url=f"sqlite:///{tmp}/b.db", evidence_dir=str(tmp / "ev"), allow_private=True,
                 isolate_network=True, host_map={HOST: f"127.0.0.1:{port}"}, max_pages=221, per_template=100_000,
                 crawl_delay=0.0, concurrency=2, per_host=2)
    store = Store(s.database_url)
    store.upgrade()
    marks: dict[str, float] = {}

    def progress(stage: str, done: int, total: int, msg: str) -> None:
        if stage == "links" and done == 0:
            marks["links_start"] = time.perf_counter()
        if stage == "links" and done == total and done:
            marks["links_end"] = time.perf_counter()
        if stage == "evidence":
            marks["evidence_end"] = time.perf_counter()

    t0 = time.perf_counter()
    run_id = asyncio.run(run_site(s, store, f"http://{HOST}/big/index.html", SiteProfile("示范市人民政府"),
                                  progress=progress))
    wall = time.perf_counter() - t0
    run = store.run_with_pages(run_id)
    broken = {f"http://127.0.0.1:{port}" + link.url.split(HOST, 1)[1] for link in run.links if link.klass == "broken"}
    return {"pages": len(run.pages), "page_errors": sum(1 for p in run.pages if p.error_kind),
            "crawl_s": marks["links_start"] - t0, "links": len(run.links),
            "links_s": marks["links_end"] - marks["links_start"], "wall": wall, "broken": broken,
            "evidence_s": marks.get("evidence_end", marks["links_end"]) - marks["links_end"],
            "pages_with_broken": sum(1 for p in run.pages for c in p.checks if c.rule == "links.availability")}


def main() -> None:
    proc, port = serve()
    base = f"http://127.0.0.1:{port}"
    truth = expected_broken(base)
    try:
        audit = site_audit(port)
        n_lc, wall_lc, startup_lc, broken_lc = run_linkchecker(base)
    finally:
        proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    lc_rate = n_lc / wall_lc
    lc_net = n_lc / max(1e-9, wall_lc - startup_lc)
    ours = audit["links"] / audit["links_s"]
    print(f"\nbig site: {len(big_site_links())} distinct links, {len(truth)} broken (ground truth)\n")
    print(f"govaudit audit-site: {audit['pages']} pages audited in Chromium in {audit['crawl_s']:.1f} s "
          f"= {audit['pages'] / audit['crawl_s'] * 60:.0f} pages/min ({audit['page_errors']} page errors)")
    print(f"  link checks (HTTP): {audit['links']} links in {audit['links_s']:.2f} s = {ours:.0f} links/s")
    print(f"  evidence for broken links: {audit['pages_with_broken']} pages (crops + HTTP exchange) in "
          f"{audit['evidence_s']:.1f} s; whole run {audit['wall']:.1f} s")
    print(f"linkchecker: {n_lc} links in {wall_lc:.2f} s = {lc_rate:.0f} links/s "
          f"({lc_net:.0f} links/s without its {startup_lc:.2f} s start-up)")
    print(f"ratio links/s govaudit / linkchecker: {ours / lc_rate:.1f}x (vs without start-up {ours / lc_net:.1f}x); "
          "target >= 3x")
    print(f"broken sets: govaudit {'=' if audit['broken'] == broken_lc else '!='} linkchecker; "
          f"govaudit {'=' if audit['broken'] == truth else '!='} ground truth "
          f"(+{len(audit['broken'] - truth)} -{len(truth - audit['broken'])})")


if __name__ == "__main__":
    main()
