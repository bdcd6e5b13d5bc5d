"""The console script's first step: a one-page audit spawns Playwright's driver before anything else is imported
(browsers/predriver.py), then the command line runs as usual (``govaudit.cli.run``)."""
from __future__ import annotations

import os
import sys


def _launches_playwright(argv: list[str]) -> bool:
    """``govaudit audit …`` on the default engine, as far as the command line and the environment tell before the
    settings are read. A guess only decides when the driver starts: the settings file may still choose Selenium,
    and the driver begun for nothing is then stopped."""
    if argv[:1] != ["audit"] or any(a in ("-h", "--help") for a in argv):
        return False
    if "selenium" in (os.environ.get("GOVAUDIT_ENGINE") or "").lower():
        return False
    return not any(a == "--engine=selenium" or (a == "selenium" and argv[i - 1] == "--engine")
                   for i, a in enumerate(argv) if i)


def run() -> None:
    """``govaudit`` and ``python -m govaudit``."""
    if _launches_playwright(sys.argv[1:]):
        from browsers import predriver

        predriver.begin()
    from govaudit.cli import run as cli_run

    cli_run()


if __name__ == "__main__":
    run()
