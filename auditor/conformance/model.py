"""评测结论 (the conformance model): for the sample pages of a run and a standard, one result per criterion.

Pure: it reads what the run recorded (per page its checks with their evidence, and which axe rules passed or
found nothing to check) and the evaluator's 人工评测 judgements, and returns per criterion:

- 不符合 (``failed``): at least one failing element, i.e. a violation finding mapped to the criterion (an axe
  violation is a failure of its criteria whatever its impact; impact is severity, not conformance);
- 无法判定 (``cantTell``): no failure, but 需人工复核 items (axe's "incomplete"), a check that could not be
  completed (not_assessable), or a check whose 警告 means "partly" (the 适老化 checks);
- 符合 (``passed``): a covering check passed on the sample (axe lists the rule as passed, a 适老化 check
  passed, or a reviewer marked the finding 误报);
- 不适用 (``inapplicable``): the covering checks ran and axe found nothing to check on any sample page;
- 需人工评测 (``untested``): no automated check covers the criterion, or none ran.

An evaluator's judgement replaces the automated result (the automated one is kept beside it).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable

from auditor.conformance.standards import CheckMap, Criterion, Standard, check_maps, covering_checks

OUTCOMES = ("failed", "cantTell", "passed", "inapplicable", "untested")
OUTCOME_ZH = {"passed": "符合", "failed": "不符合", "cantTell": "无法判定", "inapplicable": "不适用",
              "untested": "需人工评测"}
JUDGEABLE = ("passed", "failed", "cantTell", "inapplicable")
REVIEW_PREFIX = "a11y.review."
AXE_SUMMARY = "a11y.axe"


class BadJudgement(ValueError):
    """A manual judgement that cannot be recorded (unknown criterion or result)."""


@dataclass(frozen=True)
class EvidenceObs:
    kind: str
    path: str | None
    note: str | None = None
    text: str | None = None


@dataclass
class CheckObs:
    """One check result on a page, as stored (``Check`` row with its evidence)."""
    rule: str
    status: str
    message: str = ""
    value: Any = None
    evidence: list[EvidenceObs] = field(default_factory=list)
    check_id: int | None = None
    indicator: str = ""
    review: str | None = None  # the reviewer's verdict on this finding: false_positive (误报) | confirmed (确认)


@dataclass
class PageObs:
    """A page of the sample with what the run recorded on it. ``passes``/``inapplicable`` are axe rule ids,
    None when the run predates keeping them (then a silent axe rule proves nothing either way)."""
    url: str
    checks: list[CheckObs]
    kind: str | None = None
    title: str | None = None
    page_id: int | None = None
    passes: frozenset[str] | None = None
    inapplicable: frozenset[str] | None = None

    @property
    def axe_state(self) -> str:
        """ran | broken (axe could not finish: not_assessable) | off (the 无障碍 pass did not run)."""
        summary = next((c for c in self.checks if c.rule == AXE_SUMMARY), None)
        if summary is None:
            return "off"
        return "broken" if summary.status == "not_assessable" else "ran"


@dataclass(frozen=True)
class ManualJudgement:
    """人工评测: an evaluator's result for one criterion of one run and standard."""
    criterion: str
    result: str
    note: str = ""
    evidence_path: str | None = None
    user: str = ""
    time: datetime | None = None


@dataclass(frozen=True)
class Example:
    """One failing (or for-review) element behind a result, with its crop."""
    page_url: str
    rule: str
    message: str
    target: str | None  # the element's selector
    note: str | None  # axe's failure summary or the reason for review
    evidence_path: str | None  # the crop, relative to the evidence folder
    check_id: int | None


@dataclass
class CriterionResult:
    criterion: Criterion
    outcome: str
    automatic: str  # the automated outcome, before any manual judgement
    description: str
    checks: list[str]  # the automated checks that cover it
    failed_pages: list[str] = field(default_factory=list)
    cant_tell_pages: list[str] = field(default_factory=list)
    passed_pages: list[str] = field(default_factory=list)
    inapplicable_pages: list[str] = field(default_factory=list)
    rules: Counter[str] = field(default_factory=Counter)  # failing/for-review rule -> elements
    examples: list[Example] = field(default_factory=list)
    manual: ManualJudgement | None = None

    @property
    def outcome_zh(self) -> str:
        return OUTCOME_ZH[self.outcome]

    @property
    def needs_person(self) -> bool:
        """The evaluator should look: nothing automated covers it, or the machine could not decide."""
        return self.automatic in ("untested", "cantTell")


@dataclass
class Conformance:
    standard: Standard
    results: list[CriterionResult]

    def counts(self) -> Counter[str]:
        return Counter(r.outcome for r in self.results)

    def by_principle(self) -> dict[str, Counter[str]]:
        """Outcome counts per principle ("1".."4"), every outcome present."""
        out: dict[str, Counter[str]] = {p: Counter({o: 0 for o in OUTCOMES}) for p in ("1", "2", "3", "4")}
        for r in self.results:
            out.setdefault(r.criterion.principle, Counter({o: 0 for o in OUTCOMES}))[r.outcome] += 1
        return out

    def failed(self) -> list[str]:
        return [r.criterion.id for r in self.results if r.outcome == "failed"]

    def result(self, cid: str) -> CriterionResult | None:
        return next((r for r in self.results if r.criterion.id == cid), None)


def _base_rule(rule: str) -> tuple[str, bool]:
    """(the mapped check id, whether the finding is a 需人工复核 item)."""
    if rule.startswith(REVIEW_PREFIX):
        return "a11y." + rule[len(REVIEW_PREFIX):], True
    return rule, False


def finding_criteria(check: CheckObs, maps: dict[str, CheckMap] | None = None) -> tuple[str, ...]:
    """The criteria a stored finding bears on: the mapping data's, plus the WCAG criteria the finding itself
    names (an axe rule newer than the mapping data still lands on its criteria)."""
    maps = check_maps() if maps is None else maps
    base, _ = _base_rule(check.rule)
    out = list(maps[base].criteria) if base in maps else []
    if isinstance(check.value, dict):
        for sc in check.value.get("wcag") or []:
            if sc not in out:
                out.append(sc)
    return tuple(out)


def _verdict(check: CheckObs, maps: dict[str, CheckMap]) -> str | None:
    """What one finding means for its criteria: failed, cantTell, passed, or None (nothing to say).

    A reviewer's verdict on the finding comes first: 误报 means nothing failed there (passed); 确认 makes it a
    failure, so a 需人工复核 item a reviewer confirmed makes its criterion 不符合."""
    if check.status in ("fail", "warn", "not_assessable"):
        if check.review == "false_positive":
            return "passed"
        if check.review == "confirmed":
            return "failed"
    base, review = _base_rule(check.rule)
    if review:
        return "cantTell"
    if isinstance(check.value, dict) and check.value.get("needs_review"):
        return "cantTell"
    if check.status == "fail":
        return "failed"
    if check.status == "warn":
        m = maps.get(base)
        return m.warn if m else "failed"
    if check.status == "not_assessable":
        return "cantTell"
    if check.status == "pass":
        return "passed"
    return None


def _examples_of(page: PageObs, check: CheckObs, room: int) -> list[Example]:
    value = check.value if isinstance(check.value, dict) else {}
    crops = [e for e in check.evidence if e.path and e.kind in ("crop", "shot", "screenshot")]
    out: list[Example] = []
    for e in crops[:room]:
        out.append(Example(page.url, check.rule, check.message, e.text, e.note, e.path, check.check_id))
    if not out and room > 0:
        targets = value.get("targets") or [None]
        out.append(Example(page.url, check.rule, check.message, targets[0], None, None, check.check_id))
    return out


def _pick(examples: list[Example], n: int) -> list[Example]:
    """Up to n examples, one per rule and page first, so the report shows the kinds of failure, not n crops
    of the first one."""
    out: list[Example] = []
    seen: set[tuple[str, str]] = set()
    for e in examples:
        if len(out) < n and (e.rule, e.page_url) not in seen:
            out.append(e)
            seen.add((e.rule, e.page_url))
    for e in examples:
        if len(out) >= n:
            break
        if e not in out:
            out.append(e)
    return out


def _axe_rule_state(page: PageObs, rule: str) -> str | None:
    """For a page on which axe ran and did not report the rule: passed, inapplicable, or None (unknown)."""
    if page.passes is None and page.inapplicable is None:
        # Older runs kept no lists: "not reported" may mean passed or nothing to check; claim neither.
        return None
    if page.passes is not None and rule in page.passes:
        return "passed"
    if page.inapplicable is not None and rule in page.inapplicable:
        return "inapplicable"
    return None


def evaluate(std: Standard, pages: Iterable[PageObs], judgements: Iterable[ManualJudgement] = (),
             max_examples: int = 3) -> Conformance:
    """One result per criterion of ``std`` over the sample ``pages``; ``judgements`` (newest last) override."""
    maps = check_maps()
    pages = list(pages)
    manual: dict[str, ManualJudgement] = {}
    for j in judgements:
        manual[j.criterion] = j
    # Per check, once: the criteria it bears on and what it says (criteria x checks would repeat this).
    prepared = [(page, page.axe_state,
                 [(check, set(finding_criteria(check, maps)), _base_rule(check.rule)[0], _verdict(check, maps))
                  for check in page.checks if check.rule != AXE_SUMMARY])
                for page in pages]
    results: list[CriterionResult] = []
    for crit in std.criteria:
        cover = covering_checks(crit.id)
        res = CriterionResult(crit, "untested", "untested", "", cover)
        failed: dict[str, None] = {}
        cant: dict[str, None] = {}
        passed: dict[str, None] = {}
        inapplicable: dict[str, None] = {}
        failing: Counter[str] = Counter()
        fail_examples: list[Example] = []
        review_examples: list[Example] = []
        ran_any = False
        for page, axe, page_checks in prepared:
            reported: set[str] = set()
            for check, criteria, base, verdict in page_checks:
                if crit.id not in criteria:
                    continue
                reported.add(base)
                if verdict is None:
                    continue
                ran_any = True
                if verdict == "passed":
                    passed[page.url] = None
                    continue
                nodes = check.value.get("nodes", 1) if isinstance(check.value, dict) else 1
                res.rules[check.rule] += int(nodes or 1)
                if verdict == "failed":
                    failing[check.rule] += int(nodes or 1)
                    failed[page.url] = None
                    fail_examples += _examples_of(page, check, max_examples)
                else:
                    cant[page.url] = None
                    review_examples += _examples_of(page, check, max_examples)
            # The covering axe rules and our own in-page checks that ran and reported nothing on this page.
            for chk in cover:
                m = maps[chk]
                if chk in reported or not chk.startswith("a11y.") or chk == "a11y.entry":
                    continue
                if axe == "broken":
                    ran_any = True
                    cant[page.url] = None
                    continue
                if axe != "ran":
                    continue
                ran_any = True
                # Our own in-page checks report only failures: their silence is "passed or nothing to
                # check", so it claims neither.
                state = _axe_rule_state(page, chk[len("a11y."):]) if m.source == "axe-core" else None
                if state == "passed":
                    passed[page.url] = None
                elif state == "inapplicable":
                    inapplicable[page.url] = None
        res.failed_pages, res.cant_tell_pages = list(failed), list(cant)
        res.passed_pages = [u for u in passed if u not in failed and u not in cant]
        res.inapplicable_pages = [u for u in inapplicable if u not in passed and u not in failed and u not in cant]
        if failed:
            res.automatic = "failed"
            res.examples = _pick(fail_examples, max_examples)
            res.description = (f"{len(failed)} 个样本页面上有 {sum(failing.values())} 处不符合："
                               + "、".join(sorted(failing)))
        elif cant:
            res.automatic = "cantTell"
            res.examples = _pick(review_examples, max_examples)
            res.description = (f"{len(cant)} 个样本页面上有需人工复核的项目或未能完成的检查："
                               + "、".join(sorted(res.rules)) if res.rules else
                               f"{len(cant)} 个样本页面上的自动检查未能完成，需人工复核")
        elif res.passed_pages:
            res.automatic = "passed"
            res.description = (f"覆盖该准则的自动检查在 {len(res.passed_pages)} 个样本页面上通过"
                               "（自动检查只覆盖该准则的部分情形）")
        elif res.inapplicable_pages:
            res.automatic = "inapplicable"
            res.description = f"覆盖该准则的自动检查在 {len(res.inapplicable_pages)} 个样本页面上均无适用的内容"
        elif cover:
            res.description = "覆盖该准则的自动检查未在样本页面上运行，需人工评测" if not ran_any else \
                "覆盖该准则的自动检查在样本页面上没有结果（规则未启用，或批次早于记录通过与不适用的规则），需人工评测"
        else:
            res.description = "无自动检查覆盖该准则，需人工评测"
        res.outcome = res.automatic
        j = manual.get(crit.id)
        if j is not None:
            res.manual = j
            res.outcome = j.result
        results.append(res)
    return Conformance(std, results)


def check_judgement(std: Standard, criterion: str, result: str) -> None:
    """Raise BadJudgement (Chinese message) unless ``result`` may be recorded for ``criterion``."""
    if std.get(criterion) is None:
        raise BadJudgement(f"评测标准中没有准则 {criterion}")
    if result not in JUDGEABLE:
        raise BadJudgement(f"评测结果必须是 {' / '.join(OUTCOME_ZH[o] for o in JUDGEABLE)} 之一")


__all__ = ["OUTCOMES", "OUTCOME_ZH", "JUDGEABLE", "EvidenceObs", "CheckObs", "PageObs", "ManualJudgement",
           "Example", "CriterionResult", "Conformance", "BadJudgement", "evaluate", "finding_criteria",
           "check_judgement"]
