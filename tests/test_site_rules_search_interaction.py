"""Fast tests of the pure parts of site.search and interaction.*: the 来信/答复时间 parser, the rules over typed
facts with an injected day, the channel names, the results-link matching and the choice of titles to search."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pytest

from auditor.models import Status
from auditor.site_rules import SITE_METAS, interaction, msgdates, search
from auditor.site_rules.interaction import Channel, InteractionFacts, InteractionPolicy, Message
from auditor.site_rules.search import SearchFacts, SearchQuery
from browsers.site_search import title_found
from workers.site_extra import channel_candidates, recent_articles

TODAY = date(2026, 11, 18)


# ------------------------------------------------------------------ dates
@pytest.mark.parametrize("text,want", [
    ("2024-03-05", date(2024, 3, 5)),
    ("2024年3月5日", date(2024, 3, 5)),
    ("2024/03/05 10:20", date(2024, 3, 5)),
    ("２０２４－０３－０５", date(2024, 3, 5)),
    ("2024.3.5", date(2024, 3, 5)),
    ("2024-02-30", None),
    ("03-05", None),  # no year: a message's date is never guessed
    ("", None),
])
def test_parse_date_formats(text, want):
    assert msgdates.parse_date(text) == want


@pytest.mark.parametrize("text,asked,replied,answered", [
    ("来信时间：2024-03-05 答复时间：2024年3月7日", date(2024, 3, 5), date(2024, 3, 7), True),
    ("留言时间 2024/03/05\n回复时间：\n状态：办理中", date(2024, 3, 5), None, False),
    ("提问时间:2024-01-02 回复日期:2024-01-20", date(2024, 1, 2), date(2024, 1, 20), True),
    ("咨询时间：2024-05-06 办理时间：2024-05-08", date(2024, 5, 6), date(2024, 5, 8), True),
    ("关于路灯的问题 2024-03-05 已回复", date(2024, 3, 5), None, True),  # an unlabelled row date is the letter's
    ("写信日期：2024-03-05 处理中", date(2024, 3, 5), None, False),
])
def test_read_text_labels(text, asked, replied, answered):
    d = msgdates.read_text(text)
    assert (d.asked, d.replied, d.answered) == (asked, replied, answered)


def test_detail_page_publication_date_is_not_the_letters():
    d = msgdates.read_text("发布时间：2024-03-09\n答复内容：已转交有关部门。", row=False)
    assert d.asked is None and d.replied is None and d.answered is True


def test_read_cells_by_header_and_merge_with_detail():
    row = msgdates.read_cells(["标题", "来信时间", "答复时间", "状态"], ["关于X", "2026-09-01", "", "已回复"])
    assert row.asked == date(2026, 9, 1) and row.replied is None and row.reply_field and row.answered is True
    detail = msgdates.read_text("来信时间：2026-09-01\n答复时间：2026-09-04", row=False)
    merged = msgdates.merge(row, detail)
    assert merged.replied == date(2026, 9, 4) and merged.answered is True
    waiting = msgdates.merge(msgdates.read_cells(["来信时间", "状态"], ["2026-07-10", "办理中"]),
                             msgdates.read_text("来信时间：2026-07-10", row=False))
    assert waiting.answered is False and waiting.replied is None


# ------------------------------------------------------------------ channels
@pytest.mark.parametrize("name,ctype,want", [
    ("市长信箱", None, "message"), ("我要留言", None, "message"), ("网上咨询", None, "message"),
    ("在线访谈", None, "interview"), ("互动交流", "咨询投诉", "message"), ("访谈", "在线访谈", "interview"),
    ("网上信访", None, None), ("纪检举报", None, None), ("调查征集", None, None), ("互动交流", "征集调查", None),
    ("咨询老旧小区加装电梯补贴政策", None, None),  # a message's title, not an entry
    ("在线访谈：市住建局谈老旧小区改造", None, None),
    ("2026年10月份市长信箱来信办理情况通报", None, None),
])
def test_channel_kind(name, ctype, want):
    assert interaction.channel_kind(name, ctype) == want


# ------------------------------------------------------------------ interaction rules
def msg(title, asked, replied=None, answered=None):
    return Message(title, f"http://www.x.gov.cn/{title}.html", asked, replied, answered, replied is not None)


def facts(*messages, channels=None):
    return InteractionFacts("http://www.x.gov.cn/", channels if channels is not None else
                            (Channel("网上留言", "http://www.x.gov.cn/ly/", "message", "link", 200, None, messages),))


def by_rule(results):
    return {c.rule: c for c in results}


def test_the_three_messages_of_the_issue():
    got = by_rule(interaction.check(facts(
        msg("两天答复", date(2026, 10, 10), date(2026, 10, 12), True),
        msg("四个月未答复", date(2026, 7, 10), None, False),
        msg("无答复时间", date(2026, 9, 1), None, True)), TODAY))
    assert got["interaction.channel"].status == Status.PASS
    assert got["interaction.unanswered"].status == Status.FAIL
    assert [r["title"] for r in got["interaction.unanswered"].value["rows"]] == ["四个月未答复"]
    assert got["interaction.reply_late"].status == Status.FAIL
    assert [r["title"] for r in got["interaction.reply_late"].value["rows"]] == ["四个月未答复"]
    assert got["interaction.dates_published"].status == Status.FAIL
    assert [r["title"] for r in got["interaction.dates_published"].value["rows"]] == ["无答复时间"]
    assert got["interaction.multiple_entries"].status == Status.PASS


def test_three_months_is_the_limit_and_the_year_bounds_the_look_back():
    just = msg("刚满三个月", date(2026, 8, 18), None, False)  # 3 months on 11-18: not yet over
    over = msg("三个月零一天", date(2026, 8, 17), None, False)
    old = msg("一年多以前", date(2025, 10, 1), None, False)
    assert interaction.check_unanswered(facts(just, old), TODAY, InteractionPolicy()).status == Status.PASS
    assert interaction.check_unanswered(facts(over), TODAY, InteractionPolicy()).status == Status.FAIL
    late_answer = msg("四个月后才答复", date(2026, 3, 1), date(2026, 7, 5), True)
    assert interaction.check_unanswered(facts(late_answer), TODAY, InteractionPolicy()).status == Status.FAIL


def test_reply_window_is_the_provinces_setting():
    m = msg("十天答复", date(2026, 10, 1), date(2026, 10, 11), True)
    assert interaction.check_reply_late(facts(m), TODAY, InteractionPolicy(reply_window_days=15)).status == Status.PASS
    late = interaction.check_reply_late(facts(m), TODAY, InteractionPolicy(reply_window_days=5))
    assert late.status == Status.FAIL and late.value["window_days"] == 5


def test_no_channel_fails_and_an_unreachable_platform_is_not_assessable():
    assert interaction.check_channel(facts(channels=())).status == Status.FAIL
    far = Channel("网上咨询", "http://hd.province.gov.cn/zx/", "message", "link", None, "net::ERR_CONNECTION_REFUSED")
    got = by_rule(interaction.check(facts(channels=(far,)), TODAY))
    for rule in ("interaction.channel", "interaction.unanswered", "interaction.reply_late",
                 "interaction.dates_published"):
        assert got[rule].status == Status.NOT_ASSESSABLE, rule
        assert "hd.province.gov.cn" in got[rule].message and "ERR_CONNECTION_REFUSED" in got[rule].message
    broken = Channel("网上咨询", "http://www.x.gov.cn/zx/", "message", "link", 404)
    assert interaction.check_channel(facts(channels=(broken,))).status == Status.FAIL


def test_multiple_entries_and_interviews():
    a = Channel("市长信箱", "http://www.x.gov.cn/szxx/", "message", "link", 200)
    b = Channel("网上咨询", "http://www.x.gov.cn/zx/", "message", "link", 200)
    v = Channel("在线访谈", "http://www.x.gov.cn/ft/", "interview", "link", 200)
    assert interaction.check_multiple_entries(facts(channels=(a, b, v))).status == Status.WARN
    assert interaction.check_multiple_entries(facts(channels=(a, v))).status == Status.PASS
    only_interview = by_rule(interaction.check(facts(channels=(v,)), TODAY))
    assert only_interview["interaction.channel"].status == Status.PASS
    assert only_interview["interaction.unanswered"].status == Status.NOT_ASSESSABLE


def test_home_page_down_gives_one_not_assessable():
    got = interaction.check(InteractionFacts("http://www.x.gov.cn/", home_error="net::ERR_TIMED_OUT"), TODAY)
    assert [(c.rule, c.status) for c in got] == [("interaction.channel", Status.NOT_ASSESSABLE)]


# ------------------------------------------------------------------ search rule
def q(outcome, url="http://www.x.gov.cn/search?q=1", status=200, error=None):
    return SearchQuery("标题", "http://www.x.gov.cn/a.html", outcome, url, status, error, query_png=b"q",
                       results_png=b"r")


BOX = {"how": "form", "name": "q"}


@pytest.mark.parametrize("queries,filters,box,status,kind", [
    ((q("found"),) * 3, ("时间不限",), BOX, Status.PASS, "found"),
    ((q("found"),) * 3, (), BOX, Status.WARN, "no_filters"),
    ((q("found"), q("not_found"), q("found")), ("时间不限",), BOX, Status.FAIL, "not_found"),
    ((q("http_error", status=500),), (), BOX, Status.FAIL, "error"),
    ((q("no_response"),), (), BOX, Status.FAIL, "no_response"),
    ((), (), None, Status.FAIL, "no_box"),
    ((), (), BOX, Status.NOT_ASSESSABLE, "no_titles"),
])
def test_search_outcomes_are_different_findings(queries, filters, box, status, kind):
    f = SearchFacts("http://www.x.gov.cn/", box=box, titles=len(queries), queries=queries, filters=filters)
    [c] = search.check(f)
    assert (c.status, c.value["kind"]) == (status, kind)
    assert len(c.evidence) == 2 * len(queries)  # the query and the results page, each search


def test_unreachable_search_host_is_not_assessable_naming_host_and_error():
    f = SearchFacts("http://www.x.gov.cn/", box=BOX, titles=3,
                    queries=(q("net_error", url="http://so.province.gov.cn/s?q=1", status=None, error="域名无法解析"),))
    [c] = search.check(f)
    assert c.status == Status.NOT_ASSESSABLE and "so.province.gov.cn" in c.message and "域名无法解析" in c.message


def test_filters_of_results_controls():
    assert search.filters_of(["首页", "按时间：", "一周内", "全部栏目", "这是一条很长很长的新闻标题不算筛选控件的文字"]) == \
        ("按时间", "一周内", "全部栏目")


# ------------------------------------------------------------------ results links, titles to search
def test_title_found_in_results_links():
    t = "示范市人民政府关于印发示范市促进民营经济高质量发展若干措施的通知"
    assert title_found(t, "http://x/a.html", [{"text": t, "title": "", "href": "http://x/b.html"}])
    assert title_found(t, "http://x/a.html", [{"text": "示范市人民政府关于印发示范市促进…", "href": "http://x/b"}])
    assert title_found(t, "http://x/zw/a.html", [{"text": "查看", "href": "http://x/zw/a.html"}])
    assert not title_found(t, "http://x/a.html", [{"text": "示范市…", "href": "http://x/b"}])  # too short a cut
    assert not title_found(t, "http://x/a.html", [{"text": "其他文章", "href": "http://x/c.html"}])


@dataclass
class N:
    url: str
    kind: str | None
    title: str = ""
    metas: dict[str, str] = field(default_factory=dict)
    text: str = ""
    error: str | None = None
    page_id: int = 1
    level: int = 3
    source: str = "link"
    nav_text: str = ""


def test_recent_articles_newest_first_with_site_suffix_removed():
    notes = [N("http://x/1", "article", "旧文章标题_示范市人民政府", {"pubdate": "2026-01-01 10:00"}),
             N("http://x/2", "article", "新文章标题_示范市人民政府", {"pubdate": "2026-11-01 10:00"}),
             N("http://x/3", "article", "中间的文章", {"articletitle": "中间的文章标题", "pubdate": "2026-06-01"}),
             N("http://x/4", "article", "没有日期的文章"),
             N("http://x/5", "column", "栏目页", {"pubdate": "2026-11-18"}),
             N("http://x/6", "article", "出错的页面", {"pubdate": "2026-11-18"}, error="HTTP 500")]
    assert recent_articles(notes) == [("新文章标题", "http://x/2"), ("中间的文章标题", "http://x/3"),
                                      ("旧文章标题", "http://x/1")]


def test_channel_candidates_from_crawled_columns():
    notes = [N("http://x/zx/", "column", "x", {"columnname": "咨询投诉", "columntype": "咨询投诉"}),
             N("http://x/szxx/", "column", "市长信箱_x", nav_text="市长信箱"),
             N("http://x/hd/", "column", "x", {"columnname": "互动交流", "columntype": "征集调查"})]
    got = channel_candidates(notes)
    assert [(c.url, c.found_by) for c in got] == [("http://x/zx/", "columntype"), ("http://x/szxx/", "column")]


def test_site_metas_are_complete():
    ids = [m.id for m in SITE_METAS if m.id.startswith(("site.search", "interaction."))]
    assert ids == ["site.search", "interaction.channel", "interaction.unanswered", "interaction.reply_late",
                   "interaction.dates_published", "interaction.multiple_entries"]
    for m in SITE_METAS:
        assert m.scope == "site" and m.indicator and m.pass_title and m.fail_title and m.fix and m.description


def test_an_outage_answer_of_another_host_is_not_the_sites_fault():
    """403/429/5xx from a search service or a 留言 platform on another host: not_assessable (as auditor/fault.py
    treats other hosts); the site's own host or its subdomains answering so: fail."""
    def one(url, status):
        f = SearchFacts("http://www.x.gov.cn/", box=BOX, titles=1, queries=(q("http_error", url=url, status=status),))
        return search.check(f)[0]
    far = one("http://so.province.gov.cn/s?q=1", 503)
    assert far.status == Status.NOT_ASSESSABLE and "so.province.gov.cn" in far.message and "503" in far.message
    assert one("http://so.x.gov.cn/s?q=1", 503).status == Status.FAIL
    assert one("http://so.province.gov.cn/s?q=1", 404).status == Status.FAIL  # a wrong reference is the site's
    platform = Channel("网上咨询", "http://hd.province.gov.cn/zx/", "message", "link", 502)
    got = interaction.check_channel(facts(channels=(platform,)))
    assert got.status == Status.NOT_ASSESSABLE and "hd.province.gov.cn" in got.message


def test_no_channel_is_only_a_veto_when_every_navigation_column_was_read() -> None:
    from auditor.site_rules.interaction import InteractionFacts, check_channel

    assert check_channel(InteractionFacts("http://x.gov.cn/")).status is Status.FAIL
    partial = check_channel(InteractionFacts("http://x.gov.cn/", unscanned=3))
    assert partial.status is Status.NOT_ASSESSABLE and "3个导航栏目未能读取" in partial.message
