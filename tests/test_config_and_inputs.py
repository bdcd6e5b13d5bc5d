"""Settings (defaults, TOML, environment), the URL policy, and the site-list import: clear errors, nothing lost."""
from __future__ import annotations

import pytest
from openpyxl import Workbook

from auditor.config import ConfigError, Settings, load_settings
from auditor.errors import PageError
from auditor.netpolicy import TargetRefused, normalise_url
from clients.resolve import check_target
from auditor.sites_import import SiteListError, read_site_list

pytestmark = [pytest.mark.services]


def test_defaults_serve_the_embedded_mode_without_any_file():
    s = load_settings(env={})
    assert s.database_url.startswith("sqlite:///") and s.redis_url is None
    assert s.allow_private is False and s.standins is False


def test_toml_then_environment_wins(tmp_path):
    f = tmp_path / "govaudit.toml"
    f.write_text('[govaudit]\nconcurrency = 4\nevidence_dir = "/data/ev"\nprivate_allowlist = ["10.0.0.0/8"]\n'
                 'host_map = { "www.a.gov.cn" = "127.0.0.1:8080" }\n', encoding="utf-8")
    s = load_settings(f, env={"GOVAUDIT_CONCURRENCY": "3", "DATABASE_URL": "postgresql://u@h/db",
                              "GOVAUDIT_ALLOW_PRIVATE": "yes", "GOVAUDIT_DNS_SERVER": "127.0.0.1:5353"})
    assert s.concurrency == 3 and s.evidence_dir == "/data/ev" and s.allow_private is True
    assert s.database_url == "postgresql://u@h/db" and s.dns_server == "127.0.0.1:5353"
    assert s.private_allowlist == ["10.0.0.0/8"] and s.host_map == {"www.a.gov.cn": "127.0.0.1:8080"}


@pytest.mark.parametrize("env,needle", [({"GOVAUDIT_CONCURRENCY": "many"}, "concurrency"),
                                        ({"GOVAUDIT_ALLOW_PRIVATE": "perhaps"}, "allow_private")])
def test_bad_settings_name_the_setting(env, needle):
    with pytest.raises(ConfigError, match=needle):
        load_settings(env=env)


def test_unknown_key_and_missing_file(tmp_path):
    f = tmp_path / "x.toml"
    f.write_text("colour = 1\n")
    with pytest.raises(ConfigError, match="colour"):
        load_settings(f, env={})
    with pytest.raises(ConfigError, match="找不到"):
        load_settings(tmp_path / "none.toml", env={})


def test_url_policy():
    assert normalise_url(" www.gov.cn ") == "http://www.gov.cn/"
    for bad in ("ftp://x.gov.cn", "http://", "", "http://a b.gov.cn/", "http://x.gov.cn:99999/"):
        with pytest.raises(TargetRefused) as e:
            normalise_url(bad)
        assert e.value.kind is PageError.INVALID_URL
    for private in ("http://127.0.0.1/", "http://[::1]/", "http://10.1.2.3/", "http://192.168.1.1/",
                    "http://169.254.169.254/latest/meta-data", "http://[::ffff:127.0.0.1]/"):
        with pytest.raises(TargetRefused) as e:
            check_target(private, allow_private=False)
        assert e.value.kind is PageError.PRIVATE_TARGET
    assert check_target("http://127.0.0.1:8080/", allow_private=True).addresses == ["127.0.0.1"]
    assert check_target("http://10.1.2.3/", allow_private=False, allowlist=["10.0.0.0/8"]).addresses
    # A host the browser maps to loopback is judged by that address, not by a DNS lookup.
    with pytest.raises(TargetRefused):
        check_target("http://www.shifan.gov.cn/", allow_private=False, host_map={"www.shifan.gov.cn": "127.0.0.1:1"})
    assert check_target("http://8.8.8.8/", allow_private=False).addresses == ["8.8.8.8"]  # no traffic: a literal


def test_site_list_csv_with_per_row_errors(tmp_path):
    f = tmp_path / "sites.csv"
    f.write_text("网站名称,网址,网站标识码,主办单位,网站类型\n"
                 "示范市人民政府,www.shifan.gov.cn,3399000001,示范市人民政府办公室,政府门户网站\n"
                 ",www.empty.gov.cn,,,\n"
                 "示范市教育局,ftp://jyj.shifan.gov.cn,3399000002,,部门网站\n"
                 "示范市文旅局,wlj.shifan.gov.cn,33990003,,部门网站\n"
                 "重复,http://www.shifan.gov.cn/,,,\n", encoding="gb18030")
    rows, errors = read_site_list(f)
    assert [r.name for r in rows] == ["示范市人民政府"]
    assert rows[0].url == "http://www.shifan.gov.cn/" and rows[0].site_code == "3399000001"
    assert len(errors) == 4
    assert errors[0].startswith("第 3 行") and "缺少网站名称" in errors[0]
    assert "http/https" in errors[1] and "格式不正确" in errors[2] and "重复" in errors[3]


def test_site_list_xlsx_and_bad_files(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["2026年第四季度检查网站清单"])
    ws.append(["序号", "网站名称", "网址", "网站标识码", "主办单位", "网站类型"])
    ws.append([1, "示范市人民政府", "https://www.shifan.gov.cn", "3399000001", "示范市人民政府办公室", "政府门户网站"])
    ws.append([2, "示范市卫健委", "wsjkw.shifan.gov.cn", None, None, "部门网站"])
    wb.save(tmp_path / "sites.xlsx")
    rows, errors = read_site_list(tmp_path / "sites.xlsx")
    assert not errors and [r.url for r in rows] == ["https://www.shifan.gov.cn/", "http://wsjkw.shifan.gov.cn/"]
    (tmp_path / "bad.csv").write_text("名字,地址\nA,B\n", encoding="utf-8")
    with pytest.raises(SiteListError, match="表头"):
        read_site_list(tmp_path / "bad.csv")
    (tmp_path / "x.pdf").write_bytes(b"%PDF")
    with pytest.raises(SiteListError, match="不支持"):
        read_site_list(tmp_path / "x.pdf")
    (tmp_path / "broken.xlsx").write_bytes(b"not a zip")
    with pytest.raises(SiteListError, match="Excel"):
        read_site_list(tmp_path / "broken.xlsx")


def test_settings_replace_keeps_the_rest():
    s = Settings(concurrency=5).replace(ocr=False)
    assert s.concurrency == 5 and s.ocr is False


def test_one_reading_of_the_host_map():
    from auditor.netpolicy import map_target

    m = {"www.a.gov.cn": "127.0.0.1:8080", "*.b.gov.cn": "[::1]:81", "c.gov.cn": "127.0.0.2",
         "dead.gov.cn": "~NOTFOUND"}
    assert map_target("WWW.A.gov.cn.", m) == ("127.0.0.1", 8080)
    assert map_target("x.y.b.gov.cn", m) == ("::1", 81)
    assert map_target("c.gov.cn", m) == ("127.0.0.2", None)
    assert map_target("d.gov.cn", m) is None
    with pytest.raises(TargetRefused) as e:
        check_target("http://dead.gov.cn/", allow_private=True, host_map=m)
    assert e.value.kind is PageError.DNS


def test_settings_stay_a_dataclass_that_validates():
    """Code and other helpers rely on dataclasses.fields/asdict/replace and on pickling (RQ job arguments)."""
    import dataclasses
    import pickle

    s = Settings(concurrency=3, evidence_dir="ev")
    assert "concurrency" in {f.name for f in dataclasses.fields(Settings)}
    assert dataclasses.asdict(s)["concurrency"] == 3 and pickle.loads(pickle.dumps(s)) == s
    assert dataclasses.replace(s, ocr=False).ocr is False
    with pytest.raises(ConfigError, match="concurrency"):
        dataclasses.replace(s, concurrency=0)
    with pytest.raises(ConfigError, match="elderly"):
        Settings(elderly="sometimes")


def test_environment_forms_read_as_the_setting_type():
    s = load_settings(env={"GOVAUDIT_HOST_MAP": '{"a.gov.cn": "127.0.0.1:81"}', "GOVAUDIT_RETRY_BACKOFF": "[1, 2]",
                           "GOVAUDIT_PRIVATE_ALLOWLIST": "10.0.0.0/8, 192.168.0.0/16", "GOVAUDIT_OCR": "off",
                           "GOVAUDIT_NAV_TIMEOUT": " 12.5 ", "GOVAUDIT_SELENIUM_GRID_URL": ""})
    assert s.host_map == {"a.gov.cn": "127.0.0.1:81"} and s.retry_backoff == [1, 2] and s.ocr is False
    assert s.private_allowlist == ["10.0.0.0/8", "192.168.0.0/16"] and s.nav_timeout == 12.5
    assert s.selenium_grid_url is None
