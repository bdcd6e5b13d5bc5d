"""Shared helpers for the page rules: text search over the probe's visible text nodes, links, colours."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable
from urllib.parse import parse_qs, urlsplit

from auditor.facts import LinkItem, TextItem
from auditor.models import Box, CheckResult, EvidenceRef, PageFacts, Status

# Province abbreviations used in ICP and 公安 registration numbers, with the alternative forms some provinces
# use (滇 for 云南, 蜀 for 四川, 黔 for 贵州, 陇 for 甘肃, 秦 for 陕西).
PROVINCES = "京津沪渝冀豫云滇辽黑湘皖鲁新苏浙赣鄂桂甘陇晋蒙陕秦吉闽贵黔粤青藏川蜀宁琼港澳"


@dataclass
class TextHit:
    match: re.Match[str]
    items: list[dict[str, Any]]

    @property
    def text(self) -> str:
        return self.match.group(0)

    def evidence(self, note: str) -> EvidenceRef:
        boxes = [Box.of(i["box"]) for i in self.items if i.get("box")]
        box = union(boxes)
        html = self.items[0].get("html") if self.items else None
        return EvidenceRef(note=note, box=box, html=html, text=self.text)


def union(boxes: Iterable[Box | None]) -> Box | None:
    bs = [b for b in boxes if b is not None]
    if not bs:
        return None
    x0 = min(b.x for b in bs)
    y0 = min(b.y for b in bs)
    x1 = max(b.x + b.w for b in bs)
    y1 = max(b.y + b.h for b in bs)
    return Box(x0, y0, x1 - x0, y1 - y0)


def search_texts(items: list[dict[str, Any]], pattern: re.Pattern[str]) -> list[TextHit]:
    """Find a pattern across visible text nodes; a match may span neighbouring nodes (label + value)."""
    joined, spans, pos = [], [], 0
    for it in items:
        t = it["text"]
        spans.append((pos, pos + len(t), it))
        joined.append(t)
        pos += len(t) + 1
    text = "\n".join(joined)
    hits = []
    for m in pattern.finditer(text):
        covered = [it for (a, b, it) in spans if a < m.end() and b > m.start()]
        hits.append(TextHit(m, covered))
    return hits


def footer_texts(facts: PageFacts) -> list[TextItem]:
    return facts.probe.footer.texts


def footer_links(facts: PageFacts) -> list[LinkItem]:
    return facts.probe.footer.links


def all_links(facts: PageFacts) -> list[LinkItem]:
    return facts.probe.links


def host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def query_param(url: str, name: str) -> str | None:
    try:
        vals = parse_qs(urlsplit(url).query).get(name)
    except ValueError:
        return None
    return vals[0] if vals else None


def link_evidence(link: dict[str, Any], note: str) -> EvidenceRef:
    box = Box.of(link.get("box"))
    if (box is None or box.w < 2) and link.get("imgs"):
        box = union(Box.of(i.get("box")) for i in link["imgs"])
    return EvidenceRef(note=note, box=box, html=link.get("html"), text=link.get("text") or link.get("href"))


def band_evidence(facts: PageFacts, band: str, note: str) -> EvidenceRef:
    """Where the rule looked, for a finding with nothing to point at."""
    return EvidenceRef(note=note, box=Box.of(facts.probe.band(band).box), kind="region")


def result(rule: str, indicator: str, status: Status, message: str, value: Any = None,
           evidence: list[EvidenceRef] | None = None) -> CheckResult:
    return CheckResult(rule=rule, status=status, indicator=indicator, message=message, value=value,
                       evidence=evidence or [])


# --- colours -------------------------------------------------------------------------------------------
_RGB = re.compile(r"rgba?\(\s*([\d.]+)[ ,]+([\d.]+)[ ,]+([\d.]+)(?:[ ,/]+([\d.]+%?))?\s*\)")


def parse_colour(css: str | None) -> tuple[float, float, float, float] | None:
    if not css:
        return None
    m = _RGB.search(css)
    if not m:
        return None
    a = m.group(4)
    alpha = 1.0 if a is None else (float(a[:-1]) / 100 if a.endswith("%") else float(a))
    return float(m.group(1)), float(m.group(2)), float(m.group(3)), alpha


def _lum(c: tuple[float, float, float, float]) -> float:
    def ch(v: float) -> float:
        v /= 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
    return 0.2126 * ch(c[0]) + 0.7152 * ch(c[1]) + 0.0722 * ch(c[2])


def contrast(fg: str | None, bg: str | None) -> float | None:
    """WCAG contrast ratio of two CSS colours (foreground alpha blended over the background)."""
    f, b = parse_colour(fg), parse_colour(bg)
    if f is None or b is None:
        return None
    if f[3] < 1:
        f = (f[0] * f[3] + b[0] * (1 - f[3]), f[1] * f[3] + b[1] * (1 - f[3]), f[2] * f[3] + b[2] * (1 - f[3]), 1)
    l1, l2 = sorted((_lum(f), _lum(b)), reverse=True)
    return (l1 + 0.05) / (l2 + 0.05)


# --- the header band ----------------------------------------------------------------------------------------
# The header band never reaches below this (CSS px from the top of the page): a broken layout may make a head/top
# block swallow the article, whose byline («来源：XX人民政府») must not count as the site's name (browsers/probe.js
# ends the band where the navigation or the main content begins, and caps it at the same height).
HEADER_BAND_MAX = 500.0


def header_band_bottom(facts: PageFacts) -> float:
    """Where the header band ends (page coordinates): the probe's band, never below ``HEADER_BAND_MAX``."""
    box = Box.of(facts.probe.header.box)
    bottom = box.y + box.h if box is not None else HEADER_BAND_MAX
    return min(bottom, HEADER_BAND_MAX)


def in_band(box: Box | dict[str, Any] | None, bottom: float) -> bool:
    """Whether an item lies in the header band: its vertical centre is above the band's bottom edge."""
    b = Box.of(box) if isinstance(box, dict) else box
    if b is None:
        return False
    return b.y + b.h / 2 < bottom


# --- sites --------------------------------------------------------------------------------------------------
# Second-level labels under which a registrable domain has three labels (shifan.gov.cn, xxx.com.cn).
_SECOND_LEVEL = frozenset({"gov", "com", "org", "net", "edu", "ac", "mil"})


def site_domain(hostname: str) -> str:
    """The registrable domain of a host, as far as government sites need it: the last three labels under
    gov.cn / com.cn / org.cn … (www.shifan.gov.cn → shifan.gov.cn), else the last two; an IP address or a
    one-label name is its own domain. A small rule instead of the whole public-suffix list."""
    h = (hostname or "").lower().rstrip(".")
    labels = h.split(".")
    if len(labels) <= 2 or h.replace(".", "").isdigit() or ":" in h:
        return h
    if labels[-2] in _SECOND_LEVEL:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def same_site(url: str, page_url: str) -> bool:
    """A link on the same site: the same host, or a host of the same registrable domain (lxwm.shifan.gov.cn
    and www.shifan.gov.cn)."""
    a, b = host(url), host(page_url)
    return bool(a) and bool(b) and (a == b or site_domain(a) == site_domain(b))


def failed_service_requests(facts: PageFacts, hosts: set[str], pattern: re.Pattern[str] | None = None) -> list[str]:
    """URLs of the page's requests to a national service (by host, or by a path pattern such as jiucuo.js) that
    failed or were still pending: a page that asked for the service refers to it, whatever it drew."""
    out = []
    for r in [*facts.failed_requests, *facts.pending_requests]:
        u = str(r.get("url") or "")
        if host(u) in hosts or (pattern is not None and pattern.search(u)):
            out.append(u)
    return list(dict.fromkeys(out))


_ONCLICK_URL = re.compile(r"""(?:https?:)?//[^\s'"()+]+""")


def onclick_urls(link: dict[str, Any]) -> list[str]:
    """The URLs a link's onclick opens (``window.open("//host/…")``), scheme-relative ones as https."""
    return [u if u.startswith("http") else "https:" + u for u in _ONCLICK_URL.findall(link.get("onclick") or "")]


def link_targets(link: dict[str, Any]) -> list[str]:
    """Where a link leads: its href, and the URLs its onclick opens (sites move registry links into
    ``window.open(...)``)."""
    return [u for u in [link.get("href") or "", *onclick_urls(link)] if u]
