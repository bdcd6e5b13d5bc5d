"""无障碍/适老化 in real Chromium: axe-core findings mapped to GB/T 37668, the entries switched on and measured,
the 适老化 machine checks, and the two engines (Playwright, Selenium local and remote) agreeing."""
from __future__ import annotations

import asyncio
import hashlib
import socket
import subprocess
import time
from pathlib import Path

import pytest

from auditor.a11y import gbt_indicator, sc_from_tags, violation_set
from auditor.models import SiteProfile
from auditor.report import run_document
from auditor.store import Store
from browsers.fetcher import PageFetcher
from browsers.launch import CHROMIUM_PATH
from browsers.selenium_engine import CHROMEDRIVER_PATH, SeleniumFetcher
from workers.inprocess import run_pages

pytestmark = [pytest.mark.browser]

BAD_NODES = {"image-alt": "#bad-img", "label": "#bad-input", "link-name": "#bad-link",
             "button-name": "#bad-button", "color-contrast": "#bad-contrast"}


def test_wcag_criteria_map_to_gbt37668():
    assert sc_from_tags(["cat.text-alternatives", "wcag2a", "wcag111", "section508", "wcag111"]) == ["1.1.1"]
    assert sc_from_tags(["wcag2aa", "wcag1412", "wcag143"]) == ["1.4.12", "1.4.3"]
    g = gbt_indicator("1.4.3")
    assert (g.clause, g.principle, g.guideline, g.name, g.level) == ("5.1.4", "可感知性", "可辨别", "对比度（最低）", "AA")
    assert gbt_indicator("4.1.2").clause == "5.4.1" and gbt_indicator("2.4.4").guideline == "可导航"
    # WCAG 2.1 additions have no GB/T 37668-2019 counterpart, and the label says so.
    reflow = gbt_indicator("1.4.10")
    assert reflow.clause is None and "无对应指标" in reflow.label


def _audit(settings, sample_site, paths, **changes):
    s = settings.replace(host_map=sample_site["host_map"], **changes)
    store = Store(s.database_url)
    store.upgrade()
    truth = sample_site["truth"]
    urls = [f"http://{sample_site['host']}{p}" for p in paths]
    run_id = asyncio.run(run_pages(s, store, urls, SiteProfile(truth["site"]["name"], truth["site"]["code"])))
    return run_document(store.run_with_pages(run_id), s.evidence_dir), s


def test_entries_and_elderly_items_match_the_truth(settings, sample_site):
    """Working, broken, class-only, missing, separate-page and picture-only entries; pop-up ads, hidden focus,
    keyboard-unreachable navigation, text clipped at 200 %: each page's 无障碍/适老化 statuses as recorded."""
    pages = sample_site["truth"]["pages"]
    paths = [p for p in pages if "a11y" in pages[p]]
    assert len(paths) >= 12
    doc, s = _audit(settings, sample_site, paths, elderly="all")
    root = Path(s.evidence_dir)
    wrong = []
    prefix = f"http://{sample_site['host']}"
    for page in doc["pages"]:
        path = page["url"][len(prefix):]
        assert page["error"] is None, (path, page["error"])
        got = {c["rule"]: c for c in page["checks"]}
        for rule, want in pages[path]["a11y"].items():
            if rule in ("axe", "review"):
                prefix_ = "a11y." if rule == "axe" else "a11y.review."
                missing = {r for r in want if f"{prefix_}{r}" not in got}
                if missing:
                    wrong.append(f"{path}: {rule} rules not reported: {missing}")
                continue
            have = got[rule]["status"] if rule in got else "skip"
            if have != want:
                wrong.append(f"{path} {rule}: expected {want}, got {have} ({got.get(rule, {}).get('message')})")
        for c in page["checks"]:
            assert c["evidence"], (path, c["rule"])
            for ev in c["evidence"]:
                if ev["path"]:
                    assert hashlib.sha256((root / ev["path"]).read_bytes()).hexdigest() == ev["sha256"]
    assert not wrong, "\n".join(wrong)

    by_path = {p["url"][len(prefix):]: {c["rule"]: c for c in p["checks"]} for p in doc["pages"]}
    # A working entry: the main text got larger, with pictures before and after the click.
    home = by_path["/index.html"]
    entry = home["elderly.entry"]
    assert entry["value"]["font_after"] >= entry["value"]["font_before"] * 1.1
    shots = [e for e in entry["evidence"] if e["kind"] == "shot"]
    assert len(shots) == 2 and shots[0]["sha256"] != shots[1]["sha256"]
    assert "工具条" in home["a11y.entry"]["message"]
    # Nothing changes: its own finding, with the same pictures.
    broken = by_path["/variants/elderly-broken.html"]["elderly.entry"]
    assert "无变化" in broken["message"] and len([e for e in broken["evidence"] if e["kind"] == "shot"]) == 2
    # The entry drawn as a picture was read by OCR and clicked where the text is.
    assert by_path["/variants/elderly-image-entry.html"]["elderly.entry"]["value"]["entry"]["source"] == "ocr"
    # The separate 适老版 page counts when its text is larger.
    sep = by_path["/variants/elderly-separate.html"]["elderly.entry"]["value"]
    assert sep["navigated"] and sep["url_after"].endswith("/zzms/index.html")
    popup = by_path["/variants/elderly-popup.html"]["elderly.no_popups"]
    assert popup["value"]["popups"][0]["selector"] == "#float-ad"


def test_axe_findings_carry_wcag_gbt_chinese_and_crops(settings, sample_site):
    doc, s = _audit(settings, sample_site, ["/variants/a11y-violations.html"], elderly="off")
    checks = {c["rule"]: c for c in doc["pages"][0]["checks"]}
    for rule, node in BAD_NODES.items():
        c = checks[f"a11y.{rule}"]
        assert node in c["value"]["targets"], (rule, c["value"]["targets"])
        assert c["value"]["wcag"] and c["value"]["axe_version"].startswith("4.")
        crops = [e for e in c["evidence"] if e["kind"] == "crop"]
        assert 1 <= len(crops) <= s.a11y_node_cap
    img = checks["a11y.image-alt"]
    assert img["status"] == "fail" and img["message"].startswith("图像必须有替代文本")
    assert img["value"]["gbt37668"][0]["clause"] == "5.1.1" and img["value"]["wcag"] == ["1.1.1"]
    assert "GB/T 37668-2019 5.1.1" in img["message"]
    # Our own checks, beyond axe: the grey "|" separator, the form without a submit button, the image-only link.
    assert "#bad-sep" in checks["a11y.ga-symbol-contrast"]["value"]["targets"]  # and the footer's grey "|"s
    assert checks["a11y.ga-symbol-contrast"]["value"]["wcag"] == ["1.4.3"]
    assert "#bad-form" in checks["a11y.ga-form-submit"]["value"]["targets"]  # and the header's search box
    assert checks["a11y.ga-form-submit"]["value"]["gbt37668"][0]["clause"] == "5.3.2"
    # and the 党政机关网站标识, whose official markup gives its picture no alt
    assert set(checks["a11y.ga-image-link-alt"]["value"]["targets"]) == {"#bad-imglink", "#_ideConac > a"}
    assert all(checks[r]["value"]["source"] == "govsite-auditor" for r in
               ("a11y.ga-symbol-contrast", "a11y.ga-form-submit", "a11y.ga-image-link-alt"))
    # Text over a picture: axe cannot compute its contrast and leaves it for review; so do we, with a crop.
    review = checks["a11y.review.color-contrast"]
    assert review["status"] == "warn" and review["message"].startswith("需人工复核")
    assert "#review-bg" in review["value"]["targets"] and review["value"]["needs_review"]
    assert "#review-bg" not in checks["a11y.color-contrast"]["value"]["targets"]
    assert [e for e in review["evidence"] if e["kind"] == "crop"]
    # The summary lists every violated rule and every rule left for review; best practices are warnings.
    summary = checks["a11y.axe"]
    assert summary["status"] == "fail" and set(summary["value"]["rules"]) == {
        r for r in checks if r.startswith("a11y.") and r != "a11y.axe" and not r.startswith("a11y.review.")}
    assert set(summary["value"]["review"]) == {r for r in checks if r.startswith("a11y.review.")}
    for c in checks.values():
        if c["rule"].startswith("a11y.") and c["value"] and c["value"].get("best_practice"):
            assert c["status"] == "warn"


ENGINE_PAGES = ["/index.html", "/variants/a11y-violations.html", "/zwgk/gzdt/index.html",
                "/variants/header-image-noalt.html", "/variants/focus-hidden.html"]


async def _both(settings, urls):
    async with PageFetcher(settings) as f:
        pw = [await f.fetch(u, a11y=True) for u in urls]
    async with SeleniumFetcher(settings) as f:
        se = [await f.fetch(u, a11y=True) for u in urls]
    return pw, se


def test_playwright_and_selenium_report_the_same_violations(settings, sample_site):
    # The national-service stand-ins are a Playwright route; both engines run without them here.
    s = settings.replace(host_map=sample_site["host_map"], standins=False)
    urls = [f"http://{sample_site['host']}{p}" for p in ENGINE_PAGES]
    pw, se = asyncio.run(_both(s, urls))
    for a, b in zip(pw, se):
        assert a.ok and b.ok, (a.error, b.error)
        assert a.axe["engine"] == "playwright" and b.axe["engine"] == "selenium"
        assert a.axe["version"] == b.axe["version"]
        va, vb = violation_set(a.axe), violation_set(b.axe)
        assert va and va == vb, (a.url, va ^ vb)
        # Same layout, same boxes: the crops show the same element.
        for x, y in zip(a.axe["violations"], b.axe["violations"]):
            assert [n.get("box") for n in x["nodes"][:5]] == [n.get("box") for n in y["nodes"][:5]]


def test_selenium_engine_runs_the_page_audit(settings, sample_site):
    """The whole page job on the Selenium engine: probe, screenshot, rules, axe; the run records its engine."""
    doc, _ = _audit(settings, sample_site, ["/index.html", "/variants/icp-missing.html", "/no-such-page.html"],
                    engine="selenium", standins=False, elderly="off")
    assert doc["run"]["engine"] == "selenium"
    pages = {p["url"].rsplit("/", 1)[1]: p for p in doc["pages"]}
    assert pages["no-such-page.html"]["error"] and pages["no-such-page.html"]["status"] == 404
    icp = {c["rule"]: c["status"] for c in pages["icp-missing.html"]["checks"]}
    assert icp["footer.icp"] == "fail" and icp["footer.sponsor"] == "pass" and "a11y.axe" in icp
    assert pages["index.html"]["screenshot"]["sha256"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_selenium_remote_end_by_url(settings, sample_site):
    """The Grid path: ``selenium_grid_url`` makes a webdriver.Remote session. A chromedriver listening on a port
    is a W3C WebDriver remote end, as a Grid is, so the same code path is tested against a real server."""
    port = _free_port()
    proc = subprocess.Popen([CHROMEDRIVER_PATH, f"--port={port}", "--allowed-ips=127.0.0.1"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        s = settings.replace(host_map=sample_site["host_map"], standins=False,
                             selenium_grid_url=f"http://127.0.0.1:{port}", selenium_binary=CHROMIUM_PATH)
        url = f"http://{sample_site['host']}/variants/a11y-violations.html"

        async def go():
            async with SeleniumFetcher(s) as f:
                return await f.fetch(url, a11y=True)

        remote = asyncio.run(go())
        assert remote.ok, remote.error
        local = asyncio.run(_both(s.replace(selenium_grid_url=None), [url]))[0][0]
        assert violation_set(remote.axe) == violation_set(local.axe)
        # The full page on the remote end too (the window is grown to the document's height, no CDP).
        import io

        from PIL import Image

        tall, full = Image.open(io.BytesIO(remote.screenshot)), Image.open(io.BytesIO(local.screenshot))
        assert tall.height > s.viewport_height and abs(tall.height - full.height) <= 2, (tall.size, full.size)
    finally:
        proc.terminate()
        proc.wait(10)


def test_hostile_pages_in_the_a11y_pass(settings, tmp_path):
    """A page that blocks axe is 无法评估 while the page still counts; an entry that raises alerts is handled."""
    from tests.servers import host_static_server

    www = tmp_path / "www"
    www.mkdir()
    (www / "noaxe.html").write_text(
        "<html lang=zh-CN><head><title>t</title><script>Object.defineProperty(window,'axe',"
        "{value:1,writable:false,configurable:false});</script></head><body><p>正文</p></body></html>", "utf-8")
    (www / "alert.html").write_text(
        "<html lang=zh-CN><head><title>t</title></head><body><a href='javascript:void(0)' "
        "onclick='for(let i=0;i<5;i++)alert(1)'>长者模式</a><nav><a href='/a'>首页</a></nav><p>正文</p></body></html>",
        "utf-8")
    server, port = host_static_server({"127.0.0.1": www})
    base = f"http://127.0.0.1:{port}"
    try:
        s = settings.replace(elderly="all", ocr=False)
        store = Store(s.database_url)
        store.upgrade()
        run_id = asyncio.run(run_pages(s, store, [f"{base}/noaxe.html", f"{base}/alert.html"], SiteProfile("t")))
        doc = run_document(store.run_with_pages(run_id), s.evidence_dir)
    finally:
        server.shutdown()
    pages = {p["url"].rsplit("/", 1)[1]: {c["rule"]: c for c in p["checks"]} for p in doc["pages"]}
    assert pages["noaxe.html"]["a11y.axe"]["status"] == "not_assessable"
    assert "header.site_name" in pages["noaxe.html"]
    assert pages["alert.html"]["elderly.entry"]["status"] == "fail"  # alerts only, nothing changes
    assert pages["alert.html"]["a11y.axe"]["status"] in ("pass", "warn", "fail")
