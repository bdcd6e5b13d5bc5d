"""The quarter's 通报 draft (auditor/bulletin/, `govaudit report`) from runs stored in a real SQLite database:
a compliant site, a vetoed one, a low score, a previous quarter; the DOCX read back with python-docx and the XLSX
with openpyxl, their numbers checked against the database and the scorecards."""
from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timezone

import pytest

from auditor.bulletin import Quarter, build_bulletin, write_docx, write_html, write_xlsx
from auditor.scoring import load_table
from auditor.store import Store
from auditor.store.models import Check, Page, Run, SiteCheck


def _run(store: Store, name: str, url: str, checks: list[tuple[str, str, dict]], site_checks=(), when=None) -> int:
    site, _ = store.upsert_site(name, url, None, f"{name}办公室", "门户网站" if "人民政府" in name else "部门网站")
    run = store.create_run(name, None, 1, "playwright", "ua", {}, site_id=site.id, kind="site", site_url=url)
    store.save_page(run.id, Page(url=url + "index.html", user_agent="ua"),
                    [(Check(rule=r, status=st, indicator=r, message=f"{r} 不符合要求", value=v), [])
                     for r, st, v in checks], [])
    store.save_site_checks(run.id, [SiteCheck(rule=r, subject="", status="fail", indicator=r, message=f"{r} 问题",
                                              value=v) for r, v in site_checks])
    store.finish_run(run.id)
    if when is not None:
        with store.session.begin() as s:
            s.get(Run, run.id).started_at = when
    return run.id


@pytest.fixture
def quarter_db(tmp_path):
    db = f"sqlite:///{tmp_path}/b.db"
    store = Store(db)
    store.upgrade()
    _run(store, "甲市人民政府", "http://www.jia.gov.cn/", [("footer.icp", "warn", {})])
    _run(store, "乙市人民政府", "http://www.yi.gov.cn/", [("footer.jiucuo", "fail", {})], site_checks=[("home.update", {})])
    low = [("columns.freshness", "fail", {"class": "dynamic"})] * 31
    _run(store, "丙县教育局", "http://jyj.bing.gov.cn/", low + [("footer.conac", "fail", {})],
         site_checks=[("links.home", {"counts": {"broken": 30}})])  # 31 + 21 points lost: 48
    # last quarter: all three passed
    sep = datetime(2026, 9, 10, tzinfo=timezone.utc)
    for name, url in (("甲市人民政府", "http://www.jia.gov.cn/"), ("乙市人民政府", "http://www.yi.gov.cn/"),
                      ("丙县教育局", "http://jyj.bing.gov.cn/")):
        _run(store, name, url, [], when=sep)
    return store, db, tmp_path


def test_bulletin_numbers_follow_the_scorecards(quarter_db):
    store, _, _ = quarter_db
    b = build_bulletin(store, Quarter.parse("2026Q4"), load_table())
    verdicts = {s.name: s.card.verdict for s in b.sites}
    assert verdicts == {"甲市人民政府": "合格", "乙市人民政府": "不合格", "丙县教育局": "不合格"}
    assert Quarter.parse("2026Q4").previous == Quarter(2026, 3) and len(b.previous) == 3
    assert b.pass_rate(b.sites) == pytest.approx(33.3) and b.pass_rate(b.previous) == 100
    yi = next(s for s in b.sites if s.name == "乙市人民政府")
    assert [v.name for v in yi.card.vetoes] == ["首页不更新"]
    bing = next(s for s in b.sites if s.name == "丙县教育局")
    assert bing.card.deduct_score < 60
    veto = next(p for p in b.problems if p.kind == "veto")
    assert veto.name == "首页不更新" and [n for n, _ in veto.sites] == ["乙市人民政府"]


def test_docx_xlsx_html_read_back(quarter_db):
    from docx import Document
    from openpyxl import load_workbook

    store, db, tmp = quarter_db
    b = build_bulletin(store, Quarter.parse("2026Q4"), load_table())
    d = Document(str(write_docx(b, tmp / "t.docx")))
    text = "\n".join(p.text for p in d.paragraphs)
    assert "关于2026年第四季度\n政府网站检查情况的通报\n（草稿）" in text
    assert "一、总体情况" in text and "二、发现的主要问题" in text and "三、下一步工作要求" in text
    assert "（一）单项否决问题" in text and "1. 首页不更新（1 个网站）" in text
    assert "共检查政府网站 3 个，合格 1 个，不合格 2 个，合格率 33.3%" in text and "下降 66.7 个百分点" in text
    scores = d.tables[0]
    assert [c.text for c in scores.rows[0].cells][:3] == ["序号", "网站名称", "网址"]
    rows = {r.cells[1].text: (r.cells[5].text, r.cells[6].text) for r in scores.rows[1:]}
    assert rows["乙市人民政府"] == ("单项否决", "不合格（暂定）")
    assert rows["甲市人民政府"][1].startswith("合格")
    body = next(p for p in d.paragraphs if p.text.startswith("一、"))
    assert body.runs[0].font.name == "黑体"
    wb = load_workbook(write_xlsx(b, tmp / "t.xlsx"))
    assert wb.sheetnames == ["附件1 得分情况", "附件2 存在问题的网站", "需人工复核", "附件3 各地区趋势",
                             "附件3 各网站比较"]
    ws = wb["附件1 得分情况"]
    assert [c.value for c in ws[2]][:7] == ["序号", "网站名称", "网址", "网站类型", "主办单位", "得分", "结果"]
    got = {r[1]: r[6] for r in ws.iter_rows(min_row=3, values_only=True)}
    assert got["丙县教育局"].startswith("不合格")
    problems = [r for ws2 in (wb["附件2 存在问题的网站"], wb["需人工复核"]) for r in ws2.iter_rows(min_row=3,
                                                                                                values_only=True)]
    assert any(r[1] == "乙市人民政府" and r[4] == "首页不更新" and r[3].startswith("不合格") for r in problems)
    html = write_html(b, tmp / "t.html").read_text(encoding="utf-8")
    assert "附件2 检查发现存在问题的网站名单" in html and "需人工复核" in html


def test_report_command(quarter_db):
    _, db, tmp = quarter_db
    out = tmp / "q.docx"
    p = subprocess.run([sys.executable, "-m", "govaudit.cli", "report", "--quarter", "2026Q4", "--database-url", db,
                        "--out", str(out)], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and out.is_file() and "不合格 2 个" in p.stdout, p.stderr
    bad = subprocess.run([sys.executable, "-m", "govaudit.cli", "report", "--quarter", "2026Q5", "--database-url", db],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "季度格式" in bad.stderr and "Traceback" not in bad.stderr
    empty = subprocess.run([sys.executable, "-m", "govaudit.cli", "report", "--quarter", "2020Q1", "--database-url",
                            db], capture_output=True, text=True, timeout=120)
    assert empty.returncode == 2 and "没有已完成的检查批次" in empty.stderr


def test_an_owners_self_check_does_not_count_in_the_bulletin(quarter_db):
    store, _, _ = quarter_db
    site = next(s for s in store.sites() if s.name == "乙市人民政府")
    mine = store.create_run(site.name, None, 1, "playwright", "ua", {}, site_id=site.id, kind="site",
                            site_url=site.url, purpose="self_check")
    store.finish_run(mine.id)  # a later run with nothing found, but the owner's own
    b = build_bulletin(store, Quarter.parse("2026Q4"), load_table())
    yi = next(s for s in b.sites if s.name == "乙市人民政府")
    assert yi.run_id != mine.id and [v.name for v in yi.card.vetoes] == ["首页不更新"]
