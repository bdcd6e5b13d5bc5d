"""IPv6 支持度 (rule ids ``ipv6.*``): site rules over the IPv6 measurements (``auditor.ipv6.IPv6Measurements``,
taken by ``clients.ipv6_probe``).

Indicators (spec §5): 域名 AAAA 解析, 完整的 IPv6 域名授权体系, 首页 IPv6 可访问, 首页内容 IPv4/IPv6 一致性,
二级/三级内链 IPv6 支持率, plus the hosts of sub-resources without AAAA and a summary 支持度 score (0-100).
Targets: 县级以上政府门户网站 IPv6 支持率 85 %; 上海 2023 支持度评分 ≥ 90 (``IPv6Policy``).
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from auditor.ipv6 import FetchResult, IPv6Measurements, IPv6Policy, LinkResult, content_similarity
from auditor.models import CheckResult, EvidenceRef, Status
from auditor.rules.meta import RuleMeta
from auditor.site_facts import SiteFacts
from auditor.site_rules.base import SiteRuleConfig


def _meta(id: str, indicator: str, pass_title: str, fail_title: str, fix: str, description: str,
          key: str | None = None, facts: tuple[str, ...] = ("ipv6.measurements",)) -> RuleMeta:
    return RuleMeta(id=id, indicator=indicator, pass_title=pass_title, fail_title=fail_title, fix=fix, facts=facts,
                    scope="site", key=key, group="D4" if key else None, description=description)


AAAA_META = _meta("ipv6.aaaa", "域名 AAAA 解析", "网站域名有 AAAA 记录", "网站域名没有 AAAA 记录",
                  "为网站域名配置 AAAA 记录（IPv6 地址）。", "首页主机有 AAAA 记录 → pass；只有 A 记录 → fail；域名解析失败 → "
                  "not_assessable。")
NS_META = _meta("ipv6.ns", "IPv6 域名授权体系", "权威域名服务器均有 IPv6 地址", "权威域名服务器缺少 IPv6 地址",
                "请域名服务商为所在域的权威域名服务器配置 IPv6 地址。", "所在域的 NS 都有 AAAA → pass；部分有 → warn；都没有 → fail。")
HOME_META = _meta("ipv6.home", "首页 IPv6 可访问", "首页可通过 IPv6 访问", "首页无法通过 IPv6 访问",
                  "在 IPv6 地址上提供网站服务（80/443 端口），并检查防火墙和负载均衡的 IPv6 配置。",
                  "首页经 IPv6 地址打开（HTTP 2xx/3xx）→ pass，并记录 IPv6 的 80/443 端口与仅 IPv6 渲染的首页截图。")
CONSISTENCY_META = _meta("ipv6.consistency", "IPv4/IPv6 内容一致性", "IPv4 与 IPv6 首页内容一致",
                         "IPv4 与 IPv6 首页内容不一致", "IPv6 与 IPv4 应提供同一网站内容（同步部署、同一源站）。",
                         "两个首页可见文字的相似度 ≥ 0.98 → pass，< 0.9 → fail，之间或状态码不同 → warn；不同的行作为证据。")
LEVEL2_META = _meta("ipv6.level2", "二级链接 IPv6 支持率", "二级链接 IPv6 支持率达标", "二级链接 IPv6 支持率不达标",
                    "二级页面所在的主机都应支持 IPv6 访问。", "抽查的二级页面经 IPv6 能打开的比例 ≥ 目标（85%）；IPv4 和 IPv6 都打不开的"
                    "链接不计。")
LEVEL3_META = _meta("ipv6.level3", "三级链接 IPv6 支持率", "三级链接 IPv6 支持率达标", "三级链接 IPv6 支持率不达标",
                    "三级页面所在的主机都应支持 IPv6 访问。", "抽查的三级页面经 IPv6 能打开的比例 ≥ 目标（85%）；IPv4 和 IPv6 都打不开的"
                    "链接不计。")
SUBRESOURCES_META = _meta("ipv6.subresources", "页面资源 IPv6 支持", "页面资源的域名均有 AAAA 记录",
                          "有页面资源的域名没有 AAAA 记录", "图片、样式、脚本所在的域名（含 CDN）都应配置 AAAA 记录。",
                          "首页图片、脚本所在的主机没有 AAAA → fail（仅 IPv6 的用户无法加载）。")
SUPPORT_META = _meta("ipv6.support", "IPv6 支持度", "IPv6 支持度达到目标", "IPv6 支持度未达到目标",
                     "逐项改进上面未满分的 IPv6 指标。", "以上各项加权的 0–100 分 ≥ 目标（90 分）；不可评估的项不计权重；未测量"
                     "（离线运行且未配置 DNS 服务器）→ not_assessable。", key="D4.9", facts=("ipv6",))
METAS = [AAAA_META, NS_META, HOME_META, CONSISTENCY_META, LEVEL2_META, LEVEL3_META, SUBRESOURCES_META, SUPPORT_META]
IND = {m.id: m.indicator for m in METAS}


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


# ---- the rules over the site facts ---------------------------------------------------------------------------
def _measured(facts: SiteFacts) -> IPv6Measurements | None:
    return facts.ipv6.measurements if facts.ipv6 is not None else None


def rule_aaaa(facts: SiteFacts, config: SiteRuleConfig) -> list[CheckResult]:
    m = _measured(facts)
    return [check_aaaa(m)] if m is not None else []


def rule_ns(facts: SiteFacts, config: SiteRuleConfig) -> list[CheckResult]:
    m = _measured(facts)
    return [check_ns(m)] if m is not None else []


def rule_consistency(facts: SiteFacts, config: SiteRuleConfig) -> list[CheckResult]:
    m = _measured(facts)
    return [check_consistency(m, config.ipv6)] if m is not None else []


def rule_level2(facts: SiteFacts, config: SiteRuleConfig) -> list[CheckResult]:
    m = _measured(facts)
    return [check_level(m, 2, config.ipv6)] if m is not None else []


def rule_level3(facts: SiteFacts, config: SiteRuleConfig) -> list[CheckResult]:
    m = _measured(facts)
    return [check_level(m, 3, config.ipv6)] if m is not None else []


def rule_subresources(facts: SiteFacts, config: SiteRuleConfig) -> list[CheckResult]:
    m = _measured(facts)
    return [check_subresources(m)] if m is not None else []


def rule_home(facts: SiteFacts, config: SiteRuleConfig) -> list[CheckResult]:
    """首页 IPv6 可访问, with the home page rendered over IPv6 only (its screenshot) in the value when it was."""
    m = _measured(facts)
    if m is None:
        return []
    c = check_home(m)
    render = facts.ipv6.render if facts.ipv6 is not None else None
    if render is not None:
        c.value = {**(c.value or {}), "ipv6_render": render}
    return [c]


def rule_support(facts: SiteFacts, config: SiteRuleConfig) -> list[CheckResult]:
    """IPv6 支持度 over the other ``ipv6.*`` results; not assessable when IPv6 was not measured, with the reason."""
    assert facts.ipv6 is not None
    m = facts.ipv6.measurements
    if m is None:
        return [_r("ipv6.support", Status.NOT_ASSESSABLE, facts.ipv6.skipped or "未检查 IPv6", {})]
    return [score_ipv6(m, config.ipv6)[-1]]
