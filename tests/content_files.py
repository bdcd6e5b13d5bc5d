"""Generated documents for the content-rule tests and bench: ID, phone and bank-card numbers with known truth,
and hostile files (a PDF whose page tree loops, a zip bomb posing as DOCX)."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

_W = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number(first17: str) -> str:
    """A GB 11643 number: the 17 digits and their check character."""
    return first17 + "10X98765432"[sum(int(c) * w for c, w in zip(first17, _W)) % 11]


def bad_checksum(idn: str) -> str:
    wrong = "0" if idn[-1] != "0" else "1"
    return idn[:-1] + wrong


def luhn_number(body: str) -> str:
    """``body`` plus the Luhn check digit."""
    total = 0
    for i, c in enumerate(reversed(body)):
        n = int(c)
        if i % 2 == 0:
            n *= 2
            n -= 9 if n > 9 else 0
        total += n
    return body + str((10 - total % 10) % 10)


VALID_ID = id_number("11010519491231002")
VALID_ID2 = id_number("35020319850612341")
INVALID_ID = bad_checksum(id_number("44030419900101123"))
MASKED_ID = "35*************123"
CARD = luhn_number("622202020011234567")


def pdf(lines: list[str]) -> bytes:
    """A one-page PDF with these ASCII lines (Helvetica), written by hand."""
    ops = ["BT /F1 12 Tf 50 750 Td 16 TL"]
    for ln in lines:
        ops.append("(" + ln.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ") Tj T*")
    ops.append("ET")
    stream = "\n".join(ops).encode("latin-1")
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>",
            b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    return _assemble(objs)


def looping_pdf() -> bytes:
    """A PDF whose page tree's /Kids refers to itself."""
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [2 0 R 2 0 R] /Count 2 >>"]
    return _assemble(objs)


def _assemble(objs: list[bytes]) -> bytes:
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for i, o in enumerate(objs, 1):
        offsets.append(out.tell())
        out.write(f"{i} 0 obj\n".encode() + o + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode())
    for off in offsets:
        out.write(f"{off:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def docx_people(path: Path) -> None:
    """A 公示 document: a 联系电话 line, then a table of people with their mobile numbers, one masked ID."""
    import docx

    d = docx.Document()
    d.add_paragraph("2024年度困难群众救助对象公示")
    d.add_paragraph("联系电话：0731-88886666，咨询电话：13907310000")
    t = d.add_table(rows=1, cols=3)
    t.rows[0].cells[0].text, t.rows[0].cells[1].text, t.rows[0].cells[2].text = "姓名", "联系电话", "身份证号码"
    for name, phone, idn in [("张伟", "13812345678", MASKED_ID), ("李娜", "13987654321", "43*************21X"),
                             ("王芳", "15011112222", "43*************011")]:
        r = t.add_row().cells
        r[0].text, r[1].text, r[2].text = name, phone, idn
    d.save(str(path))


def xlsx_people(path: Path) -> None:
    """A spreadsheet: an unmasked valid ID, an invalid-checksum one, a masked one, a bank card beside a name."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "名单"
    ws.append(["序号", "姓名", "身份证号码", "银行卡号"])
    ws.append([1, "赵强", VALID_ID, CARD])
    ws.append([2, "钱敏", INVALID_ID, ""])
    ws.append([3, "孙丽", MASKED_ID, "6222********1234"])
    wb.save(str(path))


def zip_bomb_docx(path: Path, megabytes: int = 400) -> None:
    """A .docx whose word/document.xml inflates to ``megabytes`` MB of zeros."""
    chunk = b"0" * (1 << 20)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("word/document.xml", "w", force_zip64=True) as fh:
            for _ in range(megabytes):
                fh.write(chunk)


def big_docx(path: Path, paragraphs: int) -> None:
    """A valid .docx with this many paragraphs of random text (it compresses only about 3:1, so it passes the
    zip-bomb check and has to be parsed: it tests the child's memory limit)."""
    import os

    import docx

    small = path.with_suffix(".small.docx")
    docx.Document().save(str(small))
    body = "".join(f"<w:p><w:r><w:t>{os.urandom(24).hex()}</w:t></w:r></w:p>" for _ in range(paragraphs))
    with zipfile.ZipFile(small) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "word/document.xml":
                head, _, tail = data.decode("utf-8").partition("<w:body>")
                data = (head + "<w:body>" + body + tail).encode("utf-8")
            dst.writestr(item, data)
    small.unlink()
