"""The web app through Flask's test client: authentication, authorization (site owners and URL guessing),
CSRF, escaping of page-derived text, evidence serving (no path traversal), exports, the JSON API and its
OpenAPI description, reviews that survive re-runs, the users CLI and `govaudit serve`; one test on PostgreSQL.

The data are real audits (tests/webdata.py) in real Chromium, stored in real SQLite.
"""
from __future__ import annotations

import csv
import io
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.request import urlopen

import pytest
from openpyxl import load_workbook

from auditor.config import Settings
from auditor.store import Store
from auditor.store import findings as fq
from auditor.store.models import Check, Evidence, Page
from auditor.store.reviews import add_review, fingerprint
from auditor.store.users import create_user, issue_token
from tests.webdata import HOST_A, PASSWORD, SPONSOR_A, XSS_TITLE, build
from web.app import create_app
from web.exports import COLUMNS, TITLE

pytestmark = [pytest.mark.browser, pytest.mark.services]

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def data(sample_site):
    return build(sample_site)


@pytest.fixture(scope="module")
def app(data):
    return create_app(data.settings)


def csrf_of(html: str) -> str:
    m = re.search(r'<meta name="csrf-token" content="([^"]+)"', html)
    assert m, html[:500]
    return m.group(1)


def login(app, username: str, password: str = PASSWORD, next_: str | None = None):
    c = app.test_client()
    tok = csrf_of(c.get("/login").get_data(as_text=True))
    url = "/login" + (f"?next={next_}" if next_ else "")
    r = c.post(url, data={"username": username, "password": password, "csrf_token": tok})
    return c, r


def page_token(c, url: str = "/sites") -> str:
    return csrf_of(c.get(url).get_data(as_text=True))


def finding_of(data, run_id: int, page_suffix: str, rule: str) -> fq.Finding:
    found, _ = fq.list_findings(data.store(), None, fq.FindingFilter(run_id=run_id, latest=False))
    return next(f for f in found if (f.page_url or "").endswith(page_suffix) and f.rule == rule)


def shot_of(data, f: fq.Finding) -> fq.EvidenceInfo:
    evs, shot = fq.evidence_of_check(data.store(), int(f.ref[1:]))
    assert shot is not None
    return shot


# --- the API description ---

def test_openapi_description_is_valid(app):
    from openapi_spec_validator import validate

    r = app.test_client().get("/api/v1/openapi.json")
    assert r.status_code == 200
    spec = r.get_json()
    validate(spec)
    assert {"/findings", "/findings/{ref}/reviews", "/runs/{run_id}/progress", "/sites/{site_id}/audits",
            "/sites/{site_id}/compare"} <= set(spec["paths"])


# --- authentication ---

def test_everything_needs_a_login(app, data):
    c = app.test_client()
    for url in ("/", "/sites", "/findings", f"/runs/{data.runs_a[0]}", "/evidence/1", "/exports/findings.xlsx"):
        r = c.get(url)
        assert r.status_code == 302 and "/login" in r.headers["Location"], url
    r = c.get("/api/v1/sites")
    assert r.status_code == 401 and r.get_json()["error"] and "Bearer" in r.headers["WWW-Authenticate"]
    r = c.get("/api/v1/sites", headers={"Authorization": "Bearer ga_not-a-token"})
    assert r.status_code == 401


def test_wrong_password_then_throttled(app, data):
    create_user(data.store(), "throttled", PASSWORD, "auditor")
    for _ in range(5):
        _, r = login(app, "throttled", "wrong-password")
        assert r.status_code == 401 and "用户名或密码错误" in r.get_data(as_text=True)
    _, r = login(app, "throttled", PASSWORD)  # even the right password waits now
    assert r.status_code == 429
    _, r = login(app, "no-such-user", "whatever-1")
    assert r.status_code == 401


def test_login_redirect_stays_on_this_site(app):
    for evil in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        _, r = login(app, "auditor", next_=evil)
        assert r.status_code == 302 and r.headers["Location"] == "/sites", evil
    _, r = login(app, "auditor", next_="/findings")
    assert r.headers["Location"] == "/findings"


def test_session_cookie_flags(app, data):
    _, r = login(app, "auditor")
    cookie = next(v for v in r.headers.getlist("Set-Cookie") if v.startswith("govaudit_session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    secure_app = create_app(data.settings.replace(cookie_secure=True))
    _, r = login(secure_app, "auditor")
    cookie = next(v for v in r.headers.getlist("Set-Cookie") if v.startswith("govaudit_session="))
    assert "Secure" in cookie


def test_secret_key_generated_once_and_private(tmp_path):
    s = Settings(database_url=f"sqlite:///{tmp_path}/g.db", evidence_dir=str(tmp_path / "data" / "evidence"))
    k1 = create_app(s).config["SECRET_KEY"]
    k2 = create_app(s).config["SECRET_KEY"]
    path = tmp_path / "data" / "secret_key"
    assert k1 == k2 and len(k1) == 64 and path.read_text().strip() == k1
    assert (path.stat().st_mode & 0o777) == 0o600
    assert create_app(s.replace(secret_key="x" * 40)).config["SECRET_KEY"] == "x" * 40


def test_password_change_ends_sessions(app, data):
    from auditor.store.users import set_password

    create_user(data.store(), "rotating", PASSWORD, "auditor")
    c, _ = login(app, "rotating")
    assert c.get("/sites").status_code == 200
    set_password(data.store(), "rotating", "another-password-2")
    assert c.get("/sites").status_code == 302


# --- CSRF ---

def test_forms_and_session_writes_need_the_csrf_token(app, data):
    f = finding_of(data, data.runs_a[0], "/b.html", "footer.conac")
    c, _ = login(app, "auditor")
    r = c.post(f"/findings/{f.ref}/review", data={"verdict": "confirmed", "reason": "x"})
    assert r.status_code == 400 and "CSRF" in r.get_data(as_text=True)
    assert c.post("/logout").status_code == 400
    r = c.post(f"/api/v1/findings/{f.ref}/reviews", json={"verdict": "confirmed", "reason": "会话写入"})
    assert r.status_code == 400 and "CSRF" in r.get_json()["error"]
    tok = page_token(c)
    r = c.post(f"/api/v1/findings/{f.ref}/reviews", json={"verdict": "confirmed", "reason": "会话写入"},
               headers={"X-CSRFToken": tok})
    assert r.status_code == 201 and r.get_json()["reviewer"] == "auditor"
    r = c.post(f"/findings/{f.ref}/review", data={"verdict": "confirmed", "reason": "表单", "csrf_token": tok})
    assert r.status_code == 302
    # A bearer token is not ambient (no cookie): no CSRF token is asked for.
    token = issue_token(data.store(), "admin")
    r = app.test_client().post(f"/api/v1/findings/{f.ref}/reviews", json={"verdict": "confirmed"},
                               headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 201 and r.get_json()["reviewer"] == "admin"


# --- site owners: their own sites only, also by URL guessing ---

def test_owner_cannot_reach_other_sites_by_guessing(app, data):
    other = finding_of(data, data.run_b, "/icp-missing.html", "footer.icp")
    other_shot = shot_of(data, other)
    other_ev, _ = fq.evidence_of_check(data.store(), int(other.ref[1:]))
    mine = finding_of(data, data.runs_a[0], "/index.html", "footer.icp")
    my_shot = shot_of(data, mine)
    c, _ = login(app, "owner_a")
    tok = page_token(c)

    listed = c.get("/sites").get_data(as_text=True)
    assert "测试市人民政府" in listed and "示范市人民政府" not in listed
    api = c.get("/api/v1/findings?all_runs=1&limit=1000").get_json()
    assert api["total"] > 0 and {i["site_id"] for i in api["items"]} == {data.site_a}
    assert c.get(f"/api/v1/findings?site_id={data.site_b}").get_json()["total"] == 0
    assert [s["id"] for s in c.get("/api/v1/sites").get_json()] == [data.site_a]

    page_b = other.page_id
    for url in (f"/findings/{other.ref}", f"/evidence/{other_shot.id}", f"/runs/{data.run_b}", f"/pages/{page_b}",
                f"/sites/{data.site_b}", f"/sites/{data.site_b}/compare?a={data.run_b}&b={data.run_b}",
                f"/api/v1/findings/{other.ref}", f"/api/v1/findings/{other.ref}/reviews",
                f"/api/v1/runs/{data.run_b}", f"/api/v1/runs/{data.run_b}/progress",
                f"/api/v1/runs/{data.run_b}/pages", f"/api/v1/sites/{data.site_b}/runs",
                f"/findings?run_id={data.run_b}"):
        r = c.get(url)
        if url.startswith("/findings?"):
            assert r.status_code == 200 and "icp-missing" not in r.get_data(as_text=True), url
        else:
            assert r.status_code == 404, (url, r.status_code)
    for ev in other_ev:
        assert c.get(f"/evidence/{ev.id}").status_code == 404
    # Comparing one's own run with another site's run, through one's own site, is refused too.
    assert c.get(f"/sites/{data.site_a}/compare?a={data.runs_a[0]}&b={data.run_b}").status_code == 404
    csv_body = c.get(f"/exports/findings.csv?site_id={data.site_b}").get_data(as_text=True)
    assert len(list(csv.reader(io.StringIO(csv_body.lstrip("\ufeff"))))) == 2  # title and header only
    # Writes: another site's audit and review are 404; their own findings they may not review (403).
    assert c.post(f"/sites/{data.site_b}/audits", data={"mode": "site", "csrf_token": tok}).status_code == 404
    r = c.post(f"/api/v1/sites/{data.site_b}/audits", json={"mode": "site"}, headers={"X-CSRFToken": tok})
    assert r.status_code == 404
    r = c.post(f"/findings/{other.ref}/review", data={"verdict": "false_positive", "reason": "x", "csrf_token": tok})
    assert r.status_code == 404
    r = c.post(f"/findings/{mine.ref}/review", data={"verdict": "false_positive", "reason": "x", "csrf_token": tok})
    assert r.status_code == 403
    # Their own evidence: the file, byte for byte, with its hash.
    r = c.get(f"/evidence/{my_shot.id}")
    assert r.status_code == 200 and r.mimetype == "image/png" and r.headers["X-Evidence-SHA256"] == my_shot.sha256
    import hashlib
    assert hashlib.sha256(r.data).hexdigest() == my_shot.sha256


def test_owner_audit_requests_stay_on_their_site(app, data):
    token = issue_token(data.store(), "owner_a")
    c = app.test_client()
    h = {"Authorization": f"Bearer {token}"}
    r = c.post(f"/api/v1/sites/{data.site_a}/audits", json={"mode": "pages", "urls": ["http://127.0.0.1:22/"]},
               headers=h)
    assert r.status_code == 400 and "不属于本网站" in r.get_json()["error"]
    r = c.post(f"/api/v1/sites/{data.site_a}/audits", json={"mode": "pages", "urls": []}, headers=h)
    assert r.status_code == 400
    r = c.post(f"/api/v1/sites/{data.site_a}/audits", json={"mode": "everything"}, headers=h)
    assert r.status_code == 400
    r = c.post(f"/api/v1/sites/{data.site_a}/audits", json={"mode": "site", "max_pages": "many"}, headers=h)
    assert r.status_code == 400


# --- evidence files: by id, inside the evidence folder only ---

def test_evidence_path_traversal_is_refused(app, data, tmp_path):
    store = data.store()
    f = finding_of(data, data.runs_a[0], "/a.html", "footer.conac")
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret")
    link = Path(data.settings.evidence_dir) / "run-1" / "link-out.png"
    link.parent.mkdir(parents=True, exist_ok=True)
    if not link.exists():
        link.symlink_to(secret)
    rel_up = os.path.relpath(secret, data.settings.evidence_dir)
    ids = []
    with store.session.begin() as s:
        for path in (rel_up, str(secret), "run-1/link-out.png", "run-1/../../../../etc/passwd", "", "run-1"):
            e = Evidence(page_id=f.page_id, kind="crop", path=path, sha256="0" * 64, size=1)
            s.add(e)
            s.flush()
            ids.append(e.id)
    c, _ = login(app, "admin")
    for i in ids:
        r = c.get(f"/evidence/{i}")
        assert r.status_code == 404 and b"top secret" not in r.data, i
    for url in ("/evidence/..%2F..%2Fetc%2Fpasswd", "/evidence/../../etc/passwd", "/evidence/-1",
                "/evidence/99999999"):
        assert c.get(url).status_code == 404, url
    # A snippet is served as plain text in a sandbox, never as a page of this origin.
    mine = finding_of(data, data.runs_a[0], "/index.html", "footer.icp")
    evs, _ = fq.evidence_of_check(store, int(mine.ref[1:]))
    html_ev = next(e for e in evs if e.kind == "html")
    r = c.get(f"/evidence/{html_ev.id}")
    assert r.status_code == 200 and r.mimetype == "text/plain" and "sandbox" in r.headers["Content-Security-Policy"]
    assert b"onmouseover" in r.data


def test_run_page_shows_each_indicators_guidance(app, data):
    """The run page's 按检查指标 table carries each indicator's 如何整改 line, read from the rule's META."""
    from auditor.rules import footer_icp

    c, _ = login(app, "auditor")
    body = c.get(f"/runs/{data.runs_a[0]}").get_data(as_text=True)
    row = body[body.index('id="by-indicator"'):].split("</table>")[0]
    icp_row = next(r for r in row.split("<tr>") if footer_icp.META.indicator in r)
    assert f'<td class="fix">{footer_icp.META.fix}</td>' in icp_row


# --- page-derived text is escaped ---

def test_page_text_is_escaped(app, data):
    c, _ = login(app, "auditor")
    idx = finding_of(data, data.runs_a[0], "/index.html", "footer.icp")
    escaped = "测试市人民政府&lt;script&gt;alert(1)&lt;/script&gt;"
    for url in (f"/runs/{data.runs_a[0]}", f"/pages/{idx.page_id}", f"/findings/{idx.ref}",
                f"/findings?run_id={data.runs_a[0]}"):
        r = c.get(url)
        body = r.get_data(as_text=True)
        assert r.status_code == 200
        assert "<script>alert(1)" not in body and escaped in body, url
        assert "script-src 'self'" in r.headers["Content-Security-Policy"]
    body = c.get(f"/findings/{idx.ref}").get_data(as_text=True)
    assert "&lt;b onmouseover=" in body and "<b onmouseover" not in body
    api = c.get(f"/api/v1/runs/{data.runs_a[0]}/pages").get_json()
    assert XSS_TITLE in [p["title"] for p in api]  # the API hands out the text as it is; JSON is not HTML


# --- reviews survive re-runs ---

def test_review_is_kept_across_reruns_of_the_same_finding(app, data):
    token = issue_token(data.store(), "auditor")
    h = {"Authorization": f"Bearer {token}"}
    c = app.test_client()
    f1 = finding_of(data, data.runs_a[0], "/index.html", "footer.jiucuo")
    r = c.post(f"/api/v1/findings/{f1.ref}/reviews", json={"verdict": "false_positive"}, headers=h)
    assert r.status_code == 400 and "理由" in r.get_json()["error"]
    r = c.post(f"/api/v1/findings/{f1.ref}/reviews", json={"verdict": "maybe", "reason": "x"}, headers=h)
    assert r.status_code == 400
    r = c.post(f"/api/v1/findings/{f1.ref}/reviews",
               json={"verdict": "false_positive", "reason": "找错入口在另一页面"}, headers=h)
    assert r.status_code == 201
    got = c.get(f"/api/v1/findings?run_id={data.runs_a[1]}&review=false_positive&limit=1000", headers=h).get_json()
    again = [i for i in got["items"] if i["rule"] == "footer.jiucuo" and i["page_url"].endswith("/index.html")]
    assert len(again) == 1 and again[0]["ref"] != f1.ref
    assert again[0]["review"]["reviewer"] == "auditor" and again[0]["review"]["reason"] == "找错入口在另一页面"
    assert again[0]["fingerprint"] == f1.fingerprint
    # Other findings of the same page are not touched.
    other = finding_of(data, data.runs_a[1], "/index.html", "footer.conac")
    assert other.fingerprint != f1.fingerprint
    # The fingerprint leaves out the fragment and the check id, and does not depend on how the site was written.
    assert fingerprint(f"http://{HOST_A}/", "footer.jiucuo", f"http://{HOST_A}/index.html#top") == \
        fingerprint(f"HTTP://{HOST_A.upper()}", "footer.jiucuo", f"http://{HOST_A}/index.html") == f1.fingerprint


def test_api_compare_and_progress(app, data):
    token = issue_token(data.store(), "auditor")
    h = {"Authorization": f"Bearer {token}"}
    c = app.test_client()
    a, b = data.runs_a
    cmp = c.get(f"/api/v1/sites/{data.site_a}/compare?a={a}&b={b}", headers=h).get_json()
    assert [(f["page_url"].rsplit("/", 1)[1], f["rule"]) for f in cmp["new"]] == [("b.html", "footer.sponsor")]
    assert [(f["page_url"].rsplit("/", 1)[1], f["rule"]) for f in cmp["fixed"]] == [("a.html", "footer.icp")]
    assert len(cmp["still"]) == 13 and cmp["unchecked"] == []
    p = c.get(f"/api/v1/runs/{b}/progress", headers=h).get_json()
    assert p["status"] == "done" and p["pages_done"] == p["pages_total"] == 3 and p["pages_failed"] == 0
    assert c.get(f"/api/v1/sites/{data.site_a}/compare?a={a}", headers=h).status_code == 400
    assert c.get("/api/v1/findings?status=bad", headers=h).status_code == 400


# --- exports ---

def test_csv_export_is_the_notice_shape_without_false_positives(app, data):
    run2 = data.runs_a[1]
    fp = finding_of(data, run2, "/b.html", "footer.police_record")
    add_review(data.store(), site_url=fp.site_url, rule=fp.rule, page_url=fp.page_url, subject="",
               verdict="false_positive", reviewer="auditor", reason="已核实有公安备案")
    c, _ = login(app, "auditor")
    r = c.get(f"/exports/findings.csv?run_id={run2}")
    assert r.status_code == 200 and r.data.startswith("\ufeff".encode("utf-8"))
    assert "attachment" in r.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == [TITLE] and rows[1] == COLUMNS
    body = rows[2:]
    found, _ = fq.list_findings(data.store(), None, fq.FindingFilter(run_id=run2, latest=False))
    assert len(body) == sum(1 for f in found if f.review_state != "false_positive") > 0
    assert not [x for x in body if x[4].endswith("/b.html") and x[2] == fp.indicator]
    first = body[0]
    assert first[0] == "测试市人民政府" and first[1] == SPONSOR_A and first[4].startswith(f"http://{HOST_A}/")
    assert re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d$", first[5])
    # 如何整改 comes from the rule's declaration, for every row whose indicator a page rule declares (other tests
    # sharing this data may have marked some groups 误报, so no particular rule is assumed to be left).
    from auditor.rules import RULES
    fixes = {r.meta.indicator: r.meta.fix for r in RULES if r.meta}
    declared = [x for x in body if x[2] in fixes]
    assert declared and all(x[6] == fixes[x[2]] for x in declared)


def test_exports_never_write_formulas(app, data):
    """A message or URL that starts with '=' comes from a stranger's page: it must stay text."""
    store = data.store()
    site, _ = store.upsert_site("公式市人民政府", "http://www.gongshi.gov.cn/", None, "=cmd|' /C calc'!A0")
    run = store.create_run(site.name, None, 1, "playwright", "ua", {}, site_id=site.id)
    store.save_page(run.id, Page(url="http://www.gongshi.gov.cn/=1+1", title="=HYPERLINK(\"http://x\")"),
                    [(Check(rule="footer.sponsor", status="fail", indicator="网站主办单位",
                            message="=HYPERLINK(\"http://evil.example\",\"点我\")\x07"), [])], [])
    store.finish_run(run.id)
    c, _ = login(app, "admin")
    r = c.get(f"/exports/findings.xlsx?run_id={run.id}")
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.data)).active
    assert ws["A1"].value == TITLE and [x.value for x in ws[2]] == COLUMNS
    row = [x for x in ws[3]]
    assert row[3].value.startswith("=HYPERLINK") and row[3].data_type == "s"
    assert row[1].data_type == "s" and "\x07" not in row[3].value
    rows = list(csv.reader(io.StringIO(c.get(f"/exports/findings.csv?run_id={run.id}").get_data(as_text=True))))
    assert rows[2][3].startswith("'=HYPERLINK") and rows[2][1].startswith("'=cmd")


# --- audits started through the API run in the background and report progress ---

def test_api_starts_a_page_audit_and_reports_progress(app, data, sample_site):
    token = issue_token(data.store(), "owner_b")
    h = {"Authorization": f"Bearer {token}"}
    c = app.test_client()
    url = f"http://{sample_site['host']}/variants/icp-missing.html"
    r = c.post(f"/api/v1/sites/{data.site_b}/audits", json={"mode": "pages", "urls": [url]}, headers=h)
    assert r.status_code == 202, r.get_json()
    run_id = r.get_json()["run_id"]
    deadline = time.monotonic() + 120
    while True:
        p = c.get(f"/api/v1/runs/{run_id}/progress", headers=h).get_json()
        if p["status"] in ("done", "failed") or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert p["status"] == "done" and p["pages_done"] == 1 and p["pages_total"] == 1, p
    items = c.get(f"/api/v1/findings?run_id={run_id}", headers=h).get_json()["items"]
    assert ("footer.icp", "fail") in {(i["rule"], i["status"]) for i in items}
    assert c.get(f"/api/v1/runs/{run_id}", headers={"Authorization": "Bearer " + issue_token(data.store(), "owner_a")}
                 ).status_code == 404


# --- PostgreSQL ---

def _synthetic_run(store: Store, site_id: int, base: str, failing: dict[str, list[str]]) -> int:
    run = store.create_run("PG市人民政府", None, len(failing), "playwright", "ua", {}, site_id=site_id)
    for path, rules in failing.items():
        checks = [(Check(rule=r, status="fail", indicator=f"指标 {r}", message=f"{r} 不合格"), []) for r in rules]
        checks.append((Check(rule="footer.contact", status="pass", indicator="联系方式", message="有"), []))
        store.save_page(run.id, Page(url=base + path, title=f"<i>{path}</i>"), checks, [])
    store.finish_run(run.id)
    return run.id


@pytest.mark.postgres
def test_web_on_postgresql(pg_url, tmp_path):
    s = Settings(database_url=pg_url, evidence_dir=str(tmp_path / "evidence"), secret_key="p" * 64)
    app = create_app(s)
    store = app.extensions["govaudit"].store
    site, _ = store.upsert_site("PG市人民政府", "https://www.pg.gov.cn/", "1100000001", "PG市政府办公室")
    other, _ = store.upsert_site("别的市人民政府", "https://www.other.gov.cn/")
    base = "https://www.pg.gov.cn"
    r1 = _synthetic_run(store, site.id, base, {"/": ["footer.icp", "footer.conac"], "/a.html": ["footer.icp"]})
    r2 = _synthetic_run(store, site.id, base, {"/": ["footer.conac"], "/b.html": ["footer.sponsor"]})
    _synthetic_run(store, other.id, "https://www.other.gov.cn", {"/": ["footer.icp"]})
    create_user(store, "pg_owner", PASSWORD, "owner", [site.url])
    create_user(store, "pg_auditor", PASSWORD, "auditor")
    c, r = login(app, "pg_auditor")
    assert r.status_code == 302
    tok = page_token(c)
    cmp = c.get(f"/api/v1/sites/{site.id}/compare?a={r1}&b={r2}").get_json()
    assert {(f["page_url"], f["rule"]) for f in cmp["new"]} == {(base + "/b.html", "footer.sponsor")}
    assert {(f["page_url"], f["rule"]) for f in cmp["fixed"]} == {(base + "/", "footer.icp")}
    assert {(f["page_url"], f["rule"]) for f in cmp["unchecked"]} == {(base + "/a.html", "footer.icp")}
    assert len(cmp["still"]) == 1
    ref = next(f["ref"] for f in cmp["still"])
    r = c.post(f"/api/v1/findings/{ref}/reviews", json={"verdict": "false_positive", "reason": "PG 上的审核"},
               headers={"X-CSRFToken": tok})
    assert r.status_code == 201
    old = c.get(f"/api/v1/findings?run_id={r1}&review=false_positive").get_json()["items"]
    assert [(i["page_url"], i["rule"]) for i in old] == [(base + "/", "footer.conac")]
    sites = c.get("/api/v1/sites").get_json()
    mine = next(x for x in sites if x["id"] == site.id)
    assert mine["latest_run"]["id"] == r2 and [t["findings"] for t in mine["trend"]] == [3, 2]
    html = c.get(f"/runs/{r1}").get_data(as_text=True)
    assert "&lt;i&gt;/a.html&lt;/i&gt;" in html
    oc, _ = login(app, "pg_owner")
    assert {i["site_id"] for i in oc.get("/api/v1/findings?all_runs=1").get_json()["items"]} == {site.id}
    rows = list(csv.reader(io.StringIO(oc.get("/exports/findings.csv").get_data(as_text=True).lstrip("\ufeff"))))
    assert {x[0] for x in rows[2:]} == {"PG市人民政府"} and len(rows) == 2 + 1  # latest run, 误报 left out
    store.engine.dispose()


# --- the users CLI and `govaudit serve` ---

def _cli(args, tmp_path, **env):
    base = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "GOVAUDIT_DATABASE_URL": f"sqlite:///{tmp_path}/g.db",
            "GOVAUDIT_EVIDENCE_DIR": str(tmp_path / "ev"), **env}
    return subprocess.run([sys.executable, "-m", "govaudit.cli", *args], capture_output=True, text=True,
                          timeout=120, env=base, cwd=ROOT, stdin=subprocess.DEVNULL)


def test_users_cli(tmp_path, monkeypatch, capsys):
    from govaudit.cli import main

    # The entry point as a user runs it, once; the other cases in-process (same code, no interpreter start-up).
    p = _cli(["users", "add", "boss", "--role", "admin", "--password-env", "PW"], tmp_path, PW="boss-password")
    assert p.returncode == 0 and "boss" in p.stdout, p.stderr
    monkeypatch.setenv("GOVAUDIT_DATABASE_URL", f"sqlite:///{tmp_path}/g.db")
    monkeypatch.setenv("GOVAUDIT_EVIDENCE_DIR", str(tmp_path / "ev"))
    monkeypatch.setenv("PW", "own-password")
    monkeypatch.setenv("SHORT", "short")

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out = capsys.readouterr()
        return code, out.out, out.err

    code, _, err = run("users", "add", "boss", "--role", "admin", "--password-env", "PW")
    assert code == 2 and "已存在" in err
    code, _, err = run("users", "add", "own", "--role", "owner", "--password-env", "PW")
    assert code == 2 and "--site" in err
    code, _, err = run("users", "add", "own", "--role", "owner", "--site", "http://nowhere.gov.cn/",
                       "--password-env", "PW")
    assert code == 2 and "网站清单" in err
    code, _, err = run("users", "add", "weak", "--role", "auditor", "--password-env", "SHORT")
    assert code == 2 and "密码" in err
    code, _, err = run("users", "add", "nopw", "--role", "auditor")
    assert code == 2 and "--password-env" in err  # no terminal: never a silent empty password
    code, out, _ = run("users", "list")
    assert code == 0 and "boss" in out and "admin" in out and "nopw" not in out
    code, out, _ = run("users", "token", "boss")
    token = out.strip()
    assert code == 0 and token.startswith("ga_")
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/g.db", evidence_dir=str(tmp_path / "ev")))
    r = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert r.get_json()["username"] == "boss" and r.get_json()["role"] == "admin"
    _, r = login(app, "boss", "boss-password")
    assert r.status_code == 302
    code, _, _ = run("users", "disable", "boss")
    assert code == 0
    assert app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_serve_starts_gunicorn(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "GOVAUDIT_DATABASE_URL": f"sqlite:///{tmp_path}/g.db",
           "GOVAUDIT_EVIDENCE_DIR": str(tmp_path / "ev")}
    proc = subprocess.Popen([sys.executable, "-m", "govaudit.cli", "serve", "--port", str(port), "--workers", "1"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        body = ""
        while time.monotonic() < deadline:
            try:
                with urlopen(f"http://127.0.0.1:{port}/login", timeout=2) as resp:
                    body = resp.read().decode("utf-8")
                    server = resp.headers.get("Server", "")
                break
            except OSError:
                time.sleep(0.3)
        assert '<html lang="zh-CN">' in body and "登录" in body
        assert "gunicorn" in server.lower()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
