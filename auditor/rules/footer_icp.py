"""footer.icp — ICP备案编号: e.g. «京ICP备05024460号-1», linked to beian.miit.gov.cn."""
from __future__ import annotations

import re

from auditor.models import CheckResult, PageFacts, SiteProfile
from auditor.rules._common import PROVINCES
from auditor.rules._registration import check_registration

RULE = "footer.icp"
INDICATOR = "ICP备案编号"
# Tolerates the small slips seen on real footers (a colon after 备, 号 missing or after the -N suffix): the
# number is still recognisable, which is what the inspection asks.
STRICT = re.compile(rf"[{PROVINCES}]\s*ICP\s*备\s*[:：]?\s*\d{{6,10}}(?:\s*[-－]\s*\d+)?\s*号?(?:\s*[-－]\s*\d+)?",
                    re.I)
LOOSE = re.compile(r"ICP\s*[备证][^\n]{0,20}", re.I)
REGISTRY = {"beian.miit.gov.cn"}


def check(facts: PageFacts, site: SiteProfile) -> CheckResult:
    return check_registration(facts, rule=RULE, indicator=INDICATOR, strict=STRICT, loose=LOOSE,
                              registry_hosts=REGISTRY, what="ICP备案编号")
