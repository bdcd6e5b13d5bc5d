"""content.wording (严重表述错误、固定表述错别字) and content.pii (个人信息未去标识化): rules on constructed page
facts with known truth, wording files, attachments parsed in a limited child process (generated PDF, DOCX,
XLSX and hostile files), fetching under the size cap, and a real-Chromium audit of a page linking to them."""
from __future__ import annotations

import asyncio
import json
import threading
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from govaudit import cli
from auditor.models import PageFacts, SiteProfile, Status
from auditor.rules import RULE_IDS, content_pii, content_wording, run_one, RULES
from browsers import attachments
from tests import content_files as cf
from tests.servers import start

SITE = SiteProfile("示范市人民政府", sponsor="示范市人民政府办公室")


def facts(lines: list[str], footer: list[str] = (), attachments_: list[dict] | None = None) -> PageFacts:
    """Page facts with each line a visible text item on its own row, and a footer band below them."""
    body = [{"text": t, "box": {"x": 20, "y": 100 + 30 * i, "w": 600, "h": 20}} for i, t in enumerate(lines)]
    top = 100 + 30 * len(lines) + 50
    foot = [{"text": t, "box": {"x": 20, "y": top + 10 + 24 * i, "w": 600, "h": 18}} for i, t in enumerate(footer)]
    probe = {"bodyTexts": body + foot, "text": "\n".join([*lines, *footer]),
             "footer": {"box": {"x": 0, "y": top, "w": 1366, "h": 200}, "texts": foot, "links": []}}
    f = PageFacts(url="http://www.shifan.gov.cn/a.html", final_url="http://www.shifan.gov.cn/a.html", status=200,
                  probe=probe)
    f.attachments = attachments_
    return f


def wording(lines, footer=(), site=SITE):
    return run_one(next(r for r in RULES if r.id == "content.wording"), facts(lines, footer), site)


def pii(lines, atts=None):
    return run_one(next(r for r in RULES if r.id == "content.pii"), facts(lines, attachments_=atts), SITE)


# --- content.wording ----------------------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def _default_wording():
    content_wording.use(())
    yield
    content_wording.use(())


def test_rules_are_registered():
    assert "content.wording" in RULE_IDS and "content.pii" in RULE_IDS


def test_wrong_fixed_expressions_fail_with_sentence_correct_form_and_box():
    c = wording(["深入学习贯彻习近平新时代特色社会主义思想，坚持以人民为中心。", "依据《中华人民共合国政府信息公开条例》。"])
    assert c.status is Status.FAIL
    got = {h["wrong"]: h for h in c.value["hits"]}
    assert set(got) == {"习近平新时代特色社会主义思想", "中华人民共合国"}
    assert got["中华人民共合国"]["correct"] == "中华人民共和国"
    assert got["中华人民共合国"]["sentence"] == "依据《中华人民共合国政府信息公开条例》。"
    assert "单项否决" in c.message
    ev = c.evidence[1]
    assert ev.box is not None and ev.box.y == 130 and "中华人民共和国" in ev.note


def test_correct_text_passes_and_legitimate_contexts_are_kept_out():
    assert wording(["中华人民共和国"]).evidence[0].note.startswith("检查范围")
    c = wording(["中华人民共和国国务院令", "参观党史教育基地，开展党史学习教育。", "习近平新时代中国特色社会主义思想",
                 "截至目前，共部署检查组12个。", "新疆维吾尔自治区、西藏自治区",
                 # near misses: a variant's characters across a word boundary in correct text
                 "既将群众满意作为标准，又注重实效。", "两个确定的地块已完成出让。", "恢复盖章业务，重复盖章无效。",
                 "商品标签定价须规范。", "以经济建设为中心。", "依法行使合法权力。"])
    assert c.status is Status.PASS, c.value


def test_generic_confusion_pairs_are_warn_for_a_person_to_confirm():
    c = wording(["截止目前，已布署检查任务。"])
    assert c.status is Status.WARN
    assert {h["correct"] for h in c.value["hits"]} == {"截至目前", "部署"}
    assert "人工确认" in c.message


def test_footer_boilerplate_and_sponsor_names_are_not_flagged():
    site = SiteProfile("齐齐哈市示范网", sponsor="齐齐哈市示范中心")  # names as registered are kept out
    c = wording(["欢迎访问齐齐哈市示范网。"], footer=["主办单位：中华人民共合国示范办", "版权所有 攻府网站"], site=site)
    assert c.status is Status.PASS, c.value


def test_quoted_errors_the_page_marks_as_errors_are_not_flagged():
    c = wording(["更正启事：本网3月2日发布的文章将“中华人民共和国”误写为“中华人民共合国”，特此更正。"])
    assert c.status is Status.PASS, c.value
    assert c.value["quoted_skipped"] == 1
    # the same quote marks without an error marker are still flagged
    c = wording(["标题为“中华人民共合国成立75周年”的专题。"])
    assert c.status is Status.FAIL


def test_a_province_file_extends_the_dictionary(tmp_path):
    extra = tmp_path / "hunan.tsv"
    extra.write_text("# 湖南\n岳杨市\t岳阳市\t地名\tfail\n", encoding="utf-8")
    assert wording(["岳杨市人民政府"]).status is Status.PASS
    content_wording.use([str(extra)])
    c = wording(["岳杨市人民政府"])
    assert c.status is Status.FAIL and c.value["hits"][0]["correct"] == "岳阳市"


@pytest.mark.parametrize("content,needle", [
    ("岳杨市\t岳阳市\t地名\n", "第 1 行：应有至少 4 列"),
    ("# x\n岳杨市\t岳阳市\t城市\tfail\n", "第 2 行：类别 '城市' 无效"),
    ("岳杨市\t岳阳市\t地名\tsevere\n", "级别 'severe' 无效"),
    ("人民政\t人民政府\t地名\twarn\n", "第 1 行：错误写法 '人民政' 是正确写法"),  # a wrong form inside a correct form would flag correct text
    ("党史教\t党史学习教\t政治表述\twarn\t学习教育\n", "合法上下文 '学习教育' 不包含"),
])
def test_bad_wording_files_are_refused_with_file_line_and_reason(tmp_path, content, needle):
    bad = tmp_path / "bad.tsv"
    bad.write_text(content, encoding="utf-8")
    with pytest.raises(content_wording.WordingError) as exc:
        content_wording.load([str(bad)])
    assert needle in str(exc.value) and str(bad) in str(exc.value)


def test_cli_wording_flag_with_a_bad_file_exits_2_without_traceback(tmp_path, capsys):
    bad = tmp_path / "bad.tsv"
    bad.write_text("岳杨市\t岳阳市\n", encoding="utf-8")
    code = cli.main(["audit", "http://127.0.0.1:9/", "--site-name", "示范", "--wording", str(bad),
                     "--database-url", f"sqlite:///{tmp_path}/x.db"])
    err = capsys.readouterr().err
    assert code == 2 and "第 1 行" in err and "Traceback" not in err
    code = cli.main(["audit", "http://127.0.0.1:9/", "--site-name", "示范", "--wording", str(tmp_path / "no.tsv")])
    assert code == 2 and "词表文件不存在" in capsys.readouterr().err


def test_shipped_dictionary_has_no_wrong_form_inside_a_correct_form():
    d = content_wording.load(())
    assert len(d.entries) > 80
    for e in d.entries.values():
        hits, _ = content_wording.find(e.correct, d)
        assert not hits, (e.correct, hits)


# --- content.pii on page text -------------------------------------------------------------------------------
def test_checksum_and_date_validation():
    assert content_pii.valid_id18(cf.VALID_ID) and content_pii.valid_id18(cf.VALID_ID2)
    assert not content_pii.valid_id18(cf.INVALID_ID)
    assert not content_pii.valid_id18(cf.id_number("11010519491332002"))  # month 13
    assert not content_pii.valid_id18(cf.id_number("99010519491231002"))  # no such province
    assert content_pii.valid_id15("110105491231002") and not content_pii.valid_id15("110105491331002")
    assert content_pii.plausible_card(cf.CARD) and not content_pii.plausible_card(cf.CARD[:-1] + "0")


def test_unmasked_id_fails_and_evidence_does_not_repeat_it():
    c = pii([f"申请人：赵强，身份证号码：{cf.VALID_ID}，住址示范路1号。"])
    assert c.status is Status.FAIL and "身份证号码" in c.message
    dumped = json.dumps([c.message, c.value, [(e.note, e.text, e.html) for e in c.evidence]], ensure_ascii=False)
    assert cf.VALID_ID not in dumped
    hit = c.value["hits"][0]
    assert hit["masked"] == "11*************02X" and len(hit["sha256"]) == 64
    assert c.evidence[0].blur and c.evidence[0].html is None and c.evidence[0].box is not None


def test_invalid_checksum_and_masked_numbers_pass_with_the_masked_count():
    c = pii([f"编号 {cf.INVALID_ID}", f"张伟 {cf.MASKED_ID} 138****1234", "李娜 139****4321"])
    assert c.status is Status.PASS, c.value
    assert c.value["masked"] == 3 and "已去标识化 3 处" in c.message
    assert c.evidence and c.evidence[0].kind == "region"  # a pass says where it looked


def test_contact_lines_are_not_personal_but_a_list_of_people_is():
    contact = pii(["联系电话：0731-88886666", "咨询电话：13907310000", "联系人：王老师 13800001111"])
    assert contact.status is Status.PASS, contact.value
    assert contact.value["not_personal"]["contact"] == 2
    people = pii(["联系电话：0731-88886666", "张伟 13812345678", "李娜 13987654321", "王芳 15011112222"])
    assert people.status is Status.FAIL and len(people.value["hits"]) == 3
    one = pii(["报名人员：张伟 13812345678"])
    assert one.status is Status.WARN


def test_bank_card_beside_a_name_fails_an_organisation_account_is_not_personal():
    assert pii([f"赵强 {cf.CARD}"]).status is Status.FAIL
    acct = pii([f"户名：示范市财政局 开户行：示范银行 账号：{cf.CARD}"])
    assert acct.status is Status.PASS and acct.value["not_personal"]["account"] == 1
    assert pii([f"卡号 {cf.CARD}"]).status is Status.WARN
    grouped = " ".join(cf.CARD[i:i + 4] for i in range(0, len(cf.CARD), 4))  # 6222 0202 0011 2345 679
    c = pii([f"赵强 {grouped}"])
    assert c.status is Status.FAIL and grouped not in json.dumps(c.value, ensure_ascii=False)


def test_long_document_numbers_are_not_cards_or_ids():
    c = pii(["统一社会信用代码：91110000100000000X", "文号：示政发〔2024〕12号，流水号 4000123456789012",
             "访问量 1234567890123456"])
    assert c.status is Status.PASS, c.value


# --- attachments --------------------------------------------------------------------------------------------
def _parse(path: Path, ext: str) -> dict:
    return attachments.parse_file(path, ext, timeout=30)


def _att(name: str, parsed: dict) -> dict:
    if parsed.get("error"):
        return {"url": f"http://www.shifan.gov.cn/{name}", "name": name, "status": "not_assessable",
                "error": parsed["error"], "chunks": []}
    return {"url": f"http://www.shifan.gov.cn/{name}", "name": name, "status": "ok", "error": None,
            "chunks": parsed["chunks"]}


def test_generated_attachments_are_parsed_and_cited_by_file_page_sheet_and_cell(tmp_path):
    (tmp_path / "a.pdf").write_bytes(cf.pdf([f"ID: {cf.VALID_ID}", f"Masked: {cf.MASKED_ID}", f"Bad: {cf.INVALID_ID}"]))
    cf.docx_people(tmp_path / "p.docx")
    cf.xlsx_people(tmp_path / "p.xlsx")
    atts = [_att("a.pdf", _parse(tmp_path / "a.pdf", ".pdf")), _att("p.docx", _parse(tmp_path / "p.docx", ".docx")),
            _att("p.xlsx", _parse(tmp_path / "p.xlsx", ".xlsx"))]
    assert all(a["status"] == "ok" for a in atts), atts
    c = pii(["附件：救助对象名单"], atts)
    assert c.status is Status.FAIL
    where = {(h["kind"], h["where"]) for h in c.value["hits"]}
    assert ("身份证号码", "附件 a.pdf 第 1 页第 1 行") in where
    assert ("身份证号码", "附件 p.xlsx 工作表“名单”第 2 行 单元格 C2") in where
    assert ("银行卡号", "附件 p.xlsx 工作表“名单”第 2 行 单元格 D2") in where
    docx_hits = [h for h in c.value["hits"] if h["where"].startswith("附件 p.docx")]
    assert len(docx_hits) == 3 and all(h["kind"] == "手机号码" for h in docx_hits)  # the 咨询电话 line is not one
    assert "附件 p.docx 表格 1 第 2 行 单元格 第 2 列" in {h["where"] for h in docx_hits}
    assert not any(cf.INVALID_ID[:12] in h["masked"] for h in c.value["hits"])
    assert c.value["masked"] >= 5  # masked IDs in the PDF, DOCX (3) and XLSX, and the masked card
    dumped = json.dumps([c.message, c.value, [(e.note, e.text) for e in c.evidence]], ensure_ascii=False)
    for raw in (cf.VALID_ID, cf.CARD, "13812345678", "13987654321"):
        assert raw not in dumped
    assert all(e.kind == "attachment" and e.box is None for e in c.evidence)


def test_hostile_attachments_each_give_a_clear_not_assessable(tmp_path):
    (tmp_path / "loop.pdf").write_bytes(cf.looping_pdf())
    cf.zip_bomb_docx(tmp_path / "bomb.docx", 300)
    (tmp_path / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4000)
    (tmp_path / "fake.pdf").write_bytes(b"<html>not a pdf</html>")
    loop, bomb = _parse(tmp_path / "loop.pdf", ".pdf"), _parse(tmp_path / "bomb.docx", ".docx")
    old, fake = _parse(tmp_path / "old.doc", ".doc"), _parse(tmp_path / "fake.pdf", ".pdf")
    assert "循环" in loop["error"], loop
    assert "压缩炸弹" in bomb["error"], bomb
    assert old["error"] == "暂不支持解析 .doc 文件"
    assert "不是 PDF" in fake["error"]
    c = pii(["正文没有个人信息"], [_att("loop.pdf", loop), _att("bomb.docx", bomb)])
    assert c.status is Status.NOT_ASSESSABLE
    assert "loop.pdf" in c.message and "bomb.docx" in c.message and "压缩炸弹" in c.message
    # a finding in the page text still stands beside an attachment that could not be read
    assert pii([f"身份证 {cf.VALID_ID}"], [_att("loop.pdf", loop)]).status is Status.FAIL


@pytest.mark.slow  # a 200,000-paragraph DOCX parsed until the time limit stops it
def test_parser_time_limit_stops_a_runaway_parse(tmp_path):
    """A valid DOCX of 200 000 random paragraphs passes the zip-bomb check and takes python-docx over a minute:
    the child is stopped at its limit and the attachment is not_assessable, the caller goes on."""
    path = tmp_path / "big.docx"
    cf.big_docx(path, 200_000)
    out = attachments.parse_file(path, ".docx", timeout=5)
    stopped = ("解析超时（5 秒），文件可能有问题", "解析时超出时间上限，文件可能有问题")
    assert out.get("error") in stopped, out
    # a page's files parse in one child; when it is stopped, each file again alone: only the hostile one fails
    cf.xlsx_people(tmp_path / "p.xlsx")
    (tmp_path / "a.pdf").write_bytes(cf.pdf([f"ID {cf.VALID_ID}"]))
    got = attachments.parse_files([(tmp_path / "p.xlsx", ".xlsx"), (path, ".docx"), (tmp_path / "a.pdf", ".pdf")],
                                  timeout=5)
    assert got[0].get("chunks") and got[2].get("chunks"), got
    assert got[1].get("error") in stopped


class _Files(BaseHTTPRequestHandler):
    files: dict[str, bytes] = {}

    def log_message(self, *a: object) -> None:
        pass

    def do_GET(self) -> None:
        if self.path.endswith("/huge.pdf"):  # announces 200 MB: refused before a byte is read
            self.send_response(200)
            self.send_header("Content-Type", "application/pdf")
            self.send_header("Content-Length", str(200_000_000))
            self.end_headers()
            try:
                self.wfile.write(b"%PDF" + b"\0" * 65536)
            except OSError:
                pass
            return
        if self.path.endswith("/stream.pdf"):  # no length, streams zeros: cut at the cap
            self.send_response(200)
            self.send_header("Content-Type", "application/pdf")
            self.end_headers()
            try:
                for _ in range(200):
                    self.wfile.write(b"\0" * (1 << 20))
            except OSError:
                pass
            return
        body = self.files.get(self.path)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _file_server(tmp_path: Path) -> tuple[object, int]:
    cf.docx_people(tmp_path / "p.docx")
    cf.xlsx_people(tmp_path / "p.xlsx")
    _Files.files = {"/files/p.docx": (tmp_path / "p.docx").read_bytes(),
                    "/files/p.xlsx": (tmp_path / "p.xlsx").read_bytes(),
                    "/files/loop.pdf": cf.looping_pdf(),
                    "/files/a.pdf": cf.pdf([f"ID {cf.VALID_ID}"])}
    return start(_Files)


def test_gather_fetches_same_site_attachments_under_the_size_cap(settings, tmp_path):
    server, port = _file_server(tmp_path)
    host = "www.shifan.gov.cn"
    s = settings.replace(host_map={host: f"127.0.0.1:{port}"}, attachment_max_bytes=5_000_000, crawl_delay=0)
    base = f"http://{host}"
    probe = {"links": [{"href": f"{base}/files/p.xlsx", "text": "名单"}, {"href": f"{base}/files/huge.pdf"},
                       {"href": f"{base}/files/stream.pdf"}, {"href": f"{base}/files/loop.pdf"},
                       {"href": f"{base}/files/missing.docx"}, {"href": "http://other.example.org/x.pdf"},
                       {"href": f"{base}/news/1.html"}]}
    cache: dict = {}
    try:
        got = asyncio.run(attachments.gather(probe, f"{base}/a.html", s, cache))
    finally:
        server.shutdown()
    # another page of the run linking to the same file: answered from the run's cache, not fetched again
    again = asyncio.run(attachments.gather({"links": probe["links"][:1]}, f"{base}/b.html", s, cache))
    assert again[0]["status"] == "ok" and again[0]["chunks"] == got[0]["chunks"]
    by = {a["name"]: a for a in got}
    assert set(by) == {"p.xlsx", "huge.pdf", "stream.pdf", "loop.pdf", "missing.docx"}  # other host not fetched
    assert by["p.xlsx"]["status"] == "ok" and by["p.xlsx"]["chunks"]
    assert by["huge.pdf"]["status"] == "not_assessable" and "超过上限" in by["huge.pdf"]["error"]
    assert "200.0 MB" in by["huge.pdf"]["error"]
    assert "超过上限" in by["stream.pdf"]["error"]
    assert "循环" in by["loop.pdf"]["error"]
    assert by["missing.docx"]["error"] == "下载失败：HTTP 404"


# --- real Chromium, end to end ------------------------------------------------------------------------------
PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>救助对象公示</title></head><body>
<div class="header"><h1>示范市人民政府</h1></div>
<div class="content"><h2>2024年度救助对象公示</h2>
<p>依据《中华人民共合国社会救助暂行办法》，现将名单公示如下。</p>
<table><tr><td>姓名</td><td>联系电话</td></tr><tr><td>张伟</td><td>13812345678</td></tr>
<tr><td>李娜</td><td>13987654321</td></tr></table>
<p>附件：<a href="/files/p.xlsx">名单.xlsx</a> <a href="/files/p.docx">公示.docx</a>
<a href="/files/loop.pdf">说明.pdf</a></p></div>
<div class="footer">主办单位：示范市人民政府办公室 联系电话：0571-88880000 网站标识码：1234567890</div></body></html>"""


@pytest.mark.browser
def test_chromium_audit_of_a_page_linking_to_attachments(settings, tmp_path):
    from auditor.store import Store
    from workers.inprocess import run_pages

    server, port = _file_server(tmp_path)
    _Files.files["/gongshi.html"] = PAGE.encode("utf-8")
    host = "www.shifan.gov.cn"
    s = settings.replace(host_map={host: f"127.0.0.1:{port}"}, a11y=False, elderly="off", ocr=False, crawl_delay=0)
    store = Store(s.database_url)
    store.upgrade()
    try:
        run_id = asyncio.run(run_pages(s, store, [f"http://{host}/gongshi.html"], SITE))
    finally:
        server.shutdown()
    page = store.run_with_pages(run_id).pages[0]
    assert page.error is None, page.error
    checks = {c.rule: c for c in page.checks}
    w, p = checks["content.wording"], checks["content.pii"]
    assert w.status == "fail" and w.value["hits"][0]["correct"] == "中华人民共和国"
    assert p.status == "fail", p.message
    wheres = {h["where"] for h in p.value["hits"]}
    assert "页面正文" in wheres and any(x.startswith("附件 p.xlsx") for x in wheres)
    assert any(x.startswith("附件 p.docx") for x in wheres)
    evs = [e for e in page.evidence if e.check_id == p.id]
    assert any(e.kind == "crop" for e in evs)  # the page hit, boxed and blurred
    assert not any(e.kind == "html" for e in evs)  # no raw element HTML for personal data
    root = Path(s.evidence_dir)
    for e in evs:
        assert "13812345678" not in (e.text or "") and cf.VALID_ID not in (e.text or "")
        if e.path and e.kind == "html":
            assert "13812345678" not in (root / e.path).read_text(encoding="utf-8")
    assert any("循环" in u for u in p.value["attachments_unassessed"])
    assert (root.parent / "pii_salt").is_file()


# --- precision on real pages (../shared/corpus; read in place, never copied) -----------------------------------
# ../shared beside the project (main), or beside the worktrees' folder (a helper's worktree).
CORPUS = next((p / "shared" / "corpus" for p in Path(__file__).resolve().parents[1:4]
               if (p / "shared" / "corpus").is_dir()), Path("/nonexistent"))
# Findings on the corpus that a person confirmed as real: none so far. A finding not listed here is a false
# accusation of a public page, and a defect.
CONFIRMED_REAL: set[tuple[str, str]] = set()


def _saved_text(path: Path) -> list[str]:
    import html as htmllib
    import re

    raw = path.read_bytes()
    for enc in ("utf-8", "gb18030"):
        try:
            t = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    t = re.sub(r"(?is)<(script|style)[^>]*>.*?</\1>", " ", t)
    return [ln.strip() for ln in htmllib.unescape(re.sub(r"<[^>]+>", "\n", t)).split("\n") if ln.strip()]


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not beside the project")
def test_no_finding_on_the_text_of_the_saved_corpus_pages():
    """Every text of the 40 saved pages (hidden text too, so more than a person sees): no finding."""
    from tests.corpus.harness import manifest  # noqa: F401 - the corpus layout the harness documents

    slugs = sorted(p.name for p in CORPUS.iterdir() if p.is_dir())
    assert len(slugs) == 40
    findings = []
    for slug in slugs:
        for f in sorted((CORPUS / slug).rglob("*.htm*")):
            lines = _saved_text(f)
            for rule in ("content.wording", "content.pii"):
                c = run_one(next(r for r in RULES if r.id == rule), facts(lines), SiteProfile(slug))
                if c.status.is_finding and (slug, rule) not in CONFIRMED_REAL:
                    findings.append((slug, f.name, rule, c.message))
    assert not findings, findings


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.timeout(1200)
@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not beside the project")
def test_no_finding_on_the_corpus_rendered_in_chromium(settings, monkeypatch):
    """The 40 pages rendered as on an intranet (tests/corpus/harness.py): neither rule accuses a page; an
    attachment the corpus does not hold is not_assessable, naming the file."""
    from tests.corpus import harness
    from tests.corpus.render_for_labels import start_server

    monkeypatch.setattr(harness, "CORPUS", CORPUS)
    labels, names = harness.load_labels()
    pages = harness.manifest()
    slugs = sorted(labels)
    server = start_server(CORPUS)
    try:
        s = harness.corpus_settings(settings, server.server_address[1]).replace(elderly="off", ocr=False)
        results = asyncio.run(harness.audit_corpus(s, slugs, names, pages))
    finally:
        server.shutdown()
    seen = 0
    for slug in slugs:
        out = results[slug]
        assert out.error is None, (slug, out.error)
        assert out.facts.probe.get("bodyTexts"), slug
        for c in out.checks:
            if c.rule in ("content.wording", "content.pii"):
                seen += 1
                assert not c.status.is_finding or (slug, c.rule) in CONFIRMED_REAL, (slug, c.rule, c.message)
                if c.status is Status.NOT_ASSESSABLE:
                    assert "附件未能检查" in c.message and "HTTP 404" in c.message, c.message
    assert seen == 80


def test_no_download_once_the_page_budget_is_spent(settings):
    probe = {"links": [{"href": "http://www.shifan.gov.cn/files/a.pdf"}, {"href": "http://www.shifan.gov.cn/b.xlsx"}]}
    s = settings.replace(attachment_budget=-1)
    got = asyncio.run(attachments.gather(probe, "http://www.shifan.gov.cn/p.html", s))
    assert [a["status"] for a in got] == ["not_assessable", "not_assessable"]
    assert all("时间预算" in a["error"] for a in got)
    c = pii(["正文"], got)
    assert c.status is Status.NOT_ASSESSABLE and "a.pdf" in c.message
