"""评测样本 as WCAG-EM (step 3) describes it: a structured sample (the home page, one page per template and
page kind, the pages where the 无障碍/适老化 entries were tried) plus a random sample of the other audited pages.

The templates are the crawl's (``auditor.crawl.url_template``). For a page run (no crawl), the sample is the
pages audited, all of them structured. The random choice is seeded by the run, so a report is reproducible.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from auditor.crawl import url_template

ENTRY_RULES = frozenset({"a11y.entry", "elderly.entry"})
RANDOM_SHARE = 0.1  # WCAG-EM suggests a random sample of about 10 % of the structured one


@dataclass(frozen=True)
class AuditedPage:
    url: str
    kind: str | None
    title: str | None
    rules: frozenset[str]  # the rules that ran on the page
    error: str | None = None


@dataclass(frozen=True)
class SamplePage:
    url: str
    kind: str | None
    title: str | None
    template: str
    reason: str  # why it is in the sample (Chinese)


@dataclass
class Sample:
    structured: list[SamplePage] = field(default_factory=list)
    random: list[SamplePage] = field(default_factory=list)
    excluded: list[SamplePage] = field(default_factory=list)  # audited, not in the sample
    failed: list[SamplePage] = field(default_factory=list)  # could not be audited
    method: str = ""

    @property
    def urls(self) -> list[str]:
        return [p.url for p in self.structured + self.random]


def _is_home(p: AuditedPage, first: bool) -> bool:
    return p.kind == "home" or (first and urlsplit(p.url).path in ("", "/"))


def build_sample(pages: list[AuditedPage], run_kind: str, seed: int, random_share: float = RANDOM_SHARE,
                 all_pages: bool = False) -> Sample:
    """The sample of a run's audited pages (in the order they were audited). ``all_pages``: the pages left out
    of the random sample count too (listed in the structured sample, said so), for an evaluator who wants
    every audited page in the results."""
    out = Sample()
    ok = [p for p in pages if not p.error]
    out.failed = [SamplePage(p.url, p.kind, p.title, url_template(p.url), f"未能检查：{p.error}")
                  for p in pages if p.error]
    if run_kind != "site":
        out.structured = [SamplePage(p.url, p.kind, p.title, url_template(p.url), "所检查的页面") for p in ok]
        out.method = "页面检查：样本即所检查的全部页面"
        return out
    seen_types: set[tuple[str, str | None]] = set()
    rest: list[AuditedPage] = []
    for i, p in enumerate(ok):
        tpl = url_template(p.url)
        reasons = []
        if _is_home(p, i == 0):
            reasons.append("首页")
        if p.rules & ENTRY_RULES:
            reasons.append("无障碍/适老化入口页面")
        if (tpl, p.kind) not in seen_types:
            reasons.append(f"模板代表页（{p.kind or '其他'}）")
        seen_types.add((tpl, p.kind))
        if reasons:
            out.structured.append(SamplePage(p.url, p.kind, p.title, tpl, "；".join(reasons)))
        else:
            rest.append(p)
    k = min(len(rest), max(1, math.ceil(len(out.structured) * random_share))) if rest else 0
    chosen = set(random.Random(seed).sample(range(len(rest)), k)) if k else set()
    n_structured = len(out.structured)
    for i, p in enumerate(rest):
        if i in chosen:
            out.random.append(SamplePage(p.url, p.kind, p.title, url_template(p.url), "随机抽取"))
        elif all_pages:
            out.structured.append(SamplePage(p.url, p.kind, p.title, url_template(p.url), "全部已检查页面计入"))
        else:
            out.excluded.append(SamplePage(p.url, p.kind, p.title, url_template(p.url), "未抽中（同模板已有代表页）"))
    out.method = (f"结构化样本 {n_structured} 页（首页、每种模板与页面类型各一页、入口页面），"
                  f"随机样本 {len(out.random)} 页（其余 {len(rest)} 页中按结构化样本的 {random_share:.0%} 随机抽取，"
                  f"种子为检查批次编号 {seed}）")
    if all_pages and rest:
        out.method += "；其余已检查页面也计入结论"
    return out


__all__ = ["AuditedPage", "SamplePage", "Sample", "build_sample", "RANDOM_SHARE"]
