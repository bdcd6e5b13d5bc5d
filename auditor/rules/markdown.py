"""docs/rules.md's rule tables, generated from the rules' declarations (``govaudit rules --markdown``).

The file keeps its hand-written prose; each table sits between two markers, ``<!-- rules:begin SECTION -->`` and
``<!-- rules:end SECTION -->``, and is replaced whole by ``write_sections``. A section with rules but no markers
yet is appended at the end of the file, so a new kind of rule (the site rules) is never left out.
"""
from __future__ import annotations

import re

from auditor.rules.meta import PAGE_KINDS, RuleMeta

SECTION_TITLES = {"page": "Page rules", "a11y": "无障碍 / 适老化 rules", "site": "Site rules"}
_HEADER = ("| rule | 指标 (indicator) | 19号 | on | what it judges | 如何整改 (fix) |\n"
           "|---|---|---|---|---|---|")
_KIND_ORDER = ("home", "column", "article", "other")


def _cell(text: str) -> str:
    """A table cell: pipes escaped, no line breaks."""
    return text.replace("|", "\\|").replace("<", "&lt;").replace("\n", " ").strip() or "—"


def _on(meta: RuleMeta) -> str:
    if meta.scope == "site":
        return "site"
    if meta.kinds == PAGE_KINDS:
        return "every page"
    return ", ".join(k for k in _KIND_ORDER if k in meta.kinds) + " pages"


def _row(meta: RuleMeta) -> str:
    ids = " ".join(f"`{i}`" for i in (meta.id, *meta.extra_ids))
    key = f"{meta.key} ({meta.group})" if meta.key else "—"
    fix = meta.fix + ("（非网站可整改）" if not meta.fixable else "")
    return f"| {ids} | {_cell(meta.indicator)} | {key} | {_on(meta)} | {_cell(meta.description)} | {_cell(fix)} |"


def table(metas: list[RuleMeta]) -> str:
    """One markdown table of the rules, in the order given."""
    return "\n".join([_HEADER, *(_row(m) for m in metas)])


def sections(groups: dict[str, list[RuleMeta]]) -> dict[str, str]:
    """The generated table of each non-empty section."""
    return {name: table(metas) for name, metas in groups.items() if metas}


def _markers(name: str) -> tuple[str, str]:
    return f"<!-- rules:begin {name} -->", f"<!-- rules:end {name} -->"


def _pattern(name: str) -> re.Pattern[str]:
    begin, end = _markers(name)
    return re.compile(re.escape(begin) + r"\n(.*?)\n?" + re.escape(end), re.S)


def stale_sections(doc: str, generated: dict[str, str]) -> list[str]:
    """The sections whose text in ``doc`` differs from the generated one (or that have no markers in it)."""
    out = []
    for name, text in generated.items():
        m = _pattern(name).search(doc)
        if m is None or m.group(1).strip() != text.strip():
            out.append(name)
    return out


def write_sections(doc: str, generated: dict[str, str]) -> str:
    """``doc`` with each section's table replaced by the generated one; a section without markers is appended."""
    for name, text in generated.items():
        begin, end = _markers(name)
        block = f"{begin}\n{text}\n{end}"
        pat = _pattern(name)
        if pat.search(doc):
            doc = pat.sub(lambda _m: block, doc, count=1)
        else:
            doc = doc.rstrip("\n") + f"\n\n## {SECTION_TITLES.get(name, name)} (generated)\n\n{block}\n"
    return doc
