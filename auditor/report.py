"""Reports of a run: the JSON document (the contract of `govaudit audit --json`) and the findings table."""
from __future__ import annotations

import unicodedata
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit
from typing import Any, Iterable

from auditor.services import unreachable_lines
from auditor.models import STATUS_ZH, Status
from auditor.rules import meta_for
from auditor.store.models import Evidence, Run


def _ev(e: Evidence) -> dict[str, Any]:
    return {"kind": e.kind, "path": e.path, "sha256": e.sha256, "size": e.size, "box": e.box, "note": e.note,
            "text": e.text}


def rules_of(rule_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The declarations (auditor.rules.meta_for) behind these check ids: indicator, 19号 key and group, fix."""
    out: dict[str, dict[str, Any]] = {}
    for rid in dict.fromkeys(rule_ids):
        m = meta_for(rid)
        if m is not None:
            out[rid] = {"declared_by": m.id, "indicator": m.indicator, "key": m.key, "group": m.group,
                        "fix": m.fix, "fixable": m.fixable}
    return out


def run_document(run: Run, evidence_dir: str) -> dict[str, Any]:
    pages = []
    for p in sorted(run.pages, key=lambda p: p.id):
        shot = next((e for e in p.evidence if e.kind == "screenshot"), None)
        pages.append({
            "url": p.url, "final_url": p.final_url, "status": p.http_status,
            "outcome": "error" if p.error_kind else "audited",
            "error": p.error, "error_kind": p.error_kind, "kind": p.kind, "title": p.title,
            "fetched_at": p.fetched_at.isoformat() if p.fetched_at else None, "user_agent": p.user_agent,
            "attempts": p.attempts, "screenshot": _ev(shot) if shot else None, "details": p.details,
            "checks": [{"rule": c.rule, "status": c.status, "indicator": c.indicator, "message": c.message,
                        "value": c.value, "evidence": [_ev(e) for e in c.evidence]}
                       for c in sorted(p.checks, key=lambda c: c.id)],
        })
    return {
        "run": {"id": run.id, "site_name": run.site_name, "site_code": run.site_code, "status": run.status,
                "engine": run.engine, "user_agent": run.user_agent,
                "started_at": run.started_at.isoformat() if run.started_at else None,
                "finished_at": run.finished_at.isoformat() if run.finished_at else None,
                "pages_total": run.pages_total, "pages_done": run.pages_done, "pages_failed": run.pages_failed,
                "evidence_dir": str(Path(evidence_dir).resolve()),
                "services": list(((run.options or {}).get("services") or {}).values()),
                "summary": summary(run)},
        "pages": pages,
        # Each rule's declaration, for the rules this run's checks name: its 指标, 19号 indicator and 如何整改.
        "rules": rules_of(c["rule"] for p in pages for c in p["checks"]),
    }


def site_document(run: Run, evidence_dir: str) -> dict[str, Any]:
    """A site run: the page document plus site-level checks and the links that are not OK."""
    doc = run_document(run, evidence_dir)
    doc["run"]["kind"] = run.kind
    doc["run"]["site_url"] = run.site_url
    doc["site_checks"] = [{"rule": c.rule, "subject": c.subject, "status": c.status, "indicator": c.indicator,
                           "message": c.message, "value": c.value} for c in sorted(run.site_checks, key=lambda c: c.id)]
    doc["rules"] = rules_of([*doc["rules"], *(c["rule"] for c in doc["site_checks"])])
    doc["links"] = {
        "total": len(run.links),
        "by_class": dict(Counter(link.klass for link in run.links)),
        "problems": [{"url": link.url, "class": link.klass, "status": link.http_status, "reason": link.reason,
                      "kind": link.kind, "on_home": link.on_home, "external": link.external,
                      "found_on": link.found_on, "exchange": link.exchange}
                     for link in sorted(run.links, key=lambda x: x.url) if link.klass != "ok"],
    }
    return doc


def site_table(doc: dict[str, Any]) -> str:
    """The site result: per rule on how many pages it failed, the column and link verdicts, the worst pages."""
    lines = [f"网站：{doc['run']['site_name']}  {doc['run'].get('site_url') or ''}", "-" * 110]
    order = {"fail": 0, "not_assessable": 1, "warn": 2, "pass": 3}
    checks = sorted(doc.get("site_checks", []), key=lambda c: (order.get(c["status"], 9), c["rule"], c["subject"]))
    for c in checks:
        st = STATUS_ZH[Status(c["status"])]
        subject = f" [{c['subject']}]" if c["subject"] not in ("", "pages") else ""
        lines.append(f"{_pad(c['rule'], 26)} {_pad(st, 8)} {c['indicator']}：{c['message']}{subject}")
        for ex in (c.get("value") or {}).get("examples", [])[:3] if c["status"] != "pass" else []:
            lines.append(f"{'':36}例：{ex['url']}  {ex['message']}")
    lines.append("-" * 110)
    links = doc.get("links", {})
    lines.append(f"链接 {links.get('total', 0)} 个：" + "，".join(f"{k} {v}" for k, v in sorted(links.get("by_class", {}).items())))
    lines.append(f"证据目录：{doc['run']['evidence_dir']}")
    return "\n".join(lines)


def summary(run: Run) -> dict[str, dict[str, int]]:
    """Per rule, how many pages passed / failed / warned / were not assessable."""
    out: dict[str, Counter[str]] = {}
    for p in run.pages:
        for c in p.checks:
            out.setdefault(c.rule, Counter())[c.status] += 1
    return {rule: dict(cnt) for rule, cnt in out.items()}


def has_findings(run: Run) -> bool:
    return any(Status(c.status).is_finding for p in run.pages for c in p.checks)


def _w(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def _pad(s: str, width: int) -> str:
    if _w(s) > width:
        out = ""
        for ch in s:
            if _w(out + ch) > width - 1:
                break
            out += ch
        s = out + "…"
    return s + " " * (width - _w(s))


def findings_table(doc: dict[str, Any], show_pass: bool = False) -> str:
    """A plain-text table: one line per finding (and per page error), Chinese status words."""
    lines = []
    head = f"{_pad('页面', 44)} {_pad('规则', 22)} {_pad('结果', 8)} 说明"
    lines.append(head)
    lines.append("-" * 110)
    # Site-wide rules (site.*) give the same answer on every page of a host: print them once per host.
    site_wide: dict[tuple[str, str, str], int] = {}
    for p in doc["pages"]:
        for c in p["checks"]:
            if c["rule"].startswith("site.") and c["status"] != "pass":
                key = (urlsplit(p["url"]).netloc, c["rule"], c["message"])
                site_wide[key] = site_wide.get(key, 0) + 1
    hosts = {urlsplit(p["url"]).netloc for p in doc["pages"]}
    one_host = len(hosts) == 1
    if one_host:
        lines.insert(0, f"网站：{doc['run'].get('site_name', '')}  {next(iter(hosts))}")
    for p in doc["pages"]:
        url = p["url"]
        if one_host:
            parts = urlsplit(url)
            url = parts.path + (f"?{parts.query}" if parts.query else "")
        if p["error"]:
            lines.append(f"{_pad(url, 44)} {_pad('page.error', 22)} {_pad('错误', 8)} {p['error']}")
            continue
        for c in p["checks"]:
            st = Status(c["status"])
            if st is Status.PASS and not show_pass:
                continue
            msg = c["message"]
            if c["rule"].startswith("site.") and st is not Status.PASS:
                key = (urlsplit(p["url"]).netloc, c["rule"], c["message"])
                if site_wide.get(key, 0) <= 0:
                    continue
                msg = f"{msg}（本站 {site_wide[key]} 个页面相同）" if site_wide[key] > 1 else msg
                site_wide[key] = 0
            lines.append(f"{_pad(url, 44)} {_pad(c['rule'], 22)} {_pad(STATUS_ZH[st], 8)} {msg}")
    run = doc["run"]
    counts = Counter(c["status"] for p in doc["pages"] for c in p["checks"])
    lines.append("-" * 110)
    services = {s["host"]: s for s in run.get("services") or []}
    lines += unreachable_lines(services)
    lines.append(f"页面 {len(doc['pages'])} 个（失败 {sum(1 for p in doc['pages'] if p['error'])} 个）；检查项："
                 + "，".join(f"{STATUS_ZH[Status(k)]} {counts.get(k.value, 0)}" for k in Status))
    lines.append(f"证据目录：{run['evidence_dir']}")
    return "\n".join(lines)
