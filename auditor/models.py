"""Domain models: the site being audited, the rendered page's facts, and the checks the rules yield."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from auditor.facts import ProbeFacts, parse_probe


class Status(str, Enum):
    PASS = "pass"
    FAIL = "fail"
    WARN = "warn"
    NOT_ASSESSABLE = "not_assessable"

    @property
    def is_finding(self) -> bool:
        return self in (Status.FAIL, Status.WARN)


STATUS_ZH = {Status.PASS: "通过", Status.FAIL: "不合格", Status.WARN: "警告", Status.NOT_ASSESSABLE: "无法评估"}


@dataclass(frozen=True)
class Box:
    """An element's box in page (document) coordinates, CSS pixels."""
    x: float
    y: float
    w: float
    h: float

    @classmethod
    def of(cls, d: dict[str, Any] | None) -> "Box | None":
        if not d:
            return None
        return cls(float(d["x"]), float(d["y"]), float(d["w"]), float(d["h"]))

    def as_dict(self) -> dict[str, float]:
        return {"x": round(self.x, 1), "y": round(self.y, 1), "w": round(self.w, 1), "h": round(self.h, 1)}


# 网站标识码: ten digits, or «bm» and eight digits (the departments' own sites).
SITE_CODE_RE = re.compile(r"^(\d{10}|bm\d{8})$")


@dataclass
class SiteProfile:
    """The site as the auditor registered it (网站名称, 网站标识码, 主办单位)."""
    name: str
    code: str | None = None
    sponsor: str | None = None
    site_type: str | None = None


@dataclass
class EvidenceRef:
    """Where on the page a check found (or looked for) its item; the pipeline turns it into files."""
    note: str
    box: Box | None = None
    html: str | None = None
    text: str | None = None
    kind: str = "element"  # element | region | ocr | axe | shot
    png: bytes | None = None  # a picture the browser took for this check (e.g. after 适老模式 was switched on)
    # Personal data under the box: the crop (and the page screenshot) blur it, and no HTML snippet is kept.
    blur: bool = False


@dataclass
class CheckResult:
    rule: str
    status: Status
    indicator: str
    message: str
    value: Any = None
    evidence: list[EvidenceRef] = field(default_factory=list)
    # The rule of fault (auditor/fault.py): URLs whose loading this verdict rests on (a badge script or image, a
    # toolbar script, the page an entry opens). A fail or warn whose dependency failed on the auditor's side
    # becomes not_assessable, naming the host and the error.
    depends_on: list[str] = field(default_factory=list)
    # What the page does contain, in a sentence, for that not_assessable message (e.g. the badge link and its id).
    shown: str | None = None
    # What a site rule's result is about when it has several (the 栏目's URL for columns.freshness, the page's URL
    # for links.availability); "" for the site as a whole and for page rules.
    subject: str = ""


@dataclass
class OcrLine:
    text: str
    box: Box
    score: float


@dataclass
class PageFacts:
    """Everything the rules may read about one rendered page. Rules never re-query the browser."""
    url: str
    final_url: str
    status: int | None
    # The probe's facts (auditor/facts.py); a dict of probe.js's JSON given here is parsed once, on construction.
    probe: ProbeFacts
    failed_requests: list[dict[str, Any]] = field(default_factory=list)
    mixed_content: list[str] = field(default_factory=list)
    # OCR of the header band's pixels; None when it was not needed (the DOM proved the name) or not run.
    header_ocr: list[OcrLine] | None = None
    header_ocr_box: Box | None = None
    # 无障碍: axe-core's compacted result (auditor.a11y.compact, with boxes); None when the pass did not run.
    axe: dict[str, Any] | None = None
    # 无障碍/适老化 entry activation and the machine-checkable 适老化 items (browsers/elderly.py); None when not run.
    elderly: dict[str, Any] | None = None
    # Requests still under way when the page was probed (a host that hangs): {"url", "type", "error": "pending"}.
    pending_requests: list[dict[str, Any]] = field(default_factory=list)
    # Requests that failed during the auditor's own actions after the load (entry clicks, followed links).
    side_failures: list[dict[str, Any]] = field(default_factory=list)
    # Hosts that answered at least one request of the page: what they answered is evidence, whatever a probe said.
    reached_hosts: list[str] = field(default_factory=list)
    # The run's reachability probe of the national services (auditor.fault.ServiceStatus as dicts, by host).
    services: dict[str, dict[str, Any]] = field(default_factory=dict)
    # The page the footer's «联系我们» link leads to, opened by the gatherer when the footer itself shows no
    # qualifying contact (browsers/fetcher.py): {"url", "final_url", "status", "error", "title", "texts":
    # [{"text", "box", "blk"}], "mailto": [...], "shot_box": the screenshot's box in that page}; None when not
    # followed. Its screenshot (a crop around the contact block, or the viewport) is kept apart, in
    # ``contact_png``, so that nothing serialised to JSON carries picture bytes.
    contact_page: dict[str, Any] | None = None
    contact_png: bytes | None = None
    # Same-site attachments linked from the page (browsers/attachments.py): {"url", "name", "ext", "status"
    # ("ok" | "not_assessable"), "error", "bytes", "chunks": [{"loc", "text", "cells"?}]}; None when not gathered.
    attachments: list[dict[str, Any]] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.probe, ProbeFacts):
            self.probe = parse_probe(self.probe)

    @property
    def failed_urls(self) -> set[str]:
        """URLs whose request failed, in both schemes: a page with upgrade-insecure-requests asks for the
        https form of the http URL its markup names."""
        out = set()
        for r in self.failed_requests:
            u = r["url"]
            out.add(u)
            if u.startswith("https://"):
                out.add("http://" + u[len("https://"):])
            elif u.startswith("http://"):
                out.add("https://" + u[len("http://"):])
        return out

    def metas(self) -> dict[str, str]:
        """Meta tags by name, case-insensitively keyed (SiteName and sitename are the same tag)."""
        out: dict[str, str] = {}
        for m in self.probe.metas:
            name = (m.get("name") or m.get("property") or "").strip()
            if name and name.lower() not in out:
                out[name.lower()] = (m.get("content") or "").strip()
        return out
