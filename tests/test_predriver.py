"""Playwright's driver begun before the settings are read (browsers/predriver.py, govaudit/entry.py): spawned at
once, taken by the audit's browser, and stopped when nothing takes it. What runs when, not how long it takes."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import psutil
import pytest

from browsers import predriver
from browsers.fetcher import PageFetcher
from govaudit.entry import _launches_playwright

pytestmark = [pytest.mark.browser]
ROOT = Path(__file__).resolve().parents[1]


def _drivers() -> list[psutil.Process]:
    """This process's Playwright driver children (node … run-driver)."""
    out = []
    for child in psutil.Process().children():
        try:
            if "run-driver" in child.cmdline():
                out.append(child)
        except psutil.Error:
            pass
    return out


@pytest.mark.parametrize(("argv", "early"), [
    (["audit", "http://www.a.gov.cn/"], True),
    (["audit", "http://www.a.gov.cn/", "--engine", "playwright"], True),
    (["audit", "http://www.a.gov.cn/", "--engine", "selenium"], False),
    (["audit", "--engine=selenium", "http://www.a.gov.cn/"], False),
    (["audit", "--help"], False),
    (["audit-site", "http://www.a.gov.cn/"], False),
    (["report", "--quarter", "2026Q4"], False),
    ([], False),
])
def test_only_an_audit_on_playwright_begins_the_driver_early(argv, early):
    assert _launches_playwright(argv) is early


def test_the_driver_is_spawned_at_once_and_the_audits_browser_takes_it(settings):
    before = {p.pid for p in _drivers()}
    predriver.begin()
    try:
        spawned = [p for p in _drivers() if p.pid not in before]
        assert predriver.begun() and len(spawned) == 1  # running before any audit code
        runner = predriver.runner()

        async def go():
            f = PageFetcher(settings)
            await f.start()
            taken = not predriver.begun()
            version = f._browser.version
            await f.close()
            return taken, version

        taken, version = runner.run(go())
    finally:
        predriver.discard()
    assert taken and version
    assert spawned[0].wait(timeout=10) is not None or not spawned[0].is_running()
    assert not predriver.begun() and predriver.take() is None


def test_a_driver_nothing_takes_is_stopped():
    before = {p.pid for p in _drivers()}
    predriver.begin()
    spawned = [p for p in _drivers() if p.pid not in before]
    predriver.discard()
    assert len(spawned) == 1
    spawned[0].wait(timeout=10)
    assert not spawned[0].is_running()
    predriver.discard()  # twice is harmless


# A command that ends before launching the browser (bad input) leaves no driver behind: the script below makes
# itself the subreaper of what the command leaves, so an orphaned driver would show up as its child.
_ORPHANS = textwrap.dedent("""
    import ctypes, json, subprocess, sys, time
    import psutil
    ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    p = subprocess.run([sys.executable, "-m", "govaudit", *sys.argv[1:]], capture_output=True, text=True)
    time.sleep(0.5)
    left = []
    for c in psutil.Process().children(recursive=True):  # an orphan that has exited since is a zombie here
        try:
            left.append(" ".join(c.cmdline()) or c.name())
        except psutil.Error:
            left.append(f"pid {c.pid} (exited orphan)")
    print(json.dumps({"code": p.returncode, "stderr": p.stderr, "left": left}))
""")


@pytest.mark.parametrize("argv", [
    ["audit", "ftp://www.a.gov.cn/"],
    ["audit", "http://www.a.gov.cn/", "--site-code", "12"],
])
def test_bad_input_after_the_early_start_exits_2_and_leaves_no_driver(tmp_path, argv):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "GOVAUDIT_DATABASE_URL": f"sqlite:///{tmp_path}/g.db",
           "GOVAUDIT_EVIDENCE_DIR": str(tmp_path / "ev")}
    out = subprocess.run([sys.executable, "-c", _ORPHANS, *argv], capture_output=True, text=True, timeout=120,
                         env=env, cwd=ROOT)
    res = json.loads(out.stdout)
    assert res["code"] == 2 and "错误" in res["stderr"] and "Traceback" not in res["stderr"], res
    assert res["left"] == [], res["left"]
