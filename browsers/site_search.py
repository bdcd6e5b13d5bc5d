"""站内搜索 in Chromium: find the home page's search box, search for the titles of recent articles, and record what
each results page showed (auditor.site_rules.search.SearchFacts). Judging is the rule's (site.search).

Each search starts from the home page, types the title as a person would, presses Enter, and clicks the search
button when Enter does nothing; the results may open in the same tab, in a new one, or be drawn in the page.
"""
from __future__ import annotations

import asyncio
import re
import time
from typing import Any
from urllib.parse import urlsplit

from auditor.config import Settings
from auditor.site_rules.search import SearchFacts, SearchQuery, filters_of
from browsers.fetcher import PageFetcher
from browsers.sitetab import ANCHORS_JS, first_line, goto, refused, response_error, settle, site_tab

# The search box: a search/text input that says it is one (type, name, placeholder, label, its form), marked with
# data-govaudit-q; its button (submit, or a button/link saying 搜索/检索) with data-govaudit-go.
FIND_BOX_JS = r"""() => {
  const SAYS = /搜索|检索|查询|关键[字词]|search|keyword|sousuo|query/i;
  const NAMES = /^(q|query|keyword|keywords|searchword|searchWord|kw|wd|key|word|sw|s|qt|text|searchtext|searchKey)$/i;
  const visible = e => { const r = e.getBoundingClientRect(); const cs = getComputedStyle(e);
    return r.width > 0 && r.height > 0 && cs.visibility !== 'hidden' && cs.display !== 'none'; };
  const inputs = [...document.querySelectorAll('input')].filter(i => ['search', 'text', ''].includes((i.getAttribute('type') || '').toLowerCase()) && visible(i));
  let best = null, score = 0;
  for (const i of inputs) {
    const f = i.form;
    let s = 0;
    if ((i.getAttribute('type') || '').toLowerCase() === 'search') s += 3;
    if (NAMES.test(i.name || '') || NAMES.test(i.id || '')) s += 2;
    if (SAYS.test([i.placeholder, i.getAttribute('aria-label'), i.title, i.name, i.id, i.className].join(' '))) s += 2;
    if (f && (f.getAttribute('role') === 'search' || SAYS.test([f.action, f.id, f.className, f.name].join(' ')))) s += 2;
    const scope = f || i.parentElement;
    if (scope && [...scope.querySelectorAll('button, input[type=submit], input[type=image], a')].some(b => SAYS.test(b.innerText || b.value || b.title || b.alt || b.className))) s += 1;
    if (s > score) { best = i; score = s; }
  }
  if (!best || score < 2) return null;
  best.setAttribute('data-govaudit-q', '1');
  const scope = best.form || best.parentElement;
  const go = scope && ([...scope.querySelectorAll('button, input[type=submit], input[type=image]')].find(visible)
              || [...scope.querySelectorAll('a, span, div')].find(b => visible(b) && SAYS.test(b.innerText || b.title || b.className)));
  if (go) go.setAttribute('data-govaudit-go', '1');
  const r = (best.form || best).getBoundingClientRect();
  return {how: best.form ? 'form' : 'input', name: best.name || '', action: best.form ? (best.form.getAttribute('action') || '') : '',
          method: best.form ? (best.form.method || 'get') : '', text: (best.placeholder || best.getAttribute('aria-label') || '').slice(0, 60),
          button: go ? (go.innerText || go.value || '').trim().slice(0, 20) : '',
          box: {x: r.x + scrollX, y: r.y + scrollY, w: r.width, h: r.height}};
}"""

# What a results page offers: short texts of links, options, buttons and labels (for the filters), the visible
# text (for «没有找到»).
RESULTS_JS = """() => ({
  controls: [...document.querySelectorAll('a, option, button, label, input[type=radio], input[type=button], li, span')]
     .slice(0, 4000).map(e => (e.innerText || e.value || e.textContent || '').trim()).filter(t => t && t.length <= 16),
  text: (document.body ? document.body.innerText : '').slice(0, 30000)})"""

NOT_FOUND = re.compile(r"没有找到[^。\n]{0,40}(?:结果|信息|内容|记录)|未找到[^。\n]{0,30}(?:结果|信息|内容|记录)|"
                       r"(?:检索|搜索)?结果为0|共\s*0\s*条|找到\s*0\s*条|无(?:相关)?(?:搜索)?结果|暂无(?:相关)?(?:数据|结果|信息)")
# How long to wait for the results after pressing Enter (then after clicking the button).
WAIT = 6.0


def _squash(s: str) -> str:
    return re.sub(r"\s+", "", s or "")


def title_found(title: str, article_url: str, anchors: list[dict[str, Any]]) -> bool:
    """Whether a results link shows this article: its text or title attribute holds the title (or a cut-off
    start of it, «…» at the end, at least 10 characters), or it links to the article itself."""
    want = _squash(title)
    path = urlsplit(article_url).path
    for a in anchors:
        for text in (_squash(a.get("text", "")), _squash(a.get("title", ""))):
            if not text:
                continue
            if want in text:
                return True
            cut = text.rstrip(".。…")
            if cut != text and len(cut) >= 10 and want.startswith(cut):
                return True
        href = a.get("href") or ""
        if path and path != "/" and urlsplit(href).path == path and _squash(a.get("text", "")):
            return True
    return False


async def _results(page: Any, s: Settings, title: str, article_url: str, before: set[str], navigated: bool,
                   status: int | None, error: str | None, started: str) -> SearchQuery:
    url = page.url
    if error is None and (url.startswith("chrome-error://") or refused(url, s)):
        error = "无法打开搜索结果页" if url.startswith("chrome-error://") else "目标地址不允许访问"
    shot = None
    try:
        shot = await page.screenshot(type="png", animations="disabled")
    except Exception:  # noqa: BLE001 - the verdict does not need the picture
        pass
    if error is not None:
        return SearchQuery(title, article_url, "net_error", url if not url.startswith("chrome-error") else started,
                           status, error, results_png=shot)
    if status is not None and status >= 400:
        return SearchQuery(title, article_url, "http_error", url, status, results_png=shot)
    anchors = await page.evaluate(ANCHORS_JS)
    if not navigated:  # results drawn in the page: only links that were not there before count
        anchors = [a for a in anchors if (a.get("href"), a.get("text")) not in before]
    got = await page.evaluate(RESULTS_JS)
    m = NOT_FOUND.search(got.get("text") or "")
    if title_found(title, article_url, anchors):
        return SearchQuery(title, article_url, "found", url, status, results_png=shot)
    if not navigated and not anchors and m is None:
        return SearchQuery(title, article_url, "no_response", url, status, results_png=shot)
    return SearchQuery(title, article_url, "not_found", url, status, not_found_text=m.group(0) if m else None,
                       results_png=shot)


async def _one(page: Any, s: Settings, home: str, title: str, article_url: str) -> tuple[SearchQuery, list[str]]:
    """One search from the home page; returns the query's facts and the filter controls of its results page."""
    nav = await goto(page, home, s)
    if not nav.ok:
        return SearchQuery(title, article_url, "net_error", home, nav.status, nav.error or f"HTTP {nav.status}"), []
    box = await page.evaluate(FIND_BOX_JS)
    if box is None:
        return SearchQuery(title, article_url, "no_response", home, error="搜索框消失"), []
    before = {(a.get("href"), a.get("text")) for a in await page.evaluate(ANCHORS_JS)}
    ctx = page.context
    docs: list[dict[str, Any]] = []
    popups: list[Any] = []

    def on_response(resp: Any) -> None:
        req = resp.request
        if req.is_navigation_request() and req.frame.parent_frame is None:
            docs.append({"url": resp.url, "status": resp.status, "resp": resp})

    def on_failed(req: Any) -> None:
        if req.is_navigation_request() and req.frame.parent_frame is None:
            docs.append({"url": req.url, "error": req.failure or "请求失败"})

    def on_page(p: Any) -> None:
        popups.append(p)

    ctx.on("response", on_response)
    ctx.on("requestfailed", on_failed)
    ctx.on("page", on_page)
    try:
        q = page.locator("[data-govaudit-q]").first
        await q.fill(title, timeout=5000)
        query_png = await _query_shot(page, q, s)
        started = page.url
        await q.press("Enter", timeout=5000)
        if not await _moved(page, started, docs, popups, WAIT):
            go = page.locator("[data-govaudit-go]")
            if await go.count():
                try:
                    await go.first.click(timeout=5000)
                except Exception:  # noqa: BLE001 - a button that cannot be clicked: what Enter did stands
                    pass
                await _moved(page, started, docs, popups, WAIT)
        target = popups[-1] if popups else page
        try:
            await target.wait_for_load_state("domcontentloaded", timeout=s.nav_timeout * 1000)
        except Exception:  # noqa: BLE001 - a failed load shows in the navigation records
            pass
        await settle(target, s)
        last = docs[-1] if docs else None
        error = last.get("error") if last else None
        status = last.get("status") if last else None
        if last and status is not None and status >= 400:
            error = await response_error(last["resp"])  # the proxy's refusal is not the site's HTTP error
        navigated = bool(docs) or bool(popups)
        res = await _results(target, s, title, article_url, before, navigated, status, error,
                             (last or {}).get("url") or started)
        controls = (await target.evaluate(RESULTS_JS)).get("controls", []) if res.outcome in ("found", "not_found") \
            else []
        return SearchQuery(res.title, res.article_url, res.outcome, res.results_url, res.status, res.error,
                           res.not_found_text, query_png, res.results_png), controls
    finally:
        ctx.remove_listener("response", on_response)
        ctx.remove_listener("requestfailed", on_failed)
        ctx.remove_listener("page", on_page)
        for p in popups:
            try:
                await p.close()
            except Exception:  # noqa: BLE001
                pass


async def _query_shot(page: Any, box: Any, s: Settings) -> bytes | None:
    """The typed query in its surroundings: a band around the search box (the first screen when it has no box)."""
    try:
        b = await box.bounding_box()
        if b is None:
            return await page.screenshot(type="png", animations="disabled")
        x, y = max(0.0, b["x"] - 500), max(0.0, b["y"] - 80)
        clip = {"x": x, "y": y, "width": min(1000.0, s.viewport_width - x), "height": 200.0}
        return await page.screenshot(type="png", clip=clip, animations="disabled")
    except Exception:  # noqa: BLE001 - the verdict does not need the picture
        return None


async def _moved(page: Any, started: str, docs: list[Any], popups: list[Any], wait: float) -> bool:
    """Wait until the search did something: a navigation, a new tab, or a changed URL (in-page results count
    when the rule reads the new links)."""
    end = time.monotonic() + wait
    while time.monotonic() < end:
        if docs or popups or page.url != started:
            return True
        await asyncio.sleep(0.1)
    return False


async def gather_search(fetcher: PageFetcher, home: str, articles: list[tuple[str, str]]) -> SearchFacts:
    """Search the site for each (title, url) of ``articles`` from the home page's search box."""
    s = fetcher.settings
    async with site_tab(fetcher) as page:
        nav = await goto(page, home, s)
        if not nav.ok:
            return SearchFacts(home, home_error=nav.error or f"HTTP {nav.status}", titles=len(articles))
        box = await page.evaluate(FIND_BOX_JS)
        if box is None:
            return SearchFacts(home, box=None, titles=len(articles))
        queries: list[SearchQuery] = []
        controls: list[str] = []
        for title, url in articles:
            try:
                q, ctl = await _one(page, s, home, title, url)
            except Exception as exc:  # noqa: BLE001 - the browser failed us, not the site
                q, ctl = SearchQuery(title, url, "net_error", home, error=f"浏览器操作失败：{first_line(exc)}"), []
            queries.append(q)
            controls += ctl
            if q.outcome in ("net_error", "no_response"):
                break  # a search service out of reach, or a box that does nothing: more tries only cost time
        box.pop("box", None)
        return SearchFacts(home, box={k: str(v) for k, v in box.items()}, titles=len(articles),
                           queries=tuple(queries), filters=filters_of(controls))
