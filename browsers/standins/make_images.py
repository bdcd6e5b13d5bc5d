"""Draws the stand-in badge images (run once; the PNGs are committed). Not the real artwork."""
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

HERE = Path(__file__).parent
FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"


def badge(name: str, size: tuple[int, int], bg: str, lines: list[str]) -> None:
    img = Image.new("RGB", size, bg)
    d = ImageDraw.Draw(img)
    font = ImageFont.truetype(FONT, 14)
    y = 8
    for line in lines:
        w = d.textlength(line, font=font)
        d.text(((size[0] - w) / 2, y), line, fill="white", font=font)
        y += 20
    img.save(HERE / name)


if __name__ == "__main__":
    badge("red.png", (80, 60), "#c40000", ["党政机关", "网站标识"])
    badge("red_error.png", (80, 60), "#777777", ["党政机关", "标识异常"])
    badge("blue.png", (80, 60), "#1a4fa0", ["事业单位", "网站标识"])
    badge("jiucuo.png", (110, 55), "#b30000", ["政府网站", "找错"])
