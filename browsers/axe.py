"""axe-core in the browser: the vendored build, its Chinese messages, one set of run options for both engines.

Both engines run the same file with the same options and compact the result the same way
(``auditor.a11y.compact``), so a page gives the same violations under Playwright and under Selenium.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from auditor import profile
from browsers import a11y_extra
from browsers.pagejson import evaluate_object

VENDOR = Path(__file__).parent / "vendor" / "axe-core"
AXE_PATH = VENDOR / "axe.min.js"
AXE_SOURCE = AXE_PATH.read_text(encoding="utf-8")
ZH_CN: dict[str, Any] = json.loads((VENDOR / "zh_CN.json").read_text(encoding="utf-8"))

# WCAG 2.0/2.1/2.2 A and AA (GB/T 37668-2019 derives from WCAG 2.0) plus axe's best practices, which the
# findings mark as such. Frames are not entered: the engines inject into the top document only, and a page's
# third-party iframes (maps, video) are not the site's own content.
RUN_OPTIONS: dict[str, Any] = {
    "runOnly": {"type": "tag",
                "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]},
    # Violations and axe's "needs review" results (incomplete, e.g. text over a background image whose contrast
    # axe cannot compute): the latter become 需人工复核 findings, as pa11y and inspectors count them.
    "resultTypes": ["violations", "incomplete"],
    "iframes": False,
    "elementRef": False,
    "ancestry": False,
    "xpath": False,
    "performanceTimer": False,
}

# The axe source and its Chinese messages in one evaluation, the locale as a literal: passed as an argument, its
# 70 kB were walked value by value in Python on every page.
AXE_WITH_LOCALE = f"{AXE_SOURCE}\n;axe.configure({{locale: {json.dumps(ZH_CN, ensure_ascii=False)}}});0"

# Boxes (document coordinates) of the first `cap` nodes of each violation, by the selector axe gave.
BOXES_JS = """(args) => {
  const [targets] = args;
  const out = [];
  for (const sel of targets) {
    let el = null;
    try { el = (typeof sel === "string") ? document.querySelector(sel) : null; } catch (e) { el = null; }
    if (!el) { out.push(null); continue; }
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) { out.push(null); continue; }
    out.push({x: r.left + window.scrollX, y: r.top + window.scrollY, w: r.width, h: r.height});
  }
  return out;
}"""


# Post-filter applied to axe's result in both engines. HTML obeys only the first parsable
# <meta http-equiv="refresh"> of a document (the "shared declarative refresh steps" stop once one is set), but
# axe's meta-refresh rules judge every such element on its own; a later, ignored one is not a finding.
RESULT_FILTER_JS = """(r) => {
  const RULES = new Set(["meta-refresh", "meta-refresh-no-exceptions"]);
  const metas = [...document.querySelectorAll("meta[http-equiv]")]
    .filter((m) => (m.getAttribute("http-equiv") || "").trim().toLowerCase() === "refresh");
  // Parsable per HTML: optional whitespace, digits (and a fraction), then the end, ';', ',' or whitespace.
  const obeyed = metas.find((m) => /^[\\t\\n\\f\\r ]*(?:[0-9]+(?:\\.[0-9.]*)?|\\.[0-9.]*)(?:$|[;,\\t\\n\\f\\r ])/
    .test(m.getAttribute("content") || ""));
  const keep = (n) => {
    const t = n.target && n.target[0];
    if (!obeyed || typeof t !== "string") return true;
    let el = null;
    try { el = document.querySelector(t); } catch (e) { return true; }
    return !el || el === obeyed;
  };
  for (const key of ["violations", "incomplete"]) {
    if (!r[key]) continue;
    r[key] = r[key].map((v) => RULES.has(v.id) ? Object.assign({}, v, {nodes: v.nodes.filter(keep)}) : v)
                   .filter((v) => !RULES.has(v.id) || v.nodes.length);
  }
  return r;
}"""


def options_json(rules: list[str] | None = None, all_results: bool = False) -> str:
    """The run options as JSON; ``rules`` restricts the run to those axe rules (the ACT suite runs one at a time).

    ``all_results`` drops ``resultTypes``, so passes and incomplete carry every node, not just the first: the ACT
    conformance run needs them to tell "passed" from "inapplicable" (a rule in none of the lists checked nothing).
    """
    opts = dict(RUN_OPTIONS)
    if rules:
        opts.pop("runOnly")
        opts["runOnly"] = {"type": "rule", "values": rules}
    if all_results:
        opts.pop("resultTypes", None)
    return json.dumps(opts)


def extra_rules(rules: list[str] | None) -> list[str] | None:
    """Which of our own checks (browsers/a11y_extra.js) a run restricted to ``rules`` includes: all of them
    for a whole audit, only the named ones otherwise (the ACT suite runs single axe rules)."""
    if rules is None:
        return list(a11y_extra.EXTRA_RULES)
    return [r for r in rules if r in a11y_extra.EXTRA_RULES]


def axe_only(rules: list[str] | None) -> list[str] | None:
    return None if rules is None else [r for r in rules if r not in a11y_extra.EXTRA_RULES]


def with_extra(raw: dict[str, Any], extra: list[dict[str, Any]]) -> dict[str, Any]:
    """axe's raw result with our own checks' results appended (same shape): to its violations, or to its
    needs-review list for those marked ``incomplete``."""
    if extra:
        raw = dict(raw)
        for key, want in (("violations", False), ("incomplete", True)):
            raw[key] = list(raw.get(key) or []) + [dict(v, source="govsite-auditor") for v in extra
                                                   if bool(v.get("incomplete")) is want]
    return raw


async def run_playwright(page: Any, rules: list[str] | None = None, all_results: bool = False) -> dict[str, Any]:
    """Inject the vendored axe into a Playwright page's top document and run it, then our own checks; the raw
    axe result with those appended to its violations.

    ``page.evaluate`` goes over CDP, so a page's Content-Security-Policy cannot block the injection.
    ``all_results``: see ``options_json`` (the audit keeps the default, violations and needs-review only).
    """
    with profile.phase("axe"):
        await page.evaluate(AXE_WITH_LOCALE)
        base = axe_only(rules)
        # One JSON string back, not an object: Playwright's value encoding walks every node in Python.
        raw = await evaluate_object(
            page, f"async () => ({RESULT_FILTER_JS})(await axe.run(document, {options_json(base, all_results)}))") \
            if base is None or base else {"violations": [], "incomplete": [], "testEngine": {}}
    extra = extra_rules(rules)
    with profile.phase("checks"):
        found = await a11y_extra.run_playwright(page, extra) if extra else []
    return with_extra(raw, found)


async def boxes_playwright(page: Any, targets: list[str]) -> list[dict[str, float] | None]:
    if not targets:
        return []
    return await page.evaluate(BOXES_JS, [targets])
