"""站点无法访问 (单项否决): ``site.availability``, the verdict over a week of the monitor's probes, and
``site.unreachable``, the record a site run leaves when it could not open the home page.

The rule (国办秘函〔2019〕19号, spec §0, §1.2): «监测1周，每天间隔性访问20次以上，超过（含）15秒网站仍打不开的次数累计
占比超过（含）5%»; the window arithmetic is ``auditor.availability.verdict``.
"""
from __future__ import annotations

from auditor.availability import AvailabilityVerdict, verdict, verdict_value
from auditor.errors import network_zh
from auditor.models import CheckResult, Status
from auditor.rules.meta import RuleMeta
from auditor.site_facts import SiteFacts
from auditor.site_rules.base import SiteRuleConfig

META = RuleMeta(
    id="site.availability",
    indicator="站点无法访问",
    pass_title="站点可正常访问",
    fail_title="站点无法访问（单项否决）",
    fix="保证网站稳定运行：服务器、线路和域名解析有冗余与监控，故障及时恢复。",
    facts=("probes", "probes_until"),
    scope="site",
    key="V2",
    group="V",
    description="`govaudit monitor` 的首页访问记录：监测7天、每天20次以上，超过（含）15秒仍打不开的占比 ≥5% → fail；"
                "监测不满7天或某天不足20次 → not_assessable（说明缺少多少次）。",
)
UNREACHABLE_META = RuleMeta(
    id="site.unreachable",
    indicator="站点无法访问",
    pass_title="本次检查首页可以打开",
    fail_title="本次检查首页无法打开",
    fix="检查网站服务器、域名解析和网络线路；站点无法访问按一周监测判定，请用 govaudit monitor 持续监测。",
    facts=("home_failure", "pages"),
    scope="site",
    key="V2",
    group="V",
    description="一次全站检查打不开首页时留下的记录（错误与时间），总是 not_assessable：一次失败可能是检查方的网络，"
                "结论由一周的监测（site.availability）给出。",
)
RULE = META.id
INDICATOR = META.indicator
UNREACHABLE_RULE = UNREACHABLE_META.id


def to_site_check(v: AvailabilityVerdict) -> CheckResult:
    """The verdict as a site-level result (rule site.availability, indicator 站点无法访问)."""
    return CheckResult(rule=RULE, status=v.status, indicator=INDICATOR, message=v.message, value=verdict_value(v))


def check_availability(facts: SiteFacts, config: SiteRuleConfig) -> list[CheckResult]:
    """站点无法访问 over the monitor's probes of the home page, for the week ending at ``probes_until``."""
    assert facts.probes is not None and facts.probes_until is not None
    return [to_site_check(verdict(facts.probes, facts.probes_until))]


def home_unreachable(home_url: str, error_kind: str | None, error: str | None, at: str) -> CheckResult:
    """A run whose home page could not be opened still leaves a record (站点无法访问 is a 单项否决 item).

    One failed visit is evidence, not the verdict: the 19号 rule counts a week of visits (``govaudit monitor``), and
    one failure may be the auditor's own network. So it is ``not_assessable`` here, with the error and the time,
    and the monitor's 7-day verdict (``site.availability``) decides."""
    return CheckResult(rule=UNREACHABLE_RULE, status=Status.NOT_ASSESSABLE, indicator=INDICATOR,
                       message=f"本次检查首页无法打开（{network_zh(error) or error_kind or '未知原因'}）；站点无法访问按一周监测"
                               "（每天20次以上）判定，本次记录作为证据",
                       value={"url": home_url, "error_kind": error_kind, "error": error, "at": at})


def check_unreachable(facts: SiteFacts, config: SiteRuleConfig) -> list[CheckResult]:
    """The home page's name did not resolve (no page at all), or the home page was sampled and could not be
    opened: one not-assessable record with the error and the time. Nothing when the home page opened."""
    if facts.home_failure is not None:
        f = facts.home_failure
        return [home_unreachable(f.url, f.error_kind, f.error, facts.observed_at)]
    note = (facts.pages or {}).get(facts.home)
    if note is not None and note.error:
        return [home_unreachable(facts.home, None, note.error, facts.observed_at)]
    return []
