"""The web never answers 500 on bad input, and sessions, log-in and tokens hold (issue 12, part 3).

Bad ids (past 2^63, Unicode digits), finding refs, query parameters, unparseable URLs in the API, the forms and
the admin's site registration, log-in redirects with CR/LF, unknown API paths and methods: each a 400/404 with a
Chinese message (JSON under /api/v1). Sessions: a cookie captured before log-out is dead after it; a token dies
with `users passwd`; the log-in limiter counts in the database or Redis, so two app instances (and a restart)
share it, and spraying across names is caught per address; a short secret key is refused; evidence files answer
a Bearer token. One test drives a real `govaudit serve` (gunicorn, two worker processes).
"""
from __future__ import annotations

import http.client
import json
import re
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

import pytest

from auditor.config import ConfigError, Settings
from auditor.store import findings as fq
from auditor.store import Store
from auditor.store.users import create_user, issue_token
from tests.webdata import PASSWORD, build
from web.app import create_app

ROOT = Path(__file__).resolve().parents[1]
HAN = re.compile(r"[\u4e00-\u9fff]")
HUGE = "9999999999999999999999999"
P63 = str(2 ** 63)


@pytest.fixture(scope="module")
def data(sample_site):
    return build(sample_site)


@pytest.fixture(scope="module")
def app(data):
    return create_app(data.settings)


@pytest.fixture(scope="module")
def token(data):
    return issue_token(data.store(), "auditor")


def csrf_of(html: str) -> str:
    m = re.search(r'<meta name="csrf-token" content="([^"]+)"', html)
    assert m, html[:500]
    return m.group(1)


def login(app, username: str, password: str = PASSWORD, next_: str | None = None, addr: str = "127.0.0.1"):
    c = app.test_client()
    env = {"REMOTE_ADDR": addr}
    tok = csrf_of(c.get("/login", environ_base=env).get_data(as_text=True))
    url = "/login" + ("?" + urlencode({"next": next_}) if next_ is not None else "")
    r = c.post(url, data={"username": username, "password": password, "csrf_token": tok}, environ_base=env)
    return c, r


@pytest.fixture(scope="module")
def auditor(app):
    c, r = login(app, "auditor")
    assert r.status_code == 302
    return c


def assert_chinese_html(r, code: int) -> None:
    body = r.get_data(as_text=True)
    assert r.status_code == code, (r.status_code, body[:300])
    assert r.mimetype == "text/html" and '<html lang="zh-CN">' in body and HAN.search(body)
    assert "Traceback" not in body and "The requested URL" not in body and "Bad Request" not in body


def assert_chinese_json(r, code: int) -> None:
    assert r.status_code == code, (r.status_code, r.get_data(as_text=True)[:300])
    assert r.is_json, r.get_data(as_text=True)[:300]
    assert HAN.search(r.get_json()["error"]), r.get_json()


# --- ids, refs and query parameters in the UI ---

UI_404 = [f"/runs/{HUGE}", f"/runs/{P63}", "/runs/0", "/runs/²", "/runs/١٢", f"/pages/{HUGE}", "/pages/²",
          f"/sites/{HUGE}", "/sites/٣", f"/sites/{HUGE}/compare", f"/evidence/{HUGE}", "/evidence/²",
          "/findings/c²", f"/findings/c{HUGE}", f"/findings/s{P63}", "/findings/c0", "/findings/x1",
          "/no-such-page"]
UI_400 = ["/findings?page=²", "/findings?page=99999999999999999999", "/findings?site_id=²",
          f"/findings?run_id={HUGE}", "/findings?site_id=-1", "/exports/findings.csv?site_id=²",
          f"/exports/findings.xlsx?run_id={P63}"]


@pytest.mark.parametrize("url", UI_404)
def test_ui_bad_ids_are_404_in_chinese(auditor, url):
    assert_chinese_html(auditor.get(url), 404)


@pytest.mark.parametrize("url", UI_400)
def test_ui_bad_query_parameters_are_400_in_chinese(auditor, url):
    r = auditor.get(url)
    assert_chinese_html(r, 400)
    assert "参数" in r.get_data(as_text=True)


@pytest.mark.parametrize("q", ["a=²&b=1", f"a=1&b={HUGE}"])
def test_ui_compare_bad_run_ids(auditor, data, q):
    r = auditor.get(f"/sites/{data.site_a}/compare?{q}")
    assert_chinese_html(r, 400)


def test_ui_wrong_method_is_405_in_chinese(auditor):
    assert_chinese_html(auditor.delete("/sites"), 405)


# --- the same in the API, as JSON ---

API_404 = [f"/api/v1/runs/{HUGE}", f"/api/v1/runs/{P63}/progress", "/api/v1/runs/²", f"/api/v1/sites/{HUGE}",
           "/api/v1/sites/١/runs", "/api/v1/findings/c²", f"/api/v1/findings/c{HUGE}/reviews",
           "/api/v1/no-such-thing", "/api/v1/"]
API_400 = ["/api/v1/findings?limit=²", f"/api/v1/findings?offset={HUGE}", "/api/v1/findings?site_id=²",
           "/api/v1/findings?status=bad"]


@pytest.mark.parametrize("url", API_404)
def test_api_bad_ids_and_paths_are_json_404(app, token, url):
    assert_chinese_json(app.test_client().get(url, headers={"Authorization": f"Bearer {token}"}), 404)


@pytest.mark.parametrize("url", API_400)
def test_api_bad_query_parameters_are_json_400(app, token, url):
    assert_chinese_json(app.test_client().get(url, headers={"Authorization": f"Bearer {token}"}), 400)


def test_api_compare_bad_run_ids(app, token, data):
    h = {"Authorization": f"Bearer {token}"}
    for q in ("a=²&b=1", f"a=1&b={HUGE}"):
        assert_chinese_json(app.test_client().get(f"/api/v1/sites/{data.site_a}/compare?{q}", headers=h), 400)


def test_api_wrong_method_and_too_large_are_json(app, token, data):
    h = {"Authorization": f"Bearer {token}"}
    c = app.test_client()
    r = c.delete("/api/v1/sites", headers=h)
    assert_chinese_json(r, 405)
    assert "GET" in r.headers["Allow"]
    r = c.post(f"/api/v1/sites/{data.site_a}/audits", data=b"x" * 2_000_000, headers={**h, "Content-Type":
                                                                                      "application/json"})
    assert_chinese_json(r, 413)
    assert_chinese_json(c.get("/api/v1/sites"), 401)


BAD_URLS = ["http://[::1", "http://[::1]:99999/", "https://[zz]/", "javascript:alert(1)", "http://exa mple/"]


@pytest.mark.parametrize("bad", BAD_URLS)
def test_api_audit_urls_that_cannot_be_parsed(app, token, data, bad):
    r = app.test_client().post(f"/api/v1/sites/{data.site_a}/audits", json={"mode": "pages", "urls": [bad]},
                               headers={"Authorization": f"Bearer {token}"})
    assert_chinese_json(r, 400)
    assert bad[:12] in r.get_json()["error"]  # the message names the URL refused, not the site's home page


@pytest.mark.parametrize("bad", BAD_URLS)
def test_admin_register_form_with_bad_url(app, bad):
    c, _ = login(app, "admin")
    tok = csrf_of(c.get("/sites").get_data(as_text=True))
    r = c.post("/sites", data={"name": "坏网址网站", "url": bad, "csrf_token": tok})
    assert_chinese_html(r, 400)
    body = r.get_data(as_text=True)
    assert "网址" in body and "坏网址网站" in body  # the message, and the form as it was filled in


@pytest.mark.parametrize("bad", BAD_URLS[:3])
def test_audit_form_with_bad_url(app, data, bad):
    c, _ = login(app, "auditor")
    tok = csrf_of(c.get(f"/sites/{data.site_a}").get_data(as_text=True))
    r = c.post(f"/sites/{data.site_a}/audits", data={"mode": "pages", "urls": bad, "csrf_token": tok})
    assert_chinese_html(r, 400)
    body = r.get_data(as_text=True)
    assert "网址无效" in body or "端口" in body or "网址中" in body


# --- where a log-in may lead ---

@pytest.mark.parametrize("evil", ["/\r\nX:1", "/\nSet-Cookie:x=1", "//evil.example/", "/\\evil.example",
                                  "/\t/evil.example", "https://evil.example/", "/%0D%0AX:1", "/%2F%2Fevil.example",
                                  "javascript:alert(1)", "/\u2028x", ""])
def test_login_next_only_a_same_site_path(app, evil):
    _, r = login(app, "auditor", next_=evil)
    assert r.status_code == 302
    assert r.headers["Location"] == "/sites", repr(r.headers["Location"])


def test_login_page_with_crlf_next_renders(app):
    r = app.test_client().get("/login?next=/%0D%0AX:1")
    assert r.status_code == 200 and "X:1" not in r.headers


def test_login_next_keeps_a_plain_path(app):
    _, r = login(app, "auditor", next_="/findings?status=fail")
    assert r.headers["Location"] == "/findings?status=fail"


# --- sessions and tokens ---

def test_cookie_captured_before_logout_is_dead_after_it(app, data):
    create_user(data.store(), "replayed", PASSWORD, "auditor")
    c, _ = login(app, "replayed")
    assert c.get("/sites").status_code == 200
    captured = c.get_cookie("govaudit_session").value
    tok = csrf_of(c.get("/sites").get_data(as_text=True))
    assert c.post("/logout", data={"csrf_token": tok}).status_code == 302
    thief = app.test_client()
    thief.set_cookie("govaudit_session", captured)
    r = thief.get("/sites")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    assert_chinese_json(thief.get("/api/v1/me"), 401)
    c2, r = login(app, "replayed")  # logging in again works, with a new session
    assert r.status_code == 302 and c2.get("/sites").status_code == 200


def test_users_passwd_revokes_the_api_token(tmp_path, monkeypatch, capsys):
    from govaudit.cli import main

    db = f"sqlite:///{tmp_path}/g.db"
    settings = Settings(database_url=db, evidence_dir=str(tmp_path / "ev"), secret_key="k" * 32)
    app = create_app(settings)
    create_user(Store(db), "rotor", PASSWORD, "auditor")
    token = issue_token(Store(db), "rotor")
    c, _ = login(app, "rotor")
    h = {"Authorization": f"Bearer {token}"}
    assert app.test_client().get("/api/v1/me", headers=h).status_code == 200
    monkeypatch.setenv("GOVAUDIT_DATABASE_URL", db)
    monkeypatch.setenv("GOVAUDIT_EVIDENCE_DIR", str(tmp_path / "ev"))
    monkeypatch.setenv("PW", "a-new-password-9")
    assert main(["users", "passwd", "rotor", "--password-env", "PW"]) == 0
    capsys.readouterr()
    assert_chinese_json(app.test_client().get("/api/v1/me", headers=h), 401)
    assert c.get("/sites").status_code == 302  # and the browser session is over too
    new = issue_token(Store(db), "rotor")
    assert app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {new}"}).status_code == 200


@pytest.mark.parametrize("key", ["a", "x" * 31, "短" * 10])
def test_short_secret_key_is_refused(tmp_path, key):
    with pytest.raises(ConfigError, match="secret_key"):
        create_app(Settings(database_url=f"sqlite:///{tmp_path}/g.db", evidence_dir=str(tmp_path / "ev"),
                            secret_key=key))
    assert create_app(Settings(database_url=f"sqlite:///{tmp_path}/g.db", evidence_dir=str(tmp_path / "ev"),
                               secret_key="短" * 11))  # 33 bytes in UTF-8


def test_serve_refuses_a_short_secret_key(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "GOVAUDIT_DATABASE_URL": f"sqlite:///{tmp_path}/g.db",
           "GOVAUDIT_EVIDENCE_DIR": str(tmp_path / "ev"), "GOVAUDIT_SECRET_KEY": "a"}
    p = subprocess.run([sys.executable, "-m", "govaudit.cli", "serve", "--port", "1"], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert p.returncode == 2 and "secret_key" in p.stderr and HAN.search(p.stderr) and "Traceback" not in p.stderr


# --- the log-in limiter: shared by processes, per name and per address ---

def _limiter_settings(tmp_path: Path, **kw) -> Settings:
    return Settings(database_url=f"sqlite:///{tmp_path}/g.db", evidence_dir=str(tmp_path / "ev"),
                    secret_key="s" * 40, rq_queue=f"t{uuid.uuid4().hex[:12]}", **kw)


def _redis_or_skip():
    import redis

    r = redis.Redis(host="127.0.0.1", port=6379)
    try:
        r.ping()
    except redis.ConnectionError:
        pytest.fail("Redis on 127.0.0.1:6379 is not running")
    return r


@pytest.mark.parametrize("backend", ["database", "redis"])
def test_limiter_holds_across_app_instances_and_restarts(tmp_path, backend):
    s = _limiter_settings(tmp_path, redis_url="redis://127.0.0.1:6379/0" if backend == "redis" else None)
    if backend == "redis":
        r = _redis_or_skip()
    one, two = create_app(s), create_app(s)  # two server processes on one database (and one Redis)
    create_user(Store(s.database_url), "target", PASSWORD, "auditor")
    for i in range(5):
        _, r1 = login(one if i % 2 else two, "target", "wrong-password", addr=f"10.0.0.{i}")
        assert r1.status_code == 401
    for app in (one, two, create_app(s)):  # the third: a restarted server
        _, r2 = login(app, "TARGET", PASSWORD, addr="10.0.1.1")
        assert r2.status_code == 429 and "登录失败次数过多" in r2.get_data(as_text=True)
    if backend == "redis":
        keys = list(r.scan_iter(f"{s.rq_queue}:login:*"))
        assert keys
        r.delete(*keys)
    else:
        from auditor.store.models import LoginFailure
        from sqlalchemy import func, select

        with Store(s.database_url).session() as sess:
            assert sess.scalar(select(func.count()).select_from(LoginFailure)) == 10  # 5 per name + 5 per address


def test_limiter_on_postgresql(tmp_path, pg_url):
    s = _limiter_settings(tmp_path).replace(database_url=pg_url)
    one, two = create_app(s), create_app(s)
    create_user(Store(pg_url), "pgtarget", PASSWORD, "auditor")
    for i in range(5):
        _, r = login(one if i % 2 else two, "pgtarget", "wrong-password", addr="10.5.0.1")
        assert r.status_code == 401
    _, r = login(create_app(s), "pgtarget", PASSWORD, addr="10.5.0.2")
    assert r.status_code == 429


def test_limiter_catches_spraying_across_names(tmp_path):
    s = _limiter_settings(tmp_path)
    app = create_app(s)
    create_user(Store(s.database_url), "sprayed", PASSWORD, "auditor")
    for i in range(s.login_max_failures_per_address):
        _, r = login(app, f"user{i}", "Spring2026!", addr="10.9.9.9")
        assert r.status_code == 401
    _, r = login(app, "sprayed", PASSWORD, addr="10.9.9.9")  # the address is spent, whatever the name
    assert r.status_code == 429
    _, r = login(app, "sprayed", PASSWORD, addr="10.9.9.10")  # another address is not
    assert r.status_code == 302


# --- evidence files for API clients ---

def test_evidence_download_with_a_bearer_token(app, data, token):
    found, _ = fq.list_findings(data.store(), None, fq.FindingFilter(run_id=data.runs_a[0], latest=False))
    h = {"Authorization": f"Bearer {token}"}
    c = app.test_client()
    urls = []
    for f in (x for x in found if x.level == "page"):
        doc = c.get(f"/api/v1/findings/{f.ref}", headers=h).get_json()
        urls += [e["url"] for e in [doc["screenshot"], *doc["evidence"]] if e and e["url"]]
    assert urls
    url = urls[0]
    r = c.get(url, headers=h)
    assert r.status_code == 200 and r.mimetype in ("image/png", "text/plain") and r.data
    assert "private" in r.headers["Cache-Control"]
    assert_chinese_json(c.get(url, headers={"Authorization": "Bearer ga_wrong"}), 401)
    assert_chinese_json(c.get(url, headers={"Accept": "application/json"}), 401)
    r = c.get(url)  # a browser without a session still goes to the log-in page
    assert r.status_code == 302 and "/login" in r.headers["Location"]


# --- a real `govaudit serve`: gunicorn with two worker processes ---

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _request(port: int, method: str, path: str, body: bytes | None = None,
             headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def _form_login(port: int, name: str, password: str, next_: str = "") -> tuple[int, dict[str, str], bytes]:
    status, headers, body = _request(port, "GET", "/login")
    cookie = headers["set-cookie"].split(";", 1)[0]
    tok = csrf_of(body.decode())
    form = urlencode({"username": name, "password": password, "csrf_token": tok}).encode()
    path = "/login" + ("?next=" + next_ if next_ else "")
    return _request(port, "POST", path, form, {"Cookie": cookie,
                                               "Content-Type": "application/x-www-form-urlencoded"})


def test_real_serve_answers_bad_input_without_500(tmp_path):
    db = f"sqlite:///{tmp_path}/g.db"
    store = Store(db)
    store.upgrade()
    create_user(store, "boss", PASSWORD, "admin")
    create_user(store, "guarded", PASSWORD, "auditor")
    site, _ = store.upsert_site("测试市人民政府", "http://www.ceshi.gov.cn/")
    token = issue_token(store, "boss")
    port = _free_port()
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "GOVAUDIT_DATABASE_URL": db,
           "GOVAUDIT_EVIDENCE_DIR": str(tmp_path / "ev")}
    proc = subprocess.Popen([sys.executable, "-m", "govaudit.cli", "serve", "--port", str(port), "--workers", "2"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                _request(port, "GET", "/login")
                break
            except OSError:
                assert time.monotonic() < deadline and proc.poll() is None, "serve did not start"
                time.sleep(0.3)
        h = {"Authorization": f"Bearer {token}"}
        for path, code in ((f"/api/v1/runs/{HUGE}", 404), ("/api/v1/findings/c%C2%B2", 404),
                           ("/api/v1/findings?limit=%C2%B2", 400), ("/api/v1/nothing", 404)):
            status, headers, body = _request(port, "GET", path, headers=h)
            assert status == code and headers["content-type"].startswith("application/json"), (path, status)
            assert HAN.search(json.loads(body)["error"])
        status, _, body = _request(port, "POST", f"/api/v1/sites/{site.id}/audits",
                                   b'{"mode":"pages","urls":["http://[::1"]}',
                                   {**h, "Content-Type": "application/json"})
        assert status == 400 and HAN.search(json.loads(body)["error"])
        status, headers, _ = _form_login(port, "boss", PASSWORD, next_="/%0D%0AX:1")
        assert status == 302 and headers["location"].endswith("/sites") and "x" not in headers
        # Six wrong passwords on fresh connections (spread over both workers): the limit holds across processes.
        codes = [_form_login(port, "guarded", "wrong-password")[0] for _ in range(5)]
        assert codes == [401] * 5
        assert _form_login(port, "guarded", PASSWORD)[0] == 429
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# --- the last resort: an unexpected exception is a Chinese 500, never a traceback ---

def test_unexpected_exception_is_a_chinese_500(tmp_path):
    settings = Settings(database_url=f"sqlite:///{tmp_path}/g.db", evidence_dir=str(tmp_path / "ev"),
                        secret_key="b" * 32)
    app = create_app(settings)

    def boom() -> str:
        raise ZeroDivisionError("secret internals")

    app.add_url_rule("/boom", "boom", boom)
    app.add_url_rule("/api/v1/boom", "api_boom", boom)
    create_user(Store(settings.database_url), "crash", PASSWORD, "admin")
    c, _ = login(app, "crash")
    r = c.get("/boom")
    assert_chinese_html(r, 500)
    assert "secret internals" not in r.get_data(as_text=True) and "ZeroDivisionError" not in r.get_data(as_text=True)
    r = c.get("/api/v1/boom")
    assert_chinese_json(r, 500)
    assert "secret internals" not in r.get_data(as_text=True)


# --- NUL characters (PostgreSQL cannot store them): refused at the door ---

def test_nul_characters_are_refused(app, data, token):
    c = app.test_client()
    tok = csrf_of(c.get("/login").get_data(as_text=True))
    r = c.post("/login", data={"username": "admin\x00", "password": PASSWORD, "csrf_token": tok})
    assert_chinese_html(r, 400)
    admin, _ = login(app, "admin")
    tok = csrf_of(admin.get("/sites").get_data(as_text=True))
    r = admin.post("/sites", data={"name": "空\x00字符", "url": "www.nul.gov.cn", "csrf_token": tok})
    assert_chinese_html(r, 400)
    assert_chinese_html(admin.get("/findings?indicator=a%00b"), 400)
    f, _ = fq.list_findings(data.store(), None, fq.FindingFilter(run_id=data.runs_a[0], latest=False))
    r = app.test_client().post(f"/api/v1/findings/{f[0].ref}/reviews", json={"verdict": "confirmed",
                                                                           "reason": "a\x00b"},
                               headers={"Authorization": f"Bearer {token}"})
    assert_chinese_json(r, 400)


def test_compare_refuses_the_same_run_and_the_reversed_order(app, data, token):
    """Comparing a run with itself, or the later run first, is a Chinese 400 in the UI and the API."""
    c, _ = login(app, "auditor")
    a, b = sorted(data.runs_a[:2])
    for q in (f"a={a}&b={a}", f"a={b}&b={a}"):
        r = c.get(f"/sites/{data.site_a}/compare?{q}")
        assert_chinese_html(r, 400)
        r = app.test_client().get(f"/api/v1/sites/{data.site_a}/compare?{q}",
                                  headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 400 and HAN.search(r.get_json()["error"])
    assert c.get(f"/sites/{data.site_a}/compare?a={a}&b={b}").status_code == 200


def test_jargon_gets_a_tooltip_and_page_text_stays_escaped():
    from web.helpers import explain

    out = str(explain('页面应有一个主要 landmark <img src=x onerror=alert(1)>'))
    assert '<abbr title="页面区域标记' in out and ">landmark</abbr>" in out
    assert "<img" not in out and "&lt;img" in out
