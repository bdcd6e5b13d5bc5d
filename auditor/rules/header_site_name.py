"""header.site_name — 网站名称（头部标识区）: the site's name is visible in the header band.

Order of proof, cheapest first: visible text on a solid background, then a loaded logo's alt/title, then OCR
of the header band's pixels (the pipeline runs OCR only when ``dom_proves`` is False). Where the DOM has the
text but on a background image, only the pixels can tell whether a person sees it, so OCR decides.
"""
from __future__ import annotations

import re
from difflib import SequenceMatcher
from typing import Any

from auditor.fault import unreachable_of
from auditor.models import Box, CheckResult, EvidenceRef, OcrLine, PageFacts, SiteProfile, Status
from auditor.rules._common import band_evidence, contrast, header_band_bottom, in_band, result
from auditor.rules.meta import RuleMeta

META = RuleMeta(
    id="header.site_name",
    indicator="网站名称（头部标识区）",
    pass_title="头部标识区显示网站名称",
    fail_title="头部标识区未显示网站名称",
    fix="在页面头部标识区以清晰可见的文字（或带替代文本且能正常加载的图片）显示网站名称，不要放在背景图中或被遮挡。",
    facts=("probe.header", "header_ocr", "failed_requests"),
    key="D4.2",
    group="D4",
    description=("**pass** when the site's name (its core: the 机构名称 without 门户网站/网站/政府网 suffixes) is visible in the "
                 "header band: as visible text with contrast on a solid background, as a header image's alt/title "
                 "**and** that image loaded and is visible, or read by OCR from the header band's pixels. Only what "
                 "lies in the band counts (its centre above the band's bottom): text, images and OCR lines below it — "
                 "e.g. an article byline «来源：XX人民政府» on a page whose head block swallowed the article — do not; "
                 "**fail** when the name is not visible in the header band (absent, hidden, white on white, only in an"
                 " off-screen/hidden element, only below the band); **not_assessable** when a header image failed to "
                 "load and nothing else shows the name"),
)
RULE = META.id
INDICATOR = META.indicator
MIN_CONTRAST = 1.5  # below this, text is effectively invisible (e.g. white on white)

_SUFFIXES = ("政府门户网站", "门户网站", "门户网", "政府网站", "网站", "政府网", "门户", "网")
_SPLIT = re.compile(r"[_|｜\-—–·（）()\s]+")


def name_variants(name: str) -> list[str]:
    """Forms of a 网站名称 that count as the name: the 机构名称 core without 门户网站/网站 suffixes."""
    name = re.sub(r"\s+", "", name or "")
    parts = [name] + [p for p in _SPLIT.split(name) if p]
    out: list[str] = []
    for p in parts:
        core = p
        for suf in _SUFFIXES:
            if core.endswith(suf) and len(core) - len(suf) >= 2:
                core = core[: -len(suf)]
                break
        for v in (core, p):
            if v.startswith("中华人民共和国") and len(v) > 9:
                out.append(v[len("中华人民共和国"):])
            out.append(v)
    strong = [v for v in dict.fromkeys(out) if len(v) >= 4]
    return strong or [v for v in dict.fromkeys(out) if v]


def _squash(s: str) -> str:
    return re.sub(r"[\s\u3000]+", "", s or "")


def _fuzzy_contains(hay: str, needle: str, threshold: float = 0.8) -> bool:
    """True when some window of ``hay`` is close to ``needle`` (OCR may misread a character)."""
    if not needle or not hay:
        return False
    if needle in hay:
        return True
    if len(needle) < 4:
        return False
    n = len(needle)
    for size in (n - 1, n, n + 1):
        for i in range(0, max(1, len(hay) - size + 1)):
            if SequenceMatcher(None, hay[i:i + size], needle).ratio() >= threshold:
                return True
    return False


def _text_visible(item: dict[str, Any], failed: set[str]) -> bool | None:
    """True/False when the DOM decides whether a person sees the text; None when only pixels can tell."""
    bg = item.get("bg") or {}
    image = bg.get("image")
    colour = bg.get("color")
    if image and not bg.get("gradient") and image in failed:
        colour = bg.get("fallback") or colour or "rgb(255, 255, 255)"
        image = None
    if image:
        return None
    ratio = contrast(item.get("color"), colour or "rgb(255, 255, 255)")
    if ratio is None:
        return None
    return ratio >= MIN_CONTRAST


def _dom_match(facts: PageFacts, site: SiteProfile) -> tuple[EvidenceRef | None, list[str], bool]:
    """(evidence when the DOM proves the name, reasons it does not, whether pixels must decide)."""
    header = facts.probe.header
    failed = facts.failed_urls
    variants = name_variants(site.name)
    bottom = header_band_bottom(facts)
    texts = [t for t in header.texts if in_band(t.get("box"), bottom)]
    shown = [t for t in texts if _text_visible(t, failed) is True]
    joined = _squash("".join(t["text"] for t in shown))
    for v in variants:
        if v in joined:
            hit = next((t for t in shown if v[:2] in _squash(t["text"])), shown[0])
            return EvidenceRef(note=f"头部可见文字包含网站名称“{v}”", box=Box.of(hit["box"]),
                               html=hit.get("html"), text=hit["text"]), [], False
    reasons = []
    undecided = _squash("".join(t["text"] for t in texts if _text_visible(t, failed) is None))
    pixels_needed = any(v in undecided for v in variants)
    hidden = _squash("".join(t["text"] for t in texts if _text_visible(t, failed) is False))
    if any(v in hidden for v in variants):
        reasons.append("头部文字含网站名称，但与背景颜色几乎相同，肉眼无法看到")
    for img in header.images:
        if not in_band(img.get("box"), bottom):
            continue
        label = _squash((img.get("alt") or "") + (img.get("title") or ""))
        if any(v in label for v in variants):
            if img.get("loaded") and img.get("visible"):
                return EvidenceRef(note="头部标识图片已加载，其替代文本为网站名称", box=Box.of(img["box"]),
                                   html=img.get("html"), text=img.get("alt") or img.get("title")), [], False
            reasons.append("头部图片的替代文本含网站名称，但图片未加载或不可见")
    return None, reasons, pixels_needed


def dom_proves(facts: PageFacts, site: SiteProfile) -> bool:
    """Whether the DOM alone shows the name; when False the pipeline runs OCR on the header band."""
    return _dom_match(facts, site)[0] is not None


def pixels_may_show_name(facts: PageFacts, site: SiteProfile) -> bool:
    """Whether OCR could change the answer: only pixels the DOM cannot read (images, background images,
    canvas, text over an image) can show a name the DOM text does not. A header of plain text and colours
    needs no OCR: what the DOM says is what is drawn."""
    header = facts.probe.header
    if any(i.get("visible") for i in header.images) or header.bg_images or header.canvas:
        return True
    return _dom_match(facts, site)[2]


def band_ocr(facts: PageFacts) -> list[OcrLine] | None:
    """The OCR lines that lie in the header band (None when OCR did not run)."""
    if facts.header_ocr is None:
        return None
    bottom = header_band_bottom(facts)
    return [ln for ln in facts.header_ocr if in_band(ln.box, bottom)]


def header_images_failed(facts: PageFacts) -> list[str]:
    header = facts.probe.header
    failed = facts.failed_urls
    bottom = header_band_bottom(facts)
    out = [i["src"] for i in header.images if i.get("visible") is not False and not i.get("loaded")
           and in_band(i.get("box"), bottom)
           and i.get("box", {}).get("w", 0) * i.get("box", {}).get("h", 0) >= 400]
    out += [b["src"] for b in header.bg_images if b.get("src") in failed and in_band(b.get("box"), bottom)]
    return out


def _answered_with_error(facts: PageFacts, urls: list[str]) -> bool:
    """Every one of these pictures was answered with an HTTP error (the server's doing, not the network's)."""
    answered = {f.get("url") for f in facts.failed_requests if f.get("status")}
    return all(u in answered or u.replace("https://", "http://", 1) in answered for u in urls)


def hidden_name(reasons: list[str]) -> bool:
    """The name is in the DOM but a person cannot see it (e.g. white on white after a background failed)."""
    return any("肉眼无法看到" in r for r in reasons)


def check(facts: PageFacts, site: SiteProfile) -> CheckResult:
    evidence, reasons, _ = _dom_match(facts, site)
    if evidence is not None:
        return result(RULE, INDICATOR, Status.PASS, f"头部标识区显示网站名称（{evidence.text}）",
                      {"source": "dom", "text": evidence.text}, [evidence])
    variants = name_variants(site.name)
    ocr = band_ocr(facts)
    if ocr is not None:
        joined = _squash("".join(line.text for line in ocr))
        for v in variants:
            if _fuzzy_contains(joined, v):
                line = next((ln for ln in ocr if _fuzzy_contains(_squash(ln.text), v[:4]) or v[:2] in ln.text), None)
                ev = EvidenceRef(note=f"头部图片经文字识别（OCR）读出网站名称“{v}”", kind="ocr",
                                 box=line.box if line else facts.header_ocr_box, text=joined[:200])
                return result(RULE, INDICATOR, Status.PASS, f"头部标识区图片中显示网站名称（OCR：{v}）",
                              {"source": "ocr", "ocr_text": joined[:200]}, [ev])
    broken = header_images_failed(facts)
    region = band_evidence(facts, "header", "头部标识区")
    if ocr is None and not broken and not pixels_may_show_name(facts, site):
        reasons.append("头部标识区只有文字，其中没有网站名称")
        return result(RULE, INDICATOR, Status.FAIL, f"头部标识区未显示网站名称“{site.name}”：" + "；".join(reasons),
                      {"reasons": reasons, "expected": variants}, [region])
    if ocr is None:
        return result(RULE, INDICATOR, Status.NOT_ASSESSABLE, "页面代码无法证明头部显示网站名称，且未进行图像文字识别",
                      {"reasons": reasons}, [region])
    ocr_text = _squash("".join(line.text for line in ocr))[:200]
    if broken and not hidden_name(reasons):
        # Pictures that did not load: not assessable when any of them failed on the auditor's side; when the
        # site's own server answered an error for all of them, the header shows no name and that is the site's.
        gone = unreachable_of(facts, broken)
        if gone is not None or not _answered_with_error(facts, broken):
            return result(RULE, INDICATOR, Status.NOT_ASSESSABLE,
                          f"头部有 {len(broken)} 个图片未能加载，无法判断是否显示网站名称"
                          + (f"（本次检查无法访问 {gone.describe()}）" if gone else ""),
                          {"failed_images": broken[:10], "ocr_text": ocr_text}, [region])
        reasons.append(f"头部 {len(broken)} 个图片网站服务器返回错误（{broken[0]}）")
    reasons.append("头部图像文字识别未读出网站名称" + (f"（识别到：{ocr_text[:40]}）" if ocr_text else ""))
    region.kind = "ocr"
    region.text = ocr_text
    c = result(RULE, INDICATOR, Status.FAIL, f"头部标识区未显示网站名称“{site.name}”：" + "；".join(reasons),
               {"reasons": reasons, "ocr_text": ocr_text, "expected": variants}, [region])
    # What the header looks like rests on the page's stylesheets and header pictures: the rule of fault names any
    # of them the auditor could not load.
    c.depends_on = [str(f.get("url")) for f in [*facts.failed_requests, *facts.pending_requests]
                    if f.get("type") == "stylesheet" and f.get("url")] + header_images_failed(facts) + \
        [i["src"] for i in facts.probe.header.images if not i.get("loaded") and i.get("src")]
    c.shown = "头部标识区的样式表或图片未能加载，页面头部显示不完整" if c.depends_on else None
    return c
