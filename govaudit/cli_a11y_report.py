"""govaudit a11y-report RUN --standard gbt37668|wcag21aa|wcag22aa|elderly --format html|docx|json [--out FILE]:
the 无障碍评测报告 of a stored run, one result per criterion (auditor/conformance)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Callable



def cmd_a11y_report(args: argparse.Namespace) -> int:
    # Imported here, not at the top: every other command (``govaudit audit``) starts faster without them.
    from auditor.conformance.render import FORMATS, render_report
    from auditor.conformance.standards import STANDARD_KEYS
    from govaudit.cli import EXIT_BAD_INPUT, EXIT_OK, _err, _settings
    from auditor.store.conformance import RunNotFound, evaluate_run
    from auditor.store import Store

    if args.standard not in STANDARD_KEYS:
        _err(f"未知的评测标准：{args.standard}（可选 {' / '.join(STANDARD_KEYS)}）")
        return EXIT_BAD_INPUT
    if args.format not in FORMATS:
        _err(f"未知的报告格式：{args.format}（可选 {' / '.join(FORMATS)}）")
        return EXIT_BAD_INPUT
    try:
        run_id = int(args.run)
    except ValueError:
        _err(f"检查批次编号必须是数字：{args.run}")
        return EXIT_BAD_INPUT
    settings = _settings(args)
    store = Store(settings.database_url)
    store.upgrade()
    try:
        ev = evaluate_run(store, run_id, args.standard, max_examples=args.examples, all_pages=args.all_pages)
    except RunNotFound as exc:
        _err(str(exc))
        return EXIT_BAD_INPUT
    data = render_report(ev, args.format, settings.evidence_dir)
    if args.out in (None, "-"):
        if args.format == "docx":
            _err("DOCX 报告请用 --out 指定文件")
            return EXIT_BAD_INPUT
        sys.stdout.write(data.decode("utf-8"))
        return EXIT_OK
    out = Path(args.out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
    except OSError as exc:
        _err(f"无法写入报告文件 {out}：{exc.strerror or exc}")
        return EXIT_BAD_INPUT
    counts = ev.conformance.counts()
    from auditor.conformance.model import OUTCOME_ZH

    print("，".join(f"{OUTCOME_ZH[o]} {counts.get(o, 0)}" for o in OUTCOME_ZH), file=sys.stderr)
    print(f"评测报告已写入：{out.resolve()}", file=sys.stderr)
    return EXIT_OK


def add_a11y_report_command(sub: Any, common: Callable[[argparse.ArgumentParser], None]) -> None:
    r = sub.add_parser("a11y-report", help="无障碍评测报告：按准则逐项给出结论（WCAG-EM / GB/T 37668 / 适老化）")
    r.add_argument("run", metavar="RUN", help="检查批次编号")
    r.add_argument("--standard", default="gbt37668", metavar="STD",
                   help="评测标准：gbt37668（默认）| wcag21aa | wcag22aa | elderly（适老化）")
    r.add_argument("--format", default="html", metavar="FMT", help="报告格式：html（默认）| docx | json")
    r.add_argument("--out", metavar="FILE", help="写出的文件（默认输出到终端；docx 必须指定）")
    r.add_argument("--examples", type=int, default=3, help="每项准则最多列出的示例（含截图），默认 3")
    r.add_argument("--all-pages", action="store_true",
                   help="整站抽查时全部已检查页面都计入结论（默认只计 WCAG-EM 样本：结构化样本加随机样本）")
    common(r)
    r.set_defaults(func=cmd_a11y_report)


__all__ = ["add_a11y_report_command", "cmd_a11y_report"]
