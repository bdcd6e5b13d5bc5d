"""Shared logic of the 网页标签 rules: required meta tags present and non-empty."""
from __future__ import annotations

import html

from auditor.models import EvidenceRef, PageFacts


def required(facts: PageFacts, names: list[str]) -> tuple[dict[str, str], list[str]]:
    metas = facts.metas()
    found = {n: metas[n.lower()] for n in names if metas.get(n.lower())}
    missing = [n for n in names if n not in found]
    return found, missing


def meta_evidence(found: dict[str, str], note: str) -> EvidenceRef:
    snippet = "\n".join(f'<meta name="{n}" content="{html.escape(v, quote=True)}">' for n, v in found.items())
    return EvidenceRef(note=note, html=snippet or None, text=snippet or None, kind="meta")
