"""Typed probe facts (auditor/facts.py): parsed once, defaults for what is missing, unknown keys kept, snapshots
round-trip, and the rules read attributes (a probe that refuses key access gives the same checks)."""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from auditor import facts_io, pagekind
from auditor.facts import FACTS_VERSION, ProbeFacts, parse_probe
from auditor.models import PageFacts
from auditor.rules import run_rules

SNAPSHOTS = Path(__file__).parent / "snapshots"
# The page-facts snapshots (facts_io documents: the corpus pages and the rule-of-fault variants).
SNAPS = sorted(SNAPSHOTS.rglob("*.json.gz"))


def test_empty_and_malformed_probe_take_defaults():
    for raw in ({}, None, {"header": None, "footer": "x", "hints": [], "links": "no", "nodeCount": "many"}):
        p = parse_probe(raw)
        assert p.header.texts == [] and p.footer.links == [] and p.links == [] and p.node_count == 0
        assert p.header.box is None and p.body_texts is None and p.placeholders.ide_conac == {"present": False}
        assert p.hints.dated_items == 0 and p.title == ""


def test_unknown_keys_are_kept_and_the_json_round_trips():
    raw = {"title": "示范", "footer": {"box": {"x": 0, "y": 900, "w": 1280, "h": 200}, "texts": [{"text": "主办"}],
                                      "links": [], "images": []},
           "bodyTexts": [{"text": "正文", "box": {"x": 1, "y": 2, "w": 3, "h": 4}}], "futureKey": [1, 2]}
    p = parse_probe(raw)
    assert p.footer.texts[0]["text"] == "主办" and p.extra == {"futureKey": [1, 2]}
    d = p.to_dict()
    assert d["futureKey"] == [1, 2] and d["bodyTexts"] == raw["bodyTexts"] and d["footer"] == raw["footer"]
    assert parse_probe(d) == p
    assert parse_probe(p) is p
    assert p.get("title") == p["title"] == "示范"  # read access by key, for gatherer-side code


def test_pagefacts_parses_a_dict_once():
    f = PageFacts(url="u", final_url="u", status=200, probe={"metas": [{"name": "SiteName", "content": " 示范 "}]})
    assert isinstance(f.probe, ProbeFacts) and f.metas() == {"sitename": "示范"}


@pytest.mark.skipif(not SNAPS, reason="no snapshots")
def test_snapshots_load_and_dump_unchanged():
    for path in SNAPS:
        doc = facts_io.read(path)
        facts, site, kind = facts_io.load(doc)
        again = facts_io.dump(facts, site, kind)
        assert again["facts_version"] == FACTS_VERSION
        probe = doc["facts"]["probe"]
        dumped = again["facts"]["probe"]
        # What the snapshot held comes back as it was (the defaults of keys it lacked are added beside it).
        assert {k: dumped[k] for k in probe} == probe, path


class _KeyRefusingProbe(ProbeFacts):
    """A probe that fails on key access: what the rules read must come from attributes."""
    def get(self, key: str, default: Any = None) -> Any:
        raise AssertionError(f"a rule read probe key {key!r}")

    def __getitem__(self, key: str) -> Any:
        raise AssertionError(f"a rule read probe key {key!r}")


def _strict(facts: PageFacts) -> PageFacts:
    probe = _KeyRefusingProbe(**{f.name: getattr(facts.probe, f.name) for f in dataclasses.fields(ProbeFacts)})
    return dataclasses.replace(facts, probe=probe)


def _plain(checks: list[Any]) -> list[tuple[str, str, str, Any]]:
    return [(c.rule, c.status.value, c.message, c.value) for c in checks]


@pytest.mark.skipif(not SNAPS, reason="no snapshots")
def test_rules_read_attributes_not_keys():
    ran = 0
    for path in SNAPS:
        facts, site, kind = facts_io.load(facts_io.read(path))
        strict = _strict(facts)
        assert pagekind.classify(strict) == pagekind.classify(facts)
        got = run_rules(strict, site, kind)
        assert not [c.rule for c in got if "检查规则出错" in c.message], path  # no rule raised (fault.rule_crashed)
        assert _plain(got) == _plain(run_rules(facts, site, kind)), path
        ran += 1
    assert ran >= 40


def test_no_rule_reads_the_probe_by_key():
    """Also the paths the snapshots do not reach: no `probe.get(`, `probe[`, or a band's `.get(` in the rules."""
    import re

    root = Path(__file__).resolve().parents[1] / "auditor"
    pattern = re.compile(r"probe\s*(\.get\(|\[)|probe\.(header|footer|hints)\.get\(")
    offenders = [f"{p.relative_to(root)}:{i}" for p in [*root.joinpath("rules").glob("*.py"), root / "pagekind.py"]
                 for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if pattern.search(line)]
    assert not offenders, offenders
