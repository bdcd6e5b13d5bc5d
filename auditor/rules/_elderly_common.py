"""Shared reading of the 适老化 facts (``facts.elderly`` from browsers/elderly.py) for the entry and item rules."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from auditor.models import Box, EvidenceRef

FONT_RATIO = 1.1  # main text at least 10 % larger ...
FONT_STEP = 2.0  # ... or at least 2 px larger counts as "larger"
ELDERLY_MIN_FONT = 18.0  # 适老化 design spec: at least one size of 18 pt/dp or more


@dataclass
class Effect:
    """What switching an entry on changed on the page."""
    changed: bool
    reasons: list[str] = field(default_factory=list)
    class_only: bool = False
    measures: dict[str, Any] = field(default_factory=dict)


def _larger(f0: float, f1: float) -> bool:
    return f0 > 0 and (f1 >= f0 * FONT_RATIO or f1 - f0 >= FONT_STEP)


def effect(act: dict[str, Any]) -> Effect:
    """Judge a before/after pair: larger main text (in the 正文 block, or over the whole page), page zoom, a
    toolbar, changed colours, another page."""
    b, a = act.get("before") or {}, act.get("after") or {}
    f0, f1 = float(b.get("fontPx") or 0), float(a.get("fontPx") or 0)
    m0, m1 = b.get("main") or {}, a.get("main") or {}
    # The 正文 block's text size; a page without one is read over the whole page.
    t0 = float(m0.get("fontPx") or 0) or f0
    t1 = float(m1.get("fontPx") or 0) or f1
    measures = {"font_before": round(f0, 1), "font_after": round(f1, 1), "zoom_before": b.get("zoom"),
                "zoom_after": a.get("zoom"), "url_after": a.get("url"), "navigated": bool(act.get("navigated")),
                "main_before": {k: m0.get(k) for k in ("selector", "fontPx", "chars")} if m0 else None,
                "main_after": {k: m1.get(k) for k in ("selector", "fontPx", "chars")} if m1 else None,
                "toolbar": a.get("toolbar"), "new_visible": a.get("newVisible"),
                "colors_before": [b.get("textColor"), b.get("bodyBg"), b.get("mainBg")],
                "colors_after": [a.get("textColor"), a.get("bodyBg"), a.get("mainBg")],
                "class_before": [b.get("htmlClass"), b.get("bodyClass")],
                "class_after": [a.get("htmlClass"), a.get("bodyClass")]}
    reasons = []
    larger = _larger(f0, f1)
    if larger:
        reasons.append(f"正文字号 {f0:.1f}px → {f1:.1f}px")
    main_larger = bool(m0) and bool(m1) and _larger(t0, t1)
    if main_larger and not larger:
        # A mode that enlarges only the 正文 (the rest of the page, lists and navigation, unchanged) works.
        reasons.append(f"正文区（{m1.get('selector')}）字号 {t0:.1f}px → {t1:.1f}px")
    if act.get("navigated"):
        # A separate 关怀版 page: its 正文 against the original page's 正文.
        if larger or _larger(t0, t1) or max(f1, t1) >= max(ELDERLY_MIN_FONT, max(f0, t0) + 0.5):
            if not larger and not main_larger:
                reasons.append(f"跳转到 {a.get('url')}，正文字号 {t0:.1f}px → {t1:.1f}px")
            return Effect(True, reasons, measures=measures)
        return Effect(False, [f"跳转到 {a.get('url')}，但正文字号未增大（{t0:.1f}px → {t1:.1f}px）"],
                      measures=measures)
    z0, z1 = float(b.get("zoom") or 1), float(a.get("zoom") or 1)
    if z1 >= z0 * 1.05 and not larger:
        reasons.append(f"页面缩放 {z0:.2f} → {z1:.2f}")
    tb = a.get("toolbar")
    if tb and tb.get("controls", 0) >= 3:
        reasons.append(f"出现工具条（{tb['controls']} 个按钮）")
    if measures["colors_before"] != measures["colors_after"] or (b.get("filter") != a.get("filter")):
        reasons.append("页面配色改变")
    class_changed = measures["class_before"] != measures["class_after"]
    if reasons:
        return Effect(True, reasons, measures=measures)
    return Effect(False, ["页面样式类变化，但字号、配色均未改变"] if class_changed else [], class_changed, measures)


def before_after_evidence(act: dict[str, Any], what: str) -> list[EvidenceRef]:
    """The entry (boxed on the page before), then the page before and after the click."""
    out = []
    entry = act.get("entry") or {}
    if act.get("shot_before"):
        out.append(EvidenceRef(f"{what}：点击前（入口已框出）", None, None, entry.get("text"), "shot",
                               png=act["shot_before"]))
        out[-1].box = _viewport_box(entry.get("box"))
    if act.get("shot_after"):
        out.append(EvidenceRef(f"{what}：点击后", None, None, (act.get("after") or {}).get("url"), "shot",
                               png=act["shot_after"]))
    if entry.get("html"):
        out.append(EvidenceRef(f"{what}入口元素", Box.of(entry.get("box")), entry["html"], entry.get("text")))
    return out


def _viewport_box(d: dict[str, float] | None) -> Box | None:
    """Entry boxes are in page coordinates; the before picture is the viewport at the top of the page."""
    b = Box.of(d)
    return b if b is not None and b.y < 2000 else None
