"""Accessibility (无障碍) facts from axe-core: the compact result both engines produce, and the mapping of
WCAG success criteria to GB/T 37668-2019《信息技术 互联网内容无障碍可访问性技术要求与测试方法》.

GB/T 37668-2019 derives from WCAG 2.0 and keeps its four principles (可感知/可操作/可理解/兼容) and its
guidelines; its clause numbers here (5.<principle>.<guideline>) follow that structure. Criteria added in WCAG
2.1/2.2 have no GB/T 37668-2019 counterpart and say so. See docs/accessibility.md.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# The criteria table is data, shared with the conformance report (auditor/conformance/mapping.json): WCAG 2.x
# success criteria with their Chinese names, levels, the WCAG version that added them and the GB/T 37668-2019
# clause (marked unverified there), the principles and guidelines.
MAPPING_PATH = Path(__file__).parent / "conformance" / "mapping.json"
MAPPING: dict[str, Any] = json.loads(MAPPING_PATH.read_text(encoding="utf-8"))

# number -> (Chinese name, level, WCAG version that added it)
SC: dict[str, tuple[str, str, str]] = {r["sc"]: (r["name"], r["level"], r["version"]) for r in MAPPING["wcag"]}
_GBT_CLAUSE: dict[str, str | None] = {r["sc"]: r.get("gbt37668") for r in MAPPING["wcag"]}

PRINCIPLES: dict[str, str] = dict(MAPPING["principles"])
GUIDELINES: dict[str, str] = dict(MAPPING["guidelines"])

_SC_TAG = re.compile(r"^wcag(\d)(\d)(\d+)$")
FAIL_IMPACTS = frozenset({"critical", "serious"})


def sc_from_tags(tags: list[str]) -> list[str]:
    """WCAG success criteria named by axe's tags ("wcag143" -> "1.4.3"), in order, without repeats."""
    out: list[str] = []
    for t in tags:
        m = _SC_TAG.match(t)
        if m:
            sc = ".".join(m.groups())
            if sc not in out:
                out.append(sc)
    return out


@dataclass(frozen=True)
class GbtIndicator:
    """The GB/T 37668-2019 indicator a WCAG criterion maps to (None where the standard has none)."""
    sc: str
    clause: str | None
    principle: str
    guideline: str
    name: str
    level: str
    wcag_version: str

    @property
    def label(self) -> str:
        if self.clause is None:
            return f"WCAG {self.wcag_version} {self.sc} {self.name}（GB/T 37668-2019 无对应指标）"
        return f"GB/T 37668-2019 {self.clause} {self.guideline} · {self.name}（WCAG {self.sc}）"


def gbt_indicator(sc: str) -> GbtIndicator:
    name, level, version = SC.get(sc, ("", "", "2.x"))
    p, g = sc.split(".")[0], ".".join(sc.split(".")[:2])
    clause = _GBT_CLAUSE.get(sc, f"5.{g}" if version == "2.0" else None)
    return GbtIndicator(sc, clause, PRINCIPLES.get(p, ""), GUIDELINES.get(g, ""), name or sc, level, version)


def _target(t: Any) -> str:
    """axe's node target: a selector, or a list for shadow roots/frames; one string either way."""
    if isinstance(t, list):
        return " >>> ".join(_target(x) for x in t)
    return str(t)


def _compact_rules(items: list[dict[str, Any]], node_cap: int) -> list[dict[str, Any]]:
    out = []
    for v in items or []:
        nodes = [{"target": _target(n.get("target", [])), "html": (n.get("html") or "")[:600],
                  "summary": (n.get("failureSummary") or "")[:600], "impact": n.get("impact")}
                 for n in v.get("nodes", [])]
        if not nodes:
            continue
        out.append({"id": v["id"], "impact": v.get("impact"), "tags": v.get("tags", []),
                    "help": v.get("help", ""), "description": v.get("description", ""),
                    "help_url": v.get("helpUrl", ""), "count": len(nodes), "nodes": nodes[:node_cap],
                    "source": v.get("source", "axe-core")})
    out.sort(key=lambda v: v["id"])
    return out


def compact(raw: dict[str, Any], node_cap: int = 50) -> dict[str, Any]:
    """The part of an axe result the rules read: per violated rule its impact, tags, Chinese help and nodes;
    the same for the rules axe left for review (``review``: its "incomplete" results, 需人工复核); and the ids
    of the rules that passed (``passes``) or found nothing to check (``inapplicable``).

    The same function compacts both engines' results, so they compare equal when axe saw the same page.
    Our own checks (browsers/a11y_extra.js) come in among the violations with ``source`` "govsite-auditor".
    """
    review = _compact_rules(raw.get("incomplete", []), node_cap)
    return {"version": (raw.get("testEngine") or {}).get("version", ""), "url": raw.get("url", ""),
            "violations": _compact_rules(raw.get("violations", []), node_cap),
            "review": review,
            "incomplete": [v["id"] for v in review],
            # Rule ids only: what the conformance report needs to tell 符合 (a rule passed) from 不适用 (it
            # found nothing to check). axe lists them even when resultTypes leaves out their nodes.
            "passes": sorted({v["id"] for v in raw.get("passes") or [] if v.get("id")}),
            "inapplicable": sorted({v["id"] for v in raw.get("inapplicable") or [] if v.get("id")})}


def box_targets(result: dict[str, Any], node_cap: int) -> list[dict[str, Any]]:
    """The nodes that get a boxed crop: the first ``node_cap`` of each violated or for-review rule, in order."""
    return [n for key in ("violations", "review") for v in result.get(key, []) for n in v["nodes"][:node_cap]]


def violation_set(result: dict[str, Any]) -> set[tuple[str, str]]:
    """(axe rule, node selector) pairs, with "review:" before rules left for review: what two engines must
    agree on."""
    return ({(v["id"], n["target"]) for v in result.get("violations", []) for n in v["nodes"]}
            | {("review:" + v["id"], n["target"]) for v in result.get("review", []) for n in v["nodes"]})


__all__ = ["SC", "GbtIndicator", "gbt_indicator", "sc_from_tags", "compact", "violation_set", "box_targets", "FAIL_IMPACTS"]
