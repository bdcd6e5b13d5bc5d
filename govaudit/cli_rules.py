"""govaudit rules [--markdown [--write]] [--json]: the rule catalog (every rule's declaration, auditor.rules.catalog).

``--markdown`` prints docs/rules.md's generated tables; ``--write`` puts them into docs/rules.md between their
markers (the hand-written prose around them stays). A fast test fails when the file is stale.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path
from typing import Any, Callable


RULES_MD = Path(__file__).resolve().parents[1] / "docs" / "rules.md"


def _plain(meta: Any) -> dict[str, Any]:
    d = dataclasses.asdict(meta)
    d["kinds"] = sorted(d["kinds"])
    return d


def cmd_rules(args: argparse.Namespace) -> int:
    # Imported here: every other command's parser is built with this one, and the rules load in a tenth of a second.
    from auditor.rules import catalog, catalog_sections
    from auditor.rules.markdown import SECTION_TITLES, sections, write_sections

    if args.write and not args.markdown:
        print("错误：--write 需与 --markdown 一起使用", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps([_plain(m) for m in catalog()], ensure_ascii=False, indent=2))
        return 0
    if args.markdown:
        generated = sections(catalog_sections())
        if args.write:
            path = Path(args.file)
            path.write_text(write_sections(path.read_text(encoding="utf-8"), generated), encoding="utf-8")
            print(f"已更新 {path}")
            return 0
        for name, text in generated.items():
            print(f"## {SECTION_TITLES.get(name, name)}\n\n{text}\n")
        return 0
    for m in catalog():
        key = f"{m.key}" if m.key else "—"
        print(f"{m.id:<24} {key:<6} {m.indicator}")
    return 0


def add_rules_command(sub: Any, common: Callable[[argparse.ArgumentParser], None] | None = None) -> None:
    r = sub.add_parser("rules", help="列出全部检查规则（规则声明）；--markdown 生成 docs/rules.md 的规则表")
    r.add_argument("--markdown", action="store_true", help="输出 docs/rules.md 的规则表（Markdown）")
    r.add_argument("--write", action="store_true", help="与 --markdown 一起：写入 docs/rules.md 的标记之间")
    r.add_argument("--file", default=str(RULES_MD), help=argparse.SUPPRESS)
    r.add_argument("--json", action="store_true", help="以 JSON 输出规则声明")
    r.set_defaults(func=cmd_rules)
