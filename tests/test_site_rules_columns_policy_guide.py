"""Fast tests of the pure site rules of issue 16: blank columns, a column named one way and tagged another,
首页不更新 across two runs, 政策解读关联 and 办事指南要素; plus the crawl plan's exemption of navigation columns."""
from __future__ import annotations

from datetime import date, timedelta

from auditor.crawl import CrawlPlan
from auditor.freshness import ColumnObservation, FreshnessConfig, assess_column
from auditor.models import Status
from auditor.scoring.table import load_table
from auditor.site_rules import SITE_METAS
from auditor.site_rules.columns import (HomeSnapshot, blank_marker, check_column_mismatch, check_home_update,
                                        home_snapshot, is_blank_column)
from auditor.site_rules.policy import PolicyDoc, PolicyFacts, check_links, check_ratio
from auditor.site_rules.service_guide import (ELEMENTS, Guide, GuideThresholds, ServiceFacts, check_each_guide,
                                              check_entry, check_guides, elements_present)

TODAY = date(2026, 11, 18)


def test_navigation_columns_are_not_sampled_away_by_template():
    plan = CrawlPlan("http://www.x.gov.cn/", per_template=5)
    for n in range(1, 13):
        plan.offer(f"/col/col{n}/index.html", 2, "nav", f"栏目{n}", "http://www.x.gov.cn/")
    for n in range(1, 9):
        plan.offer(f"/art/2026/art_{n}.html", 2, "link", "", "http://www.x.gov.cn/")
    batch = plan.next_batch(100)
    cols = [c for c in batch if "/col/" in c.url]
    arts = [c for c in batch if "/art/" in c.url]
    assert len(cols) == 12 and len(arts) == 5 and plan.skipped_by_template == 3
    plan.offer("/col/col99/index.html", 3, "subnav", "子栏目", "http://www.x.gov.cn/col/col1/")
    assert [c.url for c in plan.next_batch(10)] == ["http://www.x.gov.cn/col/col99/"]


def test_blank_markers_make_an_empty_column_whatever_the_tags():
    assert blank_marker("当前栏目暂无信息") == "暂无信息" and blank_marker("栏目正在建设中，敬请期待")
    assert blank_marker("暂无内容") and blank_marker("市政府召开常务会议") is None
    side = [("网站地图", "http://x/wzdt/", "网站地图")]
    assert is_blank_column([], "", TODAY) and is_blank_column(side, "暂无信息", TODAY)
    assert not is_blank_column(side, "某栏目", TODAY)
    assert not is_blank_column([("通知", "http://x/a", "2026-11-01")], "暂无内容", TODAY)
    a = assess_column(ColumnObservation("机构职能", "http://x/c/", items=side, blank=True), TODAY)
    assert a.status == "empty"


def test_a_column_named_policy_and_tagged_work_news_uses_the_stricter_period():
    cfg = FreshnessConfig()
    items = [("文件一", "http://x/1", "2026-10-20")]  # 29 days: stale for 2 weeks, fresh for 6 months
    obs = ColumnObservation("政策文件", "http://x/zcwj/", column_type="工作动态", items=items)
    c = check_column_mismatch(obs, "政策文件", TODAY, cfg)
    assert c is not None and c.status is Status.WARN
    assert "工作动态" in c.message and "2周" in c.message and "不一致" in c.message
    assert c.value["mismatch"] == {"name_class": "policy", "type_class": "dynamic", "judged_as": "dynamic",
                                   "loose_status": "fresh"}
    old = ColumnObservation("政策文件", "http://x/zcwj/", column_type="工作动态", items=[("a", "b", "2025-01-02")])
    assert check_column_mismatch(old, "政策文件", TODAY, cfg).status is Status.FAIL
    fresh = ColumnObservation("政策文件", "http://x/zcwj/", column_type="工作动态", items=[("a", "b", "2026-11-17")])
    assert check_column_mismatch(fresh, "政策文件", TODAY, cfg).status is Status.WARN  # the tag itself is wrong
    agree = ColumnObservation("工作动态", "http://x/gzdt/", column_type="工作动态", items=items)
    assert check_column_mismatch(agree, "工作动态", TODAY, cfg) is None


def _items(day: date, n: int = 3, start: int = 0) -> list[tuple[str, str, str]]:
    return [(f"信息{start + k}", f"http://x/a{start + k}.html", (day - timedelta(days=k)).isoformat()) for k in range(n)]


def test_home_unchanged_over_two_weeks_fails_even_when_its_dates_look_fresh():
    first = home_snapshot(_items(TODAY), TODAY, run_id=1)
    later = TODAY + timedelta(days=15)
    # The same items, re-dated to look new (a rolling date): the content did not change.
    redated = [(t, h, (later - timedelta(days=k)).isoformat()) for k, (t, h, _) in enumerate(_items(TODAY))]
    c = check_home_update(home_snapshot(redated, later, 2), first, later)
    assert c.status is Status.FAIL and "完全相同" in c.message and "内容没有任何变化" in c.message
    assert c.value["changed"] is False and c.value["span_days"] == 15
    assert c.value["previous"]["run_id"] == 1 and c.value["current"]["run_id"] == 2
    same = check_home_update(home_snapshot(_items(TODAY), later, 2), first, later)
    assert same.status is Status.FAIL and same.value["newest"] == TODAY.isoformat()


def test_home_with_new_dated_items_passes_and_short_spans_fall_back_to_the_dates():
    first = home_snapshot(_items(TODAY), TODAY, run_id=1)
    later = TODAY + timedelta(days=15)
    grown = _items(later, 2, start=10) + _items(TODAY)
    c = check_home_update(home_snapshot(grown, later), first, later)
    assert c.status is Status.PASS and c.value["changed"] and len(c.value["new_items"]) == 2
    soon = TODAY + timedelta(days=3)
    short = check_home_update(home_snapshot(_items(TODAY), soon), first, soon)
    assert short.status is Status.PASS and "不足14天" in short.message
    alone = check_home_update(home_snapshot(_items(TODAY - timedelta(days=20)), TODAY), None, TODAY)
    assert alone.status is Status.FAIL and "无上次检查记录" in alone.message
    undated = check_home_update(home_snapshot([("信息", "http://x/1", None)], TODAY), None, TODAY)
    assert undated.status is Status.FAIL and "未注明发布时间" in undated.message


def test_home_snapshot_round_trips_through_the_stored_value():
    snap = home_snapshot(_items(TODAY), TODAY, run_id=7)
    back = HomeSnapshot.from_value(snap.as_value())
    assert back is not None and back.keys() == snap.keys() and back.day == TODAY and back.run_id == 7
    assert HomeSnapshot.from_value({"day": "not a date"}) is None and HomeSnapshot.from_value(None) is None


def _policy(rows: list[PolicyDoc]) -> PolicyFacts:
    return PolicyFacts("政策文件", "http://x/zcwj/", rows)


def test_policy_interpretation_table_ratio_and_back_links():
    docs = [PolicyDoc("http://x/p1", "关于甲的通知", interpretation_url="http://x/j1", back_link=True),
            PolicyDoc("http://x/p2", "关于乙的通知", interpretation_url="http://x/j2", back_link=False),
            PolicyDoc("http://x/p3", "丙"), PolicyDoc("http://x/p4", "丁"), PolicyDoc("http://x/p5", "戊")]
    link = check_links(_policy(docs))
    assert link.status is Status.FAIL and link.value["missing_back_link"] == ["http://x/j2"]
    assert [r["url"] for r in link.value["rows"]] == [d.url for d in docs]
    ratio = check_ratio(_policy(docs), 0.5)
    assert ratio.status is Status.WARN and ratio.value["ratio"] == 0.4 and "40%" in ratio.message
    assert check_ratio(_policy(docs), 0.4).status is Status.PASS


def test_policy_interpretation_unreachable_or_absent_is_not_assessable():
    far = [PolicyDoc("http://x/p1", "甲", interpretation_url="http://jd.other.cn/1",
                     interpretation_error="jd.other.cn：域名无法解析")]
    c = check_links(_policy(far))
    assert c.status is Status.NOT_ASSESSABLE and "jd.other.cn" in c.message
    assert check_links(_policy([PolicyDoc("http://x/p1", "甲")])).status is Status.NOT_ASSESSABLE
    assert check_links(PolicyFacts(None, None)).status is Status.NOT_ASSESSABLE
    assert check_ratio(_policy([PolicyDoc("http://x/p1", "甲", error="x：HTTP 404")])).status is Status.NOT_ASSESSABLE


def test_guide_elements_are_found_by_their_labels():
    text = "设定依据：《某法》\n申 请 条 件：年满18周岁\n申请材料：身份证\n受理地点：政务服务中心\n咨询电话：12345"
    got = elements_present(text)
    assert [k for k, v in got.items() if v] == ["设定依据", "申请条件", "办理材料", "办理地点", "联系电话"]
    assert set(ELEMENTS) == {"设定依据", "申请条件", "办理材料", "办理地点", "办理时间", "联系电话", "办理流程", "收费标准"}


def _guides(missing_counts: list[int]) -> list[Guide]:
    names = list(ELEMENTS)
    return [Guide(f"http://x/g{i}", f"事项{i}", present={n: k >= m for k, n in enumerate(names)})
            for i, m in enumerate(missing_counts)]


def test_guides_missing_four_or_more_are_counted_against_the_thresholds():
    facts = ServiceFacts("办事服务", "http://x/bsfw/", guides=_guides([0, 1, 4, 6, 0, 2]))
    c = check_guides(facts)
    assert c.status is Status.WARN and c.value["poor"] == 2 and c.value["thresholds_verified"] is False
    assert c.value["poor_guides"] == ["http://x/g2", "http://x/g3"]
    assert [g["missing"] for g in c.value["guides"]] == [0, 1, 4, 6, 0, 2]
    assert check_guides(facts, GuideThresholds(4, 2)).status is Status.FAIL
    each = dict(check_each_guide(facts))
    assert [each[f"http://x/g{i}"].status for i in range(6)] == [Status.PASS, Status.WARN, Status.FAIL, Status.FAIL,
                                                                 Status.PASS, Status.WARN]


def test_service_entry_unreachable_on_another_host_is_never_a_fail():
    far = ServiceFacts("政务服务", "http://zwfw.province.gov.cn/", entry_error="zwfw.province.gov.cn：连接被拒绝",
                       entry_external=True)
    for c in (check_entry(far), check_guides(far)):
        assert c.status is Status.NOT_ASSESSABLE and "zwfw.province.gov.cn" in c.message
    assert check_entry(ServiceFacts(None, None)).status is Status.WARN  # found by words only: a person confirms
    unread = ServiceFacts(None, None, entry_error="首页无法读取：www.x.gov.cn：超时")
    assert check_entry(unread).status is Status.NOT_ASSESSABLE and "超时" in check_entry(unread).message
    own = ServiceFacts("办事服务", "http://x/bsfw/", entry_error="x：HTTP 404")
    assert check_entry(own).status is Status.FAIL


def test_metas_are_site_rules_mapped_in_the_scoring_file():
    table = load_table()
    from auditor.site_rules import policy, service_guide

    mine = {m.id for m in (*policy.METAS, *service_guide.METAS)} | {"columns.freshness", "columns.veto", "home.update"}
    assert mine <= {m.id for m in SITE_METAS}
    for m in (m for m in SITE_METAS if m.id in mine):
        assert m.scope == "site" and m.key and m.indicator and m.fix and m.description
        ind = table.indicator(m.key)
        assert ind is not None and m.id in ind.rules, m.id
    assert table.indicator("V6").params == {"missing_min": 4, "guides_min": 5}


def test_light_html_reading_keeps_links_and_leaves_the_chrome_out_of_the_main_text():
    from clients.pagefetch import parse_html

    html = ('<html><head><title> 指南 </title><script>var x="办理流程";</script></head><body>'
            '<div class="header"><a href="/">首页</a></div><nav><a href="/lc"><img alt="办理流程"></a></nav>'
            '<div class="main"><table><tr><th>设定依据</th><td>《某法》</td></tr></table><br><img src="a.png">'
            '<a href="doc.html" title="原文">相关文件</a></div>'
            '<div id="footer"><p>联系电话：0571-1</p></div><p>其他</p></body></html>')
    title, links, text, main = parse_html(html, "http://x.gov.cn/a/b.html")
    assert title == "指南"
    assert links == [("http://x.gov.cn/", "首页"), ("http://x.gov.cn/lc", "办理流程"),
                     ("http://x.gov.cn/a/doc.html", "原文 相关文件")]
    assert "联系电话" in text and "var x" not in text
    assert main.splitlines() == ["设定依据", "《某法》", "相关文件", "其他"]
