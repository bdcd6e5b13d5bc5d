"""The 19号 scorecard (auditor/scoring/) on constructed finding sets: each veto alone, the group caps, the 60 / 80
gates, the 4/3 rule, 误报 and 核减, a person's judgements, a province's overrides and a bad scoring file."""
from __future__ import annotations

import pytest

from auditor.scoring import (FAIL, MET, NOT_MET, PASS, Finding, Judgement, Reduction, TableError, load_table,
                             score_site)

TABLE = load_table()
# Everything a person must judge, judged as met: the card then rests on the findings alone.
ALL_MET = [Judgement(i.id, MET, reason="已核查") for i in TABLE.indicators if i.person]


def card(findings, **kw):
    kw.setdefault("judgements", ALL_MET)
    return score_site(findings, TABLE, **kw)


def test_no_findings_and_everything_judged_is_100_and_final():
    sc = card([])
    assert sc.verdict == PASS and sc.deduct_score == 100 and not sc.provisional and sc.label == "合格"


def test_without_judgements_the_items_no_rule_covers_are_pending_and_the_score_provisional():
    sc = score_site([], TABLE)
    assert sc.provisional and sc.label == "合格（暂定）"
    assert {"V5", "V6", "D3.1", "D2.3"} <= {p.indicator for p in sc.pending}


@pytest.mark.parametrize("rule, veto", [
    ("site.availability", "V2"), ("home.update", "V3"), ("columns.veto", "V4"), ("content.wording", "V1"),
    ("interaction.unanswered", "V5"), ("service.guide", "V6"),
])
def test_each_veto_alone_fails_the_site_and_stops_the_scoring(rule, veto):
    sc = card([Finding("s1", rule, "fail")], judgements=[j for j in ALL_MET if j.indicator != veto])
    assert sc.verdict == FAIL and not sc.scored and [v.indicator for v in sc.vetoes] == [veto]
    assert sc.vetoes[0].findings == ["s1"] and sc.total == 0


def test_a_veto_marked_false_positive_does_not_count():
    sc = card([Finding("s1", "home.update", "fail", false_positive=True)])
    assert sc.verdict == PASS and not sc.vetoes


def test_deductions_trace_to_their_findings_and_respect_the_where_filter():
    policy = {"class": "policy", "level": 1}
    dynamic = {"class": "dynamic", "level": 1}
    sc = card([Finding("s1", "columns.freshness", "fail", policy),
               Finding("s2", "columns.freshness", "fail", {"class": "policy", "level": 2}),
               Finding("s3", "columns.freshness", "fail", dynamic),
               Finding("s4", "columns.freshness", "fail", dynamic)])
    d1 = next(g for g in sc.groups if g.id == "D1")
    by = {d.indicator: d for d in d1.deductions}
    assert by["D1.5"].points == 5 and by["D1.5"].findings == ["s1"]  # once, 一级 only
    assert by["D1.4"].count == 2 and by["D1.4"].points == 2 and by["D1.4"].findings == ["s3", "s4"]
    assert sc.deduct_score == 93 and "D1.4" in sc.placeholder_points and "D1.5" not in sc.placeholder_points


def test_a_group_never_loses_more_than_its_points():
    broken = Finding("s1", "links.home", "fail", {"counts": {"broken": 40}})  # 1 point each: 40 > 21
    sc = card([broken, Finding("c1", "footer.jiucuo", "fail")])
    d4 = next(g for g in sc.groups if g.id == "D4")
    assert d4.deducted == 21 and d4.score == 0 and sc.deduct_score == 79


def test_below_60_fails_and_60_passes():
    many = [Finding(f"s{i}", "columns.freshness", "fail", {"class": "dynamic"}) for i in range(31)]
    links = Finding("l", "links.home", "fail", {"counts": {"broken": 21}})
    sc = card(many + [links])  # 31 + 21 = 52 points lost
    assert sc.deduct_score == 48 and sc.verdict == FAIL and "低于 60" in sc.reason
    sc = card(many[:19] + [links])  # 19 + 21 = 40 lost
    assert sc.deduct_score == 60 and sc.verdict == PASS


def test_bonus_only_for_portals_above_80():
    bonus = ALL_MET + [Judgement("B1", MET, points=12, reason="数据发布栏目完整")]
    assert card([], judgements=bonus, site_type="门户网站").total == 112
    assert card([], judgements=bonus, site_type="部门网站").total == 100
    lost = [Finding(f"s{i}", "columns.freshness", "fail", {"class": "dynamic"}) for i in range(20)]
    assert card(lost, judgements=bonus, site_type="门户网站").total == 80  # 80 is not above 80
    huge = ALL_MET + [Judgement("B1", MET, points=25), Judgement("B2", MET, points=25)]
    assert card([], judgements=huge, site_type="门户网站").bonus == 30


def test_the_four_thirds_rule_for_departments_without_service_functions():
    finding = Finding("c1", "footer.jiucuo", "fail")
    sc = card([finding], service_functions=False)
    assert [g.id for g in sc.groups] == ["D1", "D3", "D4"]
    assert sc.deduct_score == pytest.approx((75 - 1) * 4 / 3, abs=0.01)
    assert card([], service_functions=False).deduct_score == 100


def test_a_reduction_gives_points_back_with_its_reason():
    sc = card([Finding("c1", "footer.jiucuo", "fail"), Finding("c2", "site.domain", "fail")],
              reductions=[Reduction("D4.4", 1, "找错入口已在检查期间整改并经复核")])
    d4 = next(g for g in sc.groups if g.id == "D4")
    jiucuo = next(d for d in d4.deductions if d.indicator == "D4.4")
    assert jiucuo.points == 0 and jiucuo.reduced[0].reason.startswith("找错入口")
    assert sc.deduct_score == 99


def test_a_judgement_replaces_the_rules_result():
    # a person finds the unanswered messages: a veto no rule raised
    sc = card([], judgements=[j for j in ALL_MET if j.indicator != "V5"]
              + [Judgement("V5", NOT_MET, reason="2026年3月留言超过3个月未回复")])
    assert sc.verdict == FAIL and sc.vetoes[0].source == "judgement"
    # a person overrules a deduction the rules found
    sc = card([Finding("c1", "footer.jiucuo", "fail")], judgements=ALL_MET + [Judgement("D4.4", MET)])
    assert sc.deduct_score == 100


def test_warn_and_not_assessable_findings_wait_for_a_person():
    sc = score_site([Finding("c1", "footer.conac", "not_assessable"), Finding("c2", "footer.icp", "warn")],
                    TABLE, judgements=ALL_MET)
    pend = {p.indicator: p for p in sc.pending}
    assert pend["D4.2"].findings == ["c1", "c2"] and sc.provisional and sc.deduct_score == 100


def test_a_province_overrides_points_without_code(tmp_path):
    f = tmp_path / "province.toml"
    f.write_text('[[indicator]]\nid = "D4.4"\npoints = 2\nconfidence = "verbatim_secondary"\n'
                 '[[indicator]]\nid = "X1"\nkind = "deduct"\ngroup = "D4"\nname = "本省附加项"\n'
                 'confidence = "verbatim_secondary"\npoints = 3\nrules = ["site.https"]\n', encoding="utf-8")
    t = load_table(f)
    sc = score_site([Finding("c1", "footer.jiucuo", "fail"), Finding("c2", "site.https", "fail")], t,
                    judgements=ALL_MET)
    assert sc.deduct_score == 95 and not sc.placeholder_points


@pytest.mark.parametrize("text, words", [
    ('[[indicator]]\nid = "Y"\nkind = "penalty"\nname = "n"\nconfidence = "x"\n', "kind"),
    ('[[indicator]]\nid = "Y"\nkind = "deduct"\ngroup = "D9"\nname = "n"\nconfidence = "x"\n', "group"),
    ('[[indicator]]\nid = "D4.4"\npoints = -2\n', "points"),
    ('[[indicator]]\nid = "D4.4"\npoint = 2\n', "未知字段"),
    ("[[indicator]\n", "TOML"),
])
def test_a_bad_scoring_file_is_a_clear_error(tmp_path, text, words):
    f = tmp_path / "bad.toml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(TableError) as e:
        load_table(f)
    assert words in str(e.value)


def test_score_command_on_a_stored_run_applies_false_positives(tmp_path):
    """`govaudit score RUN` on a run in the database: a veto, a deduction, and a finding marked 误报."""
    import subprocess
    import sys

    from auditor.store import Store
    from auditor.store.models import Check, Page, SiteCheck
    from auditor.store.reviews import add_review

    db = f"sqlite:///{tmp_path}/g.db"
    store = Store(db)
    store.upgrade()
    run = store.create_run("示范市人民政府", None, 1, "playwright", "ua", {}, kind="site",
                           site_url="http://www.shifan.gov.cn/")
    url = "http://www.shifan.gov.cn/index.html"
    store.save_page(run.id, Page(url=url, user_agent="ua"), [
        (Check(rule="footer.jiucuo", status="fail", indicator="找错", message="未找到"), []),
        (Check(rule="site.domain", status="fail", indicator="域名", message="不是 .gov.cn"), []),
    ], [])
    store.save_site_checks(run.id, [SiteCheck(rule="home.update", subject="", status="fail", indicator="首页不更新",
                                              message="两周未更新", value={})])
    store.finish_run(run.id)
    base = [sys.executable, "-m", "govaudit.cli", "score", str(run.id), "--database-url", db]
    p = subprocess.run(base, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert "结论：不合格" in p.stdout and "单项否决 V3 首页不更新" in p.stdout
    add_review(store, site_url="http://www.shifan.gov.cn/", rule="home.update", page_url=None, subject="",
               verdict="false_positive", reviewer="张三", reason="首页有更新，监测漏读", run_id=run.id,
               finding_ref="s1")
    p = subprocess.run(base, capture_output=True, text=True, timeout=120)
    assert "结论：合格（暂定）" in p.stdout and "扣分指标得分：98" in p.stdout, p.stdout
    assert "D4.4" in p.stdout and "D4.1" in p.stdout
    bad = subprocess.run(base[:4] + ["99999"] + base[5:], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "没有编号为 99999" in bad.stderr and "Traceback" not in bad.stderr
