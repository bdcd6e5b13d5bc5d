"""footer.contact — 联系方式: a phone number, e-mail or postal address of the 主办单位 or of the site itself, in the
footer or on the page the footer's «联系我们» link leads to.

What counts and what does not:
- a 技术支持/技术服务/运维/承建/开发 contact (the company that builds or runs the site) is not the site's: a
  phone, e-mail or address whose nearest role word before it, in the same block of text, is one of those;
- the 12345 政务服务便民热线 (also with an area code, «020-12345») is the government's hotline, not the site's
  contact: alone it gives ``warn``;
- a bare «联系我们» link proves nothing by itself: the gatherer opens it (same site only: the same host or the
  same registrable domain, see ``_common.same_site``) and the contact must be on that page. A page that cannot
  be loaded (network error, HTTP ≥ 400) is ``not_assessable``, naming the URL and the error; a link to another
  site, a ``javascript:`` entry, or a link that was not opened (the Selenium engine, ``follow_contact`` off) is
  ``not_assessable`` too: the auditor has not seen the contact, and has not seen it missing either;
- a ``mailto:`` link with an address in the footer is the site's e-mail (pass).

Pure: the gatherer (browsers/fetcher.py) calls ``link_to_follow`` and ``contact_region`` on the probe's facts to
know what to open and what to photograph; the verdict is made here from ``PageFacts.contact_page``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from auditor.facts import ProbeFacts, parse_probe
from auditor.models import Box, CheckResult, EvidenceRef, PageFacts, SiteProfile, Status
from auditor.rules._common import (band_evidence, footer_links, footer_texts, host, link_evidence, result,
                                   same_site, union)
from auditor.rules.meta import RuleMeta

META = RuleMeta(
    id="footer.contact",
    indicator="联系方式",
    pass_title="页面底部提供联系方式",
    fail_title="页面底部及«联系我们»页面均未提供主办单位的联系方式",
    fix="在页面底部或«联系我们»页面写明主办单位的联系电话、电子邮箱或通信地址（不能只有技术支持单位的联系方式或12345热线）。",
    facts=("probe.footer", "contact_page", "failed_requests"),
    key="D4.2",
    group="D4",
    description=("**pass** when a phone number, e-mail (also a `mailto:` link) or postal address of the 主办单位 or of the"
                 " site itself: in the footer, or — when the footer has none — on the page its «联系我们»/«联系方式» link "
                 "leads to (opened by the gatherer, same site only: the same host or the same registrable domain, e.g."
                 " `lxwm.shifan.gov.cn` for `www.shifan.gov.cn`; the crop of that page is the evidence). A "
                 "phone/e-mail/address whose nearest role word before it in the same text block is 技术支持/技术服务/运维/承建/开发 "
                 "does not count; **fail** when no qualifying contact in the footer nor on the followed page (the "
                 "message names a 技术支持 contact that was left out); **warn** when only the 12345 hotline (also "
                 "«020-12345») is given: «仅提供12345热线»; **not_assessable** when the «联系我们» page cannot be loaded (HTTP "
                 "≥ 400 or a network error: URL, host and error named); the link leads to another site, is a "
                 "`javascript:` entry, or was not opened (Selenium engine, `follow_contact = false`)"),
)
RULE = META.id
INDICATOR = META.indicator

PHONE = "联系电话"
EMAIL = "电子邮箱"
ADDRESS = "通讯地址"
HOTLINE = "12345热线"

_PHONE = re.compile(r"(?<![\d-])(?:0\d{2,3}[-－—\s]?\d{7,8}|[(（]0\d{2,3}[)）]\s?\d{7,8}|1[3-9]\d{9}"
                    r"|400[-\s]?\d{3}[-\s]?\d{4})(?!\d)")
_HOTLINE = re.compile(r"(?<![\d备A-Za-z])(?:0\d{2,3}[-－—\s]?)?12345(?!\d)")
_EMAIL = re.compile(r"[A-Za-z0-9][\w.+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
# A postal address: a label, then a place (it names a 省/市/区/路/号 … ).
_ADDRESS = re.compile(r"(?:通讯|通信|联系|办公|单位)?地\s*址\s*[:：]\s*([^\s|｜:：]{4,60})")
_PLACE = re.compile(r"[省市区县镇乡村路街道巷号楼座室园]|大道|大厦|中心|广场")
# Role words that say whose contact follows. The last one before a contact in its block decides.
# (开发 but not 开发区: a 开发区管委会 is a government unit.)
_TECH = re.compile(r"技术支持|技术服务|技术保障|技术维护|运维|运行维护|承建|开发(?![区园])|建设维护|网站建设|设计制作|制作维护")
_SITE = re.compile(r"主\s*办|承\s*办|主\s*管|协\s*办|版权所有|联系我们|联系方式|网站联系|本网|本站")
_LINK = re.compile(r"联系我们|联系方式")


_PREFERRED = {PHONE: 0, EMAIL: 1, ADDRESS: 2, HOTLINE: 3}


def _best(contacts: list["Contact"]) -> list["Contact"]:
    """The site's own contacts, a phone number first, then an e-mail, then an address (stable within a kind)."""
    return sorted((c for c in contacts if c.counts), key=lambda c: _PREFERRED[c.kind])


@dataclass
class Contact:
    """One phone number, e-mail, address or 12345 hotline found in a block of text."""
    kind: str  # 联系电话 | 电子邮箱 | 通讯地址 | 12345热线
    text: str
    items: list[dict[str, Any]]
    tech: str | None = None  # the 技术支持-type word that makes it not the site's

    @property
    def counts(self) -> bool:
        return self.tech is None and self.kind != HOTLINE

    @property
    def box(self) -> Box | None:
        return union(Box.of(i.get("box")) for i in self.items)


def _groups(items: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Text items by block: the probe's block id (``blk``) where it gives one, else one visual line."""
    groups: dict[Any, list[dict[str, Any]]] = {}
    lines: list[tuple[float, float, list[dict[str, Any]]]] = []
    for it in items:
        if it.get("blk") is not None:
            groups.setdefault(("blk", it["blk"]), []).append(it)
            continue
        b = Box.of(it.get("box")) or Box(0, 0, 0, 0)
        cy = b.y + b.h / 2
        for i, (y, h, members) in enumerate(lines):
            if abs(cy - y) <= max(h, b.h, 1) * 0.6:
                members.append(it)
                break
        else:
            lines.append((cy, b.h, [it]))
    out = list(groups.values())
    out += [sorted(m, key=lambda it: (Box.of(it.get("box")) or Box(0, 0, 0, 0)).x) for _, _, m in lines]
    return out


def find_contacts(items: list[dict[str, Any]]) -> list[Contact]:
    """Every phone number, e-mail, address and 12345 hotline in these text items, each marked with the
    技术支持-type word that owns it, if any."""
    out: list[Contact] = []
    for group in _groups(items):
        spans, parts, pos = [], [], 0
        for it in group:
            t = str(it.get("text") or "")
            spans.append((pos, pos + len(t), it))
            parts.append(t)
            pos += len(t) + 1
        text = " ".join(parts)
        roles = sorted([(m.start(), m.group(0), True) for m in _TECH.finditer(text)]
                       + [(m.start(), m.group(0), False) for m in _SITE.finditer(text)])
        taken: list[tuple[int, int]] = []
        found: list[tuple[int, int, str, str]] = []
        for kind, pattern in ((EMAIL, _EMAIL), (HOTLINE, _HOTLINE), (PHONE, _PHONE), (ADDRESS, _ADDRESS)):
            for m in pattern.finditer(text):
                if any(a < m.end() and m.start() < b for a, b in taken):
                    continue  # an e-mail's digits, a hotline inside a longer number …
                if kind == ADDRESS and not _PLACE.search(m.group(1)):
                    continue
                taken.append((m.start(), m.end()))
                found.append((m.start(), m.end(), kind, m.group(0)))
        for start, end, kind, matched in sorted(found):
            owner = [r for r in roles if r[0] < start]
            tech = owner[-1][1] if owner and owner[-1][2] else None
            covered = [it for (a, b, it) in spans if a < end and b > start]
            out.append(Contact(kind, matched, covered, tech))
    return out


def _mailto(links: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for a in links:
        href = str(a.get("href") or "")
        if href.lower().startswith("mailto:") and a.get("visible", True):
            m = _EMAIL.search(href[7:].split("?", 1)[0])
            if m and not _TECH.search((a.get("text") or "") + (a.get("title") or "")):
                out.append((m.group(0), a))
    return out


def contact_links(probe: ProbeFacts | dict[str, Any]) -> list[dict[str, Any]]:
    """The footer's visible «联系我们»/«联系方式» links."""
    return [a for a in parse_probe(probe).footer.links
            if a.get("visible") and _LINK.search((a.get("text") or "") + " " + (a.get("title") or ""))]


def footer_qualifies(probe: ProbeFacts | dict[str, Any]) -> bool:
    """Whether the footer itself shows a contact of the site (then no link needs following)."""
    footer = parse_probe(probe).footer
    return any(c.counts for c in find_contacts(footer.texts)) or bool(_mailto(footer.links))


def link_to_follow(probe: ProbeFacts | dict[str, Any], page_url: str) -> str | None:
    """The URL the gatherer should open: the footer's first «联系我们» link on the same site, when the footer
    shows no qualifying contact of its own; None otherwise."""
    if footer_qualifies(probe):
        return None
    for a in contact_links(probe):
        href = str(a.get("href") or "")
        if href.startswith(("http://", "https://")) and same_site(href, page_url):
            return href.split("#", 1)[0]
    return None


def contact_region(texts: list[dict[str, Any]]) -> Box | None:
    """Where the followed page shows its contacts, for its screenshot: the contact the rule will take (a phone
    first …, else a hotline, else any) with the other contacts within 300 px of it (its block)."""
    found = find_contacts(texts)
    lead = (_best(found) or [c for c in found if c.kind == HOTLINE] or found or [None])[0]
    if lead is None or lead.box is None:
        return None
    near = [c.box for c in found if c.box is not None and abs(c.box.y - lead.box.y) <= 300]
    return union([lead.box, *near])


def _on_shot(box: Box | None, page: dict[str, Any]) -> Box | None:
    """A box of the followed page moved onto its screenshot (which starts at ``shot_box``)."""
    shot = Box.of(page.get("shot_box"))
    if box is None or shot is None:
        return None
    b = Box(box.x - shot.x, box.y - shot.y, box.w, box.h)
    if b.x + b.w <= 0 or b.y + b.h <= 0 or b.x >= shot.w or b.y >= shot.h:
        return None
    return b


def _pass(c: Contact, where: str, evidence: list[EvidenceRef], value: dict[str, Any]) -> CheckResult:
    return result(RULE, INDICATOR, Status.PASS, f"{where}提供{c.kind}：{c.text}",
                  {**value, "kind": c.kind, "text": c.text}, evidence)


def _excluded_note(contacts: list[Contact]) -> str:
    tech = [c for c in contacts if c.tech]
    return f"（{tech[0].tech}的{tech[0].kind}“{tech[0].text}”不算网站的联系方式）" if tech else ""


def check(facts: PageFacts, site: SiteProfile) -> CheckResult:
    page_url = facts.final_url or facts.url
    footer = find_contacts(footer_texts(facts))
    good = _best(footer)
    if good:
        c = good[0]
        return _pass(c, "页面底部", [EvidenceRef(note=INDICATOR, box=c.box, html=c.items[0].get("html"), text=c.text)],
                     {"source": "footer"})
    mails = _mailto(footer_links(facts))
    if mails:
        addr, a = mails[0]
        return result(RULE, INDICATOR, Status.PASS, f"页面底部提供电子邮箱链接：{addr}",
                      {"source": "footer", "kind": EMAIL, "text": addr, "href": a.get("href")},
                      [link_evidence(a, "电子邮箱链接")])
    hotline = [c for c in footer if c.kind == HOTLINE]
    links = contact_links(facts.probe)
    if links:
        # The link the gatherer opened (the first on the same site), else the first one.
        same = [a for a in links if str(a.get("href") or "").startswith(("http://", "https://"))
                and same_site(str(a.get("href")), page_url)]
        return _check_link(facts, (same or links)[0], page_url, footer, hotline)
    return _no_contact(facts, footer, hotline, [band_evidence(facts, "footer", "底部功能区")])


def _no_contact(facts: PageFacts, contacts: list[Contact], hotline: list[Contact], evidence: list[EvidenceRef],
                where: str = "底部功能区", value: dict[str, Any] | None = None,
                hotline_ev: EvidenceRef | None = None) -> CheckResult:
    value = dict(value or {})
    note = _excluded_note(contacts)
    if hotline:
        h = hotline[0]
        value.update(kind=HOTLINE, text=h.text)
        ev = hotline_ev or EvidenceRef(note="12345热线", box=h.box, html=h.items[0].get("html"), text=h.text)
        return result(RULE, INDICATOR, Status.WARN,
                      f"{where}仅提供12345热线（{h.text}），未提供网站主办单位的联系电话、邮箱或地址{note}", value,
                      [ev, *evidence])
    if contacts:
        value["excluded"] = [{"kind": c.kind, "text": c.text, "owner": c.tech} for c in contacts if c.tech][:5]
    return result(RULE, INDICATOR, Status.FAIL,
                  f"{where}未提供网站主办单位的联系电话、邮箱或通讯地址{note}", value or None, evidence)


def _check_link(facts: PageFacts, link: dict[str, Any], page_url: str, footer: list[Contact],
                hotline: list[Contact]) -> CheckResult:
    href = str(link.get("href") or "")
    text = link.get("text") or href
    entry = link_evidence(link, "“联系我们”入口")
    value: dict[str, Any] = {"source": "contact_page", "href": href}
    if not href.startswith(("http://", "https://")):
        return result(RULE, INDICATOR, Status.NOT_ASSESSABLE,
                      f"底部“{text}”入口不是普通链接（{href[:60] or '无地址'}），未能打开核查联系方式，需人工复核",
                      value, [entry])
    if not same_site(href, page_url):
        return result(RULE, INDICATOR, Status.NOT_ASSESSABLE,
                      f"底部“{text}”链接指向其他网站（{host(href)}），本次检查不跟随其他网站的链接，需人工复核联系方式",
                      value, [entry])
    page = facts.contact_page
    if page is None or str(page.get("url") or "").split("#", 1)[0] != href.split("#", 1)[0]:
        return result(RULE, INDICATOR, Status.NOT_ASSESSABLE,
                      f"本次检查未打开底部“{text}”链接（{href}），无法核实联系方式，需人工复核", value, [entry])
    status = page.get("status")
    if page.get("error") or (status is not None and int(status) >= 400) or status is None:
        error = f"HTTP {status}" if status is not None and int(status) >= 400 else str(page.get("error") or "无响应")
        value["error"] = error
        note = EvidenceRef(note=f"无法打开的“联系我们”页面：{host(href)}", kind="note", text=f"{href}\n{error}")
        return CheckResult(rule=RULE, status=Status.NOT_ASSESSABLE, indicator=INDICATOR,
                           message=f"底部“{text}”链接的页面无法打开（{host(href)}：{error}），无法核实联系方式，需人工复核",
                           value=value, evidence=[entry, note], depends_on=[href],
                           shown=f"底部有“{text}”链接（{href}）")
    value["final_url"] = page.get("final_url")
    contacts = find_contacts(page.get("texts") or [])
    good = _best(contacts)
    png = facts.contact_png
    if good:
        c = good[0]
        ev = EvidenceRef(note=f"“联系我们”页面的{c.kind}", box=_on_shot(c.box, page), text=f"{href}\n{c.text}",
                         png=png, kind="shot")
        return _pass(c, f"底部“{text}”链接的页面（{href}）", [ev if png else
                     EvidenceRef(note=f"“联系我们”页面的{c.kind}", kind="note", text=f"{href}\n{c.text}"), entry],
                     value)
    mails = _mailto(page.get("mailto") or [])
    if mails:
        addr, _a = mails[0]
        return result(RULE, INDICATOR, Status.PASS, f"底部“{text}”链接的页面（{href}）提供电子邮箱链接：{addr}",
                      {**value, "kind": EMAIL, "text": addr}, [entry])
    shot = [EvidenceRef(note="“联系我们”页面", png=png, kind="shot", text=href)] if png else []
    hotline_ev = None
    if not hotline:
        hotline = [c for c in contacts if c.kind == HOTLINE]
        if hotline and png:
            hotline_ev = EvidenceRef(note="“联系我们”页面的12345热线", box=_on_shot(hotline[0].box, page), png=png,
                                     kind="shot", text=f"{href}\n{hotline[0].text}")
            shot = []
    return _no_contact(facts, [*footer, *contacts], hotline, [entry, *shot],
                       where=f"底部功能区及“{text}”页面（{href}）", value=value, hotline_ev=hotline_ev)
