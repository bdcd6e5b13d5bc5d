"""The site rules (auditor.site_rules) over constructed site facts: no browser, no network, no database."""
from __future__ import annotations

import dataclasses
import tomllib
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from auditor.availability import ProbeRecord
from auditor.ipv6 import FetchResult, IPv6Measurements, IPv6Policy, LinkResult, NameServer
from auditor.models import Status
from auditor.rules.meta import RuleMeta
from auditor.site_facts import (CrawlFacts, HomeFailure, HttpCheck, IPv6Facts, LinkFacts, LinkPlace, PageNote,
                                PageResult, SeenLink, SiteFacts, StoredCheck)
from auditor.site_rules import SITE_METAS, SITE_RULES, SiteRule, SiteRuleConfig, run_site_rules
from auditor.site_rules.links import judge_links, on_page

HOME = "http://www.x.gov.cn/"
TODAY = date(2026, 11, 18)


def _facts(**kw) -> SiteFacts:
    return SiteFacts(home=HOME, today=TODAY, observed_at="2026-11-18T08:00:00+00:00", **kw)


def _by(results, subject: str = "") -> dict:
    return {c.rule: c for c in results if c.subject == subject}


def _note(url: str, *, level: int = 2, kind: str | None = "column", source: str = "link", nav_text: str = "",
          metas: dict | None = None, items: list | None = None, text: str = "", title: str = "",
          error: str | None = None, page_id: int = 1) -> PageNote:
    return PageNote(url=url, page_id=page_id, level=level, source=source, nav_text=nav_text, kind=kind,
                    metas=metas or {}, items=items or [], text=text, title=title, error=error)


# --- the catalog and the runner ---------------------------------------------------------------------------

def test_every_site_rule_is_declared_once_with_scope_site() -> None:
    ids = [m.id for m in SITE_METAS]
    assert len(ids) == len(set(ids))
    assert {"links.home", "links.other", "links.external", "links.availability", "columns.freshness",
            "columns.veto", "home.update", "article.pubdate_visible", "ipv6.support", "crawl.coverage",
            "site.unreachable", "site.availability"} <= set(ids)
    for m in SITE_METAS:
        assert isinstance(m, RuleMeta) and m.scope == "site", m.id
        assert m.indicator and m.pass_title and m.fail_title and m.fix and m.facts, m.id
        assert (m.key is None) == (m.group is None), m.id


def test_a_declared_19_indicator_lists_the_site_rule() -> None:
    data = tomllib.loads((Path(__file__).parent.parent / "auditor/scoring/indicators_19.toml").read_text("utf-8"))
    indicators = {i["id"]: i for i in data["indicator"]}
    keyed = [m for m in SITE_METAS if m.key]
    assert {m.id for m in keyed} >= {"columns.veto", "home.update", "site.availability", "links.home"}
    for m in keyed:
        ind = indicators[m.key]
        assert m.id in ind["rules"], (m.id, m.key)
        assert m.group == ind.get("group", "V" if ind["kind"] == "veto" else None), m.id


def test_a_rule_that_raises_is_not_assessable_alone() -> None:
    def boom(facts: SiteFacts, config: SiteRuleConfig) -> list:
        raise KeyError("columnname")

    broken = SiteRule(dataclasses.replace(SITE_METAS[0], id="x.boom", indicator="爆"), boom)
    facts = _facts(pages={HOME: _note(HOME, level=1, kind="home", error="net::ERR_CONNECTION_REFUSED")})
    out = run_site_rules(facts, rules=[broken, *SITE_RULES])
    crashed = out[0]
    assert (crashed.rule, crashed.status, crashed.indicator) == ("x.boom", Status.NOT_ASSESSABLE, "爆")
    assert "KeyError" in crashed.message and crashed.value["error_class"] == "KeyError"
    # the other rules still ran
    assert _by(out)["site.unreachable"].status is Status.NOT_ASSESSABLE
    assert "home.update" in _by(out)


def test_rules_whose_facts_were_not_gathered_yield_nothing() -> None:
    # The home page's name did not resolve: nothing but the unreachable record.
    out = run_site_rules(_facts(home_failure=HomeFailure(HOME, "dns", "域名无法解析：www.x.gov.cn")))
    assert [(c.rule, c.status) for c in out] == [("site.unreachable", Status.NOT_ASSESSABLE)]
    c = out[0]
    assert c.value == {"url": HOME, "error_kind": "dns", "error": "域名无法解析：www.x.gov.cn",
                       "at": "2026-11-18T08:00:00+00:00"}
    assert "域名无法解析" in c.message and c.indicator == "站点无法访问"


# --- links ------------------------------------------------------------------------------------------------

def _link_facts() -> LinkFacts:
    home_place = LinkPlace(HOME, 1, {"x": 10, "y": 20, "w": 30, "h": 12}, ("run-1", "page-home"))
    col = "http://www.x.gov.cn/col/"
    col_place = LinkPlace(col, 2, None, ("run-1", "page-col"))
    seen = {
        "http://www.x.gov.cn/ok": SeenLink("link", True, False, [home_place, col_place]),
        "http://www.x.gov.cn/gone": SeenLink("link", True, False, [home_place, col_place]),
        "http://www.x.gov.cn/slow": SeenLink("link", False, False, [col_place]),
        "http://www.x.gov.cn/logo.png": SeenLink("image", True, True, [home_place]),  # shown broken
        "http://cdn.other.cn/a.js": SeenLink("link", False, False, [col_place]),
        "http://www.elsewhere.cn/": SeenLink("link", False, False, [col_place]),
        "http://x.gov.cn/unchecked": SeenLink("link", False, False, [col_place]),  # no HTTP result: left out
    }
    checked = {
        "http://www.x.gov.cn/ok": HttpCheck("ok", 200, "OK"),
        "http://www.x.gov.cn/gone": HttpCheck("broken", 404, "HTTP 404", exchange={
            "method": "GET", "url": "http://www.x.gov.cn/gone", "status_line": "HTTP/1.1 404 Not Found",
            "request_headers": {"User-Agent": "ua"}, "response_headers": {"Server": "nginx"}}),
        "http://www.x.gov.cn/slow": HttpCheck("suspect", None, "超时", attempts=3),
        "http://www.x.gov.cn/logo.png": HttpCheck("ok", 200, "OK"),
        "http://cdn.other.cn/a.js": HttpCheck("ok", 200, "OK"),
        "http://www.elsewhere.cn/": HttpCheck("unassessable", 403, "WAF"),
    }
    return LinkFacts(seen=seen, checked=checked)


def test_links_are_judged_and_counted_home_and_other_apart() -> None:
    lf = _link_facts()
    judged = {j.url: j for j in judge_links(lf, HOME)}
    assert "http://x.gov.cn/unchecked" not in judged
    assert (judged["http://www.x.gov.cn/logo.png"].klass, judged["http://www.x.gov.cn/logo.png"].reason) == \
        ("broken", "图片在页面中无法显示（加载失败或不是有效图片）")
    assert not judged["http://www.x.gov.cn/gone"].external and judged["http://www.elsewhere.cn/"].external
    assert judged["http://www.x.gov.cn/gone"].found_on == [HOME, "http://www.x.gov.cn/col/"]

    out = _by(run_site_rules(_facts(links=lf)))
    home = out["links.home"]
    assert home.status is Status.FAIL and home.indicator == "可用性（首页不可用链接）"
    assert home.value["counts"] == {"ok": 1, "broken": 2, "suspect": 0, "unassessable": 0}
    assert home.message == "首页共检查 3 个链接：确定不可用 2 个，疑似不可用 0 个，无法评估 0 个"
    assert [p["url"] for p in home.value["problems"]] == ["http://www.x.gov.cn/gone", "http://www.x.gov.cn/logo.png"]
    other = out["links.other"]
    assert other.status is Status.WARN  # only a suspect one
    assert other.value["counts"] == {"ok": 1, "broken": 0, "suspect": 1, "unassessable": 1}
    ext = out["links.external"]
    assert ext.status is Status.PASS and ext.message == "外部链接涉及 2 个网站"
    assert ext.value == {"cdn.other.cn": {"ok": 1}, "www.elsewhere.cn": {"unassessable": 1}}


def test_each_page_gets_its_broken_links_with_boxes_and_the_exchange() -> None:
    results = run_site_rules(_facts(links=_link_facts()))
    pages = {c.subject: c for c in results if on_page(c)}
    assert list(pages) == [HOME, "http://www.x.gov.cn/col/"]
    home = pages[HOME]
    assert (home.rule, home.status, home.message) == ("links.availability", Status.FAIL, "本页有 2 个确定不可用链接")
    assert [e.note for e in home.evidence] == ["确定不可用链接：http://www.x.gov.cn/gone",
                                               "确定不可用图片：http://www.x.gov.cn/logo.png"]
    assert home.evidence[0].box is not None and home.evidence[0].box.w == 30
    assert "GET http://www.x.gov.cn/gone" in home.evidence[0].text and "HTTP/1.1 404 Not Found" in home.evidence[0].html
    col = pages["http://www.x.gov.cn/col/"]
    assert col.status is Status.FAIL and col.message == "本页有 1 个确定不可用链接、1 个疑似不可用链接"
    assert col.value["suspect"] == [{"url": "http://www.x.gov.cn/slow", "status": None, "reason": "超时", "kind": "link"}]
    assert col.evidence[1].box is None  # not visible on that page


def test_no_links_checked_means_no_link_results() -> None:
    out = run_site_rules(_facts(links=None, pages={}))
    assert not [c for c in out if c.rule.startswith("links.")]


# --- coverage and the per-rule page summaries ------------------------------------------------------------

def _page_results() -> list[PageResult]:
    return [
        PageResult(1, HOME, None, None, [StoredCheck("footer.icp", "pass", "ICP备案编号", "有"),
                                         StoredCheck("site.https", "warn", "HTTPS", "http")]),
        PageResult(2, "http://www.x.gov.cn/col/", None, None, [StoredCheck("footer.icp", "fail", "ICP备案编号", "没有"),
                                                               StoredCheck("site.https", "warn", "HTTPS", "http")]),
        PageResult(3, "http://www.x.gov.cn/dead", "http", "HTTP 500"),
    ]


def test_coverage_counts_pages_levels_and_the_pages_that_could_not_be_opened() -> None:
    crawl = CrawlFacts(planned=[(HOME, 1), ("http://www.x.gov.cn/col/", 2), ("http://www.x.gov.cn/dead", 2)],
                       skipped_by_template=4, external_hosts={f"h{i}.cn": 60 - i for i in range(55)})
    c = _by(run_site_rules(_facts(page_results=_page_results(), crawl=crawl)))["crawl.coverage"]
    assert c.status is Status.WARN and c.indicator == "抽查范围"
    assert c.message == "抽查 3 个页面（1 个无法打开），按模板抽样略过 4 个同类页面"
    assert c.value["errors"] == [{"url": "http://www.x.gov.cn/dead", "error": "HTTP 500"}]
    assert c.value["levels"] == {"1": 1, "2": 2}
    assert len(c.value["external_hosts"]) == 50 and next(iter(c.value["external_hosts"])) == "h0.cn"
    ok = _by(run_site_rules(_facts(page_results=_page_results()[:2], crawl=crawl)))["crawl.coverage"]
    assert ok.status is Status.PASS and ok.value["errors"] == []


def test_page_summaries_per_rule_with_the_link_findings_merged() -> None:
    out = run_site_rules(_facts(page_results=_page_results(), links=_link_facts()))
    summaries = [c for c in out if c.subject == "pages"]
    assert [c.rule for c in summaries] == ["footer.icp", "site.https", "links.availability"]
    icp = summaries[0]
    assert icp.status is Status.FAIL and icp.message == "2 个页面中：不合格 1，警告 0，无法评估 0"
    assert icp.value["examples"] == [{"status": "fail", "url": "http://www.x.gov.cn/col/", "message": "没有"}]
    assert icp.indicator == "ICP备案编号"
    links = summaries[2]
    assert links.value["counts"]["fail"] == 2 and links.indicator == "可用性（不可用链接）"
    # A finding already stored on its page (a retried finaliser) is not counted twice.
    stored = _page_results()
    stored[0].checks.append(StoredCheck("links.availability", "fail", "可用性（不可用链接）", "本页有 2 个确定不可用链接"))
    again = [c for c in run_site_rules(_facts(page_results=stored, links=_link_facts())) if c.subject == "pages"]
    assert again[2].value["counts"]["fail"] == 2


# --- IPv6 -------------------------------------------------------------------------------------------------

def _m(**kw) -> IPv6Measurements:
    ok = (lambda fam: FetchResult(fam, HOME, "2001:db8::1" if fam == 6 else "192.0.2.1", 200, HOME,
                                  "<html><body><p>示范</p></body></html>", 0.1))
    base = dict(url=HOME, host="www.x.gov.cn", a=["192.0.2.1"], aaaa=["2001:db8::1"], zone="x.gov.cn",
                nameservers=[NameServer("ns1.x.gov.cn", ["2001:db8::53"])], tcp6={80: True}, v4=ok(4), v6=ok(6),
                level2=[LinkResult(f"{HOME}{i}", i < 3, v4_ok=None if i < 3 else True) for i in range(4)],
                level3=[], subresource_hosts={"www.x.gov.cn": ["2001:db8::1"]})
    base.update(kw)
    return IPv6Measurements(**base)


def test_ipv6_rules_from_measurements_in_order_with_the_v6_rendering() -> None:
    render = {"address": "2001:db8::1", "ok": True, "status": 200, "error": None}
    cfg = SiteRuleConfig(ipv6=IPv6Policy(link_target=0.8))
    out = run_site_rules(_facts(ipv6=IPv6Facts(measurements=_m(), render=render)), cfg)
    assert [c.rule for c in out] == ["ipv6.aaaa", "ipv6.ns", "ipv6.home", "ipv6.consistency", "ipv6.level2",
                                     "ipv6.level3", "ipv6.subresources", "ipv6.support"]
    by = _by(out)
    assert by["ipv6.home"].status is Status.PASS and by["ipv6.home"].value["ipv6_render"] == render
    assert by["ipv6.level2"].status is Status.FAIL and by["ipv6.level2"].value["rate"] == 0.75  # 3/4 < 0.8
    assert by["ipv6.level3"].status is Status.NOT_ASSESSABLE
    assert by["ipv6.support"].value["score"] < 100 and "二级链接 IPv6 支持率" in by["ipv6.support"].message
    passing = _by(run_site_rules(_facts(ipv6=IPv6Facts(measurements=_m())), SiteRuleConfig(
        ipv6=IPv6Policy(link_target=0.7, support_target=90))))
    assert passing["ipv6.level2"].status is Status.PASS
    assert "ipv6_render" not in passing["ipv6.home"].value


def test_ipv6_not_measured_says_why_once() -> None:
    out = run_site_rules(_facts(ipv6=IPv6Facts(skipped="离线运行且未配置 DNS 服务器（GOVAUDIT_DNS_SERVER），未检查 IPv6")))
    assert [(c.rule, c.status, c.indicator, c.value) for c in out] == [
        ("ipv6.support", Status.NOT_ASSESSABLE, "IPv6 支持度", {})]
    assert "未配置 DNS 服务器" in out[0].message


def test_no_aaaa_fails_home_and_aaaa() -> None:
    m = _m(aaaa=[], v6=FetchResult(6, HOME, error="no_address: www.x.gov.cn"))
    by = _by(run_site_rules(_facts(ipv6=IPv6Facts(measurements=m))))
    assert by["ipv6.aaaa"].status is Status.FAIL and by["ipv6.home"].status is Status.FAIL
    assert by["ipv6.consistency"].status is Status.NOT_ASSESSABLE


# --- availability -----------------------------------------------------------------------------------------

def test_unreachable_home_page_of_a_crawl_is_recorded_not_judged() -> None:
    pages = {HOME: _note(HOME, level=1, kind=None, error="net::ERR_CONNECTION_TIMED_OUT")}
    c = _by(run_site_rules(_facts(pages=pages)))["site.unreachable"]
    assert c.status is Status.NOT_ASSESSABLE and c.value["error_kind"] is None
    assert c.message.startswith("本次检查首页无法打开（连接超时（net::ERR_CONNECTION_TIMED_OUT））")
    fine = {HOME: _note(HOME, level=1, kind="home")}
    assert "site.unreachable" not in _by(run_site_rules(_facts(pages=fine)))


@pytest.mark.parametrize("failures,status", [(9, Status.FAIL), (8, Status.PASS)])
def test_availability_over_a_week_of_probes(failures: int, status: Status) -> None:
    end = datetime(2026, 11, 18, tzinfo=timezone.utc)
    start = end - timedelta(days=7)
    probes = [ProbeRecord(HOME, i, start + timedelta(hours=i), i >= failures) for i in range(7 * 24)]
    c = _by(run_site_rules(_facts(probes=probes, probes_until=end)))["site.availability"]
    assert c.status is status and c.value["total"] == 168 and c.value["failures"] == failures
    short = _by(run_site_rules(_facts(probes=probes[:100], probes_until=end)))["site.availability"]
    assert short.status is Status.NOT_ASSESSABLE and "监测数据不足" in short.message


# --- 栏目更新 ---------------------------------------------------------------------------------------------

def test_freshness_from_the_sampled_pages() -> None:
    d = lambda days: (TODAY - timedelta(days=days)).isoformat()  # noqa: E731
    pages = {
        HOME: _note(HOME, level=1, kind="home", items=[("要闻", f"{HOME}a1", d(3))]),
        f"{HOME}gzdt/": _note(f"{HOME}gzdt/", source="nav", nav_text="工作动态",
                              items=[("x", f"{HOME}gzdt/1", d(30))]),
        f"{HOME}tzgg/": _note(f"{HOME}tzgg/", source="nav", metas={"columnname": "通知公告"},
                              items=[("y", f"{HOME}tzgg/1", d(20))]),
        f"{HOME}kong/": _note(f"{HOME}kong/", level=3, nav_text="专题专栏"),
        f"{HOME}map/": _note(f"{HOME}map/", nav_text="网站地图"),  # not a 栏目 that publishes
        f"{HOME}bad/": _note(f"{HOME}bad/", nav_text="人事信息", error="HTTP 500"),  # not sampled as a 栏目
        f"{HOME}a1": _note(f"{HOME}a1", level=3, kind="article", text="标题\n发布时间：2026-11-15\n正文"),
        f"{HOME}a2": _note(f"{HOME}a2", level=3, kind="article", text="标题\n正文"),
    }
    out = run_site_rules(_facts(pages=pages))
    cols = {c.subject: c for c in out if c.rule == "columns.freshness"}
    assert list(cols) == [f"{HOME}gzdt/", f"{HOME}tzgg/", f"{HOME}kong/"]
    assert cols[f"{HOME}gzdt/"].status is Status.FAIL and "超过2周未更新" in cols[f"{HOME}gzdt/"].message
    assert cols[f"{HOME}gzdt/"].value["level"] == 1 and cols[f"{HOME}gzdt/"].value["class"] == "dynamic"
    assert cols[f"{HOME}tzgg/"].status is Status.PASS and cols[f"{HOME}tzgg/"].value["class"] == "policy"
    empty = cols[f"{HOME}kong/"]
    assert (empty.status, empty.indicator, empty.value["level"]) == (Status.FAIL, "空白栏目", 3)
    site = _by(out)
    assert site["columns.veto"].status is Status.PASS and site["columns.veto"].value["stale"] == 1
    assert site["home.update"].status is Status.PASS and site["home.update"].value["age_days"] == 3
    pub = site["article.pubdate_visible"]
    assert pub.status is Status.WARN and pub.value == {"checked": 2, "without_date": [f"{HOME}a2"]}


def test_freshness_with_no_columns_is_not_assessable() -> None:
    site = _by(run_site_rules(_facts(pages={HOME: _note(HOME, level=1, kind="home")})))
    assert site["columns.veto"].status is Status.NOT_ASSESSABLE
    assert site["home.update"].status is Status.NOT_ASSESSABLE
    assert site["article.pubdate_visible"].status is Status.NOT_ASSESSABLE
