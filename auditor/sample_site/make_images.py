"""Draws the sample site's images (run once; the PNGs are committed).

    /work/main/.venv/bin/python -m auditor.sample_site.make_images

Everything is fictional artwork: a banner with the site name in large clear text (so OCR can read it from
the header band's pixels), a banner of a different organisation for the header-name-absent variant, the
公安备案 icon, a static 党政机关 badge and a home-page focus picture. Flat colours keep each PNG small.
"""
from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

HERE = Path(__file__).parent
OUT = HERE / "www" / "images"
FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"
FONT_REGULAR = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"


def _font(size: int, bold: bool = True) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(FONT if bold else FONT_REGULAR, size)


def _hgradient(size: tuple[int, int], left: tuple[int, int, int], right: tuple[int, int, int]) -> Image.Image:
    w, h = size
    row = Image.new("RGB", (w, 1))
    for x in range(w):
        t = x / max(1, w - 1)
        row.putpixel((x, 0), tuple(round(a + (b - a) * t) for a, b in zip(left, right)))
    return row.resize((w, h))


def _skyline(d: ImageDraw.ImageDraw, x0: int, base: int, colour: tuple[int, int, int]) -> None:
    """Decorative building silhouettes (flat, one colour)."""
    blocks = [(0, 38, 26), (30, 52, 22), (56, 30, 30), (90, 64, 18), (112, 44, 28), (144, 26, 24),
              (172, 56, 20), (196, 36, 34), (234, 48, 22), (260, 30, 26)]
    for dx, hgt, wid in blocks:
        d.rectangle([x0 + dx, base - hgt, x0 + dx + wid, base], fill=colour)
    d.polygon([(x0 + 99, base - 64), (x0 + 99, base - 78), (x0 + 101, base - 64)], fill=colour)


def _emblem(d: ImageDraw.ImageDraw, cx: int, cy: int, r: int, ring: str, inner: str, mark: str) -> None:
    """A fictional round logo: a ring, an inner disc and a stylised gate (not any real emblem)."""
    d.ellipse([cx - r, cy - r, cx + r, cy + r], fill=ring)
    d.ellipse([cx - r + 5, cy - r + 5, cx + r - 5, cy + r - 5], fill=inner)
    # a simple gate: roof + two pillars + lintel
    d.polygon([(cx - 16, cy - 6), (cx, cy - 17), (cx + 16, cy - 6)], fill=mark)
    d.rectangle([cx - 12, cy - 4, cx + 12, cy - 1], fill=mark)
    d.rectangle([cx - 11, cy, cx - 6, cy + 14], fill=mark)
    d.rectangle([cx + 6, cy, cx + 11, cy + 14], fill=mark)
    d.rectangle([cx - 15, cy + 14, cx + 15, cy + 17], fill=mark)


def banner(name: str, english: str, filename: str, left: tuple[int, int, int], right: tuple[int, int, int],
           text: str = "#ffffff", accent: str = "#f6d27a") -> None:
    w, h = 1000, 90
    img = _hgradient((w, h), left, right)
    d = ImageDraw.Draw(img)
    deco = tuple(min(255, c + 22) for c in right)
    _skyline(d, 700, h, deco)
    _emblem(d, 48, 45, 34, accent, "#%02x%02x%02x" % left, accent)
    title = _font(50)
    d.text((98, 2), name, font=title, fill=text)
    d.text((100, 64), english, font=_font(14, bold=False), fill=accent)
    img.save(OUT / filename, optimize=True)


def gongan(filename: str = "gongan.png") -> None:
    """The small 公安备案 icon shown before the record number (fictional drawing)."""
    s = 20
    img = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    d.polygon([(10, 1), (18, 4), (17, 12), (10, 19), (3, 12), (2, 4)], fill="#1b4f9c")
    d.polygon([(10, 4), (15, 6), (14, 11), (10, 16), (6, 11), (5, 6)], fill="#f2c94c")
    d.ellipse([7, 7, 13, 13], fill="#1b4f9c")
    img.save(OUT / filename, optimize=True)


def conac_badge(filename: str = "conac-red.png") -> None:
    """A static copy of the 党政机关网站标识 badge (stand-in artwork, red)."""
    w, h = 80, 60
    img = Image.new("RGB", (w, h), "#c40000")
    d = ImageDraw.Draw(img)
    f = _font(14)
    for i, line in enumerate(["党政机关", "网站标识"]):
        tw = d.textlength(line, font=f)
        d.text(((w - tw) / 2, 8 + 20 * i), line, fill="white", font=f)
    img.save(OUT / filename, optimize=True)


def focus(filename: str = "focus.png") -> None:
    """Home-page focus picture: a flat drawing of a riverside city."""
    w, h = 560, 300
    img = Image.new("RGB", (w, h), "#cfe6f7")
    d = ImageDraw.Draw(img)
    for i, c in enumerate(["#d9ecf9", "#e3f1fb", "#edf6fc"]):
        d.rectangle([0, 60 * i, w, 60 * i + 60], fill=c)
    d.ellipse([440, 30, 500, 90], fill="#ffe08a")
    d.polygon([(0, 190), (90, 120), (170, 175), (260, 110), (380, 180), (470, 130), (560, 175), (560, 300),
               (0, 300)], fill="#9cc9a6")
    for x, hgt, wid, col in [(40, 110, 36, "#6d8fb3"), (84, 150, 30, "#5a7ea6"), (120, 90, 44, "#7d9ec0"),
                             (300, 130, 34, "#5a7ea6"), (340, 170, 28, "#4d7199"), (372, 100, 40, "#7d9ec0"),
                             (420, 140, 32, "#6d8fb3")]:
        d.rectangle([x, 230 - hgt, x + wid, 230], fill=col)
        for wy in range(230 - hgt + 10, 225, 16):
            for wx in range(x + 6, x + wid - 6, 10):
                d.rectangle([wx, wy, wx + 4, wy + 6], fill="#dfe9f3")
    d.rectangle([0, 230, w, 300], fill="#5fa8d3")
    for y in range(244, 300, 14):
        d.line([(30 + (y % 40), y), (120 + (y % 40), y)], fill="#8cc3e3", width=2)
        d.line([(300 + (y % 30), y), (420 + (y % 30), y)], fill="#8cc3e3", width=2)
    d.arc([180, 200, 380, 300], 180, 360, fill="#f3f3f3", width=6)
    img = img.quantize(colors=64)
    img.save(OUT / filename, optimize=True)


def entry_button(text: str, filename: str) -> None:
    """A top-bar entry drawn as a picture with no alt text (found only by reading its pixels)."""
    img = Image.new("RGB", (104, 30), (200, 30, 38))
    d = ImageDraw.Draw(img)
    d.text((52, 15), text, font=_font(18), fill=(255, 255, 255), anchor="mm")
    img.save(OUT / filename, optimize=True)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    banner("示范市人民政府", "SHIFAN MUNICIPAL PEOPLE'S GOVERNMENT", "banner.png", (150, 10, 16), (200, 30, 38))
    banner("某某市文化旅游局", "MOUMOU MUNICIPAL BUREAU OF CULTURE AND TOURISM", "banner-other.png",
           (12, 58, 130), (24, 92, 170))
    gongan()
    conac_badge()
    focus()
    entry_button("长者模式", "zzms-entry.png")
    for p in sorted(OUT.glob("*.png")):
        print(f"{p.name}: {p.stat().st_size} bytes")


if __name__ == "__main__":
    main()
