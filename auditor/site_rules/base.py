"""What a site rule is: its declaration (``RuleMeta`` with ``scope="site"``) and its pure function over the site
facts, plus the settings the rules are judged with."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from auditor.freshness import FreshnessConfig
from auditor.ipv6 import IPv6Policy
from auditor.models import CheckResult
from auditor.rules.meta import RuleMeta
from auditor.site_facts import SiteFacts


@dataclass
class SiteRuleConfig:
    """Thresholds of the site rules (栏目更新 periods and 单项否决 counts; IPv6 targets)."""
    freshness: FreshnessConfig | None = None
    ipv6: IPv6Policy = field(default_factory=IPv6Policy)


SiteCheckFn = Callable[[SiteFacts, SiteRuleConfig], list[CheckResult]]


@dataclass(frozen=True)
class SiteRule:
    """A site rule: its declaration and its function. The function returns the rule's results (several for a rule
    with a subject per 栏目 or page, none when its facts say nothing). ``needs`` names the ``SiteFacts`` sections
    that must have been gathered: when one is ``None`` (links not checked, IPv6 off) the rule is not run."""
    meta: RuleMeta
    check: SiteCheckFn
    needs: tuple[str, ...] = ()

    def applies(self, facts: SiteFacts) -> bool:
        return all(getattr(facts, name) is not None for name in self.needs)
