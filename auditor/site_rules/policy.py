"""政策解读关联 (policy.interpretation, policy.interpretation_ratio): sampled 政策文件 of the site, each with its link to
a 解读 and the 解读 page's link back — pure rules over facts the worker gathers (workers/site_extra2.py).

19号 扣分指标 发布解读 (spec §1.3, D1.6 in indicators_19.toml, confidence partial): «解读比例未达到相关要求»、«解读稿未与
政策原文做好双向关联». The required ratio was not found in an official text (❓): it is the setting
``policy_interpretation_ratio`` and a ratio below it is a `warn` for a person, never a `fail`.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from auditor.models import CheckResult, Status
from auditor.rules.meta import RuleMeta

META_LINK = RuleMeta(
    id="policy.interpretation", indicator="政策解读-解读关联", scope="site", key="D1.6b", group="D1",
    pass_title="政策文件与解读双向关联", fail_title="解读稿未与政策原文做好双向关联",
    fix="政策文件页面链接到它的解读，解读页面链接回政策原文（双向关联）。",
    facts=("site.policy_docs",),
    description="从政策文件栏目抽取 N 篇（`policy_sample`）：文件页上链接文字含«解读»的链接即其解读，打开解读页找回到原文的"
                "链接（同一网址或文字为原文标题）。有解读而解读页没有回链 fail；解读页无法打开 not_assessable（写明网址和错误）；"
                "抽到的文件都没有解读时 not_assessable（无可判断的关联）。证据：文件 → 解读 → 回链 对照表。",
)
META_RATIO = RuleMeta(
    id="policy.interpretation_ratio", indicator="政策解读-解读比例", scope="site", key="D1.6a", group="D1",
    pass_title="抽查的政策文件有解读的比例达到要求", fail_title="抽查的政策文件有解读的比例偏低",
    fix="重要政策文件应同步发布解读，并在文件页面链接到解读。",
    facts=("site.policy_docs",),
    description="抽查的政策文件中链接了解读的比例；低于 `policy_interpretation_ratio`（默认0.5，❓ 未找到官方比例）为 warn，"
                "由人复核；未找到政策文件栏目或抽不到文件为 not_assessable。",
)
METAS = (META_LINK, META_RATIO)

# A link whose words name it a 解读 of the page it stands on (图解, 政策解读, 解读：…, 一图读懂).
INTERPRETATION_RE = re.compile(r"解读|一图读懂|图解")


@dataclass
class PolicyDoc:
    """One sampled 政策文件 and what following its 解读 link showed."""
    url: str
    title: str
    error: str | None = None              # the document page could not be loaded (reason)
    interpretation_url: str | None = None
    interpretation_text: str = ""
    interpretation_error: str | None = None  # the 解读 page could not be loaded: host and error
    back_link: bool | None = None         # None: not known (no 解读, or it could not be loaded)
    back_href: str | None = None


@dataclass
class PolicyFacts:
    column_name: str | None               # the 政策文件 column sampled from (None: none found)
    column_url: str | None
    docs: list[PolicyDoc] = field(default_factory=list)
    sample: int = 5


def _table(facts: PolicyFacts) -> dict[str, Any]:
    return {"column": facts.column_name, "column_url": facts.column_url, "sample": facts.sample,
            "rows": [asdict(d) for d in facts.docs]}


def check_ratio(facts: PolicyFacts, min_ratio: float = 0.5) -> CheckResult:
    """解读比例 of the sampled documents that could be opened."""
    rid, ind = META_RATIO.id, META_RATIO.indicator
    value = _table(facts)
    if facts.column_url is None:
        return CheckResult(rid, Status.NOT_ASSESSABLE, ind, "未找到政策文件栏目，未抽查政策解读", value)
    opened = [d for d in facts.docs if d.error is None]
    if not opened:
        why = "；".join(f"{d.url}：{d.error}" for d in facts.docs[:3]) or "栏目中没有文件条目"
        return CheckResult(rid, Status.NOT_ASSESSABLE, ind, f"政策文件栏目“{facts.column_name}”中未能抽到可打开的文件（{why}）",
                           value)
    linked = [d for d in opened if d.interpretation_url]
    ratio = len(linked) / len(opened)
    value.update(opened=len(opened), linked=len(linked), ratio=round(ratio, 3), min_ratio=min_ratio)
    msg = f"抽查政策文件栏目“{facts.column_name}”的{len(opened)}篇文件，{len(linked)}篇链接了解读（{ratio:.0%}）"
    if ratio >= min_ratio:
        return CheckResult(rid, Status.PASS, ind, msg, value)
    return CheckResult(rid, Status.WARN, ind, f"{msg}，低于{min_ratio:.0%}（该比例要求未经核实，需人工复核）", value)


def check_links(facts: PolicyFacts) -> CheckResult:
    """双向关联: each 解读 that a sampled document links to should link back to the document."""
    rid, ind = META_LINK.id, META_LINK.indicator
    value = _table(facts)
    if facts.column_url is None:
        return CheckResult(rid, Status.NOT_ASSESSABLE, ind, "未找到政策文件栏目，未检查解读关联", value)
    with_interp = [d for d in facts.docs if d.error is None and d.interpretation_url]
    judged = [d for d in with_interp if d.interpretation_error is None]
    unreachable = [d for d in with_interp if d.interpretation_error is not None]
    missing = [d for d in judged if not d.back_link]
    value.update(with_interpretation=len(with_interp), back_linked=len(judged) - len(missing),
                 missing_back_link=[d.interpretation_url for d in missing],
                 unreachable=[{"url": d.interpretation_url, "error": d.interpretation_error} for d in unreachable])
    if missing:
        shown = "；".join(f"“{d.title[:30]}”的解读 {d.interpretation_url}" for d in missing[:3])
        return CheckResult(rid, Status.FAIL, ind,
                           f"{len(with_interp)}篇有解读的政策文件中，{len(missing)}篇的解读页没有链接回政策原文：{shown}",
                           value)
    if unreachable:
        d = unreachable[0]
        return CheckResult(rid, Status.NOT_ASSESSABLE, ind,
                           f"本次检查无法打开解读页 {d.interpretation_url}（{d.interpretation_error}），未能核对回链"
                           + (f"；其余{len(judged)}篇均有回链" if judged else ""), value)
    if not judged:
        return CheckResult(rid, Status.NOT_ASSESSABLE, ind,
                           f"抽查的{len([d for d in facts.docs if d.error is None])}篇政策文件都没有链接解读，无可核对的双向关联",
                           value)
    return CheckResult(rid, Status.PASS, ind, f"{len(judged)}篇有解读的政策文件，解读页均链接回政策原文", value)
