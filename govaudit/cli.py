"""govaudit: the command line, and the one place that wires the rooms (domain, browsers, workers) together."""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import time

from auditor import __version__, lengths, profile
from govaudit.cli_args import ChineseArgumentParser, fits, host_map_pair, iso_date, positive_int
from govaudit.cli_a11y_report import add_a11y_report_command
from auditor.config import ConfigError, Settings, load_settings
from auditor.models import SITE_CODE_RE, STATUS_ZH, SiteProfile, Status
from auditor.netpolicy import TargetRefused, normalise_url
from browsers import predriver

# The database layer (SQLAlchemy), the reports and the rules are imported where a command uses them: a one-page
# audit starts its browser first and imports them while it starts (docs/performance.md, start-up).
if TYPE_CHECKING:
    from auditor.store import Store

EXIT_OK, EXIT_FINDINGS, EXIT_BAD_INPUT = 0, 1, 2


def cli_user() -> str:
    """Who started a run from the command line (runs.started_by): «命令行（login name）»."""
    import getpass

    try:
        return f"命令行（{getpass.getuser()}）"[:80]
    except Exception:  # noqa: BLE001 - no login name in some containers
        return "命令行"


def _err(msg: str) -> None:
    print(f"错误：{msg}", file=sys.stderr)


def _host_map(pairs: list[tuple[str, str]] | list[str] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for p in pairs or []:
        k, v = p if isinstance(p, tuple) else host_map_pair(p)
        out[k] = v
    return out


def _open_store(settings: Settings) -> Store:
    """The database, migrated to the newest schema (StoreError in Chinese when it cannot be used)."""
    from auditor.store import Store

    with profile.phase("db"):
        store = Store(settings.database_url)
        store.upgrade()
    return store


def _settings(args: argparse.Namespace) -> Settings:
    t0 = time.perf_counter()
    s = load_settings(getattr(args, "config", None))
    changes = {}
    if getattr(args, "profile", False):
        changes["profile"] = True
    if getattr(args, "allow_private", False):
        changes["allow_private"] = True
    if getattr(args, "concurrency", None):
        changes["concurrency"] = args.concurrency
    if getattr(args, "no_ocr", False):
        changes["ocr"] = False
    if getattr(args, "standins", False):
        changes["standins"] = True
    if getattr(args, "offline", False):
        changes["isolate_network"] = True
    hm = _host_map(getattr(args, "host_map", None))
    if hm:
        changes["host_map"] = {**s.host_map, **hm}
    if getattr(args, "evidence_dir", None):
        changes["evidence_dir"] = args.evidence_dir
    if getattr(args, "database_url", None):
        changes["database_url"] = args.database_url
    if getattr(args, "engine", None):
        changes["engine"] = args.engine
    if getattr(args, "grid", None):
        changes["selenium_grid_url"] = args.grid
    if getattr(args, "no_a11y", False):
        changes["a11y"] = False
    if getattr(args, "elderly", None):
        changes["elderly"] = args.elderly
    if getattr(args, "wording", None):
        changes["wording_files"] = [*s.wording_files, *args.wording]
    s = s.replace(**changes)
    if s.profile and not profile.current().enabled:
        from govaudit import STARTED

        profile.enable(STARTED).add("startup", _main_entered - STARTED)
        profile.add("settings", time.perf_counter() - t0)
    if s.wording_files:  # a bad wording file is bad input: exit 2 with file, line and what is wrong
        from auditor.rules import content_wording

        content_wording.use(s.wording_files)
    return s


def _a11y_options(sp: argparse.ArgumentParser) -> None:
    """Browser engine and the 无障碍/适老化 pass, shared by the audit commands."""
    sp.add_argument("--engine", choices=["playwright", "selenium"],
                    help="浏览器引擎（默认 playwright；selenium 使用 chromedriver 或 --grid）")
    sp.add_argument("--grid", metavar="URL", help="Selenium Grid 地址（--engine selenium 时使用远程浏览器）")
    sp.add_argument("--no-a11y", action="store_true", help="不做无障碍（axe-core）检查")
    sp.add_argument("--elderly", choices=["home", "all", "off"],
                    help="无障碍/适老化入口与适老化检查：首页（默认）、全部页面或不做")
    sp.add_argument("--wording", action="append", metavar="FILE",
                    help="追加的固定表述词表（格式同 auditor/data/wording.tsv，可重复）")
    _profile_option(sp)


def _profile_option(sp: argparse.ArgumentParser) -> None:
    sp.add_argument("--profile", action="store_true",
                    help="结束后在标准错误输出各阶段用时（启动、浏览器、加载、截图、axe、规则、证据、数据库等）")


def _progress(done: int, total: int, out: object) -> None:
    o = out  # PageOutcome
    state = f"错误：{o.error}" if o.error else f"{sum(1 for c in o.checks if c.status.is_finding)} 项问题"  # type: ignore[attr-defined]
    print(f"[{done}/{total}] {o.url}  {state}  ({o.seconds:.1f}s)", file=sys.stderr, flush=True)  # type: ignore[attr-defined]


def _runner_modules() -> tuple[Any, Any, Any]:
    """What a page run needs beyond the browser: the embedded runner (with the rules), the store and the report."""
    import auditor.report
    import auditor.store
    import clients.linkcheck  # noqa: F401 - the run's national-service probe uses it first thing
    import workers.inprocess

    return workers.inprocess, auditor.store, auditor.report


def audit_urls(settings: Settings, urls: list[str], site: SiteProfile, json_path: str | None,
               quiet: bool = False) -> tuple[int, dict]:
    """Run an audit of the URLs on the embedded runner, print the table, write JSON; returns (exit code, doc)."""
    with profile.phase("startup"):
        from workers.launch import launch, stop

    async def audit() -> tuple[Any, Any, int]:
        # The browser starts first (Playwright's driver, the egress proxy and Chromium are processes of their own);
        # the runner, the rules and the database layer are imported in the meantime, which on one page was a
        # quarter of the run when done before it.
        launched = launch(settings)
        try:
            with profile.phase("startup"):
                inprocess, store_mod, report = await asyncio.to_thread(_runner_modules)
            with profile.phase("db"):
                store = store_mod.Store(settings.database_url)  # migrated by run_pages while the browser starts
        except BaseException:
            await stop(launched)
            raise
        run_id = await inprocess.run_pages(settings, store, urls, site, progress=None if quiet else _progress,
                                           started_by=cli_user(), prepare=store.upgrade, launched=launched)
        return store, report, run_id

    runner = predriver.runner()  # the loop Playwright's driver was spawned on, if the entry point began it
    try:
        store, report, run_id = runner.run(audit())
    finally:
        predriver.discard()  # a driver begun for another engine: stopped
        runner.close()
    with profile.phase("db"):
        run = store.run_with_pages(run_id)
    with profile.phase("report"):
        doc = report.run_document(run, settings.evidence_dir)
        doc["run"]["database"] = settings.database_url
        print(report.findings_table(doc))
    if json_path:
        Path(json_path).parent.mkdir(parents=True, exist_ok=True)
        Path(json_path).write_text(json.dumps(doc, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
        print(f"JSON 报告：{Path(json_path).resolve()}")
    audited = [p for p in doc["pages"] if not p["error"]]
    if not audited:
        _err("没有任何页面完成检查")
        return EXIT_BAD_INPUT, doc
    return (EXIT_FINDINGS if report.has_findings(run) else EXIT_OK), doc


def cmd_audit(args: argparse.Namespace) -> int:
    settings = _settings(args)
    urls, bad = [], []
    for raw in dict.fromkeys(args.urls):
        try:
            url = normalise_url(raw)
        except TargetRefused as exc:
            bad.append(str(exc))
            continue
        if len(url) > _url_limit():
            bad.append(f"网址太长：{len(url)} 个字符，最多 {_url_limit()} 个（{url[:60]}…）")
            continue
        urls.append(url)
    for b in bad:
        _err(b)
    if not urls:
        return EXIT_BAD_INPUT
    if args.site_code and not SITE_CODE_RE.match(args.site_code):
        _err(f"网站标识码格式不正确：{args.site_code}（应为10位数字或bm加8位数字）")
        return EXIT_BAD_INPUT
    code, _ = audit_urls(settings, urls, SiteProfile(args.site_name, args.site_code), args.json)
    return EXIT_BAD_INPUT if bad and code == EXIT_OK else code


def _url_limit() -> int:
    return lengths.PAGE_URL


def cmd_audit_site(args: argparse.Namespace) -> int:
    """Audit a whole site: crawl plan, every sampled page, links, column freshness, per-rule summary."""
    from auditor.report import site_document, site_table
    from workers.siterun import run_site

    settings = _settings(args)
    if args.max_pages:
        settings = settings.replace(max_pages=args.max_pages)
    if args.per_template:
        settings = settings.replace(per_template=args.per_template)
    try:
        url = normalise_url(args.url)
    except TargetRefused as exc:
        _err(str(exc))
        return EXIT_BAD_INPUT
    today = args.today
    store = _open_store(settings)

    def progress(stage: str, done: int, total: int, msg: str) -> None:
        print(f"[{'页面' if stage == 'pages' else '链接'} {done}/{total}] {msg}", file=sys.stderr, flush=True)

    try:
        run_id = asyncio.run(run_site(settings, store, url, SiteProfile(args.site_name, args.site_code),
                                      started_by=cli_user(),
                                      today=today, progress=progress, links=not args.no_links))
    except TargetRefused as exc:
        _err(str(exc))
        return EXIT_BAD_INPUT
    doc = site_document(store.run_with_pages(run_id), settings.evidence_dir)
    print(site_table(doc))
    if args.json:
        Path(args.json).write_text(json.dumps(doc, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
        print(f"JSON 报告：{Path(args.json).resolve()}")
    if not any(not p["error"] for p in doc["pages"]):
        _err("首页无法打开，没有任何页面完成检查")
        return EXIT_BAD_INPUT
    bad = any(c["status"] in ("fail", "warn") for c in doc["site_checks"])
    return EXIT_FINDINGS if bad else EXIT_OK


def cmd_ipv6(args: argparse.Namespace) -> int:
    """IPv6 reachability of a site: AAAA, name servers, home page over v6 (and v4/v6 consistency), and the
    IPv6 support rate of the 二级/三级 links found by a light crawl (HTTP and an HTML parser, no page audits;
    only the home page is rendered in the browser, over IPv6)."""
    from auditor.report import site_document
    from workers.ipv6run import run_ipv6

    # Only IPv6 is asked for: no 站内搜索 or 互动交流 checks in this small crawl.
    settings = _settings(args).replace(max_pages=args.max_pages, site_search=False, interaction=False)
    try:
        url = normalise_url(args.url)
    except TargetRefused as exc:
        _err(str(exc))
        return EXIT_BAD_INPUT
    store = _open_store(settings)
    try:
        run_id = asyncio.run(run_ipv6(settings, store, url, SiteProfile(args.site_name or url[:200]),
                                      started_by=cli_user()))
    except TargetRefused as exc:
        _err(str(exc))
        return EXIT_BAD_INPUT
    doc = site_document(store.run_with_pages(run_id), settings.evidence_dir)
    checks = [c for c in doc["site_checks"] if c["rule"].startswith("ipv6.")]
    for c in checks:
        print(f"{c['rule']:20} {STATUS_ZH[Status(c['status'])]:6} {c['indicator']}：{c['message']}")
    if args.json:
        Path(args.json).write_text(json.dumps({"run": doc["run"], "ipv6": checks}, ensure_ascii=False, indent=2,
                                              default=str), encoding="utf-8")
    if not checks or all(c["status"] == "not_assessable" for c in checks):
        return EXIT_BAD_INPUT
    return EXIT_FINDINGS if any(c["status"] in ("fail", "warn") for c in checks) else EXIT_OK


def cmd_monitor(args: argparse.Namespace) -> int:
    """站点无法访问 monitoring: probe each site's home page once per interval, storing every probe; with
    --verdict, print the 7-day verdict from the stored probes instead."""
    from datetime import datetime, timezone

    from auditor.availability import verdict
    from auditor.store.availability import probes
    from workers.monitor import run_monitor

    settings = _settings(args)
    store = _open_store(settings)
    urls = []
    from auditor.store.limits import check_lengths
    from auditor.store.models import AvailabilityProbe

    for raw in args.urls or [s.url for s in store.sites()]:
        try:
            urls.append(normalise_url(raw))
        except TargetRefused as exc:
            _err(str(exc))
            return EXIT_BAD_INPUT
        check_lengths(AvailabilityProbe, {"site_url": urls[-1]})  # ValueTooLong → «错误：网址太长…», exit 2
    if not urls:
        _err("没有要监测的网站：请给出网址，或先用 govaudit sites import 导入网站清单")
        return EXIT_BAD_INPUT
    if args.verdict:
        now = datetime.now(timezone.utc)
        worst = EXIT_OK
        for url in urls:
            v = verdict(probes(store, url), now)
            print(f"{url}\t{v.status.value}\t{v.message}")
            worst = max(worst, EXIT_FINDINGS if v.status.is_finding else EXIT_OK)
        return worst
    print(f"开始监测 {len(urls)} 个网站，每 {args.interval} 秒访问一次首页（Ctrl-C 停止）", file=sys.stderr)
    try:
        stored = asyncio.run(run_monitor(store, settings, urls, interval_s=args.interval,
                                         stop_after_slots=args.slots))
    except KeyboardInterrupt:
        return EXIT_OK
    print(f"已记录 {stored} 次访问")
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    """Serve the bundled sample site and audit every page of it, offline (stand-ins for national services)."""
    from auditor import sample_site

    server, base = sample_site.serve()
    truth = sample_site.truth()
    host = truth["site"]["host"]
    port = base.rsplit(":", 1)[1]
    settings = _settings(args).replace(
        # The sample site is served on this machine: its address is allowed by name, nothing else private is.
        host_map={host: f"127.0.0.1:{port}"}, standins=True, isolate_network=True, allow_private=False,
        private_allowlist=["127.0.0.1/32"])
    urls = [f"http://{host}{path}" for path in truth["pages"]]
    print(f"示例网站 {truth['site']['name']}（http://{host}/，本机 {base}）共 {len(urls)} 个页面", file=sys.stderr)
    json_path = args.json or str(Path(settings.evidence_dir).parent / "demo-report.json")
    try:
        code, _ = audit_urls(settings, urls, SiteProfile(truth["site"]["name"], truth["site"]["code"]), json_path)
    finally:
        server.shutdown()
    print(f"数据库：{settings.database_url}")
    return EXIT_OK if code in (EXIT_OK, EXIT_FINDINGS) else code


def cmd_sites_import(args: argparse.Namespace) -> int:
    from auditor.sites_import import SiteListError, read_site_list

    settings = _settings(args)
    try:
        rows, errors = read_site_list(args.file, settings)
    except SiteListError as exc:
        _err(str(exc))
        return EXIT_BAD_INPUT
    from auditor.store import ValueTooLong

    store = _open_store(settings)
    created = updated = 0
    errors = list(errors)
    stored = 0
    for r in rows:
        try:
            _, new = store.upsert_site(r.name, r.url, r.site_code, r.sponsor, r.site_type, r.region)
        except ValueTooLong as exc:  # refused, not cut: a site list is what the user typed
            errors.append(f"{r.name[:30]}（{r.url[:60]}）：{exc}")
            continue
        stored += 1
        created += new
        updated += not new
    for e in errors:
        print(f"  {e}", file=sys.stderr)
    print(f"导入完成：新增 {created} 个网站，更新 {updated} 个，错误 {len(errors)} 行")
    if errors and not stored:
        return EXIT_BAD_INPUT
    return EXIT_FINDINGS if errors else EXIT_OK


def cmd_sites_list(args: argparse.Namespace) -> int:
    store = _open_store(_settings(args))
    for s in store.sites():
        print(f"{s.id}\t{s.name}\t{s.url}\t{s.site_code or ''}\t{s.sponsor or ''}\t{s.site_type or ''}")
    return EXIT_OK


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    settings = _settings(args)
    _open_store(settings)
    print(f"数据库已是最新结构：{settings.database_url}")
    return EXIT_OK


RUN_STATUS_ZH = {"queued": "排队中", "running": "检查中", "done": "已完成", "failed": "失败", "aborted": "已中止"}


def cmd_runs_list(args: argparse.Namespace) -> int:
    """检查批次 list: id, status, kind, site, pages, start, and why a run failed or was aborted."""
    store = _open_store(_settings(args))
    for r in store.runs(args.status, limit=args.limit):
        why = f"\t{r.error}" if r.error else ""
        print(f"{r.id}\t{r.status}（{RUN_STATUS_ZH.get(r.status, r.status)}）\t{r.kind}\t{r.site_name}\t"
              f"{r.pages_done}/{r.pages_total}\t{r.started_at:%Y-%m-%d %H:%M:%S}{why}")
    return EXIT_OK


def cmd_runs_reap(args: argparse.Namespace) -> int:
    """收尾: end runs whose process or RQ jobs are gone, and sweep evidence no row refers to."""
    from workers.reaper import reap

    settings = _service_aware_settings(args)
    store = _open_store(settings)
    reaped, swept = reap(store, settings, grace=args.grace, min_age=args.min_age * 60)
    for r in reaped:
        print(f"检查批次 {r.run_id} → {r.status}（{RUN_STATUS_ZH[r.status]}）：{r.reason}")
    print(f"收尾完成：结束 {len(reaped)} 个检查批次；证据整理：移入 {swept.moved} 个文件，"
          f"删除 {swept.removed_files} 个无记录的文件、{len(swept.removed_dirs)} 个目录")
    return EXIT_OK


def _service_aware_settings(args: argparse.Namespace) -> Settings:
    s = _settings(args)
    if getattr(args, "redis_url", None):
        s = s.replace(redis_url=args.redis_url)
    return s


def reap_at_start(settings: Settings, store: Store) -> None:
    """``serve`` and ``worker`` end dead runs and sweep evidence before they start (never fatal)."""
    from workers.reaper import reap

    try:
        reaped, swept = reap(store, settings)
    except Exception as exc:  # noqa: BLE001 - tidying must not stop the service from starting
        print(f"警告：启动时收尾失败：{exc}", file=sys.stderr)
        return
    if reaped or swept.removed_files or swept.moved:
        print(f"启动时收尾：结束 {len(reaped)} 个检查批次（{', '.join(str(r.run_id) for r in reaped) or '无'}），"
              f"整理证据文件 {swept.moved + swept.removed_files} 个", file=sys.stderr)


def build_parser() -> argparse.ArgumentParser:
    p = ChineseArgumentParser(prog="govaudit", description="政府网站检查工具（真实浏览器 + 证据）")
    p.add_argument("--version", action="version", version=f"govaudit {__version__}")
    p.add_argument("--config", help="TOML 配置文件（也可用环境变量 GOVAUDIT_CONFIG）")
    sub = p.add_subparsers(dest="command", required=True)

    def common(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--database-url", help="数据库（默认 SQLite 文件；postgresql://… 使用 PostgreSQL）")
        sp.add_argument("--evidence-dir", help="证据文件目录")

    a = sub.add_parser("audit", help="检查一个或多个页面")
    a.add_argument("urls", nargs="+", metavar="URL")
    a.add_argument("--site-name", required=True, type=fits(lengths.SITE_NAME, "site_name"),
                   help="网站名称（如 示范市人民政府）")
    a.add_argument("--site-code", type=fits(lengths.SITE_CODE, "site_code"),
                   help="网站标识码（10位数字或bm加8位数字）")
    a.add_argument("--json", help="写出 JSON 报告的文件")
    a.add_argument("--allow-private", action="store_true", help="允许检查内网/本机地址")
    a.add_argument("--concurrency", type=positive_int, help="同时检查的页面数")
    a.add_argument("--no-ocr", action="store_true", help="不做头部图片文字识别")
    a.add_argument("--host-map", action="append", type=host_map_pair, metavar="HOST=IP:PORT",
                   help="浏览器内的主机映射（测试、演示）")
    a.add_argument("--standins", action="store_true", help="用本地替身应答党政机关标识/找错服务（离线演示、测试）")
    a.add_argument("--offline", action="store_true", help="浏览器内除映射主机外不解析任何域名（测试）")
    _a11y_options(a)
    common(a)
    a.set_defaults(func=cmd_audit)

    a2 = sub.add_parser("audit-site", help="检查整个网站（抽样页面、链接可用性、栏目更新）")
    a2.add_argument("url", metavar="URL", help="网站首页")
    a2.add_argument("--site-name", required=True, type=fits(lengths.SITE_NAME, "site_name"))
    a2.add_argument("--site-code", type=fits(lengths.SITE_CODE, "site_code"))
    a2.add_argument("--max-pages", type=positive_int, help="最多检查的页面数（默认 100）")
    a2.add_argument("--per-template", type=positive_int, help="同一网址模板最多抽查的页面数（默认 5）")
    a2.add_argument("--today", type=iso_date, help="检查日期 YYYY-MM-DD（默认今天）")
    a2.add_argument("--no-links", action="store_true", help="不检查链接可用性")
    a2.add_argument("--json")
    a2.add_argument("--allow-private", action="store_true")
    a2.add_argument("--concurrency", type=positive_int)
    a2.add_argument("--no-ocr", action="store_true")
    a2.add_argument("--host-map", action="append", type=host_map_pair, metavar="HOST=IP:PORT")
    a2.add_argument("--standins", action="store_true")
    a2.add_argument("--offline", action="store_true")
    _a11y_options(a2)
    common(a2)
    a2.set_defaults(func=cmd_audit_site)

    v6 = sub.add_parser("ipv6", help="IPv6 支持度（AAAA、首页、内容一致性、二级/三级链接支持率）")
    v6.add_argument("url", metavar="URL")
    v6.add_argument("--site-name", type=fits(lengths.SITE_NAME, "site_name"))
    v6.add_argument("--max-pages", type=positive_int, default=30, help="用于找二级/三级链接的抽查页面数（默认 30）")
    v6.add_argument("--json")
    v6.add_argument("--allow-private", action="store_true")
    v6.add_argument("--host-map", action="append", type=host_map_pair, metavar="HOST=IP:PORT")
    v6.add_argument("--no-ocr", action="store_true")
    _profile_option(v6)
    common(v6)
    v6.set_defaults(func=cmd_ipv6)

    m = sub.add_parser("monitor", help="站点可访问性监测（每天20次以上，15秒超时，保存每次访问）")
    m.add_argument("urls", nargs="*", metavar="URL", help="网站首页（默认：网站清单中的全部网站）")
    m.add_argument("--interval", type=positive_int, default=3600, help="访问间隔秒数（默认 3600，即每天 24 次）")
    m.add_argument("--slots", type=positive_int, help="监测这么多个间隔后停止（默认一直运行）")
    m.add_argument("--verdict", action="store_true", help="只输出最近 7 天的判定")
    m.add_argument("--allow-private", action="store_true")
    m.add_argument("--host-map", action="append", type=host_map_pair, metavar="HOST=IP:PORT")
    common(m)
    m.set_defaults(func=cmd_monitor)

    d = sub.add_parser("demo", help="启动内置示例网站并检查全部页面")
    d.add_argument("--json", help="写出 JSON 报告的文件")
    d.add_argument("--no-ocr", action="store_true")
    _a11y_options(d)
    common(d)
    d.set_defaults(func=cmd_demo)

    def browser_options(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--allow-private", action="store_true", help="允许检查内网/本机地址")
        sp.add_argument("--host-map", action="append", metavar="HOST=IP:PORT", help="浏览器内的主机映射（测试、演示）")
        sp.add_argument("--standins", action="store_true", help="用本地替身应答党政机关标识/找错服务（离线演示、测试）")
        sp.add_argument("--offline", action="store_true", help="浏览器内除映射主机外不解析任何域名（测试）")
        sp.add_argument("--no-ocr", action="store_true", help="不做头部图片文字识别")
        _a11y_options(sp)

    from govaudit.cli_facts import add_facts_command  # facts: a page's gathered facts as a snapshot file

    add_facts_command(sub, common, browser_options)

    from govaudit.cli_score import add_score_command  # score: the 19号 scorecard of a run

    add_score_command(sub, common)

    from govaudit.cli_bulletin import add_report_command  # report: the quarter's 通报 draft

    add_report_command(sub, common)

    s = sub.add_parser("sites", help="网站清单")
    ssub = s.add_subparsers(dest="sites_command", required=True)
    si = ssub.add_parser("import", help="导入网站清单（xlsx/csv：网站名称, 网址, 网站标识码, 主办单位, 网站类型）")
    si.add_argument("file")
    common(si)
    si.set_defaults(func=cmd_sites_import)
    sl = ssub.add_parser("list", help="列出网站")
    common(sl)
    sl.set_defaults(func=cmd_sites_list)

    r = sub.add_parser("runs", help="检查批次：列出、收尾（结束已无进程执行的检查批次，清理无记录的证据）")
    rsub = r.add_subparsers(dest="runs_command", required=True)
    rl = rsub.add_parser("list", help="列出检查批次（最新的在前）")
    rl.add_argument("--status", action="append", choices=list(RUN_STATUS_ZH), help="只列出这些状态（可重复）")
    rl.add_argument("--limit", type=positive_int, default=50, help="最多列出多少个（默认 50）")
    common(rl)
    rl.set_defaults(func=cmd_runs_list)
    rr = rsub.add_parser("reap", help="收尾：执行进程已退出（或服务模式下任务已丢失）的检查批次标记为中止/失败，"
                                      "清理没有数据库记录的证据文件")
    rr.add_argument("--grace", type=float, default=60, help="开始不到这么多秒的检查批次不处理（默认 60）")
    rr.add_argument("--min-age", type=float, default=10,
                    help="没有对应检查批次的证据目录，超过这么多分钟才删除（默认 10）")
    rr.add_argument("--redis-url", help="服务模式的 Redis（也可用环境变量 REDIS_URL）")
    common(rr)
    rr.set_defaults(func=cmd_runs_reap)

    db = sub.add_parser("db", help="数据库")
    dsub = db.add_subparsers(dest="db_command", required=True)
    du = dsub.add_parser("upgrade", help="升级数据库结构")
    common(du)
    du.set_defaults(func=cmd_db_upgrade)

    from govaudit.cli_service import add_service_commands  # worker, enqueue, schedule (RQ service mode)

    add_service_commands(sub, common)

    from govaudit.cli_web import add_web_commands  # users, serve (web UI and JSON API)

    add_web_commands(sub, common)
    add_a11y_report_command(sub, common)  # a11y-report: 无障碍评测报告 per criterion (auditor/conformance)

    from govaudit.cli_rules import add_rules_command  # rules: the rule catalog, docs/rules.md's tables

    add_rules_command(sub)
    return p


_terminated = False
_main_entered = time.perf_counter()


def _on_sigterm(signum: int, frame: Any) -> None:
    """SIGTERM is handled as Ctrl-C (asyncio cancels the running audit, which ends its run as aborted and
    closes the browser); the exit status still tells them apart (143, not 130)."""
    global _terminated
    _terminated = True
    os.kill(os.getpid(), signal.SIGINT)


def main(argv: Sequence[str] | None = None) -> int:
    """Run a command; bad input, an unusable database or evidence folder and a failed run print «错误：…» and
    exit 2, an interrupt exits 130 (SIGTERM 143); never a traceback (GOVAUDIT_DEBUG=1 shows one)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    debug = os.environ.get("GOVAUDIT_DEBUG", "") not in ("", "0")
    if hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        return _run_command(args, debug)
    finally:
        if profile.current().enabled:
            print(f"\n各阶段用时（--profile）：\n{profile.current().table()}", file=sys.stderr)


def _run_command(args: argparse.Namespace, debug: bool) -> int:
    global _main_entered
    _main_entered = time.perf_counter()  # start-up (--profile) ends here: imports and the parser are done
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        if _terminated:
            _err("已终止（SIGTERM）：进行中的检查批次已标记为中止")
            return 143
        _err("已中断：进行中的检查批次已标记为中止")
        return 130
    except Exception as exc:  # noqa: BLE001 - the last line: a message, not a traceback
        return _failed(exc, args, debug)


def _failed(exc: Exception, args: argparse.Namespace, debug: bool) -> int:
    """What a command that raised prints («错误：…») and its exit code; with GOVAUDIT_DEBUG the unexpected ones
    are raised again to show their traceback. The error classes are imported here, where they are needed: a
    command that went well never loads the database layer only to name its errors."""
    from sqlalchemy.exc import SQLAlchemyError

    from auditor.store.errors import StoreError, describe_db_error
    from browsers.evidence import EvidenceDirError
    from workers.runend import RunFailed

    if isinstance(exc, (ConfigError, StoreError, RunFailed)):
        _err(str(exc))
        return EXIT_BAD_INPUT
    if isinstance(exc, SQLAlchemyError):
        if debug:
            raise exc
        url = getattr(args, "database_url", None) or os.environ.get("GOVAUDIT_DATABASE_URL") or \
            os.environ.get("DATABASE_URL") or ""
        _err(describe_db_error(exc, url))
        return EXIT_BAD_INPUT
    if isinstance(exc, OSError):
        if debug:
            raise exc
        if isinstance(exc, EvidenceDirError):
            _err(str(exc))
            return EXIT_BAD_INPUT
        where = f"{exc.filename}：" if getattr(exc, "filename", None) else ""
        _err(f"文件或目录无法访问：{where}{exc.strerror or exc}")
        return EXIT_BAD_INPUT
    if debug:
        raise exc
    _err(f"内部错误：{type(exc).__name__}: {exc}（设置环境变量 GOVAUDIT_DEBUG=1 可显示详细信息）")
    return EXIT_BAD_INPUT


def run() -> None:
    """The console script (``govaudit``) and ``python -m govaudit``: ``main``, then a quick exit.

    Once a command has finished and nothing else runs, its exit handlers run (the egress proxy stopped, logs
    flushed) and the process ends without the interpreter tearing down every module one by one, which took a
    quarter of a second after a one-page audit (a tenth of its time). Tests call ``main`` and keep their
    interpreter."""
    import atexit
    import threading

    try:
        code = main()
    finally:
        predriver.discard()  # begun by the entry point for a command that ended before launching the browser
    run_exit_handlers = getattr(atexit, "_run_exitfuncs", None)
    # The ordinary exit when something still runs (a web server's audit thread must finish or be reaped as
    # before), or off CPython.
    others = [t for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon and t.is_alive()]
    if run_exit_handlers is None or others:
        sys.exit(code)
    run_exit_handlers()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more can be said
            pass
    os._exit(code)


if __name__ == "__main__":
    run()
