"""The bundled sample site audited end to end in real Chromium; every (page, rule) against its ground truth.

Also checks the evidence contract: every check has evidence, every evidence file exists with its SHA-256.
"""
from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

import pytest

from auditor.models import SiteProfile
from auditor.report import run_document
from auditor.store import Store
from workers.inprocess import run_pages

pytestmark = [pytest.mark.browser]


def audit_sample(settings, sample_site, paths, database_url=None):
    s = settings.replace(host_map=sample_site["host_map"], database_url=database_url or settings.database_url)
    store = Store(s.database_url)
    store.upgrade()
    truth = sample_site["truth"]
    urls = [f"http://{sample_site['host']}{p}" for p in paths]
    run_id = asyncio.run(run_pages(s, store, urls, SiteProfile(truth["site"]["name"], truth["site"]["code"])))
    return run_document(store.run_with_pages(run_id), s.evidence_dir), s


def compare(doc, sample_site):
    truth = sample_site["truth"]["pages"]
    prefix = f"http://{sample_site['host']}"
    wrong = []
    for page in doc["pages"]:
        path = page["url"][len(prefix):]
        assert page["error"] is None, (path, page["error"])
        got = {c["rule"]: c["status"] for c in page["checks"]}
        for rule, want in truth[path]["expect"].items():
            have = got.get(rule, "skip")
            if have != want:
                msg = next((c["message"] for c in page["checks"] if c["rule"] == rule), "")
                wrong.append(f"{path} {rule}: expected {want}, got {have} ({msg})")
    return wrong


def test_every_variant_breaks_exactly_its_rule(settings, sample_site):
    """The home page, one page per kind, and every variant; each (page, rule) must match the truth."""
    pages = sample_site["truth"]["pages"]
    paths = ["/index.html", "/zwgk/gzdt/index.html"] + [p for p in pages if p.startswith("/variants/")]
    paths += [p for p in pages if pages[p]["kind"] == "article" and not p.startswith("/variants/")][:2]
    doc, s = audit_sample(settings, sample_site, paths)
    wrong = compare(doc, sample_site)
    assert not wrong, "\n".join(wrong)

    root = Path(s.evidence_dir)
    for page in doc["pages"]:
        shot = page["screenshot"]
        assert shot and (root / shot["path"]).is_file()
        for check in page["checks"]:
            assert check["evidence"], (page["url"], check["rule"])
            for ev in check["evidence"]:
                if ev["path"]:
                    data = (root / ev["path"]).read_bytes()
                    assert hashlib.sha256(data).hexdigest() == ev["sha256"]
    # A pass carries evidence of where the item was found: a crop with the element boxed.
    home = next(p for p in doc["pages"] if p["url"].endswith("/index.html"))
    icp = next(c for c in home["checks"] if c["rule"] == "footer.icp")
    assert icp["status"] == "pass" and any(e["kind"] == "crop" for e in icp["evidence"])
    # The OCR variant is proven by pixels, and says so.
    noalt = next(p for p in doc["pages"] if p["url"].endswith("header-image-noalt.html"))
    name = next(c for c in noalt["checks"] if c["rule"] == "header.site_name")
    assert name["value"]["source"] == "ocr"


@pytest.mark.postgres
def test_sample_pages_stored_in_postgresql(settings, sample_site, pg_url):
    paths = ["/index.html", "/variants/icp-missing.html", "/variants/header-image-broken.html"]
    doc, _ = audit_sample(settings, sample_site, paths, database_url=pg_url)
    assert not compare(doc, sample_site)
    assert doc["run"]["pages_done"] == 3
