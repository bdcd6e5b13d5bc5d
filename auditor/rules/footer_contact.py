"""footer.contact — 联系方式: a phone number, e-mail, address or «联系我们» entry in the footer."""
from __future__ import annotations

import re

from auditor.models import CheckResult, PageFacts, SiteProfile, Status
from auditor.rules._common import band_evidence, footer_links, footer_texts, link_evidence, result, search_texts

RULE = "footer.contact"
INDICATOR = "联系方式"
_PHONE = re.compile(r"(?<!\d)(?:0\d{2,3}[-－—\s]?\d{7,8}|\(0\d{2,3}\)\s?\d{7,8}|（0\d{2,3}）\s?\d{7,8}"
                    r"|1[3-9]\d{9}|400[-\s]?\d{3}[-\s]?\d{4}|12345)(?!\d)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_LABEL = re.compile(r"(?:联系电话|电话|传真|热线|邮编|邮箱|电子邮件|E-?mail|地址|Tel)\s*[:：]\s*\S+", re.I)
_LINK = re.compile(r"联系我们|联系方式")


def check(facts: PageFacts, site: SiteProfile) -> CheckResult:
    texts = footer_texts(facts)
    for pattern, what in ((_PHONE, "联系电话"), (_EMAIL, "电子邮箱"), (_LABEL, "联系信息")):
        hits = search_texts(texts, pattern)
        if hits:
            return result(RULE, INDICATOR, Status.PASS, f"页面底部提供{what}：{hits[0].text}",
                          {"kind": what, "text": hits[0].text}, [hits[0].evidence(what)])
    for a in footer_links(facts):
        if a.get("visible") and (_LINK.search(a.get("text") or "") or a.get("href", "").startswith("mailto:")):
            return result(RULE, INDICATOR, Status.PASS, f"页面底部提供“{a.get('text') or a['href']}”入口",
                          {"kind": "link", "href": a.get("href")}, [link_evidence(a, "联系方式入口")])
    return result(RULE, INDICATOR, Status.FAIL, "底部功能区未提供联系方式（电话、邮箱、地址或“联系我们”）", None,
                  [band_evidence(facts, "footer", "底部功能区")])
