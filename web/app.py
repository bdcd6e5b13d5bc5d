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

import logging

from flask import Flask, Response, g, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException

from auditor import __version__
from auditor.config import ConfigError, Settings
from auditor.errors import network_zh
from auditor.store import Store
from web.context import AppState
from web.helpers import bjt, explain, labels, status_zh

csrf = CSRFProtect()

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
# Endpoints reachable without a session (the API authenticates on its own, with JSON errors).
PUBLIC_ENDPOINTS = {"auth.login", "static", "api.openapi"}
# Endpoints outside /api/v1 that API clients are sent to (evidence URLs in API answers): a Bearer token works.
TOKEN_ENDPOINTS = {"evidence.file"}
# What a person can do about each error, shown under the title when the view gave no message of its own.
ERROR_HINT_ZH = {403: "您的账号没有执行此操作的权限；如需开通，请联系管理员。",
                 404: "网址有误，或该内容不存在、不在您可查看的网站范围内。",
                 405: "该网址不接受这种请求方式。", 413: "提交的内容超过大小上限，请减小文件或内容后重试。",
                 429: "请稍后再试。", 500: "服务器处理请求时出错，已记录日志；请稍后重试，或联系管理员。"}
MIN_SECRET_BYTES = 32
log = logging.getLogger(__name__)

# Chinese titles for every error status the app answers, so no English Werkzeug body reaches anyone.
ERROR_ZH = {400: "请求无效", 401: "请先登录", 403: "没有权限", 404: "找不到该页面", 405: "不支持该请求方法",
            408: "请求超时", 413: "请求太大", 414: "网址太长", 415: "不支持的内容类型", 429: "请求过于频繁",
            431: "请求头太大", 500: "服务器内部错误", 503: "服务暂不可用"}


def secret_key(settings: Settings) -> str:
    """settings.secret_key, or a key generated once into <data folder>/secret_key (mode 0600).

    Several server processes may start at once: O_EXCL makes exactly one of them write the key, the others
    read it, so all sign sessions with the same key.
    """
    if settings.secret_key:
        if len(settings.secret_key.encode("utf-8")) < MIN_SECRET_BYTES:
            # A short key can be guessed offline from one session cookie, and then any session forged.
            raise ConfigError(f"设置 secret_key（GOVAUDIT_SECRET_KEY）太短：至少 {MIN_SECRET_BYTES} 字节，"
                              "可用 python -c 'import secrets; print(secrets.token_hex(32))' 生成")
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
    """The web app on these settings; the Store is created (and migrated) unless one is given.

    Raises ConfigError (before touching the database) when ``secret_key`` is set but shorter than 32 bytes."""
    key = secret_key(settings)
    app = Flask(__name__)
    # Before any blueprint: every <int:...> in a route is a bounded ASCII id (web/params.py).
    from web.params import IdConverter

    app.url_map.converters["int"] = IdConverter
    if store is None:
        store = Store(settings.database_url)
    store.upgrade()
    app.extensions["govaudit"] = AppState(settings, store)
    from web.limiter import LoginLimiter

    app.extensions["govaudit_limiter"] = LoginLimiter(settings, store)
    app.config.update(
        SECRET_KEY=key,
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
        # WTForms' own messages («Not a valid choice.», «This field is required.») in Chinese: its bundled zh
        # catalogue (Flask-WTF's i18n would need Flask-Babel, which this app does not use).
        WTF_I18N_ENABLED=False,
    )
    from flask_wtf import FlaskForm

    FlaskForm.Meta.locales = ("zh",)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]

    @app.before_request
    def _upload_limit() -> None:
        # Before CSRFProtect reads the form: a site-list upload may be larger than other requests, up to the
        # import limit (the file is then checked again, uncompressed, by auditor.sites_import).
        if request.endpoint == "sites.import_list":
            request.max_content_length = max(settings.import_max_bytes, 1_000_000)
        elif request.endpoint == "scorecard.judge":  # a picture as the evidence of a 人工核查
            from web.scorecard import UPLOAD_LIMIT

            request.max_content_length = UPLOAD_LIMIT

    csrf.init_app(app)

    from web import api, auth, evidence, exports, findings, review, runs, scorecard, sites, triage, users

    auth.login_manager.init_app(app)
    for mod in (auth, sites, runs, findings, review, triage, evidence, exports, users, scorecard):
        app.register_blueprint(mod.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(__import__("web.a11y_report", fromlist=["bp"]).bp)  # 无障碍评测 (per criterion)
    csrf.exempt(api.bp)  # the API checks CSRF itself for session-authenticated writes (see web/api.py)

    app.add_template_filter(bjt, "bjt")
    app.add_template_filter(status_zh, "status_zh")
    app.add_template_filter(explain, "explain")
    app.add_template_filter(network_zh, "neterr")  # English network errors stored before they were mapped

    # Globals rather than a context processor: imported macros (_macros.html) see globals, not the context.
    app.jinja_env.globals.update(labels(), version=__version__)

    @app.before_request
    def _no_nul() -> Any:
        # A NUL character is never meaningful in a name, a URL or a reason, and PostgreSQL refuses to store one
        # (an error deep in the driver): refuse it at the door, for query strings, forms and JSON bodies.
        def has_nul(md: Any) -> bool:
            return any("\x00" in k or any("\x00" in v for v in vs) for k, vs in md.lists())

        bad = "\x00" in request.path or has_nul(request.args)
        if not bad and request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            bad = has_nul(request.form)
        elif not bad and request.is_json:
            raw = request.get_data(cache=True)
            bad = b"\\u0000" in raw or b"\x00" in raw
        if bad:
            return _answer(400, "请求中含有不允许的空字符（NUL）")
        return None

    @app.before_request
    def _require_login() -> Any:
        # Default deny: every page needs a logged-in user unless listed as public; the API answers 401 itself.
        if request.blueprint == "api" or request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
            return None
        if request.endpoint in TOKEN_ENDPOINTS:
            from web.auth import bearer_user, unauthorized_json, wants_json

            if request.headers.get("Authorization"):
                user = bearer_user()
                if user is None:
                    return unauthorized_json("令牌无效")
                g.api_user = user
                return None
            if not current_user.is_authenticated and wants_json():
                return unauthorized_json("需要登录或 API 令牌")
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

    def _answer(code: int, detail: str) -> Any:
        title = ERROR_ZH.get(code, "请求无效" if code < 500 else "服务器内部错误")
        if request.path == "/api" or request.path.startswith("/api/"):
            return jsonify({"error": detail or title}), code
        try:
            return render_template("error.html", code=code, title=title,
                                   detail=detail or ERROR_HINT_ZH.get(code, "")), code
        except Exception:  # noqa: BLE001 - the error page itself failed (e.g. the database is down)
            return Response(f"<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>{title}</title>"
                            f"<h1>{code} · {title}</h1></html>", code, mimetype="text/html")

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Any:
        code = exc.code or 500
        # Werkzeug's own descriptions are English; only a message we gave abort() (Chinese) is shown.
        desc = exc.description or ""
        own = desc and desc != type(exc).description
        resp = _answer(code, desc if own else "")
        if code == 405 and isinstance(resp, tuple) and exc.valid_methods:
            return resp[0], code, {"Allow": ", ".join(exc.valid_methods)}
        return resp

    @app.errorhandler(Exception)
    def _server_error(exc: Exception) -> Any:
        # Last line only: no traceback or exception text reaches the client; the log keeps it.
        log.exception("未处理的异常：%s %s", request.method, request.path)
        return _answer(500, "")

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError) -> Any:
        if request.path.startswith("/api/"):
            return {"error": "CSRF 校验失败：会话写入需在 X-CSRFToken 请求头中带上页面的 CSRF 令牌"}, 400
        return render_template("error.html", code=400, title="表单已失效（CSRF 校验失败）",
                               detail="请返回上一页刷新后重试。"), 400

    @app.route("/")
    def home() -> Any:
        return redirect(url_for("sites.index"))

    return app
