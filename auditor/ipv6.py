"""IPv6 reachability: the measurements taken by ``clients.ipv6_probe`` (the site facts of the ``ipv6.*`` rules),
the thresholds, and the v4/v6 content comparison.

The rules themselves (域名 AAAA 解析, IPv6 域名授权体系, 首页 IPv6 可访问, IPv4/IPv6 内容一致性, 二级/三级链接 IPv6
支持率, 页面资源 IPv6 支持, IPv6 支持度; spec §5) are site rules in ``auditor/site_rules/ipv6.py``.
Nothing here touches the network.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import asdict, dataclass, field
from html.parser import HTMLParser
from typing import Any, ClassVar


# ---- measurements ----------------------------------------------------------------------------------------
@dataclass
class FetchResult:
    """One HTTP GET pinned to one address family (4 or 6), redirects followed within that family."""
    family: int
    url: str
    address: str | None = None
    status: int | None = None
    final_url: str | None = None
    body: str | None = None
    elapsed: float | None = None
    error: str | None = None  # no_address | connection | timeout | tls | private | http | other (with detail)

    @property
    def ok(self) -> bool:
        return self.error is None and self.status is not None and 200 <= self.status < 400


@dataclass
class LinkResult:
    """A 二级/三级 link: did it load over IPv6; over IPv4 only when IPv6 failed (to tell a dead link apart)."""
    url: str
    v6_ok: bool
    v6_status: int | None = None
    v6_error: str | None = None
    v4_ok: bool | None = None  # None: not tried (IPv6 worked)
    v4_status: int | None = None

    @property
    def counted(self) -> bool:
        """Counted in the rate unless it failed over both families (a dead link is not an IPv6 matter)."""
        return self.v6_ok or self.v4_ok is not False


@dataclass
class NameServer:
    name: str
    aaaa: list[str] = field(default_factory=list)
    a: list[str] = field(default_factory=list)


@dataclass
class IPv6Measurements:
    url: str
    host: str
    a: list[str] = field(default_factory=list)
    aaaa: list[str] = field(default_factory=list)
    dns_error: str | None = None
    dns_elapsed: dict[str, float] = field(default_factory=dict)  # {"A": s, "AAAA": s}
    zone: str | None = None
    nameservers: list[NameServer] = field(default_factory=list)
    ns_error: str | None = None
    tcp6: dict[int, bool] = field(default_factory=dict)  # port -> connected over IPv6
    v4: FetchResult | None = None
    v6: FetchResult | None = None
    level2: list[LinkResult] = field(default_factory=list)
    level3: list[LinkResult] = field(default_factory=list)
    subresource_hosts: dict[str, list[str]] = field(default_factory=dict)  # host -> its AAAA (empty: none)
    subresource_errors: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> IPv6Measurements:
        d = dict(d)
        d["nameservers"] = [NameServer(**n) for n in d.get("nameservers") or []]
        d["tcp6"] = {int(k): v for k, v in (d.get("tcp6") or {}).items()}
        for fam in ("v4", "v6"):
            if d.get(fam) is not None:
                d[fam] = FetchResult(**d[fam])
        for lvl in ("level2", "level3"):
            d[lvl] = [LinkResult(**x) for x in d.get(lvl) or []]
        return cls(**d)


@dataclass
class IPv6Policy:
    """Thresholds. Targets: 县级以上政府门户网站 IPv6 支持率 85 %; 上海 2023 支持度评分 ≥ 90 (spec §5).
    Per-link thresholds were not found in any document, so they are configurable."""
    fail_similarity: float = 0.9   # below: 不合格
    warn_similarity: float = 0.98  # below: 警告
    link_target: float = 0.85      # 二级/三级 IPv6 支持率
    support_target: float = 90.0   # 支持度评分
    max_diff_lines: int = 20
    weights: dict[str, float] = field(default_factory=lambda: {
        "aaaa": 15, "ns": 10, "home": 25, "consistency": 15, "level2": 20, "level3": 15})


# ---- content comparison -------------------------------------------------------------------------------------
class _TextLines(HTMLParser):
    SKIP: ClassVar[frozenset[str]] = frozenset({"script", "style", "noscript", "template", "head"})
    BLOCK: ClassVar[frozenset[str]] = frozenset({
        "p", "div", "br", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article",
        "header", "footer", "nav", "ul", "ol", "table", "title", "a", "span", "option", "dt", "dd"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.skip = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in self.SKIP:
            self.skip += 1
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self.skip:
            self.skip -= 1
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def visible_lines(html: str) -> list[str]:
    """The page's text as lines (tags, scripts and styles dropped, whitespace collapsed, empty lines gone)."""
    p = _TextLines()
    try:
        p.feed(html or "")
        p.close()
    except Exception:  # noqa: BLE001 - malformed markup: fall back to the raw text
        return [ln for ln in (re.sub(r"\s+", " ", x).strip() for x in (html or "").splitlines()) if ln]
    text = "".join(p.parts)
    return [ln for ln in (re.sub(r"\s+", " ", x).strip() for x in text.split("\n")) if ln]


def content_similarity(v4_html: str, v6_html: str, max_diff_lines: int = 20) -> tuple[float, list[str]]:
    """(ratio 0..1, the differing lines as a unified diff, ``-`` IPv4 / ``+`` IPv6) of the visible text."""
    a, b = visible_lines(v4_html), visible_lines(v6_html)
    if not a and not b:
        return 1.0, []
    ratio = difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()
    if ratio >= 1.0 or a == b:
        return 1.0, []
    # Line-level ratio is harsh on small pages with one edited line; blend with a character-level ratio.
    char_ratio = difflib.SequenceMatcher(None, "\n".join(a), "\n".join(b), autojunk=False).ratio()
    ratio = min(ratio, char_ratio) if len(a) + len(b) > 40 else (ratio + char_ratio) / 2
    diff = [ln for ln in difflib.unified_diff(a, b, "IPv4", "IPv6", n=0, lineterm="")
            if ln[:1] in "+-" and not ln.startswith(("+++", "---"))]
    return round(ratio, 4), diff[:max_diff_lines]
