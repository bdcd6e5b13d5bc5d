"""分组审核 and 先整改, fast: the grouping and ordering (pure), the bulk review and the «已整改» answers on SQLite.

The web pages themselves are tested in real Chromium in tests/test_web_review.py.
"""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from auditor.scoring import load_table
from auditor.scoring.priority import VETO_WEIGHT, is_veto, rule_weight
from auditor.store import Store
from auditor.store import findings as fq
from auditor.store.models import Review
from auditor.store.reviews import ReviewError, Target, add_reviews, fingerprint, latest_reviews
from auditor.store.triage import claim_fixed, review_items, site_claims, verify_in_run, verify_latest
from auditor.triage import Item, fix_guidance, group_findings, next_open
from tests.reviewdata import make_run

SITE = "http://www.ceshi.gov.cn/"


def item(ref: str, rule: str, page: str | None, element: str = "", status: str = "fail", site: str = "1",
         review: str = "unreviewed") -> Item:
    return Item(ref, rule, rule.upper(), status, site, page, element, review)


def weights(rule: str) -> float:
    return {"veto.rule": VETO_WEIGHT, "heavy": 5.0, "light": 1.0}.get(rule, 0.0)


# --- grouping (pure) ---

def test_same_element_on_pages_of_different_templates_is_one_group():
    items = [item(f"c{i}", "light", f"{SITE}{p}", element="abc") for i, p in
             enumerate(["index.html", "col/1/index.html", "art/2026/1.html", "art/2026/2.html"])]
    groups = group_findings(items, weights)
    assert len(groups) == 1
    g = groups[0]
    assert (g.basis, g.basis_value, g.pages, len(g.items), g.unreviewed) == ("element", "abc", 4, 4, 4)


def test_rows_of_a_group_are_in_natural_page_order():
    items = [item(f"c{i}", "light", f"{SITE}art/{i}.html", element="e") for i in (10, 2, 1, 33)]
    assert [i.page_url.rsplit("/", 1)[1] for i in group_findings(items, weights)[0].items] == [
        "1.html", "2.html", "10.html", "33.html"]


def test_without_a_snippet_findings_group_by_page_template():
    items = [item(f"c{i}", "light", f"{SITE}art/20261{i}/t_{i}{i}.html") for i in range(5)]
    items += [item("c9", "light", f"{SITE}col/zwgk/index.html")]
    groups = group_findings(items, weights)
    assert sorted(len(g.items) for g in groups) == [1, 5]
    big = next(g for g in groups if len(g.items) == 5)
    assert big.basis == "template" and big.basis_value == "www.ceshi.gov.cn/art/{n}/t_{n}.html"


def test_groups_never_span_rules_or_sites_and_site_findings_group_apart():
    items = [item("c1", "light", f"{SITE}a.html", "h"), item("c2", "heavy", f"{SITE}a.html", "h"),
             item("c3", "light", f"{SITE}a.html", "h", site="2"), item("s1", "light", None),
             item("s2", "light", None)]
    groups = group_findings(items, weights)
    assert len(groups) == 4
    site_group = next(g for g in groups if g.basis == "site")
    assert site_group.refs == ["s1", "s2"] and site_group.pages == 0
    assert len({g.key for g in groups}) == 4


def test_order_fails_first_then_scorecard_weight_then_size():
    items = [item("w1", "veto.rule", f"{SITE}w.html", "a", status="warn"),
             item("l1", "light", f"{SITE}l1.html", "b"), item("l2", "light", f"{SITE}l2.html", "b"),
             item("l3", "light", f"{SITE}l3.html", "b"),
             item("h1", "heavy", f"{SITE}h.html", "c"), item("v1", "veto.rule", f"{SITE}v.html", "d"),
             item("u1", "unscored", f"{SITE}u.html", "e"), item("u2", "unscored", f"{SITE}u2.html", "f"),
             item("u3", "unscored", f"{SITE}u3.html", "f")]
    order = [g.refs[0] for g in group_findings(items, weights)]
    # fails: veto (100) > heavy (5) > light (1) > unscored (0; the bigger group first); then the warning.
    assert order == ["v1", "h1", "l1", "u2", "u1", "w1"]


def test_next_open_stays_while_unreviewed_then_moves_on_and_wraps():
    items = [item("a1", "heavy", f"{SITE}a.html", "a", review="confirmed"), item("a2", "heavy", f"{SITE}b.html", "a"),
             item("b1", "light", f"{SITE}c.html", "b"), item("c1", "unscored", f"{SITE}d.html", "c")]
    groups = group_findings(items, weights)
    assert next_open(groups, groups[0].key) is groups[0]  # a2 is still unreviewed
    done = group_findings([Item(**{**i.__dict__, "review": "false_positive"}) if i.ref.startswith("a") else i
                           for i in items], weights)
    assert next_open(done, done[0].key) is done[1]
    assert next_open(done, done[2].key) is done[2]
    wrapped = group_findings([Item(**{**i.__dict__, "review": "confirmed"}) if i.ref != "b1" else i
                              for i in items], weights)
    assert next_open(wrapped, wrapped[2].key) is wrapped[1]  # wraps round to the only unreviewed group
    all_done = group_findings([Item(**{**i.__dict__, "review": "confirmed"}) for i in items], weights)
    assert next_open(all_done, None) is None


def test_weights_come_from_the_scoring_table():
    table = load_table()
    assert is_veto(table, "site.unreachable") and rule_weight(table, "site.unreachable") == VETO_WEIGHT
    icp = next(i for i in table.indicators if "footer.icp" in i.rules)
    assert rule_weight(table, "footer.icp") == float(icp.points or 0.0) > 0
    assert rule_weight(table, "no.such.rule") == 0.0 and not is_veto(table, "no.such.rule")


def test_fix_guidance_reads_meta_and_falls_back_to_the_indicator():
    from auditor.rules import footer_icp

    assert fix_guidance("footer.icp", "ICP备案编号") == footer_icp.META.fix
    line = fix_guidance("no.such.rule", "某个指标")
    assert "某个指标" in line


def test_fix_guidance_matches_a_family_of_ids():
    from auditor.rules.meta import RuleMeta
    from auditor.triage import meta_index

    axe = RuleMeta(id="a11y.summary", indicator="无障碍", pass_title="", fail_title="", fix="按无障碍要求修改元素",
                   facts=(), extra_ids=("a11y.<axe rule>",))
    review = RuleMeta(id="a11y.review.summary", indicator="需人工复核", pass_title="", fail_title="",
                      fix="人工复核后再改", facts=(), extra_ids=("a11y.review.*",))
    index = meta_index([axe, review, None, object()])
    assert fix_guidance("a11y.color-contrast", "颜色对比度", index) == "按无障碍要求修改元素"
    assert fix_guidance("a11y.review.color-contrast", "颜色对比度", index) == "人工复核后再改"  # the longer prefix
    assert fix_guidance("a11y.summary", "无障碍", index) == "按无障碍要求修改元素"
    assert "页面标题" in fix_guidance("meta.title", "页面标题", index)


# --- the store (SQLite) ---

@pytest.fixture
def store(tmp_path):
    st = Store(f"sqlite:///{tmp_path}/t.db")
    st.upgrade()
    return st


def _site(store: Store) -> int:
    site, _ = store.upsert_site("测试市人民政府", SITE, "1234000001", "办公室", "政府门户网站")
    return site.id


def test_bulk_review_marks_a_hundred_in_one_go(store, tmp_path):
    sid = _site(store)
    pages = {f"{SITE}art/{i}.html": [("footer.icp", "fail", "ICP备案编号", "缺少ICP备案编号", "<p>same</p>")]
             for i in range(100)}
    run = make_run(store, tmp_path / "ev", site_id=sid, site_name="测试市人民政府", site_url=SITE, pages=pages)
    found, total = fq.list_findings(store, None, fq.FindingFilter(run_id=run, latest=False))
    assert total == 100
    items, crops = review_items(store, found)
    groups = group_findings(items, lambda r: 1.0)
    assert len(groups) == 1 and groups[0].basis == "element" and groups[0].pages == 100
    assert all(crops[f.ref] for f in found)
    targets = [Target(f.site_url, f.rule, f.page_url, f.subject, f.run_id, f.ref) for f in found]
    n = add_reviews(store, targets + targets[:5], verdict="false_positive", reviewer="auditor", reason="模板统一处理")
    assert n == 100  # named twice, recorded once
    latest = latest_reviews(store, [f.fingerprint for f in found])
    assert len(latest) == 100 and {r.verdict for r in latest.values()} == {"false_positive"}
    assert {r.reason for r in latest.values()} == {"模板统一处理"}
    assert len({r.created_at for r in latest.values()}) == 1  # one action, one time


@pytest.mark.parametrize("verdict,reason,msg", [("false_positive", "  ", "理由"), ("maybe", "x", "结论"),
                                                 ("confirmed", "x" * 2001, "2000")])
def test_bulk_review_refuses_bad_input_and_writes_nothing(store, verdict, reason, msg):
    targets = [Target(SITE, "footer.icp", f"{SITE}{i}.html") for i in range(3)]
    with pytest.raises(ReviewError, match=msg):
        add_reviews(store, targets, verdict=verdict, reviewer="auditor", reason=reason)
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Review)) == 0


def test_bulk_review_of_nothing_is_refused(store):
    with pytest.raises(ReviewError, match="没有选中"):
        add_reviews(store, [], verdict="confirmed", reviewer="auditor", reason="")


def test_fixed_answers_are_verified_by_the_next_run(store, tmp_path):
    sid = _site(store)
    ev = tmp_path / "ev"
    spec = [("footer.sponsor", "fail", "网站主办单位", "缺少主办单位", None)]
    run1 = make_run(store, ev, site_id=sid, site_name="测试", site_url=SITE,
                    pages={f"{SITE}a.html": spec, f"{SITE}b.html": spec, f"{SITE}c.html": spec})
    found, _ = fq.list_findings(store, None, fq.FindingFilter(run_id=run1, latest=False))
    site = fq.get_site(store, sid)
    assert [v.state for v in verify_latest(store, None, site)] == []
    assert claim_fixed(store, found, "owner_a", "已补上") == 3
    assert {v.state for v in verify_latest(store, None, site)} == {"pending"}
    assert {c.claimed_by for c in site_claims(store, SITE)} == {"owner_a"}
    # The self-check after it: a.html fixed, b.html still there, c.html did not load (not rechecked).
    run2 = make_run(store, ev, site_id=sid, site_name="测试", site_url=SITE, purpose="self_check", kind="pages",
                    pages={f"{SITE}a.html": [], f"{SITE}b.html": spec}, failed_pages=(f"{SITE}c.html",))
    states = {v.claim.page_url.rsplit("/", 1)[1]: (v.state, v.run_id)
              for v in verify_in_run(store, None, fq.get_run(store, run2), SITE)}
    assert states == {"a.html": ("fixed", run2), "b.html": ("still", run2), "c.html": ("unchecked", run2)}
    assert {v.claim.page_url.rsplit("/", 1)[1]: v.state_zh for v in verify_latest(store, None, site)} == {
        "a.html": "已整改", "b.html": "仍存在", "c.html": "未复查"}
    # A run before the answer says nothing about it.
    assert verify_in_run(store, None, fq.get_run(store, run1), SITE) == []
    assert fingerprint(SITE, "footer.sponsor", f"{SITE}a.html") in {c.fingerprint for c in site_claims(store, SITE)}


def test_bulk_review_is_one_transaction_on_postgresql(pg_url, tmp_path):
    """On PostgreSQL (which enforces column lengths): one bad row among many, and none is written."""
    from sqlalchemy.exc import DBAPIError

    store = Store(pg_url)
    store.upgrade()
    good = [Target(SITE, "footer.icp", f"{SITE}art/{i}.html") for i in range(50)]
    bad = Target(SITE, "r" * 61, f"{SITE}x.html")  # rule is String(60)
    with pytest.raises(DBAPIError):
        add_reviews(store, good + [bad], verdict="confirmed", reviewer="auditor", reason="")
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Review)) == 0
    assert add_reviews(store, good, verdict="confirmed", reviewer="auditor", reason="") == 50
    # «已整改» answers on PostgreSQL too (migration 0009_review_bulk).
    sid = _site(store)
    run = make_run(store, tmp_path / "ev", site_id=sid, site_name="测试", site_url=SITE,
                   pages={f"{SITE}a.html": [("footer.sponsor", "fail", "网站主办单位", "缺少", None)]})
    found, _ = fq.list_findings(store, None, fq.FindingFilter(run_id=run, latest=False))
    assert claim_fixed(store, found, "owner_a") == 1
    assert [(c.claimed_by, c.indicator) for c in site_claims(store, SITE)] == [("owner_a", "网站主办单位")]
    store.engine.dispose()
