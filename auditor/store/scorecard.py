"""A stored run as the scorecard reads it: its page and site checks, with the reviewers' 误报 applied."""
from __future__ import annotations

from auditor.scoring.card import Finding, Judgement, Reduction, Scorecard, score_site
from auditor.scoring.table import Table
from auditor.store import Store
from auditor.store.models import Run, Site
from auditor.store.reviews import fingerprint, latest_reviews

# Summaries of page rules per site run (subject "pages") repeat the page checks; the page checks are what count.
_SUMMARY_SUBJECT = "pages"


def run_findings(store: Store, run_id: int) -> tuple[Run, list[Finding]]:
    """Every fail / warn / not_assessable result of the run, page checks and site checks, 误报 marked."""
    run = store.run_with_pages(run_id)
    site_url = run.site_url or ""
    raw: list[tuple[str, str, str, object, str, str]] = []
    for p in run.pages:
        for c in p.checks:
            if c.status != "pass":
                raw.append((f"c{c.id}", c.rule, c.status, c.value, p.url,
                            fingerprint(site_url or p.url, c.rule, p.url, "")))
    for sc in run.site_checks:
        if sc.status != "pass" and sc.subject != _SUMMARY_SUBJECT:
            raw.append((f"s{sc.id}", sc.rule, sc.status, sc.value, sc.subject or "",
                        fingerprint(site_url, sc.rule, None, sc.subject or "")))
    reviews = latest_reviews(store, [r[5] for r in raw])
    out = [Finding(ref, rule, status, value, subject,
                   false_positive=(reviews.get(fp) is not None and reviews[fp].verdict == "false_positive"))
           for ref, rule, status, value, subject, fp in raw]
    return run, out


def site_type_of(store: Store, run: Run) -> str | None:
    if run.site_id is None:
        return None
    with store.session() as s:
        site = s.get(Site, run.site_id)
        return site.site_type if site else None


def score_run(store: Store, run_id: int, table: Table, *, service_functions: bool = True,
              judgements: list[Judgement] | None = None, reductions: list[Reduction] | None = None,
              site_type: str | None = None) -> Scorecard:
    """The run's scorecard. Judgements and 核减 not given are the ones recorded for the run (web UI)."""
    run, findings = run_findings(store, run_id)
    if judgements is None or reductions is None:
        from auditor.store.score_judgements import current, scoring_inputs

        stored_j, stored_r = scoring_inputs(current(store, run_id))
        judgements = stored_j if judgements is None else judgements
        reductions = stored_r if reductions is None else reductions
    return score_site(findings, table, site_type=site_type or site_type_of(store, run),
                      service_functions=service_functions, judgements=judgements, reductions=reductions)
