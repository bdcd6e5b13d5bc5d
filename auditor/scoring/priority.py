"""先后顺序 — what to look at (or fix) first: the order of the run page, the grouped review and 先整改.

A 不合格 finding comes before a 警告; among equals, the one that costs the site more under 19号: a 单项否决 item
first (it ends the scoring), then by the points of its 扣分 indicator; rules no indicator scores come last.
"""
from __future__ import annotations

from typing import Any

from auditor.scoring.table import Table

VETO_WEIGHT = 100.0  # above any 扣分 indicator's points: a veto always comes first


def rule_weight(table: Table, rule: str, value: Any = None) -> float:
    """The scorecard weight of a finding of ``rule``: 100 for a 单项否决 item, else its indicator's points (0 when
    no indicator scores the rule)."""
    inds = table.for_finding(rule, value)
    return max((VETO_WEIGHT if i.kind == "veto" else float(i.points or 0.0) for i in inds), default=0.0)


def is_veto(table: Table, rule: str, value: Any = None) -> bool:
    return any(i.kind == "veto" for i in table.for_finding(rule, value))


def priority(status: str, weight: float) -> tuple[int, float]:
    """Sort key (ascending = first): fails before warnings, then the heavier scorecard weight."""
    return (0 if status == "fail" else 1, -weight)
