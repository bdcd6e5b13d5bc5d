"""content.pii — 个人信息未去标识化: 身份证号码、手机号码、银行卡号 in the page text and in its attachments.

What counts (docs/rules.md):
* 身份证号码: 18 digits with the GB 11643 check character, a valid date and a valid province prefix, or the
  15-digit legacy form with a valid date. Unmasked → ``fail`` (an ID number identifies a person on its own),
  unless its line says it is an organisation's code (统一社会信用代码, 组织机构代码, 纳税人识别号).
* 手机号码 ``1[3-9]\\d{9}``: a number in a 联系电话/咨询电话/监督电话/联系人 line, or beside a contact's title
  (王老师, 李主任), is a published contact, not a finding. A 2–4 character name (known surname) beside a mobile
  number in a table row or line is the 公示名单 pattern: two or more such rows → ``fail``, one → ``warn``.
  A bare mobile number with neither is counted only.
* 银行卡号: 16–19 digits, Luhn-valid, IIN 62/4/5x: beside a person's name → ``fail``; alone → ``warn``; in a
  账号/开户行/户名 line with no personal name → an organisation's account, counted only.
* Masked forms (138****1234, 35*************123) are compliant: counted and reported in the pass.

The evidence never repeats the data: hits carry the masked value and a salted SHA-256 of the raw value,
sentences are masked, crops are boxed and blurred (EvidenceRef.blur), no HTML snippet is kept. Attachments are
cited by file and page/sheet/cell. An attachment the auditor could not fetch or parse leaves the verdict
``not_assessable`` when nothing else was found, naming the file and why.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from auditor.models import Box, CheckResult, EvidenceRef, PageFacts, SiteProfile, Status
from auditor.rules._common import result
from auditor.rules._content_common import body_items, join, sentence
from auditor.rules.meta import RuleMeta

META = RuleMeta(
    id="content.pii",
    indicator="个人信息未去标识化",
    pass_title="未发现未去标识化的个人信息",
    fail_title="页面或附件公开了未去标识化的个人信息",
    fix="删除或遮蔽页面及附件中的身份证号码、手机号码、银行卡号（如只保留首尾几位），公示名单只列必要信息。",
    facts=("probe.bodyTexts", "probe.text", "attachments"),
    description=("**pass** when no unmasked 身份证/手机/银行卡 of a person in the page text or its attachments; masked forms "
                 "counted; **fail** when an unmasked valid 身份证号码; a list of people with mobile numbers (≥2 rows of "
                 "name + number); a bank card beside a name; **warn** when one name + mobile row; a bank card alone; "
                 "**not_assessable** when nothing found, but an attachment could not be fetched or parsed (file and "
                 "reason named)"),
)
RULE = META.id
INDICATOR = META.indicator
EVIDENCE_CAP = 20

_ID_W = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_PROVINCES = {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53,
              54, 61, 62, 63, 64, 65, 71, 81, 82, 91}
_FULLWIDTH = str.maketrans("０１２３４５６７８９＊Ｘｘ", "0123456789*Xx")

_ID18 = re.compile(r"(?<![\dA-Za-z])\d{17}[\dXx](?![\dA-Za-z])")
_ID15 = re.compile(r"(?<![\dA-Za-z])\d{15}(?![\dA-Za-z])")
_MOBILE = re.compile(r"(?<![\dA-Za-z])(1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?![\dA-Za-z])")
_CARD = re.compile(r"(?<![\dA-Za-z])(?:\d{16,19}|\d{4}(?: \d{4}){3}(?: \d{1,3})?)(?![\dA-Za-z])")
_MASKED = re.compile(r"(?<![\dA-Za-z*])[\dXx]{1,7}[*]{3,14}[\dXx]{0,7}(?![\dA-Za-z*])")

_CONTACT = re.compile(r"联系电话|咨询电话|监督电话|举报电话|投诉电话|服务电话|值班电话|办公电话|受理电话|热线|联系人|"
                      r"联系方式|联系号码|电话[:：]|手机[:：]|传真|咨询[:：]")
_CONTACT_TITLE = re.compile(r"[\u4e00-\u9fff]{1,3}(?:老师|先生|女士|同志|主任|科长|局长|书记|站长|所长|经理|队长)")
_ORG_CODE = re.compile(r"信用代码|组织机构代码|纳税人识别号|税号|注册号|文号|编号|订单|流水号|批准号|证书号|登记号|许可证号")
_ACCOUNT = re.compile(r"账号|帐号|开户|户名|收款|账户|帐户")
_NOT_NAMES = re.compile(r"^(?:姓名|电话|手机|号码|联系|地址|序号|备注|身份|单位|性别|民族|年龄|金额|时间|日期|合计|"
                        r"公示|名单|村委|社区|街道|乡镇|居委|市民|群众|高新|高新区|石家庄|万元|元整|常住|党员|党支部)")
_CJK_RUN = re.compile(r"[\u4e00-\u9fff·]{2,4}")


def _load_surnames() -> tuple[set[str], set[str]]:
    single, double = set(), set()
    path = Path(__file__).resolve().parents[1] / "data" / "surnames.txt"
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split()
        if len(parts) == 1 and len(parts[0]) > 2:
            single.update(parts[0])
        else:
            double.update(p for p in parts if len(p) == 2)
    return single, double


_SURNAMES, _DOUBLE_SURNAMES = _load_surnames()
_salt = b""


def configure(salt: str | bytes | None) -> None:
    """The per-deployment salt of the hashes of raw values (workers/pipeline.py sets it)."""
    global _salt
    _salt = salt.encode() if isinstance(salt, str) else (salt or b"")


def digest(raw: str) -> str:
    return hashlib.sha256(_salt + raw.encode()).hexdigest()


# --- validators -------------------------------------------------------------------------------------------
def _valid_date(y: int, m: int, d: int) -> bool:
    try:
        return date(y, m, d) <= date.today() and y >= 1900
    except ValueError:
        return False


def valid_id18(s: str) -> bool:
    """GB 11643: province prefix, birth date, check character."""
    if len(s) != 18 or not s[:17].isdigit() or int(s[:2]) not in _PROVINCES:
        return False
    if not _valid_date(int(s[6:10]), int(s[10:12]), int(s[12:14])):
        return False
    total = sum(int(c) * w for c, w in zip(s[:17], _ID_W))
    return _ID_CHECK[total % 11] == s[17].upper()


def valid_id15(s: str) -> bool:
    """The legacy 15-digit form: province prefix and a valid date (yyMMdd, 19yy)."""
    return (len(s) == 15 and s.isdigit() and int(s[:2]) in _PROVINCES
            and _valid_date(1900 + int(s[6:8]), int(s[8:10]), int(s[10:12])))


def luhn(s: str) -> bool:
    total = 0
    for i, c in enumerate(reversed(s)):
        n = int(c)
        if i % 2:
            n *= 2
            n -= 9 if n > 9 else 0
        total += n
    return total % 10 == 0


def plausible_card(s: str) -> bool:
    """16–19 digits, Luhn-valid, a bank-card IIN (银联 62, Visa 4, Mastercard 51–55)."""
    return (16 <= len(s) <= 19 and (s.startswith("62") or s.startswith("4") or s[:2] in ("51", "52", "53", "54", "55"))
            and luhn(s) and len(set(s)) > 3)


def mask(raw: str, kind: str) -> str:
    """The prescribed masking (永安市 2022): 138****1234, 35*************123; cards 6222********1234."""
    if kind == "mobile":
        return raw[:3] + "****" + raw[-4:]
    if kind == "card":
        return raw[:4] + "*" * (len(raw) - 8) + raw[-4:]
    return raw[:2] + "*" * (len(raw) - 5) + raw[-3:]


_ANY_LONG = re.compile(r"(?<![\dA-Za-z])1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?!\d)|\d{4}(?: \d{4}){3}(?: \d{1,3})?|\d{11,19}[Xx]?")


def mask_text(s: str) -> str:
    """A sentence for the evidence: every long number in it masked (mobile, ID and card forms)."""
    def one(m: re.Match[str]) -> str:
        raw = re.sub(r"[- ]", "", m.group(0))
        kind = "mobile" if len(raw) == 11 and raw[0] == "1" else ("card" if 16 <= len(raw) <= 19 and len(raw) != 18
                                                                   else "id")
        return mask(raw, kind)
    return _ANY_LONG.sub(one, s)


# --- scanning ---------------------------------------------------------------------------------------------
@dataclass
class Hit:
    kind: str  # id | mobile | card
    raw: str
    start: int
    end: int


_KIND_ZH = {"id": "身份证号码", "mobile": "手机号码", "card": "银行卡号"}


def scan(text: str) -> tuple[list[Hit], int]:
    """(unmasked candidates, count of masked forms) in a normalised text."""
    hits: list[Hit] = []
    taken: list[tuple[int, int]] = []

    def free(a: int, b: int) -> bool:
        return all(b <= x or a >= y for x, y in taken)

    for m in _ID18.finditer(text):
        if valid_id18(m.group(0)):
            hits.append(Hit("id", m.group(0), m.start(), m.end()))
            taken.append((m.start(), m.end()))
    for m in _ID15.finditer(text):
        if free(m.start(), m.end()) and valid_id15(m.group(0)):
            hits.append(Hit("id", m.group(0), m.start(), m.end()))
            taken.append((m.start(), m.end()))
    for m in _CARD.finditer(text):
        raw = m.group(0).replace(" ", "")
        if free(m.start(), m.end()) and plausible_card(raw):
            hits.append(Hit("card", raw, m.start(), m.end()))
            taken.append((m.start(), m.end()))
    for m in _MOBILE.finditer(text):
        if free(m.start(), m.end()):
            hits.append(Hit("mobile", "".join(m.groups()), m.start(), m.end()))
            taken.append((m.start(), m.end()))
    masked = sum(1 for m in _MASKED.finditer(text) if sum(c.isdigit() for c in m.group(0)) >= 4
                 and len(m.group(0)) in (11, 15, 16, 17, 18, 19))
    return sorted(hits, key=lambda h: h.start), masked


def person_name(row: str) -> str | None:
    """A 2–4 character Chinese name (known surname) standing on its own in a row, or None."""
    for m in _CJK_RUN.finditer(row):
        w = m.group(0)
        if (m.start() > 0 and "\u4e00" <= row[m.start() - 1] <= "\u9fff") or \
                (m.end() < len(row) and "\u4e00" <= row[m.end()] <= "\u9fff"):
            continue  # part of a longer run: not a name cell
        if _NOT_NAMES.match(w):
            continue
        if w[:2] in _DOUBLE_SURNAMES and len(w) >= 3 or w[0] in _SURNAMES:
            return w
    return None


def classify(hit: Hit, row: str) -> str:
    """fail_list (a name list row), id, card_named, card_alone, contact, account, org, bare."""
    if _ORG_CODE.search(row) and hit.kind in ("id", "card"):
        return "org"
    if hit.kind == "id":
        return "id"
    stripped = row.replace(hit.raw, " ")
    if _CONTACT.search(row) or _CONTACT_TITLE.search(stripped):
        return "contact" if hit.kind == "mobile" else ("account" if not person_name(stripped) else "card_named")
    name = person_name(stripped)
    if hit.kind == "card":
        if name:
            return "card_named"
        return "account" if _ACCOUNT.search(row) else "card_alone"
    return "named" if name else "bare"


@dataclass
class Finding:
    hit: Hit
    cls: str
    where: str
    sentence: str
    box: Box | None = None


def _rows_for_page(facts: PageFacts) -> list[tuple[str, int, Any]]:
    """The page's visible text as rows: items on one line (overlapping vertically) joined by a space."""
    items = body_items(facts)
    rows: list[tuple[str, int, Any]] = []
    cur: list[dict] = []

    def flush() -> None:
        if cur:
            rows.append((" ".join((i.get("text") or "") for i in cur), len(rows), list(cur)))
            cur.clear()
    for it in items:
        b = it.get("box")
        if cur and b and cur[-1].get("box"):
            p = cur[-1]["box"]
            same = abs((p["y"] + p["h"] / 2) - (b["y"] + b["h"] / 2)) < max(6.0, min(p["h"], b["h"]) / 2) \
                and b["x"] >= p["x"]
            if not same:
                flush()
        elif cur:
            flush()
        cur.append(it)
    flush()
    return rows


def _findings_in(rows: list[tuple[str, str, Any]]) -> tuple[list[Finding], int]:
    out, masked = [], 0
    for text, where, extra in rows:
        norm = text.translate(_FULLWIDTH)
        hits, n = scan(norm)
        masked += n
        for h in hits:
            cls = classify(h, norm)
            loc = where(h) if callable(where) else where
            out.append(Finding(h, cls, loc, mask_text(sentence(norm, h.start, h.end, 40)), extra))
    return out, masked


def _severity(group: list[Finding]) -> None:
    """Within one page or attachment: two or more named mobile rows make a list (fail); one is warn."""
    named = [f for f in group if f.cls == "named"]
    for f in group:
        f.cls = {"id": "fail", "card_named": "fail", "card_alone": "warn"}.get(f.cls, f.cls)
        if f.hit.kind == "mobile" and f.cls == "named":
            f.cls = "fail" if len(named) >= 2 else "warn"


def _cell(chunk: dict[str, Any], text: str, pos: int) -> str:
    cells = chunk.get("cells")
    if cells:
        i = text[:pos].count("\t")
        return cells[min(i, len(cells) - 1)]
    return ""


def check(facts: PageFacts, site: SiteProfile) -> CheckResult:
    groups: list[list[Finding]] = []
    masked = 0
    page_rows = [(t, "页面正文", items) for t, _i, items in _rows_for_page(facts)]
    page_findings, n = _findings_in(page_rows)
    masked += n
    for f in page_findings:  # box of the row's items: the crop is boxed and blurred
        boxes = [Box.of(i.get("box")) for i in f.box or []]
        boxes = [b for b in boxes if b]
        f.box = Box(min(b.x for b in boxes), min(b.y for b in boxes),
                    max(b.x + b.w for b in boxes) - min(b.x for b in boxes),
                    max(b.y + b.h for b in boxes) - min(b.y for b in boxes)) if boxes else None
    groups.append(page_findings)
    unassessed, checked = [], 0
    for att in getattr(facts, "attachments", None) or []:
        name = att.get("name") or att.get("url")
        if att.get("status") != "ok":
            unassessed.append(f"{name}（{att.get('error') or '未能检查'}）")
            continue
        checked += 1
        rows = []
        for ch in att.get("chunks", []):
            t = ch.get("text") or ""
            rows.append((t, (lambda h, ch=ch, t=t: f"附件 {name} {ch.get('loc', '')}"
                              + (f" 单元格 {_cell(ch, t, h.start)}" if ch.get("cells") else "")), None))
        fs, n = _findings_in(rows)
        masked += n
        groups.append(fs)
    for g in groups:
        _severity(g)
    every = [f for g in groups for f in g]
    fails = [f for f in every if f.cls == "fail"]
    warns = [f for f in every if f.cls == "warn"]
    counted = {c: sum(1 for f in every if f.cls == c) for c in ("contact", "account", "org", "bare")}
    value = {"masked": masked, "attachments_checked": checked, "attachments_unassessed": unassessed,
             "not_personal": counted,
             "hits": [{"kind": _KIND_ZH[f.hit.kind], "masked": mask(f.hit.raw, f.hit.kind),
                       "sha256": digest(f.hit.raw), "where": f.where, "sentence": f.sentence, "verdict": f.cls}
                      for f in fails + warns][:200]}
    evidence = []
    for f in (fails + warns)[:EVIDENCE_CAP]:
        note = f"{_KIND_ZH[f.hit.kind]} {mask(f.hit.raw, f.hit.kind)}（{f.where}）"
        evidence.append(EvidenceRef(note=note, box=f.box if f.where == "页面正文" else None, text=f.sentence,
                                    kind="element" if f.where == "页面正文" else "attachment", blur=True))
    if not evidence:  # where the rule looked: the page text and each attachment, with what became of it
        atts = getattr(facts, "attachments", None) or []
        evidence.append(EvidenceRef(note=f"检查范围：页面正文 {len(page_rows)} 行，附件 {len(atts)} 个", kind="region"))
        for att in atts[:EVIDENCE_CAP]:
            state = "已检查" if att.get("status") == "ok" else f"未能检查：{att.get('error') or ''}"
            evidence.append(EvidenceRef(note=f"附件 {att.get('name') or att.get('url')}", kind="attachment",
                                        text=f"{att.get('url')} {state}"))
    tail = f"；已去标识化 {masked} 处" if masked else ""
    att_note = f"；检查附件 {checked} 个" if checked else ""
    if fails:
        kinds = "、".join(dict.fromkeys(_KIND_ZH[f.hit.kind] for f in fails))
        return result(RULE, INDICATOR, Status.FAIL, f"发现 {len(fails)} 处未去标识化的个人信息（{kinds}）{tail}{att_note}",
                      value, evidence)
    if warns:
        return result(RULE, INDICATOR, Status.WARN,
                      f"发现 {len(warns)} 处疑似个人信息，需人工确认{tail}{att_note}", value, evidence)
    if unassessed:
        return result(RULE, INDICATOR, Status.NOT_ASSESSABLE,
                      f"附件未能检查：{'；'.join(unassessed[:5])}。页面正文未发现未去标识化的个人信息{tail}", value,
                      evidence)
    return result(RULE, INDICATOR, Status.PASS, f"未发现未去标识化的个人信息{tail}{att_note}", value, evidence)
