"""计分 — the 19号 verdict of one site in one run, from its findings, a person's judgements and 核减.

国办秘函〔2019〕19号 指标说明: any 单项否决 item makes the site 不合格 and no other indicator is scored; otherwise the
扣分 part is scored out of 100 (each group's deductions capped at the group's points), below 60 is 不合格, and a
门户网站 scoring above 80 goes on to 加分 (at most 30), the final score being the sum. 国务院部门 without 对外服务
职能 skip 办事服务: their 扣分 part is scored out of 75 and multiplied by 4/3.

Pure: findings in, a Scorecard out, every deduction traced to the findings behind it. Findings marked 误报 do not
count; a 核减 lowers a deduction with its reason; a person's judgement on an indicator replaces what the rules
found for it. Items no rule covers, and warn / not_assessable findings of mapped rules, are 待人工核查, and the
score is 暂定 while any is pending.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from auditor.scoring.table import Indicator, Table

PASS, FAIL = "合格", "不合格"
MET, NOT_MET = "符合", "不符合"


@dataclass(frozen=True)
class Finding:
    """One result of a rule on the site (a page check or a site check) as the scorecard reads it."""
    ref: str
    rule: str
    status: str  # fail | warn | not_assessable (passes need not be given)
    value: Any = None
    subject: str = ""
    false_positive: bool = False


@dataclass(frozen=True)
class Judgement:
    """人工核查: a person's decision on one indicator, with its evidence; it replaces the rules' result."""
    indicator: str
    result: str  # 符合 | 不符合
    points: float | None = None  # deduct: points taken (None: the table's); bonus: points given
    reason: str = ""
    evidence: str | None = None


@dataclass(frozen=True)
class Reduction:
    """核减: points given back on a deduction, with the reason (e.g. the same problem counted under V4)."""
    indicator: str
    points: float
    reason: str


@dataclass
class Deduction:
    indicator: str
    name: str
    group: str
    points: float  # after the indicator's own cap and any 核减 (the group cap is applied on the group)
    count: int
    findings: list[str]
    confidence: str
    source: str = "rule"  # rule | judgement
    reduced: list[Reduction] = field(default_factory=list)


@dataclass
class GroupScore:
    id: str
    name: str
    max: float
    deducted: float  # capped at max
    deductions: list[Deduction]

    @property
    def score(self) -> float:
        return round(self.max - self.deducted, 2)


@dataclass
class Veto:
    indicator: str
    name: str
    findings: list[str]
    source: str = "rule"


@dataclass
class Pending:
    """待人工核查: an indicator a person must judge, and why."""
    indicator: str
    name: str
    kind: str
    why: str
    findings: list[str] = field(default_factory=list)


@dataclass
class Scorecard:
    vetoes: list[Veto]
    groups: list[GroupScore]
    deduct_score: float  # the 扣分 part, out of 100 (after the 4/3 rule where it applies)
    bonus: float
    total: float
    verdict: str  # 合格 | 不合格
    reason: str
    provisional: bool  # 暂定: something is pending
    pending: list[Pending]
    placeholder_points: list[str]  # indicators whose applied points no source confirms
    scored: bool = True  # False when a 单项否决 item ended the scoring

    @property
    def label(self) -> str:
        return f"{self.verdict}{'（暂定）' if self.provisional else ''}"


def _count(ind: Indicator, f: Finding) -> int:
    if not ind.per_instance:
        return 1
    if ind.count_field and isinstance(f.value, dict):
        v: Any = f.value
        for part in ind.count_field.split("."):
            v = v.get(part) if isinstance(v, dict) else None
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            return int(v)
    return 1


def score_site(findings: Iterable[Finding], table: Table, *, site_type: str | None = None,
               service_functions: bool = True, judgements: Iterable[Judgement] = (),
               reductions: Iterable[Reduction] = ()) -> Scorecard:
    """The 19号 scorecard of one site (see the module docstring)."""
    judged = {j.indicator: j for j in judgements}
    reduced: dict[str, list[Reduction]] = {}
    for r in reductions:
        reduced.setdefault(r.indicator, []).append(r)
    vetoes: dict[str, Veto] = {}
    counts: dict[str, tuple[int, list[str]]] = {}
    pending: dict[str, Pending] = {}
    for f in findings:
        if f.false_positive:
            continue
        for ind in table.for_finding(f.rule, f.value):
            if ind.id in judged:
                continue
            if f.status == "fail" and ind.kind == "veto":
                vetoes.setdefault(ind.id, Veto(ind.id, ind.name, [])).findings.append(f.ref)
            elif f.status == "fail" and ind.kind == "deduct":
                n, refs = counts.get(ind.id, (0, []))
                counts[ind.id] = (n + _count(ind, f), refs + [f.ref])
            elif f.status in ("warn", "not_assessable"):
                p = pending.setdefault(ind.id, Pending(ind.id, ind.name, ind.kind, "规则结果为警告或无法评估，需人工确认"))
                p.findings.append(f.ref)
    for ind in table.indicators:
        if ind.person and ind.id not in judged and ind.id not in vetoes and ind.id not in counts:
            pending.setdefault(ind.id, Pending(ind.id, ind.name, ind.kind, ind.person))

    deductions: dict[str, list[Deduction]] = {g: [] for g in table.groups}
    bonus = 0.0
    for ind in table.indicators:
        j = judged.get(ind.id)
        if j is not None:
            if ind.kind == "veto" and j.result == NOT_MET:
                vetoes[ind.id] = Veto(ind.id, ind.name, [f"人工核查：{j.reason}"], "judgement")
            elif ind.kind == "deduct" and j.result == NOT_MET:
                pts = j.points if j.points is not None else (ind.points or 0.0)
                deductions[ind.group or ""].append(Deduction(ind.id, ind.name, ind.group or "", pts, 1,
                                                             [f"人工核查：{j.reason}"], ind.confidence, "judgement"))
            elif ind.kind == "bonus" and j.result == MET:
                bonus += j.points or 0.0
            continue
        if ind.kind == "deduct" and ind.id in counts:
            n, refs = counts[ind.id]
            pts = (ind.points or 0.0) * (n if ind.per_instance else 1)
            if ind.max is not None:
                pts = min(pts, float(ind.max))
            deductions[ind.group or ""].append(Deduction(ind.id, ind.name, ind.group or "", pts, n, refs,
                                                         ind.confidence))
    for group_items in deductions.values():
        for d in group_items:
            for r in reduced.get(d.indicator, []):
                d.reduced.append(r)
                d.points = max(0.0, d.points - r.points)
            d.points = round(d.points, 2)

    meta = table.meta
    skip = None if service_functions else meta.get("no_service_group")
    groups = []
    for gid, g in table.groups.items():
        if gid == "B" or gid == skip or g.id.startswith("B"):
            continue
        items = deductions.get(gid, [])
        groups.append(GroupScore(gid, g.name, g.max, round(min(g.max, sum(d.points for d in items)), 2), items))
    full = sum(g.max for g in groups)
    deduct_score = full - sum(g.deducted for g in groups)
    if skip:
        deduct_score *= float(meta.get("no_service_scale", 4 / 3))
    deduct_score = round(deduct_score, 2)
    portal = (site_type or "") in tuple(meta.get("bonus_applies_to", ()))
    bonus_group = table.groups.get("B")
    bonus_cap = bonus_group.max if bonus_group else float(meta.get("bonus_total", 30))
    bonus = round(min(bonus, bonus_cap), 2) if portal and deduct_score > float(meta.get("bonus_gate_above", 80)) else 0.0
    placeholders = sorted({d.indicator for g in groups for d in g.deductions
                           if d.source == "rule" and d.confidence == "placeholder"})
    pend = sorted(pending.values(), key=lambda p: p.indicator)
    if vetoes:
        names = "、".join(v.name for v in vetoes.values())
        return Scorecard(sorted(vetoes.values(), key=lambda v: v.indicator), groups, deduct_score, 0.0, 0.0, FAIL,
                         f"单项否决：{names}", bool(pend), pend, placeholders, scored=False)
    total = round(deduct_score + bonus, 2)
    if deduct_score < float(meta.get("fail_below", 60)):
        verdict, reason = FAIL, f"扣分指标得分 {deduct_score:g} 低于 {meta.get('fail_below', 60)} 分"
    else:
        verdict, reason = PASS, f"无单项否决，扣分指标得分 {deduct_score:g}" + (f"，加分 {bonus:g}" if bonus else "")
    return Scorecard([], groups, deduct_score, bonus, total, verdict, reason, bool(pend), pend, placeholders)
