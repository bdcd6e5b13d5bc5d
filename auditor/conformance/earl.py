"""The 评测报告 as JSON in the shape of the W3C WCAG-EM Report Tool's export (JSON-LD with EARL), so an evaluator
can open it there: ``defineScope`` (the website and the conformance target), ``exploreTarget``,
``selectSample`` with ``structuredSample``/``randomSample``, ``auditSample`` (one ``Assertion`` per criterion for
the website, ``test`` ``WCAG21:<slug>``, ``result.outcome`` ``earl:passed|failed|cantTell|inapplicable|
untested``; its per-page results in ``hasPart``), ``reportFindings``. The JSON-LD terms expand to the tool's
IRIs (its ``appContext``); the older tool's top-level ``evaluationScope``/``structuredSample``/``randomSample``
are given too. What the tool does not know (GB/T clause numbers, the 适老化 criteria, examples with crops, the
automated result under a manual one) goes in keys prefixed ``govaudit:``, which it ignores.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from auditor import __version__
from auditor.conformance.evaluation import Evaluation
from auditor.conformance.model import OUTCOME_ZH
from auditor.conformance.sample import SamplePage

# The tool's terms and IRIs (WCAG-EM steps, EARL, Dublin Core, schema.org), plus WCAG 2.2 and our own prefix.
CONTEXT: dict[str, Any] = {
    "reporter": "https://github.com/w3c/wcag-em-report-tool/",
    "wcagem": "http://www.w3.org/TR/WCAG-EM/#",
    "Evaluation": "wcagem:procedure",
    "defineScope": "wcagem:step1",
    "scope": "wcagem:step1a",
    "step1b": {"@id": "wcagem:step1b", "@type": "@id"},
    "conformanceTarget": "step1b",
    "accessibilitySupportBaseline": "wcagem:step1c",
    "additionalEvaluationRequirements": "wcagem:step1d",
    "exploreTarget": "wcagem:step2",
    "essentialFunctionality": "wcagem:step2b",
    "pageTypeVariety": "wcagem:step2c",
    "technologiesReliedUpon": "wcagem:step2d",
    "selectSample": "wcagem:step3",
    "structuredSample": "wcagem:step3a",
    "randomSample": "wcagem:step3b",
    "auditSample": "wcagem:step4",
    "reportFindings": "wcagem:step5",
    "documentSteps": "wcagem:step5a",
    "commissioner": "wcagem:commissioner",
    "evaluationSpecifics": "wcagem:step5b",
    "WCAG20": "http://www.w3.org/TR/WCAG20/#",
    "WCAG21": "http://www.w3.org/TR/WCAG21/#",
    "WCAG22": "http://www.w3.org/TR/WCAG22/#",
    "WAI": "http://www.w3.org/WAI/",
    "A": "WAI:WCAG2A-Conformance",
    "AA": "WAI:WCAG2AA-Conformance",
    "AAA": "WAI:WCAG2AAA-Conformance",
    "wcagVersion": "WAI:standards-guidelines/wcag/#versions",
    "earl": "http://www.w3.org/ns/earl#",
    "Assertion": "earl:Assertion",
    "TestMode": "earl:TestMode",
    "TestSubject": "earl:TestSubject",
    "TestResult": "earl:TestResult",
    "OutcomeValue": "earl:OutcomeValue",
    "assertedBy": "earl:assertedBy",
    "mode": {"@id": "earl:mode", "@type": "@id"},
    "result": "earl:result",
    "subject": {"@id": "earl:subject", "@type": "@id"},
    "test": "earl:test",
    "outcome": {"@id": "earl:outcome", "@type": "@id"},
    "dcterms": "http://purl.org/dc/terms/",
    "title": "dcterms:title",
    "description": "dcterms:description",
    "summary": "dcterms:summary",
    "date": {"@id": "dcterms:date", "@type": "W3CDTF"},
    "hasPart": "dcterms:hasPart",
    "isPartOf": "dcterms:isPartOf",
    "schema": "http://schema.org/",
    "WebSite": "schema:WebSite",
    "WebPage": "schema:WebPage",
    "W3CDTF": "http://www.w3.org/TR/NOTE-datetime",
    "id": "@id",
    "type": "@type",
    "language": "@language",
    "govaudit": "urn:govsite-auditor:",
}
CONFORMANCE_TARGET = {"gbt37668": "AA", "wcag21aa": "AA", "wcag22aa": "AA", "elderly": "AA"}
WCAG_VERSION = {"gbt37668": "2.0", "wcag21aa": "2.1", "wcag22aa": "2.2", "elderly": "2.1"}
WEBSITE_ID = "_:website"


def _iso(dt: datetime | None) -> str:
    dt = dt or datetime.now(timezone.utc)
    return (dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)).isoformat()


def _page(p: SamplePage) -> dict[str, Any]:
    # The page's URL is its id: the tool matches assertions to sample pages by id or by URL.
    return {"id": p.url, "type": ["TestSubject", "WebPage"], "title": p.title or p.url, "description": p.url,
            "govaudit:reason": p.reason, "govaudit:kind": p.kind}


def document(ev: Evaluation) -> dict[str, Any]:
    run, std = ev.run, ev.standard
    now = datetime.now(timezone.utc).isoformat()
    structured = [_page(p) for p in ev.sample.structured]
    rand = [_page(p) for p in ev.sample.random]
    in_sample = {p["id"] for p in structured + rand}
    website = {"id": WEBSITE_ID, "type": ["TestSubject", "WebSite"], "title": run.site_name,
               "description": run.site_url or "、".join(p.url for p in ev.sample.structured[:3])}
    results = []
    for r in ev.conformance.results:
        c = r.criterion
        parts = []
        for urls, outcome in ((r.failed_pages, "failed"), (r.cant_tell_pages, "cantTell"),
                              (r.passed_pages, "passed"), (r.inapplicable_pages, "inapplicable")):
            for u in urls:
                if u in in_sample:
                    parts.append({"type": "Assertion", "subject": u, "test": c.test, "mode": "earl:automatic",
                                  "assertedBy": "govaudit:auditor",
                                  "result": {"type": "TestResult", "date": now, "outcome": f"earl:{outcome}",
                                             "description": ""}})
        desc = r.description
        if r.manual:
            desc = f"人工评测（{r.manual.user}）：{r.manual.note}（自动检查：{OUTCOME_ZH[r.automatic]}；{r.description}）"
        results.append({
            "type": "Assertion", "date": now, "mode": "earl:manual" if r.manual else "earl:semiAuto",
            "assertedBy": "govaudit:evaluator" if r.manual else "govaudit:auditor", "subject": WEBSITE_ID,
            "test": c.test,
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
    title = f"{run.site_name} 无障碍评测报告（{std.title}）"
    scope = {"id": "_:defineScope", "scope": website, "wcagVersion": WCAG_VERSION[std.key],
             "conformanceTarget": CONFORMANCE_TARGET[std.key],
             "accessibilitySupportBaseline": f"Chromium（检查引擎 {run.engine}）",
             "additionalEvaluationRequirements": std.title, "govaudit:standard": std.key}
    kinds = sorted({p.kind or "other" for p in ev.sample.structured + ev.sample.random})
    return {
        "@context": CONTEXT,
        "type": "Evaluation",
        "language": "zh",
        "title": title,
        "defineScope": scope,
        "exploreTarget": {"id": "_:exploreTarget", "technologiesReliedUpon": [],
                          "essentialFunctionality": "", "pageTypeVariety": "、".join(kinds)},
        "selectSample": {"id": "_:selectSample", "structuredSample": structured, "randomSample": rand},
        "auditSample": results,
        "reportFindings": {
            "title": title, "summary": summary, "commissioner": run.site_name, "evaluator": "govsite-auditor",
            "date": now, "documentSteps": [{"id": "_:about"}, {"id": "_:defineScope"},
                                           {"id": "_:exploreTarget"}, {"id": "_:selectSample"}],
            "evaluationSpecifics": _method_text(ev.method) + "；" + ev.sample.method,
        },
        # The older tool's (and the brief's) top-level names, same content.
        "govaudit:evaluationScope": {"website": website, "conformanceTarget": CONFORMANCE_TARGET[std.key],
                                     "wcagVersion": WCAG_VERSION[std.key], "standard": std.key},
        "govaudit:run": {"run_id": run.id, "kind": run.kind, "site_url": run.site_url,
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
