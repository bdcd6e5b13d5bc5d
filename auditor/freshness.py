"""栏目更新（信息更新情况）: 首页不更新、栏目不更新、空白栏目、内容发布时间 — pure domain logic.

依据《政府网站与政务新媒体检查指标》（国办秘函〔2019〕19号）单项否决指标（/work/shared/spec.md §1.2，✅ 已核实）：

* 首页不更新：«监测2周，首页无信息更新的»；«如首页仅为网站栏目导航入口，所有二级页面无信息更新的»。
* 栏目不更新：«1.监测时间点前2周内的动态、要闻类栏目，以及监测时间点前6个月内的通知公告、政策文件类一级栏目，
  累计超过（含）5个未更新。2.应更新但长期未更新的栏目数量超过（含）10个。3.空白栏目数量超过（含）5个。»
* 2015年普查说明（✅）：«未注明信息发布时间的视为不更新»。
* 人事、规划计划类信息 1年 来自2015年普查的扣分项«基本信息»（不是2019年的单项否决，spec §0）。

本模块不做任何 I/O，不访问浏览器；"今天"（监测时间点）由调用方传入，测试因此可以精确断言。
列表页、首页上的条目由浏览器探针（browsers/probe.js 的 ``listItems``）读出，按页面上显示的日期文字传入。
这里只有日期与评估；由评估得出的检查结果（columns.freshness、columns.veto、home.update、article.pubdate_visible）
是 ``auditor/site_rules/freshness.py`` 的站点规则。
"""
from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Iterable, Literal


ColumnClass = Literal["dynamic", "policy", "yearly", "other"]
ColumnStatus = Literal["fresh", "expiring", "stale", "undated", "empty", "error"]
# 列表条目：(标题, 链接, 页面上显示的日期文字或整条文字)
ListItem = tuple[str, str, "str | None"]

CLASS_ZH: dict[str, str] = {"dynamic": "动态、要闻类", "policy": "通知公告、政策文件类", "yearly": "人事、规划计划类",
                            "other": "其他栏目"}
STATUS_ZH: dict[str, str] = {"fresh": "已更新", "expiring": "即将超期", "stale": "未更新", "undated": "未注明发布时间",
                             "empty": "空白栏目", "error": "无法访问"}

# ---------------------------------------------------------------------------------------------------------------
# 周期（更新要求）
# ---------------------------------------------------------------------------------------------------------------

def add_months(d: date, months: int) -> date:
    """日历月加减；月末按目标月的最后一天截断（8月31日 + 6个月 = 2月28/29日）。"""
    m0 = d.month - 1 + months
    y, m = d.year + m0 // 12, m0 % 12 + 1
    return date(y, m, min(d.day, calendar.monthrange(y, m)[1]))


@dataclass(frozen=True)
class Period:
    """更新周期：若干日历月再加若干天（«前2周内» = 14天，«前6个月内» = 6个月，«1年» = 12个月）。"""
    days: int = 0
    months: int = 0

    def after(self, d: date) -> date:
        """d 之后一个周期的那一天（含）：最近更新于 d 的栏目到这一天仍算已更新。"""
        return add_months(d, self.months) + timedelta(days=self.days)

    @property
    def label(self) -> str:
        parts = []
        if self.months:
            parts.append(f"{self.months // 12}年" if self.months % 12 == 0 else f"{self.months}个月")
        if self.days:
            parts.append(f"{self.days // 7}周" if self.days % 7 == 0 else f"{self.days}天")
        return "".join(parts) or "0天"


def _default_periods() -> dict[str, Period]:
    return {"dynamic": Period(days=14), "policy": Period(months=6), "yearly": Period(months=12),
            "other": Period(months=12)}


@dataclass
class FreshnessConfig:
    """栏目更新检查的全部参数；各网站可覆盖（``dataclasses.replace(FreshnessConfig(), warn_days=3)``）。

    默认值：
    * 周期：动态、要闻类 2周、通知公告、政策文件类 6个月（✅ 2019 单项否决原文）；人事、规划计划类 1年
      （✅ 2015 普查扣分项«基本信息»）；其他栏目 1年（❓ 本工具的假定，可配置）。
    * 单项否决阈值（✅ spec §1.2，2019 原文与 2015 普查表一致）：未更新 ≥5 个、长期未更新 ≥10 个、空白栏目 ≥5 个；
      首页 2周内无更新即首页不更新。
    * «长期未更新»原文未给出期限：默认超过 1年（❓ 可配置，``long_stale``）。
    """
    dynamic_keywords: tuple[str, ...] = ("动态", "要闻", "新闻", "工作动态", "部门动态", "区县动态", "图片新闻")
    policy_keywords: tuple[str, ...] = ("通知公告", "公告公示", "政策文件", "文件", "规范性文件")
    yearly_keywords: tuple[str, ...] = ("人事", "人事信息", "规划计划", "发展规划")
    # ColumnType（栏目类别，网页标签）到栏目分类；有映射时优先于栏目名称关键词。
    type_classes: dict[str, str] = field(default_factory=lambda: {"工作动态": "dynamic", "政策文件": "policy"})
    periods: dict[str, Period] = field(default_factory=_default_periods)
    warn_days: int = 7                      # 距超期不足（含）这么多天时预警（expiring）
    long_stale: Period = Period(months=12)  # «应更新但长期未更新»
    home_period: Period = Period(days=14)   # 首页不更新：«监测2周»
    veto_stale_min: int = 5                 # «累计超过（含）5个未更新»
    veto_long_stale_min: int = 10           # «长期未更新的栏目数量超过（含）10个»
    veto_empty_min: int = 5                 # «空白栏目数量超过（含）5个»
    # 通知公告、政策文件类只计«一级栏目»；动态、要闻类不限层级。
    veto_policy_levels: tuple[int, ...] = (1,)
    # 未注明发布时间的栏目是否也计入«长期未更新»（默认只计入«未更新»）。
    undated_is_long_stale: bool = False

    def period(self, cls: str) -> Period:
        return self.periods.get(cls) or self.periods.get("other") or Period(months=12)


# ---------------------------------------------------------------------------------------------------------------
# 日期
# ---------------------------------------------------------------------------------------------------------------

_FULL = re.compile(
    r"(?<!\d)((?:19|20)\d{2})\s*(?:年\s*(\d{1,2})\s*月\s*(\d{1,2})(?!\d)\s*日?"
    r"|([-./])\s*(\d{1,2})\s*\4\s*(\d{1,2})(?!\d)(?![-./]\d))")
_SHORT = re.compile(
    r"(?<![\d\-./年])(\d{1,2})\s*(?:([-/])\s*(\d{1,2})(?![\d\-./月日号])|月\s*(\d{1,2})\s*[日号])")
_EDGE_BEFORE = re.compile(r"^[\s\[(（【〔<「·•]*$")
_EDGE_AFTER = re.compile(r"^[\s\])）】〕>」]*$")


@dataclass(frozen=True)
class _Cand:
    start: int
    end: int
    full: bool
    y: int | None
    m: int
    d: int


def _norm(text: str) -> str:
    """全角数字、标点转半角（２０２６－１１－１８ → 2026-11-18）。"""
    return unicodedata.normalize("NFKC", text or "")


def _candidates(text: str) -> list[_Cand]:
    out: list[_Cand] = []
    masked = list(text)
    for m in _FULL.finditer(text):
        if m.group(2):
            y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
        else:
            y, mo, d = int(m.group(1)), int(m.group(5)), int(m.group(6))
        out.append(_Cand(m.start(), m.end(), True, y, mo, d))
        masked[m.start():m.end()] = " " * (m.end() - m.start())
    rest = "".join(masked)
    for m in _SHORT.finditer(rest):
        mo = int(m.group(1))
        d = int(m.group(3) or m.group(4))
        out.append(_Cand(m.start(), m.end(), False, None, mo, d))
    return sorted(out, key=lambda c: c.start)


def _pick(text: str) -> _Cand | None:
    """一条列表文字里选出"它的"日期：位于开头或结尾的日期优先（列表日期总在标题前后），其次取正文中的最后一个
    完整日期；不在开头或结尾的短日期（MM-DD）不采用，以免把标题里的"1-3"当成日期。"""
    cands = _candidates(text)
    if not cands:
        return None
    at_end = [c for c in cands if _EDGE_AFTER.match(text[c.end:])]
    if at_end:
        return at_end[-1]
    at_start = [c for c in cands if _EDGE_BEFORE.match(text[:c.start])]
    if at_start:
        return at_start[0]
    full = [c for c in cands if c.full]
    return full[-1] if full else None


def _make_date(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def _resolve(c: _Cand, context_year: int | None, today: date) -> date | None:
    if c.full:
        return _make_date(c.y or 0, c.m, c.d)
    y = context_year if context_year is not None else today.year
    # 推断出的日期晚于今天时用上一年（2027-01-05 看到的"12-28"是 2026-12-28）。
    if (y, c.m, c.d) > (today.year, today.month, today.day):
        y -= 1
    return _make_date(y, c.m, c.d)


def parse_item_date(text: str | None, context_year: int | None, today: date) -> date | None:
    """解析列表条目上显示的发布日期。

    支持 YYYY-MM-DD、YYYY年M月D日、YYYY/MM/DD、YYYY.MM.DD（可带时间），以及不带年份的 [MM-DD]、MM-DD、MM/DD、
    M月D日：年份取 ``context_year``（同一栏目其他条目或页面的年份），没有时取今天的年份；若由此得到的日期晚于今天，
    则取上一年。不存在的日期（2月30日、13月）返回 None。完整日期在未来时照样返回（由调用方判断是否伪造发稿日期）。
    ``text`` 可以只是日期，也可以是整条列表文字（取开头或结尾处的日期）。
    """
    if not text:
        return None
    c = _pick(_norm(text))
    return _resolve(c, context_year, today) if c else None


# 一个完整日期（可带时分秒），只用于定位；分隔符是否一致等由 _pick 再校验。
_DATE_TIME = (r"(?:19|20)\d{2}\s*(?:年\s*\d{1,2}\s*月\s*\d{1,2}\s*日?|[-./]\s*\d{1,2}\s*[-./]\s*\d{1,2})(?!\d)"
              r"(?:\s*\d{1,2}\s*[:：]\s*\d{2}(?:\s*[:：]\s*\d{2})?)?")
# 明确表示"发布"的标签：冒号可有可无，标签与日期之间可以换行（探针把不同文字节点用换行连接）。
_LABEL_PUB = re.compile(r"(?:发布时间|发布日期|发表时间|发表日期|发稿时间|发稿日期|更新时间|更新日期|公开日期)"
                        r"\s*[:：]?\s*(" + _DATE_TIME + ")")
# 泛指的«时间：»«日期：»：必须带冒号，前面不能紧挨着其他汉字（«成文日期»«施行日期»«截止时间»不是发布时间）。
_LABEL_GENERIC = re.compile(r"(?<![\u3400-\u9fff])(?:时间|日期)\s*[:：]\s*(" + _DATE_TIME + ")")
_SOURCE = re.compile(r"(?:信息|文章)?来源\s*[:：]")
_DATE_ANY = re.compile(_DATE_TIME)
_LABEL_END = re.compile(r"(?:日期|时间|[:：])\s*$")
_DATE_ONLY_LINE = re.compile(r"^[\s\[(（【]*(" + _DATE_TIME + r")[\s\])）】]*$")


def _date_of(s: str) -> date | None:
    c = _pick(s)
    return _make_date(c.y or 0, c.m, c.d) if c and c.full else None


def _first(pattern: re.Pattern[str], text: str) -> date | None:
    for m in pattern.finditer(text):
        d = _date_of(m.group(1) if pattern.groups else m.group(0))
        if d:
            return d
    return None


def visible_pubdate(page_text: str, *, title: str | None = None) -> date | None:
    """在内容页面的可见文字里找"内容发布时间"。

    依次认：«发布时间：2026-11-18 09:30»、«发布日期：2026年11月18日»等明确标签；前面不挨着其他汉字的«时间：»、
    «日期：»（«成文日期»«施行日期»不算）；与«来源：»同一行、或紧邻它的只有日期的一行上的日期
    （«来源：县政府办公室　2026年11月18日»）；给出 ``title`` 时，标题之后三行内只有日期的一行。
    正文里出现的日期（«自2026年12月1日起施行»）不算。找不到返回 None。
    """
    text = _norm(page_text or "")
    d = _first(_LABEL_PUB, text) or _first(_LABEL_GENERIC, text)
    if d:
        return d
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if not _SOURCE.search(line):
            continue
        d = _first(_DATE_ANY, line)
        if d:
            return d
        for j in (i - 1, i + 1):
            # 紧邻的一行只有日期，且它不是另一个标签（«成文日期»表格单元格）的值
            if 0 <= j < len(lines) and _DATE_ONLY_LINE.match(lines[j]) and not (j >= 1 and _LABEL_END.search(lines[j - 1])):
                d = _date_of(lines[j])
                if d:
                    return d
    if title:
        t = _norm(title).strip()
        for i, line in enumerate(lines):
            if t and line.strip() == t:
                for nxt in lines[i + 1:i + 4]:
                    if _DATE_ONLY_LINE.match(nxt):
                        d = _date_of(nxt)
                        if d:
                            return d
    return None


# ---------------------------------------------------------------------------------------------------------------
# 栏目分类
# ---------------------------------------------------------------------------------------------------------------

def _split_types(column_type: str | None) -> list[str]:
    if not column_type:
        return []
    return [t.strip() for t in re.split(r"[,，、;；\s]+", column_type) if t.strip()]


def classify_column(name: str, column_type: str | None, config: FreshnessConfig | None = None) -> ColumnClass:
    """栏目分类：dynamic（动态、要闻类，2周）、policy（通知公告、政策文件类，6个月）、yearly（人事、规划计划类，
    1年）、other（其他，默认周期可配置）。

    ColumnType（栏目类别标签）在 ``config.type_classes`` 中有映射时优先（工作动态 → dynamic，政策文件 → policy）；
    否则按栏目名称关键词：命中最长的关键词决定分类，同样长时按 动态 > 通知公告 > 人事 的顺序。
    """
    cfg = config or FreshnessConfig()
    for t in _split_types(column_type):
        if t in cfg.type_classes:
            return cfg.type_classes[t]  # type: ignore[return-value]
    n = re.sub(r"\s+", "", _norm(name or ""))
    best: tuple[int, int, str] | None = None
    for rank, (cls, kws) in enumerate((("dynamic", cfg.dynamic_keywords), ("policy", cfg.policy_keywords),
                                       ("yearly", cfg.yearly_keywords))):
        for kw in kws:
            if kw and kw in n:
                key = (len(kw), -rank, cls)
                if best is None or key > best:
                    best = key
    return best[2] if best else "other"  # type: ignore[return-value]


# ---------------------------------------------------------------------------------------------------------------
# 观测与评估
# ---------------------------------------------------------------------------------------------------------------

@dataclass
class ColumnObservation:
    """一个栏目列表页的观测结果（渲染后的页面上读到的）。

    ``items``：(标题, 链接, 日期文字)，日期文字按页面显示（也可以是整条列表文字）；``level``：1 一级栏目，2 二级……；
    ``page_error``：列表页打不开时的错误说明（此时不评估）；``context_year``：页面上给出的年份（如归档页"2025年"）。
    """
    name: str
    url: str
    column_type: str | None = None
    level: int = 1
    items: list[ListItem] = field(default_factory=list)
    page_error: str | None = None
    context_year: int | None = None
    blank: bool = False               # the page says «暂无信息 / 暂无内容 / 正在建设中» and lists no dated item
    force_class: str | None = None    # judged as this class (a column named one way and tagged another)


@dataclass
class ColumnAssessment:
    name: str
    url: str
    level: int
    column_type: str | None
    column_class: str
    period: Period
    status: str                       # ColumnStatus
    latest: date | None = None        # 最近一条（不晚于今天的）信息日期
    age_days: int | None = None       # 今天 - latest
    expires_on: date | None = None    # 从这一天起算"未更新"（已未更新的栏目，这一天在过去）
    long_stale: bool = False          # 应更新但长期未更新
    counts_for_veto: bool = False     # 计入«累计超过（含）5个未更新»
    item_count: int = 0
    dated_count: int = 0
    future_dates: list[date] = field(default_factory=list)  # 晚于今天的发布日期（可能伪造发稿日期）
    page_error: str | None = None

    @property
    def is_not_updated(self) -> bool:
        return self.status in ("stale", "undated")


@dataclass
class HomeAssessment:
    """首页不更新：2周内首页有无注明日期的新信息；首页没有信息列表（只是栏目导航入口）时看各栏目。"""
    updated: bool | None              # None：无法判断（首页无条目且没有任何栏目）
    basis: str                        # "home" | "columns" | "none"
    latest: date | None
    item_count: int
    dated_count: int
    period: Period


@dataclass
class VetoAssessment:
    stale: list[str]          # 未更新的动态要闻类栏目与通知公告、政策文件类一级栏目（URL）
    long_stale: list[str]     # 应更新但长期未更新
    empty: list[str]          # 空白栏目
    stale_min: int
    long_stale_min: int
    empty_min: int

    @property
    def triggered(self) -> list[str]:
        out = []
        if len(self.stale) >= self.stale_min:
            out.append("stale")
        if len(self.long_stale) >= self.long_stale_min:
            out.append("long_stale")
        if len(self.empty) >= self.empty_min:
            out.append("empty")
        return out

    @property
    def veto(self) -> bool:
        return bool(self.triggered)


@dataclass
class FreshnessReport:
    today: date
    columns: list[ColumnAssessment]
    home: HomeAssessment
    articles_checked: int
    articles_without_date: list[str]
    veto: VetoAssessment
    config: FreshnessConfig

    @property
    def home_not_updated(self) -> bool:
        return self.home.updated is False


def _item_dates(items: Iterable[ListItem], context_year: int | None, today: date,
                infer_year: bool = True) -> list[date | None]:
    """各条目的日期（按列表顺序）。

    不带年份的日期（[MM-DD]、M月D日）按以下顺序定年份：同一列表里离它最近的带年份条目（取与该条目日期最接近、
    且不晚于今天的年份，列表按时间排序时相邻条目时间相近：2027-01-05 时，紧挨着 2026-12-20 的"01-03"是
    2027-01-03）；没有带年份的条目时用页面年份 ``context_year``；再没有时用今年（晚于今天则取上一年）。
    ``infer_year=False`` 时不参考其他条目（首页上的几个信息块属于不同栏目）。
    """
    texts = [it[2] if len(it) > 2 else None for it in items]
    cands = [_pick(_norm(t)) if t else None for t in texts]
    full: list[tuple[int, date]] = []
    for i, c in enumerate(cands):
        if c and c.full:
            fd = _make_date(c.y or 0, c.m, c.d)
            if fd:
                full.append((i, fd))
    out: list[date | None] = []
    for i, c in enumerate(cands):
        if c is None:
            out.append(None)
        elif c.full:
            out.append(_make_date(c.y or 0, c.m, c.d))
        elif infer_year and full:
            # 最近的带年份条目；距离相同时取下面那条（按新到旧排列的列表里更早的一条）
            _, near = min(full, key=lambda f: (abs(f[0] - i), f[0] < i))
            options = [o for o in (_make_date(y, c.m, c.d) for y in (near.year - 1, near.year, near.year + 1)) if o]
            past = [o for o in options if o <= today] or options
            out.append(min(past, key=lambda o: abs((o - near).days)) if past else None)
        else:
            out.append(_resolve(c, context_year, today))
    return out


item_dates = _item_dates  # public: the site rules read the home page's dated items the same way


def assess_column(obs: ColumnObservation, today: date, config: FreshnessConfig | None = None) -> ColumnAssessment:
    """评估一个栏目：fresh（周期内已更新）、expiring（将在 warn_days 天内超期）、stale（超过周期未更新）、
    undated（有信息但均未注明发布时间，视为不更新）、empty（空白栏目）、error（列表页打不开，不评估）。"""
    cfg = config or FreshnessConfig()
    cls = obs.force_class or classify_column(obs.name, obs.column_type, cfg)
    period = cfg.period(cls)
    a = ColumnAssessment(name=obs.name, url=obs.url, level=obs.level, column_type=obs.column_type, column_class=cls,
                         period=period, status="error", item_count=len(obs.items), page_error=obs.page_error)
    if obs.page_error:
        return a
    if not obs.items or obs.blank:
        a.status = "empty"
        return a
    dates = _item_dates(obs.items, obs.context_year, today)
    a.future_dates = sorted(d for d in dates if d and d > today)
    valid = [d for d in dates if d and d <= today]
    a.dated_count = len(valid)
    counts = cls == "dynamic" or (cls == "policy" and obs.level in cfg.veto_policy_levels)
    if not valid:
        a.status = "undated"
        a.counts_for_veto = counts
        a.long_stale = cfg.undated_is_long_stale
        return a
    a.latest = max(valid)
    a.age_days = (today - a.latest).days
    last_ok = period.after(a.latest)
    a.expires_on = last_ok + timedelta(days=1)
    if today > last_ok:
        a.status = "stale"
        a.counts_for_veto = counts
        a.long_stale = today > cfg.long_stale.after(a.latest)
    elif (a.expires_on - today).days <= cfg.warn_days:
        a.status = "expiring"
    else:
        a.status = "fresh"
    return a


def assess_home(home_items: list[ListItem], column_obs: list[ColumnObservation], today: date,
                config: FreshnessConfig | None = None) -> HomeAssessment:
    """首页不更新：首页上 2周内（含第14天）有注明日期的信息即已更新；首页条目都未注明日期视为不更新；
    首页没有任何信息条目（仅为栏目导航入口）时，看所有栏目页上的信息。"""
    cfg = config or FreshnessConfig()
    if home_items:
        dates = [d for d in _item_dates(home_items, None, today, infer_year=False) if d and d <= today]
        basis, count = "home", len(home_items)
    else:
        dates = []
        count = 0
        for obs in column_obs:
            if obs.page_error:
                continue
            count += len(obs.items)
            dates += [d for d in _item_dates(obs.items, obs.context_year, today) if d and d <= today]
        basis = "columns" if column_obs else "none"
    latest = max(dates) if dates else None
    if basis == "none":
        updated = None
    else:
        updated = latest is not None and today <= cfg.home_period.after(latest)
    return HomeAssessment(updated=updated, basis=basis, latest=latest, item_count=count, dated_count=len(dates),
                          period=cfg.home_period)


def assess_columns(columns: list[ColumnObservation], home_items: list[ListItem],
                   article_dates: list[tuple[str, bool]], today: date,
                   config: FreshnessConfig | None = None) -> FreshnessReport:
    """评估全站的栏目更新情况，得出各栏目状态、首页是否更新、未显示发布时间的内容页面和栏目不更新单项否决。"""
    cfg = config or FreshnessConfig()
    assessed = [assess_column(c, today, cfg) for c in columns]
    home = assess_home(home_items, columns, today, cfg)
    veto = VetoAssessment(
        stale=[a.url for a in assessed if a.counts_for_veto and a.is_not_updated],
        long_stale=[a.url for a in assessed if a.long_stale],
        empty=[a.url for a in assessed if a.status == "empty"],
        stale_min=cfg.veto_stale_min, long_stale_min=cfg.veto_long_stale_min, empty_min=cfg.veto_empty_min)
    return FreshnessReport(today=today, columns=assessed, home=home, articles_checked=len(article_dates),
                           articles_without_date=[u for u, ok in article_dates if not ok], veto=veto, config=cfg)


# ---------------------------------------------------------------------------------------------------------------
# 探针数据到列表条目
# ---------------------------------------------------------------------------------------------------------------

def items_from_probe(probe: dict[str, Any]) -> list[ListItem]:
    """从探针结果（``listItems``、``nav``）取出列表条目：去掉头部标识区和导航栏里的条目；日期文字给整条文字，
    由 :func:`parse_item_date` 取开头或结尾处的日期。"""
    nav = {n.get("href") for n in probe.get("nav", []) if n.get("href")}
    out: list[ListItem] = []
    for li in probe.get("listItems", []):
        if li.get("inHeader") or li.get("href") in nav:
            continue
        out.append((li.get("title") or "", li.get("href") or "", li.get("text") or li.get("date")))
    return out
