"""Reading the site list auditors keep (xlsx or csv): 网站名称, 网址, 网站标识码, 主办单位, 网站类型, 地区 (optional).

The file comes from outside, so it is read within limits (settings ``import_max_*``): an .xlsx is a zip, and its
entries and their uncompressed size are checked — in the zip's directory and again while inflating, since the
directory can lie — before openpyxl opens it; rows and the characters of one cell are capped for both formats.
A refusal names the limit. Formula cells are read by their cached value (what Excel last computed); a formula
without one is reported as such, not as an empty cell.
"""
from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from auditor.config import Settings
from auditor.netpolicy import TargetRefused, normalise_url
from auditor.models import SITE_CODE_RE

# Column names seen in real lists, mapped to our fields.
HEADERS = {
    "name": ("网站名称", "名称", "站点名称"),
    "url": ("网址", "网站地址", "首页网址", "网站网址", "首页地址", "url", "URL"),
    "site_code": ("网站标识码", "标识码", "政府网站标识码"),
    "sponsor": ("主办单位", "主办"),
    "site_type": ("网站类型", "类型"),
    "region": ("地区", "所属地区", "行政区划", "区域"),
}
FIELD_ZH = {"name": "网站名称", "url": "网址", "site_code": "网站标识码", "sponsor": "主办单位", "site_type": "网站类型",
            "region": "地区"}
MAX_COLUMNS = 200  # a sheet may claim 16,384 columns; a site list has a dozen
FORMULA_NO_CACHE = "单元格为公式且没有缓存值"


class SiteListError(ValueError):
    """The file as a whole cannot be read (format, missing columns, a limit exceeded)."""


@dataclass(frozen=True)
class ImportLimits:
    max_bytes: int = 50_000_000
    max_entries: int = 200
    max_rows: int = 20_000
    max_field: int = 10_000

    @classmethod
    def of(cls, settings: Settings) -> "ImportLimits":
        return cls(settings.import_max_bytes, settings.import_max_entries, settings.import_max_rows,
                   settings.import_max_field)


@dataclass
class SiteRow:
    line: int
    name: str
    url: str
    site_code: str | None
    sponsor: str | None
    site_type: str | None
    region: str | None = None  # 地区 (optional column)


@dataclass
class _Sheet:
    rows: list[list[str]]
    # (row index in rows, column index) of formula cells whose cached value is missing.
    formulas: set[tuple[int, int]]


def _check_zip(path: Path, lim: ImportLimits) -> None:
    """Refuse a zip bomb before any parser sees it: too many entries, too large uncompressed according to the
    directory, or — while actually inflating, with a running count — larger than the directory said."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if len(infos) > lim.max_entries:
                raise SiteListError(f"{path.name} 含 {len(infos)} 个压缩条目，超过上限 import_max_entries"
                                    f"（{lim.max_entries}）")
            declared = sum(i.file_size for i in infos)
            if declared > lim.max_bytes:
                raise SiteListError(f"{path.name} 解压后有 {declared} 字节，超过上限 import_max_bytes"
                                    f"（{lim.max_bytes} 字节）")
            total = 0
            for info in infos:
                with zf.open(info) as f:
                    while chunk := f.read(1 << 20):
                        total += len(chunk)
                        if total > lim.max_bytes:
                            raise SiteListError(f"{path.name} 解压后超过上限 import_max_bytes"
                                                f"（{lim.max_bytes} 字节）")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError, RuntimeError, OSError) as exc:
        # A directory that lies about sizes ends here too: zipfile stops at the declared size and the CRC fails.
        raise SiteListError(f"无法读取 Excel 文件 {path.name}：文件已损坏或不是 xlsx（{exc}）") from None


def _cell_text(v: object, lim: ImportLimits, line: int) -> str:
    text = "" if v is None else str(v).strip()
    if len(text) > lim.max_field:
        raise SiteListError(f"第 {line} 行有单元格超过 {lim.max_field} 个字符（上限 import_max_field）")
    return text


def _read_xlsx(path: Path, lim: ImportLimits) -> _Sheet:
    from openpyxl import load_workbook

    _check_zip(path, lim)
    try:
        values = load_workbook(path, read_only=True, data_only=True)
        formulas = load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds
        raise SiteListError(f"无法读取 Excel 文件 {path.name}: {exc}") from None
    try:
        ws, wf = values.worksheets[0], formulas.worksheets[0]
        rows: list[list[str]] = []
        missing: set[tuple[int, int]] = set()
        # Both views of the same sheet, row by row: the cached values, and the formulas behind them.
        pairs = zip(ws.iter_rows(max_col=MAX_COLUMNS, values_only=True),
                    wf.iter_rows(max_col=MAX_COLUMNS, values_only=True))
        for r, (vals, forms) in enumerate(pairs):
            if r >= lim.max_rows + 1:  # the header row plus max_rows data rows at most
                raise SiteListError(f"{path.name} 超过 {lim.max_rows} 行（上限 import_max_rows）")
            rows.append([_cell_text(v, lim, r + 1) for v in vals])
            for c, (v, f) in enumerate(zip(vals, forms)):
                if v is None and isinstance(f, str) and f.startswith("="):
                    missing.add((r, c))
        return _Sheet(rows, missing)
    except SiteListError:
        raise
    except Exception as exc:  # noqa: BLE001 - a malformed sheet surfaces while iterating
        raise SiteListError(f"无法读取 Excel 文件 {path.name}: {exc}") from None
    finally:
        values.close()
        formulas.close()


def _read_csv(path: Path, lim: ImportLimits) -> _Sheet:
    size = path.stat().st_size
    if size > lim.max_bytes:
        raise SiteListError(f"{path.name} 有 {size} 字节，超过上限 import_max_bytes（{lim.max_bytes} 字节）")
    raw = path.read_bytes()
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise SiteListError(f"{path.name} 的编码无法识别（请使用 UTF-8 或 GBK）")
    rows: list[list[str]] = []
    reader = csv.reader(io.StringIO(text))
    try:
        for row in reader:
            if len(rows) >= lim.max_rows + 1:
                raise SiteListError(f"{path.name} 超过 {lim.max_rows} 行（上限 import_max_rows）")
            rows.append([_cell_text(c, lim, reader.line_num) for c in row[:MAX_COLUMNS]])
    except csv.Error as exc:
        # The csv module's own cap on one field (131,072 characters) or a broken quote.
        detail = ("有单元格超过 csv 模块的字段长度上限" if "field larger" in str(exc) else f"格式错误（{exc}）")
        raise SiteListError(f"{path.name} 第 {reader.line_num} 行{detail}；单元格上限 import_max_field"
                            f"（{lim.max_field} 个字符）") from None
    return _Sheet(rows, set())


def _read_sheet(path: Path, lim: ImportLimits) -> _Sheet:
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, lim)
    if suffix in (".csv", ".txt"):
        return _read_csv(path, lim)
    raise SiteListError(f"不支持的文件类型 {suffix or '(无扩展名)'}：请提供 .xlsx 或 .csv")


def read_site_list(path: str | Path, settings: Settings | None = None) -> tuple[list[SiteRow], list[str]]:
    """Valid rows and one clear error per bad row (with its line number in the file). The limits are the
    settings' ``import_max_*`` (their defaults when no settings are given)."""
    p = Path(path)
    if not p.is_file():
        raise SiteListError(f"找不到文件：{p}")
    lim = ImportLimits.of(settings) if settings is not None else ImportLimits()
    sheet = _read_sheet(p, lim)
    rows = sheet.rows
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
    for r, row in enumerate(rows[header_idx + 1:], start=header_idx + 1):
        i = r + 1  # the line in the file (1-based)
        formula_fields = [f for f in cols if (r, cols[f]) in sheet.formulas]
        if not any(row) and not formula_fields:
            continue
        get = lambda f: (row[cols[f]].strip() if f in cols and cols[f] < len(row) else "")  # noqa: E731
        name, url, code = get("name"), get("url"), get("site_code")
        problems = [f"{FIELD_ZH[f]}{FORMULA_NO_CACHE}（请在 Excel 中重新计算并保存后再导入）" for f in formula_fields]
        if not name and "name" not in formula_fields:
            problems.append("缺少网站名称")
        try:
            url = normalise_url(url) if url else ""
            if not url and "url" not in formula_fields:
                problems.append("缺少网址")
        except TargetRefused as exc:
            problems.append(str(exc))
        except ValueError:  # urllib refuses some strings outright (e.g. "http://[::1")
            problems.append(f"网址无效：{url[:200]}")
            url = ""
        if code and not SITE_CODE_RE.match(code):
            problems.append(f"网站标识码“{code}”格式不正确（应为10位数字或bm加8位数字）")
        if url and url in seen:
            problems.append(f"网址与第 {seen[url]} 行重复")
        if problems:
            errors.append(f"第 {i} 行：" + "；".join(problems))
            continue
        seen[url] = i
        out.append(SiteRow(i, name, url, code or None, get("sponsor") or None, get("site_type") or None,
                           get("region") or None))
    return out, errors
