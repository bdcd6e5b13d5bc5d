"""The 评测报告 as JSON in the shape of the W3C WCAG-EM Report Tool's export (JSON-LD with EARL outcomes), so an
evaluator can open it there: ``evaluationScope``, ``structuredSample``/``randomSample`` (and ``auditSample``,
both together), ``auditResult`` (one ``Assertion`` per criterion with its outcome ``earl:passed|failed|
cantTell|inapplicable|untested`` and per-page parts), ``reportFindings``. What the tool does not know (GB/T
clause numbers, the 适老化 criteria, our examples with crops) goes in extra keys prefixed ``govaudit:``.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from auditor import __version__
from auditor.conformance.load import Evaluation
from auditor.conformance.model import OUTCOME_ZH
from auditor.conformance.sample import SamplePage

CONTEXT: dict[str, Any] = {
    "@vocab": "http://www.w3.org/TR/WCAG-EM/#",
    "wcag2": "http://www.w3.org/TR/WCAG21/#",
    "earl": "http://www.w3.org/ns/earl#",
    "dct": "http://purl.org/dc/terms/",
    "sch": "https://schema.org/",
    "WCAG20": "http://www.w3.org/TR/WCAG20/#",
    "WCAG21": "http://www.w3.org/TR/WCAG21/#",
    "WCAG22": "http://www.w3.org/TR/WCAG22/#",
    "govaudit": "urn:govsite-auditor:",
    "WebSite": "sch:WebSite",
    "WebPage": "sch:WebPage",
    "Assertion": "earl:Assertion",
    "TestResult": "earl:TestResult",
    "TestSubject": "earl:TestSubject",
    "outcome": {"@id": "earl:outcome", "@type": "@id"},
    "subject": {"@id": "earl:subject", "@type": "@id"},
    "test": {"@id": "earl:test", "@type": "@id"},
    "assertedBy": {"@id": "earl:assertedBy", "@type": "@id"},
    "mode": {"@id": "earl:mode", "@type": "@id"},
    "result": "earl:result",
    "description": "dct:description",
    "date": "dct:date",
    "title": "dct:title",
    "hasPart": "dct:hasPart",
}
CONFORMANCE_TARGET = {"gbt37668": "AA", "wcag21aa": "AA", "wcag22aa": "AA", "elderly": ""}
WCAG_VERSION = {"gbt37668": "2.0", "wcag21aa": "2.1", "wcag22aa": "2.2", "elderly": ""}


def _iso(dt: datetime | None) -> str:
    dt = dt or datetime.now(timezone.utc)
    return (dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)).isoformat()


def _page(p: SamplePage, pid: str) -> dict[str, Any]:
    return {"type": ["TestSubject", "WebPage"], "id": pid, "description": p.url, "source": p.url,
            "title": p.title or p.url, "tested": True, "govaudit:reason": p.reason, "govaudit:kind": p.kind}


def document(ev: Evaluation) -> dict[str, Any]:
    run, std = ev.run, ev.standard
    now = datetime.now(timezone.utc).isoformat()
    structured = [_page(p, f"_:struct_{i}") for i, p in enumerate(ev.sample.structured)]
    rand = [_page(p, f"_:rand_{i}") for i, p in enumerate(ev.sample.random)]
    ids = {p["description"]: p["id"] for p in structured + rand}
    results = []
    for r in ev.conformance.results:
        c = r.criterion
        parts = []
        for urls, outcome in ((r.failed_pages, "failed"), (r.cant_tell_pages, "cantTell"),
                              (r.passed_pages, "passed"), (r.inapplicable_pages, "inapplicable")):
            for u in urls:
                if u in ids:
                    parts.append({"type": "Assertion", "subject": [ids[u]], "test": c.test,
                                  "mode": "earl:automatic", "assertedBy": "_:govaudit",
                                  "result": {"type": "TestResult", "date": now, "outcome": f"earl:{outcome}",
                                             "description": ""}})
        desc = r.description
        if r.manual:
            desc = f"人工评测（{r.manual.user}）：{r.manual.note}（自动检查：{OUTCOME_ZH[r.automatic]}；{r.description}）"
        results.append({
            "type": "Assertion", "date": now, "mode": "earl:manual" if r.manual else "earl:semiAuto",
            "assertedBy": "_:evaluator" if r.manual else "_:govaudit", "subject": "_:website", "test": c.test,
            "result": {"type": "TestResult", "date": _iso(r.manual.time) if r.manual else now,
                       "outcome": f"earl:{r.outcome}", "description": desc},
            "hasPart": parts,
            "govaudit:criterion": c.id, "govaudit:ref": c.ref, "govaudit:name": c.name, "govaudit:level": c.level,
            "govaudit:verified": c.verified, "govaudit:outcome_zh": r.outcome_zh,
            "govaudit:automatic": f"earl:{r.automatic}", "govaudit:checks": r.checks,
            "govaudit:rules": dict(r.rules),
            "govaudit:examples": [{"page": e.page_url, "rule": e.rule, "target": e.target, "note": e.note,
                                   "evidence": e.evidence_path} for e in r.examples],
            "govaudit:manual": ({"result": r.manual.result, "note": r.manual.note,
                                 "evidence": r.manual.evidence_path, "user": r.manual.user,
                                 "time": _iso(r.manual.time)} if r.manual else None),
        })
    counts = ev.conformance.counts()
    summary = "；".join(f"{OUTCOME_ZH[o]} {counts.get(o, 0)}" for o in OUTCOME_ZH)
    return {
        "@context": CONTEXT,
        "type": "Evaluation",
        "@language": "zh-CN",
        "title": f"{run.site_name} 无障碍评测报告（{std.title}）",
        "commissioner": run.site_name,
        "evaluator": "govsite-auditor",
        "date": now,
        "evaluationScope": {
            "type": "EvaluationScope",
            "website": {"type": ["TestSubject", "WebSite"], "id": "_:website", "siteName": run.site_name,
                        "siteScope": run.site_url or "、".join(p.url for p in ev.sample.structured[:3])},
            "conformanceTarget": CONFORMANCE_TARGET[std.key],
            "wcagVersion": WCAG_VERSION[std.key],
            "accessibilitySupportBaseline": f"Chromium（{run.engine}）",
            "additionalEvaluationRequirements": std.title,
            "govaudit:standard": std.key,
        },
        "structuredSample": {"type": "Sample", "webpage": structured},
        "randomSample": {"type": "Sample", "webpage": rand},
        "auditSample": structured + rand,
        "auditResult": results,
        "reportFindings": {
            "type": "Report", "date": now, "title": f"{run.site_name} 无障碍评测报告",
            "summary": summary, "commissioner": run.site_name, "evaluator": "govsite-auditor",
            "documentSteps": [{"type": "DocumentStep", "description": ev.sample.method}],
            "evaluationSpecifics": _method_text(ev.method),
        },
        "govaudit:run": {"id": run.id, "kind": run.kind, "site_url": run.site_url,
                         "started_at": _iso(run.started_at), "finished_at": _iso(run.finished_at) if run.finished_at else None},
        "govaudit:method": ev.method,
        "govaudit:version": __version__,
    }


def _method_text(m: dict[str, Any]) -> str:
    act = m.get("act") or {}
    agree = (act.get("agreement") or {}).get("ours")
    return (f"浏览器引擎 {m.get('engine')}；axe-core {('、'.join(m.get('axe_versions') or []) or '未运行')}；"
            + (f"W3C ACT 规则一致率 {agree}（{act.get('generated')}）" if agree else "ACT 一致性数据不可用"))


__all__ = ["document", "CONTEXT"]
