"""联系方式 that holds, 主办方 / «XX主办», older 公安备案 formats, and the header band (issue 11 items 4 and 5).

Two kinds of test: snapshot tests on hand-made ``PageFacts`` (tests/snapshots/<class>/*.json: a footer or header
as the probe gives it, the followed 联系我们 page, and the expected verdict), no browser; and real-Chromium
tests on the sample site's variants (their truth is in auditor/sample_site/truth.json, which
tests/test_sample_site_audit.py checks for every variant too).
"""
from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from auditor.models import Box, OcrLine, PageFacts, SiteProfile, Status
from auditor.rules import footer_contact, footer_police_record, footer_sponsor, header_site_name, run_one, RULES
from auditor.rules._common import same_site, site_domain

SNAPSHOTS = Path(__file__).parent / "snapshots"
SITE = SiteProfile("示范市人民政府", "3399000001")
PAGE = "http://www.shifan.gov.cn/zwgk/a.html"
RULE_OF = {r.id: r for r in RULES}


def _png(w: int = 400, h: int = 200) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (w, h), (255, 255, 255)).save(buf, "PNG")
    return buf.getvalue()


def _items(lines: list[Any], top: float) -> list[dict[str, Any]]:
    """Text items from a snapshot: a string is one block of its own line; [text, blk] shares a block; a dict is
    taken as given."""
    out = []
    for i, line in enumerate(lines):
        if isinstance(line, dict):
            out.append(line)
            continue
        text, blk = (line, i) if isinstance(line, str) else (line[0], line[1])
        out.append({"text": text, "box": {"x": 100, "y": top + 24 * i, "w": 12 * len(text), "h": 18}, "blk": blk,
                    "html": f"<span>{text}</span>"})
    return out


def facts_of(snap: dict[str, Any]) -> PageFacts:
    footer_top = 2000.0
    links = []
    for a in snap.get("footer_links", []):
        links.append({"href": a["href"], "text": a.get("text", ""), "visible": True,
                      "box": {"x": 100, "y": footer_top - 30, "w": 60, "h": 18}, "html": f"<a>{a.get('text')}</a>"})
    header = snap.get("header", {})
    probe = {"footer": {"box": {"x": 0, "y": footer_top, "w": 1000, "h": 300},
                        "texts": _items(snap.get("footer", []), footer_top), "links": links},
             "header": {"box": {"x": 0, "y": 0, "w": 1000, "h": header.get("band", 130)},
                        "texts": header.get("texts", []), "images": [], "bgImages": []}}
    contact_page = snap.get("contact_page")
    png = None
    if contact_page is not None:
        contact_page = dict(contact_page)
        contact_page.setdefault("url", links[0]["href"] if links else None)
        contact_page["texts"] = _items(contact_page.get("texts", []), 300)
        if contact_page.get("shot_box"):
            png = _png()
    ocr = [OcrLine(o["text"], Box.of(o["box"]), 0.9) for o in header["ocr"]] if "ocr" in header else None
    return PageFacts(url=PAGE, final_url=PAGE, status=200, probe=probe, contact_page=contact_page, contact_png=png,
                     header_ocr=ocr, side_failures=snap.get("side_failures", []))


CLASSES = ("footer_contact", "footer_sponsor", "footer_police_record", "header_site_name")


def snapshots() -> list[tuple[str, str, dict[str, Any]]]:
    out = []
    for path in sorted(p for c in CLASSES for p in (SNAPSHOTS / c).glob("*.json")):
        out.append((path.parent.name, path.stem, json.loads(path.read_text(encoding="utf-8"))))
    return out


@pytest.mark.parametrize("cls,name,snap", snapshots(), ids=[f"{c}/{n}" for c, n, _ in snapshots()])
def test_snapshot(cls, name, snap):
    facts = facts_of(snap)
    rule = RULE_OF[snap["rule"]]
    got = run_one(rule, facts, SITE)  # under the rule of fault, as the pipeline runs it
    want = snap["expect"]
    assert got.status.value == want["status"], (name, got.message)
    for key, value in want.get("value", {}).items():
        assert (got.value or {}).get(key) == value, (name, key, got.value)
    for part in want.get("message_has", []):
        assert part in got.message, (name, got.message)
    assert got.evidence, name
    if want.get("picture"):
        ev = next(e for e in got.evidence if e.png is not None)
        assert ev.box is not None and ev.box.y >= 0, (name, ev)
    if "follow" in want:
        assert footer_contact.link_to_follow(facts.probe, PAGE) == want["follow"], name


def test_snapshots_cover_every_class():
    classes = {c for c, _, _ in snapshots()}
    assert set(CLASSES) <= classes
    statuses = {(c, s["expect"]["status"]) for c, _, s in snapshots()}
    for want in [("footer_contact", "pass"), ("footer_contact", "fail"), ("footer_contact", "warn"),
                 ("footer_contact", "not_assessable"), ("footer_sponsor", "pass"), ("footer_sponsor", "fail"),
                 ("footer_police_record", "warn"), ("header_site_name", "fail"), ("header_site_name", "pass")]:
        assert want in statuses, want


def test_same_site_is_the_registrable_domain():
    assert site_domain("www.shifan.gov.cn") == "shifan.gov.cn"
    assert site_domain("www.example.com") == "example.com"
    assert site_domain("127.0.0.1") == "127.0.0.1"
    assert same_site("http://lxwm.shifan.gov.cn/", PAGE)
    assert same_site("https://www.shifan.gov.cn/lxwm/", PAGE)
    assert not same_site("http://www.zj.gov.cn/lxwm/", PAGE)
    assert not same_site("http://www.shifan2.gov.cn/", PAGE)


def test_contacts_are_read_with_their_block():
    found = footer_contact.find_contacts(_items([["主办单位：示范市人民政府办公室", 1], ["联系电话：0571-88880000", 1],
                                                 ["技术支持：某某科技有限公司", 2], ["电话：0571-12345678", 2],
                                                 "政务服务便民热线：12345", "邮箱：12345@shifan.gov.cn"], 0))
    kinds = [(c.kind, c.text, c.tech) for c in found]
    assert ("联系电话", "0571-88880000", None) in kinds
    assert ("联系电话", "0571-12345678", "技术支持") in kinds
    assert ("12345热线", "12345", None) in kinds
    assert ("电子邮箱", "12345@shifan.gov.cn", None) in kinds  # an e-mail's digits are not the hotline


# --------------------------------------------------------------------------------------------- real Chromium
CONTACT_VARIANTS = {
    "/variants/contact-link-phone.html": "pass",
    "/variants/contact-link-empty.html": "fail",
    "/variants/contact-link-404.html": "not_assessable",
    "/variants/contact-tech-only.html": "fail",
    "/variants/contact-12345-only.html": "warn",
}
OTHER_VARIANTS = {
    "/variants/sponsor-zhubanfang.html": ("footer.sponsor", "pass"),
    "/variants/sponsor-suffix.html": ("footer.sponsor", "pass"),
    "/variants/police-old-format.html": ("footer.police_record", "warn"),
    "/variants/header-broken-byline.html": ("header.site_name", "fail"),
}


@pytest.mark.browser
def test_contact_and_footer_variants_in_chromium(settings, sample_site):
    """The variants in real Chromium with their truth; the followed page's crop is kept as evidence."""
    from auditor.report import run_document
    from auditor.store import Store
    from workers.inprocess import run_pages

    s = settings.replace(host_map=sample_site["host_map"], a11y=False, elderly="off")
    store = Store(s.database_url)
    store.upgrade()
    paths = [*CONTACT_VARIANTS, *OTHER_VARIANTS]
    urls = [f"http://{sample_site['host']}{p}" for p in paths]
    run_id = asyncio.run(run_pages(s, store, urls, SiteProfile("示范市人民政府", "3399000001")))
    doc = run_document(store.run_with_pages(run_id), s.evidence_dir)
    truth = sample_site["truth"]["pages"]
    by_path = {p["url"].split(sample_site["host"], 1)[1]: {c["rule"]: c for c in p["checks"]} for p in doc["pages"]}
    for path, want in CONTACT_VARIANTS.items():
        got = by_path[path]["footer.contact"]
        assert got["status"] == want == truth[path]["expect"]["footer.contact"], (path, got["message"])
    for path, (rule, want) in OTHER_VARIANTS.items():
        got = by_path[path][rule]
        assert got["status"] == want == truth[path]["expect"][rule], (path, got["message"])
    # The pass rests on the followed page: its picture is kept, the phone number boxed on it.
    ok = by_path["/variants/contact-link-phone.html"]["footer.contact"]
    assert ok["value"]["source"] == "contact_page" and "0571-88880000" in ok["value"]["text"]
    shots = [e for e in ok["evidence"] if e["kind"] == "shot" and e["path"]]
    assert shots, ok["evidence"]
    img = Image.open(Path(s.evidence_dir) / shots[0]["path"])
    assert img.width > 50 and img.height > 20
    # The 404 names the URL and the status; the 技术支持 number is named as not counting.
    missing = by_path["/variants/contact-link-404.html"]["footer.contact"]
    assert "HTTP 404" in missing["message"] and "/lxwm/nosuchpage.html" in missing["value"]["href"]
    assert "技术支持" in by_path["/variants/contact-tech-only.html"]["footer.contact"]["message"]
    assert by_path["/variants/sponsor-suffix.html"]["footer.sponsor"]["value"]["sponsor"] == "示范市人民政府办公室"
    assert by_path["/variants/sponsor-zhubanfang.html"]["footer.sponsor"]["value"]["sponsor"] == "示范市人民政府办公室"
    # The broken layout's header band stops at the navigation: the byline far below is not the header.
    pages = {p["url"].split(sample_site["host"], 1)[1]: p for p in doc["pages"]}
    assert pages  # the stored page documents
    name = by_path["/variants/header-broken-byline.html"]["header.site_name"]
    assert name["value"].get("source") not in ("dom", "ocr"), name


@pytest.mark.browser
def test_contact_page_is_opened_once_per_run(settings, sample_site):
    """Two pages with the same 联系我们 link: the fetcher opens it once (cached by URL)."""
    from browsers.fetcher import PageFetcher

    s = settings.replace(host_map=sample_site["host_map"])
    base = f"http://{sample_site['host']}"

    async def go():
        async with PageFetcher(s) as f:
            a = await f.fetch(base + "/variants/contact-link-phone.html", follow_contact=True)
            b = await f.fetch(base + "/variants/contact-link-phone.html", follow_contact=True)
            c = await f.fetch(base + "/index.html", follow_contact=True)  # its footer has a phone: not followed
            return a, b, c, dict(f._contact_cache)

    a, b, c, cache = asyncio.run(go())
    assert a.contact_page and a.contact_page["status"] == 200 and a.contact_png
    assert "contact" in a.timings and "contact" not in b.timings  # the second page read the cache
    assert b.contact_page["texts"] == a.contact_page["texts"]
    assert c.contact_page is None
    assert list(cache) == [base + "/lxwm/index.html"]
