"""footer.sponsor — 网站主办单位: «主办单位：…», «主办：…», «主办方：…», or the name before «主办»
(«示范市人民政府办公室主办», «本网站由XX主办») in the footer. 承办/主管/协办/技术支持 do not count."""
from __future__ import annotations

import re

from auditor.models import CheckResult, PageFacts, SiteProfile, Status
from auditor.rules._common import band_evidence, footer_texts, result, search_texts
from auditor.rules.meta import RuleMeta

META = RuleMeta(
    id="footer.sponsor",
    indicator="网站主办单位",
    pass_title="页面底部标明网站主办单位",
    fail_title="页面底部未标明网站主办单位",
    fix="在页面底部功能区写明«主办单位：××»（承办、技术支持单位不能代替主办单位）。",
    facts=("probe.footer",),
    key="D4.2",
    group="D4",
    description=("**pass** when visible «主办单位：…» / «主办：…» / «主办方：…», or the name before «主办» («示范市人民政府办公室主办», "
                 "«本网站由…主办»; a name ends in a unit word such as 办公室/局/政府); the value names the sponsor. «承办», «主管», "
                 "«协办», «技术支持» do not count; **fail** when none"),
)
RULE = META.id
INDICATOR = META.indicator
# «主办单位：XX», «主办：XX», «主办方：XX», «主办机关：XX» (the name may be on the next text node).
_SPONSOR = re.compile(r"(?P<pre>.?)主\s*办\s*(?P<label>单\s*位|方|机\s*关)?\s*(?P<colon>[:：])?\s*[\n ]?"
                      r"([^\s|｜,，。;；:：]{2,40})")
_CJK = re.compile(r"[\u4e00-\u9fff]")
# «XX主办»: an organisation's name ending in a unit word, then 主办 (not 主办单位/主办方, which lead a label).
_SUFFIXED = re.compile(r"([\u4e00-\u9fff（）()·]{4,40}?)\s*主\s*办(?!\s*(?:单\s*位|方|机\s*关|[:：]))")
_ORG_END = re.compile(r"(?:政府|办公室|办公厅|局|委员会|委|厅|部|院|中心|管委会|管理委员会|办|署|室|会|所|站|处|馆|社|团|队"
                      r"|公司|集团|协会|学会|大学|学院)$")
_NOT_SPONSOR = ("单位", "方", "机关")
FOOTER_LINE_MAX = 60  # characters of one text item: longer ones are prose, not a footer line
# Roles before the name that are not the sponsor (a «XX承办YY主办» run is split at them).
_OTHER_ROLE = re.compile(r".*(?:承\s*办|主\s*管|协\s*办|技术支持|由|版权所有)")


def _suffixed_name(raw: str) -> str | None:
    name = _OTHER_ROLE.sub("", raw)
    name = re.sub(r"^(?:本网站|本网|本站|网站)", "", name)
    return name if len(name) >= 4 and _ORG_END.search(name) else None


def _after_name(m: re.Match[str]) -> bool:
    """«XX主办 YY承办»: a bare 主办 right after a name ends that name; it does not lead the next one."""
    return bool(_CJK.match(m.group("pre") or "")) and not m.group("label") and not m.group("colon")


def check(facts: PageFacts, site: SiteProfile) -> CheckResult:
    texts = footer_texts(facts)
    hits = [h for h in search_texts(texts, _SPONSOR) if not h.match.group(4).startswith(_NOT_SPONSOR)
            and not _after_name(h.match)]
    sponsor = hits[0].match.group(4) if hits else None
    hit = hits[0] if hits else None
    if hit is None:
        # Only a footer line says «XX主办» of the site; in a sentence of prose («…由XX主办，…») it names an event's.
        lines = [t for t in texts if len(t.get("text") or "") <= FOOTER_LINE_MAX]
        for h in search_texts(lines, _SUFFIXED):
            name = _suffixed_name(h.match.group(1))
            if name:
                hit, sponsor = h, name
                break
    if hit is None or sponsor is None:
        return result(RULE, INDICATOR, Status.FAIL, "底部功能区未标明网站主办单位", None,
                      [band_evidence(facts, "footer", "底部功能区")])
    return result(RULE, INDICATOR, Status.PASS, f"页面底部标明主办单位：{sponsor}", {"sponsor": sponsor},
                  [hit.evidence("网站主办单位")])
