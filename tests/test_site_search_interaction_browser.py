"""site.search and interaction.* in real Chromium against the sample site's variants (truth.json «site_checks»),
and the whole sample site audited with both families joined to the site audit (evidence files with their hashes).
"""
from __future__ import annotations

import asyncio
import hashlib
from datetime import date
from pathlib import Path

import pytest

from auditor.models import SiteProfile
from auditor.sample_site import search as sample_search
from auditor.site_rules import interaction, search
from auditor.store import Store
from browsers.fetcher import PageFetcher
from browsers.interaction import gather_interaction
from browsers.site_search import gather_search
from workers.siterun import run_site

pytestmark = [pytest.mark.browser]


def _settings(settings, sample_site):
    return settings.replace(host_map=sample_site["host_map"])


def _url(sample_site, path):
    return f"http://{sample_site['host']}{path}"


def test_search_variants_match_the_truth(settings, sample_site):
    """A search that finds, one that returns nothing, one that errors, no search box, a box that does nothing,
    and a search service on a host that cannot be reached: each its own finding."""
    s = _settings(settings, sample_site)
    truth = sample_site["truth"]["site_checks"]["search"]
    # Three titles the site published (its newest articles), as the crawl would hand them over.
    articles = [(a["title"], _url(sample_site, a["path"])) for a in sample_search.index()[:3]]

    async def go():
        out = {}
        async with PageFetcher(s) as fetcher:
            for path in truth:
                out[path] = search.check(await gather_search(fetcher, _url(sample_site, path), articles))[0]
        return out

    got = asyncio.run(go())
    wrong = [f"{p}: expected {want}, got {got[p].status.value}/{got[p].value['kind']} ({got[p].message})"
             for p, want in truth.items() if (got[p].status.value, got[p].value["kind"]) != (want["status"], want["kind"])]
    assert not wrong, "\n".join(wrong)
    found = got["/site-variants/search/finds.html"]
    assert {q["outcome"] for q in found.value["queries"]} == {"found"} and len(found.value["queries"]) == 3
    assert found.value["filters"], "the results page offers time and column filters"
    # Evidence: a picture of each query typed and of each results page.
    assert len(found.evidence) == 6 and all(e.png and e.png.startswith(b"\x89PNG") for e in found.evidence)
    assert "search.offline.invalid" in got["/site-variants/search/offsite.html"].message


def test_message_list_variant_matches_the_truth(settings, sample_site):
    """The 网上留言 list: one message answered in 2 days, one unanswered for 4 months, one with no reply date."""
    s = _settings(settings, sample_site)
    [(path, truth)] = sample_site["truth"]["site_checks"]["interaction"].items()
    today = date.fromisoformat(sample_site["truth"]["site_checks"]["today"])

    async def go():
        async with PageFetcher(s) as fetcher:
            return await gather_interaction(fetcher, _url(sample_site, path), [], [])

    facts = asyncio.run(go())
    results = {c.rule: c for c in interaction.check(facts, today)}
    wrong = [f"{rule}: expected {want}, got {results[rule].status.value} ({results[rule].message})"
             for rule, want in truth.items() if rule.startswith("interaction.") and results[rule].status.value != want]
    assert not wrong, "\n".join(wrong)
    [channel] = facts.channels
    by_title = {m.title: m for m in channel.messages}
    for title, days in truth["answered_in_days"].items():
        m = by_title[title]
        assert (m.replied - m.asked).days == days
    assert [r["title"] for r in results["interaction.unanswered"].value["rows"]] == truth["unanswered"]
    assert [r["title"] for r in results["interaction.dates_published"].value["rows"]] == truth["no_reply_date"]
    # The rows with both dates, and a crop of each flagged row.
    assert all(m.crop and m.crop.startswith(b"\x89PNG") for m in channel.messages)
    assert results["interaction.unanswered"].evidence and results["interaction.dates_published"].evidence


def test_sample_site_audit_runs_search_and_interaction(settings, sample_site):
    """The whole sample site: its search finds what it published, its 市长信箱 answers in time; the checks are
    site checks with their pictures stored as evidence files of the run."""
    s = _settings(settings, sample_site).replace(max_pages=15, ipv6=False)
    store = Store(s.database_url)
    store.upgrade()
    truth = sample_site["truth"]
    today = date.fromisoformat(truth["site_checks"]["today"])
    run_id = asyncio.run(run_site(s, store, _url(sample_site, "/index.html"),
                                  SiteProfile(truth["site"]["name"], truth["site"]["code"]), today=today,
                                  links=False, ipv6=False))
    run = store.run_with_pages(run_id)
    got = {c.rule: c for c in run.site_checks if c.subject == ""}
    wrong = [f"{rule}: expected {want}, got {got[rule].status if rule in got else 'absent'}"
             f" ({got[rule].message if rule in got else ''})"
             for rule, want in truth["site_checks"]["site"].items() if rule not in got or got[rule].status != want]
    assert not wrong, "\n".join(wrong)
    files = [f for rule in ("site.search", "interaction.channel") for f in got[rule].value["evidence"]]
    assert files
    evidence = {e.id: e for p in run.pages for e in p.evidence}
    for f in files:
        data = (Path(s.evidence_dir) / f["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == f["sha256"]
        assert evidence[f["id"]].path == f["path"]  # an Evidence row: the sweep keeps it, the UI serves it


def test_site_checks_can_be_turned_off(settings, sample_site):
    s = _settings(settings, sample_site).replace(max_pages=1, site_search=False, interaction=False, ipv6=False)
    store = Store(s.database_url)
    store.upgrade()
    run_id = asyncio.run(run_site(s, store, _url(sample_site, "/index.html"), SiteProfile("示范市人民政府"),
                                  links=False, ipv6=False))
    rules = {c.rule for c in store.run_with_pages(run_id).site_checks}
    assert not {r for r in rules if r == "site.search" or r.startswith("interaction.")}


def test_site_finding_page_shows_its_pictures(settings, sample_site):
    """A site-level finding (the 留言 variant's unanswered message) in the web UI: its row crops are shown and
    served as evidence files, like a page finding's crops."""
    import re

    from auditor.store.models import Page
    from auditor.store.users import create_user
    from web.app import create_app
    from workers.site_extra import to_site_checks

    s = _settings(settings, sample_site).replace(secret_key="t" * 64)
    store = Store(s.database_url)
    store.upgrade()
    home = _url(sample_site, "/site-variants/hdjl/index.html")
    run = store.create_run("示范市人民政府", None, 1, "playwright", s.user_agent, {}, kind="site", site_url=home)
    page_id = store.save_page(run.id, Page(url=home, user_agent=s.user_agent), [], [])

    async def go():
        async with PageFetcher(s) as fetcher:
            return await gather_interaction(fetcher, home, [], [])

    results = interaction.check(asyncio.run(go()), date(2026, 11, 18))
    store.save_site_checks(run.id, to_site_checks(results, store, s, run.id, page_id))
    store.finish_run(run.id)
    [sc] = [c for c in store.run_with_pages(run.id).site_checks if c.rule == "interaction.unanswered"]
    create_user(store, "auditor1", "correct-horse-1", "admin")
    app = create_app(s)
    c = app.test_client()
    tok = re.search(r'<meta name="csrf-token" content="([^"]+)"', c.get("/login").get_data(as_text=True)).group(1)
    c.post("/login", data={"username": "auditor1", "password": "correct-horse-1", "csrf_token": tok})
    html = c.get(f"/findings/s{sc.id}").get_data(as_text=True)
    ids = [int(i) for i in re.findall(r'src="/evidence/(\d+)"', html)]
    assert ids == [e["id"] for e in sc.value["evidence"]] and ids
    assert "咨询老旧小区加装电梯补贴政策" in html
    r = c.get(f"/evidence/{ids[0]}")
    assert r.status_code == 200 and r.data.startswith(b"\x89PNG")


def test_one_browser_for_both_families_and_a_browser_that_will_not_start(tmp_path: Path, monkeypatch) -> None:
    """站内搜索 and 互动交流 share one Chromium (workers/site_extra.browser_checks). When it will not start, neither
    family is judged against the site: every rule of both is not_assessable, saying why."""
    from auditor.config import Settings
    from browsers import launch
    from workers import site_extra

    monkeypatch.setattr(launch, "CHROMIUM_PATH", str(tmp_path / "no-chromium"))
    settings = Settings(allow_private=True, isolate_network=True, evidence_dir=str(tmp_path / "ev"))
    store = Store(f"sqlite:///{tmp_path}/db.sqlite")
    store.upgrade()
    rows = asyncio.run(site_extra.browser_checks(settings, store, 1, "http://www.shifan.gov.cn/", {},
                                                 date(2026, 12, 6)))
    assert sorted(r.rule for r in rows) == sorted([search.META.id, *(m.id for m in interaction.METAS)])
    assert all(r.status == "not_assessable" and r.message.startswith("无法启动浏览器") for r in rows), \
        [(r.rule, r.status, r.message) for r in rows]
