"""Playwright's driver, started before the command line has read its settings (start-up, docs/performance.md).

The driver is a Node.js process that spends about a quarter of a second of its own CPU booting, and it needs
nothing from the settings: the Chromium path, the flags and the egress proxy are only sent when the browser is
launched. ``govaudit audit`` therefore spawns it first thing (``begin``), on the event loop the audit will run
on, and reads its settings, builds its parser and imports the runner while the driver boots on the other core.
The fetcher takes the driver when it starts (``take``); a command that never does (bad input, the Selenium
engine, ``--help``) stops it (``discard``). Without ``begin`` nothing changes: the fetcher starts its own driver.
"""
from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from browsers.launch import node_compile_cache

# Turns of the event loop after the driver's task is created: one for ``async_playwright().__aenter__`` to create
# its connection, one for the connection to spawn the process, spare ones for what a later Playwright adds first.
# Too few only means the process is spawned when the audit's loop first runs, as without ``begin``.
_TURNS = 6


class EarlyDriver:
    """The process's one early driver: its event loop (an ``asyncio.Runner``) and the driver's starting task."""

    def __init__(self) -> None:
        from playwright.async_api import async_playwright

        node_compile_cache()
        self.runner = asyncio.Runner()
        self.cm: Any = async_playwright()
        self.task: "asyncio.Task[Any]" = self.runner.run(self._spawn())
        self.taken = False

    async def _spawn(self) -> "asyncio.Task[Any]":
        task = asyncio.ensure_future(self.cm.__aenter__())
        for _ in range(_TURNS):
            await asyncio.sleep(0)
        return task

    async def _stop(self) -> None:
        # Let the driver finish starting, then stop it the ordinary way (a process half spawned is not left behind);
        # bounded, so that a wedged driver cannot hold up a command that is only saying «错误：…».
        with contextlib.suppress(BaseException):
            await asyncio.wait_for(asyncio.shield(self.task), timeout=10)
        with contextlib.suppress(BaseException):
            await asyncio.wait_for(self.cm.__aexit__(None, None, None), timeout=10)


_early: EarlyDriver | None = None


def begin() -> None:
    """Spawn Playwright's driver now, for a command that will launch the browser. A driver that cannot even be
    spawned (Playwright missing) is left to the fetcher, which says why in Chinese."""
    global _early
    if _early is None:
        try:
            _early = EarlyDriver()
        except Exception:  # noqa: BLE001 - the ordinary start reports the same failure with its message
            _early = None


def runner() -> asyncio.Runner:
    """The runner to run the audit on: the early driver's, whose loop the driver is bound to, or a new one."""
    if _early is not None and not _early.taken:
        return _early.runner
    return asyncio.Runner()


def take() -> tuple[Any, "asyncio.Task[Any]"] | None:
    """(the ``async_playwright()`` context manager, the task entering it) when an early driver was begun on the
    running loop and not yet taken; the fetcher then owns it (and stops it with ``__aexit__``)."""
    early = _early
    if early is None or early.taken:
        return None
    try:
        if early.runner.get_loop() is not asyncio.get_running_loop():
            return None
    except RuntimeError:  # the runner was closed
        return None
    early.taken = True
    return early.cm, early.task


def discard() -> None:
    """Stop an early driver no fetcher took (the command ended before launching, or used another engine), and
    close its loop. Safe to call more than once, and after the audit has run on that loop."""
    global _early
    early, _early = _early, None
    if early is None:
        return
    with contextlib.suppress(Exception):
        if not early.taken:
            early.runner.run(early._stop())
    with contextlib.suppress(Exception):
        early.runner.close()


def begun() -> bool:
    """Whether an early driver is waiting to be taken (tests)."""
    return _early is not None and not _early.taken


__all__ = ["EarlyDriver", "begin", "runner", "take", "discard", "begun"]
