"""留言的来信时间与答复时间 — read from the text of a message list row or a message's detail page.

Sites label the two dates in many ways (来信时间 / 留言时间 / 提问时间 / 咨询时间 …; 答复时间 / 回复时间 / 办理时间
…) and write them as 2024-03-05, 2024年3月5日 or 2024/03/05. Only full dates (with a year) count: a message
list is not a news list, and a reply date guessed from «03-05» would be a guess. Pure; no clock.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

# The label words; «时间» or «日期» may follow, and a colon may be there or not.
ASK_LABELS = ("来信", "留言", "提问", "咨询", "写信", "提交", "投诉", "来件", "诉求")
REPLY_LABELS = ("答复", "回复", "办理", "办结", "反馈", "处理", "回应")
_SUFFIX = r"(?:时间|日期)"
_DATE = (r"((?:19|20)\d{2})\s*(?:年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?|([-./])\s*(\d{1,2})\s*\4\s*(\d{1,2}))(?!\d)")
_DATE_RE = re.compile(_DATE)
# A label, then (within a short gap of spaces, colons, line breaks) a date, or nothing: «答复时间：» with no date.
_GAP = r"[\s:：]{0,8}"


def _label_re(words: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"(?:" + "|".join(words) + r")" + _SUFFIX + _GAP + r"(?:" + _DATE + r")?")


_ASK_RE = _label_re(ASK_LABELS)
_REPLY_RE = _label_re(REPLY_LABELS)
_ASK_HEAD = re.compile(r"(?:" + "|".join(ASK_LABELS) + r")" + _SUFFIX)
_REPLY_HEAD = re.compile(r"(?:" + "|".join(REPLY_LABELS) + r")" + _SUFFIX)
# Status words seen on message lists: answered, or still waiting.
_ANSWERED = re.compile(r"已(?:回复|答复|办结|处理|反馈|回应)|办理完毕|(?:答复|回复)(?:内容|意见)\s*[:：]?\s*\S")
_WAITING = re.compile(r"未(?:回复|答复|办结|处理|反馈)|待(?:回复|答复|处理|办理)|办理中|处理中|受理中|正在办理")


def norm(text: str | None) -> str:
    """全角数字、标点转半角（２０２４－０３－０５ → 2024-03-05）。"""
    return unicodedata.normalize("NFKC", text or "")


def parse_date(text: str | None) -> date | None:
    """The first full date in ``text`` (2024-03-05, 2024年3月5日, 2024/03/05, 2024.03.05); None if none or invalid."""
    m = _DATE_RE.search(norm(text))
    return _date_of(m, 1) if m else None


def _date_of(m: re.Match[str], first: int) -> date | None:
    y = m.group(first)
    if not y:
        return None
    mo, d = (m.group(first + 1), m.group(first + 2)) if m.group(first + 1) else (m.group(first + 4),
                                                                                 m.group(first + 5))
    try:
        return date(int(y), int(mo), int(d))
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class MessageDates:
    """What one row or detail page says: the two dates, whether a reply date field is shown (even empty), and
    whether the text says the message was answered (True), is still waiting (False) or does not say (None)."""
    asked: date | None
    replied: date | None
    reply_field: bool
    answered: bool | None


def _labelled(pattern: re.Pattern[str], text: str) -> tuple[date | None, bool]:
    seen = False
    for m in pattern.finditer(text):
        seen = True
        d = _date_of(m, 1)
        if d is not None:
            return d, True
    return None, seen


def answered_state(text: str) -> bool | None:
    """已回复/已办结/答复内容… → True; 未回复/办理中/待处理… → False; neither → None."""
    t = norm(text)
    if _WAITING.search(t):
        return False
    return True if _ANSWERED.search(t) else None


def has_label(text: str) -> bool:
    """Whether the text shows a 来信时间 or 答复时间 field (with a date or empty)."""
    t = norm(text)
    return bool(_ASK_HEAD.search(t) or _REPLY_HEAD.search(t))


def read_text(text: str, *, row: bool = True) -> MessageDates:
    """The dates of a row or a detail page written as labelled text («来信时间：2024-03-05 答复时间：2024-03-07»).
    A row that shows a date without a label («标题 2024-03-05») gives that date as its 来信时间: message lists
    date their rows by the message. A detail page (``row=False``) gives labelled dates only (its 发布时间 is
    the page's, not the message's)."""
    t = norm(text)
    asked, _ = _labelled(_ASK_RE, t)
    replied, reply_field = _labelled(_REPLY_RE, t)
    if row and asked is None and not _ASK_HEAD.search(t):
        unlabelled = [d for d in (_date_of(m, 1) for m in _DATE_RE.finditer(t)) if d is not None and d != replied]
        asked = unlabelled[0] if unlabelled else None
    answered = answered_state(t)
    if replied is not None:
        answered = True
    return MessageDates(asked, replied, reply_field, answered)


def read_cells(headers: list[str], cells: list[str]) -> MessageDates:
    """The dates of a table row whose header names the columns (来信时间 | 答复时间 | 状态). Falls back to the
    labelled reading of the row's text when the header names no date column."""
    heads = [norm(h) for h in headers]
    ask_col = next((i for i, h in enumerate(heads) if _ASK_HEAD.search(h)), None)
    reply_col = next((i for i, h in enumerate(heads) if _REPLY_HEAD.search(h)), None)
    row_text = " ".join(cells)
    if ask_col is None and reply_col is None:
        return read_text(row_text)
    asked = parse_date(cells[ask_col]) if ask_col is not None and ask_col < len(cells) else None
    replied = parse_date(cells[reply_col]) if reply_col is not None and reply_col < len(cells) else None
    answered = True if replied is not None else answered_state(row_text)
    return MessageDates(asked, replied, reply_col is not None, answered)


def merge(first: MessageDates, second: MessageDates) -> MessageDates:
    """The list row completed by the detail page: a date either shows counts; a waiting state on either wins
    over a silent one, an explicit answer over a waiting list status once a reply date is known."""
    asked = first.asked or second.asked
    replied = first.replied or second.replied
    if replied is not None:
        answered: bool | None = True
    elif first.answered is None:
        answered = second.answered
    elif second.answered is None:
        answered = first.answered
    else:
        answered = first.answered and second.answered
    return MessageDates(asked, replied, first.reply_field or second.reply_field, answered)
