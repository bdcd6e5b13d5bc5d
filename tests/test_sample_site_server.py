"""The bundled sample site: the server answers, and truth.json matches the files and the rules contract."""
from __future__ import annotations

import re
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from auditor import sample_site

# The truth tests are pure (fast); the ones that serve the site keep the browser mark they had.
served = pytest.mark.browser

REPO = Path(__file__).resolve().parents[1]
RULES_MD = REPO / "docs" / "rules.md"
STATUSES = {"pass", "fail", "warn", "not_assessable", "skip"}
KINDS = {"home", "column", "article"}


def rule_ids() -> list[str]:
    """The page rules' ids (the contract); docs/rules.md's table is generated from them (tests/test_rule_meta.py)."""
    from auditor.rules import RULE_IDS

    return RULE_IDS


@pytest.fixture(scope="module")
def base_url():
    server, base = sample_site.serve()
    yield base
    server.shutdown()
    server.server_close()


def fetch(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), b""


@served
def test_serve_returns_base_url(base_url):
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", base_url)


@served
@pytest.mark.parametrize("path", ["/", "/index.html", "/zwgk/gzdt/index.html", "/variants/footer-absent.html"])
def test_pages_served_as_utf8_html(base_url, path):
    status, ctype, body = fetch(base_url + path)
    assert status == 200
    assert ctype == "text/html; charset=utf-8"
    text = body.decode("utf-8")
    assert '<meta name="SiteName" content="示范市人民政府">' in text


@served
def test_root_serves_home(base_url):
    assert fetch(base_url + "/")[2] == fetch(base_url + "/index.html")[2]


@served
def test_assets_and_404(base_url):
    status, ctype, body = fetch(base_url + "/images/banner.png")
    assert status == 200 and ctype == "image/png" and body[:8] == b"\x89PNG\r\n\x1a\n"
    assert fetch(base_url + "/css/style.css")[0] == 200
    assert fetch(base_url + "/images/banner-2026.png")[0] == 404  # the header-image-broken variant relies on it


def test_site_settings():
    t = sample_site.truth()
    assert t["site"] == sample_site.SITE == {"name": "示范市人民政府", "host": "www.shifan.gov.cn", "code": "3399000001"}


def test_truth_lists_exactly_the_html_files():
    www = sample_site.WWW
    t = sample_site.truth()
    # Small sites of their own under the sample site (the 栏目 variant) keep their truth under "sites".
    subsites = tuple(v["home"].rsplit("/", 1)[0] + "/" for v in t.get("sites", {}).values())
    assert subsites == ("/variants/lanmu/",)
    on_disk = {"/" + p.relative_to(www).as_posix() for p in www.rglob("*.html")}
    listed = set(t["pages"])
    assert listed == {p for p in on_disk if not p.startswith(subsites)}
    assert all(any(p.startswith(s) for s in subsites) for p in on_disk - listed)


def test_truth_names_only_what_differs_from_the_defaults():
    """truth.json stays small: an entry equal to its default is left out (it would hide which pages break what),
    and every rule it names exists."""
    from auditor.rules import A11Y_METAS

    raw = sample_site.truth_file()
    ids, a11y_ids = set(rule_ids()), {m.id for m in A11Y_METAS}
    assert set(raw.get("defaults", {})) <= ids | a11y_ids
    for path, page in raw["pages"].items():
        page_default, a11y_default = sample_site.default_expectations(page["kind"], raw.get("defaults"))
        assert set(page.get("expect", {})) <= ids, path
        assert not {r for r, s in page.get("expect", {}).items() if page_default[r] == s}, path
        assert not {r for r, s in page.get("a11y", {}).items() if a11y_default.get(r) == s}, path


def test_truth_defaults_fill_every_rule_per_page():
    """A rule a page does not name gets its declared default; on the home page a column rule is skipped."""
    truth = sample_site.truth()
    assert truth["pages"]["/index.html"]["expect"]["meta.column"] == "skip"
    assert truth["pages"]["/index.html"]["expect"]["site.https"] == "warn"  # the site's own default (plain http)
    assert truth["pages"]["/variants/icp-missing.html"]["expect"]["footer.icp"] == "fail"
    assert truth["pages"]["/variants/icp-missing.html"]["expect"]["footer.sponsor"] == "pass"


def test_truth_expects_every_rule_per_page():
    ids = rule_ids()
    for path, page in sample_site.truth()["pages"].items():
        assert page["kind"] in KINDS, path
        assert set(page["expect"]) == set(ids), path
        assert set(page["expect"].values()) <= STATUSES, path
        if page["kind"] == "home":
            assert page["expect"]["meta.column"] == page["expect"]["meta.article"] == "skip", path
        if page["kind"] == "column":
            assert page["expect"]["meta.article"] == "skip", path
        if page["kind"] == "article":
            assert "skip" not in page["expect"].values(), path
        assert page["breaks"] is None or all(r in ids for r in page["breaks"]), path


def test_good_pages_pass_all_but_https():
    pages = sample_site.truth()["pages"]
    good = [p for p, v in pages.items() if v["breaks"] is None]
    assert len([p for p in good if pages[p]["kind"] == "article"]) >= 24
    for path in good:
        bad = {r: s for r, s in pages[path]["expect"].items() if s not in ("pass", "skip") and r != "site.https"}
        assert not bad, (path, bad)


def test_www_is_small():
    www = sample_site.WWW
    assert sum(p.stat().st_size for p in www.rglob("*") if p.is_file()) < 1_500_000
    for png in www.rglob("*.png"):
        assert png.stat().st_size < 60_000, png
