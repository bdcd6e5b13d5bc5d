"""The admin's web UI and the Chinese answers around it, through Flask's test client on SQLite (fast layer).

- 用户管理 (`/users`): only admins (others get a Chinese 403); add, role and sites, disable / enable, new password,
  API token shown once; every bad form is a Chinese 400 with the page again, never a 500; the last admin stays.
- 对比: grouped by indicator with counts, filters by change, indicator and page kind, paging, refusals kept.
- 人工核查 / 核减 on the scorecard: recorded from the run page, with a picture; the score follows and stops being
  «暂定» once nothing is pending; owners may not judge.
- Error pages: unknown URLs, wrong methods, oversized bodies and bad CSRF answer Chinese (HTML or JSON).

The runs are stored through the Store's own write path (create_run / save_page / finish_run), as a worker does.
"""
from __future__ import annotations

import io
import re
import shutil
import struct
import zlib

import pytest

from auditor.config import Settings
from auditor.scoring import load_table
from auditor.store import Store
from auditor.store.models import Check, Page
from auditor.store.scorecard import score_run
from auditor.store.users import UserError, create_user, list_users, set_active, set_role, user_by_token
from web.app import create_app

PASSWORD = "correct-horse-1"
HAN = re.compile(r"[\u4e00-\u9fff]")
SITE_A, SITE_B = "http://a.example.gov.cn/", "http://b.example.gov.cn/"


def _run(store: Store, site_id: int, site_url: str, pages: dict[str, tuple[str, list[tuple[str, str, str]]]],
         purpose: str = "official") -> int:
    """A finished site run: {path: (page kind, [(rule, status, indicator), ...])}."""
    run = store.create_run("网站", None, len(pages), "playwright", "ua", {}, site_id=site_id, kind="site",
                           site_url=site_url, purpose=purpose)
    for path, (kind, checks) in pages.items():
        rows = [(Check(rule=r, status=st, indicator=ind, message=f"{ind}：不符合要求", value=None), [])
                for r, st, ind in checks]
        store.save_page(run.id, Page(url=site_url + path, kind=kind, http_status=200, title=path), rows, [])
    store.finish_run(run.id)
    return run.id


def _build(settings) -> dict:
    store = Store(settings.database_url)
    store.upgrade()
    a, _ = store.upsert_site("甲市人民政府", SITE_A, site_type="门户网站")
    b, _ = store.upsert_site("乙县人民政府", SITE_B)
    create_user(store, "admin", PASSWORD, "admin")
    create_user(store, "checker", PASSWORD, "auditor")
    create_user(store, "owner_b", PASSWORD, "owner", [str(b.id)])
    icp = ("footer.icp", "fail", "ICP备案编号")
    conac = ("footer.conac", "fail", "党政机关网站标识")
    run1 = _run(store, a.id, SITE_A, {"": ("home", [icp, conac]), "x.html": ("article", [icp]),
                                     **{f"c{i}.html": ("column", [conac]) for i in range(12)}})
    run2 = _run(store, a.id, SITE_A, {"": ("home", [conac]), "x.html": ("article", [icp]),
                                     "new.html": ("article", [icp]),
                                     **{f"c{i}.html": ("column", [conac]) for i in range(6)}})
    run_b = _run(store, b.id, SITE_B, {"": ("home", [icp])})
    store.engine.dispose()
    return {"a": a.id, "b": b.id, "run1": run1, "run2": run2, "run_b": run_b}


@pytest.fixture(scope="module")
def shared(tmp_path_factory, request):
    """The data built once per module and one app (migrations, password hashes and template compilation are
    slow); before each test the database file is put back to the built state."""
    folder = tmp_path_factory.mktemp("admin_db")
    settings = Settings(database_url=f"sqlite:///{folder}/govaudit.db", evidence_dir=str(folder / "ev"),
                        allow_private=True)
    ids = _build(settings)
    shutil.copyfile(folder / "govaudit.db", folder / "built.db")
    store = Store(settings.database_url)
    return {"app": create_app(settings, store), "store": store, "settings": settings, "built": folder / "built.db",
            **ids}


@pytest.fixture
def env(shared):
    shared["store"].engine.dispose()
    shutil.copyfile(shared["built"], shared["store"].url[len("sqlite:///"):])
    return shared


def csrf_of(html: str) -> str:
    m = re.search(r'<meta name="csrf-token" content="([^"]+)"', html)
    assert m, html[:300]
    return m.group(1)


def login(app, name: str, password: str = PASSWORD):
    c = app.test_client()
    tok = csrf_of(c.get("/login").get_data(as_text=True))
    r = c.post("/login", data={"username": name, "password": password, "csrf_token": tok})
    assert r.status_code == 302, r.get_data(as_text=True)[:300]
    return c


def user(env, name: str):
    """A logged-in client, reused across tests: the database is put back before each test, so the session's
    stamp (password hash, session generation) is valid again (a log-in costs a scrypt hash)."""
    clients = env.setdefault("clients", {})
    if name not in clients:
        clients[name] = login(env["app"], name)
    return clients[name]


def token(c, url: str = "/sites") -> str:
    return csrf_of(c.get(url).get_data(as_text=True))


def chinese_html(r, code: int) -> str:
    body = r.get_data(as_text=True)
    assert r.status_code == code, (r.status_code, body[:400])
    assert r.mimetype == "text/html" and '<html lang="zh-CN">' in body and HAN.search(body)
    for english in ("Not Found", "Method Not Allowed", "Request Entity Too Large", "The requested URL",
                    "Bad Request", "Traceback", "Internal Server Error", "This field is required",
                    "Not a valid", "Invalid Choice"):
        assert english not in body, english
    return body


def flashes(body: str) -> list[str]:
    return re.findall(r'class="flash flash-error"[^>]*>([^<]*)<', body)


# --- 用户管理 ---

@pytest.mark.parametrize("who", ["checker", "owner_b"])
def test_users_page_is_for_admins_only(env, who):
    c = user(env, who)
    body = chinese_html(c.get("/users"), 403)
    assert "没有权限" in body
    tok = token(c)
    r = c.post("/users", data={"csrf_token": tok, "username": "x1", "role": "admin", "password": PASSWORD})
    chinese_html(r, 403)
    assert "x1" not in {u.username for u in list_users(env["store"])}
    assert 'id="nav-users"' not in c.get("/sites").get_data(as_text=True)


def test_admin_adds_an_owner_with_sites(env):
    c = login(env["app"], "admin")
    assert 'id="nav-users"' in c.get("/sites").get_data(as_text=True)
    r = c.post("/users", data={"csrf_token": token(c, "/users"), "username": "甲市网站办", "role": "owner",
                               "sites": [str(env["a"])], "password": PASSWORD})
    assert r.status_code == 302
    body = c.get("/users").get_data(as_text=True)
    assert "已添加用户 甲市网站办（网站主办方）" in body and "甲市人民政府" in body
    owner = login(env["app"], "甲市网站办")
    assert owner.get(f"/runs/{env['run1']}").status_code == 200
    assert owner.get(f"/runs/{env['run_b']}").status_code == 404
    assert owner.get(f"/sites/{env['b']}").status_code == 404


BAD_ADDS = [
    ({"username": "", "role": "auditor", "password": PASSWORD}, "请填写用户名"),
    ({"username": "a b c", "role": "auditor", "password": PASSWORD}, "用户名为 2–80 个"),
    ({"username": "x" * 81, "role": "auditor", "password": PASSWORD}, "用户名太长"),
    ({"username": "shorty", "role": "auditor", "password": "1234567"}, "密码至少 8 个字符"),
    ({"username": "nopw", "role": "auditor", "password": ""}, "请填写初始密码"),
    ({"username": "badrole", "role": "root", "password": PASSWORD}, "角色"),
    ({"username": "nosite", "role": "owner", "password": PASSWORD}, "至少一个网站"),
    ({"username": "ghost", "role": "owner", "password": PASSWORD, "sites": ["999"]}, "所选网站不在网站清单中"),
    ({"username": "ghost2", "role": "owner", "password": PASSWORD, "sites": ["²"]}, "所选网站不在网站清单中"),
    ({"username": "admin", "role": "auditor", "password": PASSWORD}, "用户已存在"),
]


@pytest.mark.parametrize("form,message", BAD_ADDS, ids=[m for _, m in BAD_ADDS])
def test_bad_new_user_is_a_chinese_400(env, form, message):
    c = user(env, "admin")
    before = {u.username for u in list_users(env["store"])}
    body = chinese_html(c.post("/users", data={"csrf_token": token(c, "/users"), **form}), 400)
    assert any(message in f for f in flashes(body)), flashes(body)
    assert {u.username for u in list_users(env["store"])} == before


def test_forms_without_csrf_are_refused(env):
    c = user(env, "admin")
    uid = next(u.id for u in list_users(env["store"]) if u.username == "checker")
    for url, data in [("/users", {"username": "nocsrf", "role": "admin", "password": PASSWORD}),
                      (f"/users/{uid}/active", {"active": "0"}), (f"/users/{uid}/token", {}),
                      (f"/users/{uid}/password", {"password": "new-password-1"}),
                      (f"/users/{uid}/role", {"role": "admin"})]:
        chinese_html(c.post(url, data=data), 400)
    u = next(u for u in list_users(env["store"]) if u.username == "checker")
    assert u.active and u.role == "auditor" and not u.has_token


def test_role_sites_disable_password_and_token(env):
    app, store = env["app"], env["store"]
    c = login(app, "admin")
    uid = next(u.id for u in list_users(store) if u.username == "checker")
    checker = login(app, "checker")
    assert checker.get(f"/runs/{env['run_b']}").status_code == 200

    # Role and sites: an owner without a site is refused; with site A it sees only A.
    body = chinese_html(c.post(f"/users/{uid}/role", data={"csrf_token": token(c), "role": "owner"}), 400)
    assert any("至少一个网站" in f for f in flashes(body))
    r = c.post(f"/users/{uid}/role", data={"csrf_token": token(c), "role": "owner", "sites": [str(env["a"])]})
    assert r.status_code == 302
    assert checker.get(f"/runs/{env['run_b']}").status_code == 404
    assert checker.get(f"/runs/{env['run1']}").status_code == 200

    # Disabled: the open session ends at once; enabled again: it may log in.
    assert c.post(f"/users/{uid}/active", data={"csrf_token": token(c), "active": "0"}).status_code == 302
    assert checker.get("/sites").status_code == 302
    assert c.post(f"/users/{uid}/active", data={"csrf_token": token(c), "active": "0"}).status_code == 302
    assert not next(u for u in list_users(store) if u.id == uid).active  # a second click does not re-enable
    chinese_html(c.post(f"/users/{uid}/active", data={"csrf_token": token(c), "active": "maybe"}), 400)
    assert c.post(f"/users/{uid}/active", data={"csrf_token": token(c), "active": "1"}).status_code == 302
    checker = login(app, "checker")

    # A token shown once, working; a new password revokes it and ends the session.
    body = c.post(f"/users/{uid}/token", data={"csrf_token": token(c)}).get_data(as_text=True)
    value = re.search(r'id="shown-value">([^<]+)<', body).group(1)
    assert user_by_token(store, value).username == "checker"
    assert value not in c.get("/users").get_data(as_text=True)
    body = chinese_html(c.post(f"/users/{uid}/password", data={"csrf_token": token(c), "password": "short"}), 400)
    assert any("密码至少 8 个字符" in f for f in flashes(body))
    assert user_by_token(store, value) is not None
    body = c.post(f"/users/{uid}/password", data={"csrf_token": token(c), "password": ""}).get_data(as_text=True)
    new_pw = re.search(r'id="shown-value">([^<]+)<', body).group(1)
    assert user_by_token(store, value) is None
    assert checker.get("/sites").status_code == 302
    login(app, "checker", new_pw)


def test_the_last_admin_cannot_be_removed(env):
    app, store = env["app"], env["store"]
    c = user(env, "admin")
    me = next(u.id for u in list_users(store) if u.username == "admin")
    body = chinese_html(c.post(f"/users/{me}/active", data={"csrf_token": token(c), "active": "0"}), 400)
    assert any("不能停用自己的账号" in f for f in flashes(body))
    body = chinese_html(c.post(f"/users/{me}/role", data={"csrf_token": token(c), "role": "auditor"}), 400)
    assert any("至少要保留一个启用的管理员账号" in f for f in flashes(body))
    with pytest.raises(UserError):
        set_active(store, "admin", False, keep_admin=True)
    # With a second admin, the first may step down.
    create_user(store, "admin2", PASSWORD, "admin")
    set_role(store, "admin", "auditor", keep_admin=True)
    assert next(u for u in list_users(store) if u.username == "admin").role == "auditor"


@pytest.mark.parametrize("url", ["/users/999/active", "/users/999/token", "/users/²/role", "/users/0/password"])
def test_unknown_user_is_404(env, url):
    c = user(env, "admin")
    chinese_html(c.post(url, data={"csrf_token": token(c), "active": "1", "role": "admin"}), 404)


# --- 对比 ---

def test_compare_groups_by_indicator_with_counts_and_filters(env):
    c = user(env, "checker")
    base = f"/sites/{env['a']}/compare?a={env['run1']}&b={env['run2']}"
    body = c.get(base).get_data(as_text=True)
    counts = {k: int(re.search(rf'id="n-{k}">(\d+)<', body).group(1)) for k in ("new", "fixed", "still")}
    # ICP: home fixed, x.html still, new.html new; 标识: home still, c0–c5 still, c6–c11 not audited again.
    assert counts == {"new": 1, "fixed": 1, "still": 8}
    assert re.search(r'id="n-unchecked">6<', body)
    groups = re.findall(r'<details class="cmp-group box"', body)
    assert len(groups) == 2
    assert body.count('class="cmp-row"') <= 2 * 5  # collapsed groups: a few rows each
    assert "查看本组全部 13 项" in body

    body = c.get(base + "&status=new").get_data(as_text=True)
    assert body.count('class="cmp-row"') == 1 and "new.html" in body
    body = c.get(base + "&status=fixed&rule=ICP备案编号").get_data(as_text=True)
    rows = re.findall(r'class="cmp-row" data-state="(\w+)"', body)
    assert rows == ["fixed"]
    body = c.get(base + "&kind=column&rule=" + "党政机关网站标识").get_data(as_text=True)
    assert set(re.findall(r'data-state="(\w+)"', body)) == {"still", "unchecked"}
    assert body.count('class="cmp-row"') == 12
    body = c.get(base + "&kind=home").get_data(as_text=True)
    assert body.count('class="cmp-row"') == 2


@pytest.mark.parametrize("q,code", [("status=gone", 400), ("kind=pdf", 400), ("page=²", 400), ("page=9", 404),
                                    ("swap", 400), ("same", 400)])
def test_compare_bad_parameters_are_chinese(env, q, code):
    c = user(env, "checker")
    a, b = env["run1"], env["run2"]
    if q == "swap":
        url = f"/sites/{env['a']}/compare?a={b}&b={a}"
    elif q == "same":
        url = f"/sites/{env['a']}/compare?a={a}&b={a}"
    else:
        url = f"/sites/{env['a']}/compare?a={a}&b={b}&rule=ICP备案编号&{q}"
    chinese_html(c.get(url), code)


def test_compare_pages_one_indicator(env, monkeypatch):
    import web.compare

    monkeypatch.setattr(web.compare, "PAGE_SIZE", 5)
    c = user(env, "checker")
    base = f"/sites/{env['a']}/compare?a={env['run1']}&b={env['run2']}&rule=党政机关网站标识"
    first = c.get(base).get_data(as_text=True)
    third = c.get(base + "&page=3").get_data(as_text=True)
    assert first.count('class="cmp-row"') == 5 and third.count('class="cmp-row"') == 3
    assert "标识 13" not in first and 'class="pager"' in first


# --- 人工核查 and 核减 ---

def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\x00")) + chunk(b"IEND", b""))


def test_judging_every_pending_item_makes_the_score_final(env):
    store, table = env["store"], load_table()
    run = env["run2"]
    before = score_run(store, run, table)
    assert before.provisional and before.pending
    c = user(env, "checker")
    page = c.get(f"/runs/{run}").get_data(as_text=True)
    assert "待人工核查" in page and 'id="judge-form"' in page
    first = before.pending[0].indicator
    r = c.post(f"/runs/{run}/scorecard/judgement", content_type="multipart/form-data",
               data={"csrf_token": token(c, f"/runs/{run}"), "indicator": first, "result": "符合",
                     "reason": "抽查 3 条留言均已按时答复", "picture": (io.BytesIO(_png()), "shot.png")})
    assert r.status_code == 302, r.get_data(as_text=True)[:400]
    page = c.get(f"/runs/{run}").get_data(as_text=True)
    pic = re.search(rf'href="(/runs/{run}/scorecard/evidence/\d+)"', page).group(1)
    got = c.get(pic)
    assert got.status_code == 200 and got.mimetype == "image/png" and got.data == _png()
    assert user(env, "owner_b").get(pic).status_code == 404
    for p in before.pending[1:]:
        r = c.post(f"/runs/{run}/scorecard/judgement",
                   data={"csrf_token": token(c, f"/runs/{run}"), "indicator": p.indicator, "result": "符合",
                         "reason": "已人工核查"})
        assert r.status_code == 302
    after = score_run(store, run, table)
    assert not after.provisional and not after.pending and after.label == after.verdict
    page = c.get(f"/runs/{run}").get_data(as_text=True)
    assert 'id="no-pending"' in page and "（暂定）" not in page


def test_a_reduction_and_a_negative_judgement_change_the_score(env):
    store, table = env["store"], load_table()
    run = env["run2"]
    before = score_run(store, run, table)
    d = next(d for g in before.groups for d in g.deductions)
    c = user(env, "checker")
    r = c.post(f"/runs/{run}/scorecard/reduction", data={"csrf_token": token(c, f"/runs/{run}"),
                                                         "indicator": d.indicator, "points": "0.5",
                                                         "reason": "同一问题已在 D4.2 计扣"})
    assert r.status_code == 302
    after = score_run(store, run, table)
    assert after.deduct_score == pytest.approx(before.deduct_score + 0.5)
    assert "同一问题已在 D4.2 计扣" in c.get(f"/runs/{run}").get_data(as_text=True)
    # Withdrawn with 0: back to the rules' deduction.
    c.post(f"/runs/{run}/scorecard/reduction", data={"csrf_token": token(c, f"/runs/{run}"),
                                                     "indicator": d.indicator, "points": "0", "reason": ""})
    assert score_run(store, run, table).deduct_score == pytest.approx(before.deduct_score)
    # A person finds a veto item not met: 不合格 whatever the points.
    c.post(f"/runs/{run}/scorecard/judgement", data={"csrf_token": token(c, f"/runs/{run}"), "indicator": "V5",
                                                     "result": "不符合", "reason": "留言 4 个月未回应"})
    vetoed = score_run(store, run, table)
    assert vetoed.verdict == "不合格" and any(v.indicator == "V5" for v in vetoed.vetoes)


BAD_JUDGEMENTS = [
    ("judgement", {"indicator": "Z9", "result": "符合", "reason": "x"}, "评分表中没有指标 Z9"),
    ("judgement", {"indicator": "V5", "result": "也许", "reason": "x"}, "核查结论"),
    ("judgement", {"indicator": "V5", "result": "不符合", "reason": ""}, "请填写核查说明"),
    ("judgement", {"indicator": "V5", "result": "符合", "reason": "x", "points": "abc"}, "分值"),
    ("judgement", {"indicator": "V5", "result": "符合", "reason": "x", "points": "-1"}, "0 到 100"),
    ("judgement", {"indicator": "V5", "result": "符合", "reason": "x", "picture": (io.BytesIO(b"GIF89a..."), "a.gif")},
     "PNG 或 JPEG"),
    ("judgement", {"indicator": "", "result": "符合", "reason": "x"}, "请选择指标"),
    ("reduction", {"indicator": "V2", "points": "1", "reason": "x"}, "不是扣分指标"),
    ("reduction", {"indicator": "D4.2", "points": "1", "reason": ""}, "核减须写明理由"),
    ("reduction", {"indicator": "D4.2", "points": "", "reason": "x"}, "请填写核减分值"),
    ("reduction", {"indicator": "D4.2", "points": "1e9", "reason": "x"}, "0 到 100"),
    ("reduction", {"indicator": "D4.2", "points": "NaN", "reason": "x"}, "0 到 100 之间的数字"),
    ("judgement", {"indicator": "V5", "result": "符合", "reason": "x", "points": "sNaN"}, "0 到 100 之间的数字"),
    ("judgement", {"indicator": "V5", "result": "符合", "reason": "x" * 4001}, "说明太长"),
]


@pytest.mark.parametrize("kind,form,message", BAD_JUDGEMENTS, ids=[m for _, _, m in BAD_JUDGEMENTS])
def test_bad_judgement_is_a_chinese_400(env, kind, form, message):
    c = user(env, "checker")
    run = env["run2"]
    r = c.post(f"/runs/{run}/scorecard/{kind}", content_type="multipart/form-data",
               data={"csrf_token": token(c, f"/runs/{run}"), **form})
    body = chinese_html(r, 400)
    assert any(message in f for f in flashes(body)), flashes(body)
    from auditor.store.score_judgements import current

    assert current(env["store"], run) == []


def test_owners_may_not_judge(env):
    owner = user(env, "owner_b")
    run = env["run_b"]
    page = owner.get(f"/runs/{run}").get_data(as_text=True)
    assert 'id="judge-form"' not in page
    r = owner.post(f"/runs/{run}/scorecard/judgement", data={"csrf_token": token(owner), "indicator": "V5",
                                                              "result": "符合", "reason": "自己说符合"})
    assert "不能记录人工核查" in chinese_html(r, 403)
    # Another site's run: 404, as if it did not exist.
    chinese_html(owner.post(f"/runs/{env['run1']}/scorecard/judgement", data={"csrf_token": token(owner)}), 404)


def test_an_oversized_picture_is_413_in_chinese(env):
    c = user(env, "checker")
    run = env["run2"]
    big = io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"\0" * 6_000_000)
    r = c.post(f"/runs/{run}/scorecard/judgement", content_type="multipart/form-data",
               data={"csrf_token": token(c, f"/runs/{run}"), "indicator": "V5", "result": "符合", "reason": "x",
                     "picture": (big, "big.png")})
    assert "请求太大" in chinese_html(r, 413)


# --- Chinese error pages and JSON errors ---

def test_unknown_urls_wrong_methods_and_big_bodies_answer_in_chinese(env):
    app = env["app"]
    c = user(env, "checker")
    assert "找不到该页面" in chinese_html(c.get("/no/such/page"), 404)
    assert "找不到该页面" in chinese_html(c.get("/runs/999999"), 404)
    assert "不支持该请求方法" in chinese_html(c.delete("/sites"), 405)
    assert "不支持该请求方法" in chinese_html(c.put(f"/runs/{env['run1']}"), 405)
    r = c.post("/sites", data={"csrf_token": token(c), "name": "x" * 2_000_000})
    assert "请求太大" in chinese_html(r, 413)
    assert "表单已失效" in chinese_html(c.post("/sites", data={"name": "x"}), 400)
    anon = app.test_client()
    assert "找不到该页面" in chinese_html(anon.get("/static/nope.css"), 404)
    for r, code in [(anon.get("/api/v1/nope"), 404), (anon.delete("/api/v1/me"), 405),
                    (anon.get("/api/v1/me"), 401), (anon.post("/api/v1/sites/1/audits", data=b"x" * 2_000_000,
                                                             content_type="application/json"), 413)]:
        assert r.status_code == code and r.is_json and HAN.search(r.get_json()["error"]), (code, r.data[:200])
