"""可用性（不可用链接）: every link, image and attachment of the sampled pages, checked over HTTP.

Link classes come from the HTTP checker (``clients/linkcheck.py``): broken 确定不可用, suspect 疑似不可用,
unassessable 无法评估, ok. One judgement is added here: an image the rendered page showed broken (naturalWidth 0)
is broken even when its HTTP check passed. 首页 and 其他页面 are counted apart, as the indicator treats them
differently (2015年规则：首页每个扣1分，其他页面每个扣0.1分).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from auditor.crawl import same_site
from auditor.models import Box, CheckResult, EvidenceRef, Status
from auditor.rules.meta import RuleMeta
from auditor.site_facts import LinkFacts, LinkPlace, SiteFacts
from auditor.site_rules.base import SiteRuleConfig

MAX_LINK_EVIDENCE = 10
_KIND_ZH = {"link": "链接", "image": "图片", "attachment": "附件"}
_RENDERED_BROKEN = "图片在页面中无法显示（加载失败或不是有效图片）"

PAGE_META = RuleMeta(
    id="links.availability",
    indicator="可用性（不可用链接）",
    pass_title="本页链接、图片、附件均可用",
    fail_title="本页有不可用的链接、图片或附件",
    fix="修正或删除页面上打不开的链接、图片和附件（404、域名失效、连接被拒绝等），外部网站失效的链接及时撤下。",
    facts=("links", "pages"),
    scope="site",
    default="absent",  # scored through links.home / links.other (D4.3, D4.3b), not per page
    description="按页面给出确定不可用（fail）、疑似不可用（warn）的链接、图片、附件，结果记在各页面上；证据是链接在页面上的"
                "位置截图和 HTTP 请求与应答。只有不可用链接的页面才有这一项。",
)
HOME_META = RuleMeta(
    id="links.home",
    indicator="可用性（首页不可用链接）",
    pass_title="首页没有不可用链接",
    fail_title="首页有不可用链接",
    fix="首页上的每个链接、图片和附件都应能打开；逐个修正或删除结果中列出的链接。",
    facts=("links",),
    scope="site",
    key="D4.3",
    group="D4",
    description="首页上检查的链接按类计数：有确定不可用 → fail，只有疑似不可用 → warn。",
)
OTHER_META = RuleMeta(
    id="links.other",
    indicator="可用性（其他页面不可用链接）",
    pass_title="其他页面没有不可用链接",
    fail_title="其他页面有不可用链接",
    fix="逐个修正或删除结果中列出的不可用链接（附每个链接所在的页面）。",
    facts=("links",),
    scope="site",
    key="D4.3b",
    group="D4",
    description="首页以外的抽查页面上的链接按类计数：有确定不可用 → fail，只有疑似不可用 → warn。",
)
EXTERNAL_META = RuleMeta(
    id="links.external",
    indicator="外链",
    pass_title="外部链接按网站列出",
    fail_title="外部链接按网站列出",
    fix="核对所链接的外部网站是否仍然需要、是否可信。",
    facts=("links",),
    scope="site",
    description="外部链接按主机和类别计数（仅供参考，总是 pass）。",
)
LINK_RULE = PAGE_META.id
LINK_INDICATOR = PAGE_META.indicator


@dataclass
class JudgedLink:
    """A checked link with its final class, as stored in the run's link table."""
    url: str
    host: str
    kind: str
    klass: str
    external: bool
    on_home: bool
    http_status: int | None
    reason: str
    attempts: int
    elapsed_ms: int | None
    exchange: dict[str, Any]
    places: list[LinkPlace] = field(default_factory=list)

    @property
    def found_on(self) -> list[str]:
        return [p.page_url for p in self.places]


def judge_links(links: LinkFacts, home: str) -> list[JudgedLink]:
    """Every seen link that was checked, with its class (a rendered-broken image is broken) and whether it leaves
    the site (another registrable host than the home page's, ``www.`` aside)."""
    base = urlsplit(home).hostname or ""
    site_base = base[4:] if base.startswith("www.") else base
    out = []
    for url, s in links.seen.items():
        res = links.checked.get(url)
        if res is None:
            continue
        klass, reason = res.klass, res.reason
        if s.rendered_broken and s.kind == "image" and klass == "ok":
            klass, reason = "broken", _RENDERED_BROKEN
        out.append(JudgedLink(url=url, host=urlsplit(url).hostname or "", kind=s.kind, klass=klass,
                              external=not same_site(url, site_base), on_home=s.on_home,
                              http_status=res.http_status, reason=reason, attempts=res.attempts,
                              elapsed_ms=res.elapsed_ms, exchange=res.exchange, places=list(s.places)))
    return out


def exchange_text(link: JudgedLink) -> str:
    """The HTTP exchange as an auditor reads it: request line, response status, selected headers, redirects."""
    ex = link.exchange or {}
    lines = []
    for hop in ex.get("redirects", []) or []:
        lines.append(f"{hop.get('method', 'GET')} {hop.get('url')} -> {hop.get('status')} {hop.get('location', '')}")
    lines.append(f"{ex.get('method', 'GET')} {ex.get('url', link.url)}")
    for k, v in (ex.get("request_headers") or {}).items():
        lines.append(f"{k}: {v}")
    lines.append("")
    lines.append(str(ex.get("status_line") or ex.get("error") or link.reason))
    for k, v in (ex.get("response_headers") or {}).items():
        lines.append(f"{k}: {v}")
    return "\n".join(lines)


def findings_by_page(judged: list[JudgedLink]) -> dict[int, CheckResult]:
    """``links.availability`` on each page with a broken or suspect link, by page id: one result per page,
    ``subject`` the page's URL, in the order the pages first show such a link. Evidence: the link's box on that
    page and the HTTP exchange (the first ``MAX_LINK_EVIDENCE``)."""
    per_page: dict[int, list[tuple[JudgedLink, LinkPlace]]] = defaultdict(list)
    for link in judged:
        if link.klass in ("broken", "suspect"):
            for place in link.places:
                per_page[place.page_id].append((link, place))
    out = {}
    for page_id, found in per_page.items():
        broken = [f for f in found if f[0].klass == "broken"]
        suspect = [f for f in found if f[0].klass == "suspect"]
        status = Status.FAIL if broken else Status.WARN
        msg = f"本页有 {len(broken)} 个确定不可用链接" + (f"、{len(suspect)} 个疑似不可用链接" if suspect else "") \
            if broken else f"本页有 {len(suspect)} 个疑似不可用链接"
        evidence = []
        for link, place in (broken + suspect)[:MAX_LINK_EVIDENCE]:
            exch = exchange_text(link)
            evidence.append(EvidenceRef(
                note=f"{'确定' if link.klass == 'broken' else '疑似'}不可用{_KIND_ZH[link.kind]}：{link.url}",
                box=Box.of(place.box), text=f"{link.reason}\n{exch}", html=exch, kind="link"))
        value = {"broken": [{"url": x.url, "status": x.http_status, "reason": x.reason, "kind": x.kind}
                            for x, _ in broken],
                 "suspect": [{"url": x.url, "status": x.http_status, "reason": x.reason, "kind": x.kind}
                             for x, _ in suspect]}
        out[page_id] = CheckResult(LINK_RULE, status, LINK_INDICATOR, msg, value, evidence,
                                   subject=found[0][1].page_url)
    return out


def on_page(result: CheckResult) -> bool:
    """A result to store on its page (a page's ``links.availability``, subject its URL), not as a site check."""
    return result.rule == LINK_RULE and result.subject not in ("", "pages")


def check_page_links(facts: SiteFacts, config: SiteRuleConfig) -> list[CheckResult]:
    assert facts.links is not None
    return list(findings_by_page(judge_links(facts.links, facts.home)).values())


def _summary(facts: SiteFacts, meta: RuleMeta, on_home: bool, label: str) -> list[CheckResult]:
    assert facts.links is not None
    sel = [r for r in judge_links(facts.links, facts.home) if r.on_home == on_home]
    counts = {k: sum(1 for r in sel if r.klass == k) for k in ("ok", "broken", "suspect", "unassessable")}
    status = Status.FAIL if counts["broken"] else Status.WARN if counts["suspect"] else Status.PASS
    msg = (f"{label}共检查 {len(sel)} 个链接：确定不可用 {counts['broken']} 个，疑似不可用 {counts['suspect']} 个，"
           f"无法评估 {counts['unassessable']} 个")
    worst = [{"url": r.url, "status": r.http_status, "reason": r.reason, "found_on": r.found_on[:3]}
             for r in sel if r.klass in ("broken", "suspect")][:50]
    return [CheckResult(meta.id, status, meta.indicator, msg, {"counts": counts, "total": len(sel), "problems": worst})]


def check_home(facts: SiteFacts, config: SiteRuleConfig) -> list[CheckResult]:
    """首页的链接：确定不可用 → fail，疑似不可用 → warn。"""
    return _summary(facts, HOME_META, True, "首页")


def check_other(facts: SiteFacts, config: SiteRuleConfig) -> list[CheckResult]:
    """其他页面的链接：确定不可用 → fail，疑似不可用 → warn。"""
    return _summary(facts, OTHER_META, False, "其他页面")


def check_external(facts: SiteFacts, config: SiteRuleConfig) -> list[CheckResult]:
    """外链：按主机和类别计数（信息）。"""
    assert facts.links is not None
    ext: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in judge_links(facts.links, facts.home):
        if r.external:
            ext[r.host][r.klass] += 1
    return [CheckResult(EXTERNAL_META.id, Status.PASS, EXTERNAL_META.indicator, f"外部链接涉及 {len(ext)} 个网站",
                        {host: dict(c) for host, c in sorted(ext.items())})]
