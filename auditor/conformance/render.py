"""The 评测报告 in a format: html (one self-contained page), docx (Word), json (WCAG-EM Report Tool)."""
from __future__ import annotations

import json
from pathlib import Path

from auditor.conformance.evaluation import Evaluation

FORMATS = ("html", "docx", "json")


def render_report(ev: Evaluation, fmt: str, evidence_dir: str | Path) -> bytes:
    """The report of an Evaluation in a format, as bytes (ValueError for an unknown format)."""
    if fmt == "json":
        from auditor.conformance.earl import document

        return json.dumps(document(ev), ensure_ascii=False, indent=1, default=str).encode("utf-8")
    if fmt == "docx":
        from auditor.conformance.word import render

        return render(ev, evidence_dir)
    if fmt == "html":
        from auditor.conformance.html import render as render_html

        return render_html(ev, evidence_dir).encode("utf-8")
    raise ValueError(f"未知的报告格式：{fmt}（可选 {' / '.join(FORMATS)}）")


__all__ = ["FORMATS", "render_report"]
