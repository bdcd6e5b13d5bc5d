"""Page-facts snapshots: what the browser gathered for one page, as a JSON file the rules can be run on again.

A snapshot holds the probe's facts, the failed, pending and side requests, mixed content, the 无障碍/适老化 entry
results, the header OCR lines and the run's national-service reachability; pictures (screenshots taken during
entry clicks) are left out, as bytes are not facts a rule reads for its verdict. It is what
``govaudit facts URL --json F`` writes, what a user attaches to a bug report, and what the fast rule tests run on
without Chromium (tests/snapshots/).
"""
from __future__ import annotations

import dataclasses
import gzip
import json
from pathlib import Path
from typing import Any

from auditor.facts import FACTS_VERSION, ProbeFacts
from auditor.models import Box, OcrLine, PageFacts, SiteProfile

VERSION = 1


def _plain(obj: Any) -> Any:
    """JSON-safe copy: dataclasses to dicts, bytes dropped (replaced by a note of their size)."""
    if isinstance(obj, (bytes, bytearray)):
        return {"__bytes__": len(obj)}
    if isinstance(obj, ProbeFacts):  # stored as probe.js's JSON, as snapshots always were
        return _plain(obj.to_dict())
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: _plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    return obj


def _unbytes(obj: Any) -> Any:
    """The pictures a snapshot left out come back as None (rules must cope with a missing picture)."""
    if isinstance(obj, dict):
        if set(obj) == {"__bytes__"}:
            return None
        return {k: _unbytes(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_unbytes(v) for v in obj]
    return obj


def dump(facts: PageFacts, site: SiteProfile, kind: str, **meta: Any) -> dict[str, Any]:
    """A snapshot document (version, the site as registered, the page kind, the facts, free metadata)."""
    return {"version": VERSION, "facts_version": FACTS_VERSION, "site": _plain(site), "kind": kind,
            "meta": _plain(meta), "facts": _plain(facts)}


def load(doc: dict[str, Any]) -> tuple[PageFacts, SiteProfile, str]:
    """Facts, site and page kind back from a snapshot document; unknown fields are an error of the file."""
    if doc.get("version") != VERSION:
        raise ValueError(f"不支持的快照版本：{doc.get('version')!r}（应为 {VERSION}）")
    raw = _unbytes(dict(doc["facts"]))
    names = {f.name for f in dataclasses.fields(PageFacts)}
    unknown = set(raw) - names
    if unknown:
        raise ValueError(f"快照中有未知的字段：{', '.join(sorted(unknown))}")
    ocr = raw.get("header_ocr")
    if ocr is not None:
        raw["header_ocr"] = [OcrLine(line["text"], Box(**line["box"]), line["score"]) for line in ocr]
    if raw.get("header_ocr_box") is not None:
        raw["header_ocr_box"] = Box(**raw["header_ocr_box"])
    site = SiteProfile(**doc["site"])
    return PageFacts(**raw), site, doc["kind"]  # PageFacts parses the probe (auditor.facts.parse_probe)


def write(path: str | Path, doc: dict[str, Any]) -> Path:
    """Write a snapshot; a name ending in .gz is compressed."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    data = json.dumps(doc, ensure_ascii=False, indent=None if p.suffix == ".gz" else 1, default=str)
    if p.suffix == ".gz":
        p.write_bytes(gzip.compress(data.encode("utf-8"), mtime=0))
    else:
        p.write_text(data, encoding="utf-8")
    return p


def read(path: str | Path) -> dict[str, Any]:
    p = Path(path)
    raw = p.read_bytes()
    if p.suffix == ".gz":
        raw = gzip.decompress(raw)
    return json.loads(raw.decode("utf-8"))
