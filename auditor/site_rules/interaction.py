"""interaction.* — 互动回应: the site's 留言/信箱/咨询 channel, read from what it publishes (never submitting a message).

19号 单项否决 «互动回应差» (V5): «1.未提供网上有效咨询建言渠道（网上信访、纪检举报等专门渠道除外）。2.监测时间点前
1年内，对网民留言应及时答复处理的政务咨询类栏目（在线访谈、调查征集、网上信访、纪检举报类栏目除外）存在超过3个月
未回应有效留言的现象。» 扣分 D3.2 留言公开 (北京 2019-Q4: «部分网站留言信件未公开留言时间和答复时间») and D3.3
办理答复. The browser (browsers/interaction.py) finds the channels and reads each message's 来信时间 and 答复时间
from the list and detail pages; these rules only judge those facts, with ``today`` given (an injected clock).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal
from urllib.parse import urlsplit

from auditor.freshness import add_months
from auditor.models import CheckResult, EvidenceRef, Status
from auditor.rules.meta import RuleMeta
from auditor.site_rules.search import other_host_outage

_FACTS = ("interaction.channels", "interaction.messages")
_COMMON = dict(scope="site", default="absent", facts=_FACTS)

CHANNEL = RuleMeta(
    id="interaction.channel", indicator="互动回应（咨询建言渠道）",
    pass_title="网站提供网上咨询建言渠道", fail_title="网站未提供网上咨询建言渠道",
    fix="开设政务咨询类栏目（如«市长信箱»«网上咨询»），并在首页或互动交流栏目放置入口。",
    key="V5", group="V", **_COMMON,  # type: ignore[arg-type]
    description=("按栏目类别«咨询投诉»，或栏目/链接名称含«信箱、留言、咨询、建言、在线访谈»找渠道（网上信访、纪检举报等"
                 "专门渠道除外）。一个也没有为不合格（单项否决«未提供网上有效咨询建言渠道»）；渠道在无法连接的其他主机上"
                 "（如省级平台）时为无法评估，写明主机和错误。"),
)
UNANSWERED = RuleMeta(
    id="interaction.unanswered", indicator="互动回应（超过3个月未回应）",
    pass_title="1年内没有超过3个月未回应的留言", fail_title="1年内存在超过3个月未回应的留言",
    fix="对政务咨询类栏目的留言及时答复，逐条清理超过3个月未回应的留言并公开答复。",
    key="V5", group="V", **_COMMON,  # type: ignore[arg-type]
    description=("监测时间点前1年内的留言，来信后超过3个月仍未答复（或答复时间晚于来信3个月以上）即不合格（单项否决）；"
                 "在线访谈、调查征集类不计。证据为列出来信时间与答复时间的留言行及其截图。"),
)
REPLY_LATE = RuleMeta(
    id="interaction.reply_late", indicator="互动回应（答复超期）",
    pass_title="留言均在规定期限内答复", fail_title="有留言答复超过规定期限",
    fix="按本省规定的办理期限答复留言（期限在设置 reply_window_days 中，默认15天）。",
    key="D3.3", group="D3", **_COMMON,  # type: ignore[arg-type]
    description=("1年内的留言，答复时间晚于来信时间超过本省办理期限（设置 reply_window_days，默认15天，各省规定不同，"
                 "请按本省文件设置），或超过期限仍未答复，为不合格。"),
)
DATES_PUBLISHED = RuleMeta(
    id="interaction.dates_published", indicator="留言公开（来信与答复时间）",
    pass_title="留言公开了来信时间和答复时间", fail_title="部分留言未公开来信时间或答复时间",
    fix="在留言列表或详情页公开每条留言的来信时间和答复时间。",
    key="D3.2", group="D3", **_COMMON,  # type: ignore[arg-type]
    description=("已答复的留言在列表和详情页都找不到答复时间，或找不到来信时间，为不合格（北京2019年通报«未公开留言时间"
                 "和答复时间»）。"),
)
MULTIPLE_ENTRIES = RuleMeta(
    id="interaction.multiple_entries", indicator="互动交流（留言入口数量）",
    pass_title="网站只有一个留言入口", fail_title="网站有多个留言入口",
    fix="整合留言、信箱、咨询等入口，统一到一个互动交流平台（集约化）。",
    key=None, **_COMMON,  # type: ignore[arg-type]
    description=("留言类渠道（信箱、留言、咨询，不含在线访谈）的不同入口多于一个时为警告，供人工核查是否应整合；"
                 "19号指标中没有对应的扣分项，不计分。"),
)
METAS = [CHANNEL, UNANSWERED, REPLY_LATE, DATES_PUBLISHED, MULTIPLE_ENTRIES]

Kind = Literal["message", "interview"]
MAX_NAME = 10
_EXCLUDED = re.compile(r"信访|纪检|举报|监督举报|征集|调查")
_INTERVIEW = re.compile(r"在线访谈|访谈")
_MESSAGE = re.compile(r"信箱|留言|咨询|建言|投诉|民意|问政|书记信箱|市长信箱|县长信箱|局长信箱|来信")


def channel_kind(name: str, column_type: str | None = None) -> Kind | None:
    """The channel a column or link is, by its ColumnType (咨询投诉 / 在线访谈) or its name; None: not a channel
    (网上信访、纪检举报、调查征集 are excluded by the veto's own words)."""
    ct = (column_type or "").strip()
    n = " ".join((name or "").split())
    if _EXCLUDED.search(n) and not _MESSAGE.search(n.replace("举报", "")):
        return None
    if "咨询投诉" in ct:
        return "message"
    if "在线访谈" in ct:
        return "interview"
    # A channel's name is short («市长信箱», «我要留言», «在线访谈»); a longer one is a message's or an article's
    # title («咨询老旧小区加装电梯补贴政策», «在线访谈：市住建局谈…»), not an entry.
    if len(n) > MAX_NAME or re.search(r"情况|通报|统计|公告|解读|办理结果", n):
        return None
    if _INTERVIEW.search(n):
        return "interview"
    return "message" if _MESSAGE.search(n) else None


@dataclass(frozen=True)
class Message:
    """One message as published: its 来信时间 and 答复时间 (None: not shown), whether it was answered."""
    title: str
    url: str | None
    asked: date | None
    replied: date | None
    answered: bool | None            # True: answered; False: shown as waiting; None: the page does not say
    reply_field: bool = False        # a 答复时间 field is shown (maybe empty)
    crop: bytes | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Channel:
    """A 留言/信箱/咨询 (message) or 在线访谈 (interview) channel and what its list showed."""
    name: str
    url: str
    kind: Kind
    found_by: str                     # columntype | column | link
    status: int | None = None
    error: str | None = None          # the list page could not be loaded (network error)
    messages: tuple[Message, ...] = ()
    shot: bytes | None = field(default=None, repr=False)
    final_url: str = ""               # where the list page landed (redirects)

    @property
    def loaded(self) -> bool:
        return self.error is None and (self.status or 0) < 400


@dataclass(frozen=True)
class InteractionFacts:
    home_url: str
    channels: tuple[Channel, ...] = ()
    home_error: str | None = None
    # Navigation columns that were not read (beyond the scan's cap, or failed to open): «no channel» is a veto,
    # so it is only said when the home page and every navigation column were read.
    unscanned: int = 0


@dataclass(frozen=True)
class InteractionPolicy:
    """The province's reply window and the veto's limits (19号: 3 months, within the year before the audit)."""
    reply_window_days: int = 15
    unanswered_months: int = 3
    lookback_months: int = 12


def _host(url: str) -> str:
    return urlsplit(url).hostname or ""


def _msg_row(m: Message, channel: Channel, note: str = "") -> dict[str, object]:
    return {"channel": channel.name, "title": m.title, "url": m.url, "asked": m.asked.isoformat() if m.asked else None,
            "replied": m.replied.isoformat() if m.replied else None, "answered": m.answered, "note": note}


def _evidence(rows: list[tuple[Message, Channel, str]]) -> list[EvidenceRef]:
    out = []
    for m, ch, note in rows[:10]:
        if m.crop:
            out.append(EvidenceRef(note=f"{ch.name}：{m.title}（{note}）", png=m.crop, kind="shot"))
    return out


def _channel_value(ch: Channel) -> dict[str, object]:
    return {"name": ch.name, "url": ch.url, "kind": ch.kind, "found_by": ch.found_by, "status": ch.status,
            "error": ch.error, "messages": len(ch.messages)}


def check_channel(facts: InteractionFacts) -> CheckResult:
    value = {"channels": [_channel_value(c) for c in facts.channels]}
    shots = [EvidenceRef(note=f"{c.name}：{c.url}", png=c.shot, kind="shot") for c in facts.channels if c.shot][:3]
    if facts.home_error:
        return CheckResult(CHANNEL.id, Status.NOT_ASSESSABLE, CHANNEL.indicator,
                           f"首页无法打开，未查找互动渠道：{facts.home_error}", value)
    working = [c for c in facts.channels if c.loaded]
    if working:
        names = "、".join(dict.fromkeys(c.name for c in working))
        return CheckResult(CHANNEL.id, Status.PASS, CHANNEL.indicator, f"网站提供互动渠道：{names}", value, shots)
    unreachable = [c for c in facts.channels if c.error]
    if unreachable:
        c = unreachable[0]
        return CheckResult(CHANNEL.id, Status.NOT_ASSESSABLE, CHANNEL.indicator,
                           f"互动渠道«{c.name}»在 {_host(c.url)} 上，无法连接：{c.error}", value)
    if facts.channels:
        c = facts.channels[0]
        outage = other_host_outage(c.url, c.status, facts.home_url)
        if outage:
            return CheckResult(CHANNEL.id, Status.NOT_ASSESSABLE, CHANNEL.indicator,
                               f"互动渠道«{c.name}»在 {_host(c.url)} 上，无法使用：{outage}（不是本站主机，需人工复核）",
                               value, shots)
        return CheckResult(CHANNEL.id, Status.FAIL, CHANNEL.indicator,
                           f"互动渠道«{c.name}»无法使用：{c.url} 返回 HTTP {c.status}", value, shots)
    if facts.unscanned:
        return CheckResult(CHANNEL.id, Status.NOT_ASSESSABLE, CHANNEL.indicator,
                           f"首页和已读取的导航栏目中未找到网上咨询建言渠道，另有{facts.unscanned}个导航栏目未能读取，"
                           "需人工核查", {**value, "unscanned": facts.unscanned})
    return CheckResult(CHANNEL.id, Status.FAIL, CHANNEL.indicator,
                       "未找到网上咨询建言渠道（信箱、留言、咨询、在线访谈）", value)


def _in_year(m: Message, today: date, policy: InteractionPolicy) -> bool:
    return m.asked is not None and add_months(today, -policy.lookback_months) <= m.asked <= today


def _message_channels(facts: InteractionFacts) -> tuple[list[Channel], CheckResult | None]:
    """The loaded message channels, or why the messages cannot be judged (a result for the caller to relabel)."""
    chans = [c for c in facts.channels if c.kind == "message"]
    loaded = [c for c in chans if c.loaded]
    if loaded:
        return loaded, None
    unreachable = [c for c in chans if c.error]
    if unreachable:
        c = unreachable[0]
        return [], CheckResult("", Status.NOT_ASSESSABLE, "", f"留言渠道«{c.name}»在 {_host(c.url)} 上，无法连接："
                               f"{c.error}", {"channel": _channel_value(c)})
    return [], CheckResult("", Status.NOT_ASSESSABLE, "", "没有可读取的留言类栏目（信箱、留言、咨询），未检查留言答复", {})


def _relabel(c: CheckResult, meta: RuleMeta) -> CheckResult:
    return CheckResult(meta.id, c.status, meta.indicator, c.message, c.value, c.evidence)


def _messages(chans: list[Channel]) -> list[tuple[Message, Channel]]:
    return [(m, c) for c in chans for m in c.messages]


def check_unanswered(facts: InteractionFacts, today: date, policy: InteractionPolicy) -> CheckResult:
    chans, why = _message_channels(facts)
    if why is not None:
        return _relabel(why, UNANSWERED)
    year = [(m, c) for m, c in _messages(chans) if _in_year(m, today, policy)]
    if not year:
        return CheckResult(UNANSWERED.id, Status.NOT_ASSESSABLE, UNANSWERED.indicator,
                           "未读到1年内带来信时间的留言，未能判断是否有超过3个月未回应的留言（请人工核查）",
                           {"messages": sum(len(c.messages) for c in chans)})
    bad: list[tuple[Message, Channel, str]] = []
    for m, c in year:
        limit = add_months(m.asked, policy.unanswered_months)  # type: ignore[arg-type]
        if m.replied is not None and m.replied > limit:
            bad.append((m, c, f"来信 {m.asked} 至答复 {m.replied} 超过{policy.unanswered_months}个月"))
        elif m.replied is None and m.answered is False and today > limit:
            bad.append((m, c, f"来信 {m.asked}，至今 {today} 超过{policy.unanswered_months}个月未答复"))
    value = {"checked": len(year), "rows": [_msg_row(m, c, n) for m, c, n in bad]}
    if bad:
        return CheckResult(UNANSWERED.id, Status.FAIL, UNANSWERED.indicator,
                           f"1年内 {len(year)} 条留言中有 {len(bad)} 条超过{policy.unanswered_months}个月未回应",
                           value, _evidence(bad))
    return CheckResult(UNANSWERED.id, Status.PASS, UNANSWERED.indicator,
                       f"1年内 {len(year)} 条留言均未超过{policy.unanswered_months}个月未回应", value)


def check_reply_late(facts: InteractionFacts, today: date, policy: InteractionPolicy) -> CheckResult:
    chans, why = _message_channels(facts)
    if why is not None:
        return _relabel(why, REPLY_LATE)
    window = timedelta(days=policy.reply_window_days)
    year = [(m, c) for m, c in _messages(chans) if _in_year(m, today, policy)]
    late: list[tuple[Message, Channel, str]] = []
    for m, c in year:
        assert m.asked is not None
        if m.replied is not None and m.replied - m.asked > window:
            late.append((m, c, f"{(m.replied - m.asked).days} 天后答复"))
        elif m.replied is None and m.answered is False and today - m.asked > window:
            late.append((m, c, f"{(today - m.asked).days} 天未答复"))
    value = {"window_days": policy.reply_window_days, "checked": len(year),
             "rows": [_msg_row(m, c, n) for m, c, n in late]}
    if not year:
        return CheckResult(REPLY_LATE.id, Status.NOT_ASSESSABLE, REPLY_LATE.indicator,
                           "未读到1年内带来信时间的留言，未能判断答复是否超期（请人工核查）", value)
    if late:
        return CheckResult(REPLY_LATE.id, Status.FAIL, REPLY_LATE.indicator,
                           f"1年内 {len(year)} 条留言中有 {len(late)} 条超过 {policy.reply_window_days} 天办理期限",
                           value, _evidence(late))
    return CheckResult(REPLY_LATE.id, Status.PASS, REPLY_LATE.indicator,
                       f"1年内 {len(year)} 条留言均在 {policy.reply_window_days} 天内答复", value)


def check_dates_published(facts: InteractionFacts, today: date, policy: InteractionPolicy) -> CheckResult:
    chans, why = _message_channels(facts)
    if why is not None:
        return _relabel(why, DATES_PUBLISHED)
    msgs = [(m, c) for m, c in _messages(chans) if m.asked is None or _in_year(m, today, policy)]
    missing: list[tuple[Message, Channel, str]] = []
    for m, c in msgs:
        if m.asked is None:
            missing.append((m, c, "未公开来信时间"))
        elif m.replied is None and m.answered is True:
            missing.append((m, c, "已答复但未公开答复时间"))
        elif m.replied is None and m.answered is None:
            missing.append((m, c, "未公开答复时间，也未标明是否已答复"))
    value = {"checked": len(msgs), "rows": [_msg_row(m, c, n) for m, c, n in missing]}
    if not msgs:
        return CheckResult(DATES_PUBLISHED.id, Status.NOT_ASSESSABLE, DATES_PUBLISHED.indicator,
                           "留言栏目中没有读到留言（请人工核查留言是否公开）", value)
    if missing:
        return CheckResult(DATES_PUBLISHED.id, Status.FAIL, DATES_PUBLISHED.indicator,
                           f"{len(msgs)} 条留言中有 {len(missing)} 条未公开来信时间或答复时间", value, _evidence(missing))
    return CheckResult(DATES_PUBLISHED.id, Status.PASS, DATES_PUBLISHED.indicator,
                       f"{len(msgs)} 条留言都公开了来信时间和答复时间", value)


def check_multiple_entries(facts: InteractionFacts) -> CheckResult:
    entries = list(dict.fromkeys((c.final_url or c.url).split("#", 1)[0] for c in facts.channels
                                 if c.kind == "message"))
    value = {"entries": [{"name": c.name, "url": c.url} for c in facts.channels if c.kind == "message"]}
    if not entries:
        return CheckResult(MULTIPLE_ENTRIES.id, Status.NOT_ASSESSABLE, MULTIPLE_ENTRIES.indicator,
                           "未找到留言入口", value)
    if len(entries) > 1:
        names = "、".join(dict.fromkeys(c.name for c in facts.channels if c.kind == "message"))
        return CheckResult(MULTIPLE_ENTRIES.id, Status.WARN, MULTIPLE_ENTRIES.indicator,
                           f"网站有 {len(entries)} 个留言入口（{names}），请核查是否应整合", value)
    return CheckResult(MULTIPLE_ENTRIES.id, Status.PASS, MULTIPLE_ENTRIES.indicator, "网站有 1 个留言入口", value)


def check(facts: InteractionFacts, today: date, policy: InteractionPolicy | None = None) -> list[CheckResult]:
    """All interaction.* results, in METAS order. ``today`` is the inspection day (never the system clock)."""
    policy = policy or InteractionPolicy()
    out = [check_channel(facts)]
    if facts.home_error:
        return out
    out += [check_unanswered(facts, today, policy), check_reply_late(facts, today, policy),
            check_dates_published(facts, today, policy), check_multiple_entries(facts)]
    return out
