"""无障碍/适老化 in a live page: find the entry, switch it on, measure what changed, and the machine-checkable
适老化 items (keyboard reach of the main navigation, visible focus, pop-ups in elderly mode, text at 200 %).

The browser only gathers facts (measurements, element lists, before/after pictures); the rules in
``auditor/rules/elderly_*.py`` and ``a11y_entry.py`` judge them. Each step is bounded and a failing step is
recorded as that step's error, never the page's.
"""
from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path
from typing import Any, Callable

from auditor.models import OcrLine

ELDERLY_JS = (Path(__file__).parent / "elderly.js").read_text(encoding="utf-8")
ENTRY_OCR_RE = {"elderly": re.compile(r"适老|长者|关怀版|关爱版|老年模式|老人模式|大字版|敬老版"),
                "a11y": re.compile(r"无障碍|辅助浏览|读屏")}
OcrFn = Callable[[bytes], list[OcrLine]]

TOP_BAND = 320  # CSS px of the page top that OCR reads for an entry drawn as an image


async def _ga(page: Any, fn: str, *args: Any) -> Any:
    # One round trip: the helpers install themselves once per document (the script returns early after that).
    return await page.evaluate(f"(a) => {{ {ELDERLY_JS}\n return window.__ga.{fn}(...a); }}", list(args))


async def _settle(page: Any, seconds: float) -> None:
    try:
        await page.wait_for_load_state("load", timeout=seconds * 1000 + 2000)
    except Exception:  # noqa: BLE001 - a slow page is measured as it is
        pass
    await asyncio.sleep(seconds)


async def keyboard(page: Any, max_tabs: int = 80) -> dict[str, Any]:
    """Tab through the page from its start: each stop with its focused style, then the same elements unfocused."""
    await page.evaluate("() => { if (document.activeElement) document.activeElement.blur(); window.focus(); }")
    stops: list[dict[str, Any]] = []
    seen: set[str] = set()
    for _ in range(max_tabs):
        await page.keyboard.press("Tab")
        f = await _ga(page, "focused")
        if f is None:
            continue
        if f["selector"] in seen:
            if stops and f["selector"] == stops[0]["selector"]:
                break  # wrapped around: every stop seen
            continue
        seen.add(f["selector"])
        stops.append(f)
    await page.evaluate("() => { if (document.activeElement) document.activeElement.blur(); }")
    plain = await _ga(page, "stylesOf", [s["selector"] for s in stops])
    for s, p in zip(stops, plain):
        s["unfocused"] = p
    return {"stops": stops, "max_tabs": max_tabs}


async def text_zoom(page: Any, factor: float = 2.0) -> dict[str, Any]:
    """Clipped text before and after every font is made ``factor`` times larger (text-only zoom)."""
    base = await _ga(page, "clipped")
    await _ga(page, "textZoom", factor)
    await asyncio.sleep(0.2)
    zoomed = await _ga(page, "clipped")
    shot = await page.screenshot(type="png")
    return {"factor": factor, "base": base, "zoomed": zoomed, "shot": shot}


def ocr_entries(screenshot: bytes, ocr: OcrFn) -> list[dict[str, Any]]:
    """Entries drawn as pictures: OCR of the top band of the page's full screenshot, for lines naming an entry.

    Runs before the page's 适老化 time budget starts: it is our own CPU work, not the page's behaviour."""
    import io

    from PIL import Image

    img = Image.open(io.BytesIO(screenshot))
    band = img.crop((0, 0, img.width, min(TOP_BAND, img.height)))
    buf = io.BytesIO()
    band.save(buf, "PNG")
    found = []
    for line in ocr(buf.getvalue()):
        for kind, rx in ENTRY_OCR_RE.items():
            if rx.search(line.text):
                b = line.box
                found.append({"kind": kind, "text": line.text, "tag": "ocr", "selector": "", "href": "", "abs": "",
                              "onclick": "", "box": {"x": b.x, "y": b.y, "w": b.w, "h": b.h}, "html": "",
                              "source": "ocr", "score": line.score})
                break
    return found


async def find(page: Any) -> dict[str, Any]:
    """The entries in the DOM and the toolbar scripts (browsers/elderly.js)."""
    return await _ga(page, "find")


async def activate(page: Any, context: Any, entry: dict[str, Any], settle: float) -> dict[str, Any]:
    """Click the entry; measure the page (or the page it opened) before and after, with a picture of each."""
    out: dict[str, Any] = {"entry": entry}
    await _ga(page, "mark")
    out["before"] = await _ga(page, "measure")
    out["shot_before"] = await page.screenshot(type="png")
    opened: list[Any] = []
    context.on("page", lambda p: opened.append(p))
    start_url = page.url
    try:
        if entry.get("selector"):
            await page.locator(entry["selector"]).first.click(timeout=3000)
        else:
            b = entry["box"]
            await page.mouse.click(b["x"] + b["w"] / 2, b["y"] + b["h"] / 2)
    except Exception as exc:  # noqa: BLE001 - an entry that cannot be clicked is a finding, not a crash
        out["error"] = f"点击入口失败：{str(exc).splitlines()[0][:200]}"
        return out
    await _settle(page, settle)
    target = page
    if opened:
        target = opened[-1]
        out["new_page"] = True
        await _settle(target, settle)
    out["navigated"] = target is not page or target.url != start_url
    out["after"] = await _ga(target, "measure")
    out["shot_after"] = await target.screenshot(type="png")
    out["target"] = target
    return out


async def reset(page: Any, context: Any, url: str, timeout: float) -> None:
    """Back to the page as a first-time visitor sees it: no cookies, no storage (a mode is often remembered)."""
    for p in list(context.pages):
        if p is not page:
            await p.close()
    try:
        await page.evaluate("() => { try { localStorage.clear(); sessionStorage.clear(); } catch (e) {} }")
    except Exception:  # noqa: BLE001
        pass
    await context.clear_cookies()
    await page.goto(url, wait_until="domcontentloaded", timeout=timeout * 1000)
    await _settle(page, 0.3)


async def assess(page: Any, context: Any, url: str, *, ocr_found: list[dict[str, Any]] | None = None,
                 settle: float = 0.8,
                 nav_timeout: float = 20.0, max_tabs: int = 80, out: dict[str, Any] | None = None
                 ) -> dict[str, Any]:
    """All the 无障碍/适老化 facts of one page. Order matters: every step that changes the page comes after the
    ones that need it untouched, with a reset (cookies, storage, reload) in between.

    ``out`` is filled as the steps finish, so a caller that stops a slow run still has the finished steps.
    """
    t0 = time.perf_counter()
    out = {} if out is None else out
    out.update({"url": url, "steps": {}})

    async def step(name: str, coro: Any) -> Any:
        t = time.perf_counter()
        try:
            return await coro
        except Exception as exc:  # noqa: BLE001 - one failing step leaves the others
            out.setdefault("errors", {})[name] = str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__
            return None
        finally:
            out["steps"][name] = round(time.perf_counter() - t, 3)

    found = await step("find", _ga(page, "find")) or {"entries": [], "toolbarScripts": [], "toolbarGlobals": []}
    entries = found["entries"]
    if ocr_found and not any(e["kind"] == "elderly" for e in entries):
        entries = entries + [e for e in ocr_found if e["kind"] == "elderly"]
    out["found"] = {**found, "entries": entries}
    out["keyboard"] = await step("keyboard", keyboard(page, max_tabs))
    out["zoom"] = await step("zoom", text_zoom(page))
    dirty = True

    elderly = next((e for e in entries if e["kind"] == "elderly"), None)
    if elderly is not None:
        await step("reset", reset(page, context, url, nav_timeout))
        act = await step("elderly", activate(page, context, elderly, settle))
        if act is not None:
            target = act.pop("target", page)
            if "after" in act:
                await asyncio.sleep(1.0)  # floating ads start after a delay
                tb = (act["after"].get("toolbar") or {}).get("selector")
                out["popups"] = {"mode": "elderly", "items": await step("popups", _ga(target, "floating", tb))}
        out["elderly"] = act
        dirty = True

    a11y = next((e for e in entries if e["kind"] == "a11y"), None)
    if a11y is not None and (elderly is None or a11y["selector"] != elderly["selector"] or not a11y["selector"]):
        if dirty:
            await step("reset", reset(page, context, url, nav_timeout))
        act = await step("a11y", activate(page, context, a11y, settle))
        if act is not None:
            act.pop("target", None)
        out["a11y"] = act
    elif a11y is not None:
        out["a11y"] = {**(out.get("elderly") or {}), "same_as_elderly": True}
    out["seconds"] = round(time.perf_counter() - t0, 3)
    return out
