"""The run profile (auditor/profile.py): phase sums, a no-op when off, safe from threads; the --profile flag."""
from __future__ import annotations

import threading

import pytest

from auditor import profile
from auditor.profile import PHASES, Profile


def test_off_collects_nothing() -> None:
    p = Profile(enabled=False)
    p.add("load", 1.0)
    with p.phase("axe"):
        pass
    assert p.totals() == []


def test_sums_per_phase_in_page_order() -> None:
    p = Profile(enabled=True)
    p.add("rules", 0.25)
    p.add("load", 1.0)
    p.add("load", 0.5)
    p.add("custom", 0.1)
    rows = {t.name: t for t in p.totals()}
    assert rows["load"].count == 2 and rows["load"].seconds == pytest.approx(1.5)
    assert [t.name for t in p.totals()] == ["load", "rules", "custom"]  # PHASES order, unknown names last
    table = p.table(wall=2.0)
    assert PHASES["load"] in table and "75%" in table and "custom" in table


def test_phase_counts_a_block_that_raises() -> None:
    p = Profile(enabled=True)
    with pytest.raises(ValueError):
        with p.phase("db"):
            raise ValueError("x")
    assert [(t.name, t.count) for t in p.totals()] == [("db", 1)]


def test_threads_lose_no_update() -> None:
    p = Profile(enabled=True)

    def work() -> None:
        for _ in range(2000):
            p.add("evidence", 0.001)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert p.totals()[0].count == 16000


def test_overlap_is_explained() -> None:
    p = Profile(enabled=True)
    p.add("load", 3.0)
    assert "重叠" in p.table(wall=1.0)
    assert "重叠" not in Profile(enabled=True).table(wall=1.0)


def test_flag_and_setting() -> None:
    from govaudit.cli import build_parser

    for argv in (["audit", "http://a.gov.cn/", "--site-name", "x", "--profile"],
                 ["audit-site", "http://a.gov.cn/", "--site-name", "x", "--profile"],
                 ["ipv6", "http://a.gov.cn/", "--profile"], ["demo", "--profile"]):
        assert build_parser().parse_args(argv).profile is True
    from auditor.config import Settings

    assert Settings().profile is False and Settings(profile=True).profile is True
    assert profile.current() is profile.current()
