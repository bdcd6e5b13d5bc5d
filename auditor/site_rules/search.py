"""site.search — 站内搜索: can a citizen find, with the site's own search box, what the site published?

19号 功能设计 «站内搜索» (D4.5); the 北京 2019-Q3 通报 found 56.3 % of district portals whose search could not find
their own articles, and names «还未实现全站搜索», «搜索内容不全面、不易用、搜索结果未分类展现». The browser
(browsers/site_search.py) searches for the titles of recently crawled articles and records what happened; this rule
only judges those facts. No search box, a search that errors and «not found» are different findings.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import unquote, urlsplit

from auditor.crawl import same_site
from auditor.fault import auditor_side_reason
from auditor.models import CheckResult, EvidenceRef, Status
from auditor.rules.meta import RuleMeta

META = RuleMeta(
    id="site.search",
    indicator="站内搜索",
    pass_title="站内搜索能查到本站发布的信息",
    fail_title="站内搜索缺失、出错或查不到本站发布的信息",
    fix="在首页提供站内搜索框，搜索应覆盖全站已发布的信息，结果支持按类别、时间筛选；检查搜索服务是否正常。",
    facts=("site_search.box", "site_search.queries", "site_search.filters"),
    scope="site",
    key="D4.5",
    group="D4",
    default="absent",
    description=("在首页找到站内搜索框，用本次抽查到的最新3篇文章标题逐一搜索，看每篇是否出现在第一页结果中；"
                 "记录结果能否按类别或时间筛选。没有搜索框、搜索出错（HTTP 错误或提交后无响应）、搜不到为不同的"
                 "不合格；都能搜到但结果不能筛选为警告（北京2019年通报«搜索结果未分类展现»）。搜索服务在无法连接的"
                 "其他主机上时为无法评估，写明主机和错误。证据：输入查询时的截图和结果页截图。"),
)
RULE, INDICATOR = META.id, META.indicator

Outcome = Literal["found", "not_found", "http_error", "no_response", "net_error"]


@dataclass(frozen=True)
class SearchQuery:
    """One search: the article's title, what the results page showed, and the pictures."""
    title: str
    article_url: str
    outcome: Outcome
    results_url: str = ""
    status: int | None = None           # HTTP status of the results page
    error: str | None = None            # the network error (net_error) or the error page's words
    not_found_text: str | None = None   # «没有找到相关结果» as shown
    query_png: bytes | None = field(default=None, repr=False)
    results_png: bytes | None = field(default=None, repr=False)


@dataclass(frozen=True)
class SearchFacts:
    """What the browser found on the home page and on each results page."""
    home_url: str
    home_error: str | None = None       # the home page could not be opened
    box: dict[str, str] | None = None   # the search box found: {"how", "name", "action", "text"}
    titles: int = 0                     # article titles the crawl gave to search for
    queries: tuple[SearchQuery, ...] = ()
    filters: tuple[str, ...] = ()       # filter controls seen on a results page («按时间», «全部栏目» …)


# Controls that let a citizen narrow results by type or by time (links, options, buttons on the results page).
_FILTER = re.compile(r"按(?:时间|日期|栏目|类别|分类|相关度)|时间不限|全部时间|一周内|一月内|一个月内|一年内|近一年|"
                     r"时间排序|日期排序|全部栏目|栏目分类|信息分类|信息类别|文件类型|全部类型|政策文件|新闻动态")


def filters_of(controls: list[str]) -> tuple[str, ...]:
    """The filter words among the short texts of a results page's links, options, labels and buttons."""
    out: list[str] = []
    for text in controls:
        t = " ".join((text or "").split()).rstrip(":：")
        if t and len(t) <= 16 and _FILTER.search(t) and t not in out:
            out.append(t)
    return tuple(out[:20])


def _host(url: str) -> str:
    return urlsplit(url).hostname or ""


def other_host_outage(url: str, status: int | None, home: str) -> str | None:
    """The reason an HTTP error is not the site's proven fault: an outage status (403/429/5xx, as in
    auditor/fault.py) from a host that is not the site's own (nor a subdomain of it); None otherwise."""
    base = _host(home).lower()
    base = base[4:] if base.startswith("www.") else base
    if not status or not base or same_site(url, base):
        return None
    return auditor_side_reason({"status": status})


def _rows(facts: SearchFacts) -> list[dict[str, object]]:
    return [{"title": q.title, "article_url": q.article_url, "outcome": q.outcome, "results_url": q.results_url,
             "status": q.status, "error": q.error, "not_found_text": q.not_found_text} for q in facts.queries]


def _evidence(facts: SearchFacts) -> list[EvidenceRef]:
    out = []
    for i, q in enumerate(facts.queries, 1):
        if q.query_png:
            out.append(EvidenceRef(note=f"第{i}次搜索：输入«{q.title}»", png=q.query_png, kind="shot"))
        if q.results_png:
            shown = unquote(q.results_url)
            shown = shown if len(shown) <= 120 else shown[:117] + "…"
            out.append(EvidenceRef(note=f"第{i}次搜索的结果页：{shown}", png=q.results_png, kind="shot"))
    return out


def check(facts: SearchFacts) -> list[CheckResult]:
    """One result for the site: pass, warn (no filtering), fail (no box / errors / not found) or not_assessable."""
    value: dict[str, object] = {"box": facts.box, "queries": _rows(facts), "filters": list(facts.filters)}

    def result(status: Status, kind: str, msg: str) -> list[CheckResult]:
        return [CheckResult(RULE, status, INDICATOR, msg, {**value, "kind": kind}, _evidence(facts))]

    if facts.home_error:
        return result(Status.NOT_ASSESSABLE, "home_error", f"首页无法打开，未检查站内搜索：{facts.home_error}")
    if facts.box is None:
        return result(Status.FAIL, "no_box", "首页没有站内搜索框")
    if facts.titles == 0 or not facts.queries:
        return result(Status.NOT_ASSESSABLE, "no_titles", "本次抽查没有取得文章标题，未能试用站内搜索（请人工核查）")
    unreachable = [q for q in facts.queries if q.outcome == "net_error"]
    if unreachable:
        # The search service could not be reached from here: not the site's proven fault (the first law).
        q = unreachable[0]
        return result(Status.NOT_ASSESSABLE, "unreachable",
                      f"无法连接搜索服务 {_host(q.results_url) or '（未知主机）'}：{q.error or '连接失败'}")
    errors = [q for q in facts.queries if q.outcome == "http_error"]
    elsewhere = [q for q in errors if other_host_outage(q.results_url, q.status, facts.home_url)]
    if elsewhere:
        # Another host's outage answer (403/429/5xx) says it is down or refuses the auditor, as for page rules.
        q = elsewhere[0]
        return result(Status.NOT_ASSESSABLE, "unreachable", f"搜索服务 {_host(q.results_url)} 无法使用："
                      f"{other_host_outage(q.results_url, q.status, facts.home_url)}（不是本站主机，需人工复核）")
    if errors:
        q = errors[0]
        return result(Status.FAIL, "error", f"站内搜索出错：结果页 {q.results_url} 返回 HTTP {q.status}"
                      f"（{len(errors)}/{len(facts.queries)} 次搜索出错）")
    dead = [q for q in facts.queries if q.outcome == "no_response"]
    if dead:
        return result(Status.FAIL, "no_response", f"站内搜索无响应：提交搜索后没有打开结果页"
                      f"（{len(dead)}/{len(facts.queries)} 次）")
    missing = [q for q in facts.queries if q.outcome == "not_found"]
    if missing:
        names = "；".join(f"«{q.title}»" for q in missing)
        return result(Status.FAIL, "not_found", f"站内搜索查不到本站发布的信息：{len(missing)}/{len(facts.queries)} "
                      f"篇文章不在第一页结果中（{names}）")
    if not facts.filters:
        return result(Status.WARN, "no_filters", f"{len(facts.queries)} 篇文章都能搜到，但搜索结果不能按类别或时间筛选")
    return result(Status.PASS, "found", f"{len(facts.queries)} 篇文章都能在第一页结果中搜到，结果页提供筛选"
                  f"（{'、'.join(facts.filters[:4])}）")
