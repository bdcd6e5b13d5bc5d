"""content.wording — 严重表述错误 and 错别字 in fixed expressions (国名、国家机构名称、领导人姓名/职务、政治表述、地名).

Only known WRONG variants are matched, from a data file (auditor/data/wording.tsv, plus a province's own files
given with ``--wording`` / ``wording_files``); a correct form is never searched for. Plain string matching
(one alternation, longest variant first) rather than word segmentation: the variants are multi-character strings
that do not occur in correct text, a segmenter splits a misspelt word into single characters (so its boundaries
would drop true hits), and the few variants that can sit inside a correct longer word carry their legitimate
contexts in the data file (e.g. «党史教育» in «党史教育基地»).

Kept out: the footer band (boilerplate: 主办单位、版权、备案), the site's and the sponsor's names, phrases on the
file's ``@allow`` lines, and text in quotes that the page itself marks as an error («将“X”误写为“Y”»).
Serious categories give ``fail`` (严重表述错误 is a 单项否决 item); 常见混淆 and entries marked ``warn`` give
``warn`` for a person to confirm.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from auditor.config import ConfigError
from auditor.models import CheckResult, EvidenceRef, PageFacts, SiteProfile, Status
from auditor.rules._common import result
from auditor.rules._content_common import body_items, footer_top, join, sentence
from auditor.rules.content_pii import mask_text
from auditor.rules.meta import RuleMeta

META = RuleMeta(
    id="content.wording",
    indicator="严重表述错误（固定表述、错别字）",
    pass_title="未发现词表中的错误写法",
    fail_title="页面有严重表述错误",
    fix="按规范写法改正页面中的国名、机构名称、领导人姓名职务、政治表述和地名，并建立发布前的审校流程。",
    facts=("probe.bodyTexts", "probe.text", "probe.footer", "attachments"),
    key="V1",
    group="V",
    description=("**pass** when no known wrong variant of a fixed expression in the page text (footer band, "
                 "site/sponsor names, quoted errors kept out); **fail** when a wrong variant of a serious category "
                 "(国名, 国家机构名称, 政治表述, 领导人姓名/职务, 地名): 严重表述错误 is a **单项否决** item; **warn** when only generic confusion "
                 "pairs (截止目前/截至目前, 布署/部署 …) or entries marked `warn`: for a person to confirm"),
)
RULE = META.id
INDICATOR = META.indicator
DEFAULT_FILE = Path(__file__).resolve().parents[1] / "data" / "wording.tsv"
CATEGORIES = ("国名", "国家机构名称", "政治表述", "领导人姓名", "领导人职务", "地名", "常见混淆")
SEVERITIES = ("fail", "warn")
EVIDENCE_CAP = 20

# A quotation the page itself marks as an error: «将“X”误写为“Y”», «“Y”应为“X”», «更正：…».
_QUOTE = re.compile(r"[“「『\"']([^”」』\"'\n]{1,60})[”」』\"']")
_ERROR_MARK = re.compile(r"误写|错写|误作|误为|错为|笔误|勘误|更正|应为|错别字|写错|错误表述|纠正|改为|修改为")


class WordingError(ConfigError):
    """A wording file could not be read; the message names the file, the line and what is wrong."""


@dataclass(frozen=True)
class Entry:
    wrong: str
    correct: str
    category: str
    severity: str
    allow: tuple[str, ...] = ()
    file: str = ""
    line: int = 0


@dataclass
class Dictionary:
    entries: dict[str, Entry] = field(default_factory=dict)
    allow: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    _re: re.Pattern[str] | None = None

    def pattern(self) -> re.Pattern[str] | None:
        if self._re is None and self.entries:
            words = sorted(self.entries, key=len, reverse=True)
            self._re = re.compile("|".join(re.escape(w) for w in words))
        return self._re


def _parse(path: Path, into: Dictionary) -> None:
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise WordingError(f"词表文件不存在：{path}") from None
    except UnicodeDecodeError:
        raise WordingError(f"词表文件不是 UTF-8 编码：{path}") from None
    except OSError as exc:
        raise WordingError(f"无法读取词表文件 {path}：{exc}") from None
    for no, line in enumerate(raw.splitlines(), 1):
        where = f"{path} 第 {no} 行"
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cols = [c.strip() for c in line.split("\t")]
        if cols[0] == "@allow":
            if len(cols) < 2 or not cols[1]:
                raise WordingError(f"{where}：@allow 后须有放行短语")
            into.allow.append(cols[1])
            continue
        if len(cols) < 4:
            raise WordingError(f"{where}：应有至少 4 列（错误写法、正确写法、类别、级别，以 Tab 分隔），实际 {len(cols)} 列")
        wrong, correct, category, severity = cols[:4]
        if len(wrong) < 2:
            raise WordingError(f"{where}：错误写法至少 2 个字：{wrong!r}")
        if not correct:
            raise WordingError(f"{where}：缺少正确写法")
        if wrong == correct:
            raise WordingError(f"{where}：错误写法与正确写法相同：{wrong}")
        if category not in CATEGORIES:
            raise WordingError(f"{where}：类别 {category!r} 无效（可选：{'、'.join(CATEGORIES)}）")
        if severity not in SEVERITIES:
            raise WordingError(f"{where}：级别 {severity!r} 无效（可选：fail、warn）")
        allow = tuple(a.strip() for a in (cols[4].split(",") if len(cols) > 4 and cols[4] else []) if a.strip())
        for a in allow:
            if wrong not in a:
                raise WordingError(f"{where}：合法上下文 {a!r} 不包含错误写法 {wrong!r}")
        if wrong in into.entries and into.entries[wrong].file == f"{path}":
            raise WordingError(f"{where}：错误写法 {wrong!r} 重复（第 {into.entries[wrong].line} 行已有）")
        # an entry of a later file (a province's own) overrides an earlier one
        into.entries[wrong] = Entry(wrong, correct, category, severity, allow, f"{path}", no)


def _check_consistency(d: Dictionary) -> None:
    """A wrong variant that occurs inside a correct form would flag correct text: refuse the file, unless that
    occurrence is one of the entry's legitimate contexts."""
    corrects = {e.correct: e for e in d.entries.values()}
    for e in d.entries.values():
        for c, owner in corrects.items():
            start = c.find(e.wrong)
            while start >= 0:
                if not _allowed_at(c, start, e):
                    raise WordingError(f"{e.file} 第 {e.line} 行：错误写法 {e.wrong!r} 是正确写法 {c!r}（{owner.file} 第 "
                                       f"{owner.line} 行）的一部分，会误报正确文字；请删去该行或写明合法上下文")
                start = c.find(e.wrong, start + 1)


def load(files: list[str] | tuple[str, ...] = ()) -> Dictionary:
    """The built-in file, then each extra file in order (later entries override earlier ones)."""
    d = Dictionary()
    for f in [str(DEFAULT_FILE), *files]:
        _parse(Path(f), d)
        d.files.append(str(f))
    _check_consistency(d)
    return d


_active: tuple[tuple[str, ...], Dictionary] | None = None


def use(files: list[str] | tuple[str, ...] = ()) -> Dictionary:
    """Load (once per set of files) the dictionary the rule uses; raises WordingError on a bad file."""
    global _active
    key = tuple(files)
    if _active is None or _active[0] != key:
        _active = (key, load(key))
    return _active[1]


def _allowed_at(text: str, start: int, e: Entry) -> bool:
    for ctx in e.allow:
        j = ctx.find(e.wrong)
        while j >= 0:
            a = start - j
            if a >= 0 and text[a:a + len(ctx)] == ctx:
                return True
            j = ctx.find(e.wrong, j + 1)
    return False


def _blank(text: str, phrases: list[str]) -> str:
    """Phrases kept out (the site's and the sponsor's names, @allow lines) replaced by same-length filler, so
    offsets stay put."""
    for p in sorted({p for p in phrases if p and len(p) >= 2}, key=len, reverse=True):
        text = text.replace(p, "\u25a1" * len(p))
    return text


def _quoted_errors(text: str) -> list[tuple[int, int]]:
    """Spans inside quotes in a sentence that says the quoted text is an error."""
    spans = []
    for m in _QUOTE.finditer(text):
        s = sentence(text, m.start(), m.end(), limit=40)
        if _ERROR_MARK.search(s):
            spans.append((m.start(1), m.end(1)))
    return spans


def find(text: str, d: Dictionary, keep_out: list[str] = ()) -> tuple[list[tuple[int, int, Entry]], int]:
    """(hits as (start, end, entry), how many were skipped as quoted errors) in a plain text."""
    pat = d.pattern()
    if pat is None:
        return [], 0
    text = _blank(text, [*d.allow, *keep_out])
    quoted = _quoted_errors(text)
    hits, skipped = [], 0
    for m in pat.finditer(text):
        e = d.entries[m.group(0)]
        if _allowed_at(text, m.start(), e):
            continue
        if any(a <= m.start() and m.end() <= b for a, b in quoted):
            skipped += 1
            continue
        hits.append((m.start(), m.end(), e))
    return hits, skipped


def _sponsor_names(facts: PageFacts, site: SiteProfile) -> list[str]:
    names = [site.name or "", site.sponsor or ""]
    for t in facts.probe.footer.texts:
        m = re.search(r"主\s*办\s*(?:单\s*位)?\s*[:：]\s*([^\s|｜,，。;；:：]{2,40})", t.get("text") or "")
        if m:
            names.append(m.group(1))
    return names


def check(facts: PageFacts, site: SiteProfile) -> CheckResult:
    d = use(_active[0] if _active else ())
    ft = footer_top(facts)
    items = [it for it in body_items(facts)
             if ft is None or not it.get("box") or it["box"]["y"] < ft]  # footer boilerplate kept out
    page = join(items, sep="\n")
    # Match across text nodes (a word split by inline markup), then map back to the page text, whose line breaks
    # between items bound the sentence shown.
    index = [i for i, ch in enumerate(page.text) if ch != "\n"]
    compact = "".join(page.text[i] for i in index)
    hits, skipped = find(compact, d, _sponsor_names(facts, site))
    found, evidence = [], []
    for cs, ce, e in hits:
        start, end = index[cs], index[ce - 1] + 1
        ctx = mask_text(sentence(page.text, start, end))  # a sentence may carry personal data too
        found.append({"wrong": e.wrong, "correct": e.correct, "category": e.category, "severity": e.severity,
                      "sentence": ctx})
        if len(evidence) < EVIDENCE_CAP:
            evidence.append(EvidenceRef(note=f"«{e.wrong}» 应为 «{e.correct}»（{e.category}）",
                                        box=page.box(start, end), text=ctx))
    value = {"hits": found, "quoted_skipped": skipped, "entries": len(d.entries)}
    if not found:
        extra = f"（{skipped} 处为页面自身引用的错误写法，已放行）" if skipped else ""
        scope = EvidenceRef(note=f"检查范围：页面正文 {len(compact)} 字（底部功能区除外），词表 {len(d.entries)} 条",
                            kind="region", text=mask_text(compact[:200]) or None)
        return result(RULE, INDICATOR, Status.PASS, f"未发现词表中的 {len(d.entries)} 种错误写法{extra}", value,
                      [scope])
    serious = [h for h in found if h["severity"] == "fail"]
    listed = "；".join(f"«{h['wrong']}»应为«{h['correct']}»" for h in (serious or found)[:5])
    if serious:
        return result(RULE, INDICATOR, Status.FAIL,
                      f"发现 {len(serious)} 处严重表述错误（单项否决项）：{listed}", value, evidence)
    return result(RULE, INDICATOR, Status.WARN, f"发现 {len(found)} 处疑似错别字，需人工确认：{listed}", value, evidence)
