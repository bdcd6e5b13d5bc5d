"""Render the saved corpus pages in real Chromium so a person can label them.

Serves every folder of the corpus (default /work/shared/corpus) from one loopback HTTP server that picks the
folder from the Host header (``<slug>.corpus.test``), opens each page in Chromium the way the corpus test does —
the page's own folder served as its host, the page's own saved scripts running, NO national-service stand-ins
and an isolated network (every other host resolves to NOTFOUND, as on an intranet or during an outage of
dcs.conac.cn, zfwzgl.www.gov.cn, toolbar hosts and CDNs) — and writes what an inspector looks at to
``/tmp/corpus-render/<slug>/``:

- ``full.png``    full-page screenshot
- ``header.png``  the top band (0..450 px)
- ``footer.png``  the bottom of the page (~700 px, extended up to the footer element's top if it is taller)
- ``footer.txt``  innerText of footer-like elements + visible text lines laid out in the bottom band
- ``metas.txt``   every <meta name=… content=…> pair
- ``links.txt``   visible links in the bottom band (text, href, images inside and whether they loaded)
- ``header.txt``  visible text in the top band, <img> alt/src/loaded, CSS background images
- ``network.txt`` failed requests / HTTP errors (to tell "image did not load" from "not there"), and the
                  requests still pending when the page was read (PENDING)
- ``entries.txt`` every element whose text/title/aria-label/alt names 无障碍/适老/长者/长辈/关怀版/老年/大字版/读屏/辅助
                  (text, href, onclick, target, visible, box), the toolbar script tags (aria.js, wza, cniil, esd,
                  mangren, assist, …); for the first visible entry of each kind (a11y, elderly), on a freshly
                  reloaded page, the result of clicking it (trusted click, else a DOM ``el.click()``): the URL after
                  ~2 s, new tabs, the requests that failed in those ~2 s (the page's own late requests included), and
                  ``after_<kind>.png`` (plus
                  ``after_<kind>_page.png``, the page itself, when the click opened a new tab)
- ``info.txt``    final URL, document size, title, load status

Usage: python tests/corpus/render_for_labels.py [slug ...] [--corpus DIR] [--out DIR] [--jobs N]
Nothing is written into the repository.
"""
from __future__ import annotations

import argparse
import asyncio
import csv
import mimetypes
import posixpath
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from browsers.launch import launch_chromium  # noqa: E402

CORPUS = Path("/work/shared/corpus")
OUT = Path("/tmp/corpus-render")
HOST_SUFFIX = ".corpus.test"
VIEWPORT = {"width": 1366, "height": 900}
HEADER_BAND = 450
FOOTER_BAND = 700
LOAD_TIMEOUT_MS = 20_000

EXTRA_TYPES = {
    ".html": "text/html", ".htm": "text/html", ".shtml": "text/html",
    ".css": "text/css", ".js": "application/javascript", ".json": "application/json",
    ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
    ".svg": "image/svg+xml", ".webp": "image/webp", ".ico": "image/x-icon", ".bmp": "image/bmp",
    ".woff": "font/woff", ".woff2": "font/woff2", ".ttf": "font/ttf", ".otf": "font/otf",
    ".eot": "application/vnd.ms-fontobject", ".txt": "text/plain", ".xml": "application/xml",
}


def content_type(path: Path) -> str:
    ext = path.suffix.lower()
    if ext in EXTRA_TYPES:
        return EXTRA_TYPES[ext]
    guessed, _ = mimetypes.guess_type(path.name)
    return guessed or "application/octet-stream"


def load_charsets(corpus: Path) -> dict[str, str]:
    """slug -> MANIFEST declared_charset (sent in the HTTP Content-Type of .html, as the live servers do)."""
    try:
        with open(corpus / "MANIFEST.tsv", encoding="utf-8") as fh:
            return {r["slug"]: (r.get("declared_charset") or "").strip() for r in csv.DictReader(fh, delimiter="\t")}
    except OSError:
        return {}


def make_handler(corpus: Path, http_charset: bool = True) -> type[BaseHTTPRequestHandler]:
    charsets = load_charsets(corpus) if http_charset else {}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt: str, *args: object) -> None:  # quiet
            pass

        def _send(self, status: int, body: bytes, ctype: str, head: bool = False) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            if not head:
                self.wfile.write(body)

        def _resolve(self) -> Path | None:
            host = (self.headers.get("Host") or "").split(":")[0].lower()
            if not host.endswith(HOST_SUFFIX):
                return None
            slug = host[: -len(HOST_SUFFIX)]
            root = (corpus / slug).resolve()
            if not root.is_dir() or root.parent != corpus.resolve():
                return None
            raw = urllib.parse.urlsplit(self.path).path
            rel = posixpath.normpath(urllib.parse.unquote(raw)).lstrip("/")
            if rel in ("", "."):
                rel = "index.html"
            target = (root / rel).resolve()
            if root not in target.parents and target != root:
                return None
            if target.is_dir():
                target = target / "index.html"
            return target if target.is_file() else None

        def _serve(self, head: bool) -> None:
            target = self._resolve()
            if target is None:
                self._send(404, b"not found", "text/plain", head)
                return
            # The saved bytes as they are (no transcoding). For .html the Content-Type carries the page's
            # declared charset from MANIFEST, like the live server's header: three www.sc.gov.cn pages have no
            # <meta charset> and would otherwise be decoded as windows-1252.
            ctype = content_type(target)
            slug = target.relative_to(corpus.resolve()).parts[0]
            if ctype == "text/html" and charsets.get(slug):
                ctype += f"; charset={charsets[slug]}"
            self._send(200, target.read_bytes(), ctype, head)

        def do_GET(self) -> None:
            self._serve(False)

        def do_HEAD(self) -> None:
            self._serve(True)

    return Handler


def start_server(corpus: Path, http_charset: bool = True) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(corpus, http_charset))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


# ---------------------------------------------------------------- in-page collection

COLLECT_JS = r"""
([HEADER_BAND, FOOTER_BAND]) => {
  const docH = Math.max(document.documentElement.scrollHeight, document.body ? document.body.scrollHeight : 0);
  const docW = Math.max(document.documentElement.scrollWidth, document.body ? document.body.scrollWidth : 0);
  const sx = window.scrollX, sy = window.scrollY;
  const vis = (el) => {
    if (!el || !el.getBoundingClientRect) return false;
    const r = el.getBoundingClientRect();
    if (r.width < 1 || r.height < 1) return false;
    if (el.checkVisibility && !el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})) return false;
    const cs = getComputedStyle(el);
    if (cs.visibility === 'hidden' || cs.display === 'none' || parseFloat(cs.opacity) === 0) return false;
    const x = r.left + sx, y = r.top + sy;
    if (x + r.width <= 0 || y + r.height <= 0 || x >= docW) return false;
    return true;
  };
  const box = (el) => { const r = el.getBoundingClientRect();
    return [Math.round(r.left + sx), Math.round(r.top + sy), Math.round(r.width), Math.round(r.height)]; };
  const txt = (s) => (s || '').replace(/\s+/g, ' ').trim();

  // metas
  const metas = [...document.querySelectorAll('meta')].filter(m => m.getAttribute('name') || m.getAttribute('http-equiv'))
    .map(m => [m.getAttribute('name') !== null ? m.getAttribute('name') : ('http-equiv:' + m.getAttribute('http-equiv')),
               m.getAttribute('content')]);

  // visible text lines (per text node, with the rect of its range)
  const lines = [];
  const walker = document.createTreeWalker(document.body || document.documentElement, NodeFilter.SHOW_TEXT);
  let n;
  while ((n = walker.nextNode())) {
    const t = txt(n.nodeValue);
    if (!t) continue;
    const p = n.parentElement;
    if (!p || ['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE'].includes(p.tagName)) continue;
    if (!vis(p)) continue;
    const range = document.createRange(); range.selectNodeContents(n);
    const r = range.getBoundingClientRect();
    if (r.width < 1 || r.height < 1) continue;
    const cs = getComputedStyle(p);
    lines.push({t, x: Math.round(r.left + sx), y: Math.round(r.top + sy), w: Math.round(r.width), h: Math.round(r.height),
                color: cs.color, fs: cs.fontSize, tag: p.tagName.toLowerCase()});
  }

  // images
  const imgs = [...document.images].map(im => ({
    src: im.currentSrc || im.src || im.getAttribute('src') || '', alt: im.getAttribute('alt'), title: im.getAttribute('title'),
    loaded: im.complete && im.naturalWidth > 0, nw: im.naturalWidth, nh: im.naturalHeight, visible: vis(im), box: box(im),
    inLink: im.closest('a') ? (im.closest('a').getAttribute('href') || '') : null,
  }));

  // CSS background images (elements in the top band and bottom band)
  const bgs = [];
  for (const el of document.querySelectorAll('body *')) {
    const bi = getComputedStyle(el).backgroundImage;
    if (!bi || bi === 'none' || !bi.includes('url(')) continue;
    const b = box(el);
    if (b[2] < 1 || b[3] < 1) continue;
    if (b[1] < HEADER_BAND || b[1] + b[3] > docH - FOOTER_BAND)
      bgs.push({tag: el.tagName.toLowerCase(), id: el.id, cls: (typeof el.className === 'string' ? el.className : ''),
                bg: bi.slice(0, 300), box: b, visible: vis(el)});
  }

  // links
  const links = [...document.querySelectorAll('a[href]')].map(a => ({
    text: txt(a.innerText), href: a.getAttribute('href'), abs: a.href, visible: vis(a) ||
      [...a.querySelectorAll('img')].some(vis), box: box(a),
    imgs: [...a.querySelectorAll('img')].map(im => ({src: im.currentSrc || im.src, alt: im.getAttribute('alt'),
           loaded: im.complete && im.naturalWidth > 0, visible: vis(im), box: box(im)})),
  }));

  // footer-like elements
  const footSel = 'footer, [id*=foot i], [class*=foot i], [id*=bottom i], [class*=bottom i], [id*=copyright i], [class*=copyright i]';
  let feet = [...document.querySelectorAll(footSel)].filter(el => vis(el) && box(el)[3] > 20);
  feet = feet.filter(el => !feet.some(o => o !== el && o.contains(el)));  // outermost only
  const footers = feet.map(el => ({tag: el.tagName.toLowerCase(), id: el.id,
    cls: (typeof el.className === 'string' ? el.className : ''), box: box(el), text: el.innerText}));

  // hidden elements that carry footer markers (for notes: "in DOM but invisible")
  const markers = /(网站标识码|ICP|公网安备|主办|找错|jiucuo|conac)/i;
  const hidden = [];
  for (const el of document.querySelectorAll('body *')) {
    if (el.children.length > 0 && !['A', 'SPAN', 'P'].includes(el.tagName)) continue;
    const s = (el.textContent || '') + ' ' + (el.getAttribute('href') || '') + ' ' + (el.getAttribute('src') || '') + ' ' + (el.id || '');
    if (markers.test(s) && !vis(el)) hidden.push({tag: el.tagName.toLowerCase(), id: el.id, s: txt(s).slice(0, 200), box: box(el)});
  }

  // jiucuo/conac script tags
  const scripts = [...document.scripts].map(s => ({src: s.getAttribute('src'), id: s.id, sitecode: s.getAttribute('sitecode')}))
    .filter(s => s.src && /conac|jiucuo|kaipuyun|121\.43\.68\.40/i.test(s.src));

  return {docH, docW, title: document.title, charset: document.characterSet, metas, lines, imgs, bgs, links, footers, hidden, scripts};
}
"""


ENTRY_JS = r"""
() => {
  const RE = /无障碍|适老|长者|长辈|关怀版|关爱版|老年|老人|敬老|银发|大字版|读屏|辅助/;
  const ELD = /适老|长者|长辈|关怀版|关爱版|老年|老人|敬老|银发|大字版/;
  const vis = (el) => {
    if (!el || !el.getBoundingClientRect) return false;
    const r = el.getBoundingClientRect();
    if (r.width < 1 || r.height < 1) return false;
    const cs = getComputedStyle(el);
    if (cs.visibility === 'hidden' || cs.display === 'none' || parseFloat(cs.opacity) === 0) return false;
    return el.checkVisibility ? el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true}) : true;
  };
  const txt = (s) => (s || '').replace(/\s+/g, ' ').trim();
  const out = []; const seen = new Set(); let k = 0;
  for (const el of document.querySelectorAll('a, button, [role=button], [onclick], input, img, span, li, div, p, em, i, b, strong')) {
    const own = el.tagName === 'IMG' ? ((el.getAttribute('alt') || '') + ' ' + (el.getAttribute('title') || '') + ' ' + (el.getAttribute('src') || '').split('/').pop())
      : ((el.children.length === 0 || el.tagName === 'A' || el.tagName === 'BUTTON') ? (el.innerText || el.value || '') + ' ' : '')
        + (el.getAttribute('title') || '') + ' ' + (el.getAttribute('aria-label') || '');
    const t = txt(own);
    if (!t || t.length > 40 || !RE.test(t)) continue;
    const owner = el.closest('a, button, [role=button], [onclick], input') || el;
    if (seen.has(owner)) continue;
    seen.add(owner);
    const r = owner.getBoundingClientRect();
    const id = 'ga-entry-' + (k++);
    owner.setAttribute('data-ga-entry', id);
    out.push({id, kind: ELD.test(t) ? 'elderly' : 'a11y', text: t, tag: owner.tagName.toLowerCase(),
      href: owner.getAttribute('href') || '', abs: owner.href || '', onclick: (owner.getAttribute('onclick') || '').slice(0, 200),
      target: owner.getAttribute('target') || '', visible: vis(owner) || vis(el),
      box: [Math.round(r.left + scrollX), Math.round(r.top + scrollY), Math.round(r.width), Math.round(r.height)],
      html: owner.outerHTML.slice(0, 300)});
  }
  const TB = /mangren|esd|aria\.js|\/wza\/|wza[._-]|cniil|barrierfree|accessib|ydzs|assist|toolbar|slh\.js|jiathis|ariaplugin|wzatool/i;
  const scripts = [...document.scripts].map(s => s.getAttribute('src')).filter(s => s && TB.test(s));
  return {entries: out, scripts};
}
"""

async def probe_entries(page, context, url: str, out: Path, failed: list[str]) -> None:
    """List the 无障碍/适老化 entries and click the first (visible first) one of each kind, page reloaded between."""
    data = await page.evaluate(ENTRY_JS)
    lines = ["# entries (text, tag, href, onclick, visible, box)"]
    for e in data["entries"]:
        lines.append(f'{e["kind"]:7} visible={e["visible"]} box={e["box"]} <{e["tag"]}> {e["text"]!r} href={e["href"]!r} '
                     f'target={e["target"]!r} onclick={e["onclick"]!r}\n        html={e["html"]!r}')
    lines += ["", "# toolbar script tags"] + [f"script {s}" for s in data["scripts"]]
    for kind in ("a11y", "elderly"):
        cands = [e for e in data["entries"] if e["kind"] == kind]
        # what a visitor sees and clicks: visible, on the page (not a skip link parked off-screen), short label
        cands.sort(key=lambda e: (not e["visible"], e["box"][1] < 0 or e["box"][0] + e["box"][2] <= 0,
                                  len(e["text"]) > 12, e["box"][1]))
        if not cands:
            lines += ["", f"# click {kind}: no entry"]
            continue
        e = cands[0]
        lines += ["", f"# click {kind}: {e['text']!r} visible={e['visible']} href={e['href']!r} onclick={e['onclick']!r}"]
        # fresh page state: reload, forget any remembered mode
        try:
            await page.evaluate("() => { try { localStorage.clear(); sessionStorage.clear(); } catch (e) {} }")
            await context.clear_cookies()
            await page.goto(url, wait_until="load", timeout=LOAD_TIMEOUT_MS)
            try:  # let the reload's own late requests settle, so they are not counted as the click's
                await page.wait_for_load_state("networkidle", timeout=3000)
            except Exception:  # noqa: BLE001
                pass
            await page.wait_for_timeout(500)
            await page.evaluate(ENTRY_JS)  # re-mark the entries in the reloaded document
        except Exception as exc:  # noqa: BLE001
            lines.append(f"reload error: {str(exc).splitlines()[0][:200]}")
        n_before = len(failed)
        opened: list = []

        def handler(p) -> None:
            opened.append(p)
            p.on("requestfailed", lambda r: failed.append(f"FAILED(new tab) {r.failure} {r.url}"))
            p.on("response", lambda r: failed.append(f"HTTP(new tab) {r.status} {r.url}") if r.status >= 400 else None)
        context.on("page", handler)
        how = "trusted"
        try:
            await page.locator(f'[data-ga-entry="{e["id"]}"]').first.click(timeout=3000)
        except Exception as exc:  # noqa: BLE001
            how = f"trusted click failed ({str(exc).splitlines()[0][:120]}); DOM el.click()"
            try:
                await page.evaluate("(id) => document.querySelector(`[data-ga-entry=\"${id}\"]`).click()", e["id"])
            except Exception as exc2:  # noqa: BLE001
                how += f" failed too: {str(exc2).splitlines()[0][:120]}"
        await page.wait_for_timeout(2200)
        context.remove_listener("page", handler)
        opened += [p for p in context.pages if p is not page and p not in opened]
        target = opened[-1] if opened else page
        if opened:
            try:
                await target.wait_for_load_state("load", timeout=5000)
            except Exception:  # noqa: BLE001
                pass
        lines.append(f"click: {how}")
        lines.append(f"url after: {page.url}")
        for p in opened:
            lines.append(f"new tab: {p.url}")
        if target is not page:  # a new tab: keep a picture of the page itself too (a toolbar may be there)
            try:
                await page.screenshot(path=str(out / f"after_{kind}_page.png"))
            except Exception:  # noqa: BLE001
                pass
        try:
            await target.screenshot(path=str(out / f"after_{kind}.png"))
        except Exception as exc:  # noqa: BLE001
            lines.append(f"screenshot error: {str(exc).splitlines()[0][:200]}")
        lines.append("failed requests during the click:")
        lines += [f"  {f}" for f in failed[n_before:]]
        for p in opened:
            await p.close()
    (out / "entries.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


def fmt_lines(lines: list[dict], lo: float, hi: float) -> str:
    out = []
    for ln in sorted((x for x in lines if lo <= x["y"] < hi), key=lambda x: (x["y"], x["x"])):
        out.append(f'[{ln["x"]},{ln["y"]} {ln["w"]}x{ln["h"]} {ln["fs"]} {ln["color"]}] {ln["t"]}')
    return "\n".join(out)


async def render_one(browser, port: int, slug: str, path: str, out_root: Path) -> str:
    out = out_root / slug
    out.mkdir(parents=True, exist_ok=True)
    context = await browser.new_context(viewport=VIEWPORT, ignore_https_errors=True)
    # No national-service stand-ins: those hosts fail here as they do on an intranet (isolate=True at launch).
    page = await context.new_page()
    failed: list[str] = []
    pending: dict[int, str] = {}
    page.on("request", lambda r: pending.__setitem__(id(r), r.url))
    page.on("requestfinished", lambda r: pending.pop(id(r), None))
    page.on("requestfailed", lambda r: (pending.pop(id(r), None), failed.append(f"FAILED {r.failure} {r.url}")))
    page.on("response", lambda r: failed.append(f"HTTP {r.status} {r.url}") if r.status >= 400 else None)
    url = f"http://{slug}{HOST_SUFFIX}/{path}"
    status = "load"
    try:
        await page.goto(url, wait_until="load", timeout=LOAD_TIMEOUT_MS)
    except Exception as exc:  # timeout or navigation error: proceed with what is there
        status = f"load-timeout/error: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
    try:
        await page.wait_for_load_state("networkidle", timeout=3000)
    except Exception:
        pass
    # scroll through once so lazy images and scroll-triggered parts get a chance, then back to the top
    try:
        await page.evaluate("""async () => { const h = document.documentElement.scrollHeight;
            for (let y = 0; y < h; y += 800) { window.scrollTo(0, y); await new Promise(r => setTimeout(r, 30)); }
            window.scrollTo(0, 0); }""")
        await page.wait_for_timeout(500)
    except Exception:
        pass
    data = await page.evaluate(COLLECT_JS, [HEADER_BAND, FOOTER_BAND])
    doc_h, doc_w = data["docH"], max(data["docW"], VIEWPORT["width"])

    await page.screenshot(path=str(out / "full.png"), full_page=True)
    await page.screenshot(path=str(out / "header.png"), full_page=True,
                          clip={"x": 0, "y": 0, "width": doc_w, "height": min(HEADER_BAND, doc_h)})
    foot_top = max(0, doc_h - FOOTER_BAND)
    # if the outermost footer element starts higher (tall footer), extend up to it (at most 1400 px in all)
    for f in data["footers"]:
        fy, fh = f["box"][1], f["box"][3]
        if fy + fh >= doc_h - 60 and fy < foot_top:
            foot_top = max(0, fy - 10, doc_h - 1400)
    await page.screenshot(path=str(out / "footer.png"), full_page=True,
                          clip={"x": 0, "y": foot_top, "width": doc_w, "height": doc_h - foot_top})

    (out / "metas.txt").write_text("\n".join(f"{k}\t{v!r}" for k, v in data["metas"]) + "\n", encoding="utf-8")

    hdr = [f"# visible text with top < {HEADER_BAND}px  [x,y wxh font-size color]",
           fmt_lines(data["lines"], -10_000, HEADER_BAND), "", "# <img> with top < 450px"]
    for im in data["imgs"]:
        if im["box"][1] < HEADER_BAND:
            hdr.append(f'img loaded={im["loaded"]} ({im["nw"]}x{im["nh"]}) visible={im["visible"]} box={im["box"]} '
                       f'alt={im["alt"]!r} title={im["title"]!r} src={im["src"]} link={im["inLink"]!r}')
    hdr += ["", "# CSS background images in the top band"]
    for b in data["bgs"]:
        if b["box"][1] < HEADER_BAND:
            hdr.append(f'{b["tag"]}#{b["id"]}.{b["cls"]} box={b["box"]} visible={b["visible"]} {b["bg"]}')
    (out / "header.txt").write_text("\n".join(hdr) + "\n", encoding="utf-8")

    ft = [f"# document height {doc_h}; footer band from y={foot_top}", "", "# footer-like elements (outermost)"]
    for f in data["footers"]:
        if f["box"][1] + f["box"][3] > doc_h - FOOTER_BAND - 400:
            ft.append(f'== <{f["tag"]} id={f["id"]!r} class={f["cls"]!r}> box={f["box"]}')
            ft.append(f["text"])
    ft += ["", f"# visible text lines with y >= {foot_top}", fmt_lines(data["lines"], foot_top, 10 ** 9),
           "", "# images in the footer band"]
    for im in data["imgs"]:
        if im["box"][1] + im["box"][3] > foot_top:
            ft.append(f'img loaded={im["loaded"]} ({im["nw"]}x{im["nh"]}) visible={im["visible"]} box={im["box"]} '
                      f'alt={im["alt"]!r} src={im["src"]} link={im["inLink"]!r}')
    ft += ["", "# elements with footer markers that are NOT visible"]
    ft += [f'{h["tag"]}#{h["id"]} box={h["box"]} {h["s"]}' for h in data["hidden"]]
    ft += ["", "# national-service script tags"]
    ft += [f'script id={s["id"]!r} sitecode={s["sitecode"]!r} src={s["src"]}' for s in data["scripts"]]
    (out / "footer.txt").write_text("\n".join(ft) + "\n", encoding="utf-8")

    lk = [f"# links with bottom edge > {foot_top} (visible ones; hidden ones marked HIDDEN)"]
    for a in data["links"]:
        if a["box"][1] + a["box"][3] > foot_top or any(i["box"][1] > foot_top for i in a["imgs"]):
            flag = "" if a["visible"] else "HIDDEN "
            lk.append(f'{flag}[{a["box"]}] {a["text"]!r} -> {a["href"]}')
            for im in a["imgs"]:
                lk.append(f'    img loaded={im["loaded"]} visible={im["visible"]} box={im["box"]} alt={im["alt"]!r} src={im["src"]}')
    lk += ["", "# anywhere on the page: links to national services / beian"]
    for a in data["links"]:
        if any(k in (a["abs"] or "") for k in ("conac", "jiucuo", "beian", "miit", "kaipuyun", "121.43.68.40")):
            flag = "visible" if a["visible"] else "HIDDEN"
            lk.append(f'{flag} [{a["box"]}] {a["text"]!r} -> {a["abs"]}')
    (out / "links.txt").write_text("\n".join(lk) + "\n", encoding="utf-8")

    still = sorted(set(pending.values()))
    (out / "network.txt").write_text("\n".join(failed + [f"PENDING {u}" for u in still]) + "\n", encoding="utf-8")
    try:
        await probe_entries(page, context, url, out, failed)
    except Exception as exc:  # noqa: BLE001 - the entry listing is a help for the labeller, never the render's end
        with open(out / "entries.txt", "a", encoding="utf-8") as fh:
            fh.write(f"\nERROR {type(exc).__name__}: {str(exc).splitlines()[0][:300]}\n")
    (out / "info.txt").write_text(f"url {url}\nstatus {status}\ntitle {data['title']}\ncharset {data['charset']}\n"
                                  f"doc {doc_w}x{doc_h}\nfooter_top {foot_top}\n", encoding="utf-8")
    await context.close()
    return f"{slug}: {status}, {doc_w}x{doc_h}"


async def main_async(args: argparse.Namespace) -> int:
    from playwright.async_api import async_playwright

    corpus = Path(args.corpus)
    with open(corpus / "MANIFEST.tsv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    if args.slugs:
        rows = [r for r in rows if r["slug"] in set(args.slugs)]
    server = start_server(corpus, not args.no_http_charset)
    port = server.server_address[1]
    out_root = Path(args.out)
    try:
        async with async_playwright() as p:
            browser = await launch_chromium(p, host_map={f"*{HOST_SUFFIX}": f"127.0.0.1:{port}"}, isolate=True)
            sem = asyncio.Semaphore(args.jobs)

            async def run(row: dict) -> None:
                async with sem:
                    try:
                        print(await render_one(browser, port, row["slug"], row["path"], out_root), flush=True)
                    except Exception as exc:
                        print(f'{row["slug"]}: ERROR {type(exc).__name__}: {exc}', flush=True)

            await asyncio.gather(*(run(r) for r in rows))
            await browser.close()
    finally:
        server.shutdown()
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("slugs", nargs="*")
    ap.add_argument("--corpus", default=str(CORPUS))
    ap.add_argument("--out", default=str(OUT))
    ap.add_argument("--jobs", type=int, default=3)
    ap.add_argument("--no-http-charset", action="store_true",
                    help="send .html as plain text/html (no charset parameter)")
    return asyncio.run(main_async(ap.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
