"""栏目 (columns) as a citizen finds them: 空白栏目 whatever the tags, a column named one way and tagged another, and
首页不更新 judged across this site's runs — pure rules over facts the worker gathers.

依据（spec §1.2 ✅）：首页不更新 «监测2周，首页无信息更新的»；栏目不更新 «…动态、要闻类栏目（2周）…通知公告、政策文件类一级
栏目（6个月）…»；空白栏目 «空白栏目数量超过（含）5个»。2015年普查说明：«未注明信息发布时间的视为不更新»。
"今天"（监测时间点）由调用方传入；上一次检查的首页条目由工作进程从数据库读出后作为事实传入。
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from auditor import freshness
from auditor.blankmark import blank_marker
from auditor.freshness import CLASS_ZH, ColumnObservation, FreshnessConfig, ListItem, classify_column
from auditor.models import CheckResult, Status

# The rules these helpers serve are declared in auditor/site_rules/freshness.py (columns.freshness, home.update).
COLUMN_RULE, COLUMN_IND = "columns.freshness", "栏目不更新"
HOME_RULE, HOME_IND = "home.update", "首页不更新"


def is_blank_column(items: list[ListItem], text: str | None, today: date) -> bool:
    """空白栏目: no list items, or a blank marker and no dated item (a side list of links does not fill it)."""
    if not items:
        return True
    if blank_marker(text) is None:
        return False
    return not any(freshness.item_dates(items, None, today))


# ---------------------------------------------------------------------------------------------------------------
# 栏目名称与栏目类别不一致
# ---------------------------------------------------------------------------------------------------------------

def _length(cls: str, cfg: FreshnessConfig) -> date:
    return cfg.period(cls).after(date(2000, 1, 1))


def mismatch_classes(shown_name: str, column_type: str | None, cfg: FreshnessConfig) -> tuple[str, str] | None:
    """(class by the name, class by ColumnType) when both are known and differ, else None."""
    if not column_type:
        return None
    by_name = classify_column(shown_name, None, cfg)
    by_type = classify_column("", column_type, cfg)
    if "other" in (by_name, by_type) or by_name == by_type:
        return None
    return by_name, by_type


def check_column_mismatch(obs: ColumnObservation, shown_name: str, today: date,
                          cfg: FreshnessConfig | None = None) -> CheckResult | None:
    """A column named one way and tagged another: judged by the stricter period; `warn` unless it is stale
    under both classes (then `fail`). None when name and tag agree, or the column is empty or unreachable
    (those verdicts do not depend on the class)."""
    cfg = cfg or FreshnessConfig()
    classes = mismatch_classes(shown_name, obs.column_type, cfg)
    if classes is None:
        return None
    by_name, by_type = classes
    strict_cls, loose_cls = sorted(classes, key=lambda c: _length(c, cfg))
    strict = freshness.assess_column(replace(obs, force_class=strict_cls), today, cfg)
    loose = freshness.assess_column(replace(obs, force_class=loose_cls), today, cfg)
    if strict.status in ("empty", "error"):
        return None
    stale_both = strict.is_not_updated and loose.is_not_updated
    p = {c: cfg.period(c).label for c in classes}
    said = (f"栏目名称“{shown_name}”属{CLASS_ZH[by_name]}（{p[by_name]}），栏目类别标签 ColumnType“{obs.column_type}”"
            f"属{CLASS_ZH[by_type]}（{p[by_type]}），二者不一致；按较严的{p[strict_cls]}判断：")
    if strict.latest:
        state = f"最近更新于{strict.latest.isoformat()}（{strict.age_days}天前）"
    else:
        state = f"{strict.item_count}条信息均未注明发布时间"
    verdict = {True: f"，按{p[strict_cls]}和{p[loose_cls]}均未更新", False:
               (f"，超过{p[strict_cls]}未更新（按{p[loose_cls]}仍在周期内），需确认栏目类别"
                if strict.is_not_updated else f"，在{p[strict_cls]}周期内")}[stale_both]
    from auditor.site_rules.freshness import column_value  # the rule module imports this one

    value = {**column_value(strict), "mismatch": {"name_class": by_name, "type_class": by_type,
                                                            "judged_as": strict_cls, "loose_status": loose.status}}
    return CheckResult(COLUMN_RULE, Status.FAIL if stale_both else Status.WARN, COLUMN_IND,
                       said + state + verdict, value)


# ---------------------------------------------------------------------------------------------------------------
# 首页不更新：两次检查的首页日期条目
# ---------------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class HomeItem:
    title: str
    href: str
    date: date | None


@dataclass
class HomeSnapshot:
    """The home page's information items as one run saw them (its 监测日 ``day``)."""
    day: date
    items: list[HomeItem] = field(default_factory=list)
    run_id: int | None = None

    def newest(self, today: date) -> HomeItem | None:
        dated = [i for i in self.items if i.date and i.date <= today]
        return max(dated, key=lambda i: i.date or date.min) if dated else None

    def keys(self) -> set[tuple[str, str]]:
        return {(i.title, i.href) for i in self.items}

    def as_value(self) -> dict[str, Any]:
        newest = self.newest(self.day)
        return {"run_id": self.run_id, "day": self.day.isoformat(),
                "newest": newest.date.isoformat() if newest and newest.date else None,
                "items": [{"title": i.title, "href": i.href, "date": i.date.isoformat() if i.date else None}
                          for i in self.items[:60]]}

    @classmethod
    def from_value(cls, v: Any, run_id: int | None = None) -> "HomeSnapshot | None":
        """Read back what ``as_value`` stored (the previous run's home.update evidence); None when absent."""
        if not isinstance(v, dict) or not v.get("day"):
            return None
        try:
            items = [HomeItem(str(i.get("title") or ""), str(i.get("href") or ""),
                              date.fromisoformat(i["date"]) if i.get("date") else None) for i in v.get("items") or []]
            return cls(date.fromisoformat(v["day"]), items, v.get("run_id", run_id))
        except (ValueError, TypeError, AttributeError):
            return None


def home_snapshot(items: list[ListItem], day: date, run_id: int | None = None) -> HomeSnapshot:
    """The home page's list items with their dates read as shown (each block is its own column: no year
    borrowed between items)."""
    dates = freshness.item_dates(items, None, day, infer_year=False)
    return HomeSnapshot(day, [HomeItem(t, h, d) for (t, h, _), d in zip(items, dates)], run_id)


def _said(item: HomeItem | None) -> str:
    return f"{item.date.isoformat()}（“{item.title[:30]}”）" if item and item.date else "无"


def check_home_update(now: HomeSnapshot, previous: HomeSnapshot | None, today: date, *,
                      period_days: int = 14, fallback: CheckResult | None = None) -> CheckResult:
    """首页不更新 over two runs. ``fallback`` is the verdict from the columns when the home page lists no items
    (a home page that is only a navigation entry); it is returned with both runs' items added as evidence."""
    value: dict[str, Any] = {"current": now.as_value(), "previous": previous.as_value() if previous else None,
                             "period_days": period_days, "changed": None, "span_days": None, "new_items": []}
    rid, ind = HOME_RULE, HOME_IND
    newest = now.newest(today)
    age = (today - newest.date).days if newest and newest.date else None
    value.update(newest=newest.date.isoformat() if newest and newest.date else None, age_days=age)
    if not now.items:
        if fallback is not None:
            return replace(fallback, value={**(fallback.value or {}), **value})
        return CheckResult(rid, Status.NOT_ASSESSABLE, ind, "首页没有信息条目，也没有栏目可查，无法判断", value)
    fresh = age is not None and age <= period_days
    note = ""
    if previous is not None and previous.day < today:
        span = (today - previous.day).days
        new = [i for i in now.items if (i.title, i.href) not in previous.keys()]
        changed = bool(new) or now.keys() != previous.keys()
        value.update(span_days=span, changed=changed,
                     new_items=[{"title": i.title, "href": i.href, "date": i.date.isoformat() if i.date else None}
                                for i in new[:30]])
        both = f"{previous.day.isoformat()}与{today.isoformat()}两次检查（相隔{span}天）"
        if span >= period_days:
            if not changed:
                seems = f"；页面显示的最新日期在{period_days}天内，但内容没有任何变化" if fresh else ""
                return CheckResult(rid, Status.FAIL, ind,
                                   f"首页不更新：{both}首页的{len(now.items)}条信息完全相同，最新一条为{_said(newest)}"
                                   f"{seems}", value)
            new_dated = [i for i in new if i.date and i.date <= today and (today - i.date).days <= period_days]
            if new_dated or fresh:
                return CheckResult(rid, Status.PASS, ind,
                                   f"{both}之间首页新增{len(new)}条信息，最新一条发布于{_said(newest)}", value)
            return CheckResult(rid, Status.FAIL, ind,
                               f"首页不更新：{both}之间首页有{len(new)}条新条目，但{period_days}天内没有注明发布日期的"
                               f"新信息（最新一条为{_said(newest)}）", value)
        note = f"（上次检查在{previous.day.isoformat()}，相隔{span}天，不足{period_days}天，按本次首页所示日期判断）"
    elif previous is None:
        note = "（本站无上次检查记录，按本次首页所示日期判断）"
    if newest is None:
        return CheckResult(rid, Status.FAIL, ind, f"首页不更新：首页的信息均未注明发布时间，视为不更新{note}", value)
    if fresh:
        return CheckResult(rid, Status.PASS, ind, f"首页最近一条信息发布于{_said(newest)}，{period_days}天内有更新{note}",
                           value)
    return CheckResult(rid, Status.FAIL, ind,
                       f"首页不更新：首页最近一条信息发布于{_said(newest)}（{age}天前），{period_days}天内无更新{note}", value)
