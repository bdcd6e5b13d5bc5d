"""栏目更新 (auditor.freshness): dates, column classes, statuses, the 单项否决 thresholds at their boundaries, the
home page, visible publication dates, the site checks — and the fixture site's ground truth, read without a
browser. Every test fixes ``today``."""
from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest

from auditor.freshness import (
    ColumnObservation, FreshnessConfig, Period, add_months, assess_column, assess_columns, classify_column,
    items_from_probe, parse_item_date, visible_pubdate,
)
from auditor.models import Status
from auditor.site_rules.freshness import to_site_checks
from tests.fixtures.freshsite.make import build

TODAY = date(2026, 11, 18)


def d(s: str) -> date:
    return date.fromisoformat(s)


def col(name: str, dates: list[str], *, column_type: str | None = None, level: int = 1, url: str | None = None,
        page_error: str | None = None, context_year: int | None = None) -> ColumnObservation:
    items = [(f"{name}信息{i}", f"/{name}/{i}.html", t) for i, t in enumerate(dates)]
    return ColumnObservation(name=name, url=url or f"http://www.example.gov.cn/{name}/", column_type=column_type,
                             level=level, items=items, page_error=page_error, context_year=context_year)


def days_ago(n: int, today: date = TODAY) -> str:
    return (today - timedelta(days=n)).isoformat()


# --- parse_item_date -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("2026-11-15", "2026-11-15"),
    ("2026-1-5", "2026-01-05"),
    ("2026年11月15日", "2026-11-15"),
    ("2026年1月5日", "2026-01-05"),
    ("2026 年 01 月 05 日", "2026-01-05"),
    ("2026/11/15", "2026-11-15"),
    ("2026.11.15", "2026-11-15"),
    ("2026-11-15 09:30", "2026-11-15"),
    ("2026-11-15 09:30:12", "2026-11-15"),
    ("[11-15]", "2026-11-15"),
    ("11-15", "2026-11-15"),
    ("11/15", "2026-11-15"),
    ("（11-15）", "2026-11-15"),
    ("11月15日", "2026-11-15"),
    ("1月5日", "2026-01-05"),
    ("２０２６－１１－１５", "2026-11-15"),          # full-width, as some CMS templates print
])
def test_parse_item_date_formats(text: str, expected: str) -> None:
    assert parse_item_date(text, None, TODAY) == d(expected)


@pytest.mark.parametrize("text", ["2026-02-30", "2026-13-01", "2025年2月29日", "2026/04/31", "02-30", "13-01",
                                  "00-10", "2026-11", "11", "", "暂无信息", "2026-11-15-3"])
def test_parse_item_date_rejects_impossible_or_partial(text: str) -> None:
    assert parse_item_date(text, None, TODAY) is None


def test_parse_item_date_leap_day() -> None:
    assert parse_item_date("2024-02-29", None, TODAY) == date(2024, 2, 29)
    assert parse_item_date("02-29", None, date(2028, 3, 1)) == date(2028, 2, 29)
    assert parse_item_date("02-29", None, date(2027, 3, 1)) is None          # 2027 has no 29 February
    assert parse_item_date("02-29", None, date(2029, 1, 5)) == date(2028, 2, 29)  # wraps to the previous year


def test_year_inference_and_year_wrap() -> None:
    jan5 = date(2027, 1, 5)
    assert parse_item_date("12-28", None, jan5) == date(2026, 12, 28)
    assert parse_item_date("[12-28]", 2027, jan5) == date(2026, 12, 28)      # would be in the future: previous year
    assert parse_item_date("12月28日", None, jan5) == date(2026, 12, 28)
    assert parse_item_date("01-03", None, jan5) == date(2027, 1, 3)
    assert parse_item_date("01-05", None, jan5) == date(2027, 1, 5)          # today itself is not the future
    assert parse_item_date("01-06", None, jan5) == date(2026, 1, 6)
    # the year of the page or of the column's other items (an archive page of 2025)
    assert parse_item_date("03-15", 2025, TODAY) == date(2025, 3, 15)
    assert parse_item_date("12-01", 2025, TODAY) == date(2025, 12, 1)
    # a full date keeps its own year, also in the future (the caller flags 伪造发稿日期)
    assert parse_item_date("2027-03-01", 2025, TODAY) == date(2027, 3, 1)


def test_parse_item_date_from_whole_item_text() -> None:
    assert parse_item_date("关于2026年12月1日起调整公交线路的通告 2026-10-28", None, TODAY) == d("2026-10-28")
    assert parse_item_date("[10-28] 关于2026年12月1日起调整公交线路的通告", None, TODAY) == d("2026-10-28")
    assert parse_item_date("· 县政府召开常务会议 11-15", None, TODAY) == d("2026-11-15")
    assert parse_item_date("1-3月份全县经济运行情况", None, TODAY) is None
    assert parse_item_date("青政发〔2026〕12号", None, TODAY) is None
    assert parse_item_date("联系电话：0570-6012345", None, TODAY) is None
    # a date inside a title, with no date at the edges: the last full date
    assert parse_item_date("关于2026年11月1日召开会议的通知（已结束）", None, TODAY) == d("2026-11-01")


# --- classify_column -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, cls", [
    ("工作动态", "dynamic"), ("部门动态", "dynamic"), ("区县动态", "dynamic"), ("乡镇动态", "dynamic"),
    ("政务要闻", "dynamic"), ("新闻中心", "dynamic"), ("图片新闻", "dynamic"),
    ("通知公告", "policy"), ("公告公示", "policy"), ("政策文件", "policy"), ("规范性文件", "policy"),
    ("县政府文件", "policy"),
    ("人事", "yearly"), ("人事信息", "yearly"), ("人事任免", "yearly"), ("规划计划", "yearly"), ("发展规划", "yearly"),
    ("机构职能", "other"), ("专题专栏", "other"), ("政策解读", "other"), ("", "other"),
])
def test_classify_by_name(name: str, cls: str) -> None:
    assert classify_column(name, None, FreshnessConfig()) == cls


def test_column_type_wins_over_name() -> None:
    cfg = FreshnessConfig()
    assert classify_column("人事信息", "工作动态", cfg) == "dynamic"
    assert classify_column("信息发布", "工作动态", cfg) == "dynamic"
    assert classify_column("工作动态", "政策文件", cfg) == "policy"
    assert classify_column("通知公告", "政策文件", cfg) == "policy"
    # a ColumnType without a mapping leaves the name to decide
    assert classify_column("通知公告", "信息公开目录", cfg) == "policy"
    assert classify_column("规划计划", "信息公开目录", cfg) == "yearly"
    assert classify_column("机构职能", "机构职能", cfg) == "other"
    assert classify_column("人事信息", "10", cfg) == "yearly"
    # several types in one tag
    assert classify_column("综合信息", "信息公开目录,政策文件", cfg) == "policy"


def test_classify_longest_keyword_wins_and_config_overrides() -> None:
    cfg = FreshnessConfig()
    assert classify_column("政策文件动态", None, cfg) == "policy"     # 政策文件 (4) beats 动态 (2)
    assert classify_column("人事动态", None, cfg) == "dynamic"        # tie (2 and 2): 动态 first
    custom = dataclasses.replace(cfg, yearly_keywords=cfg.yearly_keywords + ("统计数据",),
                                 type_classes={**cfg.type_classes, "数据发布": "yearly"})
    assert classify_column("统计数据", None, custom) == "yearly"
    assert classify_column("数据", "数据发布", custom) == "yearly"


# --- per-column status -----------------------------------------------------------------------------------------

def test_fresh_column() -> None:
    a = assess_column(col("工作动态", [days_ago(1), days_ago(5), days_ago(30)]), TODAY, FreshnessConfig())
    assert (a.status, a.column_class, a.latest, a.age_days) == ("fresh", "dynamic", d("2026-11-17"), 1)
    assert a.expires_on == d("2026-12-02") and a.dated_count == 3 and a.item_count == 3
    assert not a.long_stale and not a.counts_for_veto


def test_dynamic_period_boundary_and_expiring() -> None:
    cfg = FreshnessConfig()
    # the 14th day back is still within «前2周内»; it turns stale tomorrow
    a = assess_column(col("工作动态", [days_ago(14)]), TODAY, cfg)
    assert (a.status, a.expires_on) == ("expiring", d("2026-11-19"))
    a = assess_column(col("工作动态", [days_ago(15)]), TODAY, cfg)
    assert (a.status, a.expires_on, a.age_days) == ("stale", d("2026-11-18"), 15)
    assert a.counts_for_veto
    # warn_days = 7: expiring when it turns stale within 7 days
    assert assess_column(col("工作动态", [days_ago(8)]), TODAY, cfg).status == "expiring"   # stale in 7 days
    assert assess_column(col("工作动态", [days_ago(7)]), TODAY, cfg).status == "fresh"      # stale in 8 days
    a = assess_column(col("图片新闻", [days_ago(12)]), TODAY, cfg)
    assert (a.status, a.expires_on) == ("expiring", TODAY + timedelta(days=3))
    assert assess_column(col("工作动态", [days_ago(8)]), TODAY,
                         dataclasses.replace(cfg, warn_days=3)).status == "fresh"


def test_policy_six_calendar_months() -> None:
    cfg = FreshnessConfig()
    a = assess_column(col("通知公告", ["2026-05-18"]), TODAY, cfg)
    assert (a.status, a.column_class, a.expires_on) == ("expiring", "policy", d("2026-11-19"))
    a = assess_column(col("通知公告", ["2026年5月17日"]), TODAY, cfg)
    assert (a.status, a.counts_for_veto, a.long_stale) == ("stale", True, False)
    a = assess_column(col("通知公告", ["2026年4月18日"]), TODAY, cfg)        # 7 months old
    assert (a.status, a.age_days, a.long_stale) == ("stale", 214, False)
    assert assess_column(col("政策文件", [days_ago(40)]), TODAY, cfg).status == "fresh"
    # month ends: 31 August + 6 months = 28 February
    assert Period(months=6).after(date(2026, 8, 31)) == date(2027, 2, 28)
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)


def test_policy_below_first_level_does_not_count_for_the_veto() -> None:
    a = assess_column(col("通知公告", ["2025-01-01"], level=2), TODAY, FreshnessConfig())
    assert a.status == "stale" and not a.counts_for_veto and a.long_stale
    b = assess_column(col("部门动态", ["2025-01-01"], level=3), TODAY, FreshnessConfig())
    assert b.status == "stale" and b.counts_for_veto


def test_yearly_and_long_stale() -> None:
    cfg = FreshnessConfig()
    a = assess_column(col("人事信息", ["2025-11-18"]), TODAY, cfg)
    assert (a.status, a.column_class) == ("expiring", "yearly")
    a = assess_column(col("人事信息", ["2025-11-17"]), TODAY, cfg)
    assert (a.status, a.long_stale, a.counts_for_veto) == ("stale", True, False)
    a = assess_column(col("人事信息", [days_ago(400)]), TODAY, cfg)
    assert (a.status, a.long_stale, a.age_days) == ("stale", True, 400)
    assert assess_column(col("规划计划", [days_ago(100)]), TODAY, cfg).status == "fresh"
    # a dynamic column stale for exactly one year is not yet long-stale; one day more is
    assert not assess_column(col("工作动态", ["2025-11-18"]), TODAY, cfg).long_stale
    assert assess_column(col("工作动态", ["2025-11-17"]), TODAY, cfg).long_stale
    # other columns: configurable default period
    assert assess_column(col("机构职能", [days_ago(200)]), TODAY, cfg).status == "fresh"
    short = dataclasses.replace(cfg, periods={**cfg.periods, "other": Period(months=3)})
    a = assess_column(col("机构职能", [days_ago(200)]), TODAY, short)
    assert (a.status, a.period.label, a.counts_for_veto) == ("stale", "3个月", False)


def test_empty_undated_error_and_future_dates() -> None:
    cfg = FreshnessConfig()
    a = assess_column(col("专题专栏", []), TODAY, cfg)
    assert (a.status, a.latest, a.item_count) == ("empty", None, 0)
    a = assess_column(col("工作动态", [None, "", "暂无日期"]), TODAY, cfg)
    assert (a.status, a.item_count, a.dated_count, a.counts_for_veto, a.long_stale) == ("undated", 3, 0, True, False)
    assert assess_column(col("工作动态", [None]), TODAY, dataclasses.replace(cfg, undated_is_long_stale=True)).long_stale
    a = assess_column(col("工作动态", [], page_error="timeout"), TODAY, cfg)
    assert (a.status, a.page_error) == ("error", "timeout")
    # a future date does not make a column fresh; it is listed
    a = assess_column(col("工作动态", ["2027-01-01", days_ago(30)]), TODAY, cfg)
    assert (a.status, a.latest, a.future_dates) == ("stale", d("2026-10-19"), [d("2027-01-01")])
    a = assess_column(col("工作动态", ["2027-01-01"]), TODAY, cfg)
    assert a.status == "undated" and a.future_dates == [d("2027-01-01")]


def test_column_year_context_from_other_items() -> None:
    jan5 = date(2027, 1, 5)
    cfg = FreshnessConfig()
    a = assess_column(col("工作动态", ["01-03", "12-28", "2026-12-20"]), jan5, cfg)
    assert a.latest == date(2027, 1, 3)
    assert assess_column(col("工作动态", ["2027-01-02", "12-28"]), jan5, cfg).latest == date(2027, 1, 2)
    assert assess_column(col("工作动态", ["[01-04]", "[12-28]"]), jan5, cfg).latest == date(2027, 1, 4)
    # an archive page of 2025 with short dates only: the page's year
    a = assess_column(col("工作动态", ["[12-30]", "[12-01]"], context_year=2025), TODAY, cfg)
    assert (a.latest, a.status) == (date(2025, 12, 30), "stale")
    # the other items' full year wins over today's
    a = assess_column(col("通知公告", ["2025-12-30", "[12-01]"]), TODAY, cfg)
    assert a.latest == date(2025, 12, 30)


# --- 单项否决 thresholds, exactly at the boundary ---------------------------------------------------------------

def _stale_dynamic(n: int) -> list[ColumnObservation]:
    return [col(f"动态{i}", [days_ago(20)], url=f"/dt{i}/") for i in range(n)]


def _fresh(n: int) -> list[ColumnObservation]:
    return [col(f"工作动态{i}", [days_ago(1)], url=f"/ok{i}/") for i in range(n)]


def _veto(columns: list[ColumnObservation], cfg: FreshnessConfig | None = None):
    rep = assess_columns(columns, [("x", "/x", days_ago(1))], [], TODAY, cfg or FreshnessConfig())
    check = next(c for c in to_site_checks(rep) if c.rule == "columns.veto")
    return rep, check


def test_veto_stale_four_is_not_five_is() -> None:
    rep, check = _veto(_stale_dynamic(4) + _fresh(3))
    assert (rep.veto.veto, len(rep.veto.stale), check.status) == (False, 4, Status.PASS)
    rep, check = _veto(_stale_dynamic(5) + _fresh(3))
    assert (rep.veto.veto, rep.veto.triggered, check.status) == (True, ["stale"], Status.FAIL)
    assert check.indicator == "栏目不更新" and "单项否决" in check.message and "未更新5个（≥5）" in check.message
    assert check.value["stale"] == 5 and check.value["stale_threshold"] == 5
    assert check.value["stale_columns"] == [f"/dt{i}/" for i in range(5)]


def test_veto_stale_counts_policy_first_level_and_undated_only() -> None:
    mixed = [col("动态1", [days_ago(20)], url="/a/"), col("动态2", [None], url="/b/"),   # undated counts
             col("通知公告", ["2026-01-01"], url="/c/"), col("政策文件", ["2026-02-01"], url="/d/")]
    not_counted = [col("通知公告", ["2026-01-01"], level=2, url="/e/"),   # not 一级栏目
                   col("人事信息", ["2024-01-01"], url="/f/"),            # yearly class
                   col("机构职能", ["2024-01-01"], url="/g/"),            # other class
                   col("专题动态", [], url="/h/")]                        # empty: counted as 空白栏目, not here
    rep, check = _veto(mixed + not_counted)
    assert (rep.veto.stale, rep.veto.veto) == (["/a/", "/b/", "/c/", "/d/"], False)
    rep, check = _veto(mixed + not_counted + [col("区县动态", [days_ago(15)], url="/i/")])
    assert rep.veto.veto and rep.veto.triggered == ["stale"]


def test_veto_long_stale_nine_is_not_ten_is() -> None:
    old = [col(f"其他{i}", ["2024-06-01"], url=f"/o{i}/") for i in range(10)]
    rep, check = _veto(old[:9])
    assert (len(rep.veto.long_stale), rep.veto.veto, check.status) == (9, False, Status.PASS)
    rep, check = _veto(old)
    assert (rep.veto.triggered, check.status) == (["long_stale"], Status.FAIL)
    assert "长期未更新的栏目10个（≥10）" in check.message
    assert check.value["long_stale"] == 10 and check.value["long_stale_threshold"] == 10


def test_veto_empty_four_is_not_five_is() -> None:
    empty = [col(f"专栏{i}", [], url=f"/z{i}/") for i in range(5)]
    rep, check = _veto(empty[:4] + _fresh(2))
    assert (len(rep.veto.empty), rep.veto.veto, check.status) == (4, False, Status.PASS)
    rep, check = _veto(empty + _fresh(2))
    assert (rep.veto.triggered, check.status) == (["empty"], Status.FAIL)
    assert "空白栏目5个（≥5）" in check.message and check.value["empty_columns"] == [f"/z{i}/" for i in range(5)]


def test_veto_all_three_and_configurable_thresholds() -> None:
    cols = _stale_dynamic(5) + [col(f"其他{i}", ["2024-06-01"], url=f"/o{i}/") for i in range(10)] + \
        [col(f"专栏{i}", [], url=f"/z{i}/") for i in range(5)]
    rep, check = _veto(cols)
    assert rep.veto.triggered == ["stale", "long_stale", "empty"]
    assert check.message.count("≥") == 3
    cfg = dataclasses.replace(FreshnessConfig(), veto_empty_min=3)   # e.g. the 开普云 alert level
    rep, _ = _veto([col(f"专栏{i}", [], url=f"/z{i}/") for i in range(3)], cfg)
    assert rep.veto.triggered == ["empty"]


def test_veto_defaults_are_the_spec_thresholds() -> None:
    cfg = FreshnessConfig()
    assert (cfg.veto_stale_min, cfg.veto_long_stale_min, cfg.veto_empty_min) == (5, 10, 5)
    assert (cfg.periods["dynamic"], cfg.periods["policy"], cfg.periods["yearly"]) == \
        (Period(days=14), Period(months=6), Period(months=12))
    assert cfg.home_period == Period(days=14) and cfg.warn_days == 7 and cfg.veto_policy_levels == (1,)


# --- 首页不更新 -----------------------------------------------------------------------------------------------------

def _home(items, columns=()):
    rep = assess_columns(list(columns), items, [], TODAY, FreshnessConfig())
    return rep, next(c for c in to_site_checks(rep) if c.rule == "home.update")


def test_home_updated_within_two_weeks() -> None:
    rep, check = _home([("a", "/a", "11-04"), ("b", "/b", "2026-10-01")])        # 14 days ago
    assert (rep.home.updated, rep.home.latest, check.status) == (True, d("2026-11-04"), Status.PASS)
    rep, check = _home([("a", "/a", "11-03"), ("b", "/b", "2026-10-01")])        # 15 days ago
    assert (rep.home.updated, check.status, check.indicator) == (False, Status.FAIL, "首页不更新")
    assert "15天前" in check.message and check.value["age_days"] == 15


def test_home_undated_counts_as_not_updated() -> None:
    rep, check = _home([("a", "/a", None), ("b", "/b", "")])
    assert (rep.home.updated, check.status) == (False, Status.FAIL)
    assert "未注明信息发布时间" in check.message or "未注明发布时间" in check.message


def test_home_blocks_do_not_lend_each_other_a_year() -> None:
    # 2027-01-05: 工作动态 shows "01-04", 通知公告 shows full dates of 2026
    rep = assess_columns([], [("a", "/a", "01-04"), ("b", "/b", "2026-06-01")], [], date(2027, 1, 5))
    assert rep.home.latest == date(2027, 1, 4) and rep.home.updated


def test_home_that_is_only_a_navigation_entry_uses_the_columns() -> None:
    rep, check = _home([], [col("工作动态", [days_ago(30)]), col("通知公告", [days_ago(3)])])
    assert (rep.home.basis, rep.home.updated, check.status) == ("columns", True, Status.PASS)
    rep, check = _home([], [col("工作动态", [days_ago(30)])])
    assert (rep.home.basis, check.status) == ("columns", Status.FAIL)
    rep, check = _home([])
    assert (rep.home.updated, check.status) == (None, Status.NOT_ASSESSABLE)


# --- to_site_checks ----------------------------------------------------------------------------------------------

def test_site_checks_per_column_and_site() -> None:
    cols = [col("工作动态", [days_ago(1)], url="/gzdt/"), col("图片新闻", [days_ago(12)], url="/tpxw/"),
            col("通知公告", ["2026年4月18日"], url="/tzgg/"), col("人事信息", [None], url="/rsxx/"),
            col("专题专栏", [], url="/ztzl/"), col("规划计划", [], url="/ghjh/", page_error="连接超时")]
    rep = assess_columns(cols, [("a", "/a", days_ago(2))], [("/a1.html", True), ("/a2.html", False)], TODAY)
    checks = to_site_checks(rep)
    per = {c.subject: c for c in checks if c.rule == "columns.freshness"}
    assert {k: (c.status, c.indicator) for k, c in per.items()} == {
        "/gzdt/": (Status.PASS, "栏目不更新"), "/tpxw/": (Status.WARN, "栏目不更新"),
        "/tzgg/": (Status.FAIL, "栏目不更新"), "/rsxx/": (Status.FAIL, "栏目不更新"),
        "/ztzl/": (Status.FAIL, "空白栏目"), "/ghjh/": (Status.NOT_ASSESSABLE, "栏目不更新")}
    assert per["/ztzl/"].message.startswith("空白栏目")
    assert "2026-11-21" in per["/tpxw/"].message and per["/tpxw/"].value["expires_on"] == "2026-11-21"
    assert "214天" in per["/tzgg/"].message and "6个月" in per["/tzgg/"].message
    assert "未注明发布时间" in per["/rsxx/"].message and "视为不更新" in per["/rsxx/"].message
    assert per["/gzdt/"].value == {
        "name": "工作动态", "url": "/gzdt/", "level": 1, "column_type": None, "class": "dynamic", "period": "2周",
        "status": "fresh", "latest": "2026-11-17", "age_days": 1, "expires_on": "2026-12-02", "long_stale": False,
        "counts_for_veto": False, "items": 1, "dated_items": 1, "future_dates": [], "page_error": None}
    site = {c.rule: c for c in checks if c.subject == ""}
    assert set(site) == {"columns.veto", "home.update", "article.pubdate_visible"}
    assert site["columns.veto"].status == Status.PASS
    assert site["home.update"].status == Status.PASS
    art = site["article.pubdate_visible"]
    assert (art.status, art.indicator, art.value) == (Status.WARN, "内容发布时间",
                                                      {"checked": 2, "without_date": ["/a2.html"]})
    assert "/a2.html" in art.message
    assert art.status.value == "warn"
    assert [c.rule for c in checks].count("columns.freshness") == 6


def test_article_pubdate_check_pass_and_not_assessable() -> None:
    rep = assess_columns([col("工作动态", [days_ago(1)])], [], [("/a.html", True)], TODAY)
    assert next(c for c in to_site_checks(rep) if c.rule == "article.pubdate_visible").status == Status.PASS
    rep = assess_columns([col("工作动态", [days_ago(1)])], [], [], TODAY)
    assert next(c for c in to_site_checks(rep) if c.rule == "article.pubdate_visible").status == Status.NOT_ASSESSABLE
    rep = assess_columns([], [], [], TODAY)
    assert next(c for c in to_site_checks(rep) if c.rule == "columns.veto").status == Status.NOT_ASSESSABLE


# --- visible_pubdate ---------------------------------------------------------------------------------------------

ARTICLE_HEAD = "今天是：2026年11月18日 星期三\n无障碍\n长者模式\n青溪县人民政府\n首页\n工作动态\n当前位置：\n首页\n>\n工作动态\n>\n正文\n"


@pytest.mark.parametrize("info, expected", [
    ("发布时间：2026-11-17 09:30\n来源：青溪县人民政府办公室\n浏览次数：137", "2026-11-17"),
    ("发布时间:2026-11-17", "2026-11-17"),
    ("【发布时间：2026-11-17 09:30:05】", "2026-11-17"),
    ("发布日期：2026年11月17日\n来源：县政府办公室", "2026-11-17"),
    ("发布时间：\n2026-11-17 09:30", "2026-11-17"),                  # label and date in separate text nodes
    ("时间：2026-11-17\n来源：县人社局", "2026-11-17"),
    ("日期：2026/11/17", "2026-11-17"),
    ("来源：青溪县融媒体中心\n2026年11月6日\n字号：\n大\n中\n小", "2026-11-06"),
    ("来源：青溪县融媒体中心　2026年11月6日", "2026-11-06"),
    ("2026-11-06 10:24\n来源：青溪县融媒体中心", "2026-11-06"),
    ("信息来源：县发改局　作者：张三　2026.11.06", "2026-11-06"),
    ("索引号\n339982/2026-00103\n发布机构\n县政府办公室\n成文日期\n2026年9月1日\n发布日期\n2026年9月4日", "2026-09-04"),
    ("更新时间：2026-11-17 16:00", "2026-11-17"),
])
def test_visible_pubdate_found(info: str, expected: str) -> None:
    text = ARTICLE_HEAD + "县政府召开常务会议\n" + info + "\n会议指出，要自2026年12月1日起全面实施。\n"
    assert visible_pubdate(text) == d(expected)


@pytest.mark.parametrize("info", [
    "来源：青溪县人民政府办公室\n浏览次数：195\n字号：\n大\n中\n小",
    "索引号\n339982/2026-00103\n发布机构\n县政府办公室\n文号\n青政发〔2026〕18号\n成文日期\n2026年9月1日\n"
    "来源：青溪县人民政府办公室",                                        # 成文日期 is not 发布时间
    "成文日期：2026年9月1日\n施行日期：2026年10月1日",
    "截止时间：2026-12-01\n报名时间：2026-11-20",
])
def test_visible_pubdate_absent(info: str) -> None:
    text = ARTICLE_HEAD + "关于公布县级行政许可事项清单的决定\n" + info + \
        "\n本办法自2026年10月4日起施行。\n青溪县人民政府\n"
    assert visible_pubdate(text) is None


def test_visible_pubdate_bare_date_under_the_title() -> None:
    text = ARTICLE_HEAD + "县政府召开常务会议\n2026-11-17\n会议指出……\n"
    assert visible_pubdate(text) is None
    assert visible_pubdate(text, title="县政府召开常务会议") == d("2026-11-17")


# --- items_from_probe --------------------------------------------------------------------------------------------

def test_items_from_probe_drops_navigation_and_header() -> None:
    probe = {"nav": [{"href": "http://x.gov.cn/gzdt/index.html", "text": "工作动态"}],
             "listItems": [
                 {"text": "工作动态", "href": "http://x.gov.cn/gzdt/index.html", "title": "工作动态", "date": None,
                  "inHeader": False},
                 {"text": "登录", "href": "http://x.gov.cn/login", "title": "登录", "date": None, "inHeader": True},
                 {"text": "县政府召开常务会议 2026-11-17", "href": "http://x.gov.cn/gzdt/1.html",
                  "title": "县政府召开常务会议", "date": "2026-11-17", "inHeader": False}]}
    assert items_from_probe(probe) == [("县政府召开常务会议", "http://x.gov.cn/gzdt/1.html", "县政府召开常务会议 2026-11-17")]


# --- the fixture site's ground truth, read without a browser ------------------------------------------------------

class _Page(HTMLParser):
    """List items (li/tr with a link, outside the navigation bar), visible text nodes, meta tags."""

    def __init__(self) -> None:
        super().__init__()
        self.items: list[tuple[str, str, str]] = []
        self.texts: list[str] = []
        self.metas: dict[str, str] = {}
        self.stack: list[dict] = []
        self.skip = 0
        self.nav = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "style", "head"):
            self.skip += 1
        if tag == "meta" and a.get("name"):
            self.metas[a["name"]] = a.get("content") or ""
        if tag == "nav":
            self.nav += 1
        if tag in ("li", "tr") and not self.nav:
            self.stack.append({"text": [], "href": None, "title": None})
        if tag == "a" and self.stack and a.get("href") and self.stack[-1]["href"] is None:
            self.stack[-1]["href"] = a["href"]
            self.stack[-1]["title"] = a.get("title")

    def handle_endtag(self, tag):
        if tag in ("script", "style", "head"):
            self.skip -= 1
        if tag == "nav":
            self.nav -= 1
        if tag in ("li", "tr") and self.stack and not self.nav:
            it = self.stack.pop()
            if it["href"]:
                text = " ".join(it["text"])
                self.items.append((it["title"] or text, it["href"], text))

    def handle_data(self, data):
        t = data.strip()
        if not t or self.skip:
            return
        self.texts.append(t)
        for it in self.stack:
            it["text"].append(t)


def _read(root: Path, path: str) -> _Page:
    p = _Page()
    p.feed((root / path.lstrip("/")).read_text(encoding="utf-8"))
    return p


@pytest.mark.parametrize("today", [date(2026, 11, 18), date(2027, 1, 5), date(2028, 3, 1), date(2026, 3, 31)])
def test_fixture_truth_agrees_with_freshness(tmp_path: Path, today: date) -> None:
    truth = build(tmp_path, today)
    assert truth["today"] == today.isoformat()
    expected_status = {"/gzdt/index.html": "fresh", "/tpxw/index.html": "expiring", "/tzgg/index.html": "stale",
                       "/zcwj/index.html": "fresh", "/rsxx/index.html": "stale", "/ghjh/index.html": "fresh",
                       "/ztzl/index.html": "empty"}
    assert {k: v["status"] for k, v in truth["columns"].items()} == expected_status
    assert truth["columns"]["/tpxw/index.html"]["expires_on"] == (today + timedelta(days=3)).isoformat()
    assert truth["columns"]["/tzgg/index.html"]["latest"] == add_months(today, -7).isoformat()
    for path, c in truth["columns"].items():
        if c["status"] != "empty":
            assert 10 <= c["items"] <= 15, path

    home = _read(tmp_path, "/index.html")
    columns = []
    for path, c in truth["columns"].items():
        page = _read(tmp_path, path)
        assert page.metas["ColumnName"] == c["name"] and page.metas["ColumnType"] == c["column_type"]
        columns.append(ColumnObservation(name=page.metas["ColumnName"], url=path,
                                         column_type=page.metas["ColumnType"], level=1, items=page.items))
    articles = []
    for path, a in truth["articles"].items():
        page = _read(tmp_path, path)
        got = visible_pubdate("\n".join(page.texts))
        assert (got.isoformat() if got else None) == a["visible_date"], path
        assert page.metas["PubDate"].startswith(a["date"])
        articles.append((path, got is not None))
    rep = assess_columns(columns, home.items, articles, today)
    for a in rep.columns:
        t = truth["columns"][a.url]
        assert (a.status, a.column_class, a.item_count, a.long_stale) == \
            (t["status"], t["class"], t["items"], t["long_stale"]), a.url
        assert (a.latest.isoformat() if a.latest else None) == t["latest"], a.url
        assert (a.expires_on.isoformat() if a.expires_on else None) == t["expires_on"], a.url
    assert rep.veto.veto is truth["veto"]["veto"] is False
    assert (rep.veto.stale, rep.veto.long_stale, rep.veto.empty) == \
        (truth["veto"]["stale_columns"], truth["veto"]["long_stale_columns"], truth["veto"]["empty_columns"])
    assert rep.home.updated is truth["home"]["updated"] is True
    assert rep.home.latest.isoformat() == truth["home"]["latest"]
    assert sorted(rep.articles_without_date) == sorted(p for p, a in truth["articles"].items() if not a["visible_date"])
    assert len(rep.articles_without_date) == 5


def test_fixture_site_files(tmp_path: Path) -> None:
    truth = build(tmp_path, TODAY)
    home = (tmp_path / "index.html").read_text(encoding="utf-8")
    for name in ["首页", "工作动态", "通知公告", "政策文件", "人事信息", "规划计划", "专题专栏", "图片新闻"]:
        assert f">{name}</a></li>" in home
    robots = (tmp_path / "robots.txt").read_text(encoding="utf-8")
    assert "User-agent: *\nAllow: /" in robots and "Sitemap: http://www.qingxi.gov.cn/sitemap.xml" in robots
    sitemap = (tmp_path / "sitemap.xml").read_text(encoding="utf-8")
    for p in truth["pages"]:
        assert f"<loc>http://www.qingxi.gov.cn{p}</loc>" in sitemap
        assert (tmp_path / p.lstrip("/")).is_file()
    # every link on the site resolves to a file
    for p in truth["pages"]:
        for _, href, _ in _read(tmp_path, p).items:
            if href.startswith("/"):
                assert (tmp_path / href.lstrip("/")).is_file(), (p, href)
    assert "暂无信息" in (tmp_path / "ztzl/index.html").read_text(encoding="utf-8")
