"""The rules on the saved facts of the 40 real corpus pages (tests/snapshots/corpus/, written by the Chromium
corpus test with GOVAUDIT_WRITE_SNAPSHOTS=1), against the same labels, without a browser: the fast layer.

Same bar as the Chromium run: no `fail` where the labels say the element is present, every `not_assessable` names
a host or a reason, precision and recall of the problem class at least 0.95 per rule.
"""
from __future__ import annotations

import pytest

from auditor import facts_io
from auditor.rules import run_rules
from tests.corpus import harness

SNAPS = sorted(harness.SNAPSHOTS.glob("*.json.gz"))


@pytest.mark.skipif(not SNAPS, reason="no corpus snapshots (run the corpus test with GOVAUDIT_WRITE_SNAPSHOTS=1)")
def test_rules_on_saved_corpus_facts_agree_with_the_labels():
    labels, _ = harness.load_labels()
    checks = {}
    for path in SNAPS:
        facts, site, kind = facts_io.load(facts_io.read(path))
        slug = path.name[: -len(".json.gz")]
        checks[slug] = run_rules(facts, site, kind)
    assert set(checks) == set(labels), "a snapshot per labelled page"
    sc = harness.score(checks, labels)
    print("\n" + sc.table())
    print("\n".join(["disagreements:"] + sc.wrong))
    assert not sc.accusations, "fail where the element is present:\n" + "\n".join(sc.accusations)
    assert not sc.unexplained, "not_assessable without host or reason:\n" + "\n".join(sc.unexplained)
    assert not sc.failing_rules(), f"below {harness.THRESHOLD}: {sc.failing_rules()}"
