"""Runs W3C ACT Rules test cases in real Chromium with our axe-core pass; one record per case.

The cases are served from the shared folder (``auditor.act_suite.ACT_DIR``) by a loopback HTTP server at their
published path, so their absolute asset URLs (``/WAI/content-assets/wcag-act-rules/test-assets/...``) resolve.
One browser and context, a fresh page per case, a few cases at a time, a time limit per case. Each case runs
only the axe rules its ACT rule maps to, with all result types (passes and incomplete are needed to tell
passed from inapplicable). Scoring is ``auditor.act_suite``'s job.

    .venv/bin/python -m browsers.act_runner --rules 674b10,2779a5 --out /tmp/act.json
"""
from __future__ import annotations

import argparse
import asyncio
import json
import mimetypes
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence
from urllib.parse import unquote, urlsplit

from auditor.act_suite import ACT_DIR, URL_PREFIX, TestCase, axe_counts, load_cases, load_rules
from browsers import axe as axe_js
from browsers.launch import launch_chromium

# Content types W3C's server sends for the case documents: SVG and XML cases must be parsed as such documents
# (not sniffed as text), and the HTML files are UTF-8 whether or not they say so.
CONTENT_TYPES = {".html": "text/html; charset=utf-8", ".xhtml": "application/xhtml+xml",
                 ".svg": "image/svg+xml", ".xml": "application/xml", ".vtt": "text/vtt; charset=utf-8",
                 ".css": "text/css; charset=utf-8", ".txt": "text/plain; charset=utf-8"}

NAV_TIMEOUT_MS = 15_000
CASE_TIMEOUT_S = 40.0
DEFAULT_CONCURRENCY = 3

# The vendored axe's own ACT mapping, read in the browser so the doc can say whether the index still matches.
ACT_IDS_JS = "() => Object.fromEntries(axe._audit.rules.map(r => [r.id, r.actIds || []]))"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def serve(act_dir: Path = ACT_DIR) -> tuple[ThreadingHTTPServer, str]:
    """Serve ``act_dir`` at ``URL_PREFIX`` on 127.0.0.1 (a free port); returns the server and its base URL."""
    root = act_dir.resolve()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *a: object) -> None:
            pass

        def do_GET(self) -> None:
            path = unquote(urlsplit(self.path).path)
            if not path.startswith(URL_PREFIX):
                return self.send_error(404)
            target = (root / path[len(URL_PREFIX):]).resolve()
            # Nothing outside the suite folder, whatever "../" a request carries.
            if not target.is_relative_to(root) or not target.is_file():
                return self.send_error(404)
            data = target.read_bytes()
            ctype = CONTENT_TYPES.get(target.suffix.lower()) or mimetypes.guess_type(target.name)[0] \
                or "application/octet-stream"
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_HEAD(self) -> None:
            self.do_GET()

    srv = _Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, f"http://127.0.0.1:{srv.server_address[1]}"


async def _run_one(ctx: Any, base: str, case: TestCase, rules: Sequence[str]) -> dict[str, Any]:
    """Load one case in a fresh page, run its axe rules, keep per-rule node counts."""
    rec: dict[str, Any] = {"status": "error", "kind": case.kind}
    page = await ctx.new_page()
    try:
        navigations = 0
        blocked: list[str] = []

        async def guard(route: Any) -> None:
            nonlocal navigations
            req = route.request
            # Only the case's own top-level load goes through: a meta refresh or script navigation (some fire
            # at once, before goto even returns) would swap the document axe is about to check for another
            # one, and the ACT rule is about the case document.
            if req.is_navigation_request() and req.frame == page.main_frame:
                navigations += 1
                if navigations > 1:
                    blocked.append(req.url)
                    # 204 No Content: the navigation does not commit and the case stays (an aborted one
                    # would commit Chromium's error page instead).
                    await route.fulfill(status=204, body="")
                    return
            await route.continue_()

        await page.route("**/*", guard)
        resp = await page.goto(base + case.url_path, wait_until="load", timeout=NAV_TIMEOUT_MS)
        rec["http"] = resp.status if resp else None
        raw = await axe_js.run_playwright(page, list(rules), all_results=True)
        rec["axe"] = axe_counts(raw, rules)
        rec["status"] = "ok"
        notes = []
        if blocked:
            notes.append(f"navigation to {blocked[0][:60]} held back")
        if case.kind != "html":
            notes.append(f"{await page.evaluate('() => document.contentType')} document")
        if notes:
            rec["note"] = "; ".join(notes)
    except Exception as e:  # noqa: BLE001 - any failure is this case's outcome ("untested"), not the run's
        rec["error"] = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"[:200]
    finally:
        await page.close()
    return rec


async def run_cases(cases: Sequence[TestCase], rules_for: Mapping[str, Sequence[str]], base: str,
                    concurrency: int = DEFAULT_CONCURRENCY, case_timeout_s: float = CASE_TIMEOUT_S,
                    progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """Run ``cases`` (each with ``rules_for[case.rule_id]``) in one Chromium; records keyed "rule/case" + meta."""
    from playwright.async_api import async_playwright

    records: dict[str, dict[str, Any]] = {}
    sem = asyncio.Semaphore(concurrency)
    done = 0
    async with async_playwright() as p:
        # isolate=True: every host but loopback resolves to NOTFOUND, so cases linking to w3.org etc. stay local.
        browser = await launch_chromium(p, {}, isolate=True)
        try:
            # One context for all cases (a new context per case cost ~0.3 s on a loaded 2-core box): the cases
            # share no cookies or storage that matter, and each still gets a fresh page.
            ctx = await browser.new_context()
            page = await ctx.new_page()
            await page.evaluate(axe_js.AXE_SOURCE + "\n;0")
            meta = {"chromium": browser.version, "axe": await page.evaluate("() => axe.version"),
                    "act_ids": await page.evaluate(ACT_IDS_JS)}
            await page.close()

            async def one(case: TestCase) -> None:
                nonlocal done
                async with sem:
                    t0 = time.monotonic()
                    try:
                        rec = await asyncio.wait_for(_run_one(ctx, base, case, rules_for[case.rule_id]),
                                                     case_timeout_s)
                    except asyncio.TimeoutError:
                        rec = {"status": "timeout", "kind": case.kind, "error": f"over {case_timeout_s:.0f} s"}
                    rec["ms"] = int((time.monotonic() - t0) * 1000)
                    records[f"{case.rule_id}/{case.id}"] = rec
                    done += 1
                    if progress:
                        progress(done, len(cases))

            await asyncio.gather(*(one(c) for c in cases))
        finally:
            await browser.close()
    return {"meta": meta, "records": records}


def run_suite(rule_ids: Sequence[str] | None = None, concurrency: int = DEFAULT_CONCURRENCY,
              progress: Callable[[int, int], None] | None = None, act_dir: Path = ACT_DIR) -> dict[str, Any]:
    """Serve the suite and run every case of ``rule_ids`` (default: every ACT rule that maps to axe rules).

    Returns ``{"meta": {...}, "records": {"rule/case": record}}``; ``records_by_key`` gives the (rule, case) view.
    """
    rules = load_rules(act_dir)
    wanted = [r for r in (rule_ids or rules) if rules[r].mapped]
    cases = [c for c in load_cases(act_dir) if c.rule_id in set(wanted)]
    srv, base = serve(act_dir)
    t0 = time.monotonic()
    try:
        out = asyncio.run(run_cases(cases, {r: rules[r].run_rules for r in wanted}, base,
                                    concurrency=concurrency, progress=progress))
    finally:
        srv.shutdown()
        srv.server_close()
    out["meta"].update({"seconds": round(time.monotonic() - t0, 1), "concurrency": concurrency,
                        "rules": wanted, "cases": len(cases)})
    return out


def records_by_key(records: Mapping[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """The runner's "rule/case" keys as ``TestCase.key`` tuples."""
    return {tuple(k.split("/", 1)): v for k, v in records.items()}  # type: ignore[misc]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rules", help="comma-separated ACT rule ids (default: all that map to axe rules)")
    ap.add_argument("--concurrency", type=int, default=DEFAULT_CONCURRENCY)
    ap.add_argument("--out", type=Path, help="write the records as JSON here")
    args = ap.parse_args(argv)
    ids = [x for x in (args.rules or "").split(",") if x] or None
    out = run_suite(ids, args.concurrency,
                    progress=lambda d, n: print(f"\r{d}/{n}", end="", file=sys.stderr, flush=True))
    print(file=sys.stderr)
    text = json.dumps(out, ensure_ascii=False, indent=0, sort_keys=True)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
