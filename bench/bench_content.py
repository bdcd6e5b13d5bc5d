"""Benchmark: the cost of the content rules (content.wording, content.pii) and of attachment parsing, against
the page audit without them, side by side in one run.

    .venv/bin/python bench/bench_content.py [--pages N] [--paragraphs P]

Generated 公示 pages (P paragraphs of Chinese text with phone and ID numbers, a table of people) served locally,
each linking to its own XLSX and DOCX. Three sequential passes over the same pages in one Chromium:
  A. the page audit without the content rules and without attachments (the baseline);
  B. with both content rules on the page text (attachments off);
  C. with both rules and the attachments (fetched, parsed in the limited child process).
Prints seconds per page for each pass and the ratios B/A and C/A, the rules' own CPU time per page (pure
functions over the gathered facts) and the parse time per attachment.
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from auditor import rules as rules_mod  # noqa: E402
from auditor.config import Settings  # noqa: E402
from auditor.models import SiteProfile  # noqa: E402
from auditor.rules import content_pii, content_wording  # noqa: E402
from auditor.store import Store  # noqa: E402
from browsers.attachments import parse_file  # noqa: E402
from tests import content_files as cf  # noqa: E402
from tests.servers import host_static_server  # noqa: E402
from workers.inprocess import run_pages  # noqa: E402

HOST = "www.bench-content.gov.cn"
SENTENCES = ["根据《中华人民共和国政府信息公开条例》，现将有关情况公示如下。",
             "深入学习贯彻习近平新时代中国特色社会主义思想，扎实开展党史学习教育。",
             "截至目前，全市共部署检查组12个，覆盖各乡镇街道。",
             "咨询电话：0731-88886666，监督电话：13907310000。",
             "联系人：王老师 13800001111，地址：示范路1号。"]


def build_site(root: Path, pages: int, paragraphs: int) -> None:
    files = root / "files"
    files.mkdir(parents=True)
    cf.xlsx_people(files / "list.xlsx")
    cf.docx_people(files / "notice.docx")
    for i in range(pages):  # distinct files per page: the run's attachment cache must not hide the cost
        (files / f"list{i}.xlsx").write_bytes((files / "list.xlsx").read_bytes())
        (files / f"notice{i}.docx").write_bytes((files / "notice.docx").read_bytes())
        body = "".join(f"<p>{SENTENCES[(i + j) % len(SENTENCES)]}</p>" for j in range(paragraphs))
        rows = "".join(f"<tr><td>张伟{k}</td><td>138****{1000 + k}</td></tr>" for k in range(20))
        (root / f"p{i}.html").write_text(
            f"<!doctype html><html><head><meta charset='utf-8'><title>公示{i}</title></head><body>"
            f"<div class='header'><h1>示范市人民政府</h1></div><div class='content'>{body}<table>{rows}</table>"
            f"<p><a href='/files/list{i}.xlsx'>名单</a> <a href='/files/notice{i}.docx'>公示</a></p></div>"
            f"<div class='footer'>主办单位：示范市人民政府办公室 网站标识码：1234567890</div></body></html>",
            encoding="utf-8")


async def one_pass(settings: Settings, urls: list[str]) -> tuple[list[float], list]:
    store = Store(settings.database_url)
    store.upgrade()
    times: list[float] = []
    t0 = time.perf_counter()

    def progress(done: int, total: int, out: object) -> None:
        nonlocal t0
        now = time.perf_counter()
        times.append(now - t0)
        t0 = now
    run_id = await run_pages(settings, store, urls, SiteProfile("示范市人民政府"), progress=progress)
    return times, store.run_with_pages(run_id).pages


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=9)
    ap.add_argument("--paragraphs", type=int, default=300)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "site"
        build_site(root, args.pages, args.paragraphs)
        server, port = host_static_server({HOST: root})
        urls = [f"http://{HOST}/p{i}.html" for i in range(args.pages)]
        base = Settings(database_url=f"sqlite:///{tmp}/b.db", evidence_dir=f"{tmp}/ev", allow_private=True,
                        isolate_network=True, standins=True, host_map={HOST: f"127.0.0.1:{port}"}, a11y=False,
                        elderly="off", ocr=False, concurrency=1, crawl_delay=0)
        full_rules = list(rules_mod.RULES)
        without = [r for r in full_rules if not r.id.startswith("content.")]
        a: list[float] = []
        b: list[float] = []
        c: list[float] = []
        try:
            # Passes interleaved over rounds (machine load drifts); each pass's first page carries the browser
            # start and is not counted.
            for _round in range(args.rounds):
                rules_mod.RULES[:] = without
                t, _ = asyncio.run(one_pass(base.replace(attachments=False), urls))
                a += t[1:]
                rules_mod.RULES[:] = full_rules
                t, _ = asyncio.run(one_pass(base.replace(attachments=False), urls))
                b += t[1:]
                t, pages = asyncio.run(one_pass(base.replace(attachments=True), urls))
                c += t[1:]
        finally:
            rules_mod.RULES[:] = full_rules
            server.shutdown()
        statuses = {ch.rule: ch.status for ch in pages[0].checks if ch.rule.startswith("content.")}
        # the rules alone, over facts gathered once (pure CPU)
        from tests.test_content_rules import facts

        text = [s for j in range(args.paragraphs) for s in [SENTENCES[j % len(SENTENCES)]]]
        f = facts(text + [f"张伟{k} 138****{1000 + k}" for k in range(20)])
        content_wording.use(())
        n = 20
        t = time.perf_counter()
        for _ in range(n):
            content_wording.check(f, SiteProfile("示范市人民政府"))
        w_ms = (time.perf_counter() - t) / n * 1000
        t = time.perf_counter()
        for _ in range(n):
            content_pii.check(f, SiteProfile("示范市人民政府"))
        p_ms = (time.perf_counter() - t) / n * 1000
        parse = []
        for name, ext in (("list.xlsx", ".xlsx"), ("notice.docx", ".docx")):
            t = time.perf_counter()
            parse_file(root / "files" / name, ext)
            parse.append(time.perf_counter() - t)
    ma, mb, mc = statistics.median(a), statistics.median(b), statistics.median(c)
    chars = sum(len(s) for s in text)
    print(f"medians over {len(a)} pages per pass ({args.rounds} interleaved rounds)")
    print(f"pages: {args.pages}, {args.paragraphs} paragraphs (~{chars} characters) each, 2 attachments each")
    print(f"A page audit without content rules      {ma:6.2f} s/page")
    print(f"B + content.wording + content.pii        {mb:6.2f} s/page   ratio B/A {mb / ma:5.2f}")
    print(f"C + attachments (fetch + parse)          {mc:6.2f} s/page   ratio C/A {mc / ma:5.2f}")
    print(f"rules alone: content.wording {w_ms:.1f} ms/page, content.pii {p_ms:.1f} ms/page")
    print(f"attachment parse (child process): xlsx {parse[0]:.2f} s, docx {parse[1]:.2f} s")
    print(f"verdicts on page 1 with attachments: {dict((k, v) for k, v in statuses.items())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
