"""Runs with many findings for the review tests, written through the Store as the pipeline writes them (pages,
checks, evidence files with their SHA-256 under the evidence folder), so a 100-page group needs no 100-page crawl.

``make_run`` takes, per page URL, the findings on it: (rule, status, indicator, message, HTML snippet or None).
Each finding gets a crop (a real PNG) and, when a snippet is given, the snippet as an HTML evidence file.
"""
from __future__ import annotations

import hashlib
import io
from pathlib import Path

from PIL import Image, ImageDraw

from auditor.store import Store
from auditor.store.models import Check, Evidence, Page

Spec = tuple[str, str, str, str, str | None]


def _png(label: str) -> bytes:
    img = Image.new("RGB", (360, 60), "white")
    d = ImageDraw.Draw(img)
    d.rectangle((2, 2, 357, 57), outline=(230, 0, 0), width=3)
    d.text((12, 22), label, fill=(60, 60, 60))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def _file(evidence_dir: Path, rel: str, data: bytes, kind: str) -> Evidence:
    p = evidence_dir / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data)
    return Evidence(kind=kind, path=rel, sha256=hashlib.sha256(data).hexdigest(), size=len(data),
                    box={"x": 10, "y": 10, "w": 300, "h": 30} if kind == "crop" else None)


def make_run(store: Store, evidence_dir: str | Path, *, site_id: int | None, site_name: str, site_url: str,
             pages: dict[str, list[Spec]], purpose: str = "official", kind: str = "site",
             started_by: str | None = "auditor", failed_pages: tuple[str, ...] = ()) -> int:
    """A finished run with the given findings on the given pages; ``failed_pages`` are stored as load errors."""
    ev_dir = Path(evidence_dir)
    run = store.create_run(site_name, None, len(pages) + len(failed_pages), "playwright", "test", {},
                           site_id=site_id, kind=kind, site_url=site_url, purpose=purpose, started_by=started_by)
    crop = _png(f"run {run.id}")
    for n, (url, specs) in enumerate(pages.items()):
        rows = []
        for i, (rule, status, indicator, message, html) in enumerate(specs):
            evs = [_file(ev_dir, f"review-{run.id}/{n}-{i}.png", crop, "crop")]
            if html is not None:
                evs.append(_file(ev_dir, f"review-{run.id}/{n}-{i}.html", html.encode("utf-8"), "html"))
            rows.append((Check(rule=rule, status=status, indicator=indicator, message=message, value=None), evs))
        store.save_page(run.id, Page(url=url, final_url=url, http_status=200, kind="article", title=f"页面 {n}",
                                     user_agent="test", details={}), rows, [])
    for url in failed_pages:
        store.save_page(run.id, Page(url=url, final_url=None, http_status=None, kind=None, title=None,
                                     error_kind="timeout", error="超时", user_agent="test", details={}), [], [])
    store.finish_run(run.id)
    return run.id
