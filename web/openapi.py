"""The OpenAPI 3.1 description of /api/v1 (served at /api/v1/openapi.json; validated in tests/test_web_api.py)."""
from __future__ import annotations

from typing import Any

from auditor import __version__


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], desc: str = "OK") -> dict[str, Any]:
    return {"description": desc, "content": {"application/json": {"schema": schema}}}


def _arr(name: str) -> dict[str, Any]:
    return {"type": "array", "items": _ref(name)}


ERRORS = {
    "400": {"$ref": "#/components/responses/BadRequest"},
    "401": {"$ref": "#/components/responses/Unauthorized"},
    "404": {"$ref": "#/components/responses/NotFound"},
}
NULLSTR = {"type": ["string", "null"]}
NULLINT = {"type": ["integer", "null"]}
NULLTIME = {"type": ["string", "null"], "format": "date-time"}


def _path_int(name: str) -> dict[str, Any]:
    # Ids are ASCII digits, 1 ≤ id < 2^63 (web/params.py); anything else is 404.
    return {"name": name, "in": "path", "required": True,
            "schema": {"type": "integer", "minimum": 1, "maximum": 2 ** 63 - 1}}


def _q(name: str, schema: dict[str, Any], desc: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": desc}


REF_PARAM = {"name": "ref", "in": "path", "required": True,
             "schema": {"type": "string", "pattern": "^[cs][0-9]{1,19}$"},
             "description": "c<id>: a page check; s<id>: a site-level check"}


def spec() -> dict[str, Any]:
    schemas: dict[str, Any] = {
        "Error": {"type": "object", "required": ["error"],
                  "properties": {"error": {"type": "string"}, "detail": {"type": "string"}}},
        "Me": {"type": "object", "properties": {
            "id": {"type": "integer"}, "username": {"type": "string"},
            "role": {"type": "string", "enum": ["admin", "auditor", "owner"]},
            "site_ids": {"type": "array", "items": {"type": "integer"}}}},
        "Site": {"type": "object", "required": ["id", "name", "url"], "properties": {
            "id": {"type": "integer"}, "name": {"type": "string"}, "url": {"type": "string"},
            "site_code": NULLSTR, "sponsor": NULLSTR, "site_type": NULLSTR}},
        "SiteOverview": {"allOf": [_ref("Site"), {"type": "object", "properties": {
            "latest_run": {"oneOf": [_ref("Run"), {"type": "null"}]},
            "trend": {"type": "array", "description": "findings per run, oldest first",
                      "items": {"type": "object", "properties": {"run_id": {"type": "integer"},
                                                                 "findings": {"type": "integer"}}}}}}]},
        "Run": {"type": "object", "required": ["id", "status"], "properties": {
            "id": {"type": "integer"}, "kind": {"type": "string", "enum": ["pages", "site"]},
            "status": {"type": "string", "description": "queued | running | done | failed"},
            "site_id": NULLINT, "site_name": {"type": "string"}, "site_url": NULLSTR, "site_code": NULLSTR,
            "engine": {"type": "string"}, "user_agent": {"type": "string"}, "started_at": NULLTIME,
            "finished_at": NULLTIME, "pages_total": {"type": "integer"}, "pages_done": {"type": "integer"},
            "pages_failed": {"type": "integer"}, "findings": {"type": "integer"}}},
        "Progress": {"type": "object", "required": ["run_id", "status", "pages_total", "pages_done"], "properties": {
            "run_id": {"type": "integer"}, "status": {"type": "string"}, "kind": {"type": "string"},
            "pages_total": {"type": "integer"}, "pages_done": {"type": "integer"},
            "pages_failed": {"type": "integer"}, "findings": {"type": "integer"},
            "started_at": NULLTIME, "finished_at": NULLTIME}},
        "Page": {"type": "object", "properties": {
            "id": {"type": "integer"}, "url": {"type": "string"}, "final_url": NULLSTR,
            "http_status": NULLINT, "kind": NULLSTR, "title": NULLSTR, "error_kind": NULLSTR, "error": NULLSTR,
            "fetched_at": NULLTIME, "findings": {"type": "integer"}}},
        "Review": {"type": "object", "required": ["verdict", "reviewer", "created_at"], "properties": {
            "id": {"type": "integer"}, "verdict": {"type": "string", "enum": ["false_positive", "confirmed"]},
            "verdict_zh": {"type": "string", "enum": ["误报", "确认"]}, "reviewer": {"type": "string"},
            "reason": {"type": "string"}, "created_at": {"type": "string", "format": "date-time"},
            "run_id": NULLINT, "finding_ref": NULLSTR}},
        "ReviewInput": {"type": "object", "required": ["verdict"], "properties": {
            "verdict": {"type": "string", "enum": ["false_positive", "confirmed"]},
            "reason": {"type": "string", "maxLength": 2000, "description": "required for false_positive"}}},
        "Evidence": {"type": "object", "properties": {
            "id": {"type": "integer"}, "kind": {"type": "string", "description": "screenshot | crop | html | ..."},
            "sha256": NULLSTR, "size": NULLINT, "note": NULLSTR, "text": NULLSTR,
            "box": {"oneOf": [{"type": "object", "properties": {k: {"type": "number"} for k in "xywh"}},
                              {"type": "null"}]},
            "url": {"type": ["string", "null"], "description": "the file, for users who may see the site"}}},
        "Finding": {"type": "object", "required": ["ref", "rule", "status", "fingerprint"], "properties": {
            "ref": {"type": "string"}, "level": {"type": "string", "enum": ["page", "site"]},
            "run_id": {"type": "integer"}, "site_id": NULLINT, "site_name": {"type": "string"},
            "sponsor": NULLSTR, "site_url": {"type": "string"}, "rule": {"type": "string"},
            "indicator": {"type": "string"}, "status": {"type": "string", "enum": ["fail", "warn"]},
            "message": {"type": "string"}, "page_id": NULLINT, "page_url": NULLSTR, "page_title": NULLSTR,
            "subject": {"type": "string"}, "problem_url": {"type": "string"}, "checked_at": NULLTIME,
            "checked_at_bjt": {"type": "string"},
            "fingerprint": {"type": "string", "description": "SHA-256 of site origin, rule, page URL, subject"},
            "review_state": {"type": "string", "enum": ["unreviewed", "false_positive", "confirmed"]},
            "review": {"oneOf": [_ref("Review"), {"type": "null"}]}}},
        "FindingDetail": {"allOf": [_ref("Finding"), {"type": "object", "properties": {
            "evidence": _arr("Evidence"), "screenshot": {"oneOf": [_ref("Evidence"), {"type": "null"}]}}}]},
        "FindingPage": {"type": "object", "properties": {
            "total": {"type": "integer"}, "limit": {"type": "integer"}, "offset": {"type": "integer"},
            "items": _arr("Finding")}},
        "AuditInput": {"type": "object", "properties": {
            "mode": {"type": "string", "enum": ["site", "pages"], "default": "site"},
            "urls": {"type": "array", "items": {"type": "string"}, "description": "pages mode: URLs on the site"},
            "max_pages": {"type": "integer", "minimum": 1, "maximum": 2000}}},
        "AuditStarted": {"type": "object", "properties": {"run_id": {"type": "integer"},
                                                           "progress": {"type": "string"}}},
        "Comparison": {"type": "object", "properties": {
            "a": _ref("Run"), "b": _ref("Run"), "new": _arr("Finding"), "fixed": _arr("Finding"),
            "still": _arr("Finding"), "unchecked": _arr("Finding")}},
    }
    finding_filters = [
        _q("site_id", {"type": "integer"}, "only this site"),
        _q("run_id", {"type": "integer"}, "only this run"),
        _q("indicator", {"type": "string"}, "检查指标, e.g. ICP备案编号"),
        _q("status", {"type": "string", "enum": ["fail", "warn"]}, "severity"),
        _q("review", {"type": "string", "enum": ["unreviewed", "false_positive", "confirmed"]}, "review state"),
        _q("all_runs", {"type": "string", "enum": ["0", "1"]}, "1: every run, not only each site's latest"),
        _q("limit", {"type": "integer", "minimum": 1, "maximum": 1000}, "page size (default 100)"),
        _q("offset", {"type": "integer", "minimum": 0}, "skip this many"),
    ]
    paths: dict[str, Any] = {
        "/me": {"get": {"summary": "The authenticated user", "operationId": "me",
                        "responses": {"200": _json(_ref("Me")), "401": ERRORS["401"]}}},
        "/sites": {"get": {"summary": "Visible sites with their latest run and trend", "operationId": "listSites",
                           "responses": {"200": _json(_arr("SiteOverview")), "401": ERRORS["401"]}}},
        "/sites/{site_id}": {"get": {"summary": "One site", "operationId": "getSite",
                                     "parameters": [_path_int("site_id")],
                                     "responses": {"200": _json(_ref("Site")), **ERRORS}}},
        "/sites/{site_id}/runs": {"get": {"summary": "Runs of a site, newest first", "operationId": "siteRuns",
                                          "parameters": [_path_int("site_id")],
                                          "responses": {"200": _json(_arr("Run")), **ERRORS}}},
        "/sites/{site_id}/audits": {"post": {
            "summary": "Start an audit of the site (returns at once)", "operationId": "startAudit",
            "parameters": [_path_int("site_id")],
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("AuditInput")}}},
            "responses": {"202": _json(_ref("AuditStarted"), "Started"),
                          "403": {"$ref": "#/components/responses/Forbidden"}, **ERRORS}}},
        "/sites/{site_id}/compare": {"get": {
            "summary": "Compare two runs of a site: new / fixed / still there / not re-checked",
            "operationId": "compareRuns",
            "parameters": [_path_int("site_id"),
                           {"name": "a", "in": "query", "required": True, "schema": {"type": "integer"}},
                           {"name": "b", "in": "query", "required": True, "schema": {"type": "integer"}}],
            "responses": {"200": _json(_ref("Comparison")), **ERRORS}}},
        "/runs/{run_id}": {"get": {"summary": "One run", "operationId": "getRun",
                                   "parameters": [_path_int("run_id")],
                                   "responses": {"200": _json(_ref("Run")), **ERRORS}}},
        "/runs/{run_id}/progress": {"get": {"summary": "Pages done / total / failed", "operationId": "runProgress",
                                            "parameters": [_path_int("run_id")],
                                            "responses": {"200": _json(_ref("Progress")), **ERRORS}}},
        "/runs/{run_id}/pages": {"get": {"summary": "Pages of a run", "operationId": "runPages",
                                         "parameters": [_path_int("run_id")],
                                         "responses": {"200": _json(_arr("Page")), **ERRORS}}},
        "/findings": {"get": {"summary": "Findings (fail/warn) with filters; default each site's latest run",
                              "operationId": "listFindings", "parameters": finding_filters,
                              "responses": {"200": _json(_ref("FindingPage")), "400": ERRORS["400"],
                                            "401": ERRORS["401"]}}},
        "/findings/{ref}": {"get": {"summary": "One finding with its evidence", "operationId": "getFinding",
                                    "parameters": [REF_PARAM],
                                    "responses": {"200": _json(_ref("FindingDetail")), **ERRORS}}},
        "/findings/{ref}/reviews": {
            "get": {"summary": "Review history of the finding (all runs), newest first",
                    "operationId": "listReviews", "parameters": [REF_PARAM],
                    "responses": {"200": _json(_arr("Review")), **ERRORS}},
            "post": {"summary": "Mark the finding 误报 (false_positive) or 确认 (confirmed); admins and auditors",
                     "operationId": "addReview", "parameters": [REF_PARAM],
                     "requestBody": {"required": True,
                                     "content": {"application/json": {"schema": _ref("ReviewInput")}}},
                     "responses": {"201": _json(_ref("Review"), "Recorded"),
                                   "403": {"$ref": "#/components/responses/Forbidden"}, **ERRORS}}},
    }
    err = {"content": {"application/json": {"schema": _ref("Error")}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "govsite-auditor API", "version": __version__,
                 "description": "政府网站检查工具：网站、检查批次、问题、审核。Bearer 令牌（govaudit users token NAME）"
                                "或网页会话（写操作需 X-CSRFToken）。"},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}, {"session": []}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "govaudit users token NAME"},
                "session": {"type": "apiKey", "in": "cookie", "name": "govaudit_session",
                            "description": "the web UI's session; writes also need the X-CSRFToken header"}},
            "responses": {
                "BadRequest": {"description": "Bad request (also a missing CSRF token)", **err},
                "Unauthorized": {"description": "No or invalid credentials", **err},
                "Forbidden": {"description": "The role does not allow this", **err},
                "NotFound": {"description": "Unknown, or outside the user's sites", **err},
                "MethodNotAllowed": {"description": "Method not allowed on this path", **err},
                "TooLarge": {"description": "Request body larger than 1 MB", **err}},
        },
    }
