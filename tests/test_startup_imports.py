"""Start-up order of a one-page audit (docs/performance.md): the command line is parsed and the browser started
before the database layer and the rules are imported, which then load while the browser starts.

These check what is imported when, not how long anything takes."""
from __future__ import annotations

import subprocess
import sys

from auditor import lengths
from auditor.store.limits import column_limits
from auditor.store.models import Page, Run, Site


def _modules_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys; print(' '.join(sorted(sys.modules)))"],
                         capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_parsing_an_audit_imports_no_database_layer_nor_rules() -> None:
    loaded = _modules_after(
        "from govaudit.cli import build_parser\n"
        "build_parser().parse_args(['audit', 'http://www.a.gov.cn/', '--site-name', '示范', '--site-code', "
        "'3399000001'])")
    assert "sqlalchemy" not in loaded and "auditor.store" not in loaded
    assert "auditor.rules" not in loaded and "auditor.report" not in loaded
    assert "govaudit.cli" in loaded  # the check itself ran


def test_starting_the_browser_needs_no_database_layer_nor_rules() -> None:
    loaded = _modules_after("import workers.launch, browsers.fetcher, playwright.async_api")
    assert "sqlalchemy" not in loaded and "auditor.rules" not in loaded and "workers.pipeline" not in loaded
    assert "browsers.fetcher" in loaded


def test_the_parsers_limits_are_the_tables() -> None:
    """The command line checks lengths from auditor.lengths; the tables declare their columns with the same."""
    assert column_limits(Run)["site_name"] == lengths.SITE_NAME and column_limits(Run)["site_code"] == lengths.SITE_CODE
    assert column_limits(Page)["url"] == lengths.PAGE_URL and column_limits(Site)["url"] == lengths.SITE_URL
    assert column_limits(Site)["sponsor"] == lengths.SPONSOR and column_limits(Site)["site_type"] == lengths.SITE_TYPE


def test_the_driver_begins_before_the_settings_are_imported() -> None:
    """govaudit/entry.py spawns Playwright's driver for ``audit`` before the command line (the settings schema,
    pydantic, the parser) is imported: what it needs for that imports none of them."""
    loaded = _modules_after("import govaudit.entry, browsers.predriver")
    assert "auditor.config" not in loaded and "pydantic" not in loaded and "govaudit.cli" not in loaded
    assert "browsers.predriver" in loaded


def test_a_page_run_does_not_load_the_site_rules() -> None:
    """The page runner (the rules, the store, the page-kind classifier) loads without the site rules: the
    classifier reads the 空白栏目 words from auditor/blankmark.py."""
    loaded = _modules_after("import workers.inprocess")
    assert "auditor.site_rules" not in loaded and "auditor.pagekind" in loaded
