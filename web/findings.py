"""Findings: the filtered list, and one finding with its crop, the full screenshot with the element boxed, the
HTML snippet, the files' hashes, and its review."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, abort, render_template, request

from auditor.store import findings as fq
from auditor.store.reviews import history
from web.context import me, settings, store
from web.helpers import evidence_path, file_sha256, png_size, read_text
from web.params import BadParam, finding_filter, int_arg, valid_ref

bp = Blueprint("findings", __name__)
PAGE_SIZE = 100
MAX_PAGE_NO = 1_000_000  # page × PAGE_SIZE must stay a valid SQL offset


@bp.route("/findings")
def index() -> Any:
    user = me()
    try:
        flt = finding_filter(request.args)
        page_no_i = int_arg(request.args, "page") or 1
    except BadParam as exc:
        abort(400, str(exc))
    if page_no_i > MAX_PAGE_NO:
        abort(400, f"参数 page 不能大于 {MAX_PAGE_NO}")
    items, total = fq.list_findings(store(), user.scope, flt, PAGE_SIZE, (page_no_i - 1) * PAGE_SIZE)
    query = {k: v for k, v in request.args.items() if k != "page" and v}
    sites = fq.visible_sites(store(), user.scope)
    runs = fq.runs_of_site(store(), flt.site_id, 50) if flt.site_id and user.may_see_site(flt.site_id) else []
    return render_template("findings.html", items=items, total=total, flt=flt, page_no=page_no_i,
                           pages=(total + PAGE_SIZE - 1) // PAGE_SIZE, query=query, qs=urlencode(query),
                           sites=sites, runs=runs, indicators=fq.indicators(store(), user.scope))


@dataclass
class ShownEvidence:
    ev: fq.EvidenceInfo
    exists: bool
    hash_ok: bool | None
    text: str | None
    size: tuple[int, int] | None


def _shown(ev: fq.EvidenceInfo) -> ShownEvidence:
    """An evidence row as shown: does the file exist, does its SHA-256 still match, its text (escaped on
    display) for snippets and HTTP exchanges, its pixel size for images."""
    p = evidence_path(settings().evidence_dir, ev.path)
    if p is None:
        return ShownEvidence(ev, False, None, None, None)
    text = read_text(p) if ev.kind in ("html", "http") or p.suffix in (".html", ".txt") else None
    size = png_size(p) if p.suffix == ".png" else None
    return ShownEvidence(ev, True, file_sha256(p) == ev.sha256 if ev.sha256 else None, text, size)


def visible_finding(ref: str) -> fq.Finding:
    if not valid_ref(ref):
        abort(404)
    f = fq.get_finding(store(), ref, me().scope)
    if f is None:
        abort(404)
    return f


@bp.route("/findings/<ref>")
def show(ref: str) -> Any:
    from web.review import ReviewForm

    f = visible_finding(ref)
    evidence: list[ShownEvidence] = []
    shot: ShownEvidence | None = None
    if f.level == "page":
        evs, shot_ev = fq.evidence_of_check(store(), int(f.ref[1:]))
        evidence = [_shown(e) for e in evs]
        shot = _shown(shot_ev) if shot_ev else None
    else:  # a site check's own pictures (the search queries and results, the 留言 rows)
        evidence = [_shown(e) for e in fq.evidence_of_site_check(store(), int(f.ref[1:]))]
    value = fq.site_check_value(store(), int(f.ref[1:])) if f.level == "site" else None
    boxes = [e.ev.box for e in evidence if e.ev.box]
    run = fq.get_run(store(), f.run_id, me().scope)
    return render_template("finding.html", f=f, evidence=evidence, shot=shot, boxes=boxes, run=run, value=value,
                           reviews=history(store(), f.fingerprint),
                           form=ReviewForm() if me().may_review else None)
