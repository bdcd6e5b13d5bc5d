"""Compiled bytecode for every checkout a bench runs, before anything is timed.

A command-line bench starts a new interpreter per run. Where ``PYTHONDONTWRITEBYTECODE`` is set (this workplace's
machines, CI, many containers) Python never writes the ``.pyc`` files it compiles, so a checkout without them (a
``git archive`` of an older commit, say) compiles every module it imports on every run: about 0.1 s of a one-page
audit. Two checkouts are compared only with both compiled; ``scripts/setup.sh`` compiles the project the same way.
"""
from __future__ import annotations

import compileall
from pathlib import Path

PACKAGES = ("auditor", "browsers", "clients", "workers", "web", "govaudit", "tools")


def compile_tree(tree: Path) -> None:
    """Write the ``.pyc`` files of the checkout's packages (an up-to-date file is left as it is)."""
    for name in PACKAGES:
        if (tree / name).is_dir():
            compileall.compile_dir(str(tree / name), quiet=1)
