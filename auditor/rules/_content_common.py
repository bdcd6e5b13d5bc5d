"""Shared by the content rules (固定表述, 个人信息): the page's visible text as one string with each character's
text item (and so its box), and the sentence around a hit."""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Any

from auditor.models import Box, PageFacts

_SENTENCE_END = "。！？；!?;\n"


@dataclass
class PageText:
    """The visible text items joined; ``starts[i]`` is where item i begins in ``text``."""
    text: str
    items: list[dict[str, Any]]
    starts: list[int]
    sep: str

    def item_at(self, pos: int) -> dict[str, Any] | None:
        if not self.items:
            return None
        i = bisect.bisect_right(self.starts, pos) - 1
        return self.items[max(0, i)]

    def items_in(self, start: int, end: int) -> list[dict[str, Any]]:
        if not self.items:
            return []
        a = max(0, bisect.bisect_right(self.starts, start) - 1)
        b = max(a, bisect.bisect_right(self.starts, max(start, end - 1)) - 1)
        return self.items[a:b + 1]

    def box(self, start: int, end: int) -> Box | None:
        boxes = [Box.of(i.get("box")) for i in self.items_in(start, end)]
        boxes = [b for b in boxes if b is not None]
        if not boxes:
            return None
        x0, y0 = min(b.x for b in boxes), min(b.y for b in boxes)
        x1, y1 = max(b.x + b.w for b in boxes), max(b.y + b.h for b in boxes)
        return Box(x0, y0, x1 - x0, y1 - y0)


def body_items(facts: PageFacts) -> list[dict[str, Any]]:
    """The page's visible text items with boxes (probe ``bodyTexts``); pages probed before that list existed
    fall back to the lines of ``text``, without boxes."""
    items: list[dict[str, Any]] | None = facts.probe.body_texts  # type: ignore[assignment]
    if items is None:
        items = [{"text": t} for t in facts.probe.text.split("\n") if t.strip()]
    return items


def join(items: list[dict[str, Any]], sep: str = "\n") -> PageText:
    parts, starts, pos = [], [], 0
    for it in items:
        t = it.get("text") or ""
        starts.append(pos)
        parts.append(t)
        pos += len(t) + len(sep)
    return PageText(sep.join(parts), items, starts, sep)


def footer_top(facts: PageFacts) -> float | None:
    b = facts.probe.footer.box
    return float(b["y"]) if b else None


def sentence(text: str, start: int, end: int, limit: int = 60) -> str:
    """The sentence around text[start:end], at most ``limit`` characters each side."""
    a = start
    while a > 0 and start - a < limit and text[a - 1] not in _SENTENCE_END:
        a -= 1
    b = end
    while b < len(text) and b - end < limit and text[b] not in _SENTENCE_END:
        b += 1
    if b < len(text) and text[b] in "。！？；!?;":
        b += 1
    return re.sub(r"\s+", " ", text[a:b]).strip()
