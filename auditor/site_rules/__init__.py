"""Site rules (站点级规则): pure functions over a whole site's facts (what the worker gathered across pages and
runs), each module declaring its ``META`` (scope "site") beside its check functions."""
from __future__ import annotations

from auditor.rules.meta import RuleMeta
from auditor.site_rules import columns, policy, service_guide

SITE_METAS: tuple[RuleMeta, ...] = (*columns.METAS, *policy.METAS, *service_guide.METAS)
