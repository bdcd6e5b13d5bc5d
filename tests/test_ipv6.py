"""IPv6 reachability (``ipv6.*``): pure scoring, and real measurements in a two-namespace lab (tests/netns.py).

The lab tests need root (network namespaces) and dnsmasq; they skip, saying why, where that is not available.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from auditor.ipv6 import (
    FetchResult,
    IPv6Measurements,
    IPv6Policy,
    LinkResult,
    NameServer,
    content_similarity,
    visible_lines,
)
from auditor.models import Status
from auditor.site_rules.ipv6 import score_ipv6

pytestmark = [pytest.mark.browser, pytest.mark.netns]

ROOT = Path(__file__).resolve().parents[1]

# ---- pure scoring ------------------------------------------------------------------------------------------
PAGE = "<html><head><title>t</title><script>var x=1</script></head><body><h1>市政府</h1>" + "".join(
    f"<p>第{i}条 新闻内容</p>" for i in range(10)) + "</body></html>"


def _ok(family: int, body: str = PAGE, status: int = 200) -> FetchResult:
    return FetchResult(family=family, url="http://x.gov.cn/", address="a", status=status, body=body, elapsed=0.1)


def _m(**kw) -> IPv6Measurements:
    base: dict = {
        "url": "http://x.gov.cn/", "host": "x.gov.cn", "a": ["1.2.3.4"], "aaaa": ["2001:db8::1"], "zone": "x.gov.cn",
        "nameservers": [NameServer("ns1.x.gov.cn", ["2001:db8::53"], ["1.2.3.5"])], "tcp6": {80: True, 443: True},
        "v4": _ok(4), "v6": _ok(6), "level2": [LinkResult(f"http://x.gov.cn/{i}", True) for i in range(4)],
        "level3": [LinkResult(f"http://x.gov.cn/3/{i}", True) for i in range(4)],
        "subresource_hosts": {"x.gov.cn": ["2001:db8::1"]}}
    base.update(kw)
    return IPv6Measurements(**base)


def _by(m: IPv6Measurements, policy: IPv6Policy | None = None):
    return {r.rule: r for r in score_ipv6(m, policy)}


def test_full_support_passes_everything():
    rs = _by(_m())
    assert {r: x.status for r, x in rs.items()} == {r: Status.PASS for r in rs}
    assert rs["ipv6.support"].value["score"] == 100.0
    assert all(x.indicator and x.message for x in rs.values())


def test_no_aaaa_fails_aaaa_home_and_support():
    rs = _by(_m(aaaa=[], v6=FetchResult(6, "http://x.gov.cn/", error="no_address: x"), tcp6={},
                level2=[LinkResult("u", False, v6_error="no_address", v4_ok=True)],
                level3=[LinkResult("v", False, v6_error="no_address", v4_ok=True)]))
    assert rs["ipv6.aaaa"].status is Status.FAIL and "没有 AAAA" in rs["ipv6.aaaa"].message
    assert rs["ipv6.home"].status is Status.FAIL
    assert rs["ipv6.consistency"].status is Status.NOT_ASSESSABLE
    assert rs["ipv6.level2"].value["rate"] == 0.0
    assert rs["ipv6.support"].status is Status.FAIL and rs["ipv6.support"].value["score"] < 30


def test_ns_partial_and_none():
    two = [NameServer("ns1", ["2001:db8::1"]), NameServer("ns2", [])]
    assert _by(_m(nameservers=two))["ipv6.ns"].status is Status.WARN
    assert _by(_m(nameservers=[NameServer("ns1", [])]))["ipv6.ns"].status is Status.FAIL
    assert _by(_m(nameservers=[]))["ipv6.ns"].status is Status.NOT_ASSESSABLE


def test_consistency_thresholds_and_diff_evidence():
    other = PAGE.replace("第3条 新闻内容", "IPv6 站点建设中")
    r = _by(_m(v6=_ok(6, other)))["ipv6.consistency"]
    assert r.status in (Status.WARN, Status.PASS) and r.value["similarity"] > 0.9
    assert "+IPv6 站点建设中" in r.value["diff"] and "-第3条 新闻内容" in r.value["diff"]
    assert r.evidence and "IPv6 站点建设中" in r.evidence[0].text
    r = _by(_m(v6=_ok(6, "<html><body><p>维护中</p></body></html>")))["ipv6.consistency"]
    assert r.status is Status.FAIL and r.value["similarity"] < 0.9
    # Policy is configurable.
    r = _by(_m(v6=_ok(6, other)), IPv6Policy(fail_similarity=0.999, warn_similarity=0.9999))["ipv6.consistency"]
    assert r.status is Status.FAIL
    # Scripts and markup differences do not count; visible text does.
    ratio, diff = content_similarity(PAGE, PAGE.replace("var x=1", "var x=2").replace("<h1>", "<h1 class=a>"))
    assert ratio == 1.0 and diff == []
    assert visible_lines("<p>a <b>b</b></p><script>c</script><p>d</p>") == ["a b", "d"]


def test_link_rate_target_and_dead_links():
    links = [LinkResult(f"u{i}", i < 17) for i in range(20)]  # 85 %
    assert _by(_m(level2=links))["ipv6.level2"].status is Status.PASS
    links[0] = LinkResult("u0", False, v6_error="connection", v4_ok=True)  # 80 %
    r = _by(_m(level2=links))["ipv6.level2"]
    assert r.status is Status.FAIL and r.value["rate"] == 0.8 and "80.0%" in r.message
    assert _by(_m(level2=links), IPv6Policy(link_target=0.8))["ipv6.level2"].status is Status.PASS
    dead = [LinkResult("d", False, v6_status=404, v4_ok=False, v4_status=404), LinkResult("ok", True)]
    r = _by(_m(level3=dead))["ipv6.level3"]
    assert r.value["rate"] == 1.0 and r.value["dead_both"] == ["d"]
    assert _by(_m(level3=[]))["ipv6.level3"].status is Status.NOT_ASSESSABLE


def test_subresources_without_aaaa():
    r = _by(_m(subresource_hosts={"x.gov.cn": ["2001:db8::1"], "cdn.example.com": []}))["ipv6.subresources"]
    assert r.status is Status.FAIL and r.value["without_aaaa"] == ["cdn.example.com"]


def test_measurements_round_trip():
    m = _m(level2=[LinkResult("u", False, v6_error="x", v4_ok=True)])
    assert IPv6Measurements.from_dict(m.as_dict()) == m


# ---- the lab ---------------------------------------------------------------------------------------------------
SITES = {
    # name: (spec extras, expected {rule: status}, expected rates (level2, level3))
    "dual": ({}, {"ipv6.aaaa": "pass", "ipv6.ns": "pass", "ipv6.home": "pass", "ipv6.consistency": "pass",
                  "ipv6.level2": "pass", "ipv6.level3": "pass", "ipv6.support": "pass"}, (1.0, 1.0)),
    "v4only": ({}, {"ipv6.aaaa": "fail", "ipv6.home": "fail", "ipv6.consistency": "not_assessable",
                    "ipv6.level2": "fail", "ipv6.level3": "fail", "ipv6.support": "fail"}, (0.0, 0.0)),
    "v6only": ({}, {"ipv6.aaaa": "pass", "ipv6.home": "pass", "ipv6.consistency": "not_assessable",
                    "ipv6.level2": "pass", "ipv6.support": "pass"}, (1.0, 1.0)),
    "noaaaa-listen": ({}, {"ipv6.aaaa": "pass", "ipv6.home": "fail", "ipv6.consistency": "not_assessable",
                           "ipv6.level2": "fail", "ipv6.support": "fail"}, (0.0, 0.0)),
    "v6diff": ({}, {"ipv6.home": "pass", "ipv6.consistency": "fail", "ipv6.level2": "pass",
                    "ipv6.support": "fail"}, (1.0, 1.0)),
    "dual2": ({"level2": ["a.html", "b.html", "http://v4only.lab6.gov.cn/l2/x.html",
                          "http://v4only.lab6.gov.cn/l2/y.html"],
               "level3": ["sub/1.html", "sub/2.html", "sub/missing.html"]},
              {"ipv6.home": "pass", "ipv6.level2": "fail", "ipv6.level3": "pass"}, (0.5, 1.0)),
    "subres": ({"subresources": ["http://v4only.lab6.gov.cn/res/logo.png", "http://v4only.lab6.gov.cn/res/style.css",
                                 "http://subres.lab6.gov.cn/local.css"]},
               {"ipv6.home": "pass", "ipv6.subresources": "fail"}, (1.0, 1.0)),
    "old4": ({}, {"ipv6.ns": "fail", "ipv6.home": "pass"}, (1.0, 1.0)),
}
HOSTS = {"old4": "www.old4.gov.cn"}


def _spec(name: str, extra: dict) -> dict:
    base = f"http://{HOSTS.get(name, name + '.lab6.gov.cn')}/"
    absu = lambda u: u if u.startswith("http") else base + u
    return {"name": name, "home": base, "timeout": 4.0,
            "level2": [absu(u) for u in extra.get("level2", ["a.html", "b.html", "c.html"])],
            "level3": [absu(u) for u in extra.get("level3", ["sub/1.html", "sub/2.html"])],
            "subresources": extra.get("subresources", [base + "a.html"])}


@pytest.fixture(scope="module")
def lab():
    from tests.netns import Lab, LabUnavailable

    lab = Lab()
    try:
        lab.start()
    except LabUnavailable as exc:
        pytest.skip(f"IPv6 实验网络无法建立: {exc}")
    try:
        yield lab
    finally:
        lab.close()


@pytest.fixture(scope="module")
def measured(lab):
    raw = lab.measure([_spec(n, extra) for n, (extra, _, _) in SITES.items()])
    return {n: IPv6Measurements.from_dict(d) for n, d in raw.items()}


@pytest.fixture(scope="module")
def scored(measured):
    return {n: {r.rule: r for r in score_ipv6(m)} for n, m in measured.items()}


def test_lab_support_rates(scored, capsys):
    rows = []
    for name, (_, _, (e2, e3)) in SITES.items():
        rs = scored[name]
        r2, r3 = rs["ipv6.level2"].value["rate"], rs["ipv6.level3"].value["rate"]
        rows.append((name, r2, e2, r3, e3, rs["ipv6.support"].value["score"], rs["ipv6.support"].status.value))
    with capsys.disabled():
        print("\nsite            二级 measured/expected   三级 measured/expected   支持度")
        for name, r2, e2, r3, e3, score, st in rows:
            print(f"{name:15} {r2!s:>8} / {e2!s:<8}          {r3!s:>8} / {e3!s:<8}        {score} ({st})")
    assert [(n, r2, r3) for n, r2, _, r3, _, _, _ in rows] == [(n, e2, e3) for n, _, e2, _, e3, _, _ in rows]


@pytest.mark.parametrize("name", list(SITES))
def test_lab_site(scored, name):
    _, expected, _ = SITES[name]
    got = {rule: scored[name][rule].status.value for rule in expected}
    assert got == expected, {r: scored[name][r].message for r in expected}


def test_lab_details(measured, scored):
    # A/AAAA answers come from the lab's dnsmasq, over the configured dns_server.
    assert measured["v4only"].aaaa == [] and measured["v4only"].a == ["198.18.0.3"]
    assert measured["v6only"].a == [] and measured["v6only"].aaaa[0].startswith("fd42:")
    # Fetches are pinned to one family: the IPv6 fetch used the AAAA address, with the Host header kept.
    dual = measured["dual"]
    assert dual.v6.address == dual.aaaa[0] and dual.v4.address == dual.a[0]
    assert "双栈市人民政府" in dual.v6.body
    assert dual.tcp6 == {80: True, 443: False}
    # AAAA published with nothing listening: a connection failure, not a DNS one.
    nl = measured["noaaaa-listen"]
    assert nl.v4.ok and not nl.v6.ok and nl.v6.error.startswith("connection") and nl.tcp6[80] is False
    assert "无法通过 IPv6 访问" in scored["noaaaa-listen"]["ipv6.home"].message
    # Different content over IPv6: the differing lines are the evidence.
    c = scored["v6diff"]["ipv6.consistency"]
    assert c.value["similarity"] < 0.9 and any("IPv6 版本正在建设中" in ln for ln in c.value["diff"])
    assert c.evidence and "建设中" in c.evidence[0].text
    # The v4-only 二级 links fail for want of an AAAA record; the dead 三级 link is not counted.
    l2 = scored["dual2"]["ipv6.level2"].value
    assert sorted(f["url"].rsplit("/", 1)[1] for f in l2["failed"]) == ["x.html", "y.html"]
    assert all(f["error"].startswith("no_address") for f in l2["failed"])
    assert scored["dual2"]["ipv6.level3"].value["dead_both"][0].endswith("missing.html")
    assert scored["subres"]["ipv6.subresources"].value["without_aaaa"] == ["v4only.lab6.gov.cn"]
    assert [n.name for n in measured["old4"].nameservers] == ["ns.old4.gov.cn"]


def test_lab_chromium_over_ipv6_only(lab):
    """The home page rendered in Chromium (client namespace) with each site name mapped to its IPv6 address only
    and IPv4-only hosts unresolvable: what an IPv6-only visitor sees."""
    from pathlib import Path

    from browsers.launch import CHROMIUM_PATH

    if not Path(CHROMIUM_PATH).exists():
        pytest.skip(f"没有 Chromium: {CHROMIUM_PATH}")
    v6 = lambda n: f"[{lab.v6(n)}]"
    no4 = {"v4only.lab6.gov.cn": "~NOTFOUND"}
    dual, diff, sub, refused = lab.render([
        ("http://dual.lab6.gov.cn/", {"dual.lab6.gov.cn": v6(2), **no4}),
        ("http://v6diff.lab6.gov.cn/", {"v6diff.lab6.gov.cn": v6(6), **no4}),
        ("http://subres.lab6.gov.cn/", {"subres.lab6.gov.cn": v6(8), **no4}),
        ("http://noaaaa-listen.lab6.gov.cn/", {"noaaaa-listen.lab6.gov.cn": v6(5), **no4})])
    assert dual["status"] == 200 and dual["title"] == "双栈市人民政府" and not dual["failed_requests"]
    assert diff["status"] == 200 and "IPv6 版本正在建设中" in diff["text"]  # the IPv6 server's page
    assert sub["status"] == 200
    assert {r["url"].rsplit("/", 1)[1] for r in sub["failed_requests"]} == {"logo.png", "style.css"}
    assert all("NAME_NOT_RESOLVED" in r["error"] for r in sub["failed_requests"])
    assert refused["error_kind"] == "connection" and "CONNECTION_REFUSED" in refused["error"]


def test_lab_refuses_without_root(monkeypatch):
    """Without root the lab says why (the lab fixture turns that into a skip) and creates nothing."""
    import subprocess

    from tests import netns

    monkeypatch.setattr(netns.os, "geteuid", lambda: 1000)
    lab = netns.Lab()
    with pytest.raises(netns.LabUnavailable, match="root"):
        lab.start()
    assert lab.namespaces == [] and lab.procs == []
    listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=False).stdout
    assert lab.client not in listed


def test_govaudit_ipv6_command_crawls_and_follows_the_dns_server(lab, tmp_path):
    """`govaudit ipv6` inside the client namespace: the browser follows the lab resolver's address for the home
    page (GOVAUDIT_DNS_SERVER), the crawl finds the 二级/三级 links, and the checks join the site result."""
    out = tmp_path / "v6.json"
    tmp_path.chmod(0o777)
    res = lab.run_client([str(ROOT / ".venv/bin/govaudit"), "ipv6", "http://dual.lab6.gov.cn/", "--no-ocr",
                          "--max-pages", "10", "--json", str(out), "--database-url", f"sqlite:///{tmp_path}/g.db",
                          "--evidence-dir", str(tmp_path / "ev")], timeout=180)
    assert res.returncode in (0, 1), res.stderr[-2000:]
    doc = json.loads(out.read_text(encoding="utf-8"))
    got = {c["rule"]: c for c in doc["ipv6"]}
    assert got["ipv6.aaaa"]["status"] == "pass" and got["ipv6.home"]["status"] == "pass"
    assert got["ipv6.level2"]["value"]["total"] >= 1 and got["ipv6.level2"]["value"]["rate"] == 1.0
    assert got["ipv6.support"]["status"] == "pass"
    assert doc["run"]["pages_done"] >= 2  # the home page and its links were audited in the browser
    render = got["ipv6.home"]["value"]["ipv6_render"]  # the home page rendered in Chromium over IPv6 only
    assert render["ok"] and render["address"].startswith("fd42:")
    shot = (tmp_path / "ev" / render["screenshot"]).read_bytes()
    assert shot[:8] == b"\x89PNG\r\n\x1a\n" and hashlib.sha256(shot).hexdigest() == render["sha256"]
