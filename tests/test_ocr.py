"""OCR of header pixels with RapidOCR's bundled Chinese models; results cached per image hash."""
from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFont

from clients.ocr import HeaderOCR

FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"


def banner(text: str) -> bytes:
    img = Image.new("RGB", (900, 90), "#b0161d")
    ImageDraw.Draw(img).text((30, 12), text, fill="white", font=ImageFont.truetype(FONT, 48))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def test_reads_a_drawn_site_name_and_caches_by_hash():
    ocr = HeaderOCR()
    png = banner("示范市人民政府")
    lines = ocr.read_png(png, offset=(10, 200))
    text = "".join(ln.text for ln in lines)
    assert "示范市人民政府" in text
    assert all(ln.box.y >= 200 and ln.box.x >= 10 for ln in lines)  # page coordinates
    again = ocr.read_png(png, offset=(0, 0))
    assert "".join(ln.text for ln in again) == text
    assert (ocr.calls, ocr.hits) == (1, 1)
    other = "".join(ln.text for ln in ocr.read_png(banner("某某市文化旅游局")))
    assert "示范市" not in other and ocr.calls == 2
