"""The page rules on real saved government pages (../shared/corpus), rendered in Chromium, against labels made
by inspecting the rendered pages (tests/corpus/labels.tsv, see tests/corpus/README.md).

Prints per-rule precision and recall of the problem class (anything but pass) and exact-status agreement;
fails where precision or recall drops below 0.95.
"""
from __future__ import annotations

import asyncio
import csv
from collections import defaultdict
from pathlib import Path

import pytest

from auditor.models import SiteProfile
from auditor.ocr import shared_ocr
from auditor.store import Store
from browsers.fetcher import PageFetcher
from tests.conftest import SHARED
from tests.corpus.render_for_labels import HOST_SUFFIX, start_server
from workers.pipeline import PageAuditor

CORPUS = SHARED / "corpus"
LABELS = Path(__file__).parent / "corpus" / "labels.tsv"
THRESHOLD = 0.95


def load_labels() -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    labels: dict[str, dict[str, str]] = defaultdict(dict)
    names: dict[str, str] = {}
    with open(LABELS, encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            labels[row["slug"]][row["rule"]] = row["expected"]
            names[row["slug"]] = row["site_name"]
    return labels, names


def manifest() -> dict[str, dict[str, str]]:
    with open(CORPUS / "MANIFEST.tsv", encoding="utf-8") as fh:
        return {r["slug"]: r for r in csv.DictReader(fh, delimiter="\t")}


async def audit_corpus(settings, slugs: list[str], names: dict[str, str], pages: dict[str, dict[str, str]]):
    store = Store(settings.database_url)
    store.upgrade()
    run = store.create_run("corpus", None, len(slugs), "playwright", settings.user_agent, {})
    results = {}
    async with PageFetcher(settings) as fetcher:
        auditor = PageAuditor(settings, store, fetcher, shared_ocr())
        sem = asyncio.Semaphore(2)

        async def one(i: int, slug: str) -> None:
            async with sem:
                url = f"http://{slug}{HOST_SUFFIX}/{pages[slug]['path']}"
                out = await auditor.audit(run.id, url, SiteProfile(names[slug]), i)
                results[slug] = out

        await asyncio.gather(*(one(i, s) for i, s in enumerate(slugs)))
    return results


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not beside the project")
@pytest.mark.timeout(900)  # 40 real pages; on a loaded 2-core machine this can pass the suite's 300 s default
def test_rules_agree_with_inspection_labels_on_real_pages(settings):
    labels, names = load_labels()
    pages = manifest()
    slugs = sorted(labels)
    assert len(slugs) == len(pages) == 40
    server = start_server(CORPUS)
    port = server.server_address[1]
    # The page rules' labels are what this test checks; the 无障碍 pass (its own tests) is left out.
    s = settings.replace(host_map={f"*{HOST_SUFFIX}": f"127.0.0.1:{port}"}, nav_timeout=20, load_grace=8,
                         a11y=False, elderly="off")
    try:
        results = asyncio.run(audit_corpus(s, slugs, names, pages))
    finally:
        server.shutdown()

    stats: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    wrong = []
    for slug in slugs:
        out = results[slug]
        assert out.error is None, (slug, out.error)
        got = {c.rule: (c.status.value, c.message) for c in out.checks}
        for rule, want in labels[slug].items():
            have, msg = got.get(rule, ("skip", ""))
            st = stats[rule]
            p_want, p_have = want != "pass", have != "pass"
            st["tp"] += p_want and p_have
            st["fp"] += p_have and not p_want
            st["fn"] += p_want and not p_have
            st["exact"] += have == want
            st["n"] += 1
            if have != want:
                wrong.append(f"{slug:22} {rule:22} label={want:14} got={have:14} {msg}")
    print("\nrule                    precision  recall  exact   (problem class = not pass; n pages)")
    failing = []
    for rule in sorted(stats):
        st = stats[rule]
        prec = st["tp"] / (st["tp"] + st["fp"]) if st["tp"] + st["fp"] else 1.0
        rec = st["tp"] / (st["tp"] + st["fn"]) if st["tp"] + st["fn"] else 1.0
        print(f"{rule:22} {prec:10.3f} {rec:7.3f} {st['exact'] / st['n']:6.3f}   n={st['n']}")
        if prec < THRESHOLD or rec < THRESHOLD:
            failing.append(rule)
    print("\n".join(["disagreements:"] + wrong))
    assert not failing, f"below {THRESHOLD}: {failing}"
