"""Small helpers for views and templates: Beijing time, Chinese labels, evidence files on disk, the trend chart."""
from __future__ import annotations

import hashlib
import re
import struct
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape

from auditor.models import STATUS_ZH, Status
from auditor.store.reviews import VERDICTS
from auditor.store.users import ROLE_ZH

# 检查时间 is shown in China Standard Time (no daylight saving, so a fixed offset is exact).
BJT = timezone(timedelta(hours=8), "北京时间")
RUN_STATUS_ZH = {"queued": "排队中", "running": "检查中", "done": "已完成", "failed": "失败", "cancelled": "已取消",
                 "error": "出错", "aborted": "已中止"}
RUN_PURPOSE_ZH = {"official": "正式检查", "self_check": "自查", "partial": "抽查页面"}
KIND_ZH = {"home": "首页", "column": "栏目页", "article": "内容页", "other": "其他页面"}
RUN_KIND_ZH = {"site": "全站检查", "pages": "页面检查"}
REVIEW_ZH = {"unreviewed": "未审核", **VERDICTS}
MAX_SNIPPET = 200_000


def bjt(dt: datetime | None) -> str:
    if dt is None:
        return ""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(BJT).strftime("%Y-%m-%d %H:%M:%S")


def status_zh(status: str) -> str:
    try:
        return STATUS_ZH[Status(status)]
    except ValueError:
        return status


def labels() -> dict[str, Any]:
    """Passed to every template."""
    return {"RUN_STATUS_ZH": RUN_STATUS_ZH, "KIND_ZH": KIND_ZH, "RUN_KIND_ZH": RUN_KIND_ZH, "REVIEW_ZH": REVIEW_ZH,
            "RUN_PURPOSE_ZH": RUN_PURPOSE_ZH,
            "ROLE_ZH": ROLE_ZH, "VERDICTS": VERDICTS}


def evidence_path(evidence_dir: str, rel: str | None) -> Path | None:
    """The file of an evidence row, only when it lies inside the evidence folder (after resolving links and
    '..'); None otherwise. The path comes from the database, never from the request, and is still checked:
    a row written by a bug or by hand must not open the rest of the disk."""
    if not rel:
        return None
    root = Path(evidence_dir).resolve()
    try:
        p = (root / rel).resolve()
    except (OSError, RuntimeError, ValueError):
        return None
    if not p.is_relative_to(root) or p == root or not p.is_file():
        return None
    return p


def png_size(path: Path) -> tuple[int, int] | None:
    """Width and height from the PNG header (no decoding of a possibly 16,000 px tall screenshot)."""
    try:
        with path.open("rb") as f:
            head = f.read(24)
    except OSError:
        return None
    if len(head) < 24 or head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        return None
    w, h = struct.unpack(">II", head[16:24])
    return (w, h) if w and h else None


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_text(path: Path) -> str:
    """An evidence text file (HTML snippet, HTTP exchange) for display; shown escaped, never rendered."""
    with path.open("rb") as f:
        data = f.read(MAX_SNIPPET + 1)
    text = data[:MAX_SNIPPET].decode("utf-8", errors="replace")
    return text + ("\n…（已截断）" if len(data) > MAX_SNIPPET else "")


def sparkline(trend: list[tuple[int, int]], width: int = 120, height: int = 28) -> dict[str, Any]:
    """Bars of the findings count per run (oldest left), as numbers for an inline SVG (no scripts, no styles)."""
    if not trend:
        return {"width": width, "height": height, "bars": []}
    top = max(n for _, n in trend) or 1
    step = width / max(len(trend), 1)
    bars = []
    for i, (run_id, n) in enumerate(trend):
        h = max(1.0, (height - 2) * n / top)
        bars.append({"x": round(i * step + 1, 1), "y": round(height - h, 1), "w": round(max(step - 2, 1), 1),
                     "h": round(h, 1), "run_id": run_id, "n": n})
    return {"width": width, "height": height, "bars": bars}


# Terms of the trade a site owner may not know, explained where they appear (a tooltip on the word).
JARGON: dict[str, str] = {
    "landmark": "页面区域标记（如页眉、导航、主要内容 main），读屏软件用它在区域之间跳转",
    "SiteIDCode": "网页标签“网站标识码”（<meta name=\"SiteIDCode\">），应与页面底部的网站标识码一致",
    "SiteName": "网页标签“网站名称”（<meta name=\"SiteName\">）",
    "SiteDomain": "网页标签“网站域名”（<meta name=\"SiteDomain\">）",
    "ColumnType": "网页标签“栏目类别”，取值见《政府网站发展指引》",
    "PubDate": "网页标签“发布时间”，格式 YYYY-MM-DD HH:MM",
    "ARIA": "无障碍富互联网应用属性（aria-*），为读屏软件说明控件的名称和状态",
    "axe-core": "开源的无障碍自动检测引擎，本工具用它检查 WCAG / GB/T 37668 条款",
    "OCR": "图像文字识别：从截图中读出图片里的文字",
}
_JARGON_RE = re.compile("|".join(re.escape(k) for k in sorted(JARGON, key=len, reverse=True)))


def explain(text: str | None) -> Markup:
    """The text, escaped, with each known term wrapped in a tooltip (<abbr title=…>)."""
    safe = str(escape(text or ""))
    return Markup(_JARGON_RE.sub(lambda m: f'<abbr title="{escape(JARGON[m.group(0)])}">{m.group(0)}</abbr>', safe))
