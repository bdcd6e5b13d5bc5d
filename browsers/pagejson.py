"""A large result of an in-page script brought back as one JSON string (the probe's facts, axe's result).

Why: Playwright encodes an ``evaluate`` result value by value and walks it again in Python; for the probe and axe
that walk was a large share of the run's Python time. ``JSON.stringify`` in the page and ``json.loads`` here do
the same in native code.

Pages are old and hostile: a library such as Prototype.js defines ``Array.prototype.toJSON``, which makes
``JSON.stringify`` write every array as a string, and a page may replace ``JSON.stringify`` itself. So the
``toJSON`` hooks of the basic prototypes are set aside while the result is encoded (and put back), and when what
comes back is not a JSON object the script is run again with Playwright's own encoding: never facts bent by a
broken JSON. (A page that replaces ``JSON.stringify`` with one writing a plausible object could lie this way, as it
can already lie to the probe through the DOM methods it replaces: the probe runs in the page's own world.)
"""
from __future__ import annotations

import json
from typing import Any

_STRINGIFY = """((r) => {
  const protos = [Object.prototype, Array.prototype, String.prototype, Number.prototype, Boolean.prototype];
  const saved = [];
  for (const p of protos) {
    const d = Object.getOwnPropertyDescriptor(p, "toJSON");
    if (d) { saved.push([p, d]); try { delete p.toJSON; } catch (e) {} }
  }
  try { return JSON.stringify(r); }
  finally { for (const [p, d] of saved) { try { Object.defineProperty(p, "toJSON", d); } catch (e) {} } }
})"""


def as_json(fn_source: str) -> str:
    """``fn_source`` (a function expression, possibly async, of one argument) returning its result encoded."""
    return f"async (arg) => {_STRINGIFY}(await ({fn_source})(arg))"


async def evaluate_object(page: Any, fn_source: str, arg: Any = None) -> dict[str, Any]:
    """The script's result (a JSON object), encoded in the page; Playwright's encoding when the page's JSON is
    not to be trusted."""
    text = await page.evaluate(as_json(fn_source), arg)
    if isinstance(text, str):
        try:
            value = json.loads(text)
        except ValueError:
            value = None
        if isinstance(value, dict):
            return value
    return await page.evaluate(fn_source, arg)
