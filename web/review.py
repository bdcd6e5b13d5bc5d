"""Review of a finding: 误报 or 确认, with the reviewer, the time and a reason. Stored against the finding's
fingerprint, so the verdict is shown again when a later run finds the same thing (auditor/store/reviews.py)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from auditor.store.findings import Finding
from auditor.store.reviews import MAX_REASON, VERDICTS, ReviewError, ReviewInfo, add_review
from auditor.store.users import UserInfo
from auditor.triage import next_open
from web.context import me, store
from web.findings import visible_finding

bp = Blueprint("review", __name__)


class ReviewForm(FlaskForm):
    verdict = RadioField("审核结论", choices=[SelectChoice(k, v) for k, v in VERDICTS.items()],
                         validators=[DataRequired("请选择审核结论")])
    reason = TextAreaField("理由", validators=[Length(max=MAX_REASON)])


def review_finding(user: UserInfo, f: Finding, verdict: str, reason: str) -> ReviewInfo:
    """Record the user's verdict on the finding (admins and auditors only)."""
    if not user.may_review:
        raise PermissionError(user.username)
    return add_review(store(), site_url=f.site_url, rule=f.rule, page_url=f.page_url, subject=f.subject,
                      verdict=verdict, reviewer=user.username, reason=reason, run_id=f.run_id, finding_ref=f.ref)


@bp.route("/findings/<ref>/review", methods=["POST"])
def submit(ref: str) -> Any:
    f = visible_finding(ref)  # 404 first: an owner must not learn that another site's finding exists
    user = me()
    if not user.may_review:
        abort(403)
    form = ReviewForm()
    if not form.validate_on_submit():
        for errs in form.errors.values():
            for e in errs:
                flash(str(e), "error")
        return redirect(url_for("findings.show", ref=f.ref))
    try:
        r = review_finding(user, f, form.verdict.data, form.reason.data or "")
    except ReviewError as exc:
        flash(str(exc), "error")
        return redirect(url_for("findings.show", ref=f.ref))
    flash(f"已标记为「{r.verdict_zh}」", "info")
    if request.form.get("then") == "next":
        nxt = next_unreviewed(f)
        if nxt is None:
            flash("本批次的问题已全部审核", "info")
            return redirect(url_for("triage.review", run_id=f.run_id))
        return redirect(url_for("findings.show", ref=nxt))
    return redirect(url_for("findings.show", ref=f.ref))


def next_unreviewed(f: Finding) -> str | None:
    """The ref of the next unreviewed finding of the same run, in the order of 分组审核 (this finding's group
    first, then the groups after it)."""
    from auditor.store.findings import FindingFilter
    from web.triage import grouped

    data = grouped(FindingFilter(run_id=f.run_id, latest=False))
    here = next((g for g in data.groups if f.ref in g.refs), None)
    g = next_open(data.groups, here.key if here else None)
    return next((i.ref for i in g.items if i.review == "unreviewed"), None) if g else None
