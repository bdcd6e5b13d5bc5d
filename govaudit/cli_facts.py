"""govaudit facts URL --json F: save what the browser gathered for a page (a snapshot, auditor/facts_io.py).

The page is audited as usual, in a throw-away database and evidence folder, and its facts are written out: the
probe, failed and pending requests, mixed content, entry results and header OCR. The file is what the fast rule
tests run on, and what a user attaches to a bug report; the verdicts it gives are printed too.
"""
from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from typing import Any, Callable

from auditor import facts_io
from auditor.models import STATUS_ZH, SiteProfile
from auditor.netpolicy import TargetRefused, normalise_url


def cmd_facts(args: argparse.Namespace) -> int:
    from govaudit.cli import EXIT_BAD_INPUT, EXIT_OK, _err, _settings
    from auditor.store import Store
    from workers.inprocess import run_pages

    try:
        url = normalise_url(args.url)
    except TargetRefused as exc:
        _err(str(exc))
        return EXIT_BAD_INPUT
    site = SiteProfile(args.site_name or "", args.site_code)
    caught: list[Any] = []
    with tempfile.TemporaryDirectory(prefix="govaudit-facts-") as tmp:
        settings = _settings(args).replace(database_url=f"sqlite:///{tmp}/facts.db", evidence_dir=f"{tmp}/evidence")
        store = Store(settings.database_url)
        store.upgrade()
        asyncio.run(run_pages(settings, store, [url], site, progress=lambda d, t, out: caught.append(out)))
        services = store.run_services(1) or {}
    out = caught[0] if caught else None
    if out is None or out.facts is None:
        _err(f"页面未能完成检查：{out.error if out else '未知原因'}")
        return EXIT_BAD_INPUT
    out.facts.services = services
    doc = facts_io.dump(out.facts, site, out.kind or "other", url=url, user_agent=settings.user_agent)
    path = facts_io.write(args.json, doc)
    for c in out.checks:
        print(f"{c.rule:24} {STATUS_ZH[c.status]:6} {c.message}")
    print(f"页面事实已写入：{path.resolve()}", file=sys.stderr)
    return EXIT_OK


def add_facts_command(sub: Any, common: Callable[[argparse.ArgumentParser], None],
                      browser_options: Callable[[argparse.ArgumentParser], None]) -> None:
    f = sub.add_parser("facts", help="保存浏览器为一个页面收集到的事实（JSON 快照，可附在问题报告中）")
    f.add_argument("url", metavar="URL")
    f.add_argument("--json", required=True, metavar="FILE", help="写出的快照文件（以 .gz 结尾则压缩）")
    f.add_argument("--site-name", help="网站名称（头部网站名称检查用）")
    f.add_argument("--site-code", help="网站标识码")
    browser_options(f)
    common(f)
    f.set_defaults(func=cmd_facts)


