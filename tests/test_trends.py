"""趋势 per site and per region, quarter over quarter: the pure computation (auditor/trends.py), the SVG chart
(auditor/trend_chart.py), the store loader over runs in a real SQLite database (latest complete official run per
quarter; a self-check never counts), and the site page and 地区趋势 view in the web UI."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import datetime, timezone

import pytest

from auditor.quarter import Quarter, QuarterError
from auditor.scoring import load_table
from auditor.store import Store
from auditor.store.models import Check, Page, Run, SiteCheck
from auditor.store.trends import load_trends
from auditor.trend_chart import BAR_H, Series, site_chart, trend_svg
from auditor.trends import NO_REGION, Snapshot, classify, overall, region_trends, site_trend

Q2, Q3, Q4 = Quarter(2026, 2), Quarter(2026, 3), Quarter(2026, 4)


def test_quarter_is_beijing_time_and_counts_back():
    assert Quarter.of(datetime(2026, 9, 30, 17, 0, tzinfo=timezone.utc)) == Q4  # 01:00 on 1 Oct in Beijing
    assert Quarter.of(datetime(2026, 9, 30, 15, 0)) == Q3  # a naive time is UTC, as the store keeps it
    assert Quarter(2026, 1).back(3) == [Quarter(2025, 3), Quarter(2025, 4), Quarter(2026, 1)]
    assert Q4.start_utc == datetime(2026, 9, 30, 16, 0, tzinfo=timezone.utc)
    with pytest.raises(QuarterError, match="季度格式"):
        Quarter.parse("2026Q0")


def test_classify_judges_fixed_only_where_the_later_run_looked():
    a = {"k1": "/a.html", "k2": "/b.html", "k3": "/gone.html"}
    b = {"k1": "/a.html", "k4": "/c.html"}
    new, fixed, still, unchecked = classify(a, b, lambda page: page in {"/a.html", "/b.html"})
    assert new == ["/c.html"] and fixed == ["/b.html"] and still == [("/a.html", "/a.html")]
    assert unchecked == ["/gone.html"]


def _snap(q: Quarter, run_id: int, verdict: str, score: float | None, findings: dict, audited=(), whole=True):
    return Snapshot(q, run_id, verdict, score, True, findings, frozenset(audited), whole)


def test_site_trend_compares_with_the_previous_checked_quarter():
    s2 = _snap(Q2, 1, "不合格", None, {"veto": None, "icp": "/a"})
    s4 = _snap(Q4, 2, "合格", 92.0, {"icp": "/a", "contact": "/b"}, audited={"/a", "/b"})
    t = site_trend("site:1", "甲", "http://a/", "", None, [Q2, Q3, Q4], {Q2: s2, Q4: s4})
    assert [p.checked for p in t.points] == [True, False, True]
    assert t.points[0].delta is None and t.points[1].delta is None
    d = t.points[2].delta
    assert (d.since, d.new, d.fixed, d.still, d.unchecked) == (Q2, 1, 1, 1, 0)  # the veto is fixed: a site run
    assert t.region == NO_REGION and t.site_type == "未分类" and t.latest is t.points[2]
    # A partial later run does not prove a site-level finding fixed.
    part = _snap(Q4, 3, "合格", 90.0, {"icp": "/a"}, audited={"/a"}, whole=False)
    d2 = site_trend("site:1", "甲", "", "x", None, [Q2, Q4], {Q2: s2, Q4: part}).points[1].delta
    assert (d2.fixed, d2.unchecked, d2.still) == (0, 1, 1)


def test_region_points_rate_mean_and_changes():
    a = site_trend("site:1", "甲", "", "东区", None, [Q3, Q4],
                   {Q3: _snap(Q3, 1, "合格", 80.0, {"x": "/"}, {"/"}), Q4: _snap(Q4, 4, "合格", 90.0, {}, {"/"})})
    b = site_trend("site:2", "乙", "", "东区", None, [Q3, Q4],
                   {Q3: _snap(Q3, 2, "合格", 70.0, {}), Q4: _snap(Q4, 5, "不合格", None, {"v": None})})
    c = site_trend("site:3", "丙", "", "西区", None, [Q3, Q4], {Q4: _snap(Q4, 6, "不合格", 50.0, {})})
    regions = region_trends([c, a, b], [Q3, Q4])
    assert [r.region for r in regions] == ["东区", "西区"]
    east = regions[0].points
    assert (east[0].checked, east[0].passed, east[0].rate, east[0].mean_score) == (2, 2, 100.0, 75.0)
    assert (east[1].checked, east[1].passed, east[1].rate, east[1].vetoed, east[1].mean_score) == (2, 1, 50.0, 1, 90)
    assert (east[1].new, east[1].fixed, east[1].still) == (1, 1, 0)
    west = regions[1].points
    assert west[0].checked == 0 and west[0].rate is None and west[1].rate == 0
    total = overall([a, b, c], [Q3, Q4]).points[1]
    assert (total.checked, total.passed, total.rate) == (3, 1, 33.3)


def test_svg_is_well_formed_escaped_and_draws_what_it_is_given():
    svg = trend_svg(["2026Q3", "2026Q4", "<b>"], [Series("得分<x>", [55.5, None, 90], marks=(None, "否决", None))],
                    title="甲 & 乙", guide=(60, "60分合格线"), bars=[None, (3, 1, 2), (0, 4, 0)])
    root = ET.fromstring(svg)  # well-formed XML: every text escaped
    ns = "{http://www.w3.org/2000/svg}"
    assert root.find(f"{ns}title").text == "甲 & 乙"
    assert len(root.findall(f".//{ns}circle")) == 2  # one point per value, none for the vetoed quarter
    texts = [t.text for t in root.iter(f"{ns}text")]
    assert "否决" in texts and "55.5" in texts and "90" in texts and "<b>" in texts and "60分合格线" in texts
    assert "<script" not in svg and "得分<x>" in texts
    heights = [float(r.get("height")) for r in root.findall(f".//{ns}rect") if r.get("width") != "10"]
    assert max(heights) == pytest.approx(BAR_H) and 0.0 in heights  # the tallest bar is 4 of 4; a zero is flat


def _run(store: Store, site_id: int | None, url: str, name: str, when: datetime, pages: dict[str, list[str]],
         site_checks=(), purpose=None) -> int:
    run = store.create_run(name, None, len(pages), "playwright", "ua", {}, site_id=site_id, kind="site",
                           site_url=url, purpose=purpose)
    for path, rules in pages.items():
        store.save_page(run.id, Page(url=url + path, user_agent="ua"),
                        [(Check(rule=r, status="fail", indicator=r, message=f"{r} 不符合要求", value={}), [])
                         for r in rules], [])
    store.save_site_checks(run.id, [SiteCheck(rule=r, subject="", status="fail", indicator=r, message=r, value={})
                                    for r in site_checks])
    store.finish_run(run.id)
    with store.session.begin() as s:
        s.get(Run, run.id).started_at = when
    return run.id


@pytest.fixture
def trend_db(tmp_path):
    store = Store(f"sqlite:///{tmp_path}/t.db")
    store.upgrade()
    jia, _ = store.upsert_site("甲市人民政府", "http://www.jia.gov.cn/", None, None, "门户网站", region="甲市")
    yi, _ = store.upsert_site("乙县人民政府", "http://www.yi.gov.cn/", None, None, "门户网站", region="甲市")
    store.upsert_site("乙县人民政府", "http://www.yi.gov.cn/", None, "乙县办公室", "门户网站")  # keeps the region
    sep, nov = datetime(2026, 9, 10, tzinfo=timezone.utc), datetime(2026, 11, 10, tzinfo=timezone.utc)
    ids = {
        # 甲: vetoed (首页不更新) in Q3 with a missing ICP number; in Q4 the veto and the ICP are fixed, the
        # 主办单位 is still missing, and the 找错 entry is new.
        "jia3": _run(store, jia.id, jia.url, jia.name, sep, {"": ["footer.icp", "footer.sponsor"]}, ["home.update"]),
        "jia4": _run(store, jia.id, jia.url, jia.name, nov, {"": ["footer.sponsor", "footer.jiucuo"]}),
        # An owner's self-check later in Q4 with everything fixed: never the quarter's result.
        "self": _run(store, jia.id, jia.url, jia.name, nov.replace(day=20), {"": []}, purpose="self_check"),
        "yi4": _run(store, yi.id, yi.url, yi.name, nov, {"": []}),
        # A run tied to no registered site is grouped by its URL, under 未填写地区.
        "bing4": _run(store, None, "http://www.bing.gov.cn/", "丙县人民政府", nov, {"": ["footer.icp"]}),
    }
    return store, jia, yi, ids


def test_store_loads_the_official_run_of_each_quarter(trend_db):
    store, jia, yi, ids = trend_db
    trends = load_trends(store, [Q3, Q4], load_table())
    assert [(t.region, t.name) for t in trends] == [("未填写地区", "丙县人民政府"), ("甲市", "乙县人民政府"),
                                                    ("甲市", "甲市人民政府")]
    t = next(x for x in trends if x.name == "甲市人民政府")
    q3, q4 = t.points
    assert q3.snapshot.run_id == ids["jia3"] and q3.snapshot.score is None and q3.snapshot.verdict == "不合格"
    assert q4.snapshot.run_id == ids["jia4"] and q4.snapshot.score is not None  # not the later self-check
    d = q4.delta
    assert (d.new, d.fixed, d.still, d.unchecked) == (1, 2, 1, 0)
    region = region_trends(trends, [Q3, Q4])[0]
    assert region.region == "甲市" and [p.checked for p in region.points] == [1, 2]
    assert region.points[1].rate == 100.0 and region.points[0].rate == 0
    only = load_trends(store, [Q3, Q4], load_table(), scope=frozenset({yi.id}))
    assert [x.name for x in only] == ["乙县人民政府"]
    svg = site_chart(t)
    assert "否决" in svg and ET.fromstring(svg) is not None


def test_site_list_import_reads_the_region(tmp_path, settings):
    from auditor.sites_import import read_site_list

    f = tmp_path / "list.csv"
    f.write_text("网站名称,网址,网站类型,所属地区\n甲市人民政府,http://www.jia.gov.cn/,门户网站,甲市\n"
                 "乙局,http://www.yi.gov.cn/,部门网站,\n", encoding="utf-8")
    rows, errors = read_site_list(f, settings)
    assert not errors and [(r.name, r.region) for r in rows] == [("甲市人民政府", "甲市"), ("乙局", None)]


@pytest.fixture
def web(trend_db, tmp_path, settings):
    from auditor.store.users import create_user
    from web.app import create_app

    store, jia, yi, ids = trend_db
    create_user(store, "auditor", "correct-horse-1", "auditor")
    create_user(store, "owner", "correct-horse-1", "owner", [yi.url])
    app = create_app(settings.replace(database_url=str(store.engine.url)), store)

    def login(name: str):
        c = app.test_client()
        tok = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', c.get("/login").get_data(as_text=True)).group(1)
        assert c.post("/login", data={"username": name, "password": "correct-horse-1", "csrf_token": tok}
                      ).status_code == 302
        return c

    return login, jia, yi, ids


def test_site_page_and_region_view(web):
    login, jia, yi, ids = web
    c = login("auditor")
    html = c.get(f"/sites/{jia.id}?to=2026Q4").get_data(as_text=True)
    assert "季度趋势" in html and 'class="trend-chart"' in html and "<svg" in html
    row = re.search(r'<tr data-quarter="2026Q4">(.*?)</tr>', html, re.S).group(1)
    assert f"批次 {ids['jia4']}" in row and re.search(r'class="num fixed">2<', row)
    assert "单项否决" in re.search(r'<tr data-quarter="2026Q3">(.*?)</tr>', html, re.S).group(1)
    page = c.get("/regions?to=2026Q4").get_data(as_text=True)
    assert 'id="region-甲市"' in page and 'id="region-全部"' in page and page.count("<svg") == 3
    east = re.search(r'data-region="甲市">(.*?)</table>', page, re.S).group(1)
    q4 = re.search(r'data-quarter="2026Q4">(.*?)</tr>', east, re.S).group(1)
    assert 'class="num checked">2<' in q4 and 'class="num rate">100%<' in q4
    bad = c.get("/regions?to=2026Q9")
    assert bad.status_code == 400 and "季度格式" in bad.get_data(as_text=True)
    # An owner's region view counts only the owner's own site.
    mine = login("owner").get("/regions?to=2026Q4").get_data(as_text=True)
    assert "乙县人民政府" in mine and "甲市人民政府" not in mine and 'id="region-全部"' not in mine


def test_registering_a_site_with_its_region(web):
    login, jia, yi, ids = web
    c = login("auditor")
    tok = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', c.get("/sites").get_data(as_text=True)).group(1)
    r = c.post("/sites", data={"name": "丁镇人民政府", "url": "http://www.ding.gov.cn/", "region": "丁县",
                               "csrf_token": tok})
    assert r.status_code == 302
    listing = c.get("/sites").get_data(as_text=True)
    row = re.search(r'<tr data-site-id="\d+">\s*<td><a [^>]*>丁镇人民政府</a></td>\s*<td>(.*?)</td>', listing)
    assert row and row.group(1) == '<a href="/regions#region-丁县">丁县</a>'
    # The form without a region leaves the stored one as it is.
    tok = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', listing).group(1)
    c.post("/sites", data={"name": "甲市人民政府", "url": jia.url, "csrf_token": tok})
    assert "<dd><a href=\"/regions#region-甲市\">甲市</a></dd>" in c.get(f"/sites/{jia.id}").get_data(as_text=True)


def test_the_line_breaks_at_a_quarter_without_a_score():
    ns = "{http://www.w3.org/2000/svg}"
    gap = ET.fromstring(trend_svg(["a", "b", "c", "d"], [Series("得分", [90, None, 80, 85])], title="t"))
    assert [len(p.get("points").split()) for p in gap.iter(f"{ns}polyline")] == [2]  # c–d only; a stands alone
    whole = ET.fromstring(trend_svg(["a", "b", "c"], [Series("得分", [90, 70, 80])], title="t"))
    assert [len(p.get("points").split()) for p in whole.iter(f"{ns}polyline")] == [3]
