"""Where a run's time goes (``govaudit … --profile``, setting ``profile``): named phase timers, summed per phase.

One collector per process (``current()``), off by default: then every call is a cheap no-op, so the gathering
code (browsers/, workers/) can time its phases unconditionally. It is safe from threads (a lock around the sums)
and from asyncio tasks (a phase is a start time held by the caller, never shared state). With pages audited
concurrently the phases overlap, so their sum may exceed the wall time; the table says so.
"""
from __future__ import annotations

import os
import sys
import threading
import time
import unicodedata
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Iterator

# The phases a run reports, in the order of a page's life, with their Chinese labels.
PHASES: dict[str, str] = {
    "startup": "启动（导入模块）",
    "settings": "读取设置",
    "db": "数据库（迁移检查、建批次、保存）",
    "browser_launch": "浏览器启动",
    "browser_close": "浏览器关闭",
    "services": "国家服务可达性探测",
    "tab": "标签页准备（新建或复用）",
    "load": "页面加载",
    "probe": "页面探测（probe.js）",
    "screenshot": "整页截图",
    "axe": "无障碍（axe-core）",
    "checks": "我们的无障碍检查（a11y_extra）",
    "elderly": "适老化（入口与模式切换）",
    "ocr": "文字识别（OCR）",
    "contact": "“联系我们”页面",
    "reset": "标签页复位",
    "rules": "规则",
    "evidence": "证据文件写入",
    "report": "报告（汇总、打印、JSON）",
    "crawl": "轻量抓取（找二级/三级链接）",
    "links": "链接与 IPv6 探测",
    "render_v6": "经 IPv6 渲染首页",
}


@dataclass
class PhaseTotal:
    name: str
    count: int = 0
    seconds: float = 0.0


class Profile:
    """Per-phase totals (count, seconds). ``enabled`` False: ``add`` and ``phase`` do nothing."""

    def __init__(self, enabled: bool = False) -> None:
        self.enabled = enabled
        self.trace = enabled and os.environ.get("GOVAUDIT_PROFILE_TRACE", "") not in ("", "0")
        self._lock = threading.Lock()
        self._totals: dict[str, PhaseTotal] = {}
        self.started = time.perf_counter()

    def add(self, name: str, seconds: float) -> None:
        if not self.enabled:
            return
        if self.trace:
            # The timeline of a run (GOVAUDIT_PROFILE_TRACE=1): one line per phase, wall-clock start and end,
            # to see what overlaps and where nothing runs.
            now = time.time()
            print(f"TRACE {now - seconds:.3f} {now:.3f} {name}", file=sys.stderr, flush=True)
        with self._lock:
            t = self._totals.setdefault(name, PhaseTotal(name))
            t.count += 1
            t.seconds += seconds

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Time the block as one occurrence of the phase ``name`` (also when it raises)."""
        if not self.enabled:
            yield
            return
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.add(name, time.perf_counter() - t0)

    def totals(self) -> list[PhaseTotal]:
        """The phases seen, in PHASES order, unknown names after them."""
        with self._lock:
            seen = dict(self._totals)
        order = [n for n in PHASES if n in seen] + sorted(n for n in seen if n not in PHASES)
        return [PhaseTotal(n, seen[n].count, seen[n].seconds) for n in order]

    def table(self, wall: float | None = None) -> str:
        """The profile as a plain-text table: phase, times, total seconds, mean ms, share of the wall time."""
        wall = time.perf_counter() - self.started if wall is None else wall
        rows = self.totals()
        lines = [_pad("阶段", 44) + _pad("次数", 6, right=True) + _pad("合计 s", 10, right=True)
                 + _pad("平均 ms", 10, right=True) + _pad("占总时", 8, right=True)]
        for t in rows:
            share = f"{100 * t.seconds / wall:.0f}%" if wall > 0 else "-"
            label = f"{t.name} {PHASES.get(t.name, '')}".strip()
            lines.append(f"{_pad(label, 44)}{t.count:>6}{t.seconds:>10.3f}"
                         f"{1000 * t.seconds / max(t.count, 1):>10.1f}{share:>8}")
        summed = sum(t.seconds for t in rows)
        lines.append(f"{_pad('合计（各阶段之和）', 44)}{'':>6}{summed:>10.3f}")
        lines.append(f"{_pad('总用时（墙钟）', 44)}{'':>6}{wall:>10.3f}")
        if summed > wall:
            lines.append("注：页面并发检查时各阶段时间重叠，之和可大于总用时。")
        return "\n".join(lines)


def _pad(text: str, width: int, right: bool = False) -> str:
    """``text`` padded to ``width`` terminal columns (a Chinese character takes two), left or right aligned."""
    cols = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    fill = " " * max(1, width - cols)
    return fill + text if right else text + fill


_current = Profile()


def current() -> Profile:
    """The process's collector (disabled unless ``enable`` was called)."""
    return _current


def enable(started: float | None = None) -> Profile:
    """Switch the process's collector on (idempotent); ``started`` is the wall clock's zero (perf_counter)."""
    global _current
    if not _current.enabled:
        _current = Profile(enabled=True)
        if started is not None:
            _current.started = started
    return _current


def add(name: str, seconds: float) -> None:
    _current.add(name, seconds)


def phase(name: str) -> AbstractContextManager[None]:
    return _current.phase(name)


__all__ = ["PHASES", "PhaseTotal", "Profile", "current", "enable", "add", "phase"]
