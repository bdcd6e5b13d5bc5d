"""govsite-auditor: the domain (sites, pages, findings, rules, storage, reports) and the govaudit CLI."""

__version__ = "0.1.0"
