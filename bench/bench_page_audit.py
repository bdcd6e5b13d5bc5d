"""Benchmark: the full page audit vs the floor (load + full-page screenshot), side by side in one run.

    .venv/bin/python bench/bench_page_audit.py [--pages N] [--concurrency C]

Both passes use the same Chromium build and the same sample-site pages served locally. The floor opens each
page in a fresh context, waits for load and takes the full-page screenshot; the full audit adds the probe,
page-kind, rules, OCR where the DOM cannot prove the header name, evidence crops and the database writes.
Prints per-page times (sequential), their ratio (target <= 1.5), pages/min at the given concurrency
(target >= 60 on 2 cores) and the peak RSS of the whole process tree (Python + driver + Chromium).
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from auditor import sample_site  # noqa: E402
from auditor.config import Settings  # noqa: E402
from auditor.models import SiteProfile  # noqa: E402
from auditor.store import Store  # noqa: E402
from browsers import standins  # noqa: E402
from browsers.screenshot import full_page_png  # noqa: E402
from browsers.launch import launch_chromium  # noqa: E402
from workers.inprocess import run_pages  # noqa: E402


class PeakRSS:
    """Samples the RSS of this process and all its descendants every 50 ms."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for p in [me] + me.children(recursive=True):
                try:
                    total += p.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            time.sleep(0.05)

    def __enter__(self) -> "PeakRSS":
        self._t.start()
        return self

    def __exit__(self, *a: object) -> None:
        self._stop.set()
        self._t.join()


async def floor_pass(settings: Settings, urls: list[str], concurrency: int) -> tuple[list[float], float]:
    from playwright.async_api import async_playwright

    times: list[float] = []
    async with async_playwright() as p:
        browser = await launch_chromium(p, settings.host_map, isolate=True)
        sem = asyncio.Semaphore(concurrency)

        async def one(url: str) -> None:
            async with sem:
                t0 = time.perf_counter()
                ctx = await browser.new_context(viewport={"width": settings.viewport_width,
                                                          "height": settings.viewport_height},
                                                user_agent=settings.user_agent)
                await standins.install(ctx)
                page = await ctx.new_page()
                await page.goto(url, wait_until="load")
                cdp = await ctx.new_cdp_session(page)
                await full_page_png(page, cdp, settings.max_screenshot_height)  # as the audit draws it
                await ctx.close()
                times.append(time.perf_counter() - t0)

        t0 = time.perf_counter()
        await asyncio.gather(*(one(u) for u in urls))
        wall = time.perf_counter() - t0
        await browser.close()
    return times, wall


def full_pass(settings: Settings, urls: list[str], site: SiteProfile) -> tuple[list[float], float]:
    store = Store(settings.database_url)
    store.upgrade()
    times: list[float] = []
    t0 = time.perf_counter()
    asyncio.run(run_pages(settings, store, urls, site, progress=lambda d, n, o: times.append(o.seconds)))
    return times, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=99)
    ap.add_argument("--concurrency", type=int, default=2)
    args = ap.parse_args()
    server, base = sample_site.serve()
    truth = sample_site.truth()
    host = truth["site"]["host"]
    paths = list(truth["pages"])[: args.pages]
    urls = [f"http://{host}{p}" for p in paths]
    site = SiteProfile(truth["site"]["name"], truth["site"]["code"])
    tmp = Path(tempfile.mkdtemp(prefix="govaudit-bench-"))

    def cfg(name: str, conc: int) -> Settings:
        return Settings(database_url=f"sqlite:///{tmp}/{name}.db", evidence_dir=str(tmp / name),
                        host_map={host: f"127.0.0.1:{base.rsplit(':', 1)[1]}"}, isolate_network=True,
                        standins=True, allow_private=True, concurrency=conc)

    # Warm-up over every page (server file cache, first browser start, OCR model load) so neither side pays
    # it in the figures; then the sequential passes alternate floor / full / floor and the floor is the mean
    # of its two passes, so drift in the machine's load does not favour either side.
    asyncio.run(floor_pass(cfg("warm", 2), urls, 2))
    full_pass(cfg("warm-full", 2), urls[:5], site)

    f1, _ = asyncio.run(floor_pass(cfg("floor", 1), urls, 1))
    a_seq, _ = full_pass(cfg("full-seq", 1), urls, site)
    f2, _ = asyncio.run(floor_pass(cfg("floor-b", 1), urls, 1))
    f_seq = [(a + b) / 2 for a, b in zip(f1, f2)]
    with PeakRSS() as rss_floor:
        _, f_wall = asyncio.run(floor_pass(cfg("floor2", args.concurrency), urls, args.concurrency))
    with PeakRSS() as rss_full:
        _, a_wall = full_pass(cfg("full-par", args.concurrency), urls, site)
    server.shutdown()

    fm, am = statistics.mean(f_seq), statistics.mean(a_seq)
    print(f"pages: {len(urls)}  cores: {psutil.cpu_count()}  concurrency: {args.concurrency}")
    print(f"{'':34}{'floor (load+shot)':>20}{'full audit':>14}{'ratio':>8}")
    print(f"{'per-page mean, sequential (s)':34}{fm:>20.3f}{am:>14.3f}{am / fm:>8.2f}")
    print(f"{'per-page median, sequential (s)':34}{statistics.median(f_seq):>20.3f}"
          f"{statistics.median(a_seq):>14.3f}{statistics.median(a_seq) / statistics.median(f_seq):>8.2f}")
    print(f"{'pages/min at concurrency':34}{len(urls) / f_wall * 60:>20.1f}{len(urls) / a_wall * 60:>14.1f}"
          f"{(len(urls) / a_wall) / (len(urls) / f_wall):>8.2f}")
    print(f"{'peak RSS, process tree (MB)':34}{rss_floor.peak / 2**20:>20.0f}{rss_full.peak / 2**20:>14.0f}"
          f"{rss_full.peak / max(rss_floor.peak, 1):>8.2f}")
    print("targets: ratio <= 1.5, >= 60 pages/min")


if __name__ == "__main__":
    main()
