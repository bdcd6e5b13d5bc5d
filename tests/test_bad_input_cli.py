"""Bad input to the settings and the command line: «错误：…» and exit 2, never a traceback; over-long values
refused (what the user typed) or cut (what came from a page) before they reach the database."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from auditor.config import ConfigError, Settings, load_settings
from auditor.store import Store, StoreError, ValueTooLong
from auditor.store.limits import column_limits
from auditor.store.models import Check, Page, Run, Site

GOVAUDIT = [sys.executable, "-m", "govaudit"]  # the entry point users run (govaudit/entry.py)
ROOT = Path(__file__).resolve().parents[1]


def run(args: list[str], tmp_path: Path, env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "GOVAUDIT_DATABASE_URL": f"sqlite:///{tmp_path}/g.db",
           "GOVAUDIT_EVIDENCE_DIR": str(tmp_path / "ev"), **(env_extra or {})}
    return subprocess.run(GOVAUDIT + args, capture_output=True, text=True, timeout=120, env=env, cwd=ROOT)


def assert_clear_error(p: subprocess.CompletedProcess, needle: str) -> None:
    assert p.returncode == 2, (p.returncode, p.stdout, p.stderr)
    assert "Traceback" not in p.stderr and "Traceback" not in p.stdout, p.stderr
    assert "错误：" in p.stderr, p.stderr
    assert needle in p.stderr, p.stderr


def _toml(tmp_path: Path, body: bytes) -> str:
    f = tmp_path / "govaudit.toml"
    f.write_bytes(body)
    return str(f)


URL = "http://www.shifan.gov.cn/"

# (name, argv, environment, text the message must contain); "{toml:...}" writes that file and passes --config.
CASES = [
    ("today-not-a-date", ["audit-site", URL, "--site-name", "x", "--today", "2024-13-45"], {}, "--today"),
    ("host-map-port-not-a-number", ["audit", URL, "--site-name", "x", "--host-map", "h=1.2.3.4:x"], {}, "端口"),
    ("host-map-not-an-ip", ["audit", URL, "--site-name", "x", "--host-map", "h=somewhere:80"], {}, "不是 IP 地址"),
    ("host-map-no-equals", ["audit", URL, "--site-name", "x", "--host-map", "h"], {}, "主机=IP"),
    ("monitor-interval-0", ["monitor", URL, "--interval", "0"], {}, "--interval"),
    ("concurrency-0", ["audit", URL, "--site-name", "x", "--concurrency", "0"], {}, "--concurrency"),
    ("max-pages-negative", ["audit-site", URL, "--site-name", "x", "--max-pages", "-3"], {}, "--max-pages"),
    ("per-template-word", ["audit-site", URL, "--site-name", "x", "--per-template", "many"], {}, "--per-template"),
    ("serve-port", ["serve", "--port", "70000"], {}, "--port"),
    ("missing-required", ["audit", URL], {}, "缺少必需的参数"),
    ("site-name-201", ["audit", URL, "--site-name", "名" * 201], {}, "网站名称太长"),
    ("url-2001", ["audit", "http://www.shifan.gov.cn/" + "a" * 2000, "--site-name", "x"], {}, "网址太长"),
    ("monitor-url-1001", ["monitor", "http://x.gov.cn/" + "a" * 1000, "--slots", "1"], {}, "网址太长"),
    ("enqueue-url-2001", ["enqueue", "audit", "http://x.gov.cn/" + "a" * 2000, "--site-name", "x"],
     {"GOVAUDIT_REDIS_URL": "redis://127.0.0.1:6379/0", "GOVAUDIT_RQ_QUEUE": "bad-input-test"}, "网址太长"),
    ("enqueue-today", ["enqueue", "audit-site", URL, "--site-name", "x", "--today", "2024-02-30"], {}, "--today"),
    ("toml-list-for-int", ["sites", "list"], {"toml": b"concurrency = [1, 2]\n"}, "concurrency"),
    ("toml-int-for-table", ["sites", "list"], {"toml": b"[govaudit]\nhost_map = 5\n"}, "host_map"),
    ("toml-not-utf8", ["sites", "list"], {"toml": "evidence_dir = '证据'\n".encode("gb18030")}, "UTF-8"),
    ("toml-unknown-key", ["sites", "list"], {"toml": b"concurence = 3\n"}, "concurence"),
    ("toml-bad-choice", ["sites", "list"], {"toml": b"elderly = 'sometimes'\n"}, "elderly"),
    ("toml-negative-timeout", ["sites", "list"], {"toml": b"nav_timeout = -1.0\n"}, "nav_timeout"),
    ("toml-bad-engine", ["sites", "list"], {"toml": b"engine = 'lynx'\n"}, "engine"),
    ("toml-syntax", ["sites", "list"], {"toml": b"concurrency = \n"}, "TOML"),
    ("env-concurrency-word", ["sites", "list"], {"GOVAUDIT_CONCURRENCY": "many"}, "GOVAUDIT_CONCURRENCY"),
    ("env-concurrency-0", ["sites", "list"], {"GOVAUDIT_CONCURRENCY": "0"}, "concurrency"),
    ("env-short-secret", ["sites", "list"], {"GOVAUDIT_SECRET_KEY": "too-short"}, "secret_key"),
    ("env-host-map-pair", ["sites", "list"], {"GOVAUDIT_HOST_MAP": "a.gov.cn=127.0.0.1:1,b"}, "host_map"),
    ("db-garbage", ["sites", "list"], {"GOVAUDIT_DATABASE_URL": "garbage"}, "数据库地址无效"),
    ("db-mysql", ["sites", "list"], {"GOVAUDIT_DATABASE_URL": "mysql://u:p@127.0.0.1/db"}, "不支持的数据库"),
    ("db-unreachable-pg", ["sites", "list"], {"GOVAUDIT_DATABASE_URL": "postgresql://postgres@127.0.0.1:1/test"},
     "无法连接数据库"),
    ("db-sqlite-under-a-file", ["sites", "list"], {"GOVAUDIT_DATABASE_URL": "sqlite:///{tmp}/afile/sub/g.db"},
     "数据库目录"),
]


@pytest.mark.parametrize("name,argv,env,needle", CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_a_clear_error_with_exit_2(tmp_path, name, argv, env, needle):
    (tmp_path / "afile").write_text("not a folder")
    env = {k: v.replace("{tmp}", str(tmp_path)) if isinstance(v, str) else v for k, v in env.items()}
    toml = env.pop("toml", None)
    if toml is not None:
        argv = ["--config", _toml(tmp_path, toml)] + argv
    p = run(argv, tmp_path, env)  # type: ignore[arg-type]
    assert_clear_error(p, needle)


def test_a_password_is_not_shown_in_the_database_error(tmp_path):
    p = run(["sites", "list"], tmp_path, {"GOVAUDIT_DATABASE_URL": "postgresql://u:s3cret@127.0.0.1:1/db"})
    assert_clear_error(p, "无法连接数据库")
    assert "s3cret" not in p.stderr


# --- the settings schema itself ---------------------------------------------------------------------------------

@pytest.mark.parametrize("changes,needle", [
    ({"concurrency": [1, 2]}, "concurrency"), ({"host_map": 5}, "host_map"), ({"concurrency": 0}, "不小于 1"),
    ({"nav_timeout": -1}, "nav_timeout"), ({"elderly": "x"}, "home、all、off"), ({"engine": "lynx"}, "playwright"),
    ({"secret_key": "x" * 31}, "32 字节"), ({"retry_backoff": [5, "soon"]}, "retry_backoff"),
    ({"concurrency": True}, "true/false"), ({"host_map": {"a.gov.cn": "127.0.0.1:99999"}}, "端口"),
    ({"ipv6_link_target": 1.5}, "ipv6_link_target"),
])
def test_replace_is_validated_and_names_the_setting(changes, needle):
    with pytest.raises(ConfigError, match=needle):
        Settings().replace(**changes)


def test_every_source_is_checked_the_same_way(tmp_path):
    f = tmp_path / "c.toml"
    f.write_text("concurrency = 3\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="GOVAUDIT_CONCURRENCY"):
        load_settings(f, env={"GOVAUDIT_CONCURRENCY": "-1"})
    with pytest.raises(ConfigError, match="命令行参数"):
        load_settings(f, env={}, concurrency=0)
    with pytest.raises(ConfigError, match="未知设置"):
        load_settings(env={}, colour="red")
    s = load_settings(f, env={"GOVAUDIT_SECRET_KEY": "k" * 32, "GOVAUDIT_REDIS_URL": ""}, max_pages=7)
    assert (s.concurrency, s.max_pages, s.secret_key, s.redis_url) == (3, 7, "k" * 32, None)


# --- column lengths ---------------------------------------------------------------------------------------------

def test_limits_are_read_off_the_models():
    assert column_limits(Site)["name"] == 200 and column_limits(Page)["url"] == 2000
    assert column_limits(Run)["site_code"] == 20 and "title" not in column_limits(Page)  # Text: no limit


def _long_values_refused_or_cut(store: Store) -> None:
    store.upgrade()
    with pytest.raises(ValueTooLong, match="网站名称太长"):
        store.upsert_site("名" * 201, "http://a.gov.cn/")
    with pytest.raises(ValueTooLong, match="网址太长"):
        store.upsert_site("名", "http://a.gov.cn/" + "a" * 1000)
    with pytest.raises(ValueTooLong, match="网站名称太长"):
        store.create_run("名" * 201, None, 1, "playwright", "ua", {})
    store.upsert_site("名" * 200, "http://a.gov.cn/")  # exactly at the limit is fine
    run = store.create_run("名", None, 1, "playwright", "ua", {})
    long_url = "http://a.gov.cn/" + "p" * 2100
    page = Page(url=long_url, final_url=long_url, title="标题" * 5000, user_agent="u" * 400, kind="k" * 30)
    check = Check(rule="r" * 70, status="fail", indicator="指" * 150, message="说明" * 5000)
    page_id = store.save_page(run.id, page, [(check, [])], [])
    with store.session() as s:
        stored = s.get(Page, page_id)
        assert stored is not None and len(stored.url) == 2000 and stored.url.endswith("…")
        assert len(stored.user_agent) == 300 and stored.title == "标题" * 5000  # Text is not cut
        c = s.query(Check).filter_by(page_id=page_id).one()
        assert len(c.indicator) == 100 and len(c.rule) == 60 and c.message == "说明" * 5000


def test_long_values_on_sqlite(tmp_path):
    _long_values_refused_or_cut(Store(f"sqlite:///{tmp_path}/g.db"))


@pytest.mark.postgres
def test_long_values_on_postgresql(pg_url):
    _long_values_refused_or_cut(Store(pg_url))


@pytest.mark.postgres
def test_sites_import_refuses_long_values_on_postgresql(tmp_path, pg_url):
    f = tmp_path / "sites.csv"
    f.write_text("网站名称,网址,网站标识码,主办单位,网站类型\n"
                 f"{'长' * 201},www.long.gov.cn,,,\n"
                 f"示范市,www.shifan.gov.cn/{'a' * 1000},,,\n", encoding="utf-8")
    p = run(["sites", "import", str(f)], tmp_path, {"GOVAUDIT_DATABASE_URL": pg_url})
    assert p.returncode == 2 and "Traceback" not in p.stderr, p.stderr
    assert "网站名称太长" in p.stderr and "网址太长" in p.stderr
    f.write_text("网站名称,网址,网站标识码,主办单位,网站类型\n示范市人民政府,www.shifan.gov.cn,,,\n", encoding="utf-8")
    p = run(["sites", "import", str(f)], tmp_path, {"GOVAUDIT_DATABASE_URL": pg_url})
    assert p.returncode == 0 and "新增 1 个网站" in p.stdout, p.stderr


@pytest.mark.postgres
def test_store_errors_name_the_problem(tmp_path):
    for url, needle in [("garbage", "数据库地址无效"), ("mysql://u@h/db", "不支持的数据库"),
                        ("postgresql://postgres@127.0.0.1:5432/no_such_db_here", "no_such_db_here")]:
        with pytest.raises(StoreError, match=needle):
            Store(url).upgrade()
