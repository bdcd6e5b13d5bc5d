"""Exports in the shape of a 通报 attachment, 检查发现存在问题的政府网站名单: one row per finding with 网站名称,
主办单位, 检查指标, 存在问题, 问题页面URL, 检查时间, and the rule's 如何整改 line (its META). Findings marked 误报 are left out. The same filters as the
findings list apply (default: each site's latest run).

Text in these files comes from audited pages; a cell that starts like a formula (= + - @) would run in Excel,
so such text is written as a literal string (XLSX) or with a leading apostrophe (CSV).
"""
from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, abort, request
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font

from auditor.rules import meta_for
from auditor.store import findings as fq
from web.context import me, store
from web.helpers import BJT, bjt
from web.params import BadParam, finding_filter

bp = Blueprint("exports", __name__)

TITLE = "检查发现存在问题的政府网站名单"
COLUMNS = ["网站名称", "主办单位", "检查指标", "存在问题", "问题页面URL", "检查时间", "如何整改"]
WIDTHS = [28, 28, 24, 60, 60, 20, 60]


def notice_rows(found: list[fq.Finding]) -> list[list[str]]:
    rows = []
    for f in found:
        if f.review_state == "false_positive":
            continue
        meta = meta_for(f.rule)
        rows.append([f.site_name, f.sponsor or "", f.indicator, f.message, f.problem_url,
                     bjt(f.checked_at)[:16], meta.fix if meta else ""])
    return rows


def _findings() -> list[fq.Finding]:
    try:
        flt = finding_filter(request.args)
    except BadParam as exc:
        abort(400, str(exc))
    found, _ = fq.list_findings(store(), me().scope, flt)
    return found


def _filename(ext: str) -> str:
    return f"govaudit-{datetime.now(BJT).strftime('%Y%m%d-%H%M')}.{ext}"


def _disposition(ext: str) -> str:
    # An ASCII name plus the Chinese one (RFC 5987), so every browser saves it sensibly.
    from urllib.parse import quote
    return f"attachment; filename={_filename(ext)}; filename*=UTF-8''{quote(TITLE)}.{ext}"


def xlsx_bytes(rows: list[list[str]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "问题网站名单"
    ws.append([TITLE])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(COLUMNS))
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.append(COLUMNS)
    for c in ws[2]:
        c.font = Font(bold=True)
    for r, row in enumerate(rows, start=3):
        for col, value in enumerate(row, start=1):
            cell = ws.cell(row=r, column=col)
            cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)  # control characters would abort the save
            cell.data_type = "s"  # never a formula, whatever the page wrote
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for i, w in enumerate(WIDTHS):
        ws.column_dimensions[chr(ord("A") + i)].width = w
    ws.freeze_panes = "A3"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _csv_cell(v: str) -> str:
    return "'" + v if v[:1] in ("=", "+", "-", "@", "\t", "\r") else v


def csv_text(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([TITLE])
    w.writerow(COLUMNS)
    for row in rows:
        w.writerow([_csv_cell(v) for v in row])
    return "\ufeff" + buf.getvalue()  # BOM: Excel then reads the file as UTF-8 (Chinese intact)


@bp.route("/exports/findings.xlsx")
def xlsx() -> Any:
    data = xlsx_bytes(notice_rows(_findings()))
    return Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": _disposition("xlsx")})


@bp.route("/exports/findings.csv")
def csv_export() -> Any:
    return Response(csv_text(notice_rows(_findings())).encode("utf-8"), content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": _disposition("csv")})
