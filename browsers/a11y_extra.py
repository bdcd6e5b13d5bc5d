"""Our own in-page accessibility checks for what axe-core leaves alone but pa11y's HTML_CodeSniffer reports.

axe-core avoids false positives by design, so some failures that HTML_CodeSniffer (pa11y's default runner)
counts as errors never reach an axe violation:

- ``ga-symbol-contrast`` (WCAG 1.4.3): axe's ``color-contrast`` does not apply to text made only of punctuation
  ("|", "›", "/", "—"), and leaves text made only of non-BMP symbols (arrows, shapes) or a single failing
  character ("»", "·") as needs-review. So the grey "|" separators of a government site's navigation, footer
  and breadcrumbs never fail. HTML_CodeSniffer's contrast sniff measures every element with text of its own
  (G18). We measure exactly that punctuation/symbol-only text axe gives no verdict on; text axe does judge
  ("» »", "| |") stays axe's, so nothing is reported twice.
- ``ga-form-submit`` (WCAG 3.2.2, HTML_CodeSniffer H32.2): a form without a submit button (the search box that
  only submits from a script, the "友情链接" <select> that navigates on change). axe has no such rule.
- ``ga-image-link-alt`` (WCAG 1.1.1, HTML_CodeSniffer H30.2): a link whose only content is images without
  alternative text. axe reports the missing name under ``link-name`` (2.4.4/4.1.2) and treats ``alt=""`` as
  decorative for ``image-alt``; HTML_CodeSniffer (and SC 1.1.1: non-text content that is a control needs a name
  describing its purpose) reports it against the image's text alternative.

``browsers/a11y_extra.js`` runs right after axe in the same document and returns axe's violation shape (rules
with at least one failing node, nodes in document order, at most 200 per rule), so ``auditor.a11y.compact``
and the rules treat the results like axe rules. Node targets are ``document.querySelector`` selectors in axe's
style (``axe.utils.getSelector`` itself while axe's tree is set up). It only reads the page.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

EXTRA_JS = (Path(__file__).parent / "a11y_extra.js").read_text(encoding="utf-8").strip()
EXTRA_RULES: tuple[str, ...] = ("ga-symbol-contrast", "ga-form-submit", "ga-image-link-alt")


def _options(rules: list[str] | None) -> dict[str, Any]:
    """``None`` runs every check; a list runs only those named (an empty list runs none)."""
    return {} if rules is None else {"rules": list(rules)}


async def run_playwright(page: Any, rules: list[str] | None = None) -> list[dict[str, Any]]:
    """Run the checks in a Playwright page (axe already injected); the violated rules in axe's shape."""
    return await page.evaluate(EXTRA_JS, _options(rules)) or []


def run_selenium(driver: Any, rules: list[str] | None = None) -> list[dict[str, Any]]:
    """Run the checks through a Selenium WebDriver (axe already injected); the violated rules in axe's shape."""
    return driver.execute_script(f"return ({EXTRA_JS})(arguments[0]);", _options(rules)) or []


__all__ = ["EXTRA_JS", "EXTRA_RULES", "run_playwright", "run_selenium"]
