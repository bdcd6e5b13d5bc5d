"""A small trend chart as an SVG string (server-rendered; no script, no chart library): one or two lines on a 0–100
scale (a site's 19号 score, a region's 合格率 and mean score) with an optional guide (the 60-point line), and under
them the findings of each quarter against the previous one: 新增 / 已整改 / 仍存在 as small bars.

Pure: numbers in, markup out; every text is escaped. The chart carries role="img" and a <title>; pages show the same
numbers in a table beside it, which is what a screen reader reads.
"""
from __future__ import annotations

from dataclasses import dataclass
from html import escape

from auditor.trends import RegionTrend, SiteTrend

W, PAD_L, PAD_R = 420, 34, 12
LINE_TOP, LINE_H = 32, 104
BAR_TOP, BAR_H = 172, 40
H = 238
BAR_COLOURS = (("新增", "#c0392b"), ("已整改", "#2e8b57"), ("仍存在", "#8a8f98"))


@dataclass(frozen=True)
class Series:
    name: str
    values: list[float | None]  # None: no value that quarter
    colour: str = "#1f5fa8"
    dashed: bool = False
    marks: tuple[str | None, ...] = ()  # a word drawn where the value is None (e.g. 否决), per quarter


def _fmt(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".")


def trend_svg(labels: list[str], series: list[Series], *, title: str, y_max: float = 100.0,
              guide: tuple[float, str] | None = None,
              bars: list[tuple[int, int, int] | None] | None = None) -> str:
    """The chart; ``labels`` are the quarters (oldest first), ``bars`` (new, fixed, still) per quarter or None."""
    n = max(len(labels), 1)
    step = (W - PAD_L - PAD_R) / n
    xs = [PAD_L + step * (i + 0.5) for i in range(n)]

    def y(v: float) -> float:
        return LINE_TOP + LINE_H * (1 - max(0.0, min(v, y_max)) / y_max)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="{W}" height="{H}" role="img" '
           f'class="trend-chart" font-family="sans-serif" font-size="11">', f"<title>{escape(title)}</title>"]
    for v in (0, y_max / 2, y_max):
        out.append(f'<line x1="{PAD_L}" x2="{W - PAD_R}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#e3e6ea"/>')
        out.append(f'<text x="{PAD_L - 4}" y="{y(v) + 4:.1f}" text-anchor="end" fill="#666">{_fmt(v)}</text>')
    if guide is not None:
        gy = y(guide[0])
        out.append(f'<line x1="{PAD_L}" x2="{W - PAD_R}" y1="{gy:.1f}" y2="{gy:.1f}" stroke="#c0392b" '
                   f'stroke-dasharray="4 3"/>')
        out.append(f'<text x="{W - PAD_R}" y="{gy - 3:.1f}" text-anchor="end" fill="#c0392b">{escape(guide[1])}</text>')
    for k, s in enumerate(series):
        dash = ' stroke-dasharray="5 3"' if s.dashed else ""
        # The line breaks where a quarter has no value (not checked, or vetoed): no slope through a missing point.
        runs: list[list[tuple[float, float]]] = [[]]
        for x, v in zip(xs, s.values):
            if v is None:
                runs.append([])
            else:
                runs[-1].append((x, v))
        for seg in runs:
            if len(seg) > 1:
                path = " ".join(f"{x:.1f},{y(v):.1f}" for x, v in seg)
                out.append(f'<polyline points="{path}" fill="none" stroke="{s.colour}" stroke-width="2"{dash}/>')
        for i, (x, v) in enumerate(zip(xs, s.values)):
            if v is None:
                continue
            # A number goes above its point, or under it where another line is higher, so close lines stay readable.
            others = [o.values[i] for o in series if o is not s and i < len(o.values) and o.values[i] is not None]
            below = any(o > v or (o == v and k > 0) for o in others)
            out.append(f'<circle cx="{x:.1f}" cy="{y(v):.1f}" r="3.5" fill="{s.colour}"/>')
            ty = y(v) + 15 if below else y(v) - 7
            out.append(f'<text x="{x:.1f}" y="{ty:.1f}" text-anchor="middle" fill="{s.colour}">{_fmt(v)}</text>')
        for x, v, mark in zip(xs, s.values, s.marks):
            if v is None and mark:
                out.append(f'<text x="{x:.1f}" y="{y(0) - 4:.1f}" text-anchor="middle" fill="#c0392b" '
                           f'font-weight="bold">{escape(mark)}</text>')
    for x, label in zip(xs, labels):
        out.append(f'<text x="{x:.1f}" y="{LINE_TOP + LINE_H + 16}" text-anchor="middle" fill="#333">'
                   f'{escape(label)}</text>')
    legend_x = PAD_L
    for s in series:
        dash = ' stroke-dasharray="5 3"' if s.dashed else ""
        out.append(f'<line x1="{legend_x}" x2="{legend_x + 16}" y1="10" y2="10" stroke="{s.colour}" '
                   f'stroke-width="2"{dash}/><text x="{legend_x + 20}" y="14" fill="#333">{escape(s.name)}</text>')
        legend_x += 28 + 12 * len(s.name)
    if bars is not None:
        top = max((max(b) for b in bars if b), default=0) or 1
        bw = min(12.0, step / 4)
        for x, b in zip(xs, bars):
            if b is None:
                out.append(f'<text x="{x:.1f}" y="{BAR_TOP + BAR_H}" text-anchor="middle" fill="#999">—</text>')
                continue
            for k, (value, (_, colour)) in enumerate(zip(b, BAR_COLOURS)):
                h = max(1.0, BAR_H * value / top) if value else 0.0
                bx = x + (k - 1.5) * bw
                out.append(f'<rect x="{bx:.1f}" y="{BAR_TOP + BAR_H - h:.1f}" width="{bw - 1:.1f}" height="{h:.1f}" '
                           f'fill="{colour}"/>')
                out.append(f'<text x="{bx + bw / 2 - 0.5:.1f}" y="{BAR_TOP + BAR_H - h - 2:.1f}" '
                           f'text-anchor="middle" font-size="9" fill="{colour}">{value}</text>')
        out.append(f'<line x1="{PAD_L}" x2="{W - PAD_R}" y1="{BAR_TOP + BAR_H}" y2="{BAR_TOP + BAR_H}" '
                   f'stroke="#bbb"/>')
        lx = PAD_L
        for name, colour in BAR_COLOURS:
            out.append(f'<rect x="{lx}" y="{H - 14}" width="10" height="10" fill="{colour}"/>'
                       f'<text x="{lx + 14}" y="{H - 5}" fill="#333">{escape(name)}</text>')
            lx += 70
        out.append(f'<text x="{W - PAD_R}" y="{H - 5}" text-anchor="end" fill="#666">问题数（与上次检查比）</text>')
    out.append("</svg>")
    return "".join(out)


def site_chart(t: SiteTrend) -> str:
    """A site's 19号 score per quarter (否决 where a 单项否决 item ended the scoring), the 60-point line, and its
    findings against its previous checked quarter."""
    labels = [str(p.quarter) for p in t.points]
    values = [p.snapshot.score if p.snapshot else None for p in t.points]
    marks = tuple("否决" if p.snapshot and p.snapshot.score is None else None for p in t.points)
    bars = [(p.delta.new, p.delta.fixed, p.delta.still) if p.delta else None for p in t.points]
    return trend_svg(labels, [Series("得分", values, marks=marks)], title=f"{t.name}：各季度得分与问题变化",
                     guide=(60, "60分合格线"), bars=bars)


def region_chart(r: RegionTrend) -> str:
    """A region's 合格率 and mean score per quarter, and its findings new / fixed / still there."""
    labels = [str(p.quarter) for p in r.points]
    return trend_svg(labels, [Series("合格率（%）", [p.rate for p in r.points]),
                              Series("平均得分", [p.mean_score for p in r.points], "#b8860b", dashed=True)],
                     title=f"{r.region}：合格率与平均得分趋势",
                     bars=[(p.new, p.fixed, p.still) if p.compared else None for p in r.points])
