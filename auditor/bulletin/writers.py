"""The 通报 draft as DOCX (python-docx, the typography of official documents), XLSX (openpyxl) and HTML."""
from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from auditor.bulletin.model import Bulletin
from auditor.bulletin.text import (PROBLEM_HEAD, SCORE_HEAD, SITE_TREND_HEAD, TREND_HEAD, Section, numbered,
                                   outline, problem_rows, score_rows, site_trend_rows, trend_rows)
from auditor.trend_chart import region_chart

TITLE_FONT = "方正小标宋简体"  # 公文标题 (GB/T 9704); falls back where it is not installed
BODY_FONT = "仿宋_GB2312"  # 公文正文
HEAD1_FONT = "黑体"
HEAD2_FONT = "楷体_GB2312"
# The font table tells a reader without these fonts what each is like (family, pitch, GB2312 charset 86) and its
# other name, so LibreOffice or WPS falls back to a serif face for 仿宋 / 小标宋 / 楷体 and a sans face for 黑体
# instead of one default face for everything.
FONT_TABLE = ((TITLE_FONT, "方正小标宋_GBK", "roman"), (BODY_FONT, "仿宋", "roman"), (HEAD1_FONT, "SimHei", "swiss"),
              (HEAD2_FONT, "楷体", "roman"))
# Column widths (cm) of the 附件 tables within the 15.6 cm text width, by number of columns.
WIDTHS = {8: (1.3, 2.6, 2.8, 1.9, 2.3, 1.2, 2.0, 1.5), 7: (1.3, 2.2, 2.3, 2.0, 2.1, 3.8, 1.9),
          10: (1.5, 2.9, 1.1, 1.1, 1.5, 1.2, 1.3, 1.7, 1.6, 1.7), 9: (1.3, 3.0, 1.5, 1.6, 1.6, 2.1, 1.5, 1.5, 1.5)}


TREND_TITLE = "近四个季度检查情况趋势"


def title(b: Bulletin) -> str:
    return f"关于{b.quarter.label}政府网站检查情况的通报（草稿）"


# ---------------------------------------------------------------- DOCX

def write_docx(b: Bulletin, path: str | Path, evidence_dir: str | Path | None = None) -> Path:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    doc = Document()
    # Chinese text: without the language a reader may draw it with Japanese glyph forms (LibreOffice does).
    lang = doc.styles["Normal"].element.get_or_add_rPr()
    lang_el = lang.makeelement(qn("w:lang"), {qn("w:val"): "zh-CN", qn("w:eastAsia"): "zh-CN"})
    lang.append(lang_el)
    sect = doc.sections[0]
    sect.page_height, sect.page_width = Cm(29.7), Cm(21.0)  # A4, GB/T 9704 margins
    sect.top_margin, sect.bottom_margin, sect.left_margin, sect.right_margin = Cm(3.7), Cm(3.5), Cm(2.8), Cm(2.6)

    def run_font(run, name: str, size: float, bold: bool = False) -> None:
        run.font.name = name
        run.font.size = Pt(size)
        run.font.bold = bold
        run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)

    def para(text: str, font: str = BODY_FONT, size: float = 16, bold: bool = False, center: bool = False,
             indent: bool = True) -> None:
        p = doc.add_paragraph()
        p.paragraph_format.line_spacing = Pt(28)
        if center:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif indent:
            p.paragraph_format.first_line_indent = Pt(size * 2)
        run_font(p.add_run(text), font, size, bold)

    for line in title_lines(b):
        para(line, TITLE_FONT, 22, center=True)
    para("（草稿）", HEAD2_FONT, 16, center=True)
    para("", indent=False)

    def section(sec: Section, i: int) -> None:
        font = {1: HEAD1_FONT, 2: HEAD2_FONT}.get(sec.level, BODY_FONT)
        para(numbered(sec, i), font, 16, bold=sec.level == 3)
        for t in sec.paragraphs:
            para(t)
        for j, child in enumerate(sec.children):
            section(child, j)

    for i, sec in enumerate(outline(b)):
        section(sec, i)

    def table(head: list[str], rows: list[list[str]]) -> None:
        t = doc.add_table(rows=1, cols=len(head))
        t.style = "Table Grid"
        t.autofit = False
        widths = WIDTHS.get(len(head))
        for c, h in zip(t.rows[0].cells, head):
            c.text = ""
            c.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
            run_font(c.paragraphs[0].add_run(h), HEAD1_FONT, 10.5)
        # The head row repeats on every page a long table runs over.
        t.rows[0]._tr.get_or_add_trPr().append(t.rows[0]._tr.makeelement(qn("w:tblHeader"), {}))
        for r in rows:
            cells = t.add_row().cells
            for c, v in zip(cells, r):
                c.text = ""
                run_font(c.paragraphs[0].add_run(v), BODY_FONT, 10.5)
        if widths:
            for col, w in zip(t.columns, widths):
                col.width = Cm(w)
            for row in t.rows:
                for c, w in zip(row.cells, widths):
                    c.width = Cm(w)

    doc.add_page_break()
    para("附件1", HEAD1_FONT, 16, indent=False)
    para("各网站检查情况及得分", TITLE_FONT, 18, center=True)
    table(SCORE_HEAD, score_rows(b))
    doc.add_page_break()
    para("附件2", HEAD1_FONT, 16, indent=False)
    para("检查发现存在问题的网站名单", TITLE_FONT, 18, center=True)
    table(PROBLEM_HEAD, problem_rows(b, provisional=False) or [["—"] * len(PROBLEM_HEAD)])
    para("需人工复核（结果暂定）", HEAD2_FONT, 16, indent=False)
    table(PROBLEM_HEAD, problem_rows(b, provisional=True) or [["—"] * len(PROBLEM_HEAD)])
    doc.add_page_break()
    para("附件3", HEAD1_FONT, 16, indent=False)
    para(TREND_TITLE, TITLE_FONT, 18, center=True)
    para("（一）各地区检查情况", HEAD2_FONT, 16, indent=False)
    table(TREND_HEAD, trend_rows(b) or [["—"] * len(TREND_HEAD)])
    para("（二）各网站与上季度比较", HEAD2_FONT, 16, indent=False)
    table(SITE_TREND_HEAD, site_trend_rows(b) or [["—"] * len(SITE_TREND_HEAD)])
    crops = [(p.name, name, ex) for p in b.problems for name, ex in p.sites[:1] if ex is not None and ex.crop]
    if evidence_dir is not None and crops:
        doc.add_page_break()
        para("附件4", HEAD1_FONT, 16, indent=False)
        para("问题示例截图", TITLE_FONT, 18, center=True)
        for ind_name, site_name, ex in crops:
            f = Path(evidence_dir) / ex.crop
            if not f.is_file():
                continue
            para(f"{ind_name}：{site_name}（{ex.url}）", BODY_FONT, 12, indent=False)
            doc.add_picture(str(f), width=Cm(14))
    _page_numbers(doc)
    _declare_fonts(doc)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(out))
    return out


def title_lines(b: Bulletin) -> list[str]:
    """The title in two lines (GB/T 9704: a long title is split by sense, not where the line runs out)."""
    return [f"关于{b.quarter.label}", "政府网站检查情况的通报"]


def _page_numbers(doc: Any) -> None:
    """«— 1 —» centred at the foot of every page (公文页码)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    p = doc.sections[0].footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER

    def run(text: str | None = None, fld: str | None = None, instr: str | None = None) -> None:
        r = p.add_run(text or "")
        r.font.size = Pt(14)
        if fld:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), fld)
            r._element.append(el)
        if instr:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = instr
            r._element.append(el)

    run("— ")
    run(fld="begin")
    run(instr=" PAGE ")
    run(fld="separate")
    run("1")
    run(fld="end")
    run(" —")


def _declare_fonts(doc: Any) -> None:
    part = next(r.target_part for r in doc.part.rels.values() if r.reltype.endswith("/fontTable"))
    entries = "".join(f'<w:font w:name="{html.escape(name)}"><w:altName w:val="{html.escape(alt)}"/>'
                      f'<w:charset w:val="86"/><w:family w:val="{family}"/><w:pitch w:val="variable"/></w:font>'
                      for name, alt, family in FONT_TABLE)
    part._blob = part.blob.replace(b"</w:fonts>", entries.encode("utf-8") + b"</w:fonts>")


# ---------------------------------------------------------------- XLSX

def _cell(v: str) -> str | int | float:
    """Numbers as numbers, so a spreadsheet can sum them; 合格率 stays text with its % sign."""
    try:
        return int(v) if v.isdigit() else float(v) if v.replace(".", "", 1).isdigit() else v
    except ValueError:
        return v


def write_xlsx(b: Bulletin, path: str | Path) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    sheets = [("附件1 得分情况", SCORE_HEAD, score_rows(b)),
              ("附件2 存在问题的网站", PROBLEM_HEAD, problem_rows(b, provisional=False)),
              ("需人工复核", PROBLEM_HEAD, problem_rows(b, provisional=True)),
              ("附件3 各地区趋势", TREND_HEAD, trend_rows(b)),
              ("附件3 各网站比较", SITE_TREND_HEAD, site_trend_rows(b))]
    first = True
    for name, head, rows in sheets:
        ws = wb.active if first else wb.create_sheet()
        first = False
        ws.title = name
        ws.append([title(b)])
        ws["A1"].font = Font(bold=True, size=14)
        ws.append(head)
        for c in ws[2]:
            c.font = Font(bold=True)
        for r in rows:
            ws.append([_cell(v) for v in r])
        for col, width in zip("ABCDEFGHIJ", (6, 28, 36, 14, 40, 60, 40, 10, 10, 10)):
            ws.column_dimensions[col].width = width
        for row in ws.iter_rows(min_row=3):
            for c in row:
                c.alignment = Alignment(wrap_text=True, vertical="top")
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(str(out))
    return out


# ---------------------------------------------------------------- HTML

_CSS = """body{font-family:"FangSong","仿宋","Noto Serif CJK SC",serif;max-width:900px;margin:40px auto;line-height:1.9;
font-size:17px;color:#111}h1{font-family:"Noto Serif CJK SC",serif;text-align:center;font-size:26px}
h2{font-family:"黑体","Noto Sans CJK SC",sans-serif;font-size:19px}h3{font-family:"楷体","KaiTi",serif;font-size:18px}
h4{font-size:17px}p{text-indent:2em;margin:4px 0}table{border-collapse:collapse;width:100%;font-size:14px;margin:10px 0}
td,th{border:1px solid #444;padding:3px 6px;vertical-align:top;word-break:break-all}th{background:#eee}"""


def write_html(b: Bulletin, path: str | Path) -> Path:
    e = html.escape
    parts = [f"<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><title>{e(title(b))}</title>"
             f"<style>{_CSS}</style></head><body><h1>{e(title(b))}</h1>"]

    def section(sec: Section, i: int) -> None:
        tag = f"h{sec.level + 1}"
        parts.append(f"<{tag}>{e(numbered(sec, i))}</{tag}>")
        parts.extend(f"<p>{e(t)}</p>" for t in sec.paragraphs)
        for j, child in enumerate(sec.children):
            section(child, j)

    for i, sec in enumerate(outline(b)):
        section(sec, i)

    def table(head: list[str], rows: list[list[str]]) -> None:
        parts.append("<table><tr>" + "".join(f"<th>{e(h)}</th>" for h in head) + "</tr>")
        parts.extend("<tr>" + "".join(f"<td>{e(v)}</td>" for v in r) + "</tr>" for r in rows)
        parts.append("</table>")

    parts.append("<h2>附件1 各网站检查情况及得分</h2>")
    table(SCORE_HEAD, score_rows(b))
    parts.append("<h2>附件2 检查发现存在问题的网站名单</h2>")
    table(PROBLEM_HEAD, problem_rows(b, provisional=False))
    parts.append("<h3>需人工复核（结果暂定）</h3>")
    table(PROBLEM_HEAD, problem_rows(b, provisional=True))
    parts.append(f"<h2>附件3 {TREND_TITLE}</h2>")
    regions = b.regions
    for r in regions + ([b.total] if len(regions) > 1 else []):
        parts.append(f"<figure>{region_chart(r)}<figcaption>{e(r.region)}</figcaption></figure>")
    parts.append("<h3>（一）各地区检查情况</h3>")
    table(TREND_HEAD, trend_rows(b))
    parts.append("<h3>（二）各网站与上季度比较</h3>")
    table(SITE_TREND_HEAD, site_trend_rows(b))
    parts.append("</body></html>")
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(parts), encoding="utf-8")
    return out
