"""The page rules on real saved government pages (../shared/corpus), rendered in Chromium as on an intranet (no
national service, no other host reachable), against labels made by inspecting the renders (tests/corpus/labels.tsv,
tests/corpus/README.md).

Prints per rule precision and recall of the problem class (fail and warn: what accuses the site), exact agreement and the verdict
counts; fails where precision or recall drops below 0.95, on any `fail` where the labels say the element is present
(the rule of fault), and on any `not_assessable` that names neither a host nor a reason. With
GOVAUDIT_WRITE_SNAPSHOTS=1 it also runs the 无障碍/适老化 entry pass on every page (about ten minutes) and writes
the page facts to tests/snapshots/corpus/ for the fast rule tests, which check the entry labels too.
"""
from __future__ import annotations

import asyncio
import os

import pytest

from auditor import facts_io
from auditor.models import SiteProfile
from tests.corpus import harness
from tests.corpus.render_for_labels import start_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.skipif(not harness.CORPUS.is_dir(), reason="../shared/corpus is not beside the project")
@pytest.mark.timeout(1200)  # 40 real pages with the entry pass on each; a loaded 2-core machine is slow
def test_rules_agree_with_inspection_labels_on_real_pages(settings):
    labels, names = harness.load_labels()
    pages = harness.manifest()
    slugs = sorted(labels)
    assert len(slugs) == len(pages) == 40
    server = start_server(harness.CORPUS)
    try:
        s = harness.corpus_settings(settings, server.server_address[1])
        results = asyncio.run(harness.audit_corpus(s, slugs, names, pages))
    finally:
        server.shutdown()
    for slug in slugs:
        assert results[slug].error is None, (slug, results[slug].error)
    if os.environ.get("GOVAUDIT_WRITE_SNAPSHOTS"):
        for slug in slugs:
            out = results[slug]
            facts_io.write(harness.SNAPSHOTS / f"{slug}.json.gz",
                           facts_io.dump(out.facts, SiteProfile(names[slug]), out.kind, slug=slug))
    sc = harness.score({slug: results[slug].checks for slug in slugs}, labels,
                       skip=frozenset() if harness.with_entries() else harness.ENTRY_RULES)
    print("\n" + sc.table())
    print("\n".join(["disagreements:"] + sc.wrong))
    assert not sc.accusations, "fail where the element is present:\n" + "\n".join(sc.accusations)
    assert not sc.unexplained, "not_assessable without host or reason:\n" + "\n".join(sc.unexplained)
    failing = sc.failing_rules()
    assert not failing, f"below {harness.THRESHOLD}: {failing}"
