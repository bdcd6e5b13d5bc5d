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
from typing import Any, Awaitable, Callable

from auditor.models import OcrLine

ELDERLY_JS = (Path(__file__).parent / "elderly.js").read_text(encoding="utf-8")
ENTRY_OCR_RE = {"elderly": re.compile(r"适老|长者|关怀版|关爱版|老年模式|老人模式|大字版|敬老版"),
                "a11y": re.compile(r"无障碍|辅助浏览|读屏")}
OcrFn = Callable[[bytes], list[OcrLine]]
# A fresh tab of the page's kind (its own browser context): (page, context, close()). The fetcher gives one, so
# that the 无障碍 entry can be switched on while the 适老 mode waits.
SideTab = Callable[[], Awaitable[tuple[Any, Any, Callable[[], Awaitable[None]]]]]

TOP_BAND = 320  # CSS px of the page top that OCR reads for an entry drawn as an image


async def _ga(page: Any, fn: str, *args: Any) -> Any:
    # The helpers install themselves once per document; after that a call sends only its name (the keyboard
    # walk calls ``focused`` once per Tab, and the whole script each time was most of that step).
    got = await page.evaluate(f"async (a) => window.__ga ? {{ v: await window.__ga.{fn}(...a) }} : null",
                              list(args))
    if got is None:
        got = await page.evaluate(f"async (a) => {{ {ELDERLY_JS}\n return {{ v: await window.__ga.{fn}(...a) }}; }}",
                                  list(args))
    return got["v"]


# How long the page must stay still (no DOM change, no finite animation or transition running, none of the
# auditor's requests pending) before it is measured. The settle times below are the most a step waits.
QUIET = 0.3
POLL = 0.05

# The page's stillness, read without touching it: a MutationObserver kept in a window expando (not an attribute,
# so the page's own observers do not fire). ``restart`` counts the stillness from now (after a click).
_QUIET_JS = """(restart) => {
  const now = performance.now();
  let st = window.__gaQuiet;
  if (!st) {
    st = window.__gaQuiet = { last: now };
    try {
      new MutationObserver(() => { st.last = performance.now(); })
        .observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
    } catch (e) {}
  }
  if (restart) st.last = now;
  try {
    if (document.getAnimations().some((a) => a.playState === "running" && a.effect
        && isFinite(a.effect.getComputedTiming().endTime))) st.last = now;
  } catch (e) {}
  return { still: now - st.last, ready: document.readyState };
}"""


async def _still_since(page: Any, restart: bool = False) -> dict[str, Any] | None:
    try:
        return await page.evaluate(_QUIET_JS, restart)
    except Exception:  # noqa: BLE001 - a document being replaced (navigation) or a closed tab: not still
        return None


async def _settle(page: Any, seconds: float, quiet: float = QUIET, net: "NetLog | None" = None,
                  since: int = 0) -> None:
    """Wait for the page to load, then until it has been still for ``quiet`` seconds: no DOM change, no finite
    animation or transition running, none of the auditor's requests since ``since`` pending. At most ``seconds``
    after the load (the fixed wait this replaces), so a page that never stops moving (a marquee, a carousel) is
    measured when that time is up, as before; a still page is measured sooner."""
    try:
        await page.wait_for_load_state("load", timeout=seconds * 1000 + 2000)
    except Exception:  # noqa: BLE001 - a slow page is measured as it is
        pass
    quiet = min(quiet, seconds)
    end = time.perf_counter() + seconds
    while True:
        left = end - time.perf_counter()
        if left <= 0:
            return
        st = await _still_since(page)
        busy = net is not None and any(r["state"] == "pending" for r in net.recs[since:])
        if st is not None and st["ready"] == "complete" and st["still"] >= quiet * 1000 and not busy:
            return
        await asyncio.sleep(min(POLL, left))


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
    await _settle(page, 0.2, quiet=0.1)  # inline styles: layout is synchronous; web fonts or transitions may follow
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


CLICK_TIMEOUT = 3.0  # s for a trusted click (Playwright waits this long for the entry to take the pointer)
SCRIPT_WAIT = 5.0  # s to wait for a toolbar script still loading
NAV_WAIT = 10.0  # s to wait for the page an entry opens, when it is still loading after the settle time


class NetLog:
    """Every request of the browser context during the 适老化 pass, with its outcome: loaded, failed (the
    browser's error), HTTP status ≥ 400, or still pending. Listening on the context sees new tabs too.

    What failed during the auditor's own clicks is the evidence for the rule of fault (auditor/fault.py): it
    goes to ``FetchResult.side_failures``, never to the page's own failed requests."""

    def __init__(self) -> None:
        self.recs: list[dict[str, Any]] = []
        self._by_req: dict[int, dict[str, Any]] = {}
        self._context: Any = None
        self._fns: list[tuple[str, Any]] = []

    def attach(self, context: Any) -> None:
        self._context = context
        for event, fn in (("request", self._on_request), ("requestfinished", self._on_finished),
                          ("requestfailed", self._on_failed), ("response", self._on_response)):
            context.on(event, fn)
            self._fns.append((event, fn))

    def detach(self) -> None:
        for event, fn in self._fns:
            try:
                self._context.remove_listener(event, fn)
            except Exception:  # noqa: BLE001 - a closed context has dropped its listeners already
                pass
        self._fns.clear()

    def _on_request(self, req: Any) -> None:
        if len(self.recs) >= 3000 or not req.url.startswith(("http:", "https:")):
            return
        try:
            frame = req.frame
            nav = req.is_navigation_request() and frame.parent_frame is None
        except Exception:  # noqa: BLE001 - a service worker's request has no frame
            frame, nav = None, False
        rec = {"url": req.url, "type": req.resource_type, "nav": nav, "frame": frame, "state": "pending",
               "seq": len(self.recs)}
        self.recs.append(rec)
        self._by_req[id(req)] = rec

    def _on_finished(self, req: Any) -> None:
        rec = self._by_req.pop(id(req), None)
        if rec is not None and rec["state"] == "pending":
            rec["state"] = "loaded"

    def _on_failed(self, req: Any) -> None:
        rec = self._by_req.pop(id(req), None)
        if rec is not None:
            rec["state"], rec["error"] = "failed", req.failure or "failed"

    def _on_response(self, resp: Any) -> None:
        rec = self._by_req.get(id(resp.request))
        if rec is not None:
            rec["status"] = resp.status

    def mark(self) -> int:
        return len(self.recs)

    @staticmethod
    def outcome(rec: dict[str, Any]) -> dict[str, Any]:
        """A request as the rule of fault reads it: {url, type, error} or {url, type, status}; ok when loaded."""
        out: dict[str, Any] = {"url": rec["url"], "type": rec["type"]}
        if rec["state"] == "failed":
            out["error"] = rec.get("error") or "failed"
        elif rec["state"] == "pending":
            out["error"] = "pending"
        elif int(rec.get("status") or 0) >= 400:
            out["status"] = int(rec["status"])
        out["ok"] = not ("error" in out or "status" in out)
        return out

    def failures(self, since: int = 0, urls: list[str] | None = None) -> list[dict[str, Any]]:
        """Failed (or unfinished) requests since a mark, or of the given URLs at any time; source «action»."""
        recs = self.recs[since:] if urls is None else [r for r in self.recs if r["url"] in urls]
        # A navigation that failed leaves a second, never-finished request for the same URL (the error page):
        # the failure with its error is the evidence, not that shadow.
        settled = {r["url"] for r in recs if r["state"] != "pending"}
        out = []
        for rec in recs:
            if rec["state"] == "pending" and rec["url"] in settled:
                continue
            o = self.outcome(rec)
            if not o.pop("ok"):
                out.append({**o, "source": "action"})
        return out

    def last(self, url: str) -> dict[str, Any] | None:
        """The latest request for this URL, whichever scheme (upgrade-insecure-requests asks for https)."""
        bare = url.split("://", 1)[-1]
        return next((r for r in reversed(self.recs) if r["url"].split("://", 1)[-1] == bare), None)

    def navigation(self, since: int, frame: Any) -> dict[str, Any] | None:
        """The last main-frame document request of a tab since the mark (the page the click opened)."""
        nav = next((r for r in reversed(self.recs[since:]) if r["nav"] and r["frame"] is frame), None)
        if nav is not None and nav["state"] == "pending":  # the shadow of a failed navigation, as above
            nav = next((r for r in reversed(self.recs[since:]) if r["url"] == nav["url"] and r["nav"]
                        and r["state"] != "pending"), nav)
        return nav

    async def wait(self, recs: list[dict[str, Any]], seconds: float) -> None:
        """Until none of these requests is pending, at most ``seconds``."""
        end = time.perf_counter() + seconds
        while any(r["state"] == "pending" for r in recs) and time.perf_counter() < end:
            await asyncio.sleep(0.1)


def _first_line(exc: BaseException) -> str:
    return (str(exc).splitlines()[0] if str(exc) else type(exc).__name__)[:200]


async def _click(page: Any, entry: dict[str, Any], net: NetLog, mark: int, opened: list[Any]) -> dict[str, Any]:
    """Click as a user does (a trusted click, the entry scrolled into view); when an overlay takes the pointer or
    the click times out, the page's own click (``el.click()``). Records which one worked and why the other did
    not."""
    rec: dict[str, Any] = {"method": None, "errors": []}

    def started() -> bool:  # the click began a navigation or opened a tab even if Playwright reported an error
        return bool(opened) or any(r["nav"] for r in net.recs[mark:])

    sel = entry.get("selector")
    if sel:
        loc = page.locator(sel).first
        try:
            await loc.scroll_into_view_if_needed(timeout=CLICK_TIMEOUT * 1000)
        except Exception as exc:  # noqa: BLE001 - the click itself will tell
            rec["errors"].append(f"滚动到入口：{_first_line(exc)}")
        try:
            await loc.click(timeout=CLICK_TIMEOUT * 1000)
            rec["method"] = "trusted"
            return rec
        except Exception as exc:  # noqa: BLE001 - an overlay or a timeout: try the DOM click
            rec["errors"].append(f"可信点击：{_first_line(exc)}")
            if started():
                rec["method"] = "trusted"
                return rec
        dom = _ga(page, "domClick", sel)
    else:
        b = entry["box"]
        x, y = b["x"] + b["w"] / 2, b["y"] + b["h"] / 2
        try:
            await page.mouse.click(x - await page.evaluate("window.scrollX"), y - await page.evaluate("window.scrollY"))
            rec["method"] = "trusted"
            return rec
        except Exception as exc:  # noqa: BLE001
            rec["errors"].append(f"可信点击：{_first_line(exc)}")
            if started():
                rec["method"] = "trusted"
                return rec
        dom = _ga(page, "clickAt", x, y)
    try:
        ok = await asyncio.wait_for(dom, timeout=CLICK_TIMEOUT + 2)
        if ok:
            rec["method"] = "dom"
        else:
            rec["errors"].append("页面内点击：入口元素已不在页面中")
    except Exception as exc:  # noqa: BLE001
        if started() or "context was destroyed" in str(exc):
            rec["method"] = "dom"  # the click navigated away before the evaluation returned
        else:
            rec["errors"].append(f"页面内点击：{_first_line(exc) if str(exc) else '超时'}")
    return rec


async def _scripts_state(page: Any, net: NetLog, urls: list[str]) -> list[dict[str, Any]]:
    """The outcome of each toolbar script the page references, waited for (bounded) while it still loads.

    A script loaded before the auditor listened is read from the page's Resource Timing."""
    recs = [r for r in (net.last(u) for u in urls) if r is not None]
    await net.wait(recs, SCRIPT_WAIT)
    out = []
    unknown = [u for u in urls if net.last(u) is None]
    timing = dict(zip(unknown, await _ga(page, "resources", unknown))) if unknown else {}
    for u in urls:
        r = net.last(u)
        if r is not None:
            o = net.outcome(r)
            o["state"] = "loaded" if o["ok"] else ("pending" if o.get("error") == "pending" else "failed")
        else:
            t = timing.get(u)
            o = {"url": u, "type": "script", "ok": bool(t and t.get("responseEnd")),
                 "state": "loaded" if t and t.get("responseEnd") else "unknown"}
        out.append(o)
    return out


async def activate(page: Any, context: Any, entry: dict[str, Any], settle: float, net: NetLog | None = None,
                   toolbar_scripts: list[str] | None = None, nav_wait: float = NAV_WAIT) -> dict[str, Any]:
    """Click the entry; measure the page (or the page it opened) before and after, with a picture of each.

    Also recorded, so that a verdict of «nothing changed» can be told from «the auditor could not load what the
    entry needs»: how the entry was clicked (``click``), the toolbar scripts' outcome (``toolbar_scripts``), the
    page the click opened and whether it loaded (``target_load``), and the requests of the click that failed
    (``failures``)."""
    own = net is None
    if net is None:
        net = NetLog()
        net.attach(context)
    try:
        return await _activate(page, context, entry, settle, net, toolbar_scripts or [], nav_wait)
    finally:
        if own:
            net.detach()


async def _activate(page: Any, context: Any, entry: dict[str, Any], settle: float, net: NetLog,
                    toolbar_scripts: list[str], nav_wait: float) -> dict[str, Any]:
    out: dict[str, Any] = {"entry": entry}
    # The toolbar script the page references must have loaded (or failed) before the click means anything.
    out["toolbar_scripts"] = await _scripts_state(page, net, toolbar_scripts)
    await _ga(page, "mark")
    out["before"] = await _ga(page, "measure", None)
    out["shot_before"] = await page.screenshot(type="png")
    opened: list[Any] = []
    on_page = (lambda p: opened.append(p))
    context.on("page", on_page)
    start_url = page.url
    mark = net.mark()
    try:
        return await _after_click(page, context, entry, settle, net, toolbar_scripts, nav_wait, out, opened,
                                  start_url, mark)
    finally:
        context.remove_listener("page", on_page)


def _blank(p: Any) -> bool:
    try:
        return p.url in ("about:blank", "")
    except Exception:  # noqa: BLE001 - a closed tab
        return True


async def _after_click(page: Any, context: Any, entry: dict[str, Any], settle: float, net: NetLog,
                       toolbar_scripts: list[str], nav_wait: float, out: dict[str, Any], opened: list[Any],
                       start_url: str, mark: int) -> dict[str, Any]:
    await _still_since(page)  # the observer is in place before the click, so the click's own changes count
    out["click"] = await _click(page, entry, net, mark, opened)
    await _still_since(page, restart=True)  # stillness counts from the click's end, never from before it
    if out["click"]["method"] is None:
        out["click_failed"] = True
        out["error"] = "点击入口失败/超时：" + "；".join(out["click"]["errors"])[:400]
        out["failures"] = net.failures(mark)
        return out
    await _settle(page, settle, net=net, since=mark)
    # A tab left on about:blank (a help window some toolbars open beside themselves) is not where the mode is.
    opened = [p for p in opened if not _blank(p)]
    target = opened[-1] if opened else page
    if opened:
        out["new_page"] = True
        await _settle(target, settle, net=net, since=mark)
    nav = net.navigation(mark, target.main_frame)
    if nav is None and opened:  # a tab opened by the click: its first document, whichever frame object it has
        nav = next((r for r in reversed(net.recs[mark:]) if r["nav"] and r["frame"] is not page.main_frame), None)
    if nav is not None and nav["state"] == "pending":
        await net.wait([nav], nav_wait)
        await _settle(target, 0.2)
    # A change of the fragment only (href="#") is the same document, not another page.
    out["navigated"] = (target is not page or target.url.split("#")[0] != start_url.split("#")[0]
                        or nav is not None)
    # Scripts the click itself asked for in the page (a toolbar that loads on demand) are what the click needed,
    # too; for another page, what it needed is that page's document.
    clicked_scripts = [] if out["navigated"] else [r["url"] for r in net.recs[mark:] if r["type"] == "script"]
    if clicked_scripts:
        scripts = list(dict.fromkeys([*toolbar_scripts, *clicked_scripts]))
        out["toolbar_scripts"] = await _scripts_state(target, net, scripts)
    if out["navigated"]:
        load: dict[str, Any] = {"url": nav["url"] if nav else target.url, "final_url": target.url}
        if nav is not None:
            o = net.outcome(nav)
            load.update({k: o[k] for k in ("error", "status") if k in o})
        if "error" not in load and "status" not in load:
            # The opened tab's document may not be matched to a navigation record (a popup's frame): its failed
            # request, if any, is in the click's failures.
            doc = next((f for f in net.failures(mark) if f.get("type") == "document"
                        and f["url"].split("#")[0] in (load["url"].split("#")[0], target.url.split("#")[0])), None)
            if doc is not None:
                load.update({k: doc[k] for k in ("error", "status") if k in doc})
        if target.url.startswith("chrome-error:") and "error" not in load and "status" not in load:
            load["error"] = "页面未能加载（chrome-error）"
        load["host"] = _host(load["url"])
        load["ok"] = "error" not in load and "status" not in load
        out["target_load"] = load
    if out.get("target_load", {}).get("ok", True):
        # Off the entry before measuring: a hover menu opened by moving onto it is not the mode.
        try:
            await target.mouse.move(1, 1)
            await _settle(target, 0.15, quiet=0.1)  # a closing menu's transition
        except Exception:  # noqa: BLE001 - a tab that went away is measured as it is
            pass
        same = target is page and not out["navigated"]
        out["after"] = await _ga(target, "measure", ((out["before"].get("main") or {}).get("selector")
                                                      if same else None))
    out["shot_after"] = await target.screenshot(type="png")
    out["target"] = target
    seen = {(f["url"], f.get("error"), f.get("status")) for f in net.failures(mark)}
    out["failures"] = net.failures(mark) + [
        {**f, "source": "action"} for f in (
            {k: v for k, v in s.items() if k in ("url", "type", "error", "status")} for s in out["toolbar_scripts"]
            if s.get("state") in ("failed", "pending"))
        if (f["url"], f.get("error"), f.get("status")) not in seen]
    return out


def _host(url: str) -> str:
    from urllib.parse import urlsplit

    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


async def reset(page: Any, context: Any, url: str, timeout: float) -> bool:
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
    await _settle(page, 0.3, quiet=0.15)
    return True


async def assess(page: Any, context: Any, url: str, *, ocr_found: list[dict[str, Any]] | None = None,
                 settle: float = 0.8,
                 nav_timeout: float = 20.0, max_tabs: int = 80, out: dict[str, Any] | None = None,
                 side_tab: SideTab | None = None) -> dict[str, Any]:
    """All the 无障碍/适老化 facts of one page. Order matters: every step that changes the page comes after the
    ones that need it untouched, with a reset (cookies, storage, reload) in between.

    ``out`` is filled as the steps finish, so a caller that stops a slow run still has the finished steps.
    ``side_tab`` (a fresh tab from the fetcher): with two entries, the 无障碍 one is switched on there while the
    适老 mode waits for floating ads, instead of after it in this tab.
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

    # Every request from here on is the auditor's doing (reloads, clicks): recorded apart from the page's own.
    net = NetLog()
    net.attach(context)
    out["side_failures"] = []
    scripts = list(found.get("toolbarScripts") or [])

    def keep(act: dict[str, Any] | None) -> None:
        if act is None:
            return
        have = {(f["url"], f.get("error"), f.get("status")) for f in out["side_failures"]}
        out["side_failures"] += [f for f in act.get("failures") or []
                                 if (f["url"], f.get("error"), f.get("status")) not in have]

    elderly = next((e for e in entries if e["kind"] == "elderly"), None)
    a11y = next((e for e in entries if e["kind"] == "a11y"), None)
    a11y_apart = a11y is not None and (elderly is None or a11y["selector"] != elderly["selector"]
                                       or not a11y["selector"])

    async def elderly_pass() -> tuple[dict[str, Any] | None, Any]:
        """Reset, switch the 适老 mode on: (the activation, the tab the mode is in)."""
        assert elderly is not None
        await step("reset", reset(page, context, url, nav_timeout))
        act = await step("elderly", activate(page, context, elderly, settle, net, scripts))
        keep(act)
        out["elderly"] = act
        return act, (act.pop("target", page) if act is not None else page)

    async def popups(act: dict[str, Any] | None, target: Any) -> None:
        if act is not None and "after" in act:
            await asyncio.sleep(1.0)  # floating ads start after a delay
            tb = (act["after"].get("toolbar") or {}).get("selector")
            out["popups"] = {"mode": "elderly", "items": await step("popups", _ga(target, "floating", tb))}

    async def a11y_pass(tab: Any, tab_context: Any, tab_net: NetLog, step_suffix: str = "") -> bool:
        assert a11y is not None
        loaded = await step("reset" + step_suffix, reset(tab, tab_context, url, nav_timeout))
        if not loaded and step_suffix:
            return False  # the page would not open in the fresh tab: done in the page's own tab instead
        act = await step("a11y", activate(tab, tab_context, a11y, settle, tab_net, scripts))
        keep(act)
        if act is not None:
            act.pop("target", None)
        out["a11y"] = act
        return True

    try:
        if elderly is not None and a11y_apart and side_tab is not None:
            act, target = await elderly_pass()
            try:
                side = await side_tab()
            except Exception as exc:  # noqa: BLE001 - no second tab: the two entries one after the other
                out.setdefault("errors", {})["side_tab"] = (str(exc).splitlines() or [type(exc).__name__])[0][:300]
                side = None
            done = False
            if side is not None:
                # While the 适老 mode waits for floating ads, the 无障碍 entry is switched on in a fresh tab of its
                # own (a new browser context, so nothing the 适老 mode remembers reaches it).
                side_page, side_context, side_close = side
                side_net = NetLog()
                side_net.attach(side_context)
                try:
                    _, done = await asyncio.gather(popups(act, target),
                                                   a11y_pass(side_page, side_context, side_net, "_side"))
                finally:
                    side_net.detach()
                    await side_close()
            else:
                await popups(act, target)
            if not done:
                await a11y_pass(page, context, net)
        else:
            if elderly is not None:
                await popups(*await elderly_pass())
            if a11y_apart:
                await a11y_pass(page, context, net)
            elif a11y is not None:
                out["a11y"] = {**(out.get("elderly") or {}), "same_as_elderly": True}
    finally:
        net.detach()
    out["seconds"] = round(time.perf_counter() - t0, 3)
    return out
