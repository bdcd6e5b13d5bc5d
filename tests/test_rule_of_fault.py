"""The rule of fault (auditor/fault.py) without a browser: verdicts on saved page facts and on constructed facts,
the national-service probe against local servers, and a rule that raises failing alone.

The Chromium side of the same classes is the sample site's variants (tests/test_sample_site_audit.py): the badge
script on an unreachable host, its image unreachable, its image answered 404 by the site itself, the service
answering and drawing nothing, and jiucuo.js unreachable.
"""
from __future__ import annotations

import asyncio
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from auditor import facts_io, fault
from auditor.fault import host_of
from auditor.models import CheckResult, PageFacts, SiteProfile, Status
from auditor.rules import ALL_KINDS, Rule, run_one, run_rules
from tests.servers import start

SNAPS = Path(__file__).parent / "snapshots" / "fault"


def _verdicts(name: str) -> dict[str, CheckResult]:
    facts, site, kind = facts_io.load(facts_io.read(SNAPS / f"{name}.json.gz"))
    return {c.rule: c for c in run_rules(facts, site, kind)}


@pytest.mark.parametrize("variant, rule, status, names", [
    # the badge script's host is down: the page refers to it, the auditor could not load it
    ("conac-unreachable", "footer.conac", Status.NOT_ASSESSABLE, ["dcs.conac.cn", "CA330000000600000000001.js"]),
    # a static badge link whose picture comes from the unreachable service
    ("conac-image-unreachable", "footer.conac", Status.NOT_ASSESSABLE,
     ["dcs.conac.cn", "128D80BE779F1937E053022819ACF306"]),
    # the site's own server answers 404 for its badge picture: the site's fault
    ("conac-image-404", "footer.conac", Status.FAIL, ["不可见"]),
    # the service answered and its script drew nothing: still a fail
    ("conac-silent", "footer.conac", Status.FAIL, ["服务已应答"]),
    ("jiucuo-unreachable", "footer.jiucuo", Status.NOT_ASSESSABLE, ["zfwzgl.www.gov.cn", "3399000001"]),
    ("conac-static-link", "footer.conac", Status.PASS, ["bszs.conac.cn"]),
])
def test_saved_facts_give_the_verdict_of_fault(variant, rule, status, names):
    c = _verdicts(variant)[rule]
    assert c.status is status, c.message
    for n in names:
        assert n in c.message, (n, c.message)
    if status is Status.NOT_ASSESSABLE:
        assert c.value["unreachable"]["host"] in c.message
        assert c.value["would_be"] == "fail"


def _facts(failed=(), pending=(), services=None, reached=()) -> PageFacts:
    return PageFacts(url="http://www.site.gov.cn/a.html", final_url="http://www.site.gov.cn/a.html", status=200,
                     probe={}, failed_requests=list(failed), pending_requests=list(pending),
                     services=services or {}, reached_hosts=list(reached))


def _fail(*deps: str) -> CheckResult:
    return CheckResult("x.rule", Status.FAIL, "某指标", "未显示", depends_on=list(deps), shown="页面引用了 X")


@pytest.mark.parametrize("failure, verdict", [
    ({"url": "https://cdn.other.cn/t.js", "error": "net::ERR_NAME_NOT_RESOLVED"}, Status.NOT_ASSESSABLE),
    ({"url": "https://cdn.other.cn/t.js", "error": "net::ERR_CONNECTION_REFUSED"}, Status.NOT_ASSESSABLE),
    ({"url": "https://cdn.other.cn/t.js", "error": "net::ERR_CONNECTION_RESET"}, Status.NOT_ASSESSABLE),
    ({"url": "https://cdn.other.cn/t.js", "error": "net::ERR_TIMED_OUT"}, Status.NOT_ASSESSABLE),
    ({"url": "https://cdn.other.cn/t.js", "status": 503}, Status.NOT_ASSESSABLE),
    # the other host answered that the reference is wrong: the site's fault
    ({"url": "https://cdn.other.cn/t.js", "status": 404}, Status.FAIL),
    # the site's own server failing is the site's doing, whatever the error
    ({"url": "http://www.site.gov.cn/t.js", "error": "net::ERR_CONNECTION_RESET"}, Status.FAIL),
    ({"url": "http://www.site.gov.cn/t.js", "status": 404}, Status.FAIL),
    # the site's own host over the other scheme, refused: the auditor reached the site over http only
    ({"url": "https://www.site.gov.cn/t.js", "error": "net::ERR_CONNECTION_REFUSED"}, Status.NOT_ASSESSABLE),
    ({"url": "https://www.site.gov.cn/t.js", "status": 404}, Status.FAIL),
    # the browser gave up for a reason of its own (not the network): no evidence either way, the fail stands
    ({"url": "https://cdn.other.cn/t.js", "error": "net::ERR_BLOCKED_BY_CLIENT"}, Status.FAIL),
])
def test_which_failures_are_the_auditors_side(failure, verdict):
    out = fault.adjudicate(_fail(failure["url"]), _facts(failed=[failure]))
    assert out.status is verdict
    if verdict is Status.NOT_ASSESSABLE:
        assert host_of(failure["url"]) in out.message and "页面引用了 X" in out.message


def test_a_request_still_pending_at_probe_time_is_the_auditors_side():
    out = fault.adjudicate(_fail("https://slow.other.cn/t.js"),
                           _facts(pending=[{"url": "https://slow.other.cn/t.js", "error": "pending"}]))
    assert out.status is Status.NOT_ASSESSABLE and "slow.other.cn" in out.message


def test_a_host_down_for_one_request_is_down_for_the_dependency_too():
    out = fault.adjudicate(_fail("https://dcs.conac.cn/js/1.js"),
                           _facts(failed=[{"url": "https://dcs.conac.cn/image/red.png",
                                           "error": "net::ERR_NAME_NOT_RESOLVED"}]))
    assert out.status is Status.NOT_ASSESSABLE


def test_the_run_probe_counts_only_for_hosts_the_page_did_not_reach():
    down = {"dcs.conac.cn": {"host": "dcs.conac.cn", "url": "https://dcs.conac.cn/", "ok": False,
                             "error": "timeout", "reason": "连接超时"}}
    unreached = fault.adjudicate(_fail("https://dcs.conac.cn/js/1.js"), _facts(services=down))
    assert unreached.status is Status.NOT_ASSESSABLE and unreached.value["unreachable"]["source"] == "probe"
    answered = fault.adjudicate(_fail("https://dcs.conac.cn/js/1.js"),
                                _facts(services=down, reached=["dcs.conac.cn"]))
    assert answered.status is Status.FAIL


def test_a_fail_with_no_dependency_stays_a_fail():
    c = CheckResult("x.rule", Status.FAIL, "某指标", "未找到")
    assert fault.adjudicate(c, _facts(failed=[{"url": "https://a.cn/x", "error": "net::ERR_TIMED_OUT"}])) is c


def test_a_rule_that_raises_is_not_assessable_alone():
    def broken(facts: PageFacts, site: SiteProfile) -> CheckResult:
        raise KeyError("header")

    out = run_one(Rule("x.broken", "某指标", ALL_KINDS, broken), _facts(), SiteProfile("某网站"))
    assert out.status is Status.NOT_ASSESSABLE
    assert out.value["error_class"] == "KeyError" and "KeyError" in out.message
    # the other rules of the page still run on the same facts
    assert len(run_rules(_facts(), SiteProfile("某网站"), "article")) > 5


def _answering(status: int):
    class H(BaseHTTPRequestHandler):
        def log_message(self, *a: object) -> None:
            pass

        def do_HEAD(self) -> None:
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_HEAD

    return H


def test_national_services_probe(settings):
    """Reachable (even a 404 front page shows the service is up), down (an outage answer), and unresolvable."""
    from auditor.services import unreachable_lines
    from browsers.service_probe import probe_services

    up, up_port = start(_answering(404))
    down, down_port = start(_answering(503))
    try:
        s = settings.replace(standins=False, national_services=[
            f"http://up.service.test:{up_port}/", f"http://down.service.test:{down_port}/",
            "https://dcs.conac.cn/"], host_map={"up.service.test": "127.0.0.1", "down.service.test": "127.0.0.1"})
        got = asyncio.run(probe_services(s))
    finally:
        up.shutdown()
        down.shutdown()
    assert got["up.service.test"]["ok"] is True and got["up.service.test"]["http_status"] == 404
    assert got["down.service.test"]["ok"] is False and "503" in got["down.service.test"]["reason"]
    assert got["dcs.conac.cn"]["ok"] is False
    lines = unreachable_lines(got)
    assert any(line.startswith("本次检查无法访问 dcs.conac.cn") and "党政机关网站标识" in line for line in lines)
    assert not any("up.service.test" in line for line in lines)


def test_a_finding_only_on_a_national_service_markup_is_marked_and_never_fails():
    """The 党政机关网站标识 the conac service draws is not the site's to fix: «非网站可整改», never a fail."""
    from auditor.rules.a11y_axe import _finding

    badge = {"id": "image-alt", "impact": "critical", "tags": ["wcag2a", "wcag111"], "help": "图像必须有替代文本",
             "description": "", "help_url": "", "count": 1,
             "nodes": [{"target": "#imgConac", "html": '<img id="imgConac" src="//dcs.conac.cn/image/red.png">',
                        "summary": ""}]}
    c = _finding(badge, False, "4.14.1", 5)
    assert c.status is Status.WARN and c.message.startswith("非网站可整改") and c.value["not_site_fixable"]
    own = {**badge, "nodes": [{"target": "#logo", "html": '<img id="logo" src="/logo.png">', "summary": ""}]}
    c = _finding(own, False, "4.14.1", 5)
    assert c.status is Status.FAIL and not c.value["not_site_fixable"]
    both = {**badge, "count": 2, "nodes": badge["nodes"] + own["nodes"]}
    assert _finding(both, False, "4.14.1", 5).status is Status.FAIL


def test_stand_ins_count_as_reachable_only_on_the_engine_that_serves_them(settings):
    """The stand-ins for conac and 找错 are Playwright routes: with the Selenium engine the browser cannot load them,
    so the probe must not call those services reachable (a badge not drawn would otherwise fail the site)."""
    from browsers.service_probe import probe_services

    s = settings.replace(standins=True, isolate_network=True, national_services=["https://dcs.conac.cn/"])
    assert asyncio.run(probe_services(s))["dcs.conac.cn"]["ok"] is True
    got = asyncio.run(probe_services(s.replace(engine="selenium")))["dcs.conac.cn"]
    assert got["ok"] is False and got["reason"]


def test_an_unreachable_host_says_its_reason_once():
    from auditor.fault import Unreachable

    same = Unreachable("dcs.conac.cn", "https://dcs.conac.cn/", "离线运行", "离线运行", "probe")
    assert same.describe() == "dcs.conac.cn（离线运行）"
    both = Unreachable("dcs.conac.cn", "https://dcs.conac.cn/", "net::ERR_NAME_NOT_RESOLVED", "域名无法解析", "page")
    assert both.describe() == "dcs.conac.cn（域名无法解析：net::ERR_NAME_NOT_RESOLVED）"
