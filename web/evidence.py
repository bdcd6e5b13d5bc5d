"""Evidence files, served by evidence id (never by a path from the URL), only to users who may see the run's
site, and only from inside the evidence folder."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, request, send_file

from auditor.store.findings import evidence_site
from web.context import me, settings, store
from web.helpers import evidence_path

bp = Blueprint("evidence", __name__)


def send_evidence(evidence_id: int) -> Any:
    """The file of one evidence row for the current user, or 404 (unknown, not theirs, or outside the folder:
    the same answer, so ids of other sites' evidence cannot be told apart from missing ones)."""
    got = evidence_site(store(), evidence_id)
    if got is None:
        abort(404)
    ev, site_id = got
    if not me().may_see_site(site_id):
        abort(404)
    path = evidence_path(settings().evidence_dir, ev.path)
    if path is None:
        abort(404)
    # Snippets are HTML written by strangers: always plain text here, never a document of this origin.
    mimetype = "image/png" if path.suffix.lower() == ".png" else "text/plain; charset=utf-8"
    resp = send_file(path, mimetype=mimetype, as_attachment=request.args.get("download") == "1",
                     download_name=path.name, conditional=True, max_age=0)
    resp.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    resp.headers["Cache-Control"] = "private, no-store"
    if ev.sha256:
        resp.headers["X-Evidence-SHA256"] = ev.sha256
    return resp


@bp.route("/evidence/<int:evidence_id>")
def file(evidence_id: int) -> Any:
    return send_evidence(evidence_id)
