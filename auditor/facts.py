"""The probe's facts (页面事实) as types: what browsers/probe.js reports about one rendered page.

``parse_probe`` reads the probe's JSON once, at the boundary (the Playwright fetcher, the Selenium engine, a
snapshot file, a test's dict); the rules then read attributes (``facts.probe.footer.texts``), not string keys.
Unknown keys are kept in ``extra`` and missing ones take their defaults, so an older snapshot or a newer probe
never crashes a rule. ``ProbeFacts.to_dict`` gives the probe's JSON back (the snapshot format is unchanged).

The list items (texts, links, images …) stay JSON objects, typed as ``TypedDict`` (their keys are probe.js's):
they are read by many helpers, carried into evidence as they are, and cost nothing to keep.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, TypedDict

# Bump when probe.js's output changes shape (a key renamed or its meaning changed; new keys need no bump).
FACTS_VERSION = 1


class BoxDict(TypedDict):
    x: float
    y: float
    w: float
    h: float


class Background(TypedDict, total=False):
    color: str | None
    image: str | None
    gradient: bool
    owner: str
    fallback: str | None


class TextItem(TypedDict, total=False):
    """A visible text node in a band: its text, box, colour, size, background, tag, HTML and block id."""
    text: str
    box: BoxDict
    color: str
    fontSize: float
    bg: Background
    tag: str
    html: str
    blk: int


class ImageItem(TypedDict, total=False):
    src: str
    alt: str | None
    title: str | None
    box: BoxDict
    loaded: bool
    natural: list[int]
    visible: bool
    html: str


class BgImage(TypedDict, total=False):
    src: str
    box: BoxDict
    html: str
    title: str | None
    ariaLabel: str | None


class LinkImage(TypedDict, total=False):
    src: str
    alt: str | None
    loaded: bool
    box: BoxDict
    visible: bool


class LinkItem(TypedDict, total=False):
    href: str
    rawHref: str | None
    onclick: str | None
    text: str
    title: str | None
    box: BoxDict
    visible: bool
    imgs: list[LinkImage]
    html: str


class ScriptItem(TypedDict, total=False):
    src: str
    id: str | None
    sitecode: str | None
    html: str


class MetaItem(TypedDict, total=False):
    name: str | None
    property: str | None
    content: str | None


class NavLink(TypedDict, total=False):
    href: str
    text: str
    box: BoxDict


class ListItem(TypedDict, total=False):
    text: str
    href: str
    title: str
    date: str | None
    box: BoxDict
    inHeader: bool


class BodyText(TypedDict, total=False):
    text: str
    box: BoxDict


class Placeholder(TypedDict, total=False):
    present: bool
    visible: bool
    box: BoxDict
    html: str
    childCount: int


@dataclass
class HeaderBand:
    """头部标识区: the band at the top of the page and what lies in it."""
    box: BoxDict | None = None
    texts: list[TextItem] = field(default_factory=list)
    images: list[ImageItem] = field(default_factory=list)
    bg_images: list[BgImage] = field(default_factory=list)
    canvas: int = 0


@dataclass
class FooterBand:
    """底部功能区: the band at the bottom of the page and what lies in it."""
    box: BoxDict | None = None
    texts: list[TextItem] = field(default_factory=list)
    links: list[LinkItem] = field(default_factory=list)
    images: list[ImageItem] = field(default_factory=list)


@dataclass
class Placeholders:
    """The national services' placeholder elements (#_ideConac, #_span_jiucuo)."""
    ide_conac: Placeholder = field(default_factory=lambda: Placeholder(present=False))
    span_jiucuo: Placeholder = field(default_factory=lambda: Placeholder(present=False))


@dataclass
class Hints:
    """Page-kind hints: dated list items, h1 headings, the longest text block, link and image counts."""
    dated_items: int = 0
    h1: list[str] = field(default_factory=list)
    longest_block: int = 0
    link_count: int = 0
    image_count: int = 0


@dataclass
class ProbeFacts:
    """One page as browsers/probe.js saw it."""
    title: str = ""
    lang: str | None = None
    metas: list[MetaItem] = field(default_factory=list)
    node_count: int = 0
    viewport: dict[str, float] = field(default_factory=dict)
    doc: dict[str, float] = field(default_factory=dict)
    header: HeaderBand = field(default_factory=HeaderBand)
    footer: FooterBand = field(default_factory=FooterBand)
    links: list[LinkItem] = field(default_factory=list)
    images: list[ImageItem] = field(default_factory=list)
    scripts: list[ScriptItem] = field(default_factory=list)
    nav: list[NavLink] = field(default_factory=list)
    list_items: list[ListItem] = field(default_factory=list)
    text: str = ""
    # None on pages probed before the list existed: the content rules then fall back to ``text``.
    body_texts: list[BodyText] | None = None
    placeholders: Placeholders = field(default_factory=Placeholders)
    hints: Hints = field(default_factory=Hints)
    extra: dict[str, Any] = field(default_factory=dict)  # keys this version does not know, kept for to_dict

    def band(self, name: str) -> HeaderBand | FooterBand:
        """The header or footer band by name ("header" | "footer")."""
        if name not in ("header", "footer"):
            raise KeyError(name)
        return self.header if name == "header" else self.footer

    def to_dict(self) -> dict[str, Any]:
        """The probe's JSON (probe.js's keys), as a snapshot stores it."""
        out: dict[str, Any] = {
            "title": self.title, "lang": self.lang, "metas": self.metas, "nodeCount": self.node_count,
            "viewport": self.viewport, "doc": self.doc,
            "header": {"box": self.header.box, "texts": self.header.texts, "images": self.header.images,
                       "bgImages": self.header.bg_images, "canvas": self.header.canvas},
            "footer": {"box": self.footer.box, "texts": self.footer.texts, "links": self.footer.links,
                       "images": self.footer.images},
            "links": self.links, "images": self.images, "scripts": self.scripts, "nav": self.nav,
            "listItems": self.list_items, "text": self.text,
            "placeholders": {"ideConac": self.placeholders.ide_conac, "spanJiucuo": self.placeholders.span_jiucuo},
            "hints": {"datedItems": self.hints.dated_items, "h1": self.hints.h1,
                      "longestBlock": self.hints.longest_block, "linkCount": self.hints.link_count,
                      "imageCount": self.hints.image_count},
        }
        if self.body_texts is not None:
            out["bodyTexts"] = self.body_texts
        return {**out, **self.extra}

    # Read access by probe.js key, for gatherer-side code (browsers/attachments.py, workers/) that still reads
    # the JSON shape. The rules read attributes.
    def get(self, key: str, default: Any = None) -> Any:
        d = self.to_dict()
        return d.get(key, default)

    def __getitem__(self, key: str) -> Any:
        return self.to_dict()[key]


_KNOWN = {"title", "lang", "metas", "nodeCount", "viewport", "doc", "header", "footer", "links", "images", "scripts",
          "nav", "listItems", "text", "bodyTexts", "placeholders", "hints"}


def _list(v: Any) -> list[Any]:
    return list(v) if isinstance(v, (list, tuple)) else []


def _map(v: Any) -> Mapping[str, Any]:
    return v if isinstance(v, Mapping) else {}


def _int(v: Any) -> int:
    try:
        return int(v or 0)
    except (TypeError, ValueError):
        return 0


def parse_probe(raw: Mapping[str, Any] | ProbeFacts | None) -> ProbeFacts:
    """The probe's JSON as ``ProbeFacts``; missing or malformed parts take their defaults, unknown keys are kept."""
    if isinstance(raw, ProbeFacts):
        return raw
    raw = _map(raw)
    h, f, p, hi = _map(raw.get("header")), _map(raw.get("footer")), _map(raw.get("placeholders")), \
        _map(raw.get("hints"))
    body = raw.get("bodyTexts")
    return ProbeFacts(
        title=raw.get("title") or "",
        lang=raw.get("lang"),
        metas=_list(raw.get("metas")),
        node_count=_int(raw.get("nodeCount")),
        viewport=dict(_map(raw.get("viewport"))),
        doc=dict(_map(raw.get("doc"))),
        header=HeaderBand(box=h.get("box"), texts=_list(h.get("texts")), images=_list(h.get("images")),
                          bg_images=_list(h.get("bgImages")), canvas=_int(h.get("canvas"))),
        footer=FooterBand(box=f.get("box"), texts=_list(f.get("texts")), links=_list(f.get("links")),
                          images=_list(f.get("images"))),
        links=_list(raw.get("links")),
        images=_list(raw.get("images")),
        scripts=_list(raw.get("scripts")),
        nav=_list(raw.get("nav")),
        list_items=_list(raw.get("listItems")),
        text=raw.get("text") or "",
        body_texts=_list(body) if body is not None else None,
        placeholders=Placeholders(ide_conac=dict(_map(p.get("ideConac"))) or Placeholder(present=False),  # type: ignore[arg-type]
                                  span_jiucuo=dict(_map(p.get("spanJiucuo"))) or Placeholder(present=False)),  # type: ignore[arg-type]
        hints=Hints(dated_items=_int(hi.get("datedItems")), h1=_list(hi.get("h1")),
                    longest_block=_int(hi.get("longestBlock")), link_count=_int(hi.get("linkCount")),
                    image_count=_int(hi.get("imageCount"))),
        extra={k: v for k, v in raw.items() if k not in _KNOWN},
    )
