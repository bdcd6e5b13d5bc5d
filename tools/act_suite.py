"""W3C ACT Rules test cases against our axe-core pass: the suite, the ACT rule → axe rule mapping, and agreement.

Pure (no browser): ``tools.act_runner`` runs the cases in Chromium and hands back one record per case; this
module turns records into ACT outcomes, scores them against the expected outcomes, scores W3C's implementation
report of axe-core 4.10.2 the same way, and renders ``docs/act-conformance.md``.

The suite lives in the shared folder next to the project (``<project>/../shared/act``, see its README); it is
read from there and never copied into the repository.

Agreement, precisely (mirrors W3C's ``act-tools``, ``map-implementation/procedure-sets/get-coverage.ts``, which
produced the report's ``coverage.covered``):

* A case's *outcomes* are one per node per mapped axe rule, as axe's EARL output gives them: every violation
  node is ``failed``, every incomplete node ``cantTell``, every pass node ``passed``; a mapped rule with no node
  in any list is ``inapplicable``; a case that could not be run (load error, timeout, axe threw) is
  ``untested``. The outcomes of all mapped rules are pooled, as W3C pools a procedure set.
* The case is then classified in this order: any ``untested`` → *untested*; else any ``cantTell`` →
  *cantTell*; else expected ``failed`` and some outcome ``failed`` → *agrees* (true positive); else expected
  ``passed``/``inapplicable`` and every outcome ``passed``/``inapplicable`` → *agrees* (true negative); else
  *false positive* (a failure on a passed/inapplicable case) or *false negative* (a failed case not caught).
  ``passed`` and ``inapplicable`` are interchangeable, as in ACT's implementation reports: reporting "passed"
  for an inapplicable case, or "inapplicable" for a passed one, is consistent (both mean "requirement not
  failed by this rule"). ``cantTell`` and ``untested`` disagree.
* Agreement of an ACT rule = agreeing cases / counted cases. Counted cases: the approved ones when the rule has
  any approved case, otherwise all (W3C counts only approved cases for approved rules). Agreement over all the
  rule's cases is also computed, and so is *exact* agreement (collapsed outcome equals expected: failed >
  cantTell > passed > inapplicable), which does not forgive passed-for-inapplicable.
* The report's agreement is recomputed from its per-case ``testCaseResults`` with the same function, over the
  same counted cases; ``report_matches_coverage`` checks that it reproduces the report's own ``covered`` count.
"""
from __future__ import annotations

import csv
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

# <project>/tools/act_suite.py -> parents[2] is the folder holding the project and its shared data.
SHARED = Path(__file__).resolve().parents[2] / "shared"
ACT_DIR = SHARED / "act"

# The published cases live under this URL prefix and load their assets by absolute path beneath it, so the
# local server serves ACT_DIR at this prefix (cases: <prefix>testcases/..., assets: <prefix>test-assets/...).
URL_PREFIX = "/WAI/content-assets/wcag-act-rules/"

EXPECTED = ("passed", "failed", "inapplicable")
SATISFIED = frozenset({"passed", "inapplicable"})

# Case classifications (see the module docstring).
AGREES, CANT_TELL, UNTESTED, FALSE_POSITIVE, FALSE_NEGATIVE = (
    "agrees", "cantTell", "untested", "falsePositive", "falseNegative")


@dataclass(frozen=True)
class ActRule:
    """One ACT rule and the axe rules said to implement it."""
    id: str
    name: str
    status: str                        # approved / proposed (W3C)
    axe_rules: tuple[str, ...]         # axe-core's own actIds (the vendored 4.14.1 carries the same)
    report_procedures: tuple[str, ...]  # the procedure set W3C's report of axe-core 4.10.2 settled on
    report_consistency: str | None     # complete / partial / None (inconsistent or untested)

    @property
    def run_rules(self) -> tuple[str, ...]:
        """Every axe rule either mapping names: one run per case serves both scorings."""
        return tuple(dict.fromkeys(self.axe_rules + self.report_procedures))

    @property
    def mapped(self) -> bool:
        return bool(self.run_rules)


@dataclass(frozen=True)
class TestCase:
    """One ACT test case (a whole document: .html, .svg or .xml)."""
    rule_id: str
    id: str
    title: str
    expected: str
    approved: bool
    relative_path: str                 # testcases/<rule>/<id>.<ext>, relative to ACT_DIR

    @property
    def key(self) -> tuple[str, str]:
        # Case ids repeat across rules (a document can serve several rules), so a case is (rule, id).
        return (self.rule_id, self.id)

    @property
    def url_path(self) -> str:
        return URL_PREFIX + self.relative_path

    @property
    def kind(self) -> str:
        return self.relative_path.rsplit(".", 1)[-1]


@dataclass(frozen=True)
class ReportRule:
    """W3C's implementation report of axe-core 4.10.2 for one ACT rule."""
    rule_id: str
    procedures: tuple[str, ...]
    consistency: str | None
    coverage: dict[str, int] | None
    # (testcase id) -> (approved, expected, pooled outcomes of the procedure set)
    results: dict[str, tuple[bool, str, tuple[str, ...]]]


@dataclass
class Agreement:
    """Classification counts over a set of cases."""
    total: int = 0
    counts: Counter = field(default_factory=Counter)
    exact: int = 0

    @property
    def agreed(self) -> int:
        return self.counts[AGREES]

    @property
    def ratio(self) -> float | None:
        return self.agreed / self.total if self.total else None

    def add(self, expected: str, outcomes: Sequence[str]) -> str:
        cls = classify(expected, outcomes)
        self.total += 1
        self.counts[cls] += 1
        self.exact += collapse(outcomes) == expected
        return cls

    def fmt(self) -> str:
        if not self.total:
            return "–"
        return f"{self.agreed}/{self.total} ({100 * self.agreed / self.total:.0f}%)"


def _split(cell: str) -> tuple[str, ...]:
    return tuple(x.strip() for x in cell.split(",") if x.strip())


def load_rules(act_dir: Path = ACT_DIR) -> dict[str, ActRule]:
    """The ACT rules in ``act_rules_index.tsv`` order, keyed by id."""
    out: dict[str, ActRule] = {}
    with (act_dir / "act_rules_index.tsv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            out[row["act_rule_id"]] = ActRule(
                id=row["act_rule_id"], name=row["rule_name"], status=row["status_w3c"],
                axe_rules=_split(row["axe_rules_from_axe_core_actIds"]),
                report_procedures=_split(row["axe_procedures_from_w3c_impl_report"]),
                report_consistency=row["w3c_report_consistency"].strip() or None)
    return out


def load_cases(act_dir: Path = ACT_DIR) -> list[TestCase]:
    """Every case in ``testcases.json`` (1,213 over 87 rules), in file order."""
    data = json.loads((act_dir / "testcases.json").read_text(encoding="utf-8"))
    return [TestCase(rule_id=t["ruleId"], id=t["testcaseId"], title=t["testcaseTitle"], expected=t["expected"],
                     approved=bool(t.get("approved")), relative_path=t["relativePath"])
            for t in data["testcases"]]


def load_report(act_dir: Path = ACT_DIR) -> dict[str, ReportRule]:
    """W3C's report of axe-core 4.10.2, per ACT rule, outcomes pooled over its procedure set per case."""
    data = json.loads((act_dir / "axe-core-implementation-report.json").read_text(encoding="utf-8"))
    out: dict[str, ReportRule] = {}
    for r in data["actRuleMapping"]:
        results: dict[str, tuple[bool, str, tuple[str, ...]]] = {}
        for t in r["testCaseResults"]:
            pooled = tuple(o for p in t["procedureResults"] for o in p["outcomes"])
            # act-tools records a procedure with no assertion for a case as "untested"; keep that reading.
            results[t["testcaseId"]] = (bool(t["testCaseApproved"]), t["expected"], pooled or ("untested",))
        out[r["ruleId"]] = ReportRule(rule_id=r["ruleId"], procedures=tuple(r["procedureNames"]),
                                      consistency=r.get("consistency"), coverage=r.get("coverage"),
                                      results=results)
    return out


def act_ids_diff(rules: Mapping[str, ActRule], act_ids: Mapping[str, Sequence[str]]) -> list[str]:
    """ACT rules whose index mapping differs from an axe build's own ``actIds`` ({axe rule: [ACT ids]})."""
    from_axe: dict[str, set[str]] = {}
    for axe_rule, ids in act_ids.items():
        for i in ids:
            from_axe.setdefault(i, set()).add(axe_rule)
    return [r.id for r in rules.values() if set(r.axe_rules) != from_axe.get(r.id, set())]


def report_version(act_dir: Path = ACT_DIR) -> str:
    data = json.loads((act_dir / "axe-core-implementation-report.json").read_text(encoding="utf-8"))
    return str(data.get("version", ""))


# Resources a case loads (not links it merely points to): src/data/poster attributes and <link href>.
_RESOURCE_REF = re.compile(r"""(?:\b(?:src|data|poster)\s*=\s*|<link\b[^>]*?\bhref\s*=\s*)["']([^"']+)["']""",
                           re.IGNORECASE)


def missing_assets(case: TestCase, act_dir: Path = ACT_DIR) -> list[str]:
    """Files under the suite's URL prefix that the case loads but the shared copy left out (scripts, videos).

    Such a case may not behave as published; this is the only ground on which the test excuses a case.
    """
    text = (act_dir / case.relative_path).read_text(encoding="utf-8", errors="replace")
    out: list[str] = []
    for ref in _RESOURCE_REF.findall(text):
        path = ref.split("#", 1)[0].split("?", 1)[0].rstrip("/")
        # "does-not-exist.png" is missing on W3C's server too: the case is about a broken image.
        if "does-not-exist" in path:
            continue
        if path.startswith(URL_PREFIX) and not (act_dir / path[len(URL_PREFIX):]).is_file():
            rel = path[len(URL_PREFIX):]
            if rel not in out:
                out.append(rel)
    return out


def cases_by_rule(cases: Iterable[TestCase]) -> dict[str, list[TestCase]]:
    out: dict[str, list[TestCase]] = {}
    for c in cases:
        out.setdefault(c.rule_id, []).append(c)
    return out


def counted(cases: Sequence[TestCase]) -> list[TestCase]:
    """The cases W3C counts for a rule: the approved ones if there are any, else all of them."""
    approved = [c for c in cases if c.approved]
    return approved or list(cases)


# ---------------------------------------------------------------------------------------------- outcomes

def classify(expected: str, outcomes: Sequence[str]) -> str:
    """One case's classification; the order of the tests is act-tools' (untested, then cantTell, then TP/TN)."""
    if not outcomes or "untested" in outcomes:
        return UNTESTED
    if "cantTell" in outcomes:
        return CANT_TELL
    if expected == "failed":
        return AGREES if "failed" in outcomes else FALSE_NEGATIVE
    if all(o in SATISFIED for o in outcomes):
        return AGREES
    return FALSE_POSITIVE


def collapse(outcomes: Sequence[str]) -> str:
    """A single ACT outcome for a case: the strongest of its outcomes (failed > cantTell > passed > inapplicable)."""
    if not outcomes or "untested" in outcomes:
        return "untested"
    for o in ("failed", "cantTell", "passed"):
        if o in outcomes:
            return o
    return "inapplicable"


def rule_outcomes(counts: Mapping[str, int] | None) -> list[str]:
    """The per-node ACT outcomes of one axe rule on one case, from the runner's node counts.

    ``None`` (the rule did not run on this case) is untested; a rule that ran and listed no node checked nothing
    on the page, i.e. inapplicable.
    """
    if counts is None:
        return ["untested"]
    out = (["failed"] * int(counts.get("violations", 0)) + ["cantTell"] * int(counts.get("incomplete", 0))
           + ["passed"] * int(counts.get("passes", 0)))
    return out or ["inapplicable"]


def case_outcomes(record: Mapping[str, Any] | None, axe_rules: Sequence[str]) -> list[str]:
    """Pooled outcomes of ``axe_rules`` on one case (a runner record); untested if the case did not run."""
    if not axe_rules:
        return []
    if record is None or record.get("status") != "ok":
        return ["untested"]
    per_rule = record.get("axe") or {}
    return [o for r in axe_rules for o in rule_outcomes(per_rule.get(r))]


def axe_counts(raw: Mapping[str, Any], rules: Sequence[str]) -> dict[str, dict[str, int]]:
    """Per axe rule, how many nodes each result list holds (the runner stores this, not the raw result)."""
    out = {r: {"violations": 0, "passes": 0, "incomplete": 0} for r in rules}
    for kind in ("violations", "passes", "incomplete"):
        for item in raw.get(kind) or []:
            if item.get("id") in out:
                out[item["id"]][kind] += len(item.get("nodes") or [])
    return out


# ---------------------------------------------------------------------------------------------- agreement

def our_agreement(cases: Sequence[TestCase], records: Mapping[tuple[str, str], Mapping[str, Any]],
                  axe_rules: Sequence[str]) -> Agreement:
    """Our agreement over ``cases`` when the ACT rule is implemented by ``axe_rules``."""
    a = Agreement()
    for c in cases:
        a.add(c.expected, case_outcomes(records.get(c.key), axe_rules))
    return a


def report_agreement(report: ReportRule | None, cases: Sequence[TestCase]) -> Agreement:
    """The report's agreement over the same ``cases`` (a case the report lacks counts as untested)."""
    a = Agreement()
    for c in cases:
        got = report.results.get(c.id) if report else None
        a.add(c.expected, got[2] if got else ("untested",))
    return a


def report_matches_coverage(report: ReportRule, cases: Sequence[TestCase]) -> bool:
    """Whether ``report_agreement`` reproduces the report's own coverage (covered, cantTell, untested, total)."""
    if not report.coverage:
        return not report.procedures
    a = report_agreement(report, counted(cases))
    cov = report.coverage
    return (a.agreed, a.counts[CANT_TELL], a.counts[UNTESTED], a.total) == (
        cov["covered"], cov["cantTell"], cov["untested"], cov["testCaseTotal"])


@dataclass
class Row:
    """One line of the conformance table."""
    rule: ActRule
    n_cases: int
    n_counted: int
    ours: Agreement               # axe 4.14.1 actIds, counted cases
    ours_report_set: Agreement    # the report's procedure set, counted cases (like for like with the report)
    ours_all: Agreement           # axe 4.14.1 actIds, every case incl. unapproved
    report: Agreement             # W3C report of axe 4.10.2, counted cases
    disagreements: list[tuple[TestCase, str, list[str]]]  # counted cases we do not agree on (actIds mapping)

    @property
    def below_report(self) -> bool:
        o, r = self.ours.ratio, self.report.ratio
        return o is not None and r is not None and o < r


def table_rows(rules: Mapping[str, ActRule], cases: Sequence[TestCase],
               records: Mapping[tuple[str, str], Mapping[str, Any]],
               report: Mapping[str, ReportRule]) -> list[Row]:
    """A row per ACT rule that maps to at least one axe rule, in index order."""
    by_rule = cases_by_rule(cases)
    rows: list[Row] = []
    for rule in rules.values():
        if not rule.mapped:
            continue
        rc = by_rule.get(rule.id, [])
        cnt = counted(rc)
        dis = []
        for c in cnt:
            outs = case_outcomes(records.get(c.key), rule.axe_rules)
            cls = classify(c.expected, outs)
            if cls != AGREES:
                dis.append((c, cls, outs))
        rows.append(Row(
            rule=rule, n_cases=len(rc), n_counted=len(cnt),
            ours=our_agreement(cnt, records, rule.axe_rules),
            ours_report_set=our_agreement(cnt, records, rule.report_procedures or rule.axe_rules),
            ours_all=our_agreement(rc, records, rule.axe_rules),
            report=report_agreement(report.get(rule.id), cnt),
            disagreements=dis))
    return rows


def pooled(agreements: Iterable[Agreement]) -> Agreement:
    """Counts summed over rules (overall agreement = all agreeing cases / all counted cases)."""
    out = Agreement()
    for a in agreements:
        out.total += a.total
        out.counts.update(a.counts)
        out.exact += a.exact
    return out


# ---------------------------------------------------------------------------------------------- markdown

def _pct(a: Agreement) -> str:
    return f"{100 * a.agreed / a.total:.1f}%" if a.total else "–"


def _short(outcomes: Sequence[str]) -> str:
    c = Counter(outcomes)
    return ", ".join(f"{k}×{v}" if v > 1 else k for k, v in c.items())


def render_markdown(rows: Sequence[Row], cases: Sequence[TestCase],
                    records: Mapping[tuple[str, str], Mapping[str, Any]],
                    meta: Mapping[str, Any], notes: Mapping[str, str] | None = None) -> str:
    """``docs/act-conformance.md``: how it was made, the summary, the table, the disagreements."""
    notes = notes or {}
    lines: list[str] = []
    w = lines.append
    w("# ACT Rules conformance of our axe-core pass")
    w("")
    w("Generated by `scripts/act_conformance.py` — do not edit by hand. Regenerate with")
    w("")
    w("    .venv/bin/python scripts/act_conformance.py            # whole suite, ~{}".format(
        meta.get("duration_hint", "a few minutes")))
    w("")
    w("It serves the W3C ACT Rules test cases from `../shared/act` (never copied into the repo) on a loopback HTTP")
    w(f"server at their published path (`{URL_PREFIX}…`), opens each case in a fresh page of one Debian Chromium")
    w("(`browsers.launch.launch_chromium`, `isolate=True`: nothing but 127.0.0.1 resolves), injects the vendored")
    w("axe-core with the audit's own options (`browsers.axe`, top document only, frames not entered) restricted to")
    w("the ACT rule's mapped axe rules, with all result types, and scores the outcomes (`tools/act_suite.py`,")
    w("runner `tools/act_runner.py`). Two harness measures keep axe on the case document itself: a top-level")
    w("navigation other than the case's own load (a 0-second meta refresh to w3.org, say) is answered `204 No")
    w("Content` so it does not commit; and where Chromium replaces an unstyled XML document by its own XML tree")
    w("viewer (an XHTML page with no `lang`), the case is loaded as the only content of a frame and axe runs in")
    w("that frame's document (the viewer is shown in top-level documents only). Both are noted per case below.")
    w("The audit's own result filter applies here as everywhere (`browsers.axe.RESULT_FILTER_JS`): HTML obeys only")
    w("the first parsable `<meta http-equiv=refresh>`, so axe's meta-refresh findings on later, ignored ones are")
    w("dropped (axe judges each element on its own; this is what bc659a/bisz58 Passed Example 2 test).")
    w("")
    w("`tests/test_act_conformance.py` runs the 29 rules the report marks consistent (474 cases) the same way,")
    w("except that each of the 3 lanes keeps its page and navigates it from case to case: that halves the run on")
    w("a loaded 2-core machine and gave node counts identical to fresh pages on all 474 cases. It fails for any")
    w("of those rules where our agreement falls below the report's. Re-render this page from a saved run with")
    w("`scripts/act_conformance.py --from-json docs/act-conformance.json`.")
    w("")
    w("| | |")
    w("|---|---|")
    for k, v in meta.get("about", {}).items():
        w(f"| {k} | {v} |")
    w("")
    w("## What \"agreement\" means")
    w("")
    w("Mirrors how W3C computed the `coverage` of its implementation reports (act-tools, `get-coverage.ts`):")
    w("")
    w("* a case's outcomes are one per node per mapped axe rule — violation node → `failed`, incomplete node →")
    w("  `cantTell`, pass node → `passed`; a rule with no node in any list → `inapplicable`; a case that did not")
    w("  run (load error, timeout, axe error) → `untested`. Outcomes of all mapped rules are pooled;")
    w("* a case **agrees** when: expected `failed` and some outcome is `failed`; or expected `passed` /")
    w("  `inapplicable` and every outcome is `passed` or `inapplicable`. Reporting *passed* for an *inapplicable*")
    w("  case (or the reverse) agrees, as in W3C's reports: both mean the rule found nothing wrong. Any `cantTell`")
    w("  or `untested` outcome makes the case disagree (checked first, as act-tools does), and so do false")
    w("  positives (a failure on a passed/inapplicable case) and false negatives (a failed case not caught);")
    w("* a rule's agreement = agreeing cases / counted cases, where counted cases are the rule's **approved** cases")
    w("  when it has any (W3C counts only those), else all its cases. The report's agreement is recomputed from its")
    w("  per-case results with the same code over the same cases; it reproduces the report's own `covered` count")
    w(f"  for {meta.get('report_reproduced', '?')} rules.")
    w("* *exact* agreement (summary only) is stricter: the collapsed outcome (failed > cantTell > passed >")
    w("  inapplicable) must equal the expected one.")
    w("")
    w("Mappings: **ours** uses axe-core's own `actIds` (the vendored 4.14.1 build; checked against the index at run")
    w("time), which is what the audit reports. **ours (report set)** scores the same run with only the axe rules")
    w("W3C's report settled on for axe 4.10.2 — like for like with the **report** column.")
    w("")
    w("## Summary")
    w("")
    for line in meta.get("summary", []):
        w(line)
    w("")
    w("## Per ACT rule")
    w("")
    w("Agreement columns are over the counted cases (approved ones for approved rules); *all cases* adds the "
      "unapproved ones.")
    w("")
    w("| ACT rule | Name | axe rules (4.14.1 actIds) | Cases (counted/all) | Ours | Ours (report set) "
      "| Ours, all cases | Report axe 4.10.2 | Report consistency | Δ |")
    w("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        delta = ""
        if r.ours.ratio is not None and r.report.ratio is not None:
            d = r.ours.agreed - r.report.agreed
            delta = f"{d:+d}" if d else "="
        rs = r.rule.report_procedures
        extra = "" if set(rs) == set(r.rule.axe_rules) else f" (report: {', '.join(rs) or '—'})"
        w(f"| [{r.rule.id}](https://www.w3.org/WAI/standards-guidelines/act/rules/{r.rule.id}/) | {r.rule.name} "
          f"| {', '.join(r.rule.axe_rules) or '—'}{extra} | {r.n_counted}/{r.n_cases} | {r.ours.fmt()} "
          f"| {r.ours_report_set.fmt()} | {r.ours_all.fmt()} | {r.report.fmt()} "
          f"| {r.rule.report_consistency or '—'} | {delta} |")
    w("")
    w("## Where we disagree")
    w("")
    w("Counted cases only, mapping = axe 4.14.1 actIds. *Ours* lists pooled per-node outcomes; *report* the "
      "report's pooled outcomes for axe 4.10.2; *left out* names files the case loads that the shared copy of "
      "the suite does not have (scripts, videos).")
    w("")
    report_by = meta.get("report_outcomes", {})

    def case_line(c: TestCase, cls: str, outs: Sequence[str]) -> str:
        rec = records.get(c.key) or {}
        run = rec.get("status", "not run")
        if rec.get("error"):
            run += f": {str(rec['error'])[:80]}"
        if rec.get("note"):
            run += f" ({rec['note']})"
        rep = report_by.get(f"{c.rule_id}/{c.id}", "—")
        gone = ", ".join(m.rsplit("/", 1)[-1] or m for m in missing_assets(c)) or ""
        return (f"| [{c.title}](https://www.w3.org{c.url_path}) · `{c.id[:8]}` ({c.kind}) | {c.expected} "
                f"| {_short(outs)} | {cls} | {rep} | {gone} | {run.replace('|', '/')} |")

    header = ["| Case | Expected | Ours | Class | Report 4.10.2 | Left out | Run |",
              "|---|---|---|---|---|---|---|"]
    for r in rows:
        if not r.disagreements:
            continue
        w(f"### {r.rule.id} {r.rule.name}")
        w("")
        if r.rule.id in notes:
            w(notes[r.rule.id])
            w("")
        lines.extend(header)
        for c, cls, outs in r.disagreements:
            w(case_line(c, cls, outs))
        w("")
    by_rule = cases_by_rule(cases)
    special: list[tuple[TestCase, str, list[str]]] = []
    gone_rows: list[tuple[TestCase, str, list[str]]] = []
    for r in rows:
        for c in by_rule.get(r.rule.id, []):
            outs = case_outcomes(records.get(c.key), r.rule.axe_rules)
            cls = classify(c.expected, outs)
            if c.kind != "html":
                special.append((c, cls, outs))
            if missing_assets(c):
                gone_rows.append((c, cls, outs))
    w("## SVG and XML cases")
    w("")
    w("Every non-HTML case of a mapped rule, counted or not. SVG documents are run as they are (axe works on the")
    w("SVG document element); XML cases that Chromium would show in its XML viewer run inside a frame (see top).")
    w("")
    lines.extend(header)
    for c, cls, outs in special:
        w(case_line(c, cls, outs))
    w("")
    w("## Cases that load left-out files")
    w("")
    n_ok = sum(1 for _, cls, _ in gone_rows if cls == AGREES)
    complete_ids = {r.rule.id for r in rows if r.rule.report_consistency == "complete"}
    rep_cls = meta.get("report_class", {})
    n_same = sum(1 for c, cls, _ in gone_rows if cls != AGREES and rep_cls.get(f"{c.rule_id}/{c.id}") == cls)
    w(f"{len(gone_rows)} cases of mapped rules load scripts or videos the shared copy left out. {n_ok} agree; "
      f"of the {len(gone_rows) - n_ok} that do not, {n_same} disagree in the same way as the report does (axe "
      f"cannot tell there either). Disagreeing ones in rules the report marks consistent: "
      f"{sum(1 for c, cls, _ in gone_rows if cls != AGREES and c.rule_id in complete_ids)}.")
    w("")
    lines.extend(header)
    for c, cls, outs in gone_rows:
        w(case_line(c, cls, outs))
    w("")
    return "\n".join(lines).rstrip() + "\n"


__all__ = ["ACT_DIR", "SHARED", "URL_PREFIX", "ActRule", "TestCase", "ReportRule", "Agreement", "Row",
           "load_rules", "load_cases", "load_report", "report_version", "cases_by_rule", "counted", "classify",
           "collapse", "missing_assets", "rule_outcomes", "case_outcomes", "axe_counts", "our_agreement", "report_agreement",
           "report_matches_coverage", "act_ids_diff", "table_rows", "pooled", "render_markdown",
           "AGREES", "CANT_TELL", "UNTESTED", "FALSE_POSITIVE", "FALSE_NEGATIVE"]
