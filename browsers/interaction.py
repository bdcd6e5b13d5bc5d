"""互动交流 in Chromium: find the 留言/信箱/咨询/在线访谈 channels, read each message's 来信时间 and 答复时间 from the
list page and the message's own page, and crop the rows (auditor.site_rules.interaction.InteractionFacts).
Read-only: no form is ever filled or submitted. Judging is the rules' (interaction.*).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from auditor.config import Settings
from auditor.site_rules import msgdates
from auditor.site_rules.interaction import Channel, InteractionFacts, Message, channel_kind
from browsers.fetcher import PageFetcher
from browsers.sitetab import ANCHORS_JS, goto, site_tab

# The rows of a message list: table rows under their header cells, and list items; each with its first link and
# its box in the document (for the crop).
ROWS_JS = r"""() => {
  const box = e => { const r = e.getBoundingClientRect(); return {x: r.x + scrollX, y: r.y + scrollY, w: r.width, h: r.height}; };
  const link = e => { const a = e.querySelector('a[href]'); return a ? {href: a.href, text: (a.innerText || a.title || '').trim()} : null; };
  const out = [];
  for (const t of document.querySelectorAll('table')) {
    const trs = [...t.querySelectorAll('tr')];
    if (trs.length < 2) continue;
    const headRow = trs.find(tr => tr.querySelector('th')) || trs[0];
    const headers = [...headRow.children].map(c => (c.innerText || '').trim());
    for (const tr of trs) {
      if (tr === headRow) continue;
      const cells = [...tr.children].map(c => (c.innerText || '').trim());
      out.push({headers, cells, text: cells.join(' '), link: link(tr), box: box(tr)});
    }
  }
  for (const li of document.querySelectorAll('li, dl, .item, .list-item')) {
    if (li.closest('table') || li.querySelector('li')) continue;
    out.push({headers: [], cells: [], text: (li.innerText || '').trim(), link: link(li), box: box(li)});
  }
  return out.slice(0, 400);
}"""
DETAIL_JS = "() => (document.body ? document.body.innerText : '').slice(0, 20000)"
MAX_ROWS = 30


@dataclass(frozen=True)
class ChannelCandidate:
    """A channel the crawl already knows (a column tagged 咨询投诉, or named 信箱/留言…) or a link found here."""
    name: str
    url: str
    column_type: str | None = None
    found_by: str = "column"


def _key(url: str) -> str:
    """One key per page: no fragment, and «…/index.html» is «…/»."""
    return re.sub(r"/(?:index|default)\.(?:s?html?|jsp|php|aspx?)$", "/", url.split("#", 1)[0]).rstrip("/")


def candidates_from_links(anchors: list[dict[str, Any]]) -> list[ChannelCandidate]:
    out = []
    for a in anchors:
        name = " ".join((a.get("text") or a.get("title") or "").split())
        href = a.get("href") or ""
        if href.startswith(("http://", "https://")) and channel_kind(name):
            out.append(ChannelCandidate(name, href, None, "link"))
    return out


def _is_message_row(row: dict[str, Any]) -> bool:
    """A row that is a message: it links somewhere and shows a full date or a 来信时间/答复时间 label (a menu
    item named «网上留言» is not one)."""
    if not row.get("link") or not row["link"].get("text"):
        return False
    text = row.get("text") or ""
    return msgdates.parse_date(text) is not None or msgdates.has_label(text)


async def _crop(page: Any, box: dict[str, float]) -> bytes | None:
    if not box or box.get("w", 0) < 4 or box.get("h", 0) < 4:
        return None
    try:
        clip = {"x": max(0.0, box["x"] - 8), "y": max(0.0, box["y"] - 8), "width": min(box["w"] + 16, 1400),
                "height": min(box["h"] + 16, 400)}
        return await page.screenshot(type="png", full_page=True, clip=clip, animations="disabled")
    except Exception:  # noqa: BLE001 - the row's dates stand without the picture
        return None


async def _read_channel(page: Any, s: Settings, cand: ChannelCandidate, kind: str, details: int) -> tuple[Channel, int]:
    """The list page's messages (completed from their detail pages, ``details`` at most); returns the channel
    and how many detail pages were opened."""
    nav = await goto(page, cand.url, s)
    if not nav.ok:
        return Channel(cand.name, cand.url, kind, cand.found_by, nav.status, nav.error), 0  # type: ignore[arg-type]
    shot = None
    try:
        shot = await page.screenshot(type="png", animations="disabled")
    except Exception:  # noqa: BLE001
        pass
    rows = [r for r in await page.evaluate(ROWS_JS) if _is_message_row(r)][:MAX_ROWS]
    if kind != "message":
        return Channel(cand.name, cand.url, kind, cand.found_by, nav.status, None, (), shot,
                       nav.final_url), 0  # type: ignore[arg-type]
    read: list[tuple[dict[str, Any], msgdates.MessageDates, bytes | None]] = []
    for r in rows:
        dates = msgdates.read_cells(r["headers"], r["cells"]) if r["headers"] else msgdates.read_text(r["text"])
        read.append((r, dates, await _crop(page, r.get("box") or {})))
    opened = 0
    messages = []
    for r, dates, crop in read:
        href = r["link"]["href"]
        if opened < details and href.startswith(("http://", "https://")) and _key(href) != _key(cand.url):
            opened += 1
            got = await goto(page, href, s)
            if got.ok:
                dates = msgdates.merge(dates, msgdates.read_text(await page.evaluate(DETAIL_JS), row=False))
        messages.append(Message(r["link"]["text"][:200], href, dates.asked, dates.replied, dates.answered,
                                dates.reply_field, crop))
    return Channel(cand.name, cand.url, kind, cand.found_by, nav.status, None, tuple(messages), shot,
                   nav.final_url), opened  # type: ignore[arg-type]


async def gather_interaction(fetcher: PageFetcher, home: str, known: list[ChannelCandidate], scan: list[str], *,
                             max_channels: int = 3, max_details: int = 12) -> InteractionFacts:
    """The channels among ``known`` and the links of the home page and the ``scan`` pages (the navigation's
    columns), at most ``max_channels`` 留言 channels and one 在线访谈, each read with its messages."""
    s = fetcher.settings
    async with site_tab(fetcher) as page:
        found: list[ChannelCandidate] = list(known)
        unread = 0
        for i, url in enumerate(dict.fromkeys([home, *scan])):
            nav = await goto(page, url, s)
            if not nav.ok:
                if i == 0:
                    return InteractionFacts(home, home_error=nav.error or f"HTTP {nav.status}")
                unread += 1
                continue
            found += candidates_from_links(await page.evaluate(ANCHORS_JS))
        seen: set[str] = set()
        picked: list[tuple[ChannelCandidate, str]] = []
        counts = {"message": 0, "interview": 0}
        for c in found:
            kind = channel_kind(c.name, c.column_type)
            if kind is None or _key(c.url) in seen:
                continue
            seen.add(_key(c.url))
            if counts[kind] < (max_channels if kind == "message" else 1):
                counts[kind] += 1
                picked.append((c, kind))
        channels = []
        budget = max_details
        read: set[str] = set()
        for c, kind in picked:
            ch, opened = await _read_channel(page, s, c, kind, budget)
            budget -= opened
            if ch.final_url and _key(ch.final_url) in read:
                continue  # two links to one channel (a redirect, another spelling of its URL)
            read.add(_key(ch.final_url or ch.url))
            channels.append(ch)
        return InteractionFacts(home, tuple(channels), unscanned=unread)
