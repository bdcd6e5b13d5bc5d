"""人工核查 and 核减 on a run's 19号 scorecard, as recorded by auditors in the web UI (table score_judgements).

The scorecard (auditor/scoring/card.py) takes them as `Judgement` and `Reduction`; here they are stored
append-only, the newest row per (run, indicator, kind) counting, with an optional picture as evidence saved in
the evidence folder under its SHA-256 (so a picture is never overwritten and can be checked again on display).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from auditor.scoring.card import MET, NOT_MET, Judgement, Reduction
from auditor.scoring.table import Table
from auditor.store.db import Store
from auditor.store.models import Run, ScoreJudgementRow

WITHDRAWN = "撤销"  # a judgement row that takes back the previous one: the rules' result counts again
RESULTS = (MET, NOT_MET, WITHDRAWN)
MAX_REASON = 4000
MAX_PICTURE = 5_000_000
# Magic numbers of the pictures accepted as evidence (screenshots, phone photos); nothing else is stored.
_PICTURES = ((b"\x89PNG\r\n\x1a\n", ".png"), (b"\xff\xd8\xff", ".jpg"))


class JudgementError(ValueError):
    """The judgement or 核减 cannot be recorded; the message is for the person who entered it."""


@dataclass(frozen=True)
class JudgementRecord:
    """One stored row, for display (who, when, the evidence picture)."""
    id: int
    indicator: str
    kind: str
    result: str | None
    points: float | None
    reason: str
    evidence_path: str | None
    evidence_sha256: str | None
    user: str
    created_at: datetime


def picture_suffix(data: bytes) -> str:
    """.png or .jpg by the file's first bytes; JudgementError for anything else or a file too large."""
    if len(data) > MAX_PICTURE:
        raise JudgementError(f"图片不能超过 {MAX_PICTURE // 1_000_000} MB")
    for magic, suffix in _PICTURES:
        if data.startswith(magic):
            return suffix
    raise JudgementError("证据图片只能是 PNG 或 JPEG 文件")


def _save_picture(evidence_dir: str, run_id: int, data: bytes) -> tuple[str, str]:
    suffix = picture_suffix(data)
    digest = hashlib.sha256(data).hexdigest()
    rel = f"judgements/{run_id}/{digest}{suffix}"
    path = Path(evidence_dir) / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        tmp = path.with_suffix(path.suffix + ".part")
        tmp.write_bytes(data)
        tmp.replace(path)
    return rel, digest


def _points(value: float | None, what: str) -> float | None:
    if value is None:
        return None
    if not (0 <= value <= 100):
        raise JudgementError(f"{what}须在 0 到 100 之间")
    return round(float(value), 2)


def record(store: Store, table: Table, run_id: int, indicator: str, kind: str, *, user: str, reason: str,
           result: str | None = None, points: float | None = None, picture: bytes | None = None,
           evidence_dir: str = "") -> JudgementRecord:
    """Store a 人工核查 (kind "judgement", result 符合 / 不符合 / 撤销) or a 核减 (kind "reduction", points > 0 given back,
    0 to withdraw) on one indicator of the table. Every refusal is a JudgementError in Chinese."""
    ind = table.indicator(indicator)
    if ind is None:
        raise JudgementError(f"评分表中没有指标 {indicator}")
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON:
        raise JudgementError(f"说明不能超过 {MAX_REASON} 个字符")
    if kind == "judgement":
        if result not in RESULTS:
            raise JudgementError(f"核查结论只能是 {' / '.join(RESULTS)}")
        if result != WITHDRAWN and not reason:
            raise JudgementError("请填写核查说明（依据）")
        points = _points(points, "扣分或加分")
    elif kind == "reduction":
        if ind.kind != "deduct":
            raise JudgementError(f"{indicator} 不是扣分指标，不能核减")
        if points is None:
            raise JudgementError("请填写核减分值")
        points = _points(points, "核减分值")
        if points and not reason:
            raise JudgementError("核减须写明理由")
        result = None
    else:
        raise JudgementError("类型只能是人工核查或核减")
    rel = digest = None
    with store.session.begin() as s:
        if s.get(Run, run_id) is None:
            raise JudgementError(f"没有编号为 {run_id} 的检查批次")
        if picture:
            rel, digest = _save_picture(evidence_dir, run_id, picture)
        row = ScoreJudgementRow(run_id=run_id, indicator=indicator, kind=kind, result=result, points=points,
                                reason=reason, evidence_path=rel, evidence_sha256=digest, user=user)
        s.add(row)
        s.flush()
        return _rec(row)


def _rec(r: ScoreJudgementRow) -> JudgementRecord:
    return JudgementRecord(r.id, r.indicator, r.kind, r.result, r.points, r.reason, r.evidence_path,
                           r.evidence_sha256, r.user, r.created_at)


def current(store: Store, run_id: int) -> list[JudgementRecord]:
    """The rows that count: the newest per (indicator, kind), withdrawn ones left out."""
    with store.session() as s:
        rows = s.scalars(select(ScoreJudgementRow).where(ScoreJudgementRow.run_id == run_id)
                         .order_by(ScoreJudgementRow.created_at, ScoreJudgementRow.id))
        newest = {(r.indicator, r.kind): _rec(r) for r in rows}
    return [r for r in newest.values()
            if not (r.kind == "judgement" and r.result == WITHDRAWN) and not (r.kind == "reduction" and not r.points)]


def get_record(store: Store, record_id: int) -> tuple[JudgementRecord, int] | None:
    """One row and its run id (to check who may see its picture)."""
    with store.session() as s:
        r = s.get(ScoreJudgementRow, record_id)
        return (_rec(r), r.run_id) if r is not None else None


def scoring_inputs(records: list[JudgementRecord]) -> tuple[list[Judgement], list[Reduction]]:
    """The stored rows as the scorecard's inputs."""
    judgements = [Judgement(r.indicator, r.result or "", r.points, r.reason, r.evidence_path)
                  for r in records if r.kind == "judgement"]
    reductions = [Reduction(r.indicator, r.points or 0.0, r.reason) for r in records if r.kind == "reduction"]
    return judgements, reductions
