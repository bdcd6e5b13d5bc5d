"""The browser engine of a run, chosen by ``settings.engine``: Playwright (default) or Selenium (local
chromedriver or a remote Grid). Both give the same ``FetchResult`` to the same page job."""
from __future__ import annotations

from typing import Any

from auditor.config import Settings

ENGINES = ("playwright", "selenium")


class EngineError(ValueError):
    pass


def serves_standins(settings: Settings) -> bool:
    """Whether the run's browser answers the national services with the offline stand-ins (``standins`` on):
    only Playwright's does (routes in each context, browsers/standins); Selenium's browser asks the real hosts."""
    return settings.standins and settings.engine == "playwright"


def make_fetcher(settings: Settings) -> Any:
    """An unstarted fetcher for the configured engine; use it as ``async with make_fetcher(s) as f``."""
    if settings.engine == "playwright":
        from browsers.fetcher import PageFetcher

        return PageFetcher(settings)
    if settings.engine == "selenium":
        from browsers.selenium_engine import SeleniumFetcher

        return SeleniumFetcher(settings)
    raise EngineError(f"未知的浏览器引擎: {settings.engine}（可选 {', '.join(ENGINES)}）")
