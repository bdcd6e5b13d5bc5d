"""Accessibility bench: our axe pass vs pa11y (HTML_CodeSniffer and axe runners) and Lighthouse's accessibility
category, side by side in one run on the sample site, in the same Debian Chromium.

    .venv/bin/python bench/bench_a11y.py [--pages N] [--standins] [--no-api] [--no-lighthouse]

pa11y and Lighthouse come from the npm registry and are installed, if missing, by this script into a folder
outside the work tree (default ~/.cache/govsite-auditor/bench-node, or $GOVAUDIT_BENCH_NODE) with
`npm install --no-save --no-audit --no-fund`, pinned: pa11y 9.1.1 (puppeteer 24, axe-core 4.11, HTML_CodeSniffer
2.6) and lighthouse 12.8.2 (axe-core 4.14.1, as ours), the newest releases whose engines accept Node 20. Their
own browser downloads are skipped (PUPPETEER_SKIP_DOWNLOAD); both drive /usr/lib/chromium/chromium.

Timed per page, interleaved page by page so drift in the machine's load does not favour any side:
  - ours, the whole page audit: PageFetcher.fetch(url, a11y=True) in one shared Chromium, a clean tab per page
    that is reused for the next page of the host (load + probe + full-page screenshot + axe and our own checks,
    with boxes), as govaudit runs it; and the same with a fresh browser context for every page (tab_reuse=0);
  - ours, load + axe only (fetch without probe and screenshot, its own browser), and the axe step alone;
  - pa11y CLI, one process per URL as auditors run it (browser start included), default runner htmlcs and
    --runner axe;
  - pa11y's Node API with one shared browser (a long-lived node process), both runners: its best case;
  - lighthouse CLI per URL, --only-categories=accessibility --preset=desktop, viewport 1366x900 as ours.
The tools start cold on their first page; that page is run once untimed by every tool first.

Our findings are what our report lists: violations (axe's and our own checks'), and what axe left for review
(需人工复核 findings). They are compared after the timing, in one more untimed load of each page in our Chromium: every tool's
selectors (and Lighthouse's DOM paths) are resolved there to one DOM path per element. pa11y's errors (type
"error"; its axe runner makes errors of serious/critical violations and of axe's needs-review results alike) and
Lighthouse's failing audits (score 0) are set against our violations: axe-based tools by (page, axe rule,
element), htmlcs by (page, WCAG success criterion, element), each also at the coarser (page, rule or criterion)
level. Each finding we miss gets a reason, from that load's axe run with every result type (failed, needs review,
passed, not applied). Our result keeps at most auditor.a11y.compact's node_cap (50) nodes per rule (its count
says how many axe found; `a11y_node_cap` only limits the boxed crops), so "beyond the cap" is told apart.

All three tools see the same page: by default the national-service badge scripts (dcs.conac.cn, the https
找错 script) fail to resolve in all of them, as pa11y's and Lighthouse's CLIs cannot route them to our stand-ins;
--standins gives our pass its stand-ins (its DOM then has the badges the others lack). No traffic leaves the
machine: every browser gets --host-resolver-rules mapping www.shifan.gov.cn to the local server and everything
else to NOTFOUND, Lighthouse runs with --no-enable-error-reporting, npm without audit, fund or update checks.
"""
from __future__ import annotations

import argparse
import asyncio
import inspect
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from auditor import sample_site  # noqa: E402
from auditor.a11y import compact, sc_from_tags  # noqa: E402
from auditor.config import Settings  # noqa: E402
from browsers import axe as axe_js  # noqa: E402
from browsers import standins  # noqa: E402
from browsers.fetcher import PageFetcher  # noqa: E402
from browsers.launch import BASE_FLAGS, CHROMIUM_PATH, resolver_rules  # noqa: E402

PA11Y = "9.1.1"
LIGHTHOUSE = "12.8.2"
LISTED_CAP = inspect.signature(compact).parameters["node_cap"].default  # nodes per rule our result keeps
NODE_DIR = Path(os.environ.get("GOVAUDIT_BENCH_NODE", Path.home() / ".cache" / "govsite-auditor" / "bench-node"))

TOOL_ENV = {
    "PUPPETEER_SKIP_DOWNLOAD": "1", "PUPPETEER_SKIP_CHROMIUM_DOWNLOAD": "1",
    "PUPPETEER_EXECUTABLE_PATH": CHROMIUM_PATH, "CHROME_PATH": CHROMIUM_PATH,
    "NO_UPDATE_NOTIFIER": "1", "npm_config_update_notifier": "false", "npm_config_audit": "false",
    "npm_config_fund": "false", "DO_NOT_TRACK": "1", "CI": "1",
}

# pa11y's Node API with one shared browser: a JSON line in ({url, runner}), a JSON line out ({issues} or {error}).
PA11Y_SERVER_JS = r"""
const pa11y = require('pa11y');
const puppeteer = require('puppeteer');
const readline = require('readline');
(async () => {
  const {chromeLaunchConfig, ...cfg} = JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8'));
  const browser = await puppeteer.launch(chromeLaunchConfig);
  process.stdout.write(JSON.stringify({ready: true}) + '\n');
  const rl = readline.createInterface({input: process.stdin});
  for await (const line of rl) {
    const req = JSON.parse(line);
    let out;
    try {
      const r = await pa11y(req.url, {...cfg, browser, runners: [req.runner]});
      out = {issues: r.issues};
    } catch (e) {
      out = {error: String(e)};
    }
    process.stdout.write(JSON.stringify(out) + '\n');
  }
  await browser.close();
})();
"""

# An element's DOM path as Lighthouse writes it (core/lib/page-functions.js getNodePath), so its report's paths
# compare directly; the other tools' selectors are resolved with querySelector in the reference load first.
NODE_PATH_JS = r"""
  const isShadowRoot = n => n.nodeType === Node.DOCUMENT_FRAGMENT_NODE;
  const parentOf = n => isShadowRoot(n) ? n.host : n.parentNode;
  function indexOf(node) {
    if (isShadowRoot(node)) return 'a';
    let index = 0, prev;
    while ((prev = node.previousSibling)) {
      node = prev;
      if (node.nodeType === Node.TEXT_NODE && (node.nodeValue || '').trim().length === 0) continue;
      index++;
    }
    return index;
  }
  function nodePath(node) {
    const path = [];
    let cur = node;
    while (cur && parentOf(cur)) { path.push([indexOf(cur), cur.nodeName]); cur = parentOf(cur); }
    return path.reverse().join(',');
  }
"""

PATHS_JS = "(sels) => {" + NODE_PATH_JS + r"""
  return sels.map(s => {
    if (!s || s.includes(' >>> ')) return null;
    let el = null;
    try { el = document.querySelector(s); } catch (e) { el = null; }
    return el ? nodePath(el) : null;
  });
}"""

# Our axe (the vendored build, our run options) with every result type and element references: per rule, the
# DOM paths it failed, left for review and passed, so each finding we miss can be told why.
REFERENCE_JS = "async (opts) => {" + NODE_PATH_JS + r"""
  const r = await axe.run(document, opts);
  const pick = list => Object.fromEntries(
    list.map(x => [x.id, x.nodes.map(n => n.element ? nodePath(n.element) : '')]));
  return {version: r.testEngine.version, violations: pick(r.violations), incomplete: pick(r.incomplete),
          passes: pick(r.passes), tags: Object.fromEntries(axe.getRules().map(x => [x.ruleId, x.tags]))};
}"""


# ---------------------------------------------------------------------------------------------- the node tools

def _pkg_version(*candidates: str) -> str:
    for rel in candidates:
        p = NODE_DIR / "node_modules" / rel / "package.json"
        if p.exists():
            return json.loads(p.read_text(encoding="utf-8"))["version"]
    return "?"


def ensure_tools() -> dict[str, str]:
    """Install the pinned pa11y and lighthouse into NODE_DIR unless already there; their versions."""
    if _pkg_version("pa11y") != PA11Y or _pkg_version("lighthouse") != LIGHTHOUSE:
        NODE_DIR.mkdir(parents=True, exist_ok=True)
        print(f"installing pa11y@{PA11Y} lighthouse@{LIGHTHOUSE} into {NODE_DIR} ...", flush=True)
        subprocess.run(["npm", "install", "--no-save", "--no-audit", "--no-fund", "--no-update-notifier",
                        "--loglevel=error", "--prefix", str(NODE_DIR), f"pa11y@{PA11Y}", f"lighthouse@{LIGHTHOUSE}"],
                       check=True, env={**os.environ, **TOOL_ENV})
    (NODE_DIR / "pa11y_server.js").write_text(PA11Y_SERVER_JS, encoding="utf-8")
    return {
        "pa11y": _pkg_version("pa11y"),
        "puppeteer": _pkg_version("pa11y/node_modules/puppeteer", "puppeteer"),
        "pa11y axe-core": _pkg_version("pa11y/node_modules/axe-core", "axe-core"),
        "html_codesniffer": _pkg_version("pa11y/node_modules/@pa11y/html_codesniffer", "@pa11y/html_codesniffer"),
        "lighthouse": _pkg_version("lighthouse"),
        "lighthouse axe-core": _pkg_version("lighthouse/node_modules/axe-core", "axe-core"),
    }


def chrome_flags(host_map: dict[str, str]) -> list[str]:
    return list(BASE_FLAGS) + [f"--host-resolver-rules={resolver_rules(host_map, True)}"]


def pa11y_config(path: Path, host_map: dict[str, str], s: Settings) -> Path:
    cfg = {"chromeLaunchConfig": {"executablePath": CHROMIUM_PATH, "args": chrome_flags(host_map)},
           "viewport": {"width": s.viewport_width, "height": s.viewport_height}, "timeout": 60_000}
    path.write_text(json.dumps(cfg, indent=1), encoding="utf-8")
    return path


def lighthouse_argv(url: str, out: Path, host_map: dict[str, str], s: Settings) -> list[str]:
    flags = ["--headless=new"] + [f'{f.split("=", 1)[0]}="{f.split("=", 1)[1]}"' if " " in f else f
                                  for f in chrome_flags(host_map)]
    return [str(NODE_DIR / "node_modules/.bin/lighthouse"), url, "--only-categories=accessibility",
            "--output=json", f"--output-path={out}", "--quiet", "--no-enable-error-reporting", "--preset=desktop",
            f"--screenEmulation.width={s.viewport_width}", f"--screenEmulation.height={s.viewport_height}",
            "--max-wait-for-load=60000", f"--chrome-flags={' '.join(flags)}"]


async def _run(argv: list[str], timeout: float = 180) -> tuple[int, bytes, bytes, float]:
    t0 = time.perf_counter()
    proc = await asyncio.create_subprocess_exec(*argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
                                                cwd=NODE_DIR, env={**os.environ, **TOOL_ENV})
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout)
    except asyncio.TimeoutError:
        proc.kill()
        await proc.wait()
        return -1, b"", b"timeout", time.perf_counter() - t0
    return proc.returncode or 0, out, err, time.perf_counter() - t0


async def pa11y_cli(url: str, cfg: Path, runner: str) -> tuple[float, list[dict] | None, str]:
    argv = [str(NODE_DIR / "node_modules/.bin/pa11y"), "--config", str(cfg), "--reporter", "json", url]
    if runner != "htmlcs":
        argv[1:1] = ["--runner", runner]
    rc, out, err, secs = await _run(argv)
    if rc not in (0, 2):  # 2: issues found
        return secs, None, (err or out).decode(errors="replace").strip()[:300]
    return secs, json.loads(out or b"[]"), ""


async def lighthouse_cli(url: str, tmp: Path, host_map: dict[str, str], s: Settings) -> tuple[float, dict | None, str]:
    out = tmp / "lh.json"
    out.unlink(missing_ok=True)
    rc, _, err, secs = await _run(lighthouse_argv(url, out, host_map, s))
    if not out.exists():
        return secs, None, f"rc {rc}: {err.decode(errors='replace').strip()[-300:]}"
    report = json.loads(out.read_text(encoding="utf-8"))
    if report.get("runtimeError"):
        return secs, None, report["runtimeError"].get("code", "runtimeError")
    return secs, report, ""


class Pa11yServer:
    """pa11y's Node API in one node process with one shared browser."""

    def __init__(self, cfg: Path):
        self.cfg = cfg
        self.proc: Any = None

    async def start(self) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            "node", str(NODE_DIR / "pa11y_server.js"), str(self.cfg), stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, cwd=NODE_DIR, env={**os.environ, **TOOL_ENV}, limit=2**26)
        ready = json.loads(await self.proc.stdout.readline())
        assert ready.get("ready"), ready

    async def run(self, url: str, runner: str) -> tuple[float, list[dict] | None, str]:
        t0 = time.perf_counter()
        if self.proc.returncode is not None:
            return 0.0, None, "pa11y API process has exited"
        self.proc.stdin.write((json.dumps({"url": url, "runner": runner}) + "\n").encode())
        await self.proc.stdin.drain()
        line = await self.proc.stdout.readline()
        secs = time.perf_counter() - t0
        if not line:
            return secs, None, "pa11y API process died"
        out = json.loads(line)
        return secs, out.get("issues"), out.get("error", "")

    async def close(self) -> None:
        if self.proc is not None:
            self.proc.stdin.close()
            try:
                await asyncio.wait_for(self.proc.wait(), 20)
            except asyncio.TimeoutError:
                self.proc.kill()
                await self.proc.wait()


# ---------------------------------------------------------------------------------------------- the run

TOOLS = ["ours_whole", "ours_fresh", "ours_a11y", "ours_axe", "pa11y_cli_htmlcs", "pa11y_cli_axe", "pa11y_api_htmlcs",
         "pa11y_api_axe", "lighthouse"]
LABELS = {
    "ours_whole": "ours: whole page audit (load+probe+shot+axe)",
    "ours_fresh": "ours: whole page audit, fresh context per page",
    "ours_a11y": "ours: load + axe only",
    "ours_axe": "ours: the axe step alone",
    "pa11y_cli_htmlcs": "pa11y CLI per URL, htmlcs (default)",
    "pa11y_cli_axe": "pa11y CLI per URL, --runner axe",
    "pa11y_api_htmlcs": "pa11y Node API, shared browser, htmlcs",
    "pa11y_api_axe": "pa11y Node API, shared browser, axe",
    "lighthouse": "lighthouse CLI per URL, accessibility",
}


async def timed_run(urls: list[str], s: Settings, host_map: dict[str, str], tmp: Path, use_api: bool,
                    use_lh: bool) -> tuple[dict[str, list[float]], dict[str, dict[str, Any]], dict[str, list[str]]]:
    cfg = pa11y_config(tmp / "pa11y.json", host_map, s)
    times: dict[str, list[float]] = defaultdict(list)
    found: dict[str, dict[str, Any]] = defaultdict(dict)  # tool -> url -> raw findings
    errors: dict[str, list[str]] = defaultdict(list)
    api = Pa11yServer(cfg) if use_api else None
    async with PageFetcher(s) as fetcher, PageFetcher(s.replace(tab_reuse=0)) as fresh, \
            PageFetcher(s) as a11y_only:
        if api:
            await api.start()

        async def one(url: str, record: bool) -> None:
            def keep(tool: str, secs: float, data: Any, err: str) -> None:
                if not record:
                    return
                if err or data is None:
                    errors[tool].append(f"{url}: {err}")
                    return
                times[tool].append(secs)
                found[tool][url] = data

            t0 = time.perf_counter()
            res = await fetcher.fetch(url, a11y=True)
            secs = time.perf_counter() - t0
            axe_err = (res.axe or {}).get("error") if res.axe else "no axe result"
            keep("ours_whole", secs, res.axe, res.error or axe_err or "")
            if record and not (res.error or axe_err):
                for step in ("load", "probe", "screenshot", "axe"):
                    times[f"step_{step}"].append(res.timings.get(step, 0.0))
            keep("ours_axe", res.timings.get("axe", 0.0), res.axe, res.error or axe_err or "")
            t0 = time.perf_counter()
            res2 = await a11y_only.fetch(url, screenshot=False, probe=False, a11y=True)
            keep("ours_a11y", time.perf_counter() - t0, res2.axe, res2.error or "")
            t0 = time.perf_counter()
            res3 = await fresh.fetch(url, a11y=True)
            keep("ours_fresh", time.perf_counter() - t0, res3.axe, res3.error or "")
            if api:
                for runner in ("htmlcs", "axe"):
                    keep(f"pa11y_api_{runner}", *(await api.run(url, runner)))
            for runner in ("htmlcs", "axe"):
                keep(f"pa11y_cli_{runner}", *(await pa11y_cli(url, cfg, runner)))
            if use_lh:
                keep("lighthouse", *(await lighthouse_cli(url, tmp, host_map, s)))

        await one(urls[0], record=False)  # every tool's cold start, untimed
        for i, url in enumerate(urls, 1):
            await one(url, record=True)
            done = {t: f"{statistics.mean(v):.2f}" for t, v in times.items() if v}
            print(f"  [{i}/{len(urls)}] {url}  mean s so far: {done}", file=sys.stderr, flush=True)
        if api:
            await api.close()
    return times, found, errors


async def reference_load(urls: list[str], s: Settings, found: dict[str, dict[str, Any]]
                         ) -> tuple[dict[str, dict[str, Any]], dict[str, list[str]]]:
    """One more untimed load of each page in our Chromium: every tool's selectors resolved to DOM paths, and our
    axe with all result types (REFERENCE_JS). Returns per URL {"paths", "violations", "incomplete", "passes",
    "version"} and the axe rule -> tags table."""
    from playwright.async_api import async_playwright

    from browsers.launch import launch_chromium

    opts = {k: v for k, v in axe_js.RUN_OPTIONS.items() if k != "resultTypes"}
    opts["elementRef"] = True
    out: dict[str, dict[str, Any]] = {}
    tags: dict[str, list[str]] = {}
    async with async_playwright() as p:
        browser = await launch_chromium(p, s.host_map, isolate=True)
        for url in urls:
            ctx = await browser.new_context(user_agent=s.user_agent, locale="zh-CN", service_workers="block",
                                            viewport={"width": s.viewport_width, "height": s.viewport_height})
            if s.standins:
                await standins.install(ctx)
            page = await ctx.new_page()
            try:
                await page.goto(url, wait_until="load", timeout=60_000)
            except Exception as exc:  # noqa: BLE001 - the page then compares as unresolved, said in the output
                print(f"  reference load failed: {url}: {exc}", file=sys.stderr)
                out[url] = {"paths": {}, "violations": {}, "incomplete": {}, "passes": {}, "version": "?"}
                await ctx.close()
                continue
            sels: set[str] = set()
            for tool, data in ((t, found.get(t, {}).get(url)) for t in TOOLS):
                if not data or tool == "lighthouse":
                    continue
                if tool.startswith("ours"):
                    sels |= {nd["target"] for key in ("violations", "review") for v in data.get(key, [])
                             for nd in v["nodes"]}
                else:
                    sels |= {it.get("selector") or "" for it in data}
            sel_list = sorted(x for x in sels if x)
            paths = dict(zip(sel_list, await page.evaluate(PATHS_JS, sel_list)))
            await page.evaluate(axe_js.AXE_SOURCE + "\n;0")
            ref = await page.evaluate(REFERENCE_JS, opts)
            tags = tags or ref.pop("tags")
            ref.pop("tags", None)
            out[url] = {"paths": paths, **{k: ({r: set(v) for r, v in ref[k].items()}) for k in
                                           ("violations", "incomplete", "passes")}, "version": ref["version"]}
            await ctx.close()
        await browser.close()
    return out, tags


# ---------------------------------------------------------------------------------------------- the comparison

_HTMLCS_SC = re.compile(r"Guideline\d+_\d+\.(\d+)_(\d+)_(\d+)")


def htmlcs_sc(code: str) -> str | None:
    """"WCAG2AA.Principle1.Guideline1_1.1_1_1.H37" -> "1.1.1"."""
    m = _HTMLCS_SC.search(code)
    return ".".join(m.groups()) if m else None


def htmlcs_technique(code: str) -> str:
    return code.split(".", 4)[-1] if code.count(".") >= 4 else code


def node_key(paths: dict[str, str | None], sel: str) -> str:
    p = paths.get(sel or "")
    return p if p else f"unresolved:{sel}"


class Comparison:
    """Their findings against ours, both keyed (url, rule or criterion, DOM path)."""

    def __init__(self, name: str, theirs: dict[tuple, dict], ours: set[tuple], uncapped: set[tuple],
                 reason: Any, extra_label: Any, elements: set[tuple] | None = None):
        self.name = name
        self.theirs = theirs
        self.have = [k for k in theirs if k in ours]
        miss = [k for k in theirs if k not in ours]
        self.cap = [k for k in miss if k in uncapped]
        # By WCAG criterion only: the element is in our report, under another criterion (e.g. an unlabelled input,
        # HTML_CodeSniffer's F68 under 1.3.1, axe's `label` under 4.1.2).
        self.other = [k for k in miss if k not in uncapped and elements is not None and (k[0], k[2]) in elements]
        self.real = [k for k in miss if k not in uncapped and k not in self.other]
        self.extra = sorted(ours - set(theirs))
        self.reason = reason
        self.reasons: dict[str, list[tuple]] = defaultdict(list)
        for k in self.real:
            self.reasons[reason(k, theirs[k])].append(k)
        self.extra_by = Counter(extra_label(k) for k in self.extra)
        pr_theirs, pr_ours = {k[:2] for k in theirs}, {k[:2] for k in ours}
        self.page_level = (len(pr_theirs), len(pr_theirs & pr_ours), len(pr_ours - pr_theirs))


def compare_all(urls: list[str], found: dict[str, dict[str, Any]], ref: dict[str, dict[str, Any]],
                tags: dict[str, list[str]]) -> tuple[list[Comparison], dict[str, int]]:
    our_tagset = set(axe_js.RUN_OPTIONS["runOnly"]["values"])
    our_rules = {r for r, t in tags.items() if our_tagset & set(t)}
    sc_of = {r: sc_from_tags(t) for r, t in tags.items()}
    sc_tested = {sc for scs in sc_of.values() for sc in scs}
    ours_rep: set[tuple] = set()
    impact: dict[tuple, str] = {}
    review: set[tuple] = set()
    for url in urls:
        data = found["ours_whole"].get(url) or {}
        for key in ("violations", "review"):
            for v in data.get(key, []):
                # Our own checks (browsers/a11y_extra.js) carry their WCAG tags in the result.
                sc_of.setdefault(v["id"], sc_from_tags(v.get("tags", [])))
                for nd in v["nodes"]:
                    k = (url, v["id"], node_key(ref[url]["paths"], nd["target"]))
                    ours_rep.add(k)
                    impact[k] = "review" if key == "review" else (nd.get("impact") or v.get("impact") or "")
    sc_tested = {sc for scs in sc_of.values() for sc in scs}
    uncapped = {(url, r, p) for url in urls for kind in ("violations", "incomplete")
                for r, ps in ref[url][kind].items() for p in ps if p}
    to_sc = lambda keys: {(u, sc, p) for u, r, p in keys for sc in sc_of.get(r, [])}  # noqa: E731
    ours_rep_sc, uncapped_sc = to_sc(ours_rep), to_sc(uncapped)
    pages_sc = {k[:2] for k in ours_rep_sc}
    version = ref[urls[0]]["version"]

    def axe_reason(k: tuple, info: dict) -> str:
        url, rule, path = k
        r = ref[url]
        if rule not in tags:
            return f"{rule}: no such rule in our axe-core {version}"
        if rule not in our_rules:
            return f"{rule}: rule outside our tag set ({','.join(t for t in tags[rule] if not t.startswith('cat.'))})"
        if path.startswith("unresolved:"):
            return f"{rule}: their selector matches nothing in our load"
        if (info.get("runnerExtras") or {}).get("needsFurtherReview"):
            seen = "ours too" if path in r["incomplete"].get(rule, ()) else "ours does not"
            return (f"{rule}: axe's needs-review (incomplete) result, which pa11y reports as an error; "
                    f"{seen} (our report keeps violations only)")
        if path in r["incomplete"].get(rule, ()):
            return f"{rule}: our axe {version} leaves this element for review (incomplete), theirs fails it"
        if path in r["passes"].get(rule, ()):
            return f"{rule}: our axe {version} passes this element"
        return f"{rule}: our axe {version} does not apply the rule to this element"

    def htmlcs_reason(k: tuple, info: dict) -> str:
        url, sc, path = k
        r = ref[url]
        tech = htmlcs_technique(info["code"])
        if sc is None:
            return f"{tech}: no WCAG criterion in the code"
        head = f"{sc} {tech}"
        if sc not in sc_tested:
            return f"{head}: no axe rule tests {sc} (an HTML_CodeSniffer-only check)"
        rules = sorted(x for x in our_rules if sc in sc_of[x])
        if not rules:
            return f"{head}: only axe rules outside our tag set test {sc}"
        if path.startswith("unresolved:"):
            return f"{head}: their selector matches nothing in our load"
        other = sorted(x for x in our_rules if path in r["violations"].get(x, ()))
        if other:
            return (f"{head}: axe fails the same element under {', '.join(other)} "
                    f"({', '.join(sorted({c for x in other for c in sc_of[x]})) or 'best practice'})")
        if any(path in r["incomplete"].get(x, ()) for x in rules):
            return f"{head}: axe leaves the element for review (incomplete)"
        passing = [x for x in rules if path in r["passes"].get(x, ())]
        if passing:
            return f"{head}: axe passes the element ({', '.join(passing)})"
        text = re.sub(r"<[^>]*>", "", info.get("context") or "").strip()
        if sc == "1.4.3" and text and all(unicodedata.category(ch)[0] in "PSZ" for ch in text):
            return f"{head}: axe's color-contrast skips text of punctuation or symbols only ({text!r})"
        where = "flags it on other elements of the page" if (url, sc) in pages_sc else "does not flag it on the page"
        return f"{head}: no axe rule for {sc} looks at this element; axe {where}"

    comps: list[Comparison] = []
    axe_tool = "pa11y_cli_axe" if found.get("pa11y_cli_axe") else "pa11y_api_axe"
    if found.get(axe_tool):
        theirs = {(u, it["code"], node_key(ref[u]["paths"], it.get("selector"))): it
                  for u, issues in found[axe_tool].items() for it in issues if it.get("type") == "error"}
        comps.append(Comparison(f"pa11y --runner axe, errors [{'CLI' if 'cli' in axe_tool else 'API'}]", theirs,
                                ours_rep, uncapped, axe_reason,
                                lambda k: "impact moderate/minor (a pa11y warning/notice)"
                                if impact.get(k) in ("moderate", "minor") else
                                "axe needs review (pa11y: a warning)" if impact.get(k) == "review"
                                else "our own check" if k[1].startswith("ga-") else "serious/critical"))
    if found.get("lighthouse"):
        theirs, lh_rules = {}, set()
        for u, report in found["lighthouse"].items():
            for aref in report["categories"]["accessibility"]["auditRefs"]:
                a = report["audits"][aref["id"]]
                lh_rules.add(aref["id"])
                if a.get("score") != 0:
                    continue
                for item in (a.get("details") or {}).get("items", []):
                    node = item.get("node") or {}
                    theirs[(u, aref["id"], node.get("path") or f"unresolved:{node.get('selector')}")] = {
                        "code": aref["id"], "selector": node.get("selector", ""), "context": node.get("snippet", "")}
        comps.append(Comparison("lighthouse accessibility, failing audits", theirs, ours_rep, uncapped, axe_reason,
                                lambda k: "rule not among Lighthouse's audits" if k[1] not in lh_rules
                                else "a Lighthouse audit"))
    cs_tool = "pa11y_cli_htmlcs" if found.get("pa11y_cli_htmlcs") else "pa11y_api_htmlcs"
    if found.get(cs_tool):
        theirs = {(u, htmlcs_sc(it["code"]), node_key(ref[u]["paths"], it.get("selector"))): it
                  for u, issues in found[cs_tool].items() for it in issues if it.get("type") == "error"}
        comps.append(Comparison(f"pa11y htmlcs (default), errors, by WCAG SC [{'CLI' if 'cli' in cs_tool else 'API'}]",
                                theirs, ours_rep_sc, uncapped_sc, htmlcs_reason, lambda k: f"SC {k[1]}",
                                elements={(u, p) for u, _, p in ours_rep}))
    stats = {"ours": len(ours_rep), "uncapped": len(uncapped), "ours_sc": len(ours_rep_sc),
             "unresolved": sum(1 for k in ours_rep if k[2].startswith("unresolved:"))}
    return comps, stats


def _stat(v: list[float]) -> tuple[float, float, float]:
    v = sorted(v)
    return statistics.mean(v), statistics.median(v), v[min(len(v) - 1, int(0.95 * len(v)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=int, default=0, help="N sample-site pages spread over the site (default: all)")
    ap.add_argument("--standins", action="store_true", help="our pass gets the national-service stand-ins")
    ap.add_argument("--no-api", action="store_true", help="skip pa11y's Node API runs")
    ap.add_argument("--no-lighthouse", action="store_true")
    ap.add_argument("--examples", type=int, default=1, help="examples listed per reason a finding is missed")
    args = ap.parse_args()

    versions = ensure_tools()
    server, base = sample_site.serve()
    truth = sample_site.truth()
    host = truth["site"]["host"]
    paths = list(truth["pages"])
    if args.pages and args.pages < len(paths):  # spread over the site: lists, articles, services, variants
        paths = [paths[round(i * (len(paths) - 1) / max(1, args.pages - 1))] for i in range(args.pages)]
    urls = [f"http://{host}{p}" for p in paths]
    host_map = {host: f"127.0.0.1:{base.rsplit(':', 1)[1]}"}
    tmp = Path(tempfile.mkdtemp(prefix="govaudit-bench-a11y-"))
    s = Settings(database_url=f"sqlite:///{tmp}/b.db", evidence_dir=str(tmp / "ev"), host_map=host_map,
                 allow_private=True, isolate_network=True, standins=args.standins)
    chromium = subprocess.run([CHROMIUM_PATH, "--version"], capture_output=True, text=True).stdout.strip()

    load0 = os.getloadavg()
    t0 = time.perf_counter()
    times, found, errors = asyncio.run(timed_run(urls, s, host_map, tmp, not args.no_api, not args.no_lighthouse))
    minutes = (time.perf_counter() - t0) / 60
    load1 = os.getloadavg()
    (tmp / "findings.json").write_text(json.dumps({"urls": urls, "times": times, "found": found, "errors": errors},
                                                  ensure_ascii=False), encoding="utf-8")
    ref, tags = asyncio.run(reference_load(urls, s, found))
    server.shutdown()

    print(f"\npages: {len(urls)} sample-site pages, every tool on each page in turn, {minutes:.1f} min; "
          f"load average {load0[0]:.1f} at the start, {load1[0]:.1f} at the end, {os.cpu_count()} cores")
    print(f"browser: {chromium} ({CHROMIUM_PATH}) for every tool; ours: axe-core {ref[urls[0]]['version']}, "
          f"stand-ins {'on' if args.standins else 'off'}")
    print("tools: " + ", ".join(f"{k} {v}" for k, v in versions.items()))
    w_mean, w_med, _ = _stat(times["ours_whole"])
    a_mean, _, _ = _stat(times["ours_a11y"])
    print(f"\n{'per page, seconds':46}{'mean':>8}{'median':>8}{'p95':>8}{'÷ours whole':>13}{'÷ours a11y':>12}"
          f"{'failed':>8}")
    for tool in TOOLS:
        if not times.get(tool):
            continue
        mean, med, p95 = _stat(times[tool])
        r1 = "" if tool.startswith("ours") else f"{mean / w_mean:.1f}x"
        r2 = "" if tool.startswith("ours") else f"{mean / a_mean:.1f}x"
        print(f"{LABELS[tool]:46}{mean:>8.3f}{med:>8.3f}{p95:>8.3f}{r1:>13}{r2:>12}{len(errors.get(tool, [])):>8}")
    steps = {k: statistics.mean(times[f"step_{k}"]) for k in ("load", "probe", "screenshot", "axe")
             if times.get(f"step_{k}")}
    if steps:
        print("ours, whole page audit by step (mean s): " + ", ".join(f"{k} {v:.3f}" for k, v in steps.items())
              + f", rest (context, navigation set-up, close) {w_mean - sum(steps.values()):.3f}")
    print("(÷ours: their mean over ours, i.e. how many times faster ours is; 'ours whole' is the number the "
          "target is judged on)")
    if times.get("pa11y_cli_htmlcs"):
        r_mean = statistics.mean(times["pa11y_cli_htmlcs"]) / w_mean
        r_med = statistics.median(times["pa11y_cli_htmlcs"]) / w_med
        print(f"target >= 3x faster per page than pa11y (CLI per URL, default runner), our whole page audit: "
              f"{r_mean:.1f}x by mean, {r_med:.1f}x by median -> {'MET' if min(r_mean, r_med) >= 3 else 'NOT MET'}")
    if times.get("pa11y_api_htmlcs"):
        r = statistics.mean(times["pa11y_api_htmlcs"]) / w_mean
        print(f"  against pa11y's best case (Node API, one warm browser, htmlcs): {r:.1f}x")
    for tool, errs in errors.items():
        for e in errs[:3]:
            print(f"  failed {tool}: {e}")

    comps, st = compare_all(urls, found, ref, tags)
    print(f"\nviolations, keyed (page, axe rule or WCAG SC, element); ours = what our report lists (violations "
          f"and 需人工复核) "
          f"(<= {LISTED_CAP} nodes per rule, the count gives the rest): {st['ours']} (page, rule, element) "
          f"findings, {st['uncapped']} uncapped, {st['unresolved']} of our selectors unresolved")
    print(f"{'':56}{'theirs':>7}{'we have':>8}{'b.cap':>7}{'oth.SC':>7}{'missed':>7}{'extra':>7}"
          f"{'page-level th/have/extra':>26}")
    for c in comps:
        pl = "/".join(str(x) for x in c.page_level)
        print(f"{c.name:56}{len(c.theirs):>7}{len(c.have):>8}{len(c.cap):>7}{len(c.other):>7}{len(c.real):>7}"
              f"{len(c.extra):>7}{pl:>26}")
    print("(b.cap: our axe fails the element too but the report lists only the first nodes of the rule; "
          "oth.SC: the element is in our report under another WCAG criterion; missed: not in our report; "
          "extra: ours, not theirs)")
    pa = [c for c in comps if c.name.startswith("pa11y")]
    listed = all(not c.real and not c.cap and not c.other for c in pa)
    elements = all(not c.real and not c.cap for c in pa)
    print(f"superset of pa11y's errors: as our report lists them, same rule or criterion and element "
          f"{'YES' if listed else 'NO'}; same element {'YES' if elements else 'NO'}")
    for c in pa:
        for k in c.other:
            print(f"  oth.SC, {k[0].split(host, 1)[1]} {c.theirs[k].get('selector', '')}: {c.reason(k, c.theirs[k])}")
    for c in comps:
        print(f"\n{c.name}: extra by kind: "
              + (", ".join(f"{k} {n}" for k, n in c.extra_by.most_common(8)) or "none"))
        if not c.real:
            print("  nothing missed")
            continue
        print(f"  missed {len(c.real)}, by reason:")
        for reason, keys in sorted(c.reasons.items(), key=lambda kv: -len(kv[1])):
            print(f"  {len(keys):5}  {reason}")
            for k in keys[: args.examples]:
                info = c.theirs[k]
                ctx = re.sub(r"\s+", " ", info.get("context") or "")[:80]
                print(f"         e.g. {k[0].split(host, 1)[1]}  {(info.get('selector') or '')[:60]}  {ctx}")
    print(f"\nraw findings: {tmp / 'findings.json'}")


if __name__ == "__main__":
    main()
