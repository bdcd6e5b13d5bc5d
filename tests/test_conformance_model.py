"""The conformance model (评测结论) on constructed results: one failing element makes 不符合; only 需人工复核 items
make 无法判定; axe finding nothing to check makes 不适用; passed rules make 符合; uncovered criteria are
需人工评测; manual judgements override. Plus the standards' criteria and the sample."""
from __future__ import annotations

import pytest

from auditor.a11y import gbt_indicator
from auditor.conformance.model import (BadJudgement, CheckObs, EvidenceObs, ManualJudgement, PageObs,
                                       check_judgement, evaluate)
from auditor.conformance.sample import AuditedPage, build_sample
from auditor.conformance.standards import STANDARD_KEYS, UnknownStandard, check_maps, covering_checks, standard

AXE_RAN = CheckObs("a11y.axe", "fail", "axe-core 4.14.1 发现问题")


def violation(rule: str, wcag: list[str], status: str = "fail", nodes: int = 1, review: bool = False) -> CheckObs:
    prefix = "a11y.review." if review else "a11y."
    return CheckObs(prefix + rule, "warn" if review else status, f"{rule} 问题",
                    {"axe_rule": rule, "wcag": wcag, "nodes": nodes, "needs_review": review,
                     "targets": ["#x"]},
                    [EvidenceObs("crop", f"run1/{rule}-1.png", "Fix this", "#x")], 7)


def page(url: str, checks: list[CheckObs], passes=(), inapplicable=()) -> PageObs:
    return PageObs(url, [AXE_RAN] + checks, "article", "t", 1, frozenset(passes), frozenset(inapplicable))


def test_standards_have_the_expected_criteria():
    assert len(standard("wcag21aa").criteria) == 50 and len(standard("wcag22aa").criteria) == 55
    assert len(standard("gbt37668").criteria) == 38  # WCAG 2.0 A + AA
    assert standard("wcag22aa").get("4.1.1") is None and standard("wcag21aa").get("4.1.1") is not None
    assert standard("wcag21aa").get("2.5.8") is None and standard("wcag22aa").get("2.5.8") is not None
    c = standard("gbt37668").get("1.4.3")
    assert c.ref == "5.1.4" and not c.verified and c.test == "WCAG20:contrast-minimum"
    assert standard("wcag21aa").get("1.1.1").test == "WCAG21:non-text-content"
    assert all(not c.verified for c in standard("elderly").criteria)
    with pytest.raises(UnknownStandard):
        standard("wcag30")
    # every mapped criterion exists in some standard
    known = {c.id for k in STANDARD_KEYS for c in standard(k).criteria} | {"2.1.3", "2.2.4", "2.4.9", "3.2.5"}
    assert {sc for m in check_maps().values() for sc in m.criteria} <= known


def test_gbt_mapping_read_from_the_data_file_keeps_its_behaviour():
    g = gbt_indicator("1.4.3")
    assert (g.clause, g.principle, g.guideline, g.name, g.level) == ("5.1.4", "可感知性", "可辨别", "对比度（最低）", "AA")
    assert gbt_indicator("4.1.2").clause == "5.4.1"
    assert gbt_indicator("1.4.10").clause is None and "无对应指标" in gbt_indicator("1.4.10").label
    assert "a11y.image-alt" in covering_checks("1.1.1") and "a11y.ga-image-link-alt" in covering_checks("1.1.1")


def test_one_failing_element_fails_the_criterion():
    pages = [page("http://s/a", [violation("image-alt", ["1.1.1"])], passes={"color-contrast"}),
             page("http://s/b", [], passes={"image-alt", "color-contrast"})]
    conf = evaluate(standard("wcag21aa"), pages)
    r = conf.result("1.1.1")
    assert r.outcome == "failed" and r.outcome_zh == "不符合"
    assert r.failed_pages == ["http://s/a"] and r.passed_pages == ["http://s/b"]
    assert r.examples[0].evidence_path == "run1/image-alt-1.png" and r.examples[0].target == "#x"
    assert conf.result("1.4.3").outcome == "passed"
    assert conf.failed() == ["1.1.1"]


def test_moderate_violation_still_fails_but_best_practice_does_not_count():
    pages = [page("http://s/a", [violation("ga-form-submit", ["3.2.2"], status="warn"),
                                 CheckObs("a11y.region", "warn", "", {"axe_rule": "region", "wcag": []})])]
    conf = evaluate(standard("wcag21aa"), pages)
    assert conf.failed() == ["3.2.2"]


def test_only_review_items_make_cant_tell():
    pages = [page("http://s/a", [violation("color-contrast", ["1.4.3"], review=True)],
                  passes={"color-contrast"})]
    r = evaluate(standard("wcag21aa"), pages).result("1.4.3")
    assert r.outcome == "cantTell" and r.outcome_zh == "无法判定" and r.needs_person
    assert r.examples and r.examples[0].rule == "a11y.review.color-contrast"
    # a failure elsewhere still wins over review items
    pages.append(page("http://s/b", [violation("color-contrast", ["1.4.3"])]))
    assert evaluate(standard("wcag21aa"), pages).result("1.4.3").outcome == "failed"


def test_nothing_applicable_is_inapplicable_and_uncovered_is_untested():
    pages = [page("http://s/a", [], passes={"document-title"}, inapplicable={"video-caption", "audio-caption"})]
    conf = evaluate(standard("wcag21aa"), pages)
    assert conf.result("1.2.2").outcome == "inapplicable"  # video-caption covers 1.2.2: no video
    assert conf.result("2.4.2").outcome == "passed"
    r = conf.result("3.3.3")  # error suggestion: no automated check
    assert r.outcome == "untested" and r.outcome_zh == "需人工评测" and not r.checks


def test_axe_that_could_not_finish_is_cant_tell_and_no_axe_is_untested():
    broken = PageObs("http://s/a", [CheckObs("a11y.axe", "not_assessable", "axe 冻结")], passes=frozenset())
    assert evaluate(standard("wcag21aa"), [broken]).result("1.1.1").outcome == "cantTell"
    off = PageObs("http://s/a", [])
    r = evaluate(standard("wcag21aa"), [off]).result("1.1.1")
    assert r.outcome == "untested" and "未在样本页面上运行" in r.description


def test_elderly_checks_map_to_the_elderly_standard():
    pages = [PageObs("http://s/", [CheckObs("elderly.entry", "fail", "无变化"),
                                   CheckObs("elderly.no_popups", "pass", ""),
                                   CheckObs("elderly.focus_visible", "warn", "20%")])]
    conf = evaluate(standard("elderly"), pages)
    assert conf.result("EL-01").outcome == "failed"
    assert conf.result("EL-03").outcome == "passed"
    assert conf.result("EL-08").outcome == "cantTell"  # a 适老化 警告 is partial, not a failure
    assert conf.result("EL-04").outcome == "untested"  # 诱导式按键: no check
    # the same focus check bears on WCAG 2.4.7
    assert evaluate(standard("wcag21aa"), pages).result("2.4.7").outcome == "cantTell"


def test_manual_judgements_override_newest_wins():
    pages = [page("http://s/a", [violation("image-alt", ["1.1.1"])])]
    js = [ManualJudgement("3.3.3", "failed", "表单错误无建议", "shots/x.png", "张三"),
          ManualJudgement("1.1.1", "passed", "图片为装饰", None, "李四"),
          ManualJudgement("1.1.1", "inapplicable", "改判", None, "李四")]
    conf = evaluate(standard("wcag21aa"), pages, js)
    assert conf.result("3.3.3").outcome == "failed" and conf.result("3.3.3").automatic == "untested"
    r = conf.result("1.1.1")
    assert r.outcome == "inapplicable" and r.automatic == "failed" and r.manual.note == "改判"
    with pytest.raises(BadJudgement):
        check_judgement(standard("wcag21aa"), "9.9.9", "passed")
    with pytest.raises(BadJudgement):
        check_judgement(standard("wcag21aa"), "1.1.1", "untested")


def test_summary_by_principle_counts_every_criterion():
    conf = evaluate(standard("gbt37668"), [page("http://s/a", [violation("label", ["4.1.2"])])])
    by = conf.by_principle()
    assert sum(sum(c.values()) for c in by.values()) == len(standard("gbt37668").criteria)
    assert by["4"]["failed"] == 1


def test_sample_structured_and_random():
    pages = [AuditedPage("http://s/", "home", "首页", frozenset({"a11y.axe", "elderly.entry"}))]
    pages += [AuditedPage(f"http://s/gzdt/t2026_{i}.html", "article", "文", frozenset({"a11y.axe"}))
              for i in range(30)]
    pages += [AuditedPage("http://s/zwgk/", "column", "栏目", frozenset()),
              AuditedPage("http://s/bad.html", "article", None, frozenset(), "超时")]
    s = build_sample(pages, "site", seed=5)
    assert [p.url for p in s.structured] == ["http://s/", "http://s/gzdt/t2026_0.html", "http://s/zwgk/"]
    assert "首页" in s.structured[0].reason and "入口" in s.structured[0].reason
    assert len(s.random) == 1 and len(s.excluded) == 28 and s.failed[0].url == "http://s/bad.html"
    assert build_sample(pages, "site", seed=5).random == s.random  # reproducible
    every = build_sample(pages, "site", seed=5, all_pages=True)
    assert not every.excluded and len(every.urls) == 32 and "计入" in every.method
    assert every.method.startswith("结构化样本 3 页")
    p = build_sample(pages, "pages", seed=5)
    assert len(p.structured) == 32 and not p.random


def test_reviewer_verdicts_on_findings_count():
    """误报 takes a finding out (the page counts as passed for it); 确认 of a 需人工复核 item makes 不符合."""
    fp = violation("image-alt", ["1.1.1"])
    fp.review = "false_positive"
    confirmed = violation("color-contrast", ["1.4.3"], review=True)
    confirmed.review = "confirmed"
    conf = evaluate(standard("wcag21aa"), [page("http://s/a", [fp, confirmed])])
    assert conf.result("1.1.1").outcome == "passed"
    assert conf.result("1.4.3").outcome == "failed"


def test_runs_without_pass_lists_claim_no_conformance_from_axe_silence():
    old = PageObs("http://s/a", [AXE_RAN])  # passes/inapplicable None: recorded before they were kept
    conf = evaluate(standard("wcag21aa"), [old])
    assert conf.result("2.4.2").outcome == "untested"  # axe ran, did not report document-title: unknown
    assert conf.result("3.2.2").outcome == "untested"  # our own form check is silent: passed or no form
    assert evaluate(standard("wcag21aa"), [PageObs("http://s/a", [AXE_RAN, violation("label", ["4.1.2"])])]
                    ).result("4.1.2").outcome == "failed"


def test_mapping_data_follows_the_vendored_axe():
    """The axe-core rows of mapping.json were generated from this axe build (scripts/axe_rule_criteria.js);
    an axe upgrade without regenerating them fails here."""
    import re
    from pathlib import Path

    from auditor.a11y import MAPPING

    head = (Path(__file__).resolve().parents[1] / "browsers/vendor/axe-core/axe.min.js").read_text(
        encoding="utf-8")[:200]
    assert MAPPING["axe_version"] == re.search(r"axe v([\d.]+)", head)[1]
    rows = [c for c in MAPPING["checks"] if c["source"] == "axe-core"]
    assert len(rows) >= 90 and all(c["verified"] for c in rows)
    # every WCAG row says whether its GB/T 37668 clause was checked against the standard (none was)
    assert all(r["gbt37668_verified"] is False for r in MAPPING["wcag"])
