"""Reading the site list auditors keep (xlsx or csv): 网站名称, 网址, 网站标识码, 主办单位, 网站类型."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from auditor.netpolicy import TargetRefused, normalise_url
from auditor.rules._common import SITE_CODE_RE

# Column names seen in real lists, mapped to our fields.
HEADERS = {
    "name": ("网站名称", "名称", "站点名称"),
    "url": ("网址", "网站地址", "首页网址", "网站网址", "首页地址", "url", "URL"),
    "site_code": ("网站标识码", "标识码", "政府网站标识码"),
    "sponsor": ("主办单位", "主办"),
    "site_type": ("网站类型", "类型"),
}


class SiteListError(ValueError):
    """The file as a whole cannot be read (format, missing columns)."""


@dataclass
class SiteRow:
    line: int
    name: str
    url: str
    site_code: str | None
    sponsor: str | None
    site_type: str | None


def _rows_from_file(path: Path) -> list[list[str]]:
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        try:
            wb = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds
            raise SiteListError(f"无法读取 Excel 文件 {path.name}: {exc}") from None
        ws = wb.worksheets[0]
        return [["" if v is None else str(v).strip() for v in row] for row in ws.iter_rows(values_only=True)]
    if suffix in (".csv", ".txt"):
        raw = path.read_bytes()
        for enc in ("utf-8-sig", "gb18030"):
            try:
                text = raw.decode(enc)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise SiteListError(f"{path.name} 的编码无法识别（请使用 UTF-8 或 GBK）")
        return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text))]
    raise SiteListError(f"不支持的文件类型 {suffix or '(无扩展名)'}：请提供 .xlsx 或 .csv")


def read_site_list(path: str | Path) -> tuple[list[SiteRow], list[str]]:
    """Valid rows and one clear error per bad row (with its line number in the file)."""
    p = Path(path)
    if not p.is_file():
        raise SiteListError(f"找不到文件：{p}")
    rows = _rows_from_file(p)
    header_idx = next((i for i, r in enumerate(rows) if any(c in HEADERS["url"] for c in r)), None)
    if header_idx is None:
        raise SiteListError("找不到表头：需要包含“网站名称”和“网址”列")
    header = rows[header_idx]
    cols: dict[str, int] = {}
    for field, names in HEADERS.items():
        for i, h in enumerate(header):
            if h in names:
                cols[field] = i
                break
    missing = [HEADERS[f][0] for f in ("name", "url") if f not in cols]
    if missing:
        raise SiteListError(f"缺少必需的列：{'、'.join(missing)}")
    out: list[SiteRow] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    for i, row in enumerate(rows[header_idx + 1:], start=header_idx + 2):
        if not any(row):
            continue
        get = lambda f: (row[cols[f]].strip() if f in cols and cols[f] < len(row) else "")  # noqa: E731
        name, url, code = get("name"), get("url"), get("site_code")
        problems = []
        if not name:
            problems.append("缺少网站名称")
        try:
            url = normalise_url(url) if url else ""
            if not url:
                problems.append("缺少网址")
        except TargetRefused as exc:
            problems.append(str(exc))
        if code and not SITE_CODE_RE.match(code):
            problems.append(f"网站标识码“{code}”格式不正确（应为10位数字或bm加8位数字）")
        if url and url in seen:
            problems.append(f"网址与第 {seen[url]} 行重复")
        if problems:
            errors.append(f"第 {i} 行：" + "；".join(problems))
            continue
        seen[url] = i
        out.append(SiteRow(i, name, url, code or None, get("sponsor") or None, get("site_type") or None))
    return out, errors
