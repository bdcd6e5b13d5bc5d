"""Runs: starting an audit, a run with live progress and its pages, and one page with every check on it."""
from __future__ import annotations

from collections import Counter
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, url_for

from auditor.models import SiteProfile
from auditor.netpolicy import TargetRefused
from auditor.services import unreachable_lines
from auditor.store import findings as fq
from auditor.store.users import UserInfo
from web.context import may_start_audit, me, settings, store
from web.helpers import evidence_path, png_size
from web.params import BadParam, clean_url
from web.sites import AuditForm, form_errors, site_page, visible_site

bp = Blueprint("runs", __name__)
MAX_URLS = 500


class AuditRefused(ValueError):
    """The audit cannot be started; the message says why (shown to the user)."""


def _site_base(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def site_urls(site: fq.SiteInfo, raw: list[str]) -> list[str]:
    """Normalise the URLs and keep the audit on the site: its host or a subdomain of it. This stops anyone,
    site owners in particular, from pointing the auditor's browser at other people's servers."""
    base = _site_base(site.url)
    out: list[str] = []
    for line in raw:
        line = line.strip()
        if not line:
            continue
        try:
            url = clean_url(line)
        except BadParam as exc:
            raise AuditRefused(str(exc)) from exc
        host = (urlsplit(url).hostname or "").lower()
        if not (host == base or host.endswith("." + base)):
            raise AuditRefused(f"网址不属于本网站（{base}）：{line}")
        out.append(url)
    out = list(dict.fromkeys(out))
    if not out:
        raise AuditRefused("请填写至少一个页面网址")
    if len(out) > MAX_URLS:
        raise AuditRefused(f"一次最多检查 {MAX_URLS} 个页面")
    return out


def start_audit(user: UserInfo, site: fq.SiteInfo, mode: str, urls: list[str] | None,
                max_pages: int | None) -> int:
    """Hand the audit to the dispatcher (RQ when Redis is configured, else a background thread here) and
    return the new run's id at once."""
    if not may_start_audit(user, site.id):
        raise PermissionError(site.id)
    try:
        from workers import dispatch  # imported late: the web app must start even where workers are absent
    except ImportError as exc:
        raise AuditRefused("检查调度模块不可用（workers.dispatch）") from exc
    profile = SiteProfile(site.name, site.site_code, site.sponsor, site.site_type)
    s, st = settings(), store()
    # A site owner's run is a self-check (自查): it never replaces the official result of an auditor's audit.
    who = {"started_by": user.username, "purpose": "self_check" if user.role == "owner" else None}
    try:
        if mode == "site":
            n = max(1, min(int(max_pages or s.max_pages), 2000))
            return int(dispatch.submit_site_audit(s, st, site.url, profile, site_id=site.id, max_pages=n, **who))
        if mode == "pages":
            return int(dispatch.submit_page_audit(s, st, site_urls(site, urls or []), profile, site_id=site.id,
                                                  **who))
    except AuditRefused:
        raise
    except TargetRefused as exc:  # the home page is not a valid or allowed target
        raise AuditRefused(str(exc)) from exc
    except ValueError as exc:  # a stored home page that urllib cannot parse: refused, never a 500
        raise AuditRefused(f"网址无效：{site.url}") from exc
    raise AuditRefused("检查方式必须是 site 或 pages")


@bp.route("/sites/<int:site_id>/audits", methods=["POST"])
def start(site_id: int) -> Any:
    site = visible_site(site_id)
    user = me()
    if not may_start_audit(user, site.id):
        abort(403)
    form = AuditForm()
    # Refusals answer 400 with the site page and the form as filled in (the URLs typed are kept).
    if not form.validate_on_submit():
        form_errors(form)
        return site_page(site, form, 400)
    try:
        run_id = start_audit(user, site, form.mode.data, (form.urls.data or "").splitlines(), form.max_pages.data)
    except AuditRefused as exc:
        flash(str(exc), "error")
        return site_page(site, form, 400)
    flash(f"已开始检查（批次 {run_id}）", "info")
    return redirect(url_for("runs.show", run_id=run_id))


def visible_run(run_id: int) -> fq.RunInfo:
    run = fq.get_run(store(), run_id, me().scope)
    if run is None:
        abort(404)
    return run


@bp.route("/runs")
def index() -> Any:
    return render_template("runs.html", runs=fq.recent_runs(store(), me().scope, 200))


@bp.route("/runs/<int:run_id>")
def show(run_id: int) -> Any:
    run = visible_run(run_id)
    progress = fq.run_progress(store(), run.id)
    pages = fq.pages_of_run(store(), run.id)
    found, _ = fq.list_findings(store(), me().scope, fq.FindingFilter(run_id=run.id, latest=False))
    live = [f for f in found if f.review_state != "false_positive"]
    by_indicator = Counter(f.indicator for f in live)
    from auditor.rules import meta_for

    guidance = {f.indicator: m.fix for f in live if (m := meta_for(f.rule)) is not None}  # 如何整改, from META
    from auditor.scoring import load_table

    table = load_table()
    # What costs the site most comes first: 单项否决, then by the points of its 19号 indicator, fails before warns,
    # then the count (so a hundred axe best-practice warnings do not bury a missing 党政机关网站标识).
    from auditor.scoring.priority import priority, rule_weight

    rank: dict[str, tuple[int, float]] = {}
    for f in live:
        r = priority(f.status, rule_weight(table, f.rule))
        rank[f.indicator] = min(rank.get(f.indicator, r), r)
    site = fq.get_site(store(), run.site_id) if run.site_id else None
    site_level = [f for f in found if f.level == "site"]
    services = (run.options or {}).get("services") or {}
    card = None
    if not run.active:
        from auditor.scoring import load_table
        from auditor.store.scorecard import score_run

        card = score_run(store(), run.id, load_table(), site_type=site.site_type if site else None)
    from web.scorecard import card_context  # 人工核查 and 核减 (web/scorecard.py imports this module)

    judging = card_context(run.id, card) if card is not None else {}
    return render_template("run.html", run=run, progress=progress, pages=pages, site=site, card=card, **judging,
                           by_indicator=sorted(by_indicator.items(), key=lambda kv: (*rank[kv[0]], -kv[1])),
                           guidance=guidance, site_level=site_level, services=services, service_lines=unreachable_lines(services))


@bp.route("/pages/<int:page_id>")
def page(page_id: int) -> Any:
    got = fq.get_page(store(), page_id, me().scope)
    if got is None:
        abort(404)
    info, run = got
    shot_size = None
    if info.screenshot:
        p = evidence_path(settings().evidence_dir, info.screenshot.path)
        shot_size = png_size(p) if p else None
    boxes = [(c, e.box) for c in info.checks if c.status in fq.FINDING_STATUSES for e in c.evidence if e.box]
    return render_template("page.html", page=info, run=run, shot_size=shot_size, boxes=boxes)
