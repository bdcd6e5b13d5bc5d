"""人工核查 and 核减 on a run's scorecard, from the run page: an auditor records the judgement of a 待人工核查 item
(结论, 说明, optional picture) or gives points back on a deduction with the reason; the verdict card is computed
again from the stored rows (auditor/store/score_judgements.py), and stops being «暂定» once nothing is pending.

Owners see the records but do not judge: they are the audited party (as with 误报 / 确认)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, send_file, url_for
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms.fields.choices import SelectChoice
from wtforms import DecimalField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from auditor.scoring import load_table
from auditor.store import score_judgements as sj
from web.context import me, settings, store
from web.helpers import evidence_path
from web.runs import show, visible_run

bp = Blueprint("scorecard", __name__)
UPLOAD_LIMIT = sj.MAX_PICTURE + 200_000  # the picture plus the form around it


class PointsField(DecimalField):
    """Points as a finite decimal: «NaN» would pass the parser and then fail every comparison (a 500)."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        super().process_formdata(valuelist)
        if self.data is not None and not self.data.is_finite():
            self.data = None
            raise ValueError("分值须为 0 到 100 之间的数字")


class JudgementForm(FlaskForm):
    indicator = StringField("指标", validators=[DataRequired("请选择指标"), Length(max=20)])
    result = SelectField("核查结论", choices=[SelectChoice(r, r) for r in sj.RESULTS], validators=[DataRequired("请选择核查结论")])
    points = PointsField("分值（可不填）", places=2, validators=[
        Optional(), NumberRange(min=0, max=100, message="分值须在 0 到 100 之间")])
    reason = TextAreaField("核查说明", validators=[Length(max=sj.MAX_REASON, message="说明太长")])
    picture = FileField("证据图片（PNG 或 JPEG，可不传）")


class ReductionForm(FlaskForm):
    indicator = StringField("指标", validators=[DataRequired("请选择指标"), Length(max=20)])
    points = PointsField("核减分值（填 0 撤销）", places=2, validators=[
        Optional(), NumberRange(min=0, max=100, message="核减分值须在 0 到 100 之间")])
    reason = TextAreaField("核减理由", validators=[Length(max=sj.MAX_REASON, message="理由太长")])


def _flash_errors(form: FlaskForm) -> None:
    for name, errs in form.errors.items():
        field = getattr(form, name, None)
        label = field.label.text if field is not None and name != "csrf_token" else ""
        for e in errs:
            flash(f"{label}：{e}" if label else str(e), "error")


def _record(run_id: int, kind: str, form: FlaskForm) -> Any:
    run = visible_run(run_id)  # 404 before 403: an owner must not learn that another site's run exists
    if not me().may_review:
        abort(403, "网站主办方不能记录人工核查或核减")
    back = url_for("runs.show", run_id=run.id) + "#verdict"
    if run.active:
        flash("检查尚未结束，结束后才能核查计分", "error")
        return show(run.id), 400
    if not form.validate_on_submit():
        _flash_errors(form)
        return show(run.id), 400
    picture = None
    upload = getattr(form, "picture", None)
    if upload is not None and upload.data:
        picture = upload.data.read(sj.MAX_PICTURE + 1)
    points = float(form.points.data) if form.points.data is not None else None
    try:
        rec = sj.record(store(), load_table(), run.id, form.indicator.data.strip(), kind, user=me().username,
                        reason=form.reason.data or "", result=getattr(form, "result", None) and form.result.data,
                        points=points, picture=picture or None, evidence_dir=settings().evidence_dir)
    except sj.JudgementError as exc:
        flash(str(exc), "error")
        return show(run.id), 400
    if kind == "judgement":
        flash(f"已记录人工核查 {rec.indicator}：{rec.result}", "info")
    else:
        flash(f"已记录核减 {rec.indicator}：{rec.points:g} 分" if rec.points else f"已撤销 {rec.indicator} 的核减", "info")
    return redirect(back)


@bp.route("/runs/<int:run_id>/scorecard/judgement", methods=["POST"])
def judge(run_id: int) -> Any:
    return _record(run_id, "judgement", JudgementForm())


@bp.route("/runs/<int:run_id>/scorecard/reduction", methods=["POST"])
def reduce(run_id: int) -> Any:
    return _record(run_id, "reduction", ReductionForm())


@bp.route("/runs/<int:run_id>/scorecard/evidence/<int:record_id>")
def picture(run_id: int, record_id: int) -> Any:
    run = visible_run(run_id)
    got = sj.get_record(store(), record_id)
    if got is None or got[1] != run.id:
        abort(404)
    rec = got[0]
    path = evidence_path(settings().evidence_dir, rec.evidence_path)
    if path is None:
        abort(404)
    mimetype = "image/png" if path.suffix == ".png" else "image/jpeg"
    resp = send_file(path, mimetype=mimetype, conditional=True, max_age=0)
    resp.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


def card_context(run_id: int, card: Any) -> dict[str, Any]:
    """What the run page's 人工核查 / 核减 part shows: the rows that count, and the indicators to choose from —
    the pending ones first, then every other indicator of the table (a person may overrule a rule)."""
    table = load_table()
    pending = {p.indicator for p in card.pending}
    others = [i for i in table.indicators if i.id not in pending]
    return {"records": sj.current(store(), run_id), "may_judge": me().may_review,
            "judge_options": [(p.indicator, p.name, True) for p in card.pending] +
                             [(i.id, i.name, False) for i in others],
            "reduce_options": [(d.indicator, d.name, d.points) for g in card.groups for d in g.deductions],
            "results": sj.RESULTS, "names": {i.id: i.name for i in table.indicators},
            "judge_form": JudgementForm(formdata=None), "reduce_form": ReductionForm(formdata=None)}
