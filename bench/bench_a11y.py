"""Accessibility bench: our axe pass vs pa11y (HTML_CodeSniffer and axe runners) and Lighthouse's accessibility
category, side by side in one run on the sample site, in the same Debian Chromium.

    .venv/bin/python bench/bench_a11y.py [--pages N] [--standins] [--no-api] [--no-lighthouse]

pa11y and Lighthouse come from the npm registry and are installed, if missing, by this script into a folder
outside the work tree (default ~/.cache/govsite-auditor/bench-node, or $GOVAUDIT_BENCH_NODE) with
`npm install --no-save --no-audit --no-fund`, pinned: pa11y 9.1.1 (puppeteer 24, axe-core 4.11, HTML_CodeSniffer
2.6) and lighthouse 12.8.2 (axe-core 4.14.1, as ours), the newest releases whose engines accept Node 20. Their
own browser downloads are skipped (PUPPETEER_SKIP_DOWNLOAD); both drive /usr/lib/chromium/chromium.

Timed per page, interleaved page by page so drift in the machine's load does not favour any side:
  - ours, the whole page audit: PageFetcher.fetch(url, a11y=True) in one shared Chromium, a fresh context per page
    (load + probe + full-page screenshot + axe with boxes), as govaudit runs it;
  - ours, load + axe only (fetch without probe and screenshot), and the axe step alone (res.timings["axe"]);
  - pa11y CLI, one process per URL as auditors run it (browser start included), default runner htmlcs and
    --runner axe;
  - pa11y's Node API with one shared browser (a long-lived node process), both runners: its best case;
  - lighthouse CLI per URL, --only-categories=accessibility --preset=desktop, viewport 1366x900 as ours.
The tools start cold on their first page; that page is run once untimed by every tool first.

Violations are compared after the timing, in one more untimed load of each page in our Chromium: every tool's
selectors (and Lighthouse's DOM paths) are resolved there to one DOM path per element. pa11y's errors (type
"error"; its axe runner reports only serious/critical violations as errors) and Lighthouse's failing audits
(score 0) are set against our violations: axe-based tools by (page, axe rule, element), htmlcs by
(page, WCAG success criterion, element), each also at the coarser (page, rule or criterion) level. Each finding
we miss gets a reason. Our report lists at most `a11y_node_cap` nodes per rule (the count says how many axe
found), so the same load also runs our axe uncapped to tell "beyond the cap" from a real miss.

All three tools see the same page: by default the national-service badge scripts (dcs.conac.cn, the https
找错 script) fail to resolve in all of them, as pa11y's and Lighthouse's CLIs cannot route them to our stand-ins;
--standins gives our pass its stand-ins (its DOM then has the badges the others lack). No traffic leaves the
machine: every browser gets --host-resolver-rules mapping www.shifan.gov.cn to the local server and everything
else to NOTFOUND, Lighthouse runs with --no-enable-error-reporting, npm without audit, fund or update checks.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
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
NODE_DIR = Path(os.environ.get("GOVAUDIT_BENCH_NODE", Path.home() / ".cache" / "govsite-auditor" / "bench-node"))

NODE_ENV = {
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
# compare directly; the selectors of the other tools are resolved with querySelector first.
PATHS_JS = r"""(sels) => {
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
  return sels.map(s => {
    if (!s) return null;
    let el = null;
    try { el = document.querySelector(s); } catch (e) { el = null; }
    return el ? nodePath(el) : null;
  });
}"""

RULES_JS = "() => axe.getRules().map(r => [r.ruleId, r.tags])"


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
                       check=True, env={**os.environ, **NODE_ENV})
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
                                                cwd=NODE_DIR, env={**os.environ, **NODE_ENV})
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
            stdout=asyncio.subprocess.PIPE, cwd=NODE_DIR, env={**os.environ, **NODE_ENV}, limit=2**26)
        ready = json.loads(await self.proc.stdout.readline())
        assert ready.get("ready"), ready

    async def run(self, url: str, runner: str) -> tuple[float, list[dict] | None, str]:
        t0 = time.perf_counter()
        self.proc.stdin.write((json.dumps({"url": url, "runner": runner}) + "\n").encode())
        await self.proc.stdin.drain()
        out = json.loads(await self.proc.stdout.readline())
        secs = time.perf_counter() - t0
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

TOOLS = ["ours_whole", "ours_a11y", "ours_axe", "pa11y_cli_htmlcs", "pa11y_cli_axe", "pa11y_api_htmlcs",
         "pa11y_api_axe", "lighthouse"]
LABELS = {
    "ours_whole": "ours: whole page audit (load+probe+shot+axe)",
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
    async with PageFetcher(s) as fetcher:
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
            keep("ours_axe", res.timings.get("axe", 0.0), res.axe, res.error or axe_err or "")
            t0 = time.perf_counter()
            res2 = await fetcher.fetch(url, screenshot=False, probe=False, a11y=True)
            keep("ours_a11y", time.perf_counter() - t0, res2.axe, res2.error or "")
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


# ---------------------------------------------------------------------------------------------- the comparison

_HTMLCS_SC = re.compile(r"Guideline\d+_\d+\.(\d+)_(\d+)_(\d+)")


def htmlcs_sc(code: str) -> str | None:
    """"WCAG2AA.Principle1.Guideline1_1.1_1_1.H37" -> "1.1.1"."""
    m = _HTMLCS_SC.search(code)
    return ".".join(m.groups()) if m else None


def htmlcs_technique(code: str) -> str:
    return code.split(".", 4)[-1] if code.count(".") >= 4 else code


def compare(theirs: dict[tuple, dict], ours: set[tuple], ours_full: set[tuple], reason: Any) -> dict[str, Any]:
    """theirs: key -> info; ours: keys we report; ours_full: keys our uncapped axe finds. Keys: (url, rule, node)."""
    have = [k for k in theirs if k in ours]
    miss = [k for k in theirs if k not in ours]
    cap = [k for k in miss if k in ours_full]
    real = [k for k in miss if k not in ours_full]
    page_rule_theirs = {k[:2] for k in theirs}
    page_rule_ours = {k[:2] for k in ours}
    return {"theirs": len(theirs), "have": len(have), "miss": len(miss), "cap": len(cap), "real": real,
            "extra": len(ours - set(theirs)), "ours": len(ours),
            "pr_theirs": len(page_rule_theirs), "pr_have": len(page_rule_theirs & page_rule_ours),
            "pr_extra": len(page_rule_ours - page_rule_theirs),
            "reasons": Counter(reason(k, theirs[k]) for k in real), "examples": [(k, theirs[k]) for k in real]}


def node_key(paths: dict[str, str | None], sel: str) -> str:
    p = paths.get(sel)
    return p if p else f"unresolved:{sel}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=int, default=0, help="first N sample-site pages (default: all)")
    ap.add_argument("--standins", action="store_true", help="our pass gets the national-service stand-ins")
    ap.add_argument("--no-api", action="store_true", help="skip pa11y's Node API runs")
    ap.add_argument("--no-lighthouse", action="store_true")
    ap.add_argument("--examples", type=int, default=6, help="misses listed per comparison")
    args = ap.parse_args()

    versions = ensure_tools()
    server, base = sample_site.serve()
    truth = sample_site.truth()
    host = truth["site"]["host"]
    paths = list(truth["pages"])
    paths = paths[: args.pages] if args.pages else paths
    urls = [f"http://{host}{p}" for p in paths]
    host_map = {host: f"127.0.0.1:{base.rsplit(':', 1)[1]}"}
    tmp = Path(tempfile.mkdtemp(prefix="govaudit-bench-a11y-"))
    s = Settings(database_url=f"sqlite:///{tmp}/b.db", evidence_dir=str(tmp / "ev"), host_map=host_map,
                 allow_private=True, isolate_network=True, standins=args.standins)
    chromium = subprocess.run([CHROMIUM_PATH, "--version"], capture_output=True, text=True).stdout.strip()

    t_all = time.perf_counter()
    times, found, errors = asyncio.run(timed_run(urls, s, host_map, tmp, not args.no_api, not args.no_lighthouse))
    t_timed = time.perf_counter() - t_all
    ref, rules = asyncio.run(reference_and_paths(urls, s, found))
    server.shutdown()
    (tmp / "findings.json").write_text(json.dumps({"found": found, "errors": errors}, ensure_ascii=False),
                                       encoding="utf-8")

    # ---- timing table
    n = len(urls)
    print(f"\npages: {n} sample-site pages, timed one by one, tools interleaved per page ({t_timed / 60:.1f} min)")
    print(f"browser: {chromium} ({CHROMIUM_PATH}) for every tool; our axe-core "
          f"{(ref[urls[0]]['full'] or {}).get('version', '?')}")
    print("tools: " + ", ".join(f"{k} {v}" for k, v in versions.items()))
    ours_w = statistics.mean(times["ours_whole"]) if times["ours_whole"] else float("nan")
    ours_a = statistics.mean(times["ours_a11y"]) if times["ours_a11y"] else float("nan")
    ours_wm = statistics.median(times["ours_whole"]) if times["ours_whole"] else float("nan")
    print(f"\n{'per page, seconds':46}{'mean':>8}{'median':>8}{'p95':>8}{'÷ours whole':>13}{'÷ours a11y':>12}"
          f"{'errors':>8}")
    for tool in TOOLS:
        v = sorted(times.get(tool, []))
        if not v:
            continue
        mean, med, p95 = statistics.mean(v), statistics.median(v), v[min(len(v) - 1, int(0.95 * len(v)))]
        r1 = f"{mean / ours_w:.1f}x" if not tool.startswith("ours") else ""
        r2 = f"{mean / ours_a:.1f}x" if not tool.startswith("ours") else ""
        print(f"{LABELS[tool]:46}{mean:>8.3f}{med:>8.3f}{p95:>8.3f}{r1:>13}{r2:>12}{len(errors.get(tool, [])):>8}")
    if times.get("pa11y_cli_htmlcs"):
        r_mean = statistics.mean(times["pa11y_cli_htmlcs"]) / ours_w
        r_med = statistics.median(times["pa11y_cli_htmlcs"]) / ours_wm
        print(f"target >= 3x faster per page than pa11y (CLI, default runner) with our whole page audit: "
              f"{r_mean:.1f}x by mean, {r_med:.1f}x by median -> {'met' if min(r_mean, r_med) >= 3 else 'NOT met'}")
    if times.get("pa11y_api_htmlcs"):
        r = statistics.mean(times["pa11y_api_htmlcs"]) / ours_w
        print(f"  against pa11y's best case (Node API, warm shared browser, htmlcs): {r:.1f}x "
              f"-> {'met' if r >= 3 else 'NOT met'}")
    for tool, errs in errors.items():
        for e in errs[:3]:
            print(f"  error {tool}: {e}")

    # ---- violation sets
    rule_tags = rules
    ours_tagset = set(axe_js.RUN_OPTIONS["runOnly"]["values"])
    our_rules = {r for r, t in rule_tags.items() if ours_tagset & set(t)}
    sc_tested = {sc for t in rule_tags.values() for sc in sc_from_tags(t)}
    ours_rep: set[tuple] = set()
    ours_full: set[tuple] = set()
    ours_rep_sc: set[tuple] = set()
    ours_full_sc: set[tuple] = set()
    incomplete: dict[str, set[str]] = {}
    counts: dict[tuple, int] = {}
    for url in urls:
        pm = ref[url]["paths"]
        rep = found["ours_whole"].get(url) or {}
        for v in rep.get("violations", []):
            counts[(url, v["id"])] = v["count"]
            for nd in v["nodes"]:
                ours_rep.add((url, v["id"], node_key(pm, nd["target"])))
                for sc in sc_from_tags(v["tags"]):
                    ours_rep_sc.add((url, sc, node_key(pm, nd["target"])))
        full = ref[url]["full"]
        incomplete[url] = set(full.get("incomplete", []))
        for v in full["violations"]:
            for nd in v["nodes"]:
                ours_full.add((url, v["id"], node_key(pm, nd["target"])))
                for sc in sc_from_tags(v["tags"]):
                    ours_full_sc.add((url, sc, node_key(pm, nd["target"])))
    ours_pr = {k[:2] for k in ours_rep}
    ours_pr_sc = {k[:2] for k in ours_rep_sc}

    def axe_reason(k: tuple, info: dict) -> str:
        url, rule, _ = k
        if rule not in rule_tags:
            return f"rule {rule} not in our axe-core {ref[urls[0]]['full'].get('version', '')}"
        if rule not in our_rules:
            return f"rule {rule} outside our tag set (tags {','.join(rule_tags[rule])})"
        if rule in incomplete[url]:
            return f"{rule}: our axe says needs review (incomplete) here"
        if (url, rule) in ours_pr:
            return f"{rule}: same rule on the page, other elements"
        return f"{rule}: our axe finds no violation of it on the page"

    def htmlcs_reason(k: tuple, info: dict) -> str:
        url, sc, _ = k
        tech = htmlcs_technique(info["code"])
        if sc is None:
            return f"{tech}: no WCAG criterion in the code"
        if sc not in sc_tested:
            return f"{sc} {tech}: no axe rule tests {sc} (htmlcs-only check)"
        scs_rules = [r for r, t in rule_tags.items() if sc in sc_from_tags(t)]
        if any(r in incomplete[url] for r in scs_rules):
            return f"{sc} {tech}: axe needs review (incomplete) for {sc} here"
        if (url, sc) in ours_pr_sc:
            return f"{sc} {tech}: axe flags {sc} on the page, other elements"
        return f"{sc} {tech}: axe passes what htmlcs fails"

    comparisons: list[tuple[str, dict]] = []
    axe_tool = "pa11y_cli_axe" if "pa11y_cli_axe" in found else "pa11y_api_axe"
    if axe_tool in found:
        theirs = {}
        for url, issues in found[axe_tool].items():
            pm = ref[url]["paths"]
            for it in issues or []:
                if it.get("type") == "error":
                    theirs[(url, it["code"], node_key(pm, it.get("selector", "")))] = it
        comparisons.append(("pa11y axe (errors), by axe rule + element",
                            compare(theirs, ours_rep, ours_full, axe_reason)))
    if "lighthouse" in found:
        theirs = {}
        for url, report in found["lighthouse"].items():
            for ref_ in report["categories"]["accessibility"]["auditRefs"]:
                a = report["audits"][ref_["id"]]
                if a.get("score") == 0:
                    for item in (a.get("details") or {}).get("items", []):
                        node = item.get("node") or {}
                        theirs[(url, ref_["id"], node.get("path") or f"unresolved:{node.get('selector')}")] = {
                            "code": ref_["id"], "selector": node.get("selector", ""),
                            "context": node.get("snippet", "")}
        comparisons.append(("lighthouse failing audits, by axe rule + element",
                            compare(theirs, ours_rep, ours_full, axe_reason)))
    cs_tool = "pa11y_cli_htmlcs" if "pa11y_cli_htmlcs" in found else "pa11y_api_htmlcs"
    if cs_tool in found:
        theirs = {}
        for url, issues in found[cs_tool].items():
            pm = ref[url]["paths"]
            for it in issues or []:
                if it.get("type") == "error":
                    theirs[(url, htmlcs_sc(it["code"]), node_key(pm, it.get("selector", "")))] = it
        comparisons.append(("pa11y htmlcs (errors), by WCAG criterion + element",
                            compare(theirs, ours_rep_sc, ours_full_sc, htmlcs_reason)))

    print(f"\nviolations (ours = what our report lists, {s.a11y_node_cap} nodes per rule at most; "
          f"'beyond cap' = found by our axe, not listed)")
    print(f"{'':52}{'theirs':>7}{'we have':>8}{'missed':>8}{'b.cap':>7}{'real':>6}{'extra':>7}"
          f"{'page-level theirs/have/extra':>30}")
    for name, c in comparisons:
        pl = f"{c['pr_theirs']}/{c['pr_have']}/{c['pr_extra']}"
        print(f"{name:52}{c['theirs']:>7}{c['have']:>8}{c['miss']:>8}{c['cap']:>7}{len(c['real']):>6}"
              f"{c['extra']:>7}{pl:>30}")
    unresolved = sum(1 for k in ours_rep if k[2].startswith("unresolved:"))
    print(f"(ours lists {len(ours_rep)} (page, rule, element) findings, {len(ours_full)} uncapped; "
          f"{unresolved} of our selectors did not resolve in the reference load)")
    for name, c in comparisons:
        if not c["real"]:
            print(f"\n{name}: nothing missed beyond the node cap")
            continue
        print(f"\n{name}: {len(c['real'])} missed, by reason:")
        for r, k in c["reasons"].most_common(12):
            print(f"  {k:5}  {r}")
        print("  first few:")
        for k, info in c["examples"][: args.examples]:
            ctx = re.sub(r"\s+", " ", info.get("context") or "")[:90]
            print(f"    {k[0].split(host, 1)[1]}  {info['code']}  {info.get('selector', '')[:70]}  {ctx}")
    print(f"\nraw findings: {tmp / 'findings.json'}")


async def reference_and_paths(urls: list[str], s: Settings, found: dict[str, dict[str, Any]]
                              ) -> tuple[dict[str, dict], dict[str, list[str]]]:
    """The untimed reference load of each page (see reference_pass), resolving every tool's selectors."""
    from playwright.async_api import async_playwright

    from browsers.launch import launch_chromium

    out: dict[str, dict] = {}
    rules: dict[str, list[str]] = {}
    async with async_playwright() as p:
        browser = await launch_chromium(p, s.host_map, isolate=True)
        for url in urls:
            ctx = await browser.new_context(user_agent=s.user_agent, locale="zh-CN", service_workers="block",
                                            viewport={"width": s.viewport_width, "height": s.viewport_height})
            if s.standins:
                await standins.install(ctx)
            page = await ctx.new_page()
            await page.goto(url, wait_until="load", timeout=60_000)
            sels: set[str] = set()
            for tool in ("ours_whole", "pa11y_cli_axe", "pa11y_api_axe", "pa11y_cli_htmlcs", "pa11y_api_htmlcs"):
                data = found.get(tool, {}).get(url)
                if tool == "ours_whole" and data:
                    sels |= {nd["target"] for v in data.get("violations", []) for nd in v["nodes"]}
                elif data:
                    sels |= {it.get("selector", "") for it in data}
            # the uncapped axe run comes after the selectors are resolved: axe leaves the DOM as it found it,
            # but resolving first keeps the paths those of the page as loaded
            sel_list = sorted(x for x in sels if x)
            paths = dict(zip(sel_list, await page.evaluate(PATHS_JS, [x if " >>> " not in x else "" for x in sel_list])))
            full = compact(await axe_js.run_playwright(page), node_cap=10**6)
            extra = sorted({nd["target"] for v in full["violations"] for nd in v["nodes"]} - set(paths))
            if extra:
                paths.update(zip(extra, await page.evaluate(PATHS_JS, [x if " >>> " not in x else "" for x in extra])))
            if not rules:
                rules = {r: t for r, t in await page.evaluate(RULES_JS)}
            out[url] = {"full": full, "paths": paths}
            await ctx.close()
        await browser.close()
    return out, rules


if __name__ == "__main__":
    main()
