"""Runs always end (检查批次必有结果): the in-process guard that ends a run as failed (失败) or aborted (已中止)
with its reason, and the owner record that lets the reaper (workers/reaper.py) end a run whose process died.

* ``ending(store, settings, run_id)`` wraps the body of every in-process run (``run_pages``, ``run_site``): an
  exception ends the run as ``failed`` with a Chinese reason («无法启动浏览器：…», «证据目录不可写：…») and is
  re-raised as ``RunFailed``; Ctrl-C, SIGTERM (the CLI turns it into KeyboardInterrupt) or a cancelled task
  end it as ``aborted``. The run's unfinished evidence is swept either way.
* ``owner_identity()`` is stored in ``Run.owner``: pid, host and the process's start time (so a recycled pid
  is not taken for the same process).
"""
from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from typing import Any, AsyncIterator, Iterator

import psutil

from auditor.config import ConfigError, Settings
from auditor.store import Store, StoreError
from browsers.evidence import EvidenceDirError
from workers.launch import BrowserLaunchError, start_fetcher


class RunFailed(Exception):
    """A run ended as failed; the message is the Chinese reason stored in ``Run.error``."""

    def __init__(self, run_id: int, reason: str):
        super().__init__(reason)
        self.run_id, self.reason = run_id, reason

    def __str__(self) -> str:
        return f"检查批次 {self.run_id} 失败：{self.reason}"


ABORTED_REASON = "检查被中断（Ctrl-C 或终止信号）"


def root_cause(exc: BaseException) -> BaseException:
    """The first real error inside an exception group (asyncio.TaskGroup wraps what its tasks raised)."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return exc


def reason_for(exc: BaseException) -> str:
    """The Chinese reason a run failed, from the exception that ended it."""
    exc = root_cause(exc)
    if isinstance(exc, (BrowserLaunchError, EvidenceDirError, ConfigError, StoreError)):
        return str(exc)
    if isinstance(exc, OSError):
        where = f"{exc.filename}：" if getattr(exc, "filename", None) else ""
        return f"文件或目录无法访问：{where}{exc.strerror or exc}"
    text = str(exc).strip().splitlines()
    return f"检查过程出错：{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")


def owner_identity(mode: str = "embedded") -> dict[str, Any]:
    """Who runs a run in this process: pid, host and the process's start time (epoch seconds)."""
    pid = os.getpid()
    try:
        started = psutil.Process(pid).create_time()
    except psutil.Error:
        started = None
    return {"mode": mode, "pid": pid, "host": socket.gethostname(), "started": started}


def owner_alive(owner: dict[str, Any]) -> bool | None:
    """Whether the owning process still runs: True/False on this host, None when it cannot be told (another
    host, or no pid recorded)."""
    pid, host = owner.get("pid"), owner.get("host")
    if not isinstance(pid, int) or host != socket.gethostname():
        return None
    try:
        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE:
            return False
        started = owner.get("started")
        if isinstance(started, (int, float)) and abs(proc.create_time() - started) > 1.0:
            return False  # the pid was recycled by another process
        return True
    except psutil.NoSuchProcess:
        return False
    except psutil.Error:
        return None


def _sweep(store: Store, settings: Settings, run_id: int) -> None:
    from workers.reaper import sweep_evidence

    with contextlib.suppress(Exception):  # the sweep is tidying; it must not hide why the run ended
        sweep_evidence(store, settings.evidence_dir, runs=[run_id])


@contextlib.contextmanager
def ending(store: Store, settings: Settings, run_id: int) -> Iterator[None]:
    """End the run as failed or aborted when the body does not complete (see the module docstring)."""
    try:
        yield
    except (KeyboardInterrupt, asyncio.CancelledError, SystemExit):
        with contextlib.suppress(Exception):
            store.end_run(run_id, "aborted", ABORTED_REASON)
        _sweep(store, settings, run_id)
        raise
    except Exception as exc:
        if isinstance(root_cause(exc), (KeyboardInterrupt, asyncio.CancelledError)):
            with contextlib.suppress(Exception):
                store.end_run(run_id, "aborted", ABORTED_REASON)
            _sweep(store, settings, run_id)
            raise root_cause(exc) from None
        reason = reason_for(exc)
        with contextlib.suppress(Exception):  # the database itself may be what failed
            store.end_run(run_id, "failed", reason)
        _sweep(store, settings, run_id)
        raise RunFailed(run_id, reason) from exc


@contextlib.asynccontextmanager
async def browser(fetcher: Any) -> AsyncIterator[Any]:
    """``async with browser(make_fetcher(settings)) as f``: like ``async with`` on the fetcher, with a launch
    failure reported as BrowserLaunchError."""
    f = await start_fetcher(fetcher)
    try:
        yield f
    finally:
        await fetcher.__aexit__(None, None, None)


FATAL = (BrowserLaunchError, EvidenceDirError)
"""Errors no retry can mend in this process: the run fails at once instead of retrying every page."""


__all__ = ["RunFailed", "BrowserLaunchError", "ending", "owner_identity", "owner_alive", "reason_for", "browser",
           "start_fetcher", "FATAL", "ABORTED_REASON"]
