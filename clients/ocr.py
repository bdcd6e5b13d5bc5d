"""Reading text out of header pixels (OCR) with RapidOCR; its Chinese models ship inside the wheel.

Used only when the DOM cannot prove the site name. Results are cached per image hash: a site's pages share a
header, so a site audit reads each distinct header once.
"""
from __future__ import annotations

import hashlib
import io
import threading
from collections import OrderedDict
from typing import Any

from auditor.models import Box, OcrLine


class HeaderOCR:
    def __init__(self, cache_size: int = 512):
        self._engine: Any = None
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, list[OcrLine]] = OrderedDict()
        self._cache_size = cache_size
        self.calls = 0
        self.hits = 0

    def _load(self) -> Any:
        if self._engine is None:
            from rapidocr_onnxruntime import RapidOCR  # heavy import: only when OCR is needed

            self._engine = RapidOCR()
        return self._engine

    def warm(self) -> None:
        """Load the model now (about a second, much more on a busy machine), outside any page's time budget."""
        with self._lock:
            self._load()

    def read_png(self, png: bytes, offset: tuple[float, float] = (0.0, 0.0)) -> list[OcrLine]:
        """Lines of text in an image, with boxes shifted by ``offset`` into page coordinates."""
        key = hashlib.sha256(png).hexdigest()
        with self._lock:
            if key in self._cache:
                self.hits += 1
                self._cache.move_to_end(key)
                return _shift(self._cache[key], offset)
            self.calls += 1
            import numpy as np
            from PIL import Image

            img = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))[:, :, ::-1]  # RapidOCR wants BGR
            raw, _ = self._load()(img)
            lines = []
            for pts, text, score in raw or []:
                xs = [p[0] for p in pts]
                ys = [p[1] for p in pts]
                lines.append(OcrLine(text=text, score=float(score),
                                     box=Box(min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))))
            self._cache[key] = lines
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
            return _shift(lines, offset)


def _shift(lines: list[OcrLine], offset: tuple[float, float]) -> list[OcrLine]:
    dx, dy = offset
    return [OcrLine(ln.text, Box(ln.box.x + dx, ln.box.y + dy, ln.box.w, ln.box.h), ln.score) for ln in lines]


_shared: HeaderOCR | None = None


def shared_ocr() -> HeaderOCR:
    """One OCR engine per process (the model load takes about a second)."""
    global _shared
    if _shared is None:
        _shared = HeaderOCR()
    return _shared
