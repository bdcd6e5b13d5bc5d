"""IPv6 reachability (rule ids ``ipv6.*``): pure scoring of measurements taken by ``clients.ipv6_probe``.

Indicators (spec §5): 域名 AAAA 解析, 完整的 IPv6 域名授权体系, 首页 IPv6 可访问, 首页内容 IPv4/IPv6 一致性,
二级/三级内链 IPv6 支持率, plus the hosts of sub-resources without AAAA and a summary 支持度 score (0-100).
Nothing here touches the network: measurements in, ``CheckResult``s out.
"""
from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from html.parser import HTMLParser
from typing import Any, ClassVar

from auditor.models import CheckResult, EvidenceRef, Status


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


# ---- rules --------------------------------------------------------------------------------------------------
IND = {
    "ipv6.aaaa": "域名 AAAA 解析",
    "ipv6.ns": "IPv6 域名授权体系",
    "ipv6.home": "首页 IPv6 可访问",
    "ipv6.consistency": "IPv4/IPv6 内容一致性",
    "ipv6.level2": "二级链接 IPv6 支持率",
    "ipv6.level3": "三级链接 IPv6 支持率",
    "ipv6.subresources": "页面资源 IPv6 支持",
    "ipv6.support": "IPv6 支持度",
}


def _r(rule: str, status: Status, message: str, value: Any = None, evidence: list[EvidenceRef] | None = None
       ) -> CheckResult:
    return CheckResult(rule=rule, status=status, indicator=IND[rule], message=message, value=value,
                       evidence=evidence or [])


def _fetch_desc(f: FetchResult | None) -> str:
    if f is None:
        return "未测量"
    if f.ok:
        return f"HTTP {f.status}（{f.elapsed:.2f} 秒）" if f.elapsed is not None else f"HTTP {f.status}"
    if f.status is not None:
        return f"HTTP {f.status}"
    return f"失败: {f.error}"


def check_aaaa(m: IPv6Measurements) -> CheckResult:
    v = {"host": m.host, "a": m.a, "aaaa": m.aaaa}
    if m.aaaa:
        return _r("ipv6.aaaa", Status.PASS, f"{m.host} 有 AAAA 记录: {', '.join(m.aaaa)}", v)
    if m.dns_error and not m.a:
        return _r("ipv6.aaaa", Status.NOT_ASSESSABLE, f"{m.host} 域名解析失败: {m.dns_error}", v)
    return _r("ipv6.aaaa", Status.FAIL, f"{m.host} 没有 AAAA 记录（仅 IPv4: {', '.join(m.a) or '无'}）", v)


def check_ns(m: IPv6Measurements) -> CheckResult:
    ns = m.nameservers
    v = {"zone": m.zone, "nameservers": [{"name": n.name, "aaaa": n.aaaa} for n in ns]}
    if not ns:
        return _r("ipv6.ns", Status.NOT_ASSESSABLE,
                  f"未查到 {m.host} 所在域的 NS 记录" + (f": {m.ns_error}" if m.ns_error else ""), v)
    without = [n.name for n in ns if not n.aaaa]
    v["ratio"] = round(1 - len(without) / len(ns), 4)
    if not without:
        return _r("ipv6.ns", Status.PASS, f"{m.zone} 的 {len(ns)} 个权威域名服务器均有 IPv6 地址", v)
    if len(without) == len(ns):
        return _r("ipv6.ns", Status.FAIL, f"{m.zone} 的权威域名服务器都没有 IPv6 地址: {', '.join(without)}", v)
    return _r("ipv6.ns", Status.WARN,
              f"{m.zone} 的 {len(ns)} 个权威域名服务器中 {len(without)} 个没有 IPv6 地址: {', '.join(without)}", v)


def check_home(m: IPv6Measurements) -> CheckResult:
    v6 = m.v6
    v = {"v4": _fetch_desc(m.v4), "v6": _fetch_desc(v6), "tcp6": {str(k): ok for k, ok in m.tcp6.items()},
         "v6_address": v6.address if v6 else None, "v6_status": v6.status if v6 else None,
         "v6_elapsed": v6.elapsed if v6 else None, "v4_elapsed": m.v4.elapsed if m.v4 else None}
    if m.dns_error and not m.a and not m.aaaa:
        return _r("ipv6.home", Status.NOT_ASSESSABLE, f"{m.host} 域名解析失败，无法评估: {m.dns_error}", v)
    if not m.aaaa:
        return _r("ipv6.home", Status.FAIL, f"{m.host} 没有 AAAA 记录，首页无法通过 IPv6 访问", v)
    tcp = "；".join(f"IPv6 {p} 端口{'可连接' if ok else '无法连接'}" for p, ok in sorted(m.tcp6.items()))
    tcp = f"（{tcp}）" if tcp else ""
    if v6 is not None and v6.ok:
        return _r("ipv6.home", Status.PASS, f"首页通过 IPv6 [{v6.address}] 访问成功: {_fetch_desc(v6)}{tcp}", v)
    return _r("ipv6.home", Status.FAIL, f"首页无法通过 IPv6 访问（{_fetch_desc(v6)}）{tcp}", v,
              [EvidenceRef(note=f"IPv6 访问 {m.url} 失败", text=_fetch_desc(v6), kind="region")])


def check_consistency(m: IPv6Measurements, policy: IPv6Policy) -> CheckResult:
    v4, v6 = m.v4, m.v6
    if v4 is None or v6 is None or not v4.ok or not v6.ok:
        return _r("ipv6.consistency", Status.NOT_ASSESSABLE,
                  f"需要首页同时可通过 IPv4 和 IPv6 访问才能比较（IPv4: {_fetch_desc(v4)}；IPv6: {_fetch_desc(v6)}）",
                  {"v4": _fetch_desc(v4), "v6": _fetch_desc(v6)})
    ratio, diff = content_similarity(v4.body or "", v6.body or "", policy.max_diff_lines)
    v = {"similarity": ratio, "v4_status": v4.status, "v6_status": v6.status, "diff": diff,
         "fail_below": policy.fail_similarity, "warn_below": policy.warn_similarity}
    ev = [EvidenceRef(note="IPv4 与 IPv6 首页不同的内容（- IPv4，+ IPv6）", text="\n".join(diff), kind="region")] \
        if diff else []
    pct = f"{ratio * 100:.1f}%"
    if v4.status != v6.status:
        return _r("ipv6.consistency", Status.WARN,
                  f"IPv4 返回 HTTP {v4.status}，IPv6 返回 HTTP {v6.status}；内容相似度 {pct}", v, ev)
    if ratio < policy.fail_similarity:
        return _r("ipv6.consistency", Status.FAIL,
                  f"IPv4 与 IPv6 首页内容不一致: 相似度 {pct}，低于 {policy.fail_similarity * 100:.0f}%", v, ev)
    if ratio < policy.warn_similarity:
        return _r("ipv6.consistency", Status.WARN,
                  f"IPv4 与 IPv6 首页内容略有差异: 相似度 {pct}", v, ev)
    return _r("ipv6.consistency", Status.PASS, f"IPv4 与 IPv6 首页内容一致（相似度 {pct}）", v, ev)


def link_rate(links: Iterable[LinkResult]) -> tuple[float | None, int, int, list[LinkResult]]:
    """(rate or None, ok, counted, failures) over the links that can be assessed."""
    counted = [x for x in links if x.counted]
    ok = sum(1 for x in counted if x.v6_ok)
    fails = [x for x in counted if not x.v6_ok]
    return (ok / len(counted) if counted else None), ok, len(counted), fails


def check_level(m: IPv6Measurements, level: int, policy: IPv6Policy) -> CheckResult:
    rule, name = (f"ipv6.level{level}", "二级" if level == 2 else "三级")
    links = m.level2 if level == 2 else m.level3
    rate, ok, n, fails = link_rate(links)
    dead = [x.url for x in links if not x.counted]
    v = {"rate": None if rate is None else round(rate, 4), "ok": ok, "total": n, "target": policy.link_target,
         "failed": [{"url": x.url, "status": x.v6_status, "error": x.v6_error} for x in fails][:50],
         "dead_both": dead[:50]}
    if rate is None:
        why = f"（{len(dead)} 个链接 IPv4 和 IPv6 都打不开）" if dead else ""
        return _r(rule, Status.NOT_ASSESSABLE, f"没有可评估的{name}链接{why}", v)
    msg = f"{name}链接 IPv6 支持率 {rate * 100:.1f}%（{ok}/{n}），目标 {policy.link_target * 100:.0f}%"
    ev = [EvidenceRef(note=f"{name}链接 IPv6 无法访问", text="\n".join(
        f"{x.url}  {x.v6_error or ('HTTP ' + str(x.v6_status))}" for x in fails[:20]), kind="region")] if fails else []
    return _r(rule, Status.PASS if rate >= policy.link_target else Status.FAIL, msg, v, ev)


def check_subresources(m: IPv6Measurements) -> CheckResult:
    hosts = m.subresource_hosts
    missing = sorted(h for h, aaaa in hosts.items() if not aaaa and h not in m.subresource_errors)
    errors = dict(m.subresource_errors)
    v = {"hosts": len(hosts), "without_aaaa": missing, "errors": errors}
    if not hosts:
        return _r("ipv6.subresources", Status.NOT_ASSESSABLE, "未提供页面资源（图片、样式、脚本）地址", v)
    if missing:
        return _r("ipv6.subresources", Status.FAIL,
                  f"{len(missing)} 个资源域名没有 AAAA 记录，仅 IPv6 的用户无法加载: {', '.join(missing)}", v,
                  [EvidenceRef(note="没有 AAAA 记录的资源域名", text="\n".join(missing), kind="region")])
    if errors:
        return _r("ipv6.subresources", Status.NOT_ASSESSABLE,
                  f"{len(errors)} 个资源域名解析失败: {', '.join(sorted(errors))}", v)
    return _r("ipv6.subresources", Status.PASS, f"页面资源的 {len(hosts)} 个域名均有 AAAA 记录", v)


def support_score(results: dict[str, CheckResult], policy: IPv6Policy) -> tuple[float | None, dict[str, float]]:
    """支持度 0..100: each indicator's weight times its fraction met; unassessable indicators are left out and the
    remaining weights rescaled (a site with no 三级 links is not penalised for them)."""
    w = policy.weights
    parts: dict[str, float] = {}
    for key in w:
        r = results.get(f"ipv6.{key}")
        if r is None or r.status is Status.NOT_ASSESSABLE:
            continue
        if key == "ns":
            frac = float((r.value or {}).get("ratio", 1.0 if r.status is Status.PASS else 0.0))
        elif key == "consistency":
            frac = float((r.value or {}).get("similarity", 0.0))
            if r.status is Status.PASS:
                frac = 1.0
        elif key in ("level2", "level3"):
            frac = float((r.value or {}).get("rate") or 0.0)
        else:
            frac = 1.0 if r.status is Status.PASS else 0.0
        parts[key] = frac
    total_w = sum(w[k] for k in parts)
    if not total_w or "home" not in parts:
        return None, parts
    return round(100 * sum(w[k] * f for k, f in parts.items()) / total_w, 1), parts


def check_support(results: dict[str, CheckResult], policy: IPv6Policy) -> CheckResult:
    score, parts = support_score(results, policy)
    v = {"score": score, "target": policy.support_target, "parts": {k: round(f, 4) for k, f in parts.items()}}
    if score is None:
        return _r("ipv6.support", Status.NOT_ASSESSABLE, "首页 IPv6 访问无法评估，不计算 IPv6 支持度", v)
    failed = [IND[f"ipv6.{k}"] for k, f in parts.items() if f < 1.0]
    tail = f"；未满分: {'、'.join(failed)}" if failed else ""
    msg = f"IPv6 支持度 {score:.1f} 分（目标 {policy.support_target:.0f} 分）{tail}"
    return _r("ipv6.support", Status.PASS if score >= policy.support_target else Status.FAIL, msg, v)


def score_ipv6(m: IPv6Measurements, policy: IPv6Policy | None = None) -> list[CheckResult]:
    """All ``ipv6.*`` results for one site, the summary ``ipv6.support`` last."""
    policy = policy or IPv6Policy()
    rs = [check_aaaa(m), check_ns(m), check_home(m), check_consistency(m, policy),
          check_level(m, 2, policy), check_level(m, 3, policy), check_subresources(m)]
    by = {r.rule: r for r in rs}
    rs.append(check_support(by, policy))
    return rs
