"""Sites: the list with each site's latest state and trend, one site with its runs and its quarterly trend (score,
findings new / fixed / still there), the trend per region (地区), registering a site, and comparing two runs of a
site (new / fixed / still there)."""
from __future__ import annotations

import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from markupsafe import Markup
from flask_wtf.file import FileField, FileRequired
from wtforms import IntegerField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from auditor.quarter import Quarter, QuarterError
from auditor.models import SITE_CODE_RE
from auditor.scoring import load_table
from auditor.sites_import import SiteListError, read_site_list
from auditor.store import findings as fq
from auditor.store.trends import load_trends
from auditor.trend_chart import region_chart, site_chart
from auditor.trends import DEFAULT_QUARTERS, overall, region_trends
from web.context import may_start_audit, me, require_roles, settings, store
from web.helpers import sparkline
from web.params import BadParam, clean_url, int_arg

bp = Blueprint("sites", __name__)


class SiteForm(FlaskForm):
    name = StringField("网站名称", validators=[DataRequired(), Length(max=200)])
    url = StringField("首页网址", validators=[DataRequired(), Length(max=1000)])
    site_code = StringField("网站标识码", validators=[Optional(), Regexp(SITE_CODE_RE.pattern, message="10位数字或bm加8位数字")])
    sponsor = StringField("主办单位", validators=[Optional(), Length(max=200)])
    region = StringField("地区（用于地区趋势，如 某某市）", validators=[Optional(), Length(max=100)])


class ImportForm(FlaskForm):
    file = FileField("网站清单文件（.xlsx 或 .csv，列：网站名称、网址、网站标识码、主办单位、网站类型、地区）",
                     validators=[FileRequired("请选择要导入的文件")])


IMPORT_SUFFIXES = (".xlsx", ".xlsm", ".csv", ".txt")
MAX_SHOWN_ERRORS = 50


class AuditForm(FlaskForm):
    mode = RadioField("检查方式", choices=[SelectChoice("site", "全站检查（从首页抓取）"),
                                                SelectChoice("pages", "检查指定页面")], default="site")
    max_pages = IntegerField("最多页面数", validators=[Optional(), NumberRange(min=1, max=2000)])
    urls = TextAreaField("页面网址（每行一个，须在本网站内）", validators=[Optional(), Length(max=100_000)])


def _index(form: SiteForm | None, status: int = 200, import_form: ImportForm | None = None) -> Any:
    user = me()
    rows = fq.site_overview(store(), user.scope)
    charts = {r.site.id: sparkline(r.trend) for r in rows}
    if import_form is None and user.sees_all_sites:
        import_form = ImportForm()
    return render_template("sites.html", rows=rows, charts=charts, form=form, import_form=import_form), status


@bp.route("/sites")
def index() -> Any:
    return _index(SiteForm() if me().sees_all_sites else None)


@bp.route("/sites/import", methods=["POST"])
@require_roles("admin", "auditor")
def import_list() -> Any:
    """Upload of the site list: read by auditor.sites_import within the import_max_* limits (the same code as
    `govaudit sites import`); valid rows are added or updated, each bad row is reported with its line."""
    form = ImportForm()
    if not form.validate_on_submit():
        form_errors(form)
        return _index(SiteForm(), 400, form)
    upload = form.file.data
    suffix = Path(upload.filename or "").suffix.lower()
    if suffix not in IMPORT_SUFFIXES:
        flash(f"不支持的文件类型 {suffix or '(无扩展名)'}：请上传 .xlsx 或 .csv", "error")
        return _index(SiteForm(), 400, form)
    with tempfile.TemporaryDirectory(prefix="govaudit-import-") as tmp:
        path = Path(tmp) / f"上传的网站清单{suffix}"
        upload.save(path)
        try:
            rows, errors = read_site_list(path, settings())
        except SiteListError as exc:
            flash(str(exc), "error")
            return _index(SiteForm(), 400, form)
    created = updated = 0
    for r in rows:
        _, new = store().upsert_site(r.name, r.url, r.site_code, r.sponsor, r.site_type, r.region)
        created += new
        updated += not new
    for e in errors[:MAX_SHOWN_ERRORS]:
        flash(e, "error")
    if len(errors) > MAX_SHOWN_ERRORS:
        flash(f"另有 {len(errors) - MAX_SHOWN_ERRORS} 行错误未列出", "error")
    flash(f"导入完成：新增 {created} 个网站，更新 {updated} 个，错误 {len(errors)} 行", "info")
    if errors and not rows:
        return _index(SiteForm(), 400, form)
    return redirect(url_for("sites.index"))


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
                                        (form.sponsor.data or "").strip() or None,
                                        region=(form.region.data or "").strip() or None)
    flash(("已添加网站：" if created else "已更新网站：") + site.name, "info")
    return redirect(url_for("sites.show", site_id=site.id))


def visible_site(site_id: int) -> fq.SiteInfo:
    """The site, or 404 (also for a site the user may not see, so ids cannot be probed)."""
    user = me()
    site = fq.get_site(store(), site_id)
    if site is None or not user.may_see_site(site.id):
        abort(404)
    return site


def _quarters() -> list[Quarter]:
    """The quarters a trend shows: the last four up to ?to=2026Q4 (default: the current quarter)."""
    raw = request.args.get("to", "").strip()
    try:
        end = Quarter.parse(raw) if raw else Quarter.of(datetime.now(timezone.utc))
    except QuarterError as exc:
        abort(400, str(exc))
    return end.back(DEFAULT_QUARTERS)


def site_page(site: fq.SiteInfo, form: AuditForm | None, status: int = 200) -> Any:
    runs = fq.runs_of_site(store(), site.id)
    trend = next(iter(load_trends(store(), _quarters(), load_table(), me().scope, site_id=site.id)), None)
    chart = Markup(site_chart(trend)) if trend else None
    return render_template("site.html", site=site, runs=runs, form=form, trend=trend, chart=chart), status


@bp.route("/regions")
def regions() -> Any:
    """地区趋势: per region, quarter over quarter, 合格率, mean score and findings new / fixed / still there, over
    the sites the user may see (the latest complete official run of each quarter)."""
    quarters = _quarters()
    sites = load_trends(store(), quarters, load_table(), me().scope)
    regions = region_trends(sites, quarters)
    groups = regions + ([overall(sites, quarters)] if len(regions) > 1 else [])
    charts = {r.region: Markup(region_chart(r)) for r in groups}
    return render_template("regions.html", groups=groups, charts=charts, quarters=quarters,
                           end=quarters[-1], prev=quarters[-1].previous)


@bp.route("/sites/<int:site_id>")
def show(site_id: int) -> Any:
    site = visible_site(site_id)
    form = AuditForm(max_pages=settings().max_pages) if may_start_audit(me(), site.id) else None
    return site_page(site, form)


@bp.route("/sites/<int:site_id>/compare")
def compare(site_id: int) -> Any:
    from web.compare import compare_page  # grouped and filtered (web/compare.py)

    return compare_page(visible_site(site_id))
