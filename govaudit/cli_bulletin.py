"""govaudit report --quarter 2026Q4 --format docx|xlsx|html: the quarter's 通报 draft."""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, Callable


def cmd_report(args: argparse.Namespace) -> int:
    from auditor.bulletin import BulletinError, Quarter, build_bulletin, write_docx, write_html, write_xlsx
    from govaudit.cli import EXIT_BAD_INPUT, EXIT_OK, _err, _settings
    from auditor.quarter import QuarterError
    from auditor.scoring import TableError, load_table
    from auditor.store import Store

    try:
        quarter = Quarter.parse(args.quarter)
        table = load_table(*(args.scoring or []))
    except (QuarterError, TableError) as exc:
        _err(str(exc))
        return EXIT_BAD_INPUT
    settings = _settings(args)
    store = Store(settings.database_url)
    store.upgrade()
    try:
        b = build_bulletin(store, quarter, table)
    except BulletinError as exc:
        _err(str(exc))
        return EXIT_BAD_INPUT
    out = Path(args.out or f"通报-{quarter}.{args.format}")
    if args.format == "docx":
        write_docx(b, out, settings.evidence_dir)
    elif args.format == "xlsx":
        write_xlsx(b, out)
    else:
        write_html(b, out)
    failed = sum(1 for s in b.sites if s.card.verdict == "不合格")
    print(f"{quarter.label}：检查 {len(b.sites)} 个网站，不合格 {failed} 个；通报草稿：{out.resolve()}")
    return EXIT_OK


def add_report_command(sub: Any, common: Callable[[argparse.ArgumentParser], None]) -> None:
    r = sub.add_parser("report", help="生成季度检查情况通报草稿（DOCX、XLSX 或 HTML）")
    r.add_argument("--quarter", required=True, help="季度，如 2026Q4")
    r.add_argument("--format", choices=["docx", "xlsx", "html"], default="docx")
    r.add_argument("--out", help="输出文件（默认 通报-2026Q4.docx）")
    r.add_argument("--scoring", action="append", metavar="FILE", help="本省评分文件")
    common(r)
    r.set_defaults(func=cmd_report)
