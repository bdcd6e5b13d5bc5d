"""The page's full-page screenshot (整页截图, the evidence every crop is cut from), drawn as Playwright's
``page.screenshot(full_page=True, animations="disabled")`` draws it, but encoded by Chromium's fast PNG path.

Why not Playwright's call: Chromium encodes the PNG in its browser process, and at two pages at a time that
process was the busiest of the run. CDP's ``Page.captureScreenshot`` with ``optimizeForSpeed`` uses a faster
zlib level: the same pixels (``tests/test_screenshot.py`` decodes and compares them with Playwright's on the
sample site and on animated pages), files about a quarter larger, about half the browser's CPU per shot.

What Playwright does around the capture, and this does too (its screenshotter, v1.64):

* **animations disabled**: a finite CSS animation or transition is finished (drawn in its end state), an
  infinite one cancelled (drawn in its initial state) and resumed after the capture; animations that start
  during the capture get the same treatment;
* **caret hidden** (``caret-color: transparent``), so a focused field does not blink into the evidence;
* **web fonts ready** (``document.fonts.ready``), bounded here so a font that never arrives does not hold the page;
* **the document's size** from the same measures (the largest of the body's and the root's scroll, offset and
  client sizes).
"""
from __future__ import annotations

import base64
from typing import Any

_PREPARE_JS = """async () => {
  // Each part is guarded: a page that broke a DOM method still gets its picture, as it did with Playwright.
  const roots = [];
  try {
    const walk = (root) => {
      roots.push(root);
      const it = document.createNodeIterator(root, NodeFilter.SHOW_ELEMENT);
      for (let n = it.nextNode(); n; n = it.nextNode()) if (n.shadowRoot) walk(n.shadowRoot);
    };
    walk(document);
  } catch (e) { if (!roots.length) roots.push(document); }
  const resume = new Set();
  const handle = (root) => {
    try {
      for (const a of root.getAnimations()) {
        if (!a.effect || a.playbackRate === 0 || resume.has(a)) continue;
        if (Number.isFinite(a.effect.getComputedTiming().endTime)) {
          try { a.finish(); } catch (e) {}
        } else {
          try { a.cancel(); resume.add(a); } catch (e) {}
        }
      }
    } catch (e) {}
  };
  const handlers = [];
  for (const root of roots) {
    const fn = () => handle(root);
    fn();
    try {
      root.addEventListener("transitionrun", fn);
      root.addEventListener("animationstart", fn);
      handlers.push([root, fn]);
    } catch (e) {}
  }
  let style = null;
  try {
    style = document.createElement("style");
    style.textContent = "*:not(#__ga_shot_x.__ga_shot_y) { caret-color: transparent !important; }";
    (document.head || document.documentElement).appendChild(style);
  } catch (e) { style = null; }
  window.__gaShotCleanup = () => {
    for (const a of resume) { try { a.play(); } catch (e) {} }
    for (const [root, fn] of handlers) {
      try {
        root.removeEventListener("transitionrun", fn);
        root.removeEventListener("animationstart", fn);
      } catch (e) {}
    }
    if (style) style.remove();
    delete window.__gaShotCleanup;
  };
  try {
    if (document.fonts && document.fonts.ready)
      await Promise.race([document.fonts.ready, new Promise((r) => setTimeout(r, 1000))]);
  } catch (e) {}
  const b = document.body, d = document.documentElement;
  const w = Math.max(b ? b.scrollWidth : 0, d.scrollWidth, b ? b.offsetWidth : 0, d.offsetWidth,
                     b ? b.clientWidth : 0, d.clientWidth);
  const h = Math.max(b ? b.scrollHeight : 0, d.scrollHeight, b ? b.offsetHeight : 0, d.offsetHeight,
                     b ? b.clientHeight : 0, d.clientHeight);
  return { w, h, vw: window.innerWidth, vh: window.innerHeight };
}"""


_CLEANUP_JS = "() => { if (window.__gaShotCleanup) window.__gaShotCleanup(); }"


async def full_page_png(page: Any, cdp: Any, max_height: int) -> bytes:
    """The whole page as PNG (at most ``max_height`` CSS px from the top), as the evidence screenshot."""
    size = await page.evaluate(_PREPARE_JS)
    try:
        w, h = int(size["w"]), int(size["h"])
        clip = {"x": 0, "y": 0, "width": max(1, w), "height": max(1, min(h, max_height)), "scale": 1}
        fits = w <= size["vw"] and h <= size["vh"]
        shot = await cdp.send("Page.captureScreenshot", {
            "format": "png", "optimizeForSpeed": True, "captureBeyondViewport": not fits, "clip": clip})
    finally:
        try:
            await page.evaluate(_CLEANUP_JS)
        except Exception:  # noqa: BLE001 - a page that navigated away has nothing to restore
            pass
    return base64.b64decode(shot["data"])
