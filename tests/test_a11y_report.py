"""无障碍评测报告 end to end on the sample site's variants, in real Chromium: the failed criteria are the ones the
variants are built to break (derived from truth.json and the mapping data), manual judgements override, and
the report reads back as WCAG-EM JSON (schema), DOCX (python-docx) and HTML (a screenshot in Chromium)."""
from __future__ import annotations

import asyncio
import json
from pathlib import Path

import jsonschema
import pytest

from govaudit.cli import main
from auditor.conformance.render import render_report
from auditor.config import Settings
from auditor.store.conformance import evaluate_run, record_judgement
from auditor.conformance.model import BadJudgement
from auditor.conformance.standards import check_maps, standard
from auditor.models import SiteProfile
from auditor.store import Store
from browsers.launch import CHROMIUM_PATH
from workers.inprocess import run_pages

pytestmark = [pytest.mark.browser]

AXE_PAGE = "/variants/a11y-violations.html"
ELDERLY_PAGES = ["/variants/elderly-popup.html", "/variants/elderly-broken.html"]


@pytest.fixture(scope="module")
def audited(tmp_path_factory, sample_site):
    """Two page runs: the axe variant (no 适老化 pass), the 适老化 variants (适老化 pass on every page)."""
    tmp = tmp_path_factory.mktemp("a11yreport")
    base = Settings(database_url=f"sqlite:///{tmp}/govaudit.db", evidence_dir=str(tmp / "evidence"),
                    allow_private=True, isolate_network=True, standins=True, nav_timeout=15, page_budget=40,
                    host_map=sample_site["host_map"])
    store = Store(base.database_url)
    store.upgrade()
    truth = sample_site["truth"]
    site = SiteProfile(truth["site"]["name"], truth["site"]["code"])
    url = lambda p: f"http://{sample_site['host']}{p}"  # noqa: E731
    registered, _ = store.upsert_site(site.name, url("/"), site.code)
    other, _ = store.upsert_site("别的网站", "http://www.other.gov.cn/")
    axe_run = asyncio.run(run_pages(base.replace(elderly="off"), store, [url(AXE_PAGE)], site,
                                    site_id=registered.id))
    elderly_run = asyncio.run(run_pages(base.replace(elderly="all"), store, [url(p) for p in ELDERLY_PAGES], site,
                                        site_id=registered.id))
    return {"settings": base, "store": store, "axe": axe_run, "elderly": elderly_run, "truth": truth, "tmp": tmp,
            "site_id": registered.id, "other_site": other.url}


def _criteria(checks: list[str], std: str) -> set[str]:
    ids = {c.id for c in standard(std).criteria}
    return {sc for chk in checks for sc in check_maps()[chk].criteria if sc in ids}


def test_failed_criteria_are_the_ones_the_axe_variant_breaks(audited):
    want_rules = audited["truth"]["pages"][AXE_PAGE]["a11y"]["axe"]
    for std in ("wcag21aa", "wcag22aa", "gbt37668"):
        ev = evaluate_run(audited["store"], audited["axe"], std)
        want = _criteria([f"a11y.{r}" for r in want_rules], std)
        assert want and set(ev.conformance.failed()) == want, std
        # every failed criterion shows a failing element with its crop on disk
        for cid in want:
            r = ev.conformance.result(cid)
            assert r.failed_pages and r.examples
            assert any(e.evidence_path and (Path(audited["settings"].evidence_dir) / e.evidence_path).is_file()
                       for e in r.examples), cid
    ev = evaluate_run(audited["store"], audited["axe"], "wcag21aa")
    # the text over a picture is left for review, and its rule is counted under 1.4.3
    assert "a11y.review.color-contrast" in ev.conformance.result("1.4.3").rules
    # axe found no video on the page: the caption criterion is inapplicable, not passed
    assert ev.conformance.result("1.2.2").outcome == "inapplicable"
    assert ev.conformance.result("2.4.2").outcome == "passed"
    assert ev.conformance.result("3.3.3").outcome == "untested"  # nothing automated covers it
    # no 适老化 pass in this run: its criteria are not claimed
    assert set(evaluate_run(audited["store"], audited["axe"], "elderly").conformance.counts()) == {"untested"}
    assert ev.sample.urls == [f"http://{audited['truth']['site']['host']}{AXE_PAGE}"]
    assert ev.method["axe_versions"] and ev.method["axe_versions"][0].startswith("4.")


def test_elderly_report_follows_the_entry_and_popup_variants(audited):
    pages = audited["truth"]["pages"]
    fails = [rule for p in ELDERLY_PAGES for rule, st in pages[p]["a11y"].items()
             if rule not in ("axe", "review") and st == "fail"]
    ev = evaluate_run(audited["store"], audited["elderly"], "elderly")
    assert set(ev.conformance.failed()) == _criteria(fails, "elderly") == {"EL-01", "EL-03"}
    assert ev.conformance.result("EL-08").outcome == "passed"  # focus visible on both pages
    assert ev.conformance.result("EL-04").outcome == "untested"  # 诱导式按键: a person must look


def test_manual_judgement_overrides_and_bad_ones_are_refused(audited):
    store, run = audited["store"], audited["axe"]
    record_judgement(store, run, "wcag21aa", "3.3.3", "passed", "表单出错时给出了修改建议", "manual/333.png", "评测员甲")
    record_judgement(store, run, "wcag21aa", "1.1.1", "failed", "确认", None, "评测员甲")
    ev = evaluate_run(store, run, "wcag21aa")
    r = ev.conformance.result("3.3.3")
    assert r.outcome == "passed" and r.automatic == "untested" and r.manual.user == "评测员甲"
    assert ev.conformance.result("1.1.1").manual is not None
    # another standard is untouched
    assert evaluate_run(store, run, "wcag22aa").conformance.result("3.3.3").outcome == "untested"
    with pytest.raises(BadJudgement):
        record_judgement(store, run, "wcag21aa", "3.3.3", "maybe")
    with pytest.raises(BadJudgement):
        record_judgement(store, run, "wcag21aa", "2.5.8", "passed")  # a WCAG 2.2 criterion


def test_reviewer_marks_a_finding_false_positive(audited):
    """A finding the reviewer marked 误报 (web UI, reviews table) no longer fails its criterion."""
    from auditor.store import findings as fq
    from auditor.store.reviews import add_review

    store, run = audited["store"], audited["axe"]
    assert "3.2.2" in evaluate_run(store, run, "gbt37668").conformance.failed()
    found, _ = fq.list_findings(store, None, fq.FindingFilter(run_id=run, latest=False))
    form = [f for f in found if f.rule == "a11y.ga-form-submit"]
    assert len(form) == 1
    f = form[0]
    add_review(store, site_url=f.site_url, rule=f.rule, page_url=f.page_url, subject=f.subject,
               verdict="false_positive", reviewer="评测员甲", reason="表单由脚本提交，另有键盘可达的提交方式",
               run_id=f.run_id, finding_ref=f.ref)
    r = evaluate_run(store, run, "gbt37668").conformance.result("3.2.2")
    assert r.outcome == "passed" and not r.failed_pages


# The part of the WCAG-EM Report Tool's export (its 2021+ version) we fill in, as a JSON Schema.
PAGE = {"type": "object", "required": ["id", "type", "title", "description"]}
WCAG_EM_SCHEMA = {
    "type": "object",
    "required": ["@context", "type", "defineScope", "exploreTarget", "selectSample", "auditSample",
                 "reportFindings"],
    "properties": {
        "@context": {"type": "object", "required": ["earl", "wcagem", "auditSample", "outcome"]},
        "type": {"const": "Evaluation"},
        "defineScope": {"type": "object", "required": ["scope", "conformanceTarget", "wcagVersion"],
                        "properties": {"scope": {"type": "object", "required": ["id", "title", "type"]},
                                       "conformanceTarget": {"enum": ["A", "AA", "AAA"]}}},
        "selectSample": {"type": "object", "required": ["structuredSample", "randomSample"], "properties": {
            "structuredSample": {"type": "array", "minItems": 1, "items": PAGE},
            "randomSample": {"type": "array", "items": PAGE}}},
        "auditSample": {"type": "array", "minItems": 1, "items": {
            "type": "object", "required": ["type", "test", "result", "subject", "mode", "assertedBy"],
            "properties": {"type": {"const": "Assertion"},
                           "test": {"type": "string", "pattern": "^(WCAG2[012]|GOVSITE-ELDERLY):[a-zA-Z0-9-]+$"},
                           "result": {"type": "object", "required": ["outcome", "description"], "properties": {
                               "outcome": {"enum": ["earl:passed", "earl:failed", "earl:cantTell",
                                                    "earl:inapplicable", "earl:untested"]}}}}}},
        "reportFindings": {"type": "object", "required": ["title", "summary", "date", "evaluationSpecifics"]},
    },
}
# How the tool reads a file (src/stores/evaluationStore.js): JSON-LD expand, then frame with its own context, in
# which outcome, subject and test are plain properties (so an outcome comes back as {"id": "earl:failed"}).
TOOL_CONTEXT = {
    "wcagem": "http://www.w3.org/TR/WCAG-EM/#", "Evaluation": "wcagem:procedure", "defineScope": "wcagem:step1",
    "scope": "wcagem:step1a", "step1b": {"@id": "wcagem:step1b", "@type": "@id"}, "conformanceTarget": "step1b",
    "selectSample": "wcagem:step3", "structuredSample": "wcagem:step3a", "randomSample": "wcagem:step3b",
    "auditSample": "wcagem:step4", "reportFindings": "wcagem:step5", "WCAG20": "http://www.w3.org/TR/WCAG20/#",
    "WCAG21": "http://www.w3.org/TR/WCAG21/#", "WAI": "http://www.w3.org/WAI/", "AA": "WAI:WCAG2AA-Conformance",
    "wcagVersion": "WAI:standards-guidelines/wcag/#versions", "earl": "http://www.w3.org/ns/earl#",
    "Assertion": "earl:Assertion", "TestSubject": "earl:TestSubject", "TestResult": "earl:TestResult",
    "assertedBy": "earl:assertedBy", "mode": "earl:mode", "result": "earl:result", "subject": "earl:subject",
    "test": "earl:test", "outcome": "earl:outcome", "dcterms": "http://purl.org/dc/terms/",
    "title": "dcterms:title", "description": "dcterms:description", "hasPart": "dcterms:hasPart",
    "schema": "http://schema.org/", "WebSite": "schema:WebSite", "WebPage": "schema:WebPage",
    "id": "@id", "type": "@type"}


def _as_tool_reads_it(doc: dict) -> tuple[dict, list[dict]]:
    from pyld import jsonld

    expanded = jsonld.expand(doc)
    evaluation = jsonld.frame(expanded, {"@context": TOOL_CONTEXT, "@type": "Evaluation"})
    assertions = jsonld.frame(expanded, {"@context": TOOL_CONTEXT, "@type": "Assertion"})
    return evaluation, assertions.get("@graph", [assertions])


def test_reports_read_back_as_json_docx_and_html(audited, tmp_path):
    from docx import Document
    from playwright.sync_api import sync_playwright

    s, store, run = audited["settings"], audited["store"], audited["axe"]
    ev = evaluate_run(store, run, "gbt37668")
    n = len(standard("gbt37668").criteria)

    doc = json.loads(render_report(ev, "json", s.evidence_dir))
    jsonschema.validate(doc, WCAG_EM_SCHEMA)
    assert len(doc["auditSample"]) == n
    failed = {a["govaudit:criterion"] for a in doc["auditSample"] if a["result"]["outcome"] == "earl:failed"}
    assert failed == set(ev.conformance.failed())
    a143 = next(a for a in doc["auditSample"] if a["test"] == "WCAG20:contrast-minimum")
    assert a143["govaudit:ref"] == "5.1.4" and a143["govaudit:verified"] is False
    assert a143["hasPart"][0]["subject"] == doc["selectSample"]["structuredSample"][0]["id"]
    # read back the way the WCAG-EM Report Tool reads a file
    evaluation, assertions = _as_tool_reads_it(doc)
    assert evaluation["defineScope"]["scope"]["title"] == ev.run.site_name
    assert evaluation["defineScope"]["conformanceTarget"] == "AA"
    sample = evaluation["selectSample"]["structuredSample"]
    assert [p["id"] for p in (sample if isinstance(sample, list) else [sample])] == ev.sample.urls
    site_level = {a["test"]: a for a in assertions if "WebSite" in a["subject"].get("type", [])}
    assert len(site_level) == n
    by_test = {r.criterion.test: r.outcome for r in ev.conformance.results}
    assert {t: a["result"]["outcome"]["id"] for t, a in site_level.items()} == {
        t: f"earl:{o}" for t, o in by_test.items()}

    out = tmp_path / "report.docx"
    assert main(["a11y-report", str(run), "--standard", "gbt37668", "--format", "docx", "--out", str(out),
                 "--database-url", s.database_url, "--evidence-dir", s.evidence_dir]) == 0
    word = Document(str(out))
    text = "\n".join(p.text for p in word.paragraphs)
    for heading in ("评测范围", "评测结论汇总", "评测样本", "评测方法", "逐项评测结果", "需人工评测的准则", "附录"):
        assert heading in text
    results = next(t for t in word.tables if t.rows[0].cells[0].text == "条款" and len(t.columns) == 5)
    assert len(results.rows) == n + 1
    by_ref = [(row.cells[1].text, row.cells[3].text) for row in results.rows[1:]]
    assert ("对比度（最低）", "不符合") in by_ref and ("错误建议", "需人工评测") in by_ref
    assert word.inline_shapes, "crops are embedded"
    assert word.styles["Normal"].font.name == "仿宋"

    html = tmp_path / "report.html"
    assert main(["a11y-report", str(run), "--standard", "gbt37668", "--format", "html", "--out", str(html),
                 "--database-url", s.database_url, "--evidence-dir", s.evidence_dir]) == 0
    shot = tmp_path / "report.png"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM_PATH, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.route("**/*", lambda route: route.abort() if not route.request.url.startswith(("file:", "data:"))
                       else route.continue_())
            page.goto(html.as_uri())
            info = page.evaluate("""() => ({
                overflow: document.documentElement.scrollWidth > window.innerWidth,
                images: [...document.images].map(i => i.complete && i.naturalWidth > 0),
                failed: [...document.querySelectorAll('.o-failed')].length,
                h2: [...document.querySelectorAll('h2')].map(h => h.textContent)})""")
            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    assert not info["overflow"], "the report fits the page width"
    assert info["images"] and all(info["images"]), "every crop is embedded and decodes"
    assert info["failed"] >= len(ev.conformance.failed())
    assert any("逐项评测结果" in h for h in info["h2"])
    assert shot.stat().st_size > 50_000


def test_cli_refuses_bad_input_in_chinese(audited, capsys):
    s = audited["settings"]
    common = ["--database-url", s.database_url, "--evidence-dir", s.evidence_dir]
    assert main(["a11y-report", "999", *common]) == 2
    assert "没有编号为 999 的检查批次" in capsys.readouterr().err
    assert main(["a11y-report", str(audited["axe"]), "--standard", "wcag3", *common]) == 2
    assert "未知的评测标准" in capsys.readouterr().err
    assert main(["a11y-report", "abc", *common]) == 2
    assert main(["a11y-report", str(audited["axe"]), "--format", "docx", *common]) == 2  # docx needs --out


def _login(client, username: str) -> None:
    import re

    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)[1]
    r = client.post("/login", data={"csrf_token": token, "username": username, "password": "correct-horse-1"})
    assert r.status_code in (302, 303), r.get_data(as_text=True)[:500]


def _csrf(html: str) -> str:
    import re

    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)[1]


def test_web_matrix_criterion_judgement_download_and_trend(audited):
    from auditor.store.users import create_user
    from web.app import create_app

    s, store, run = audited["settings"], audited["store"], audited["elderly"]
    create_user(store, "pinggu", "correct-horse-1", "auditor")
    create_user(store, "owner2", "correct-horse-1", "owner", [audited["other_site"]])
    app = create_app(s, store)
    c = app.test_client()
    _login(c, "pinggu")
    assert "无障碍评测（按准则）" in c.get(f"/runs/{run}").get_data(as_text=True)
    page = c.get(f"/runs/{run}/a11y?standard=gbt37668")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    ev = evaluate_run(store, run, "gbt37668")
    for cid in ev.conformance.failed():
        assert f'data-criterion="{cid}" data-outcome="failed"' in html
    # the trend covers both runs of the registered site
    assert 'id="a11y-trend"' in html and html.count("<circle") == 2
    assert c.get(f"/runs/{run}/a11y?standard=nope").status_code == 400

    # drill down: the criterion lists the findings behind it, linked to the finding pages
    crit = c.get(f"/runs/{run}/a11y/1.4.3?standard=gbt37668").get_data(as_text=True)
    assert "a11y.color-contrast" in crit and "/findings/c" in crit
    assert "/findings?run_id=" in crit and "indicator=" in crit  # and the findings list, filtered
    assert c.get(f"/runs/{run}/a11y/9.9.9?standard=gbt37668").status_code == 404

    # a judgement for a criterion no check covers: recorded, shown, and in the downloaded report
    form = c.get(f"/runs/{run}/a11y/3.3.3?standard=gbt37668").get_data(as_text=True)
    r = c.post(f"/runs/{run}/a11y/3.3.3/judgement?standard=gbt37668",
               data={"csrf_token": _csrf(form), "result": "failed", "note": "提交表单出错时无修改建议",
                     "evidence_path": "manual/333.png"})
    assert r.status_code in (302, 303)
    assert "人工评测：pinggu" in c.get(f"/runs/{run}/a11y/3.3.3?standard=gbt37668").get_data(as_text=True)
    bad = c.post(f"/runs/{run}/a11y/3.3.3/judgement?standard=gbt37668",
                 data={"csrf_token": _csrf(form), "result": "untested"})
    assert bad.status_code in (302, 303)  # refused with a message, nothing recorded
    assert evaluate_run(store, run, "gbt37668").conformance.result("3.3.3").outcome == "failed"
    assert c.post(f"/runs/{run}/a11y/3.3.3/judgement?standard=gbt37668", data={"result": "failed"}).status_code == 400

    got = c.get(f"/runs/{run}/a11y/report.json?standard=gbt37668")
    assert got.status_code == 200 and "attachment" in got.headers["Content-Disposition"]
    a = next(x for x in json.loads(got.get_data())["auditSample"] if x["govaudit:criterion"] == "3.3.3")
    assert a["result"]["outcome"] == "earl:failed" and a["mode"] == "earl:manual"
    assert c.get(f"/runs/{run}/a11y/report.docx?standard=elderly").data[:2] == b"PK"
    assert c.get(f"/runs/{run}/a11y/report.pdf").status_code == 404

    # an owner of another site sees nothing of this run, and may not judge
    c2 = app.test_client()
    _login(c2, "owner2")
    assert c2.get(f"/runs/{run}/a11y").status_code == 404
    assert c2.post(f"/runs/{run}/a11y/3.3.3/judgement", data={"result": "passed"}).status_code in (400, 404)


def test_page_strings_stay_text_in_the_html_report(audited):
    """Pages are written by strangers: a title with markup is escaped in the self-contained report."""
    from sqlalchemy import update

    from auditor.store.models import Page

    store, run = audited["store"], audited["elderly"]
    with store.session.begin() as s:
        s.execute(update(Page).where(Page.run_id == run).values(title='示范<script>alert(1)</script><img src=x onerror=alert(2)>'))
    html = render_report(evaluate_run(store, run, "elderly"), "html", audited["settings"].evidence_dir).decode()
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script" not in html.lower()  # the report itself runs no script either
