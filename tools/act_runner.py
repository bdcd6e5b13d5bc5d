"""Runs W3C ACT Rules test cases in real Chromium with our axe-core pass; one record per case.

The cases are served from the shared folder (``tools.act_suite.ACT_DIR``) by a loopback HTTP server at their
published path, so their absolute asset URLs (``/WAI/content-assets/wcag-act-rules/test-assets/...``) resolve.
One browser and context, a fresh page per case (or one kept page per lane), a few cases at a time, a time
limit per case. Each case runs only the axe rules its ACT rule maps to, with all result types (passes and
incomplete are needed to tell passed from inapplicable). Scoring is ``tools.act_suite``'s job.

    .venv/bin/python -m tools.act_runner --rules 674b10,2779a5 --out /tmp/act.json
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

from tools.act_suite import ACT_DIR, URL_PREFIX, TestCase, axe_counts, load_cases, load_rules
from browsers import axe as axe_js
from browsers.launch import launch_chromium

# Content types for the case documents: SVG and XML cases must be parsed as such documents (not sniffed as
# text), and the HTML files are UTF-8 whether or not they say so.
CONTENT_TYPES = {".html": "text/html; charset=utf-8", ".xhtml": "application/xhtml+xml",
                 ".svg": "image/svg+xml", ".xml": "application/xml", ".vtt": "text/vtt; charset=utf-8",
                 ".css": "text/css; charset=utf-8", ".txt": "text/plain; charset=utf-8"}

NAV_TIMEOUT_MS = 15_000
CASE_TIMEOUT_S = 40.0
DEFAULT_CONCURRENCY = 3

# Chromium's XML tree viewer marks the page it substitutes for an unstyled XML document with this style element.
XML_VIEWER_JS = "() => !!document.getElementById('xml-viewer-style')"

# The vendored axe's own ACT mapping, read in the browser so the doc can say whether the index still matches.
ACT_IDS_JS = "() => Object.fromEntries(axe._audit.rules.map(r => [r.id, r.actIds || []]))"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A page closed mid-request (favicon, media) breaks the pipe; that is not the suite's concern.
        pass


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

    srv = _Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, f"http://127.0.0.1:{srv.server_address[1]}"


class _Worker:
    """One of the ``concurrency`` lanes: a page (fresh per case, or kept across cases), and its navigation guard."""

    def __init__(self, ctx: Any, base: str, reuse_page: bool) -> None:
        self.ctx, self.base, self.reuse_page = ctx, base, reuse_page
        self.page: Any = None
        self.expect_url = ""
        self.committed = False
        self.blocked: list[str] = []

    async def _open(self) -> Any:
        page = await self.ctx.new_page()

        async def guard(route: Any) -> None:
            req = route.request
            # Only the case's own top-level load goes through: a meta refresh or script navigation (some fire
            # at once, before goto even returns) would swap the document axe is about to check for another
            # one, and the ACT rule is about the case document. Matching the URL, not just counting, also
            # stops a timer left by the previous case on a kept page from taking the next case's slot.
            if req.is_navigation_request() and req.frame == page.main_frame:
                if self.committed or req.url != self.expect_url:
                    self.blocked.append(req.url)
                    # 204 No Content: the navigation does not commit and the case stays (an aborted one
                    # would commit Chromium's error page instead).
                    await route.fulfill(status=204, body="")
                    return
                self.committed = True
            await route.continue_()

        await page.route("**/*", guard)
        return page

    async def discard(self) -> None:
        """Drop the page (after a failure, or per case when pages are not kept)."""
        if self.page is not None:
            try:
                await self.page.close()
            except Exception:  # noqa: BLE001 - a crashed or already closed page is gone either way
                pass
            self.page = None

    async def run(self, case: TestCase, rules: Sequence[str]) -> dict[str, Any]:
        """Load one case, run its axe rules, keep per-rule node counts."""
        rec: dict[str, Any] = {"status": "error", "kind": case.kind}
        extra: list[Any] = []
        ok = False
        try:
            if self.page is None:
                self.page = await self._open()
            page = self.page
            url = self.base + case.url_path
            self.expect_url, self.committed, self.blocked = url, False, []
            resp = await page.goto(url, wait_until="load", timeout=NAV_TIMEOUT_MS)
            rec["http"] = resp.status if resp else None
            target: Any = page
            notes = []
            if case.kind != "html" and await page.evaluate(XML_VIEWER_JS):
                # A top-level XML document in no namespace Chromium renders gets replaced by Chromium's XML
                # tree viewer, an XHTML page of its own (no lang, no title): axe would judge the browser's
                # viewer, not the case. Chromium shows the viewer in top-level documents only, so the same
                # document is loaded as the only content of a frame and axe runs inside that frame's document.
                holder = await self.ctx.new_page()
                extra.append(holder)
                await holder.set_content(f'<iframe src="{url}"></iframe>', wait_until="load",
                                         timeout=NAV_TIMEOUT_MS)
                target = holder.frames[1]
                notes.append("Chromium's XML viewer replaced the top-level document; run in a frame")
            raw = await axe_js.run_playwright(target, list(rules), all_results=True)
            rec["axe"] = axe_counts(raw, rules)
            rec["status"] = "ok"
            if self.blocked:
                notes.append(f"navigation to {self.blocked[0][:60]} held back")
            if case.kind != "html":
                notes.append(f"{await target.evaluate('() => document.contentType')} document, root "
                             f"<{await target.evaluate('() => document.documentElement.localName')}>")
            if notes:
                rec["note"] = "; ".join(notes)
            ok = True
        except Exception as e:  # noqa: BLE001 - any failure is this case's outcome ("untested"), not the run's
            rec["error"] = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"[:200]
        finally:
            for p in extra:
                await p.close()
            if not (ok and self.reuse_page):
                await self.discard()
        return rec


async def run_cases(cases: Sequence[TestCase], rules_for: Mapping[str, Sequence[str]], base: str,
                    concurrency: int = DEFAULT_CONCURRENCY, case_timeout_s: float = CASE_TIMEOUT_S,
                    reuse_pages: bool = False,
                    progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """Run ``cases`` (each with ``rules_for[case.rule_id]``) in one Chromium; records keyed "rule/case" + meta.

    ``reuse_pages=False`` (the published run): a new page per case. ``True``: each lane keeps its page and
    navigates it to the next case (a new document each time; a page that failed is replaced). On a loaded
    2-core box a new page costs a renderer process start and a cold compile of axe (~650 kB), together about
    twice the rest of the case; the test uses kept pages and checks they give the same outcomes.
    """
    from playwright.async_api import async_playwright

    records: dict[str, dict[str, Any]] = {}
    queue: asyncio.Queue[TestCase] = asyncio.Queue()
    for c in cases:
        queue.put_nowait(c)
    done = 0
    async with async_playwright() as p:
        # isolate=True: every host but loopback resolves to NOTFOUND, so cases linking to w3.org etc. stay local.
        browser = await launch_chromium(p, {}, isolate=True)
        try:
            # One context for all cases (a new context per case cost ~0.3 s more): the cases share no cookies
            # or storage that matter.
            ctx = await browser.new_context()
            page = await ctx.new_page()
            await page.evaluate(axe_js.AXE_SOURCE + "\n;0")
            meta = {"chromium": browser.version, "axe": await page.evaluate("() => axe.version"),
                    "act_ids": await page.evaluate(ACT_IDS_JS), "reuse_pages": reuse_pages}
            await page.close()

            async def lane() -> None:
                nonlocal done
                worker = _Worker(ctx, base, reuse_pages)
                while not queue.empty():
                    case = queue.get_nowait()
                    t0 = time.monotonic()
                    try:
                        rec = await asyncio.wait_for(worker.run(case, rules_for[case.rule_id]), case_timeout_s)
                    except asyncio.TimeoutError:
                        rec = {"status": "timeout", "kind": case.kind, "error": f"over {case_timeout_s:.0f} s"}
                        await worker.discard()
                    rec["ms"] = int((time.monotonic() - t0) * 1000)
                    records[f"{case.rule_id}/{case.id}"] = rec
                    done += 1
                    if progress:
                        progress(done, len(cases))
                await worker.discard()

            await asyncio.gather(*(lane() for _ in range(max(1, concurrency))))
        finally:
            await browser.close()
    return {"meta": meta, "records": records}


def run_suite(rule_ids: Sequence[str] | None = None, concurrency: int = DEFAULT_CONCURRENCY,
              progress: Callable[[int, int], None] | None = None, act_dir: Path = ACT_DIR,
              reuse_pages: bool = False) -> dict[str, Any]:
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
                                    concurrency=concurrency, reuse_pages=reuse_pages, progress=progress))
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
    ap.add_argument("--reuse-pages", action="store_true", help="keep one page per lane (faster; see run_cases)")
    args = ap.parse_args(argv)
    ids = [x for x in (args.rules or "").split(",") if x] or None
    out = run_suite(ids, args.concurrency, reuse_pages=args.reuse_pages,
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
