"""分组审核 and 先整改: review at scale, and what a site owner fixes first.

- ``GET /review`` (admin, auditor): the findings of the filter (as ``/findings``) grouped by rule, then by element or
  page template (``auditor.triage``), most costly first, one group open with its rows and an example crop.
- ``POST /review/bulk``: 误报 / 确认 on the whole open group or on the selected rows, with one reason, in one
  transaction (``auditor.store.reviews.add_reviews``); then the next group with unreviewed findings opens.
- ``GET /fix-first`` (every role; owners are sent here): 先整改 — the site's official result ranked the same way,
  with a line of guidance per rule, the owner's own self-check beside it, and the «已整改» answers with what the
  runs after them found.
- ``POST /fix-first/fixed`` (owners): «已整改» on one finding, the selected ones or a whole group.

Bad input answers a Chinese 400 (the page again, as filled in, with the message), never a 500.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping
from urllib.parse import urlencode

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from auditor.scoring import Table, load_table
from auditor.scoring.priority import is_veto, rule_weight
from auditor.store import findings as fq
from auditor.store.reviews import MAX_REASON, VERDICTS, ReviewError, Target, add_reviews
from auditor.store.triage import EvidenceKeys, claim_fixed, review_items, site_claims, verify_in_run, verify_latest
from auditor.triage import Group, fix_guidance, group_findings, next_open
from web.context import me, settings, store
from web.helpers import evidence_path, read_text
from web.params import BadParam, finding_filter, int_arg, valid_ref

bp = Blueprint("triage", __name__)
MAX_ROWS = 500  # rows shown in an open group; group actions still cover every finding of the group
MAX_REFS = 5000
_KEY = re.compile(r"[0-9a-f]{20}")
ACTIONS = {"group-false_positive": ("group", "false_positive"), "group-confirmed": ("group", "confirmed"),
           "rows-false_positive": ("rows", "false_positive"), "rows-confirmed": ("rows", "confirmed")}
FILTER_KEYS = ("site_id", "run_id", "indicator", "status", "all_runs")


@dataclass
class Grouped:
    groups: list[Group]
    by_ref: dict[str, fq.Finding]
    examples: dict[str, EvidenceKeys]
    tags: dict[str, str]  # rule -> «单项否决 V1» / «扣分 D4.2 · 1 分» / ""

    @property
    def multi_site(self) -> bool:
        """Whether the groups come from more than one site (then each names its site)."""
        return len({f.site_id or f.site_url for f in self.by_ref.values()}) > 1

    def group(self, key: str | None) -> Group | None:
        return next((g for g in self.groups if g.key == key), None)

    def crop(self, g: Group) -> int | None:
        """The group's example picture: the first finding's crop that exists."""
        return next((k.crop_id for k in (self.examples.get(r) for r in g.refs) if k and k.crop_id), None)

    def snippet(self, g: Group) -> str | None:
        """The element's HTML (one of the group's snippets, all equal for an element group), shown escaped."""
        eid = next((k.html_id for k in (self.examples.get(r) for r in g.refs) if k and k.html_id), None)
        got = fq.evidence_site(store(), eid) if eid else None
        path = evidence_path(settings().evidence_dir, got[0].path) if got else None
        return read_text(path)[:2000] if path else None

    def first(self, g: Group) -> fq.Finding:
        return self.by_ref[g.refs[0]]


NOT_SITE_FIXABLE = "非网站可整改"  # the message prefix of findings only on a national service's markup (a11y_axe)


def grouped(flt: fq.FindingFilter, *, to_fix: bool = False) -> Grouped:
    """The findings of the filter, grouped and ranked, in the user's scope. ``to_fix``: only what the site owner
    has to fix — no 误报, nothing «非网站可整改»."""
    found, _ = fq.list_findings(store(), me().scope, flt)
    if to_fix:
        found = [f for f in found
                 if f.review_state != "false_positive" and not f.message.startswith(NOT_SITE_FIXABLE)]
    items, examples = review_items(store(), found)
    table = load_table()
    groups = group_findings(items, lambda rule: rule_weight(table, rule))
    tags = {g.rule: weight_tag(table, g.rule) for g in groups}
    return Grouped(groups, {f.ref: f for f in found}, examples, tags)


def weight_tag(table: Table, rule: str) -> str:
    """What the rule costs under 19号, in a few words: «单项否决 V2», «扣分 D4.2 · 1 分/处», or "" (not scored)."""
    if is_veto(table, rule):
        return "单项否决 " + "、".join(i.id for i in table.for_finding(rule, None) if i.kind == "veto")
    ind = max((i for i in table.for_finding(rule, None) if i.kind == "deduct"), key=lambda i: i.points or 0.0,
              default=None)
    if ind is None or not ind.points:
        return ""
    return f"扣分 {ind.id} · {ind.points:g} 分{'/处' if ind.per_instance else ''}"


def _filter(args: Mapping[str, str]) -> tuple[fq.FindingFilter, dict[str, str]]:
    try:
        flt = finding_filter(args)
    except BadParam as exc:
        abort(400, str(exc))
    flt.review = None  # groups show every review state, with counts
    query = {k: args[k] for k in FILTER_KEYS if args.get(k)}
    return flt, query


def _review_page(flt: fq.FindingFilter, query: dict[str, str], key: str | None, code: int = 200,
                 reason: str = "") -> Any:
    data = grouped(flt)
    # The group asked for; else (none asked, or it changed) the first with unreviewed findings; else the first.
    open_g = (data.group(key) if key else None) or next_open(data.groups, None) or \
        (data.groups[0] if data.groups else None)
    run = fq.get_run(store(), flt.run_id, me().scope) if flt.run_id else None
    site = fq.get_site(store(), run.site_id) if run and run.site_id else None
    verified = verify_in_run(store(), me().scope, run, site.url if site else (run.site_url or "")) if run else []
    sites = fq.visible_sites(store(), me().scope)
    runs = fq.runs_of_site(store(), flt.site_id, 50) if flt.site_id and me().may_see_site(flt.site_id) else []
    return render_template("review.html", data=data, open_g=open_g, flt=flt, query=query, qs=urlencode(query),
                           run=run, verified=verified, sites=sites, runs=runs, reason=reason, max_rows=MAX_ROWS,
                           invalid=code >= 400,
                           total=sum(len(g.items) for g in data.groups),
                           unreviewed=sum(g.unreviewed for g in data.groups)), code


@bp.route("/review")
def review() -> Any:
    if not me().may_review:
        return redirect(url_for("triage.fix_first", **({"site_id": request.args["site_id"]}
                                                        if request.args.get("site_id") else {})))
    flt, query = _filter(request.args)
    key = request.args.get("group") or None
    if key is not None and not _KEY.fullmatch(key):
        abort(400, "参数 group 无效")
    return _review_page(flt, query, key)


def _bad(flt: fq.FindingFilter, query: dict[str, str], key: str | None, msg: str, reason: str = "") -> Any:
    flash(msg, "error")
    return _review_page(flt, query, key, 400, reason)


@bp.route("/review/bulk", methods=["POST"])
def bulk() -> Any:
    user = me()
    if not user.may_review:
        abort(403)
    flt, query = _filter(request.form)
    action = ACTIONS.get(request.form.get("action", ""))
    if action is None:
        abort(400, "操作无效：请选择整组或所选行，以及误报或确认")
    scope, verdict = action
    key = request.form.get("group", "")
    if not _KEY.fullmatch(key):
        abort(400, "参数 group 无效")
    reason = (request.form.get("reason") or "").strip()
    data = grouped(flt)
    g = data.group(key)
    if g is None:
        abort(400, "该组已不存在（问题列表已变化），请刷新页面后重试")
    if scope == "group":
        refs = g.refs
    else:
        refs = list(dict.fromkeys(request.form.getlist("ref")))
        if len(refs) > MAX_REFS or not all(valid_ref(r) for r in refs):
            abort(400, "所选问题编号无效")
        if not refs:
            return _bad(flt, query, key, "请先选中要标记的行（或按整组标记）", reason)
        outside = set(refs) - set(g.refs)
        if outside:
            abort(400, "所选问题不属于该组")
    if len(reason) > MAX_REASON:
        return _bad(flt, query, key, f"理由不能超过 {MAX_REASON} 字", reason[:MAX_REASON])
    targets = [Target(f.site_url, f.rule, f.page_url, f.subject, f.run_id, f.ref)
               for f in (data.by_ref[r] for r in refs)]
    try:
        n = add_reviews(store(), targets, verdict=verdict, reviewer=user.username, reason=reason)
    except ReviewError as exc:
        return _bad(flt, query, key, str(exc), reason)
    flash(f"已将 {n} 项标记为「{VERDICTS[verdict]}」", "info")
    nxt = next_open(grouped(flt).groups, key)
    if nxt is None:
        flash("本范围内的问题已全部审核", "info")
        return redirect(url_for("triage.review", **query))
    return redirect(url_for("triage.review", group=nxt.key, **query) + "#group")


# --- 先整改 (site owners) ---

def _fix_site() -> fq.SiteInfo | None:
    sites = fq.visible_sites(store(), me().scope)
    try:
        site_id = int_arg(request.values, "site_id")
    except BadParam as exc:
        abort(400, str(exc))
    if site_id is None:
        return sites[0] if len(sites) == 1 else None
    site = next((s for s in sites if s.id == site_id), None)
    if site is None:
        abort(404)
    return site


def _fix_run(site: fq.SiteInfo) -> fq.RunInfo | None:
    try:
        run_id = int_arg(request.values, "run_id")
    except BadParam as exc:
        abort(400, str(exc))
    if run_id is None:
        ids = fq.latest_run_ids(store(), me().scope, site.id)
        run_id = ids[-1] if ids else None
    run = fq.get_run(store(), run_id, me().scope) if run_id else None
    if run_id and (run is None or run.site_id != site.id):
        abort(404)
    return run


def _card(run: fq.RunInfo | None, site: fq.SiteInfo) -> Any:
    if run is None or run.active:
        return None
    from auditor.store.scorecard import score_run

    return score_run(store(), run.id, load_table(), site_type=site.site_type)


@bp.route("/fix-first")
def fix_first() -> Any:
    site = _fix_site()
    if site is None:
        return render_template("fix_first.html", site=None, sites=fq.visible_sites(store(), me().scope))
    run = _fix_run(site)
    runs = fq.runs_of_site(store(), site.id, 200)
    self_check = next((r for r in runs if r.purpose == "self_check" and not r.active), None)
    official_ids = fq.latest_run_ids(store(), me().scope, site.id)
    official = fq.get_run(store(), official_ids[-1], me().scope) if official_ids else None
    data = (grouped(fq.FindingFilter(run_id=run.id, latest=False), to_fix=True) if run
            else Grouped([], {}, {}, {}))
    claims = {c.fingerprint: c for c in site_claims(store(), site.url)}
    verified = verify_latest(store(), me().scope, site)
    return render_template("fix_first.html", site=site, run=run, data=data, claims=claims,
                           guidance={g.rule: fix_guidance(g.rule, g.indicator) for g in data.groups},
                           official=official, official_card=_card(official, site),
                           self_check=self_check, self_card=_card(self_check, site),
                           verified=verified, checked={v.claim.fingerprint: v for v in verified},
                           max_rows=MAX_ROWS,
                           may_claim=me().role == "owner")


@bp.route("/fix-first/fixed", methods=["POST"])
def fixed() -> Any:
    user = me()
    site = _fix_site()
    if site is None:
        abort(400, "请指定网站（site_id）")
    if user.role != "owner":
        abort(403, "只有网站主办方可以答复「已整改」")
    run = _fix_run(site)
    if run is None:
        abort(400, "该网站还没有检查结果")
    data = grouped(fq.FindingFilter(run_id=run.id, latest=False), to_fix=True)
    one, key = request.form.get("one"), request.form.get("group")
    if one:
        refs = [one]
    elif key:
        g = data.group(key) if _KEY.fullmatch(key) else None
        if g is None:
            abort(400, "该组已不存在（问题列表已变化），请刷新页面后重试")
        refs = g.refs
    else:
        refs = list(dict.fromkeys(request.form.getlist("ref")))
    if not refs or len(refs) > MAX_REFS or not all(valid_ref(r) for r in refs):
        abort(400, "请选择要答复「已整改」的问题")
    if not set(refs) <= set(data.by_ref):
        abort(400, "所选问题不属于本次检查")
    try:
        n = claim_fixed(store(), [data.by_ref[r] for r in refs], user.username, request.form.get("note") or "")
    except ReviewError as exc:
        abort(400, str(exc))
    flash(f"已答复 {n} 项「已整改」，下次检查将核验", "info")
    return redirect(url_for("triage.fix_first", site_id=site.id, run_id=run.id))
