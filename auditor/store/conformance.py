"""The conformance model's inputs from the Store (a run's pages, checks and evidence; the 人工评测 judgements),
and the judgements' writes. No Flask here; the web UI and the CLI both call these."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from auditor.conformance.model import (Conformance, CheckObs, EvidenceObs, ManualJudgement, PageObs,
                                       check_judgement, evaluate)
from auditor.conformance.evaluation import Evaluation
from auditor.conformance.sample import AuditedPage, build_sample
from auditor.conformance.standards import standard
from auditor.store import Store
from auditor.store import findings as fq
from auditor.store.models import Check, ManualJudgementRow, Page, Run


class RunNotFound(LookupError):
    """No run with that id."""


def _reviews(store: Store, run_id: int) -> dict[int, str]:
    """check id -> the latest 误报/确认 verdict on that finding (reviews carry over between runs by fingerprint)."""
    found, _ = fq.list_findings(store, None, fq.FindingFilter(run_id=run_id, latest=False))
    return {int(f.ref[1:]): f.review.verdict for f in found if f.level == "page" and f.review is not None}


def _page_obs(p: Page, reviews: dict[int, str] | None = None) -> PageObs:
    reviews = reviews or {}
    a11y = (p.details or {}).get("a11y") or {}
    passes, inapp = a11y.get("passes"), a11y.get("inapplicable")
    checks = [CheckObs(c.rule, c.status, c.message, c.value,
                       [EvidenceObs(e.kind, e.path, e.note, e.text) for e in sorted(c.evidence, key=lambda e: e.id)]
                       if "evidence" in c.__dict__ else [],
                       c.id, c.indicator or "", reviews.get(c.id))
              for c in sorted(p.checks, key=lambda c: c.id)]
    return PageObs(p.url, checks, p.kind, p.title, p.id,
                   frozenset(passes) if passes is not None else None,
                   frozenset(inapp) if inapp is not None else None)


def audited_pages(run: Run) -> list[AuditedPage]:
    return [AuditedPage(p.url, p.kind, p.title, frozenset(c.rule for c in p.checks),
                        (p.error or p.error_kind) if p.error_kind else None)
            for p in sorted(run.pages, key=lambda p: p.id)]


def judgements(store: Store, run_id: int, std: str) -> list[ManualJudgement]:
    """The run's judgements under a standard, oldest first (so the newest per criterion wins)."""
    with store.session() as s:
        rows = s.scalars(select(ManualJudgementRow).where(ManualJudgementRow.run_id == run_id,
                                                          ManualJudgementRow.standard == std)
                         .order_by(ManualJudgementRow.created_at, ManualJudgementRow.id))
        return [ManualJudgement(r.criterion, r.result, r.note or "", r.evidence_path, r.user, r.created_at)
                for r in rows]


def record_judgement(store: Store, run_id: int, std: str, criterion: str, result: str, note: str = "",
                     evidence_path: str | None = None, user: str = "") -> ManualJudgement:
    """Record an evaluator's result for a criterion (BadJudgement, RunNotFound or UnknownStandard otherwise)."""
    check_judgement(standard(std), criterion, result)
    with store.session.begin() as s:
        if s.get(Run, run_id) is None:
            raise RunNotFound(f"没有编号为 {run_id} 的检查批次")
        row = ManualJudgementRow(run_id=run_id, standard=std, criterion=criterion, result=result,
                                 note=(note or "")[:4000], evidence_path=(evidence_path or None), user=user,
                                 created_at=datetime.now(timezone.utc))
        s.add(row)
    return ManualJudgement(criterion, result, note, evidence_path, user, row.created_at)


def _act_figures() -> dict[str, Any] | None:
    """The ACT conformance run behind docs/act-conformance.md, when the docs are at hand."""
    import json
    import re
    from pathlib import Path

    docs = Path(__file__).resolve().parents[2] / "docs"
    try:
        meta = json.loads((docs / "act-conformance.json").read_text(encoding="utf-8"))["meta"]
    except (OSError, ValueError, KeyError):
        return None
    out: dict[str, Any] = {k: meta.get(k) for k in ("axe", "cases", "chromium", "generated")}
    out["rules"] = len(meta.get("rules") or [])
    try:
        md = (docs / "act-conformance.md").read_text(encoding="utf-8")
        m = re.search(r"Overall agreement.*?ours \*\*(\d+)/(\d+) \(([\d.]+)%\)\*\*.*?axe [\d.]+ \*\*(\d+)/(\d+) \(([\d.]+)%\)\*\*", md)
        if m:
            out["agreement"] = {"ours": f"{m[1]}/{m[2]}（{m[3]}%）", "w3c_report": f"{m[4]}/{m[5]}（{m[6]}%）"}
    except OSError:
        pass
    return out


def method(run: Run, pages: list[PageObs]) -> dict[str, Any]:
    """评测方法: engines and versions, what ran, the ACT figures."""
    versions: set[str] = set()
    engines: set[str] = set()
    for p in run.pages:
        a11y = (p.details or {}).get("a11y") or {}
        if a11y.get("axe_version"):
            versions.add(str(a11y["axe_version"]))
        if a11y.get("axe_engine"):
            engines.add(str(a11y["axe_engine"]))
    elderly_pages = [p.url for p in pages if any(c.rule in ("elderly.entry", "a11y.entry") for c in p.checks)]
    return {"engine": run.engine, "axe_engines": sorted(engines), "axe_versions": sorted(versions),
            "user_agent": run.user_agent, "elderly_pages": elderly_pages, "act": _act_figures(),
            "options": {k: v for k, v in (run.options or {}).items() if k in ("a11y", "elderly", "max_pages")}}


def _load_run(store: Store, run_id: int, with_evidence: bool) -> Run | None:
    """The run with its pages and checks (and the checks' evidence when asked); not its links or site checks,
    which a large run has thousands of."""
    checks = selectinload(Run.pages).selectinload(Page.checks)
    with store.session() as s:
        return s.scalar(select(Run).where(Run.id == run_id).options(
            checks.selectinload(Check.evidence) if with_evidence else checks))


def evaluate_run(store: Store, run_id: int, std: str, max_examples: int = 3, all_pages: bool = False,
                 with_evidence: bool = True) -> Evaluation:
    """The 评测结论 of a run under a standard (UnknownStandard, RunNotFound); ``all_pages``: every audited
    page counts, not only the WCAG-EM sample; ``with_evidence`` False leaves out the examples' crops (the
    counts are the same: for trends)."""
    stdd = standard(std)
    run = _load_run(store, run_id, with_evidence)
    if run is None:
        raise RunNotFound(f"没有编号为 {run_id} 的检查批次")
    sample = build_sample(audited_pages(run), run.kind, seed=run.id, all_pages=all_pages)
    in_sample = set(sample.urls)
    reviews = _reviews(store, run_id)
    pages = [_page_obs(p, reviews) for p in sorted(run.pages, key=lambda p: p.id) if p.url in in_sample]
    conf = evaluate(stdd, pages, judgements(store, run_id, std), max_examples)
    return Evaluation(run, stdd, sample, conf, pages, method(run, pages))


__all__ = ["Evaluation", "RunNotFound", "evaluate_run", "judgements", "record_judgement", "audited_pages"]
