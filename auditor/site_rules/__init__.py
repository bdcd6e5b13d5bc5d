"""Site rules (全站规则): pure functions over facts gathered for the whole site (not one page), each module with
its ``META`` (scope="site"). ``SITE_METAS`` lists them for the registry, docs/rules.md and the scorecard."""
from __future__ import annotations

from auditor.rules.meta import RuleMeta
from auditor.site_rules import interaction, search

SITE_METAS: list[RuleMeta] = [search.META, *interaction.METAS]
