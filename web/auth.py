"""Log-in and log-out (session cookies through Flask-Login), API tokens outside the API (evidence files), and
where a log-in may send the user afterwards.

Passwords are checked with werkzeug.security against the stored hash. The session carries the user id and a
stamp of the password hash and the user's session generation: log-out and a new password raise the generation,
so every session issued before — also a cookie someone copied — stops working at once.
Failed log-ins are counted per user name and per client address in Redis or the database (web/limiter.py).
"""
from __future__ import annotations

import unicodedata
from typing import Any
from urllib.parse import unquote, urlsplit

from flask import (Blueprint, Response, current_app, flash, g, jsonify, redirect, render_template, request, session,
                   url_for)
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from auditor.store.users import UserInfo, authenticate, end_sessions, get_user, user_by_token
from web.context import settings, store
from web.params import parse_id

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "请先登录"
login_manager.session_protection = "basic"


class WebUser(UserMixin):
    def __init__(self, info: UserInfo):
        self.info = info

    def get_id(self) -> str:
        return f"{self.info.id}:{self.info.stamp}"


@login_manager.user_loader
def _load(user_id: str) -> WebUser | None:
    uid, _, stamp = user_id.partition(":")
    n = parse_id(uid)
    if n is None:
        return None
    info = get_user(store(), n)
    if info is None or info.stamp != stamp:
        return None
    return WebUser(info)


def wants_json() -> bool:
    """An API client rather than a browser: an Authorization header, or JSON preferred over HTML."""
    if request.headers.get("Authorization"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes["application/json"] > \
        request.accept_mimetypes["text/html"]


def unauthorized_json(msg: str) -> Response:
    resp = jsonify({"error": msg})
    resp.status_code = 401
    resp.headers["WWW-Authenticate"] = 'Bearer realm="govaudit"'
    return resp


def bearer_user() -> UserInfo | None:
    """The user of ``Authorization: Bearer <token>``, or None (no such header, another scheme, a bad token)."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return user_by_token(store(), token.strip())


class LoginForm(FlaskForm):
    username = StringField("用户名", validators=[DataRequired(), Length(max=80)])
    password = PasswordField("密码", validators=[DataRequired(), Length(max=200)])


def _bad_path(p: str) -> bool:
    if not p.startswith("/") or p.startswith("//") or "\\" in p:
        return True
    # Control characters (CR/LF would split the Location header), also Unicode line and paragraph separators.
    return any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in p)


def safe_next(target: str | None) -> str:
    """Only a path on this site is followed after log-in: one leading «/», no «//», no backslash, no control
    characters — checked on the value as given and once more percent-decoded. Anything else goes to «/»."""
    if not target:
        return url_for("sites.index")
    parts = urlsplit(target) if not _bad_path(target) else None
    if parts is None or parts.scheme or parts.netloc or _bad_path(unquote(target)):
        return url_for("sites.index")
    return target


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if current_user.is_authenticated:
        return redirect(url_for("sites.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        name = form.username.data.strip()
        address = request.remote_addr or ""
        limiter = current_app.extensions["govaudit_limiter"]
        if limiter.blocked(name, address):
            minutes = max(1, settings().login_window // 60)
            flash(f"登录失败次数过多，请 {minutes} 分钟后再试", "error")
            status = 429
        else:
            info = authenticate(store(), name, form.password.data)
            if info is None:
                limiter.failed(name, address)
                flash("用户名或密码错误", "error")
                status = 401
            else:
                limiter.succeeded(name)
                session.clear()  # a fresh session on log-in: nothing from before carries over
                login_user(WebUser(info))
                session.permanent = True
                return redirect(safe_next(request.args.get("next")))
    elif request.method == "POST":
        status = 400
    return render_template("login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    if current_user.is_authenticated:
        end_sessions(store(), current_user.info.id)  # server side: every earlier copy of the cookie is void now
    logout_user()
    session.clear()
    g.pop("api_user", None)
    flash("已退出登录", "info")
    return redirect(url_for("auth.login"))
