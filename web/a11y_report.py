"""无障碍评测 in the web UI: the per-criterion matrix of a run under a standard, one criterion with the findings
behind it, the 人工评测 form, the report download (HTML, DOCX, WCAG-EM JSON) and the trend of 不符合 criteria
over the site's runs. The model is auditor/conformance; this only shows it."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from auditor.conformance.render import FORMATS, render_report
from auditor.store.conformance import Evaluation, RunNotFound, evaluate_run, record_judgement
from auditor.conformance.model import JUDGEABLE, OUTCOME_ZH, OUTCOMES, BadJudgement, finding_criteria
from auditor.conformance.standards import STANDARD_KEYS, STANDARD_TITLES
from auditor.a11y import PRINCIPLES
from auditor.store import findings as fq
from web.context import me, settings, store
from web.runs import visible_run

bp = Blueprint("a11y_report", __name__)
OUTCOME_CLASS = {"failed": "st-fail", "cantTell": "st-warn", "passed": "st-pass",
                 "inapplicable": "st-not_assessable", "untested": "run-running"}
MIME = {"html": "text/html; charset=utf-8", "json": "application/ld+json; charset=utf-8",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
TREND_RUNS = 8  # each run is evaluated (no crops): keep the page quick on large runs


class JudgementForm(FlaskForm):
    result = SelectField("评测结论", choices=[SelectChoice(k, OUTCOME_ZH[k]) for k in JUDGEABLE],
                         validators=[DataRequired("请选择评测结论")])
    note = TextAreaField("说明", validators=[Length(max=4000)])
    evidence_path = StringField("证据（文件路径或网址）", validators=[Length(max=500)])


def _standard_arg() -> str:
    std = (request.args.get("standard") or "gbt37668").strip()
    if std not in STANDARD_KEYS:
        abort(400, description=f"未知的评测标准：{std}（可选 {' / '.join(STANDARD_KEYS)}）")
    return std


def _all_pages() -> bool:
    return (request.args.get("all") or "") in ("1", "on", "true")


def _evaluate(run_id: int, std: str) -> Evaluation:
    try:
        return evaluate_run(store(), run_id, std, all_pages=_all_pages())
    except RunNotFound:
        abort(404)


def _trend(run: fq.RunInfo, std: str) -> list[dict[str, Any]]:
    """不符合 criteria per run of the same site (oldest first), from the newest TREND_RUNS finished runs."""
    if run.site_id is None:
        return []
    runs = [r for r in fq.runs_of_site(store(), run.site_id, limit=TREND_RUNS * 3) if not r.active][:TREND_RUNS]
    out = []
    for r in reversed(runs):
        ev = evaluate_run(store(), r.id, std, with_evidence=False)
        counts = ev.conformance.counts()
        if not ev.pages:
            continue
        out.append({"run_id": r.id, "started_at": r.started_at, "failed": counts.get("failed", 0),
                    "cantTell": counts.get("cantTell", 0), "current": r.id == run.id})
    return out


def _svg_points(trend: list[dict[str, Any]], width: int = 480, height: int = 120) -> dict[str, Any]:
    if not trend:
        return {}
    top = max(max(t["failed"] for t in trend), 1)
    step = (width - 40) / max(len(trend) - 1, 1)
    pts = [(20 + i * step, height - 20 - (t["failed"] / top) * (height - 40), t) for i, t in enumerate(trend)]
    return {"width": width, "height": height, "top": top,
            "line": " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in pts), "points": pts}


@bp.route("/runs/<int:run_id>/a11y")
def matrix(run_id: int) -> Any:
    run = visible_run(run_id)
    std = _standard_arg()
    ev = _evaluate(run.id, std)
    by = ev.conformance.by_principle()
    trend = _trend(run, std)
    return render_template("a11y_matrix.html", run=run, ev=ev, std=std, standards=STANDARD_TITLES,
                           outcomes=OUTCOMES, zh=OUTCOME_ZH, cls=OUTCOME_CLASS, counts=ev.conformance.counts(),
                           by_principle=[(PRINCIPLES.get(p, p), by[p]) for p in sorted(by)],
                           trend=trend, svg=_svg_points(trend), formats=FORMATS, all_pages=_all_pages())


@bp.route("/runs/<int:run_id>/a11y/<criterion>")
def criterion(run_id: int, criterion: str) -> Any:
    run = visible_run(run_id)
    std = _standard_arg()
    ev = _evaluate(run.id, std)
    r = ev.conformance.result(criterion)
    if r is None:
        abort(404)
    findings = []
    for page in ev.pages:
        for c in page.checks:
            if c.check_id is None or c.rule == "a11y.axe" or c.status == "pass":
                continue
            if criterion in finding_criteria(c):
                findings.append({"ref": f"c{c.check_id}", "rule": c.rule, "status": c.status,
                                 "message": c.message, "page_url": page.url, "indicator": c.indicator})
    indicators = sorted({f["indicator"] for f in findings if f["indicator"]})
    form = JudgementForm()
    if r.manual:
        form.result.data = r.manual.result
    return render_template("a11y_criterion.html", run=run, ev=ev, std=std, r=r, findings=findings, form=form,
                           all_pages=_all_pages(), indicators=indicators,
                           zh=OUTCOME_ZH, cls=OUTCOME_CLASS, may_judge=me().may_review)


@bp.route("/runs/<int:run_id>/a11y/<criterion>/judgement", methods=["POST"])
def judge(run_id: int, criterion: str) -> Any:
    run = visible_run(run_id)  # 404 before 403: an owner must not learn that another site's run exists
    std = _standard_arg()
    user = me()
    if not user.may_review:
        abort(403)
    form = JudgementForm()
    back = url_for("a11y_report.criterion", run_id=run.id, criterion=criterion, standard=std)
    if not form.validate_on_submit():
        for errs in form.errors.values():
            for e in errs:
                flash(str(e), "error")
        return redirect(back)
    try:
        record_judgement(store(), run.id, std, criterion, form.result.data, form.note.data or "",
                         (form.evidence_path.data or "").strip() or None, user.username)
    except BadJudgement as exc:
        flash(str(exc), "error")
        return redirect(back)
    flash(f"已记录人工评测：{OUTCOME_ZH[form.result.data]}", "info")
    return redirect(back)


@bp.route("/runs/<int:run_id>/a11y/report.<fmt>")
def download(run_id: int, fmt: str) -> Any:
    run = visible_run(run_id)
    std = _standard_arg()
    if fmt not in FORMATS:
        abort(404)
    ev = _evaluate(run.id, std)
    data = render_report(ev, fmt, settings().evidence_dir)
    name = f"a11y-report-run{run.id}-{std}.{fmt}"
    return Response(data, mimetype=MIME[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
