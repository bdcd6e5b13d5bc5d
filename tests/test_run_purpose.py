"""Runs have a purpose and an owner: an owner's self-check (自查) never replaces the official result; CLI runs
attach to the registered site by host; a site whose name does not resolve still gets a run with its evidence."""
from __future__ import annotations

import json
import subprocess
import sys

from auditor.store import Store
from auditor.store import findings as fq


def _store(tmp_path) -> Store:
    store = Store(f"sqlite:///{tmp_path}/p.db")
    store.upgrade()
    return store


def test_purpose_defaults_and_attaching_by_host(tmp_path):
    store = _store(tmp_path)
    site, _ = store.upsert_site("示范市人民政府", "http://www.shifan.gov.cn/")
    full = store.create_run("示范市人民政府", None, 1, "playwright", "ua", {}, kind="site",
                            site_url="http://www.shifan.gov.cn/")
    pages = store.create_run("示范市人民政府", None, 1, "playwright", "ua",
                             {"urls": ["https://shifan.gov.cn/zwgk/index.html"]})
    other = store.create_run("别的网站", None, 1, "playwright", "ua", {"urls": ["http://www.other.gov.cn/"]})
    assert (full.purpose, full.site_id) == ("official", site.id)
    assert (pages.purpose, pages.site_id) == ("partial", site.id)  # www. and the scheme do not matter
    assert other.site_id is None


def test_a_self_check_never_replaces_the_official_result(tmp_path):
    store = _store(tmp_path)
    site, _ = store.upsert_site("示范市人民政府", "http://www.shifan.gov.cn/")
    official = store.create_run("示范市人民政府", None, 1, "pw", "ua", {}, site_id=site.id, kind="site",
                                started_by="张三")
    store.finish_run(official.id)
    mine = store.create_run("示范市人民政府", None, 1, "pw", "ua", {}, site_id=site.id, kind="site",
                            purpose="self_check", started_by="shifan")
    store.finish_run(mine.id)
    part = store.create_run("示范市人民政府", None, 1, "pw", "ua", {}, site_id=site.id)
    store.finish_run(part.id)
    assert fq.latest_run_ids(store, None) == [official.id]
    row = fq.site_overview(store, None)[0]
    assert row.latest.id == official.id and row.latest.purpose == "official" and row.latest.started_by == "张三"
    assert row.self_check.id == mine.id
    assert [rid for rid, _ in row.trend] == [official.id]


def test_a_site_that_does_not_resolve_still_gets_a_run(tmp_path):
    db = f"sqlite:///{tmp_path}/u.db"
    out = tmp_path / "u.json"
    p = subprocess.run([sys.executable, "-m", "govaudit.cli", "audit-site", "http://www.gone.gov.cn/", "--site-name",
                        "已停用市人民政府", "--database-url", db, "--evidence-dir", str(tmp_path / "ev"), "--offline",
                        "--host-map", "www.gone.gov.cn=~NOTFOUND", "--json", str(out)],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 2 and "首页无法打开" in p.stderr and "Traceback" not in p.stderr, p.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["run"]["status"] == "done" and doc["pages"][0]["error_kind"] == "dns"
    check = next(c for c in doc["site_checks"] if c["rule"] == "site.unreachable")
    assert check["status"] == "not_assessable" and "首页无法打开" in check["message"]
    assert check["value"]["url"] == "http://www.gone.gov.cn/" and check["value"]["at"]
