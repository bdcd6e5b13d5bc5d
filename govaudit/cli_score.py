"""govaudit score RUN: the 19号 scorecard of a stored run (单项否决, 扣分 by group, 合格/不合格, 待人工核查)."""
from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path
from typing import Any, Callable

from auditor.scoring import Scorecard, TableError, load_table


def card_text(sc: Scorecard) -> str:
    lines = [f"结论：{sc.label}（{sc.reason}）"]
    for v in sc.vetoes:
        lines.append(f"  单项否决 {v.indicator} {v.name}：{', '.join(v.findings[:5])}")
    if sc.scored:
        lines.append(f"扣分指标得分：{sc.deduct_score:g}" + (f"  加分：{sc.bonus:g}  总分：{sc.total:g}" if sc.bonus else ""))
    for g in sc.groups:
        lines.append(f"  {g.name}（满分 {g.max:g}）：扣 {g.deducted:g}，得 {g.score:g}")
        for d in g.deductions:
            note = "（分值未经核实，为占位值）" if d.confidence == "placeholder" else ""
            red = "".join(f"；核减 {r.points:g}：{r.reason}" for r in d.reduced)
            lines.append(f"    {d.indicator} {d.name}：扣 {d.points:g}{note}，{d.count} 处（{', '.join(d.findings[:5])}）{red}")
    if sc.pending:
        lines.append(f"待人工核查 {len(sc.pending)} 项（得分为暂定）：")
        for p in sc.pending:
            refs = f"（{', '.join(p.findings[:5])}）" if p.findings else ""
            lines.append(f"  {p.indicator} {p.name}：{p.why}{refs}")
    return "\n".join(lines)


def cmd_score(args: argparse.Namespace) -> int:
    from govaudit.cli import EXIT_BAD_INPUT, EXIT_OK, _err, _settings
    from auditor.store.scorecard import score_run
    from auditor.store import Store

    try:
        table = load_table(*(args.scoring or []))
    except TableError as exc:
        _err(str(exc))
        return EXIT_BAD_INPUT
    settings = _settings(args)
    store = Store(settings.database_url)
    store.upgrade()
    from auditor.store.models import Run

    with store.session() as s:
        if s.get(Run, args.run) is None:
            _err(f"没有编号为 {args.run} 的检查批次")
            return EXIT_BAD_INPUT
    sc = score_run(store, args.run, table, service_functions=not args.no_service_functions,
                   site_type=args.site_type)
    print(card_text(sc))
    if args.json:
        Path(args.json).write_text(json.dumps(dataclasses.asdict(sc), ensure_ascii=False, indent=2),
                                   encoding="utf-8")
    return EXIT_OK


def _run_id(raw: str) -> int:
    if not raw.isascii() or not raw.isdigit() or not 0 < int(raw) < 2 ** 63:
        raise argparse.ArgumentTypeError(f"批次编号应为正整数：{raw}")
    return int(raw)


def add_score_command(sub: Any, common: Callable[[argparse.ArgumentParser], None]) -> None:
    sc = sub.add_parser("score", help="按国办秘函〔2019〕19号计分：单项否决、扣分、合格/不合格、待人工核查")
    sc.add_argument("run", type=_run_id, metavar="RUN", help="检查批次编号")
    sc.add_argument("--scoring", action="append", metavar="FILE", help="本省评分文件（覆盖分值，可多次给出）")
    sc.add_argument("--site-type", help="网站类型（门户网站可加分；默认取网站清单）")
    sc.add_argument("--no-service-functions", action="store_true", help="无对外服务职能的国务院部门（按75分×4/3）")
    sc.add_argument("--json", metavar="FILE", help="写出计分结果 JSON")
    common(sc)
    sc.set_defaults(func=cmd_score)
