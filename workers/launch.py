"""Starting the run's browser, apart from the rest of the runner so that it can begin first.

This module imports only the settings and the engine chooser: the command line starts the browser with it,
then imports the runner, the rules and the database layer while Playwright's driver, the egress proxy and
Chromium start in their own processes (start-up, docs/performance.md). ``run_pages`` takes the started launch.
"""
from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from auditor.config import Settings
from browsers.engines import make_fetcher


class BrowserLaunchError(RuntimeError):
    """The browser could not be started (a wrong Chromium path, a missing driver, no memory)."""


async def start_fetcher(fetcher: Any) -> Any:
    """Start a fetcher (``__aenter__``), turning a launch failure into BrowserLaunchError in Chinese."""
    try:
        return await fetcher.__aenter__()
    except Exception as exc:  # noqa: BLE001 - any launch failure ends the run with the browser named
        with contextlib.suppress(Exception):  # stop the half-started driver (Playwright's node process)
            await fetcher.close()
        text = str(exc).strip().splitlines()
        first = next((t.strip() for t in text if t.strip() and not t.startswith("=")), type(exc).__name__)
        raise BrowserLaunchError(f"无法启动浏览器：{first}") from exc


def launch(settings: Settings) -> "asyncio.Future[Any]":
    """The configured engine's fetcher, starting in the background of the running event loop."""
    return asyncio.ensure_future(start_fetcher(make_fetcher(settings)))


async def stop(launched: "asyncio.Future[Any]") -> None:
    """A browser started for a run that could not begin: stopped, whatever state its start is in."""
    launched.cancel()
    with contextlib.suppress(BaseException):
        fetcher = await launched
        await fetcher.__aexit__(None, None, None)


__all__ = ["BrowserLaunchError", "start_fetcher", "launch", "stop"]
