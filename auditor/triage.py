"""分组审核 — findings grouped for review at scale: by rule, then by the element or the page template.

One #777 contrast problem in a template's footer is the same finding on every page built from that template;
a reviewer judges it once. Within a rule (and a site), findings are grouped by, in this order:

- **element** (同一元素): the SHA-256 of the HTML snippet the rule kept as evidence — the same markup on many pages;
- **template** (同一模板): the page URL's template (``auditor.crawl.url_template``: numbers replaced), for findings
  without a snippet, e.g. an item missing from the footer of every article page;
- **site** (站点级): site-level findings of the rule (e.g. 栏目不更新), one group.

Groups are ordered as the run page orders indicators (``auditor.scoring.priority``): fails before warnings, then
what costs the site most under 19号 (单项否决 first), then the number of pages. Pure: items in, groups out.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Callable, Iterable

from auditor.crawl import url_template
from auditor.scoring.priority import priority

BASIS_ZH = {"element": "同一元素", "template": "同一页面模板", "site": "站点级"}


@dataclass(frozen=True)
class Item:
    """One finding as the grouping reads it."""
    ref: str
    rule: str
    indicator: str
    status: str  # fail | warn
    site: str  # the site it belongs to (id or origin): groups never span sites
    page_url: str | None  # None for a site-level finding
    element: str = ""  # SHA-256 of its HTML snippet evidence, "" when it has none
    review: str = "unreviewed"  # unreviewed | false_positive | confirmed


@dataclass
class Group:
    key: str  # stable id of the group (rule, site, basis, value), safe in a URL
    rule: str
    indicator: str
    basis: str  # element | template | site
    basis_value: str  # the snippet hash, the URL template, or ""
    items: list[Item] = field(default_factory=list)
    weight: float = 0.0

    @property
    def status(self) -> str:
        return "fail" if any(i.status == "fail" for i in self.items) else "warn"

    @property
    def pages(self) -> int:
        return len({i.page_url for i in self.items if i.page_url})

    @property
    def unreviewed(self) -> int:
        return sum(1 for i in self.items if i.review == "unreviewed")

    @property
    def refs(self) -> list[str]:
        return [i.ref for i in self.items]

    @property
    def basis_zh(self) -> str:
        return BASIS_ZH[self.basis]


def basis_of(item: Item) -> tuple[str, str]:
    """What makes findings of one rule the same: their element, else their page's template, else the site."""
    if item.page_url is None:
        return "site", ""
    if item.element:
        return "element", item.element
    return "template", url_template(item.page_url)


def group_key(rule: str, site: str, basis: str, value: str) -> str:
    return hashlib.sha256("\x1f".join((rule, site, basis, value)).encode("utf-8")).hexdigest()[:20]


def sort_key(g: Group) -> tuple[object, ...]:
    return (*priority(g.status, g.weight), -len(g.items), g.rule, g.basis_value)


def _natural(text: str) -> tuple[object, ...]:
    # /art/2.html before /art/10.html: numbers compare as numbers.
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", text))


def group_findings(items: Iterable[Item], weight: Callable[[str], float]) -> list[Group]:
    """The items grouped (rule, site, basis) and ordered (see the module docstring); each group's items by page."""
    groups: dict[str, Group] = {}
    for it in items:
        basis, value = basis_of(it)
        key = group_key(it.rule, it.site, basis, value)
        g = groups.get(key)
        if g is None:
            g = groups[key] = Group(key, it.rule, it.indicator, basis, value, weight=weight(it.rule))
        g.items.append(it)
    for g in groups.values():
        g.items.sort(key=lambda i: (_natural(i.page_url or ""), i.ref))
    return sorted(groups.values(), key=sort_key)


def next_open(groups: list[Group], after: str | None) -> Group | None:
    """The group to open after reviewing ``after``: that group while it still has unreviewed items, else the next
    one in order with unreviewed items (wrapping round), else None (all reviewed)."""
    keys = [g.key for g in groups]
    start = keys.index(after) if after in keys else 0
    for g in groups[start:] + groups[:start]:
        if g.unreviewed:
            return g
    return None


def fix_guidance(rule: str, indicator: str, index: dict[str, object] | None = None) -> str:
    """如何整改: the rule's ``META.fix`` when its module declares one (``auditor.rules.meta.RuleMeta``), else a line
    naming the indicator. Read defensively: not every rule module declares META yet."""
    metas = _metas() if index is None else index
    meta = metas.get(rule)
    if meta is None:  # a family of ids ("a11y.<axe rule>", "a11y.*"): the longest prefix that matches
        meta = next((metas[p] for p in sorted(metas, key=len, reverse=True)
                     if p.endswith("\x00") and rule.startswith(p[:-1])), None)
    fix = getattr(meta, "fix", None) if meta is not None else None
    if isinstance(fix, str) and fix.strip():
        return fix.strip()
    return f"请对照检查指标「{indicator}」的要求整改，整改后可在下次检查中核验。"


def meta_index(metas: Iterable[object]) -> dict[str, object]:
    """RuleMeta declarations by rule id and by the further ids they name; a pattern among those
    ("a11y.<axe rule>", "a11y.*") is kept as its prefix with a NUL mark (no rule id contains one)."""
    out: dict[str, object] = {}
    for meta in metas:
        rid = getattr(meta, "id", None)
        if not isinstance(rid, str):
            continue
        out.setdefault(rid, meta)
        for extra in getattr(meta, "extra_ids", ()) or ():
            if not isinstance(extra, str):
                continue
            cut = min((i for i in (extra.find("<"), extra.find("*")) if i >= 0), default=-1)
            out.setdefault(extra if cut < 0 else extra[:cut] + "\x00", meta)
    return out


_META_CACHE: dict[str, object] = {}


def _metas() -> dict[str, object]:
    """Every RuleMeta the rule registry's modules declare (read once)."""
    if not _META_CACHE:
        from types import ModuleType

        import auditor.rules as registry

        found: list[object] = [getattr(r, "meta", None) for r in getattr(registry, "RULES", [])]
        found += [getattr(m, "META", None) for m in vars(registry).values() if isinstance(m, ModuleType)]
        _META_CACHE.update(meta_index(found))
    return _META_CACHE
