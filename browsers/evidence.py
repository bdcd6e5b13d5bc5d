"""Evidence files: the full-page screenshot, a crop per finding with the element boxed, the element's HTML.

Files live under the evidence folder and are referenced (relative path + SHA-256) from the database, never
stored as blobs. Crops are drawn with Pillow from the one full-page screenshot, so no extra browser work.

Commit order (no orphan files after a kill): a staged writer writes into ``<run>/.tmp-<page>-<random>/`` while
the paths it hands out already name the final folder ``<run>/<page>/``; the caller stores the rows, then calls
``commit()``, which moves the files into place. A process killed in between leaves only a ``.tmp-*`` folder,
which the sweep (workers/reaper.py) moves into place when its rows were committed and deletes otherwise.
"""
from __future__ import annotations

import errno
import hashlib
import io
import os
import re
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

from auditor.models import Box

MARGIN = 60
MAX_CROP = (1400, 900)
# zlib level of the PNGs we encode (crops, boxed pictures, a redacted screenshot): lossless at any level; 1 took
# 26 ms for a full-width crop of the sample home page against 46 ms at Pillow's default 6, for a similar size.
PNG_LEVEL = 1
STAGE_PREFIX = ".tmp-"
STAGE_RE = re.compile(r"^\.tmp-(?P<page>.+)-[0-9a-f]{8}$")


class EvidenceDirError(OSError):
    """The evidence folder cannot be written (read-only, not a folder, disk full): the run cannot go on."""

    def __init__(self, path: Path, exc: OSError):
        super().__init__(exc.errno or errno.EIO, f"证据目录不可写：{path}（{exc.strerror or exc}）")
        self.path = path

    def __str__(self) -> str:
        return str(self.args[1])


@dataclass
class EvidenceFile:
    kind: str  # screenshot | crop | html | ocr_crop
    path: str  # relative to the evidence folder
    sha256: str
    size: int
    box: Box | None = None


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def safe_name(s: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", s)[:80]


def _frame(draw: ImageDraw.ImageDraw, size: tuple[int, int], x: float, y: float, w: float, h: float) -> None:
    """The red box around an element, clamped to the picture (an element may run past its edge)."""
    x0, y0 = min(max(0.0, x - 2), size[0] - 1), min(max(0.0, y - 2), size[1] - 1)
    x1, y1 = min(max(x0, x + w + 2), size[0] - 1), min(max(y0, y + h + 2), size[1] - 1)
    draw.rectangle([x0, y0, x1, y1], outline=(230, 0, 0), width=3)


def _blur(img: Image.Image, box: Box) -> None:
    """Gaussian blur over a region, strong enough that digits cannot be read back."""
    x0, y0 = max(0, int(box.x) - 2), max(0, int(box.y) - 2)
    x1, y1 = min(img.width, int(box.x + box.w) + 2), min(img.height, int(box.y + box.h) + 2)
    if x1 - x0 < 1 or y1 - y0 < 1:
        return
    region = img.crop((x0, y0, x1, y1))
    radius = max(6, int(min(x1 - x0, y1 - y0) / 3))
    img.paste(region.filter(ImageFilter.GaussianBlur(radius)), (x0, y0))


def _mkdir(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise EvidenceDirError(path, exc) from exc


class EvidenceWriter:
    """Writes one page's evidence files for <root>/<run>/<page>/ (directly, or staged until ``commit``)."""

    def __init__(self, root: str | Path, run_key: str, page_key: str, screenshot: bytes | None, *,
                 staged: bool = False):
        self.root = Path(root)
        self.rel = Path(safe_name(run_key)) / safe_name(page_key)
        self.final = self.root / self.rel
        self.stage: Path | None = None
        if staged:
            self.stage = self.root / safe_name(run_key) / f"{STAGE_PREFIX}{safe_name(page_key)}-{uuid.uuid4().hex[:8]}"
        _mkdir(self.root)  # a message naming the evidence folder itself when that is what cannot be made
        _mkdir(self.stage or self.final)
        self.png = screenshot
        self._img: Image.Image | None = None
        self._n = 0

    @classmethod
    def reopen(cls, root: str | Path, run_key: str, page_key: str, *, staged: bool = False) -> "EvidenceWriter":
        """A writer for a page stored earlier, with its full-page screenshot read back (for later crops)."""
        w = cls(root, run_key, page_key, None, staged=staged)
        _mkdir(w.final)
        shot = w.final / "full.png"
        w.png = shot.read_bytes() if shot.is_file() else None
        w._n = len(list(w.final.iterdir()))  # continue numbering after the files already there
        return w

    def _write(self, name: str, data: bytes, kind: str, box: Box | None = None) -> EvidenceFile:
        rel = self.rel / name
        target = (self.stage or self.final) / name
        try:
            target.write_bytes(data)
        except OSError as exc:
            raise EvidenceDirError(target.parent, exc) from exc
        return EvidenceFile(kind=kind, path=rel.as_posix(), sha256=sha256(data), size=len(data), box=box)

    def commit(self) -> None:
        """Move the staged files into the page's folder (call once their rows are committed); later writes
        go straight to the folder. A stage already swept away (its run ended meanwhile) is left alone."""
        stage, self.stage = self.stage, None
        if stage is None or not stage.is_dir():
            return
        try:
            if not self.final.exists():
                try:
                    os.rename(stage, self.final)  # one atomic step for a new page
                    return
                except OSError:
                    if not self.final.is_dir():  # not a race with a duplicate job: a real failure
                        raise
            for f in stage.iterdir():  # the page was stored before (a retried job): file by file
                os.replace(f, self.final / f.name)
            stage.rmdir()
        except OSError as exc:
            raise EvidenceDirError(self.final, exc) from exc

    def discard(self) -> None:
        """Drop staged files whose rows were never stored."""
        stage, self.stage = self.stage, None
        if stage is not None:
            shutil.rmtree(stage, ignore_errors=True)

    def save(self, name: str, data: bytes, kind: str) -> EvidenceFile:
        """Any other evidence file under this page's folder (e.g. the home page rendered over IPv6)."""
        return self._write(safe_name(name), data, kind)

    def screenshot(self) -> EvidenceFile | None:
        if not self.png:
            return None
        return self._write("full.png", self.png, "screenshot")

    def _image(self) -> Image.Image | None:
        if self._img is None and self.png:
            self._img = Image.open(io.BytesIO(self.png)).convert("RGB")
        return self._img

    def region_png(self, box: Box) -> tuple[bytes, tuple[float, float]] | None:
        """The plain pixels of a region (for OCR), and its top-left offset in page coordinates."""
        img = self._image()
        if img is None:
            return None
        x0, y0 = max(0, int(box.x)), max(0, int(box.y))
        x1, y1 = min(img.width, int(box.x + box.w)), min(img.height, int(box.y + box.h))
        if x1 - x0 < 4 or y1 - y0 < 4:
            return None
        buf = io.BytesIO()
        img.crop((x0, y0, x1, y1)).save(buf, "PNG")
        return buf.getvalue(), (float(x0), float(y0))

    def redact(self, boxes: list[Box]) -> None:
        """Blur these regions (personal data) in the page screenshot itself, before it or any crop is written."""
        img = self._image()
        if img is None or not boxes:
            return
        for box in boxes:
            _blur(img, box)
        buf = io.BytesIO()
        img.save(buf, "PNG", compress_level=PNG_LEVEL)
        self.png = buf.getvalue()

    def crop(self, rule: str, box: Box | None, kind: str = "crop", blur: bool = False) -> EvidenceFile | None:
        """A crop around the element with the element boxed in red; None when there is no box or image."""
        img = self._image()
        if img is None or box is None or box.w <= 0 or box.h <= 0:
            return None
        x0 = max(0, int(box.x - MARGIN))
        y0 = max(0, int(box.y - MARGIN))
        x1 = min(img.width, int(box.x + box.w + MARGIN))
        y1 = min(img.height, int(box.y + box.h + MARGIN))
        x1, y1 = min(x1, x0 + MAX_CROP[0]), min(y1, y0 + MAX_CROP[1])
        if x1 - x0 < 4 or y1 - y0 < 4:
            return None
        piece = img.crop((x0, y0, x1, y1))
        bx0, by0 = box.x - x0, box.y - y0
        if blur:  # personal data: blurred under the box, so the crop shows where it was, not what it was
            _blur(piece, Box(bx0, by0, box.w, box.h))
        draw = ImageDraw.Draw(piece)
        _frame(draw, piece.size, bx0, by0, box.w, box.h)
        buf = io.BytesIO()
        piece.save(buf, "PNG", compress_level=PNG_LEVEL)
        self._n += 1
        return self._write(f"{safe_name(rule)}-{self._n}.png", buf.getvalue(), kind, box)

    def picture(self, rule: str, png: bytes, box: Box | None = None, kind: str = "shot") -> EvidenceFile:
        """A picture the browser took for one check (e.g. the page after 适老模式 was switched on), with the
        element boxed in red when a box on that picture is given."""
        data = png
        if box is not None and box.w > 0 and box.h > 0:
            img = Image.open(io.BytesIO(png)).convert("RGB")
            _frame(ImageDraw.Draw(img), img.size, box.x, box.y, box.w, box.h)
            buf = io.BytesIO()
            img.save(buf, "PNG", compress_level=PNG_LEVEL)
            data = buf.getvalue()
        self._n += 1
        return self._write(f"{safe_name(rule)}-{self._n}.png", data, kind, box)

    def text(self, rule: str, content: str, kind: str = "http") -> EvidenceFile:
        """A plain-text evidence file (e.g. the HTTP exchange of a broken link)."""
        self._n += 1
        return self._write(f"{safe_name(rule)}-{self._n}.txt", content.encode("utf-8"), kind)

    def html(self, rule: str, snippet: str) -> EvidenceFile:
        self._n += 1
        return self._write(f"{safe_name(rule)}-{self._n}.html", snippet.encode("utf-8"), "html")
