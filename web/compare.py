"""对比 two runs of a site, grouped by 检查指标 with the counts 新增 / 已整改 / 仍存在 / 未复查 per group, and filtered by
the change (`status`), the indicator (`rule`) and the page kind (`kind`) through query parameters.

The matching itself is auditor/store/findings.compare_runs (by fingerprint). Groups are collapsed and show a few
rows each; one indicator's full list is paged, so a site with a thousand findings is still a short page.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for

from auditor.store import findings as fq
from web.context import me, store
from web.helpers import KIND_ZH
from web.params import BadParam, int_arg

STATES = {"new": "新增", "fixed": "已整改", "still": "仍存在", "unchecked": "未复查"}
SITE_KIND = "site"  # findings about the whole site (栏目不更新 …), not one page
KINDS = {**KIND_ZH, SITE_KIND: "网站级"}
GROUP_ROWS = 5  # rows shown in a collapsed group before «查看本组全部»
PAGE_SIZE = 50  # rows per page when one indicator is chosen


@dataclass
class Row:
    state: str
    finding: fq.Finding
    kind: str


@dataclass
class Group:
    indicator: str
    rows: list[Row] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  # per state, of every row (also those not shown)
    total: int = 0

    def close(self) -> "Group":
        self.counts = {s: sum(1 for r in self.rows if r.state == s) for s in STATES}
        self.total = len(self.rows)
        return self

    @property
    def order(self) -> tuple[int, int, str]:
        # What got worse first, then what is still there.
        return (-self.counts["new"], -self.counts["still"], self.indicator)


def _choice(name: str, allowed: dict[str, str]) -> str | None:
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None
    if raw not in allowed:
        abort(400, f"参数 {name} 的取值无效：{raw[:40]}（可选 {' / '.join(allowed)}）")
    return raw


def _rows(cmp: fq.Comparison) -> list[Row]:
    kinds: dict[int, str] = {}
    for run_id in (cmp.a.id, cmp.b.id):
        kinds.update({p.id: p.kind or "other" for p in fq.pages_of_run(store(), run_id)})

    def kind(f: fq.Finding) -> str:
        return SITE_KIND if f.level == "site" else kinds.get(f.page_id or 0, "other")

    pairs = [("new", f) for f in cmp.new] + [("fixed", f) for f in cmp.fixed] + \
        [("still", b) for _, b in cmp.still] + [("unchecked", f) for f in cmp.unchecked]
    return [Row(state, f, kind(f)) for state, f in pairs]


def compare_page(site: fq.SiteInfo) -> Any:
    runs = fq.runs_of_site(store(), site.id)
    ids = {r.id for r in runs}
    try:
        a, b = int_arg(request.args, "a"), int_arg(request.args, "b")
        page = int_arg(request.args, "page") or 1
    except BadParam as exc:
        abort(400, str(exc))
    if a is None or b is None:
        pair = fq.default_pair(runs)  # the two latest official runs, else the two latest
        if pair is None:
            flash("至少需要两次检查才能对比", "error")
            return redirect(url_for("sites.show", site_id=site.id))
        a, b = pair
    if a not in ids or b not in ids:
        abort(404)
    why = fq.compare_refusal(a, b)
    if why:
        abort(400, why)
    state, kind = _choice("status", STATES), _choice("kind", KINDS)
    rule = (request.args.get("rule") or "").strip()[:200] or None
    cmp = fq.compare_runs(store(), me().scope, a, b)
    if cmp is None:
        abort(404)
    rows = _rows(cmp)
    totals = {s: sum(1 for r in rows if r.state == s) for s in STATES}
    indicators = sorted({r.finding.indicator for r in rows})
    shown = [r for r in rows if (state is None or r.state == state) and (kind is None or r.kind == kind)
             and (rule is None or r.finding.indicator == rule)]
    groups: dict[str, Group] = {}
    for r in shown:
        groups.setdefault(r.finding.indicator, Group(r.finding.indicator)).rows.append(r)
    ordered = sorted((g.close() for g in groups.values()), key=lambda g: g.order)
    pages = 1
    if rule is not None and ordered:
        # One indicator chosen: its whole list, paged.
        g = ordered[0]
        pages = max(1, -(-len(g.rows) // PAGE_SIZE))
        if page > pages:
            abort(404)
        g.rows = g.rows[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
    params = {"a": a, "b": b, "status": state, "kind": kind, "rule": rule}
    return render_template("compare.html", site=site, runs=runs, cmp=cmp, totals=totals, groups=ordered,
                           states=STATES, kinds=KINDS, indicators=indicators, shown=len(shown),
                           flt={"status": state, "kind": kind, "rule": rule}, params=params,
                           page=page, pages=pages, group_rows=GROUP_ROWS)
