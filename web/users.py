"""用户管理 for admins: list the accounts, add one, enable / disable, change the role and an owner's sites, set a
new password, issue an API token (shown once).

Every change goes through auditor/store/users.py, the same functions as `govaudit users …`, so the rules (user
name pattern, password length, an owner needs a site, at least one active admin stays) live in one place and
their Chinese messages reach the admin as a 400 with the page shown again.
"""
from __future__ import annotations

import secrets
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice
from wtforms import HiddenField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import AnyOf, ValidationError, DataRequired, Length, Optional

from auditor.store import findings as fq
from auditor.store.users import (MIN_PASSWORD, ROLE_ZH, ROLES, UserError, UserInfo, create_user, find_user,
                                 issue_token, list_users, set_active, set_password, set_role)
from web.context import me, require_roles, store

bp = Blueprint("users", __name__)
ROLE_CHOICES = [SelectChoice(r, ROLE_ZH[r]) for r in ROLES]


class _SitesField(SelectMultipleField):
    """Site ids chosen from the site list; an id that is not on the list is a validation error, not a 500."""

    def pre_validate(self, form: Any) -> None:
        known = {c.value for c in self.choices or []}
        bad = [d for d in (self.data or []) if str(d) not in known]
        if bad:
            raise ValidationError("所选网站不在网站清单中")


class AddUserForm(FlaskForm):
    username = StringField("用户名", validators=[DataRequired("请填写用户名"), Length(max=80, message="用户名太长")])
    role = SelectField("角色", choices=ROLE_CHOICES, default="auditor", validators=[DataRequired("请选择角色")])
    sites = _SitesField("网站（网站主办方）", choices=[])
    password = PasswordField("初始密码", validators=[DataRequired("请填写初始密码"),
                                                    Length(max=200, message="密码太长")])


class RoleForm(FlaskForm):
    role = SelectField("角色", choices=ROLE_CHOICES, validators=[DataRequired("请选择角色")])
    sites = _SitesField("网站（网站主办方）", choices=[])


class PasswordForm(FlaskForm):
    password = PasswordField("新密码", validators=[Optional(), Length(max=200, message="密码太长")])


class ActionForm(FlaskForm):
    """Buttons with nothing to fill in (the token): the CSRF token only."""


class ActiveForm(FlaskForm):
    # The state asked for, not a toggle: a second click on a stale page must not undo the first.
    active = HiddenField("状态", validators=[AnyOf(["0", "1"], message="状态只能是启用或停用")])


def _site_pairs() -> list[tuple[str, str]]:
    return [(str(s.id), f"{s.name}（{s.url}）") for s in fq.visible_sites(store(), None)]


def _site_choices() -> list[SelectChoice]:
    return [SelectChoice(v, label) for v, label in _site_pairs()]


def _target(user_id: int) -> UserInfo:
    u = find_user(store(), user_id)
    if u is None:
        abort(404)
    return u


def _page(status: int = 200, add: AddUserForm | None = None, shown: dict[str, str] | None = None) -> Any:
    choices = _site_pairs()
    add = add or AddUserForm(formdata=None)
    add.sites.choices = _site_choices()
    users = list_users(store())
    names = dict(choices)
    return render_template("users.html", users=users, add=add, choices=choices, site_names=names,
                           shown=shown, me=me(), min_password=MIN_PASSWORD, action=ActionForm(),
                           password_form=PasswordForm(formdata=None), role_choices=[(c.value, c.label) for c in ROLE_CHOICES]), status


def _form_errors(form: FlaskForm) -> None:
    for field, errs in form.errors.items():
        label = getattr(getattr(form, field, None), "label", None)
        for e in errs:
            flash(f"{label.text}：{e}" if label is not None and field != "csrf_token" else str(e), "error")


@bp.route("/users")
@require_roles("admin")
def index() -> Any:
    return _page()


@bp.route("/users", methods=["POST"])
@require_roles("admin")
def add() -> Any:
    form = AddUserForm()
    form.sites.choices = _site_choices()
    if not form.validate_on_submit():
        _form_errors(form)
        return _page(400, form)
    try:
        info = create_user(store(), form.username.data.strip(), form.password.data, form.role.data,
                           form.sites.data or [])
    except UserError as exc:
        flash(str(exc), "error")
        return _page(400, form)
    flash(f"已添加用户 {info.username}（{ROLE_ZH[info.role]}）", "info")
    return redirect(url_for("users.index"))


@bp.route("/users/<int:user_id>/role", methods=["POST"])
@require_roles("admin")
def role(user_id: int) -> Any:
    u = _target(user_id)
    form = RoleForm()
    form.sites.choices = _site_choices()
    if not form.validate_on_submit():
        _form_errors(form)
        return _page(400)
    try:
        info = set_role(store(), u.username, form.role.data, form.sites.data or [], keep_admin=True)
    except UserError as exc:
        flash(f"{u.username}：{exc}", "error")
        return _page(400)
    sites = f"，{len(info.site_ids)} 个网站" if info.role == "owner" else ""
    flash(f"已将 {u.username} 设为{ROLE_ZH[info.role]}{sites}", "info")
    return redirect(url_for("users.index"))


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@require_roles("admin")
def active(user_id: int) -> Any:
    u = _target(user_id)
    form = ActiveForm()
    if not form.validate_on_submit():
        _form_errors(form)
        return _page(400)
    enable = form.active.data == "1"
    if not enable and u.id == me().id:
        flash("不能停用自己的账号", "error")
        return _page(400)
    try:
        set_active(store(), u.username, enable, keep_admin=True)
    except UserError as exc:
        flash(f"{u.username}：{exc}", "error")
        return _page(400)
    flash(f"已{'启用' if enable else '停用'}用户 {u.username}", "info")
    return redirect(url_for("users.index"))


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@require_roles("admin")
def password(user_id: int) -> Any:
    """A new password typed by the admin, or (left empty) a random one shown once. Either ends the user's
    sessions and revokes the API token (auditor/store/users.set_password)."""
    u = _target(user_id)
    form = PasswordForm()
    if not form.validate_on_submit():
        _form_errors(form)
        return _page(400)
    typed = form.password.data or ""
    new = typed or secrets.token_urlsafe(12)
    try:
        set_password(store(), u.username, new)
    except UserError as exc:
        flash(f"{u.username}：{exc}", "error")
        return _page(400)
    if u.id == me().id:
        flash("已修改您自己的密码，请重新登录", "info")
        return redirect(url_for("auth.login"))
    if typed:
        flash(f"已为 {u.username} 设置新密码；其登录会话和 API 令牌已失效", "info")
        return redirect(url_for("users.index"))
    return _page(200, shown={"user": u.username, "what": "新密码", "value": new})


@bp.route("/users/<int:user_id>/token", methods=["POST"])
@require_roles("admin")
def token(user_id: int) -> Any:
    u = _target(user_id)
    form = ActionForm()
    if not form.validate_on_submit():
        _form_errors(form)
        return _page(400)
    try:
        value = issue_token(store(), u.username)
    except UserError as exc:
        flash(f"{u.username}：{exc}", "error")
        return _page(400)
    return _page(200, shown={"user": u.username, "what": "API 令牌", "value": value})
