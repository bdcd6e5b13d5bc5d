"""过错归属 — the rule of fault: a `fail` must be the site's fault.

An element of a government page often depends on a request to another host: the 党政机关网站标识 script on
dcs.conac.cn, the 找错 script on zfwzgl.www.gov.cn, a 无障碍 toolbar's script, a 关怀版 page on a host of its
own, a CDN. When that request failed on the auditor's side of the wire (the name did not resolve, the connection
was refused, reset or timed out, the service answered with an outage, the request never finished), the auditor
cannot tell whether the site is at fault: an intranet, an outage or the auditor's own network give the same
picture. Such a verdict is ``not_assessable``, naming the host and the error and saying what the page does show,
so that an auditor can judge it from the evidence.

It stays a ``fail`` when the site is provably at fault:
- the element is absent and nothing refers to it (the rule sets no dependency);
- the site's own server answered an error for it (e.g. 404 for its badge image): failures of the page's own
  host are never the auditor's side;
- the reference is wrong (a 404/410 from the other host, the wrong site code, a legacy host);
- the other host answered and still nothing showed.

This module is the one place that decides it. Rules say what their verdict rests on
(``CheckResult.depends_on``, plus ``shown``); ``adjudicate`` is applied to every rule's result by the rule
runner, so present and future rules follow the same principle.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any, Iterable
from urllib.parse import urlsplit

from auditor.models import CheckResult, EvidenceRef, PageFacts, Status

# Chromium's net errors (as Playwright reports them) that say nothing about the site: the host was not reached.
_AUDITOR_SIDE: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"ERR_NAME_NOT_RESOLVED|ERR_NAME_RESOLUTION_FAILED|ERR_DNS_"), "域名无法解析"),
    (re.compile(r"ERR_CONNECTION_REFUSED"), "连接被拒绝"),
    (re.compile(r"ERR_CONNECTION_RESET|ERR_CONNECTION_CLOSED|ERR_EMPTY_RESPONSE|ERR_CONNECTION_ABORTED"),
     "连接被重置"),
    (re.compile(r"ERR_TIMED_OUT|ERR_CONNECTION_TIMED_OUT|Timeout \d+ms exceeded|timed? ?out", re.I), "连接超时"),
    (re.compile(r"ERR_ADDRESS_UNREACHABLE|ERR_NETWORK_UNREACHABLE|ERR_INTERNET_DISCONNECTED|ERR_NETWORK_CHANGED"
                r"|ERR_CONNECTION_FAILED"), "网络不可达"),
    (re.compile(r"ERR_PROXY_|ERR_TUNNEL_CONNECTION_FAILED|ERR_BLOCKED_BY_ADMINISTRATOR|ERR_NETWORK_ACCESS_DENIED"),
     "检查方网络策略拒绝访问"),
    (re.compile(r"ERR_CERT_|ERR_SSL_|ERR_BAD_SSL"), "HTTPS 握手失败"),
    (re.compile(r"^pending$"), "请求在检查时仍未完成"),
    # The browser gave the request up without a network answer (cut off, or failed before any response).
    (re.compile(r"ERR_FAILED$|ERR_ABORTED$"), "请求未完成"),
    # Through the egress proxy an unreachable host answers with the proxy's error page, which the browser blocks
    # as the wrong kind of response for a script or a stylesheet.
    (re.compile(r"ERR_BLOCKED_BY_ORB|ERR_BLOCKED_BY_RESPONSE"), "响应被拦截（代理或服务的错误页）"),
    # The egress proxy's own classes (auditor/errors.py), as the fetcher records them.
    (re.compile(r"域名无法解析"), "域名无法解析"),
    (re.compile(r"无法连接服务器|连接被拒绝|连接被重置"), "无法连接"),
    (re.compile(r"未能打开|超时"), "连接超时"),
    (re.compile(r"目标地址不允许访问"), "检查方网络策略拒绝访问"),
]
_VAGUE = frozenset({"响应被拦截（代理或服务的错误页）", "请求未完成", "请求在检查时仍未完成"})
# An answer that says the other host is down or refuses the auditor, not that the site's reference is wrong.
_OUTAGE_STATUSES = frozenset({403, 408, 429, 500, 502, 503, 504, 520, 521, 522, 523, 524})


@dataclass(frozen=True)
class Unreachable:
    """A host the auditor could not load, with the request that shows it."""
    host: str
    url: str
    error: str  # what the browser or the probe reported (net::ERR_NAME_NOT_RESOLVED, HTTP 503, pending)
    reason: str  # the Chinese class of it (域名无法解析, 连接超时 …)
    source: str = "page"  # page: a request of the page; action: the auditor's click or followed link; probe

    def as_dict(self) -> dict[str, str]:
        return {"host": self.host, "url": self.url, "error": self.error, "reason": self.reason,
                "source": self.source}

    def describe(self) -> str:
        # The national-service probe records one text as both (a refused or unresolvable name): said once.
        if not self.error or self.error == self.reason:
            return f"{self.host}（{self.reason}）"
        return f"{self.host}（{self.reason}：{self.error}）"


def host_of(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def auditor_side_reason(failure: dict[str, Any]) -> str | None:
    """Why a failed request says nothing about the site (its Chinese class), or None when it may be the site's."""
    status = failure.get("status")
    if status:
        return f"服务返回 HTTP {status}" if int(status) in _OUTAGE_STATUSES else None
    err = f"{failure.get('net_error') or ''} {failure.get('error') or ''}".strip()
    for pattern, reason in _AUDITOR_SIDE:
        if pattern.search(err):
            return reason
    return None


def _error_text(failure: dict[str, Any]) -> str:
    if failure.get("status"):
        return f"HTTP {failure['status']}"
    return str(failure.get("net_error") or failure.get("error") or "failed")[:120]


def _same(a: str, b: str) -> bool:
    """The same URL, whichever scheme (a page with upgrade-insecure-requests asks for the https form)."""
    strip = (lambda u: u.split("://", 1)[-1].rstrip("/"))
    return strip(a) == strip(b)


def _scheme(url: str) -> str:
    return url.split("://", 1)[0].lower() if "://" in url else ""


def find_unreachable(failures: Iterable[dict[str, Any]], depends_on: Iterable[str], own_host: str,
                     services: dict[str, dict[str, Any]] | None = None, source: str = "page",
                     reached: Iterable[str] = (), own_scheme: str = "") -> Unreachable | None:
    """The first dependency the auditor could not load: its own request failed on the auditor's side, or the
    whole host was unreachable (a name or connection failure of any request to it, or the run's probe of it,
    unless the host answered some request of the page: then its answer is the evidence).

    Requests to ``own_host`` (the site's own server) never count: what it answers is the site's doing. The one
    exception is a connection that failed to the site's own host over the other scheme than the page was opened
    with (an http page asking for https://own-host/…): the auditor reached the site over one scheme only, and the
    other may be closed on the auditor's path (an intranet that lets port 80 through), so that is not proof."""
    deps = [d for d in depends_on if d]
    if not deps:
        return None
    own = own_host.lower()
    answered = {h.lower() for h in reached}
    fails = list(failures)
    by_host: dict[str, Unreachable] = {}
    exact: list[tuple[int, Unreachable]] = []
    for f in fails:
        url = str(f.get("url") or "")
        h = host_of(url)
        if not h:
            continue
        if h == own and (f.get("status") or not own_scheme or _scheme(url) == own_scheme):
            continue
        reason = auditor_side_reason(f)
        if reason is None:
            continue
        u = Unreachable(h, url, _error_text(f), reason, str(f.get("source") or source))
        if any(_same(url, d) for d in deps):
            # The most telling record of the request first: a named cause (the proxy's class, a net error) before
            # a blocked error page or a request that was merely cut off.
            exact.append((1 if reason in _VAGUE else 0, u))
        if not f.get("status") and h != own:  # a name or connection failure: the whole host is unreachable
            by_host.setdefault(h, u)
    if exact:
        return min(exact, key=lambda x: x[0])[1]
    for d in deps:
        h = host_of(d) if "://" in d else d.lower()
        if h and h != own and h in by_host and h not in answered:
            return by_host[h]
        probe = (services or {}).get(h)
        if h and h != own and h not in answered and probe is not None and not probe.get("ok"):
            return Unreachable(h, probe.get("url") or d, probe.get("error") or "unreachable",
                               probe.get("reason") or "本次检查无法访问", "probe")
    return None


def facts_failures(facts: PageFacts) -> list[dict[str, Any]]:
    """Every request of the page that failed or never finished, and those of the auditor's own actions."""
    return [*facts.failed_requests, *facts.pending_requests,
            *({**f, "source": f.get("source") or "action"} for f in facts.side_failures)]


def own_host(facts: PageFacts) -> str:
    return host_of(facts.final_url or facts.url)


def not_assessable(result: CheckResult, gone: Unreachable) -> CheckResult:
    """The verdict turned into 无法评估: the host and the error, what the page shows, the original evidence."""
    shown = result.shown or result.message
    msg = f"本次检查无法访问 {gone.describe()}，{result.indicator}按页面引用核对，需人工复核：{shown}"
    value = {"unreachable": gone.as_dict(), "would_be": result.status.value}
    if isinstance(result.value, dict):
        value = {**result.value, **value}
    elif result.value is not None:
        value["value"] = result.value
    note = EvidenceRef(note=f"无法访问的主机：{gone.host}", kind="note", text=f"{gone.url}\n{gone.error}")
    return replace(result, status=Status.NOT_ASSESSABLE, message=msg, value=value,
                   evidence=[*result.evidence, note])


def unreachable_of(facts: PageFacts, urls: Iterable[str]) -> Unreachable | None:
    """The first of these URLs the auditor could not load, by everything the page's facts record."""
    return find_unreachable(facts_failures(facts), urls, own_host(facts), facts.services,
                            reached=facts.reached_hosts, own_scheme=_scheme(facts.final_url or facts.url))


def adjudicate(result: CheckResult, facts: PageFacts) -> CheckResult:
    """Apply the rule of fault to one rule's result: a fail or warn that rests on a request the auditor could
    not make is not assessable."""
    if result.status not in (Status.FAIL, Status.WARN) or not result.depends_on:
        return result
    gone = unreachable_of(facts, result.depends_on)
    return not_assessable(result, gone) if gone is not None else result


def rule_crashed(rule: str, indicator: str, exc: BaseException) -> CheckResult:
    """One rule cannot sink a page: a rule that raises is 无法评估 for that rule alone, with the error class."""
    return CheckResult(rule=rule, status=Status.NOT_ASSESSABLE, indicator=indicator,
                       message=f"检查规则出错（{type(exc).__name__}），本项无法评估",
                       value={"error_class": type(exc).__name__, "error": str(exc)[:300]})
