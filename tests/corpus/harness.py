"""The real-page corpus (../shared/corpus) against its inspection labels (tests/corpus/labels.tsv): one harness for
the Chromium run (tests/test_corpus_rules.py) and the fast run on saved page facts (tests/test_corpus_snapshots.py).

The corpus is rendered as on an intranet: the page's own folder is its host, every other host fails to resolve,
and the national services have no stand-ins. The labels follow the rule of fault (tests/corpus/README.md).
"""
from __future__ import annotations

import asyncio
import csv
import os
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from auditor.models import CheckResult, SiteProfile, Status

SHARED = Path(__file__).resolve().parents[3] / "shared"
CORPUS = SHARED / "corpus"
LABELS = Path(__file__).parent / "labels.tsv"
SNAPSHOTS = Path(__file__).resolve().parents[1] / "snapshots" / "corpus"
THRESHOLD = 0.95
EXACT_FLOOR = 0.9  # not_assessable is no accusation, but a rule that cannot judge most pages is of little use
# A not_assessable must say why: the unreachable host, or the reason the rule could not judge.
_WHY = re.compile(r"无法访问|无法加载|未能加载|未能打开|无法打开|无法判断|无法检查|无法评估|HTTP \d{3}|超时|规则出错|未进行|未能|\S+\.\S+")


@dataclass
class Label:
    expected: str
    present: str = "unknown"
    note: str = ""


def load_labels() -> tuple[dict[str, dict[str, Label]], dict[str, str]]:
    labels: dict[str, dict[str, Label]] = defaultdict(dict)
    names: dict[str, str] = {}
    with open(LABELS, encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            labels[row["slug"]][row["rule"]] = Label(row["expected"], row.get("present") or "unknown",
                                                     row.get("note") or "")
            names[row["slug"]] = row["site_name"]
    return labels, names


def manifest() -> dict[str, dict[str, str]]:
    with open(CORPUS / "MANIFEST.tsv", encoding="utf-8") as fh:
        return {r["slug"]: r for r in csv.DictReader(fh, delimiter="\t")}


ENTRY_RULES = frozenset({"a11y.entry", "elderly.entry"})


def with_entries() -> bool:
    """The 无障碍/适老化 entry pass on all 40 pages takes about ten minutes on 2 cores: it runs when the snapshots
    are written (GOVAUDIT_WRITE_SNAPSHOTS=1), and the fast test checks the entry labels on those snapshots."""
    return bool(os.environ.get("GOVAUDIT_WRITE_SNAPSHOTS"))


def corpus_settings(settings, port: int):
    """The auditor as on an intranet: no stand-ins, nothing resolves but the corpus host; axe is left to its own
    tests."""
    from tests.corpus.render_for_labels import HOST_SUFFIX

    return settings.replace(host_map={f"*{HOST_SUFFIX}": f"127.0.0.1:{port}"}, nav_timeout=20, load_grace=8,
                            a11y=False, elderly="all" if with_entries() else "off", standins=False,
                            isolate_network=True)


async def audit_corpus(settings, slugs: list[str], names: dict[str, str], pages: dict[str, dict[str, str]]):
    """Every slug audited in real Chromium -> {slug: PageOutcome} (facts kept)."""
    from clients.ocr import shared_ocr
    from auditor.store import Store
    from browsers.fetcher import PageFetcher
    from tests.corpus.render_for_labels import HOST_SUFFIX
    from workers.pipeline import PageAuditor

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
                results[slug] = await auditor.audit(run.id, url, SiteProfile(names[slug]), i)

        await asyncio.gather(*(one(i, s) for i, s in enumerate(slugs)))
    return results


@dataclass
class Score:
    stats: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    wrong: list[str] = field(default_factory=list)
    accusations: list[str] = field(default_factory=list)  # fail where the element is present
    unexplained: list[str] = field(default_factory=list)  # not_assessable without a host or reason

    def failing_rules(self) -> list[str]:
        out = []
        for rule, st in self.stats.items():
            if self.precision(rule) < THRESHOLD or self.recall(rule) < THRESHOLD or st["exact"] / st["n"] < EXACT_FLOOR:
                out.append(rule)
        return sorted(out)

    def precision(self, rule: str) -> float:
        st = self.stats[rule]
        return st["tp"] / (st["tp"] + st["fp"]) if st["tp"] + st["fp"] else 1.0

    def recall(self, rule: str) -> float:
        st = self.stats[rule]
        return st["tp"] / (st["tp"] + st["fn"]) if st["tp"] + st["fn"] else 1.0

    def table(self) -> str:
        """Per rule: precision/recall of the problem class (fail, warn), exact agreement, and the verdict counts
        (pass / fail / warn / not_assessable) beside the labels' counts."""
        lines = ["rule                    precision  recall  exact   got p/f/w/na      labels p/f/w/na"]
        for rule in sorted(self.stats):
            st = self.stats[rule]
            got = "/".join(str(st[f"got_{s.value}"]) for s in Status)
            want = "/".join(str(st[f"want_{s.value}"]) for s in Status)
            lines.append(f"{rule:22} {self.precision(rule):10.3f} {self.recall(rule):7.3f} "
                         f"{st['exact'] / st['n']:6.3f}   {got:17} {want}")
        return "\n".join(lines)


def score(checks_by_slug: dict[str, Iterable[CheckResult]], labels: dict[str, dict[str, Label]],
          skip: frozenset[str] = frozenset()) -> Score:
    sc = Score()
    for slug in sorted(checks_by_slug):
        got = {c.rule: c for c in checks_by_slug[slug]}
        for rule, label in labels[slug].items():
            if rule in skip:
                continue
            c = got.get(rule)
            have = c.status.value if c else "skip"
            msg = c.message if c else ""
            st = sc.stats[rule]
            want = label.expected
            # The problem class is what accuses the site (fail, warn); not_assessable accuses no one, and its
            # agreement with the labels shows in the exact figure.
            p_want, p_have = want in ("fail", "warn"), have in ("fail", "warn")
            st["tp"] += p_want and p_have
            st["fp"] += p_have and not p_want
            st["fn"] += p_want and not p_have
            st["exact"] += have == want
            st["n"] += 1
            st[f"got_{have}"] += 1
            st[f"want_{want}"] += 1
            if have != want:
                sc.wrong.append(f"{slug:22} {rule:22} label={want:14} got={have:14} {msg}")
            if have == "fail" and label.present == "yes" and want != "fail":
                sc.accusations.append(f"{slug} {rule}: {msg}")
            if have == "not_assessable" and not _WHY.search(msg):
                sc.unexplained.append(f"{slug} {rule}: {msg}")
    return sc
