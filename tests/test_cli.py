"""The govaudit command as a user runs it: exit codes, the findings table, the JSON contract, site import."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


import pytest

pytestmark = [pytest.mark.browser]
from auditor.rules import RULE_IDS

GOVAUDIT = [sys.executable, "-m", "govaudit"]  # the entry point users run (govaudit/entry.py)


def run(args, tmp_path, env_extra=None):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "GOVAUDIT_DATABASE_URL": f"sqlite:///{tmp_path}/g.db",
           "GOVAUDIT_EVIDENCE_DIR": str(tmp_path / "ev"), **(env_extra or {})}
    return subprocess.run(GOVAUDIT + args, capture_output=True, text=True, timeout=300, env=env,
                          cwd=Path(__file__).resolve().parents[1])


def test_audit_writes_the_json_contract_and_exits_1_on_findings(tmp_path, sample_site):
    host = sample_site["host"]
    out = tmp_path / "r.json"
    p = run(["audit", f"http://{host}/index.html", f"http://{host}/variants/icp-missing.html",
             f"http://{host}/no-such-page.html", "--site-name", "示范市人民政府", "--site-code", "3399000001",
             "--json", str(out), "--allow-private", "--standins", "--offline",
             "--host-map", f"{host}={sample_site['host_map'][host]}"], tmp_path)
    assert p.returncode == 1, p.stderr
    assert "footer.icp" in p.stdout and "不合格" in p.stdout and "[3/3]" in p.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert set(doc) == {"run", "pages", "rules"} and doc["run"]["pages_total"] == 3
    # Each rule named in the report carries its declaration's indicator and 如何整改 (auditor/rules/meta.py).
    from auditor.rules import footer_icp
    assert doc["rules"]["footer.icp"]["fix"] == footer_icp.META.fix
    pages = {pg["url"].rsplit("/", 1)[1]: pg for pg in doc["pages"]}
    missing = pages["no-such-page.html"]
    assert missing["status"] == 404 and missing["error"] and missing["checks"] == []
    home = pages["index.html"]
    assert {"url", "final_url", "status", "error", "checks"} <= set(home)
    assert [c["rule"] for c in home["checks"] if c["rule"] in RULE_IDS] == \
        [r for r in RULE_IDS if r not in ("meta.column", "meta.article")]
    # The home page also gets the 无障碍 pass and the 无障碍/适老化 entries (the sample site's work).
    a11y = {c["rule"]: c["status"] for c in home["checks"] if c["rule"] not in RULE_IDS}
    assert a11y["a11y.axe"] in ("fail", "warn") and a11y["elderly.entry"] == "pass" and a11y["a11y.entry"] == "pass"
    for c in home["checks"]:
        assert set(c) >= {"rule", "status", "indicator", "message", "value", "evidence"}
    icp = next(c for c in pages["icp-missing.html"]["checks"] if c["rule"] == "footer.icp")
    assert icp["status"] == "fail" and icp["indicator"] == "ICP备案编号"
    assert home["screenshot"]["sha256"] and home["user_agent"].find("govsite-auditor/") >= 0
    # The national services were probed once for the run: the stand-ins answer for conac and 找错; the record
    # registries cannot be reached offline, and the table says what that means for the verdicts.
    services = {sv["host"]: sv for sv in doc["run"]["services"]}
    assert services["dcs.conac.cn"]["ok"] and services["zfwzgl.www.gov.cn"]["ok"]
    assert not services["beian.miit.gov.cn"]["ok"] and services["beian.miit.gov.cn"]["reason"]
    assert "本次检查无法访问 beian.miit.gov.cn" in p.stdout and "需人工复核" in p.stdout


def test_private_targets_are_refused_without_the_flag(tmp_path, sample_site):
    p = run(["audit", sample_site["base"] + "/index.html", "--site-name", "示范市人民政府"], tmp_path)
    assert p.returncode == 2
    assert "内网或本机地址" in p.stdout + p.stderr


def test_bad_input_exits_2_with_a_clear_error(tmp_path):
    p = run(["audit", "ftp://www.shifan.gov.cn/", "--site-name", "示范市人民政府"], tmp_path)
    assert p.returncode == 2 and "只支持 http/https" in p.stderr
    p = run(["audit", "http://www.shifan.gov.cn/", "--site-name", "x", "--site-code", "12"], tmp_path)
    assert p.returncode == 2 and "标识码格式不正确" in p.stderr
    p = run(["audit", "http://www.shifan.gov.cn/", "--site-name", "x"], tmp_path,
            {"GOVAUDIT_CONCURRENCY": "lots"})
    assert p.returncode == 2 and "concurrency" in p.stderr


def test_sites_import(tmp_path):
    f = tmp_path / "sites.csv"
    f.write_text("网站名称,网址,网站标识码,主办单位,网站类型\n示范市人民政府,www.shifan.gov.cn,3399000001,办公室,门户\n"
                 "坏行,,,,\n", encoding="utf-8")
    p = run(["sites", "import", str(f)], tmp_path)
    assert p.returncode == 1 and "新增 1 个" in p.stdout and "第 3 行" in p.stderr
    p = run(["sites", "import", str(f)], tmp_path)
    assert "更新 1 个" in p.stdout
    p = run(["sites", "list"], tmp_path)
    assert "示范市人民政府\thttp://www.shifan.gov.cn/\t3399000001" in p.stdout
    p = run(["sites", "import", str(tmp_path / "nope.xlsx")], tmp_path)
    assert p.returncode == 2 and "找不到文件" in p.stderr
