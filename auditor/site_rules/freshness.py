"""栏目更新: 栏目不更新 / 空白栏目 (per 栏目), 栏目不更新（单项否决）, 首页不更新, 内容发布时间 — site rules over the
sampled pages' notes. The dates and the assessment are ``auditor.freshness``; here the 栏目 are picked from the
sampled pages and the assessment becomes results.

依据 国办秘函〔2019〕19号 单项否决指标（spec §1.2）：首页«监测2周»无更新；动态、要闻类（2周）与通知公告、政策文件类一级栏目
（6个月）累计超过（含）5个未更新，或长期未更新超过（含）10个，或空白栏目超过（含）5个；«未注明信息发布时间的视为不更新»。
"""
from __future__ import annotations

import re
from datetime import date
from typing import Any

from auditor import freshness
from auditor.freshness import CLASS_ZH, ColumnAssessment, FreshnessReport
from auditor.models import CheckResult, Status
from auditor.rules.meta import RuleMeta
from auditor.crawl import COLUMN_SOURCES
from auditor.site_facts import SiteFacts
from auditor.site_rules import columns as col_rules
from auditor.site_rules.base import SiteRuleConfig

COLUMN_META = RuleMeta(
    id="columns.freshness",
    indicator="栏目不更新",
    pass_title="栏目在更新周期内有更新",
    fail_title="栏目超过更新周期未更新、未注明发布时间，或是空白栏目",
    fix="按栏目类别定期更新（动态、要闻类2周内，通知公告、政策文件类6个月内），每条信息注明发布时间；没有内容的栏目应补充内容或撤下。",
    facts=("pages.kind", "pages.metas", "pages.items", "today"),
    scope="site",
    key="D1.4",
    group="D1",
    description="每个栏目（导航的一级栏目及其二级子栏目不受按模板抽样限制；subject 为栏目网址）一条：周期内 → pass；7天内将"
                "超期 → warn；超期或条目均未注明日期 → fail；列表页没有条目，或写着«暂无信息/暂无内容/正在建设中»而没有注明日期"
                "的条目，无论有无栏目标签都是空白栏目 → fail（指标“空白栏目”）；列表页打不开 → not_assessable。栏目名称与 "
                "ColumnType 分属不同类别（如名为«政策文件»、标为«工作动态»）时按较严的周期判断并说明：按两种周期都超期 → fail，"
                "否则 warn。也计入 D1.5 政策文件、D1.7 空白栏目（按栏目类别）。",
)
VETO_META = RuleMeta(
    id="columns.veto",
    indicator="栏目不更新",
    pass_title="未达到栏目不更新单项否决标准",
    fail_title="栏目不更新（单项否决）",
    fix="及时更新结果中列出的未更新栏目，撤下或补充空白栏目。",
    facts=("pages.kind", "pages.metas", "pages.items", "today"),
    scope="site",
    key="V4",
    group="V",
    description="未更新的动态、要闻类栏目与通知公告、政策文件类一级栏目 ≥5 个，或长期未更新 ≥10 个，或空白栏目 ≥5 个 → fail"
                "（阈值见 FreshnessConfig）；没有栏目 → not_assessable。",
)
HOME_META = RuleMeta(
    id="home.update",
    indicator="首页不更新",
    pass_title="首页2周内有更新",
    fail_title="首页不更新",
    fix="首页信息列表至少每2周有注明发布时间的新信息。",
    facts=("pages.items", "previous_home", "today"),
    scope="site",
    key="V3",
    group="V",
    description="比较本站两次检查的首页日期条目：两次相隔≥2周且条目完全相同 → fail（即使显示的日期看似较新）；有新增且2周内"
                "有注明日期的信息 → pass。没有上次检查或相隔不足2周时按本次首页最新日期判断（2周内含第14天 → pass，条目均未注明"
                "日期或最近一条超过2周 → fail）；首页没有信息列表时看各栏目页；都没有 → not_assessable。证据含两次的条目。",
)
PUBDATE_META = RuleMeta(
    id="article.pubdate_visible",
    indicator="内容发布时间",
    pass_title="内容页面均显示发布时间",
    fail_title="有内容页面未显示发布时间",
    fix="每个内容页面在标题下方显示发布时间（如«发布时间：2026-11-18»）。",
    facts=("pages.kind", "pages.text", "pages.title"),
    scope="site",
    description="抽查的内容页面中未显示发布时间的列出（warn）；没有内容页面 → not_assessable。",
)

# Navigation and service pages that carry column tags but are not 栏目 that publish information.
_NOT_COLUMNS = re.compile(r"网站地图|站点地图|联系我们|关于我们|网站声明|隐私|使用帮助|sitemap", re.I)


def observations(facts: SiteFacts) -> list[tuple[freshness.ColumnObservation, str]]:
    """(observation, the name a visitor sees) of every 栏目 among the sampled pages: column pages, and every
    navigation column (一级 and its 二级) that is not an article, even one the page-kind guess left as «other»; a
    list page saying «暂无信息» with no dated item is blank whatever its tags. Not 网站地图/联系我们 …"""
    assert facts.pages is not None
    out = []
    for n in facts.pages.values():
        nav = n.source in COLUMN_SOURCES
        if n.error or not (n.kind == "column" or (nav and n.kind == "other")):
            continue
        name = n.metas.get("columnname") or n.nav_text or n.title
        shown = n.nav_text or name
        if _NOT_COLUMNS.search(name) or _NOT_COLUMNS.search(shown) or \
                (n.metas.get("columntype") or "").strip() == "首页":
            continue
        level = 1 if n.source == "nav" else 2 if n.source == "subnav" or n.level <= 2 else 3
        out.append((freshness.ColumnObservation(name=name, url=n.url, column_type=n.metas.get("columntype"),
                                                level=level, items=n.items,
                                                blank=col_rules.is_blank_column(n.items, n.text, facts.today)),
                    shown))
    return out


def report_of(facts: SiteFacts, config: freshness.FreshnessConfig | None = None) -> FreshnessReport:
    """The 栏目 among the sampled pages (column pages, not 网站地图/联系我们 …; 一级 when reached from the
    navigation), the home page's list items and the article pages, assessed on ``facts.today``."""
    assert facts.pages is not None
    notes = facts.pages
    columns = []
    for obs, _shown in observations(facts):
        columns.append(obs)
    home_note = notes.get(facts.home) or next((n for n in notes.values() if n.level == 1), None)
    home_items = home_note.items if home_note else []
    articles = [(n.url, freshness.visible_pubdate(n.text, title=n.title) is not None)
                for n in notes.values() if n.kind == "article" and not n.error]
    return freshness.assess_columns(columns, home_items, articles, facts.today, config)


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def _r(meta: RuleMeta, subject: str, status: Status, indicator: str, message: str, value: dict[str, Any]
       ) -> CheckResult:
    return CheckResult(meta.id, status, indicator, message, value, subject=subject)


def column_value(a: ColumnAssessment) -> dict[str, Any]:
    return {"name": a.name, "url": a.url, "level": a.level, "column_type": a.column_type, "class": a.column_class,
            "period": a.period.label, "status": a.status, "latest": _iso(a.latest), "age_days": a.age_days,
            "expires_on": _iso(a.expires_on), "long_stale": a.long_stale, "counts_for_veto": a.counts_for_veto,
            "items": a.item_count, "dated_items": a.dated_count, "future_dates": [_iso(d) for d in a.future_dates],
            "page_error": a.page_error}


def column_check(a: ColumnAssessment, today: date) -> CheckResult:
    """One 栏目: its status as a result (subject: the 栏目's URL)."""
    v = column_value(a)
    q = f"栏目“{a.name}”"
    kind = CLASS_ZH[a.column_class]
    m, ind = COLUMN_META, COLUMN_META.indicator
    if a.status == "error":
        return _r(m, a.url, Status.NOT_ASSESSABLE, ind, f"{q}列表页无法访问，未能检查更新情况：{a.page_error}", v)
    if a.status == "empty":
        return _r(m, a.url, Status.FAIL, "空白栏目", f"空白栏目：{q}没有任何信息", v)
    if a.status == "undated":
        extra = f"（另有{len(a.future_dates)}条发布日期晚于今天）" if a.future_dates else ""
        return _r(m, a.url, Status.FAIL, ind, f"{q}的{a.item_count}条信息均未注明发布时间{extra}，视为不更新", v)
    latest = f"最近更新于{a.latest.isoformat()}（{a.age_days}天前）" if a.latest else ""
    if a.status == "stale":
        long = "，属应更新但长期未更新" if a.long_stale else ""
        return _r(m, a.url, Status.FAIL, ind,
                  f"{q}{latest}，超过{a.period.label}未更新（{kind}栏目应在{a.period.label}内更新）{long}", v)
    if a.status == "expiring":
        left = (a.expires_on - today).days if a.expires_on else 0
        return _r(m, a.url, Status.WARN, ind,
                  f"{q}{latest}，如不更新将于{_iso(a.expires_on)}（{left}天后）超过{a.period.label}未更新", v)
    return _r(m, a.url, Status.PASS, ind, f"{q}{latest}，在{a.period.label}更新周期内", v)


def veto_check(report: FreshnessReport) -> CheckResult:
    """栏目不更新（单项否决）over the assessed 栏目."""
    v = report.veto
    value = {"stale": len(v.stale), "stale_threshold": v.stale_min, "stale_columns": v.stale,
             "long_stale": len(v.long_stale), "long_stale_threshold": v.long_stale_min,
             "long_stale_columns": v.long_stale, "empty": len(v.empty), "empty_threshold": v.empty_min,
             "empty_columns": v.empty, "triggered": v.triggered, "columns": len(report.columns)}
    parts = {"stale": f"动态、要闻类栏目及通知公告、政策文件类一级栏目未更新{len(v.stale)}个（≥{v.stale_min}）",
             "long_stale": f"应更新但长期未更新的栏目{len(v.long_stale)}个（≥{v.long_stale_min}）",
             "empty": f"空白栏目{len(v.empty)}个（≥{v.empty_min}）"}
    m = VETO_META
    if not report.columns:
        return _r(m, "", Status.NOT_ASSESSABLE, m.indicator, "未获得任何栏目，无法判断栏目更新情况", value)
    if v.veto:
        return _r(m, "", Status.FAIL, m.indicator, "栏目不更新（单项否决）：" + "；".join(parts[t] for t in v.triggered),
                  value)
    return _r(m, "", Status.PASS, m.indicator,
              f"未达到栏目不更新单项否决标准：未更新{len(v.stale)}个（<{v.stale_min}），长期未更新{len(v.long_stale)}个"
              f"（<{v.long_stale_min}），空白栏目{len(v.empty)}个（<{v.empty_min}）", value)


def home_check(report: FreshnessReport) -> CheckResult:
    """首页不更新."""
    h, m = report.home, HOME_META
    hv = {"updated": h.updated, "basis": h.basis, "latest": _iso(h.latest), "items": h.item_count,
          "dated_items": h.dated_count, "period": h.period.label,
          "age_days": (report.today - h.latest).days if h.latest else None}
    where = "首页" if h.basis == "home" else "首页无信息列表，各栏目页"
    if h.updated is None:
        return _r(m, "", Status.NOT_ASSESSABLE, m.indicator, "首页没有信息条目，也没有栏目可查，无法判断", hv)
    if h.updated:
        return _r(m, "", Status.PASS, m.indicator, f"{where}最近一条信息发布于{_iso(h.latest)}，{h.period.label}内有更新", hv)
    if h.latest is None:
        return _r(m, "", Status.FAIL, m.indicator, f"首页不更新：{where}的信息均未注明发布时间，视为不更新", hv)
    return _r(m, "", Status.FAIL, m.indicator,
              f"首页不更新：{where}最近一条信息发布于{_iso(h.latest)}（{hv['age_days']}天前），{h.period.label}内无更新", hv)


def pubdate_check(report: FreshnessReport) -> CheckResult:
    """内容发布时间: the article pages that show no publication date."""
    m = PUBDATE_META
    av = {"checked": report.articles_checked, "without_date": report.articles_without_date}
    if not report.articles_checked:
        return _r(m, "", Status.NOT_ASSESSABLE, m.indicator, "未检查内容页面", av)
    if report.articles_without_date:
        n = len(report.articles_without_date)
        shown = "、".join(report.articles_without_date[:5]) + ("等" if n > 5 else "")
        return _r(m, "", Status.WARN, m.indicator, f"{report.articles_checked}个内容页面中有{n}个未显示发布时间：{shown}", av)
    return _r(m, "", Status.PASS, m.indicator, f"检查的{report.articles_checked}个内容页面均显示发布时间", av)


def to_site_checks(report: FreshnessReport) -> list[CheckResult]:
    """All the 栏目更新 results of one assessment: each 栏目's ``columns.freshness``, then ``columns.veto``,
    ``home.update`` and ``article.pubdate_visible``."""
    return [*(column_check(a, report.today) for a in report.columns), veto_check(report), home_check(report),
            pubdate_check(report)]


def check_columns(facts: SiteFacts, config: SiteRuleConfig) -> list[CheckResult]:
    """One result per 栏目; a 栏目 named one way and tagged another is judged by the stricter period."""
    report = report_of(facts, config.freshness)
    out = []
    for a, (obs, shown) in zip(report.columns, observations(facts)):
        mismatch = col_rules.check_column_mismatch(obs, shown, facts.today, config.freshness)
        if mismatch is not None:
            mismatch.subject = obs.url
        out.append(mismatch or column_check(a, report.today))
    return out


def check_veto(facts: SiteFacts, config: SiteRuleConfig) -> list[CheckResult]:
    return [veto_check(report_of(facts, config.freshness))]


def check_home(facts: SiteFacts, config: SiteRuleConfig) -> list[CheckResult]:
    """首页不更新 over this run and the site's previous one (``facts.previous_home``); the columns' verdict when the
    home page lists no items."""
    report = report_of(facts, config.freshness)
    cfg = config.freshness or freshness.FreshnessConfig()
    notes = facts.pages or {}
    home_note = notes.get(facts.home) or next((n for n in notes.values() if n.level == 1), None)
    now = col_rules.home_snapshot(home_note.items if home_note else [], facts.today, facts.run_id)
    return [col_rules.check_home_update(now, facts.previous_home, facts.today, period_days=cfg.home_period.days,
                                        fallback=home_check(report))]


def check_pubdate(facts: SiteFacts, config: SiteRuleConfig) -> list[CheckResult]:
    return [pubdate_check(report_of(facts, config.freshness))]
