"""footer.site_code — 网站标识码: shown as text in the footer, well-formed, and the same everywhere it appears
(footer, SiteIDCode, the 找错 site_code, and the code the auditor registered)."""
from __future__ import annotations

import re

from auditor.models import SITE_CODE_RE, CheckResult, PageFacts, SiteProfile, Status
from auditor.rules._common import band_evidence, footer_texts, result, search_texts
from auditor.rules.footer_jiucuo import entry_site_code
from auditor.rules.meta import RuleMeta

META = RuleMeta(
    id="footer.site_code",
    indicator="网站标识码",
    pass_title="页面底部显示正确的网站标识码",
    fail_title="页面底部缺少网站标识码或标识码不一致",
    fix="在页面底部功能区以文字显示网站标识码，并与 SiteIDCode 标签、找错入口的 site_code 及登记的标识码保持一致。",
    facts=("probe.footer", "probe.metas", "probe.scripts"),
    key="D4.2",
    group="D4",
    description=("**pass** when the code is shown as visible text (e.g. «网站标识码：4100000001»), matches "
                 "`^\\d{10}$|^bm\\d{8}$`, and agrees with `SiteIDCode`, with the 找错 `site_code`, and with the configured"
                 " code; **fail** when not shown; bad format; any disagreement"),
)
RULE = META.id
INDICATOR = META.indicator
_LABEL = re.compile(r"标\s*识\s*码\s*[:：]?\s*([A-Za-z]{0,2}\s?\d[\d\s]{5,14}\d)")


def check(facts: PageFacts, site: SiteProfile) -> CheckResult:
    hits = search_texts(footer_texts(facts), _LABEL)
    meta_code = facts.metas().get("siteidcode") or None
    entry_code = entry_site_code(facts)
    if not hits:
        return result(RULE, INDICATOR, Status.FAIL, "底部功能区未显示网站标识码",
                      {"meta": meta_code, "jiucuo": entry_code}, [band_evidence(facts, "footer", "底部功能区")])
    hit = hits[0]
    shown = re.sub(r"\s+", "", hit.match.group(1))
    ev = hit.evidence("网站标识码")
    codes = {"页面底部": shown, "SiteIDCode标签": meta_code, "找错入口": entry_code, "登记的标识码": site.code}
    value = {k: v for k, v in codes.items() if v}
    if not SITE_CODE_RE.match(shown):
        return result(RULE, INDICATOR, Status.FAIL, f"网站标识码“{shown}”格式不正确（应为10位数字或bm加8位数字）",
                      value, [ev])
    differing = {k: v for k, v in value.items() if v.strip().lower() != shown.lower()}
    if differing:
        detail = "，".join(f"{k}为{v}" for k, v in differing.items())
        return result(RULE, INDICATOR, Status.FAIL, f"网站标识码不一致：页面底部为{shown}，{detail}", value, [ev])
    return result(RULE, INDICATOR, Status.PASS, f"页面底部显示网站标识码 {shown}", value, [ev])
