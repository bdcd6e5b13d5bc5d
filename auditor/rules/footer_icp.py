"""footer.icp — ICP备案编号: e.g. «京ICP备05024460号-1», linked to beian.miit.gov.cn."""
from __future__ import annotations

import re

from auditor.models import CheckResult, PageFacts, SiteProfile
from auditor.rules._common import PROVINCES
from auditor.rules._registration import check_registration
from auditor.rules.meta import RuleMeta

META = RuleMeta(
    id="footer.icp",
    indicator="ICP备案编号",
    pass_title="页面底部有ICP备案编号",
    fail_title="页面底部缺少或写错ICP备案编号",
    fix="在页面底部功能区写明ICP备案编号（如«京ICP备05024460号-1»），并链接到 beian.miit.gov.cn 的查询页。",
    facts=("probe.footer", "failed_requests", "services"),
    key="D4.2",
    group="D4",
    description=("**pass** when visible text like «京ICP备05024460号-1» linked to beian.miit.gov.cn; **fail** when no ICP"
                 " number; **warn** when number shown but not linked to beian.miit.gov.cn, or malformed"),
)
RULE = META.id
INDICATOR = META.indicator
# Tolerates the small slips seen on real footers (a colon after 备, 号 missing or after the -N suffix): the
# number is still recognisable, which is what the inspection asks.
STRICT = re.compile(rf"[{PROVINCES}]\s*ICP\s*备\s*[:：]?\s*\d{{6,10}}(?:\s*[-－]\s*\d+)?\s*号?(?:\s*[-－]\s*\d+)?",
                    re.I)
LOOSE = re.compile(r"ICP\s*[备证][^\n]{0,20}", re.I)
REGISTRY = {"beian.miit.gov.cn"}


def check(facts: PageFacts, site: SiteProfile) -> CheckResult:
    return check_registration(facts, rule=RULE, indicator=INDICATOR, strict=STRICT, loose=LOOSE,
                              registry_hosts=REGISTRY, what="ICP备案编号")
