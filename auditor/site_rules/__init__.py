"""The site rules (站点级规则): pure functions over a site's gathered facts (freshness, links, availability, IPv6,
crawl coverage, 首页不更新, 站点无法访问), each declaring a ``RuleMeta`` with ``scope="site"``.

``SITE_METAS`` lists their declarations; ``auditor.rules.catalog()`` appends them after the page and 无障碍/适老化
rules, so ``govaudit rules``, docs/rules.md and the UI's guidance read them like any other rule.
"""
from __future__ import annotations

from auditor.rules.meta import RuleMeta

SITE_METAS: list[RuleMeta] = []
