"""The 评测报告 as a Word document (python-docx): the same sections as the HTML page, body in 仿宋, headings
and tables in 宋体 (the reader's Word substitutes where they are not installed), crops embedded."""
from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from auditor.conformance.html import context, evidence_file
from auditor.conformance.evaluation import Evaluation

BODY_FONT, HEADING_FONT = "仿宋", "宋体"
OUTCOME_COLOUR = {"failed": RGBColor(0xA4, 0x00, 0x0F), "passed": RGBColor(0x1B, 0x5E, 0x20),
                  "cantTell": RGBColor(0x7A, 0x53, 0x00), "inapplicable": RGBColor(0x45, 0x5A, 0x64),
                  "untested": RGBColor(0x1A, 0x3C, 0x8C)}


def _font(run: Any, name: str, size: float | None = None, bold: bool | None = None) -> None:
    run.font.name = name
    rpr = run._element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(rfonts)
    rfonts.set(qn("w:eastAsia"), name)
    if size:
        run.font.size = Pt(size)
    if bold is not None:
        run.bold = bold


def _styles(doc: Any) -> None:
    normal = doc.styles["Normal"]
    normal.font.name = BODY_FONT
    normal.font.size = Pt(12)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    for name in ("Title", "Heading 1", "Heading 2"):
        st = doc.styles[name]
        st.font.name = HEADING_FONT
        st.font.color.rgb = RGBColor(0, 0, 0)
        st.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), HEADING_FONT)


def _table(doc: Any, header: list[str], rows: list[list[Any]], widths: list[float] | None = None) -> Any:
    t = doc.add_table(rows=1, cols=len(header))
    t.style = "Table Grid"
    for i, h in enumerate(header):
        cell = t.rows[0].cells[i]
        cell.text = ""
        _font(cell.paragraphs[0].add_run(h), HEADING_FONT, 10.5, True)
    for row in rows:
        cells = t.add_row().cells
        for i, v in enumerate(row):
            cells[i].text = ""
            if isinstance(v, tuple):  # (text, outcome) - a coloured result
                r = cells[i].paragraphs[0].add_run(v[0])
                _font(r, HEADING_FONT, 10.5, True)
                r.font.color.rgb = OUTCOME_COLOUR.get(v[1], RGBColor(0, 0, 0))
            else:
                _font(cells[i].paragraphs[0].add_run("" if v is None else str(v)), HEADING_FONT, 10.5)
    if widths:  # both the grid (LibreOffice reads it) and every cell (Word reads those)
        t.autofit = False
        for i, w in enumerate(widths):
            t.columns[i].width = Cm(w)
        for row in t.rows:
            for i, w in enumerate(widths):
                row.cells[i].width = Cm(w)
    return t


def _para(doc: Any, text: str, size: float = 12, bold: bool = False) -> Any:
    p = doc.add_paragraph()
    _font(p.add_run(text), BODY_FONT, size, bold)
    return p


def _image(evidence_dir: str | Path | None, rel: str | None) -> Path | None:
    path = evidence_file(evidence_dir, rel)
    return path if path is not None and path.suffix.lower() in (".png", ".jpg", ".jpeg") else None


def render(ev: Evaluation, evidence_dir: str | Path | None) -> bytes:
    c = context(ev, evidence_dir)
    run, std, zh = c["run"], c["std"], c["zh"]
    doc = Document()
    _styles(doc)
    for s in doc.sections:
        s.left_margin = s.right_margin = Cm(2.2)
    title = doc.add_heading(c["title"], level=0)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    sub = _para(doc, f"评测标准：{std.title}　生成时间：{c['now']}", 10.5)
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER

    doc.add_heading("一、评测范围", level=1)
    _table(doc, ["项目", "内容"], [
        ["网站名称", run.site_name], ["网站地址", run.site_url or "（页面检查，见样本）"],
        ["检查批次", f"第 {run.id} 批（{'整站抽查' if run.kind == 'site' else '页面检查'}），{c['started']}"],
        ["评测标准", std.title + (f"，符合性目标 {c['target']}" if c["target"] else "")],
    ] + ([["说明", "GB/T 37668-2019 条款号按该标准沿用的 WCAG 2.0 结构推定，未与标准原文核对。"]]
         if std.key == "gbt37668" else [])
      + ([["说明", "适老化条目编号为本工具自拟，要求摘自新闻稿与规范摘要，未与规范原文核对。"]]
         if std.key == "elderly" else []), [3.5, 13])

    doc.add_heading("二、评测结论汇总", level=1)
    _para(doc, f"共 {len(c['results'])} 项：" + "，".join(f"{zh[o]} {c['counts'][o]}" for o in c["outcomes"]))
    _table(doc, ["原则"] + [zh[o] for o in c["outcomes"]] + ["合计"],
           [[p] + [cnt[o] for o in c["outcomes"]] + [sum(cnt.values())] for p, cnt in c["by_principle"]],
           [2.6] + [2.3] * len(c["outcomes"]) + [2.2])

    doc.add_heading("三、评测样本", level=1)
    _para(doc, ev.sample.method)
    rows = [[i + 1, "结构化", f"{p.title or ''}\n{p.url}", p.kind or "", p.reason]
            for i, p in enumerate(ev.sample.structured)]
    rows += [[len(rows) + i + 1, "随机", f"{p.title or ''}\n{p.url}", p.kind or "", p.reason]
             for i, p in enumerate(ev.sample.random)]
    _table(doc, ["#", "样本", "页面", "类型", "入选理由"], rows, [1, 1.6, 8, 1.8, 4.2])

    doc.add_heading("四、评测方法", level=1)
    m = c["method"]
    act = m.get("act") or {}
    agreement = act.get("agreement") or {}
    _table(doc, ["项目", "内容"], [
        ["浏览器", f"Chromium，检查引擎 {m['engine']}"],
        ["自动检查", f"axe-core {'、'.join(m['axe_versions']) or '未运行'}；本工具补充检查 3 项；适老化检查"
                     + (f"在 {len(m['elderly_pages'])} 个页面上运行" if m["elderly_pages"] else "本批次未运行")],
        ["ACT 一致性", (f"axe-core {act.get('axe')} 在 W3C ACT 测试用例上与预期一致 {agreement.get('ours')}；"
                        f"W3C 实施报告中为 {agreement.get('w3c_report')}（{act.get('generated')}）")
         if agreement else "不可用"],
        ["判定规则", "有违反项为不符合；仅有需人工复核项或检查未完成为无法判定；检查通过为符合（自动检查只覆盖部分情形）；"
                     "无适用内容为不适用；无自动检查覆盖为需人工评测；人工评测结论优先。"],
    ], [3.5, 13])

    doc.add_heading("五、逐项评测结果", level=1)
    rows = []
    for r in c["results"]:
        ref = r.criterion.ref + ("" if r.criterion.verified else "（未核对）")
        desc = (f"{r.manual.note}（人工评测：{r.manual.user}；自动：{zh[r.automatic]}）" if r.manual
                else r.description)
        rows.append([ref, r.criterion.name, r.criterion.level, (zh[r.outcome], r.outcome), desc])
    _table(doc, ["条款", "名称", "级别", "结论", "说明"], rows, [2.6, 3.4, 1.1, 2.2, 7.3])
    for d in c["details"]:
        doc.add_heading(f"{d['criterion'].label}：{zh[d['outcome']]}", level=2)
        _para(doc, d["description"], 11)
        for e in d["examples"]:
            _para(doc, f"{e['rule']} · {e['target'] or ''}　{e['page_url']}", 10)
            if e.get("note"):
                _para(doc, e["note"], 9)
            img = _image(evidence_dir, e["evidence_path"])
            if img:
                try:
                    doc.add_picture(str(img), width=Cm(8))
                except Exception:  # a picture Word cannot take is left out, the text stays
                    pass

    doc.add_heading("六、需人工评测的准则", level=1)
    _table(doc, ["条款", "名称", "自动结论", "人工评测"],
           [[r.criterion.ref, r.criterion.name, zh[r.automatic],
             f"{zh[r.manual.result]}：{r.manual.note}（{r.manual.user}）" if r.manual else "待评测"]
            for r in c["manual_rows"]], [2.4, 5, 2.6, 6.6])

    doc.add_heading("附录　检查的页面", level=1)
    _table(doc, ["#", "页面", "类型", "是否在样本中"],
           [[i + 1, f"{p['title'] or ''}\n{p['url']}", p["kind"] or "", p["state"]]
            for i, p in enumerate(c["appendix"])], [1, 11, 2, 2.6])
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


__all__ = ["render"]
