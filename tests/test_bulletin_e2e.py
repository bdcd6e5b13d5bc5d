"""The 通报 end to end: real audits in real Chromium of local sites over two quarters, then `govaudit report
--quarter 2026Q4` as DOCX, XLSX and HTML, read back (python-docx, openpyxl) and checked against the database.

Sites, each with known truth and an injected inspection day (``today``) and run date:
- 示范市人民政府, the bundled sample site (auditor/sample_site): its newest item is 2026-11-18, so inspected on
  2026-12-06 its home page is not updated (单项否决 首页不更新, 2026Q3 run) and on 2026-11-20 it passes (2026Q4);
- 青溪县人民政府, the dated freshness fixture (tests/fixtures/freshsite) built for 2026-11-20: inspected that day
  it passes (2026Q3), inspected 30 days later its home page and 工作动态 are stale (单项否决, 2026Q4);
- 低分县人民政府, the same fixture with 25 links to pages it does not have on its home page: 25 broken home links
  cost the whole 功能设计 group (21), and under a province's table that weighs 政策文件 at 20 points its stale
  通知公告 (a 6-month policy column) takes the score below 60 (不合格 without a veto).
"""
from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import sys
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from auditor.models import SiteProfile
from auditor.quarter import Quarter
from auditor.scoring import load_table
from auditor.store import Store
from auditor.store.models import Run
from auditor.store.scorecard import score_run
from auditor.store.trends import load_trends, official_runs
from tests.fixtures.freshsite.make import build
from tests.servers import host_static_server
from workers.siterun import run_site

pytestmark = [pytest.mark.browser, pytest.mark.slow]

T = date(2026, 11, 20)
PROVINCE = """[[indicator]]
id = "D1.5"
points = 20
confidence = "verbatim_secondary"
"""
SHIFAN, QINGXI, DIFEN = "www.shifan.gov.cn", "www.qingxi.gov.cn", "www.difen.gov.cn"


@pytest.fixture(scope="module")
def audited(tmp_path_factory):
    from auditor import sample_site
    from auditor.config import Settings

    tmp = tmp_path_factory.mktemp("e2e")
    fresh, low = tmp / "qingxi", tmp / "difen"
    build(fresh, T)
    build(low, T, base_url=f"http://{DIFEN}")
    home = low / "index.html"
    broken = "".join(f'<a href="/yqlj/{i}.html">友情链接{i}</a>' for i in range(25))
    home.write_text(home.read_text(encoding="utf-8").replace("</footer>", f"<div>{broken}</div></footer>"),
                    encoding="utf-8")
    srv, port = host_static_server({SHIFAN: sample_site.WWW, QINGXI: fresh, DIFEN: low})
    settings = Settings(database_url=f"sqlite:///{tmp}/e2e.db", evidence_dir=str(tmp / "evidence"),
                        allow_private=True, isolate_network=True, standins=True, nav_timeout=15, page_budget=40,
                        a11y=False, crawl_delay=0.0, link_timeout=2.0, link_retries=0,
                        # The fixture sites' truth is about 首页/栏目 and links; 站内搜索 and 互动交流 have their own
                        # variants and tests (tests/test_site_search_interaction_browser.py).
                        site_search=False, interaction=False,
                        host_map={h: f"127.0.0.1:{port}" for h in (SHIFAN, QINGXI, DIFEN)})
    store = Store(settings.database_url)
    store.upgrade()
    regs = {SHIFAN: ("示范市人民政府", "门户网站", "示范市"), QINGXI: ("青溪县人民政府", "门户网站", "示范市"),
            DIFEN: ("低分县人民政府", "门户网站", "低分县")}
    ids = {h: store.upsert_site(n, f"http://{h}/", None, f"{n}办公室", t, region=r)[0].id
           for h, (n, t, r) in regs.items()}
    runs: dict[str, int] = {}

    def audit(label: str, host: str, today: date, when: datetime, pages: int, links: bool) -> None:
        s = settings.replace(max_pages=pages)
        rid = asyncio.run(run_site(s, store, f"http://{host}/", SiteProfile(regs[host][0]), today=today,
                                   site_id=ids[host], links=links, ipv6=False))
        with store.session.begin() as sess:
            sess.get(Run, rid).started_at = when
        runs[label] = rid

    q3, q4 = datetime(2026, 9, 20, 2, tzinfo=timezone.utc), datetime(2026, 11, 20, 2, tzinfo=timezone.utc)
    try:
        audit("shifan_q3", SHIFAN, date(2026, 12, 6), q3, 2, False)
        audit("qingxi_q3", QINGXI, T, q3, 2, False)
        audit("shifan_q4", SHIFAN, T, q4, 2, False)
        audit("qingxi_q4", QINGXI, date(2026, 12, 20), q4, 2, False)
        audit("difen_q4", DIFEN, T, q4, 3, True)  # home, 工作动态, 通知公告
    finally:
        srv.shutdown()
    province = tmp / "本省评分.toml"
    province.write_text(PROVINCE, encoding="utf-8")
    return store, settings, runs, ids, province, tmp


def _report(settings, province: Path, fmt: str, out: Path) -> str:
    p = subprocess.run([sys.executable, "-m", "govaudit.cli", "report", "--quarter", "2026Q4", "--format", fmt,
                        "--scoring", str(province), "--database-url", settings.database_url, "--evidence-dir",
                        settings.evidence_dir, "--out", str(out)], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0 and out.is_file(), p.stderr
    return p.stdout


def test_bulletin_of_real_audits_matches_the_database(audited):
    from docx import Document
    from openpyxl import load_workbook

    store, settings, runs, ids, province, tmp = audited
    table = load_table(province)
    q3, q4 = Quarter(2026, 3), Quarter(2026, 4)
    # The truth of the audits, from the database.
    assert official_runs(store, [q4])[q4] == {f"site:{ids[SHIFAN]}": runs["shifan_q4"],
                                              f"site:{ids[QINGXI]}": runs["qingxi_q4"],
                                              f"site:{ids[DIFEN]}": runs["difen_q4"]}
    cards = {k: score_run(store, rid, table, site_type="门户网站") for k, rid in runs.items()}
    assert [v.name for v in cards["shifan_q3"].vetoes] == ["首页不更新"]
    assert cards["shifan_q4"].verdict == "合格" and not cards["shifan_q4"].vetoes
    assert cards["qingxi_q3"].verdict == "合格", (cards["qingxi_q3"].reason, [v.name for v in cards["qingxi_q3"].vetoes])
    assert "首页不更新" in [v.name for v in cards["qingxi_q4"].vetoes]
    low = cards["difen_q4"]
    assert not low.vetoes and low.verdict == "不合格" and low.deduct_score < 60, low.reason
    assert next(g for g in low.groups if g.name == "功能设计").deducted == 21

    stdout = _report(settings, province, "docx", tmp / "通报.docx")
    assert "检查 3 个网站，不合格 2 个" in stdout
    doc = Document(str(tmp / "通报.docx"))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "共检查政府网站 3 个，合格 1 个，不合格 2 个，合格率 33.3%" in text
    assert "上季度检查 2 个，合格率 50%，下降 16.7 个百分点" in text
    veto = re.search(r"\d\. 首页不更新（(\d) 个网站）\n涉及网站：(.*?)。", text)
    assert veto and veto.group(1) == "1" and veto.group(2) == "青溪县人民政府"
    # 附件1: every site's score and result as the scorecard has them.
    rows = {r.cells[1].text: [c.text for c in r.cells] for r in doc.tables[0].rows[1:]}
    assert rows["示范市人民政府"][5] == f"{cards['shifan_q4'].total:g}" and rows["示范市人民政府"][6].startswith("合格")
    assert rows["青溪县人民政府"][5] == "单项否决"
    assert rows["低分县人民政府"][5] == f"{low.total:g}" and rows["低分县人民政府"][6].startswith("不合格")
    assert {r[7] for r in rows.values()} == {str(runs[k]) for k in ("shifan_q4", "qingxi_q4", "difen_q4")}
    # 附件3: the trend, per region and per site, as computed from the database.
    trends = {t.name: t for t in load_trends(store, q4.back(4), table)}
    shifan = trends["示范市人民政府"].points[-1]
    assert shifan.snapshot.run_id == runs["shifan_q4"] and shifan.delta.since == q3 and shifan.delta.fixed >= 1
    heads = [[c.text for c in t.rows[0].cells] for t in doc.tables]
    region_t = doc.tables[heads.index(next(h for h in heads if h[:2] == ["地区", "季度"]))]
    region_rows = {(r.cells[0].text, r.cells[1].text): [c.text for c in r.cells] for r in region_t.rows[1:]}
    assert region_rows[("示范市", "2026年3季度")][2:6] == ["2", "1", "50%", "1"]
    d_shi, d_qx = shifan.delta, trends["青溪县人民政府"].points[-1].delta
    assert region_rows[("示范市", "2026年4季度")][2:6] == ["2", "1", "50%", "1"]
    assert region_rows[("示范市", "2026年4季度")][7:] == [str(d_shi.new + d_qx.new), str(d_shi.fixed + d_qx.fixed),
                                                        str(d_shi.still + d_qx.still)]
    assert ("低分县", "2026年3季度") not in region_rows and region_rows[("全部", "2026年4季度")][4] == "33.3%"
    capped = [r for r in doc.tables if [c.text for c in r.rows[0].cells][4:5] == ["问题指标"]]
    usability = [c.text for t in capped for r in t.rows[1:] for c in r.cells if c.text.startswith("扣 25 分")]
    assert usability and "功能设计共 21 分，扣分以此为限" in usability[0]  # 25 broken links, the group caps at 21
    site_t = doc.tables[heads.index(next(h for h in heads if h[:2] == ["序号", "网站名称"] and "上季度得分" in h))]
    site_rows = {r.cells[1].text: [c.text for c in r.cells] for r in site_t.rows[1:]}
    assert site_rows["示范市人民政府"][3:6] == ["单项否决", f"{cards['shifan_q4'].total:g}", "合格（暂定）"]
    assert site_rows["示范市人民政府"][6:] == [str(d_shi.new), str(d_shi.fixed), str(d_shi.still)]
    assert site_rows["低分县人民政府"][3] == "未检查" and site_rows["低分县人民政府"][6:] == ["—", "—", "—"]
    # The typography: 黑体 for 一、, 楷体 for （一）, 仿宋 for the body.
    fonts = {p.text[:2]: p.runs[0].font.name for p in doc.paragraphs if p.runs}
    assert fonts["一、"] == "黑体" and fonts["（一"] == "楷体_GB2312"
    body = next(p for p in doc.paragraphs if p.text.startswith(q4.label))
    assert body.runs[0].font.name == "仿宋_GB2312"

    _report(settings, province, "xlsx", tmp / "通报.xlsx")
    wb = load_workbook(tmp / "通报.xlsx")
    scores = {r[1]: r for r in wb["附件1 得分情况"].iter_rows(min_row=3, values_only=True)}
    assert scores["低分县人民政府"][5] == low.total and scores["青溪县人民政府"][5] == "单项否决"
    xl_regions = {(r[0], r[1]): r for r in wb["附件3 各地区趋势"].iter_rows(min_row=3, values_only=True)}
    assert xl_regions[("示范市", "2026年4季度")][2:5] == (2, 1, "50%")
    xl_sites = {r[1]: r for r in wb["附件3 各网站比较"].iter_rows(min_row=3, values_only=True)}
    assert xl_sites["示范市人民政府"][6:] == (d_shi.new, d_shi.fixed, d_shi.still)

    _report(settings, province, "html", tmp / "通报.html")
    html = (tmp / "通报.html").read_text(encoding="utf-8")
    assert html.count("<svg") == 3 and "低分县人民政府" in html  # a chart per region and one for all


@pytest.mark.skipif(not shutil.which("soffice") or not shutil.which("pdftoppm"),
                    reason="LibreOffice (soffice) or pdftoppm is not installed")
def test_bulletin_docx_renders_with_libreoffice(audited):
    """LibreOffice opens the DOCX and renders it: a PDF of several pages, and page 1 as a picture."""
    store, settings, runs, ids, province, tmp = audited
    out = tmp / "render"
    out.mkdir(exist_ok=True)
    docx = out / "通报.docx"
    _report(settings, province, "docx", docx)
    p = subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{out}/lo", "--convert-to", "pdf",
                        "--outdir", str(out), str(docx)], capture_output=True, text=True, timeout=300)
    pdf = out / "通报.pdf"
    assert p.returncode == 0 and pdf.is_file(), p.stderr
    png = subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(out / "page")],
                         capture_output=True, text=True, timeout=120)
    assert png.returncode == 0 and list(out.glob("page*.png")), png.stderr
