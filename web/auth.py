"""Log-in and log-out (session cookies through Flask-Login), and the rule that every page needs a user.

Passwords are checked with werkzeug.security against the stored hash. The session carries the user id and a
stamp of the password hash, so changing a password (or disabling the account) ends existing sessions.
Failed log-ins are counted per name and address; after 5 within 5 minutes further tries are refused for a while.
"""
from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, flash, redirect, render_template, request, session, url_for
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from auditor.store.users import UserInfo, authenticate, get_user
from web.context import store

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "请先登录"
login_manager.session_protection = "basic"

MAX_FAILURES, WINDOW_S = 5, 300
_failures: dict[tuple[str, str], deque[float]] = defaultdict(deque)
_failures_lock = threading.Lock()


class WebUser(UserMixin):
    def __init__(self, info: UserInfo):
        self.info = info

    def get_id(self) -> str:
        return f"{self.info.id}:{self.info.stamp}"


@login_manager.user_loader
def _load(user_id: str) -> WebUser | None:
    uid, _, stamp = user_id.partition(":")
    if not uid.isdigit():
        return None
    info = get_user(store(), int(uid))
    if info is None or info.stamp != stamp:
        return None
    return WebUser(info)


class LoginForm(FlaskForm):
    username = StringField("用户名", validators=[DataRequired(), Length(max=80)])
    password = PasswordField("密码", validators=[DataRequired(), Length(max=200)])


def _safe_next(target: str | None) -> str:
    """Only a path on this site (no scheme, no host, no //evil.example) is followed after log-in."""
    if not target:
        return url_for("sites.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return url_for("sites.index")
    return target


def _throttled(key: tuple[str, str], now: float) -> bool:
    with _failures_lock:
        q = _failures[key]
        while q and now - q[0] > WINDOW_S:
            q.popleft()
        return len(q) >= MAX_FAILURES


def _fail(key: tuple[str, str], now: float) -> None:
    with _failures_lock:
        if len(_failures) > 10_000:  # made-up names must not grow this without bound: forget stale entries
            for k in [k for k, q in _failures.items() if not q or now - q[-1] > WINDOW_S]:
                del _failures[k]
        _failures[key].append(now)


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if current_user.is_authenticated:
        return redirect(url_for("sites.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        name = form.username.data.strip()
        key = (name.lower(), request.remote_addr or "")
        now = time.monotonic()
        if _throttled(key, now):
            flash("登录失败次数过多，请 5 分钟后再试", "error")
            status = 429
        else:
            info = authenticate(store(), name, form.password.data)
            if info is None:
                _fail(key, now)
                flash("用户名或密码错误", "error")
                status = 401
            else:
                session.clear()  # a fresh session on log-in: nothing from before carries over
                login_user(WebUser(info))
                session.permanent = True
                return redirect(_safe_next(request.args.get("next")))
    elif request.method == "POST":
        status = 400
    return render_template("login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    logout_user()
    session.clear()
    flash("已退出登录", "info")
    return redirect(url_for("auth.login"))
