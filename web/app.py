"""The Flask application: `create_app(settings)` wires the Store, log-in, CSRF, security headers and the
blueprints (one job each: auth, sites, runs, findings, review, evidence, exports, api).

Pages are written by strangers, so every page-derived string (titles, messages, snippets) goes through
Jinja's autoescaping and is never marked safe; a strict Content-Security-Policy (no inline script or style)
is the second line of defence.
"""
from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask, Response, g, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError, CSRFProtect

from auditor import __version__
from auditor.config import Settings
from auditor.store import Store
from web.context import AppState
from web.helpers import bjt, labels, status_zh

csrf = CSRFProtect()

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
# Endpoints reachable without a session (the API authenticates on its own, with JSON errors).
PUBLIC_ENDPOINTS = {"auth.login", "static", "api.openapi"}


def secret_key(settings: Settings) -> str:
    """settings.secret_key, or a key generated once into <data folder>/secret_key (mode 0600).

    Several server processes may start at once: O_EXCL makes exactly one of them write the key, the others
    read it, so all sign sessions with the same key.
    """
    if settings.secret_key:
        return settings.secret_key
    path = Path(settings.evidence_dir).resolve().parent / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_text(encoding="ascii").strip()
        if len(key) < 32:
            raise RuntimeError(f"{path} 中的密钥太短，请删除该文件或设置 GOVAUDIT_SECRET_KEY")
        return key
    key = secrets.token_hex(32)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(key + "\n")
    return key


def create_app(settings: Settings, store: Store | None = None) -> Flask:
    """The web app on these settings; the Store is created (and migrated) unless one is given."""
    app = Flask(__name__)
    if store is None:
        store = Store(settings.database_url)
    store.upgrade()
    app.extensions["govaudit"] = AppState(settings, store)
    app.config.update(
        SECRET_KEY=secret_key(settings),
        SESSION_COOKIE_NAME="govaudit_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.cookie_secure,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=settings.cookie_secure,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        WTF_CSRF_TIME_LIMIT=12 * 3600,
        MAX_CONTENT_LENGTH=1_000_000,
        JSON_AS_ASCII=False,
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    csrf.init_app(app)

    from web import api, auth, evidence, exports, findings, review, runs, sites

    auth.login_manager.init_app(app)
    for mod in (auth, sites, runs, findings, review, evidence, exports):
        app.register_blueprint(mod.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(__import__("web.a11y_report", fromlist=["bp"]).bp)  # 无障碍评测 (per criterion)
    csrf.exempt(api.bp)  # the API checks CSRF itself for session-authenticated writes (see web/api.py)

    app.add_template_filter(bjt, "bjt")
    app.add_template_filter(status_zh, "status_zh")

    # Globals rather than a context processor: imported macros (_macros.html) see globals, not the context.
    app.jinja_env.globals.update(labels(), version=__version__)

    @app.before_request
    def _require_login() -> Any:
        # Default deny: every page needs a logged-in user unless listed as public; the API answers 401 itself.
        if request.blueprint == "api" or request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
            return None
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path if request.query_string else request.path))
        return None

    @app.after_request
    def _headers(resp: Response) -> Response:
        resp.headers.setdefault("Content-Security-Policy", CSP)
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["X-Frame-Options"] = "DENY"
        resp.headers["Referrer-Policy"] = "same-origin"
        if current_user.is_authenticated or g.get("api_user") is not None:
            # Pages and files behind a log-in must not sit in shared caches.
            resp.headers.setdefault("Cache-Control", "private, no-store")
        return resp

    def _error(code: int, title: str) -> Any:
        def handler(exc: Exception) -> Any:
            if request.path.startswith("/api/"):
                return {"error": title}, code
            return render_template("error.html", code=code, title=title,
                                   detail=getattr(exc, "description", "")), code
        return handler

    app.register_error_handler(400, _error(400, "请求无效"))
    app.register_error_handler(401, _error(401, "请先登录"))
    app.register_error_handler(403, _error(403, "没有权限"))
    app.register_error_handler(404, _error(404, "找不到该页面"))
    app.register_error_handler(413, _error(413, "请求太大"))

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError) -> Any:
        if request.path.startswith("/api/"):
            return {"error": "CSRF 校验失败", "detail": exc.description}, 400
        return render_template("error.html", code=400, title="表单已失效（CSRF 校验失败）",
                               detail="请返回上一页刷新后重试。"), 400

    @app.route("/")
    def home() -> Any:
        return redirect(url_for("sites.index"))

    return app
