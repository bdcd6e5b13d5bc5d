"""footer.police_record — 公安机关备案标识: e.g. «京公网安备 11010502030000号», linked to beian.mps.gov.cn
(new portal) or www.beian.gov.cn (old portal)."""
from __future__ import annotations

import re

from auditor.models import CheckResult, PageFacts, SiteProfile
from auditor.rules._common import PROVINCES
from auditor.rules._registration import check_registration

RULE = "footer.police_record"
INDICATOR = "公安机关备案标识"
STRICT = re.compile(rf"[{PROVINCES}]\s*公\s*网\s*安\s*备\s*号?\s*[:：]?\s*\d{{14}}\s*号?")
LOOSE = re.compile(r"公\s*网\s*安\s*备[^\n]{0,24}")
REGISTRY = {"beian.mps.gov.cn", "www.beian.gov.cn", "beian.gov.cn"}


def check(facts: PageFacts, site: SiteProfile) -> CheckResult:
    return check_registration(facts, rule=RULE, indicator=INDICATOR, strict=STRICT, loose=LOOSE,
                              registry_hosts=REGISTRY, what="公安机关备案号")
