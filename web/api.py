"""JSON API under /api/v1 (described by /api/v1/openapi.json).

Authentication, either:
- ``Authorization: Bearer <token>`` (a token from ``govaudit users token NAME``; only its SHA-256 is stored).
  No cookies are involved, so there is nothing for CSRF to forge and no CSRF token is asked for; or
- the web UI's session cookie (what the run page's progress poll uses). Writes with the session cookie must
  send the page's CSRF token in ``X-CSRFToken``, as forms do.
The same roles and site scope as the UI apply; resources outside the user's sites answer 404.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, g, jsonify, request, url_for
from flask_login import current_user

from auditor.store import findings as fq
from auditor.store.reviews import ReviewError, ReviewInfo, history
from auditor.store.users import user_by_token
from web.context import me, store
from web.helpers import bjt
from web.params import BadParam, finding_filter, int_arg, paging, valid_ref

bp = Blueprint("api", __name__, url_prefix="/api/v1")
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")


@bp.before_request
def _authenticate() -> Any:
    if request.endpoint == "api.openapi":
        return None
    auth = request.headers.get("Authorization", "")
    if auth:
        scheme, _, token = auth.partition(" ")
        user = user_by_token(store(), token.strip()) if scheme.lower() == "bearer" else None
        if user is None:
            return _unauthorized("令牌无效")
        g.api_user = user
        return None
    if current_user.is_authenticated:
        if request.method in UNSAFE:
            from web.app import csrf

            csrf.protect()  # a session cookie is ambient: writes need the page's CSRF token (X-CSRFToken)
        return None
    return _unauthorized("需要登录或 API 令牌")


def _unauthorized(msg: str) -> Any:
    resp = jsonify({"error": msg})
    resp.status_code = 401
    resp.headers["WWW-Authenticate"] = 'Bearer realm="govaudit"'
    return resp


def _bad(msg: str, code: int = 400) -> Any:
    return jsonify({"error": msg}), code


def _iso(dt: Any) -> str | None:
    return dt.isoformat() if dt else None


def site_json(s: fq.SiteInfo) -> dict[str, Any]:
    return {"id": s.id, "name": s.name, "url": s.url, "site_code": s.site_code, "sponsor": s.sponsor,
            "site_type": s.site_type, "region": s.region}


def run_json(r: fq.RunInfo) -> dict[str, Any]:
    return {"id": r.id, "kind": r.kind, "status": r.status, "site_id": r.site_id, "site_name": r.site_name,
            "site_url": r.site_url, "site_code": r.site_code, "engine": r.engine, "user_agent": r.user_agent,
            "started_at": _iso(r.started_at), "finished_at": _iso(r.finished_at), "pages_total": r.pages_total,
            "pages_done": r.pages_done, "pages_failed": r.pages_failed, "findings": r.findings,
            "services": list(((r.options or {}).get("services") or {}).values()),
            "purpose": r.purpose, "started_by": r.started_by, "error": r.error}


def review_json(r: ReviewInfo | None) -> dict[str, Any] | None:
    if r is None:
        return None
    return {"id": r.id, "verdict": r.verdict, "verdict_zh": r.verdict_zh, "reviewer": r.reviewer,
            "reason": r.reason, "created_at": _iso(r.created_at), "run_id": r.run_id, "finding_ref": r.finding_ref}


def finding_json(f: fq.Finding) -> dict[str, Any]:
    return {"ref": f.ref, "level": f.level, "run_id": f.run_id, "site_id": f.site_id, "site_name": f.site_name,
            "sponsor": f.sponsor, "site_url": f.site_url, "rule": f.rule, "indicator": f.indicator,
            "status": f.status, "message": f.message, "page_id": f.page_id, "page_url": f.page_url,
            "page_title": f.page_title, "subject": f.subject, "problem_url": f.problem_url,
            "checked_at": _iso(f.checked_at), "checked_at_bjt": bjt(f.checked_at), "fingerprint": f.fingerprint,
            "review_state": f.review_state, "review": review_json(f.review)}


def evidence_json(e: fq.EvidenceInfo) -> dict[str, Any]:
    return {"id": e.id, "kind": e.kind, "sha256": e.sha256, "size": e.size, "box": e.box, "note": e.note,
            "text": e.text, "url": url_for("evidence.file", evidence_id=e.id) if e.path else None}


def _site(site_id: int) -> fq.SiteInfo:
    site = fq.get_site(store(), site_id)
    if site is None or not me().may_see_site(site.id):
        abort(404)
    return site


def _run(run_id: int) -> fq.RunInfo:
    run = fq.get_run(store(), run_id, me().scope)
    if run is None:
        abort(404)
    return run


def _finding(ref: str) -> fq.Finding:
    if not valid_ref(ref):
        abort(404)
    f = fq.get_finding(store(), ref, me().scope)
    if f is None:
        abort(404)
    return f


@bp.route("/openapi.json")
def openapi() -> Any:
    from web.openapi import spec

    return jsonify(spec())


@bp.route("/me")
def whoami() -> Any:
    u = me()
    return jsonify({"id": u.id, "username": u.username, "role": u.role, "site_ids": sorted(u.site_ids)})


@bp.route("/sites")
def sites() -> Any:
    rows = fq.site_overview(store(), me().scope)
    return jsonify([{**site_json(r.site), "latest_run": run_json(r.latest) if r.latest else None,
                     "trend": [{"run_id": rid, "findings": n} for rid, n in r.trend]} for r in rows])


@bp.route("/sites/<int:site_id>")
def site(site_id: int) -> Any:
    return jsonify(site_json(_site(site_id)))


@bp.route("/sites/<int:site_id>/runs")
def site_runs(site_id: int) -> Any:
    s = _site(site_id)
    return jsonify([run_json(r) for r in fq.runs_of_site(store(), s.id)])


@bp.route("/sites/<int:site_id>/audits", methods=["POST"])
def start_audit(site_id: int) -> Any:
    from web.runs import AuditRefused
    from web.runs import start_audit as start

    s = _site(site_id)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return _bad("请求体必须是 JSON 对象")
    mode = body.get("mode", "site")
    urls = body.get("urls") or []
    max_pages = body.get("max_pages")
    if not isinstance(urls, list) or not all(isinstance(u, str) for u in urls):
        return _bad("urls 必须是字符串数组")
    if max_pages is not None and (not isinstance(max_pages, int) or isinstance(max_pages, bool) or max_pages < 1):
        return _bad("max_pages 必须是正整数")
    try:
        run_id = start(me(), s, mode, urls, max_pages)
    except PermissionError:
        return _bad("没有权限检查该网站", 403)
    except AuditRefused as exc:
        return _bad(str(exc))
    return jsonify({"run_id": run_id, "progress": url_for("api.run_progress", run_id=run_id)}), 202


@bp.route("/sites/<int:site_id>/compare")
def compare(site_id: int) -> Any:
    s = _site(site_id)
    try:
        a, b = int_arg(request.args, "a"), int_arg(request.args, "b")
    except BadParam as exc:
        return _bad(str(exc))
    if a is None or b is None:
        return _bad("需要参数 a 和 b（两次检查的批次号）")
    ids = {r.id for r in fq.runs_of_site(store(), s.id)}
    if a not in ids or b not in ids:
        abort(404)
    why = fq.compare_refusal(a, b)
    if why:
        return _bad(why)
    cmp = fq.compare_runs(store(), me().scope, a, b)
    if cmp is None:
        abort(404)
    return jsonify({"a": run_json(cmp.a), "b": run_json(cmp.b), "new": [finding_json(f) for f in cmp.new],
                    "fixed": [finding_json(f) for f in cmp.fixed],
                    "still": [finding_json(fb) for _, fb in cmp.still],
                    "unchecked": [finding_json(f) for f in cmp.unchecked]})


@bp.route("/runs/<int:run_id>")
def run(run_id: int) -> Any:
    return jsonify(run_json(_run(run_id)))


@bp.route("/runs/<int:run_id>/progress")
def run_progress(run_id: int) -> Any:
    r = _run(run_id)
    return jsonify(fq.run_progress(store(), r.id))


@bp.route("/runs/<int:run_id>/pages")
def run_pages(run_id: int) -> Any:
    r = _run(run_id)
    return jsonify([{"id": p.id, "url": p.url, "final_url": p.final_url, "http_status": p.http_status,
                     "kind": p.kind, "title": p.title, "error_kind": p.error_kind, "error": p.error,
                     "fetched_at": _iso(p.fetched_at), "findings": p.findings}
                    for p in fq.pages_of_run(store(), r.id)])


@bp.route("/findings")
def findings() -> Any:
    try:
        flt = finding_filter(request.args)
        limit, offset = paging(request.args)
    except BadParam as exc:
        return _bad(str(exc))
    items, total = fq.list_findings(store(), me().scope, flt, limit, offset)
    return jsonify({"total": total, "limit": limit, "offset": offset, "items": [finding_json(f) for f in items]})


@bp.route("/findings/<ref>")
def finding(ref: str) -> Any:
    f = _finding(ref)
    doc = finding_json(f)
    evs, shot = fq.evidence_of_check(store(), int(f.ref[1:])) if f.level == "page" else ([], None)
    doc["evidence"] = [evidence_json(e) for e in evs]
    doc["screenshot"] = evidence_json(shot) if shot else None
    return jsonify(doc)


@bp.route("/findings/<ref>/reviews", methods=["GET"])
def reviews(ref: str) -> Any:
    f = _finding(ref)
    return jsonify([review_json(r) for r in history(store(), f.fingerprint)])


@bp.route("/findings/<ref>/reviews", methods=["POST"])
def add_review(ref: str) -> Any:
    from web.review import review_finding

    f = _finding(ref)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return _bad("请求体必须是 JSON 对象")
    verdict, reason = body.get("verdict"), body.get("reason", "")
    if not isinstance(verdict, str) or not isinstance(reason, str):
        return _bad("verdict 和 reason 必须是字符串")
    try:
        r = review_finding(me(), f, verdict, reason)
    except PermissionError:
        return _bad("只有管理员和检查人员可以审核", 403)
    except ReviewError as exc:
        return _bad(str(exc))
    return jsonify(review_json(r)), 201
