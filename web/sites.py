"""Sites: the list with each site's latest state and trend, one site with its runs, registering a site,
and comparing two runs of a site (new / fixed / still there)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from auditor.rules._common import SITE_CODE_RE
from auditor.store import findings as fq
from web.context import may_start_audit, me, require_roles, settings, store
from web.helpers import sparkline
from web.params import BadParam, clean_url, int_arg

bp = Blueprint("sites", __name__)


class SiteForm(FlaskForm):
    name = StringField("网站名称", validators=[DataRequired(), Length(max=200)])
    url = StringField("首页网址", validators=[DataRequired(), Length(max=1000)])
    site_code = StringField("网站标识码", validators=[Optional(), Regexp(SITE_CODE_RE.pattern, message="10位数字或bm加8位数字")])
    sponsor = StringField("主办单位", validators=[Optional(), Length(max=200)])


class AuditForm(FlaskForm):
    mode = RadioField("检查方式", choices=[SelectChoice("site", "全站检查（从首页抓取）"),
                                                SelectChoice("pages", "检查指定页面")], default="site")
    max_pages = IntegerField("最多页面数", validators=[Optional(), NumberRange(min=1, max=2000)])
    urls = TextAreaField("页面网址（每行一个，须在本网站内）", validators=[Optional(), Length(max=100_000)])


def _index(form: SiteForm | None, status: int = 200) -> Any:
    user = me()
    rows = fq.site_overview(store(), user.scope)
    charts = {r.site.id: sparkline(r.trend) for r in rows}
    return render_template("sites.html", rows=rows, charts=charts, form=form), status


@bp.route("/sites")
def index() -> Any:
    return _index(SiteForm() if me().sees_all_sites else None)


def form_errors(form: Any) -> None:
    for errs in form.errors.values():
        for e in errs:
            flash(str(e), "error")


@bp.route("/sites", methods=["POST"])
@require_roles("admin", "auditor")
def register() -> Any:
    # Refusals answer 400 with the list page and the form as filled in (nothing typed is lost).
    form = SiteForm()
    if not form.validate_on_submit():
        form_errors(form)
        return _index(form, 400)
    try:
        url = clean_url(form.url.data.strip())
    except BadParam as exc:
        flash(str(exc), "error")
        return _index(form, 400)
    site, created = store().upsert_site(form.name.data.strip(), url, form.site_code.data or None,
                                        (form.sponsor.data or "").strip() or None)
    flash(("已添加网站：" if created else "已更新网站：") + site.name, "info")
    return redirect(url_for("sites.show", site_id=site.id))


def visible_site(site_id: int) -> fq.SiteInfo:
    """The site, or 404 (also for a site the user may not see, so ids cannot be probed)."""
    user = me()
    site = fq.get_site(store(), site_id)
    if site is None or not user.may_see_site(site.id):
        abort(404)
    return site


def site_page(site: fq.SiteInfo, form: AuditForm | None, status: int = 200) -> Any:
    runs = fq.runs_of_site(store(), site.id)
    return render_template("site.html", site=site, runs=runs, form=form), status


@bp.route("/sites/<int:site_id>")
def show(site_id: int) -> Any:
    site = visible_site(site_id)
    form = AuditForm(max_pages=settings().max_pages) if may_start_audit(me(), site.id) else None
    return site_page(site, form)


@bp.route("/sites/<int:site_id>/compare")
def compare(site_id: int) -> Any:
    site = visible_site(site_id)
    runs = fq.runs_of_site(store(), site.id)
    ids = {r.id for r in runs}
    try:
        a, b = int_arg(request.args, "a"), int_arg(request.args, "b")
    except BadParam as exc:
        abort(400, str(exc))
    if a is None or b is None:
        if len(runs) < 2:
            flash("至少需要两次检查才能对比", "error")
            return redirect(url_for("sites.show", site_id=site.id))
        a, b = runs[1].id, runs[0].id  # default: the previous run against the latest
    ra, rb = a, b
    if ra not in ids or rb not in ids:
        abort(404)
    cmp = fq.compare_runs(store(), me().scope, ra, rb)
    if cmp is None:
        abort(404)
    return render_template("compare.html", site=site, runs=runs, cmp=cmp)
