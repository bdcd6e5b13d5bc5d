"""站点无法访问: verdict thresholds, slot arithmetic, idempotent probe storage (SQLite and PostgreSQL), the
prober against real local servers, and a monitored week on a fake clock with outages and a monitor restart."""
from __future__ import annotations

import asyncio
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from auditor.availability import CST, DEFAULT_INTERVAL_S, ProbeRecord, probes_per_day, schedule, slot_start, verdict
from auditor.config import Settings
from auditor.models import Status
from auditor.netpolicy import TargetRefused
from auditor.site_rules.availability import INDICATOR, RULE, to_site_check
from auditor.store import Store
from auditor.store.availability import last_slot, probes, record_probe
from tests.servers import _Server, start
from workers.monitor import map_host, probe_once, run_monitor, site_offsets

pytestmark = [pytest.mark.services]

HOUR = 3600
# Midnight, 3 March 2025, China Standard Time: a slot boundary (slots are whole UTC hours).
T0 = datetime(2025, 3, 3, tzinfo=CST).astimezone(timezone.utc)
S0 = schedule(HOUR, T0)
END = T0 + timedelta(days=7)


def week(per_day: list[int] | int = 24, fail: set[int] | None = None, site: str = "http://www.x.gov.cn/",
         start: datetime = T0) -> list[ProbeRecord]:
    """Probes evenly spread over each day of the week starting at ``start``; indexes in ``fail`` failed."""
    counts = [per_day] * 7 if isinstance(per_day, int) else per_day
    out: list[ProbeRecord] = []
    for d, n in enumerate(counts):
        for k in range(n):
            t = start + timedelta(days=d) + timedelta(seconds=k * 86400 / n)
            i = len(out)
            bad = fail is not None and i in fail
            out.append(ProbeRecord(site, i, t, not bad, 120, None if bad else 200, "连接被拒绝" if bad else None))
    return out


# --- verdict ---------------------------------------------------------------------------------------------

def test_exactly_five_percent_fails() -> None:
    ps = week(20, fail=set(range(0, 140, 20)))  # 7 of 140 = 5 % exactly: 超过（含） includes the boundary
    v = verdict(ps, END)
    assert (v.total, v.failures, v.complete, v.missing) == (140, 7, True, 0)
    assert v.ratio == 0.05
    assert v.status is Status.FAIL
    assert "单项否决" in v.message and "140次" in v.message and "7次" in v.message and "5.00%" in v.message
    assert [d.total for d in v.per_day] == [20] * 7 and [d.failures for d in v.per_day] == [1] * 7


def test_just_below_five_percent_passes() -> None:
    # 499 of 10 000 = 4.99 %.
    ps = week([1429, 1429, 1429, 1429, 1428, 1428, 1428], fail=set(range(0, 499 * 20, 20)))
    v = verdict(ps, END)
    assert (v.total, v.failures) == (10000, 499)
    assert v.status is Status.PASS and abs(v.ratio - 0.0499) < 1e-12
    assert "4.99%" in v.message and "低于5%" in v.message
    # One more failure reaches 5 %.
    ps[1].ok = False
    assert verdict(ps, END).status is Status.FAIL


def test_fewer_than_twenty_a_day_is_not_assessable() -> None:
    counts = [24, 24, 19, 24, 24, 24, 24]
    ps = week(counts, fail=set(range(0, 60)))  # would fail badly, but the monitoring is incomplete
    v = verdict(ps, END)
    assert v.status is Status.NOT_ASSESSABLE and not v.complete
    assert v.missing == 1
    assert "缺少1次" in v.message and "第3天（2025-03-05）19次" in v.message
    # Twenty a day is enough (20次以上 includes 20).
    assert verdict(week(20), END).status is Status.PASS
    # Nothing at all: 140 missing.
    empty = verdict([], END)
    assert (empty.status, empty.missing, empty.total, empty.ratio) == (Status.NOT_ASSESSABLE, 140, 0, 0.0)
    assert "缺少140次" in empty.message
    # Only three days monitored so far.
    v3 = verdict(week(24)[: 24 * 3], END)
    assert v3.status is Status.NOT_ASSESSABLE and v3.missing == 4 * 20


def test_window_and_duplicates() -> None:
    ps = week(24)
    before = ProbeRecord("http://www.x.gov.cn/", -1, T0 - timedelta(seconds=1), False, None, None, "连接被拒绝")
    at_end = ProbeRecord("http://www.x.gov.cn/", 10_000, END, False, None, None, "连接被拒绝")
    dup = ProbeRecord(ps[5].site_url, ps[5].slot, ps[5].probed_at, False, None, None, "x")
    v = verdict([before, *ps, at_end, dup], END)
    assert (v.total, v.failures, v.status) == (168, 0, Status.PASS)  # window is [now - 7 days, now)
    # Naive times are UTC; the answer does not depend on the time zone the caller used.
    assert verdict(ps, END.astimezone(CST)).total == 168
    assert verdict(ps, END.replace(tzinfo=None)).total == 168


def test_to_site_check_lists_failures() -> None:
    ps = week(24, fail={0, 30})
    c = to_site_check(verdict(ps, END))
    assert (RULE, INDICATOR) == ("site.availability", "站点无法访问")
    assert (c.rule, c.indicator, c.status) == (RULE, INDICATOR, Status.PASS)
    val = c.value
    assert (val["total"], val["failures"], val["complete"], val["missing"]) == (168, 2, True, 0)
    assert val["failed"][0] == {"time": "2025-03-03T00:00:00+08:00", "slot": 0, "error": "连接被拒绝",
                                "http_status": None, "elapsed_ms": 120}
    assert val["failed"][1]["time"] == "2025-03-04T06:00:00+08:00"
    assert val["per_day"][0] == {"day": 1, "date": "2025-03-03", "start": "2025-03-03T00:00:00+08:00",
                                 "end": "2025-03-04T00:00:00+08:00", "total": 24, "failures": 1}
    assert val["window"] == {"start": "2025-03-03T00:00:00+08:00", "end": "2025-03-10T00:00:00+08:00", "days": 7}
    bad = to_site_check(verdict(week(24, fail=set(range(9))), END))
    assert bad.status is Status.FAIL and bad.message.startswith("站点无法访问（单项否决）")


# --- slots ------------------------------------------------------------------------------------------------

def test_slot_arithmetic() -> None:
    t = datetime(2025, 1, 1, tzinfo=timezone.utc)
    assert schedule(3600, t) == 1735689600 // 3600 == 482136
    assert schedule(3600, t + timedelta(minutes=59, seconds=59, microseconds=999999)) == 482136
    assert schedule(3600, t + timedelta(hours=1)) == 482137
    assert schedule(3600, t - timedelta(microseconds=1)) == 482135
    assert schedule(3600, t.replace(tzinfo=None)) == 482136  # naive = UTC
    assert schedule(3600, t.astimezone(CST)) == 482136  # the same instant, whatever the zone
    assert slot_start(482136, 3600) == t
    assert schedule(300, t) == 1735689600 // 300
    assert DEFAULT_INTERVAL_S == 3600 and probes_per_day(DEFAULT_INTERVAL_S) == 24 >= 20
    day = {schedule(DEFAULT_INTERVAL_S, t + timedelta(seconds=s)) for s in range(0, 86400, 60)}
    assert len(day) == 24
    with pytest.raises(ValueError):
        schedule(0, t)
    # Sites are spread over the slot, groups two timeouts apart at most 120 a slot for 15 s probes.
    assert site_offsets(["a", "b"], 3600, 0.3) == {"a": 0.0, "b": 1800.0}
    offs = site_offsets([str(i) for i in range(1000)], 3600, 15.0)
    assert len(set(offs.values())) == 120 and max(offs.values()) == 3600 - 30


# --- storage ----------------------------------------------------------------------------------------------

def _storage_roundtrip(store: Store) -> None:
    store.upgrade()
    site = "http://www.x.gov.cn/"
    at = datetime(2025, 3, 3, 8, 0, 5, tzinfo=CST)
    assert last_slot(store, site) is None
    rec = ProbeRecord(site, 100, at, True, 230, 200, None)
    assert record_probe(store, rec) is True
    # Same site and slot again, even with other data: nothing written.
    assert record_probe(store, ProbeRecord(site, 100, at + timedelta(minutes=1), False, None, None, "连接被拒绝")) \
        is False
    assert record_probe(store, rec) is False
    assert record_probe(store, ProbeRecord(site, 101, at + timedelta(hours=1), False, 15000, None, "超时（15秒）"))
    assert record_probe(store, ProbeRecord("http://www.y.gov.cn/", 100, at, True, 10, 200, None))  # other site
    assert last_slot(store, site) == 101 and last_slot(store, "http://www.y.gov.cn/") == 100
    got = probes(store, site, at - timedelta(days=1), at + timedelta(days=1))
    assert got == [ProbeRecord(site, 100, at.astimezone(timezone.utc), True, 230, 200, None),
                   ProbeRecord(site, 101, (at + timedelta(hours=1)).astimezone(timezone.utc), False, 15000, None,
                               "超时（15秒）")]
    assert got[0].probed_at.tzinfo is not None and got[0].probed_at == at
    # [since, until): the bounds work across time zones.
    assert [p.slot for p in probes(store, site, at, at + timedelta(hours=1))] == [100]
    assert [p.slot for p in probes(store, site, at + timedelta(seconds=1))] == [101]
    assert [p.slot for p in probes(store, site, until=at.astimezone(timezone.utc).replace(tzinfo=None))] == []
    assert len(probes(store, site)) == 2


def test_record_probe_idempotent_sqlite(tmp_path: Path) -> None:
    _storage_roundtrip(Store(f"sqlite:///{tmp_path}/x.db"))


@pytest.mark.postgres
def test_record_probe_idempotent_postgres(pg_url: str) -> None:
    store = Store(pg_url)
    try:
        _storage_roundtrip(store)
    finally:
        store.engine.dispose()


# --- the prober -------------------------------------------------------------------------------------------

def _echo_server(routes: dict[str, tuple[int, dict[str, str], bytes, float]]):
    """Answers path -> (status, headers, body, delay seconds) and echoes the Host header on /host."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *a: object) -> None:
            pass

        def do_GET(self) -> None:
            try:
                if self.path == "/host":
                    status, headers, body, delay = 200, {}, (self.headers.get("Host") or "").encode(), 0.0
                else:
                    status, headers, body, delay = routes.get(self.path, (404, {}, b"not found", 0.0))
                time.sleep(delay)
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except OSError:
                pass

    return start(Handler)


def test_probe_once_outcomes() -> None:
    srv, port = _echo_server({
        "/": (200, {}, "首页".encode(), 0.0),
        "/jump": (302, {"Location": "http://www.b.gov.cn/host"}, b"", 0.0),
        "/slow": (200, {}, b"late", 1.0),
        "/err": (503, {}, b"down", 0.0),
        "/empty": (200, {}, b"", 0.0),
        "/loop": (302, {"Location": "/loop"}, b"", 0.0),
        "/priv": (302, {"Location": "http://www.c.gov.cn/"}, b"", 0.0),
    })
    hm = {"www.a.gov.cn": f"127.0.0.1:{port}", "*.b.gov.cn": f"127.0.0.1:{port}", "www.c.gov.cn": "127.0.0.2"}
    s = Settings(allow_private=True, isolate_network=True, host_map=hm)

    async def go() -> None:
        ok = await probe_once("www.a.gov.cn", s, 2.0, slot=7)
        assert (ok.site_url, ok.slot, ok.ok, ok.http_status, ok.error) == ("http://www.a.gov.cn/", 7, True, 200, None)
        assert 0 <= ok.elapsed_ms < 2000 and ok.probed_at.tzinfo is not None
        # A redirect to another mapped host: followed, Host header kept (the server echoes it).
        hop = await probe_once("http://www.a.gov.cn/jump", s, 2.0)
        assert hop.ok and hop.http_status == 200
        slow = await probe_once("http://www.a.gov.cn/slow", s, 0.3)
        assert not slow.ok and slow.error == "超时（0.3秒）" and 250 <= slow.elapsed_ms < 5000
        assert (await probe_once("http://www.a.gov.cn/slow", s)).error is None  # 15 s by default
        err = await probe_once("http://www.a.gov.cn/err", s, 2.0)
        assert (err.ok, err.http_status, err.error) == (False, 503, "HTTP 503（服务器错误）")
        assert (await probe_once("http://www.a.gov.cn/nothing", s, 2.0)).error == "HTTP 404（页面不存在）"
        assert (await probe_once("http://www.a.gov.cn/empty", s, 2.0)).error == "HTTP 200，页面内容为空"
        assert (await probe_once("http://www.a.gov.cn/loop", s, 2.0)).error.startswith("重定向次数过多")
        # Unmapped host with the network isolated: 域名无法解析, no lookup made.
        assert (await probe_once("http://www.unmapped.gov.cn/", s, 2.0)).error == "域名无法解析"
        # Nothing listening: 连接被拒绝 (port 1 on loopback).
        s_closed = s.replace(host_map={"www.a.gov.cn": "127.0.0.1:1"})
        assert (await probe_once("http://www.a.gov.cn/", s_closed, 2.0)).error == "连接被拒绝"
        # Private targets are refused (not a site failure: raised, not recorded), also through a redirect.
        with pytest.raises(TargetRefused):
            await probe_once("http://www.a.gov.cn/", s.replace(allow_private=False), 2.0)
        allow_one = s.replace(allow_private=False, private_allowlist=["127.0.0.1/32"])
        assert (await probe_once("http://www.a.gov.cn/", allow_one, 2.0)).ok
        with pytest.raises(TargetRefused):
            await probe_once("http://www.a.gov.cn/priv", allow_one, 2.0)
        with pytest.raises(TargetRefused):
            await probe_once("ftp://www.a.gov.cn/", s, 2.0)

    try:
        asyncio.run(go())
    finally:
        srv.shutdown()
        srv.server_close()
    assert map_host("www.a.gov.cn", 443, {"www.a.gov.cn": "127.0.0.1"}) == ("127.0.0.1", 443)
    assert map_host("x.b.gov.cn", 80, {"*.b.gov.cn": "[::1]:81"}) == ("::1", 81)
    assert map_host("www.z.gov.cn", 80, {"www.a.gov.cn": "127.0.0.1:1"}) is None


# --- the monitor on a fake clock --------------------------------------------------------------------------

class FakeClock:
    """Time stands still except when the monitor sleeps; each sleep moves it and calls the hooks."""

    def __init__(self, t: datetime):
        self.t = t
        self.hooks: list = []

    def now(self) -> datetime:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.t += timedelta(seconds=seconds)
        for hook in self.hooks:
            await hook(self.t)
        await asyncio.sleep(0)


def test_skipped_slots_and_same_slot_restart(tmp_path: Path) -> None:
    """Slots that pass while the monitor is down stay absent; a restart within a slot does not re-probe it."""
    store = Store(f"sqlite:///{tmp_path}/m.db")
    store.upgrade()
    clock = FakeClock(T0 + timedelta(minutes=10))
    calls: list[tuple[str, int]] = []

    async def fake_probe(url, settings, timeout, *, slot, probed_at, site_url):
        calls.append((url, slot))
        return ProbeRecord(site_url, slot, probed_at, True, 1, 200, None)

    async def go() -> list[int]:
        kw = dict(interval_s=HOUR, clock=clock.now, sleep=clock.sleep, probe=fake_probe)
        assert await run_monitor(store, Settings(), ["www.a.gov.cn"], stop_after_slots=3, **kw) == 3
        # Slot 0 was probed late (10 past), 1 and 2 on the hour; the clock stands in slot 2, already stored.
        assert clock.t == T0 + timedelta(hours=2)
        assert await run_monitor(store, Settings(), ["http://www.a.gov.cn/"], stop_after_slots=1, **kw) == 0
        assert await run_monitor(store, Settings(), ["http://www.a.gov.cn/"], stop_after_slots=2, **kw) == 1
        assert await run_monitor(store, Settings(), ["http://www.a.gov.cn/"], stop_after_slots=1, **kw) == 0
        clock.t += timedelta(hours=10, minutes=30)  # monitor down until 13:30
        assert await run_monitor(store, Settings(), ["http://www.a.gov.cn/"], stop_after_slots=2, **kw) == 2
        assert [p.probed_at - T0 for p in probes(store, "http://www.a.gov.cn/")][-2:] == [
            timedelta(hours=13, minutes=30), timedelta(hours=14)]  # the current slot at once, late
        return [p.slot - S0 for p in probes(store, "http://www.a.gov.cn/")]

    slots = asyncio.run(go())
    assert slots == [0, 1, 2, 3, 13, 14]
    assert [s - S0 for _, s in calls] == slots  # never probed a stored slot again
    v = verdict(probes(store, "http://www.a.gov.cn/"), T0 + timedelta(days=7))
    assert v.status is Status.NOT_ASSESSABLE and v.total == 6 and v.missing == 140 - 6


def test_monitored_week_with_outages_and_restart(tmp_path: Path) -> None:
    """A week at 24 probes a day against a real local server that goes down, hangs and errs; the monitor is
    killed after a probe finished but before it was stored, and restarted on the same store."""
    flaky, steady = "http://www.flaky.gov.cn/", "http://www.steady.gov.cn/"
    down_hours = {30, 31, 32}  # server stopped: connection refused for both sites
    hang_hours = {50, 51}  # flaky does not answer within the probe timeout (0.5 s here, 15 s in production)
    err_hours = {100, 101, 102}  # flaky: HTTP 503
    empty_hours = {120}  # flaky: 200 with an empty body
    clock = FakeClock(T0)
    requests: list[tuple[str, int]] = []
    lock = threading.Lock()
    release = threading.Event()  # hanging requests are answered only at the end

    def hour() -> int:
        return int((clock.t - T0).total_seconds() // HOUR)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *a: object) -> None:
            pass

        def do_GET(self) -> None:
            try:
                host = (self.headers.get("Host") or "").split(":")[0]
                h = hour()
                if self.path == "/":  # every home page redirects to its index page first
                    with lock:
                        requests.append((host, h))
                    self.send_response(302)
                    self.send_header("Location", "/index.html")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                status, body = 200, f"<html><title>{host}</title>首页</html>".encode()
                if host == "www.flaky.gov.cn":
                    if h in hang_hours:
                        release.wait(20)
                    elif h in err_hours:
                        status, body = 503, b"Service Unavailable"
                    elif h in empty_hours:
                        body = b""
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except OSError:
                pass

    server = {"srv": _Server(("127.0.0.1", 0), Handler)}
    port = server["srv"].server_address[1]
    threading.Thread(target=server["srv"].serve_forever, daemon=True).start()

    async def switch(t: datetime) -> None:
        up = server["srv"] is not None
        want = hour() not in down_hours
        if up and not want:
            srv, server["srv"] = server["srv"], None
            await asyncio.to_thread(srv.shutdown)
            srv.server_close()
        elif want and not up:
            server["srv"] = _Server(("127.0.0.1", port), Handler)  # same port again
            threading.Thread(target=server["srv"].serve_forever, daemon=True).start()

    clock.hooks.append(switch)
    store = Store(f"sqlite:///{tmp_path}/week.db")
    store.upgrade()
    settings = Settings(allow_private=True, isolate_network=True,
                        host_map={"www.flaky.gov.cn": f"127.0.0.1:{port}", "www.steady.gov.cn": f"127.0.0.1:{port}"})
    crash_at = (steady, S0 + 80)

    async def go() -> tuple[int, int, int]:
        crash = asyncio.Event()

        async def crashing_probe(url, st, timeout, **kw):
            rec = await probe_once(url, st, timeout, **kw)
            if (url, kw["slot"]) == crash_at and not crash.is_set():
                crash.set()  # probed, not yet stored: the process dies here
                await asyncio.Event().wait()
            return rec

        kw = dict(interval_s=HOUR, timeout=0.5, clock=clock.now, sleep=clock.sleep)
        first = asyncio.create_task(run_monitor(store, settings, [flaky, steady], probe=crashing_probe, **kw))
        await asyncio.wait_for(crash.wait(), 30)
        first.cancel()
        with pytest.raises(asyncio.CancelledError):
            await first
        before = (len(probes(store, flaky)), len(probes(store, steady)))
        assert before == (81, 80)  # flaky probed slot 80 at :00; steady's slot 80 (at :30) was lost with the crash
        assert clock.t == T0 + timedelta(hours=80, minutes=30)
        stored = await run_monitor(store, settings, [flaky, steady], stop_after_slots=168 - 80, **kw)
        return before[0] + before[1], stored, len(requests)

    t_start = time.monotonic()
    try:
        before, stored_after, n_requests = asyncio.run(go())
    finally:
        release.set()
        if server["srv"] is not None:
            server["srv"].shutdown()
            server["srv"].server_close()
    assert time.monotonic() - t_start < 30
    assert stored_after == (168 - 81) + (168 - 80)
    assert clock.t == T0 + timedelta(hours=167, minutes=30)

    for site, offset in ((flaky, 0), (steady, 30)):
        got = probes(store, site)
        # Exactly one probe per hourly slot over the week: nothing lost, nothing doubled.
        assert [p.slot - S0 for p in got] == list(range(168))
        assert [p.probed_at for p in got] == [T0 + timedelta(hours=h, minutes=offset) for h in range(168)]
    # Every slot was requested once (the down hours never reached the server), except the crashed probe of the
    # steady site, which the restarted monitor made again.
    expected = [(h, host) for h in range(168) if h not in down_hours for host in ("www.flaky.gov.cn",
                                                                                   "www.steady.gov.cn")]
    assert sorted((h, host) for host, h in requests) == sorted(expected + [(80, "www.steady.gov.cn")])
    assert n_requests == len(expected) + 1

    v = verdict(probes(store, flaky), END, timeout_s=0.5)
    assert (v.status, v.total, v.failures, v.complete) == (Status.FAIL, 168, 9, True)
    assert v.ratio == 9 / 168
    assert [d.total for d in v.per_day] == [24] * 7
    assert [d.failures for d in v.per_day] == [0, 3, 2, 0, 3, 1, 0]
    assert [((p.probed_at - T0) // timedelta(hours=1), p.error) for p in v.failed] == (
        [(h, "连接被拒绝") for h in sorted(down_hours)] + [(h, "超时（0.5秒）") for h in sorted(hang_hours)]
        + [(h, "HTTP 503（服务器错误）") for h in sorted(err_hours)] + [(120, "HTTP 200，页面内容为空")])
    assert "168次" in v.message and "9次" in v.message and "5.36%" in v.message and "单项否决" in v.message
    check = to_site_check(v)
    assert check.status is Status.FAIL and len(check.value["failed"]) == 9
    assert check.value["failed"][0]["time"] == "2025-03-04T06:00:00+08:00"  # hour 30

    w = verdict(probes(store, steady), END)
    assert (w.status, w.total, w.failures, w.complete) == (Status.PASS, 168, 3, True)
    assert [p.error for p in w.failed] == ["连接被拒绝"] * 3
    assert "1.79%" in w.message
