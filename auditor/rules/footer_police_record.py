"""footer.police_record — 公安机关备案标识: e.g. «京公网安备 11010502030000号», linked to beian.mps.gov.cn
(new portal) or www.beian.gov.cn (old portal).

Older city formats («X公备 …», «X公网安备 …号» with a number that is not the 14 digits, «公安机关备案号 …») show
that the site is registered, in a form the registry no longer issues: ``warn`` (格式不规范), never ``fail``."""
from __future__ import annotations

import re

from auditor.models import CheckResult, PageFacts, SiteProfile
from auditor.rules._common import PROVINCES
from auditor.rules._registration import check_registration
from auditor.rules.meta import RuleMeta

META = RuleMeta(
    id="footer.police_record",
    indicator="公安机关备案标识",
    pass_title="页面底部有公安机关备案标识",
    fail_title="页面底部缺少或写错公安机关备案标识",
    fix="在页面底部功能区写明公安机关备案号（如«京公网安备 11010502030000号»），并链接到 beian.mps.gov.cn 的查询页。",
    facts=("probe.footer", "failed_requests", "services"),
    key="D4.2",
    group="D4",
    description=("**pass** when visible «京公网安备 11010502030000号» linked to beian.mps.gov.cn or www.beian.gov.cn; "
                 "**fail** when none; **warn** when shown without that link; or malformed or in an older format: «X公备 "
                 "…», «X公网安备 …号» without the 14 digits, «公安机关备案号 …» (the message says whether it is linked to the "
                 "registry)"),
)
RULE = META.id
INDICATOR = META.indicator
STRICT = re.compile(rf"[{PROVINCES}]\s*公\s*网\s*安\s*备\s*号?\s*[:：]?\s*\d{{14}}\s*号?")
LOOSE = re.compile(rf"(?:[{PROVINCES}]\s*公\s*(?:网\s*)?(?:安\s*)?备|公\s*网\s*安\s*备|公\s*安\s*(?:机\s*关\s*)?备\s*案)"
                   r"[^\n]{0,24}")
REGISTRY = {"beian.mps.gov.cn", "www.beian.gov.cn", "beian.gov.cn"}


def check(facts: PageFacts, site: SiteProfile) -> CheckResult:
    return check_registration(facts, rule=RULE, indicator=INDICATOR, strict=STRICT, loose=LOOSE,
                              registry_hosts=REGISTRY, what="公安机关备案号")
