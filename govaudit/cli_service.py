"""The service-mode commands of ``govaudit`` (RQ on Redis): ``worker``, ``enqueue`` and ``schedule``.

Kept apart from ``govaudit/cli.py`` (which wires them in with one call) so the embedded commands stay readable.
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Callable

from govaudit.cli_args import fits, host_map_pair, iso_date, positive_float, positive_int
from auditor.models import SITE_CODE_RE, SiteProfile
from auditor.netpolicy import TargetRefused, normalise_url

EXIT_OK, EXIT_FINDINGS, EXIT_BAD_INPUT = 0, 1, 2


def _need_redis(settings: Any) -> bool:
    if settings.redis_url:
        return True
    print("错误：服务模式需要 Redis：请设置 REDIS_URL（或 GOVAUDIT_REDIS_URL，或 --redis-url）", file=sys.stderr)
    return False


def _service_settings(args: argparse.Namespace) -> Any:
    from govaudit.cli import _settings

    s = _settings(args)
    changes: dict[str, Any] = {}
    if getattr(args, "redis_url", None):
        changes["redis_url"] = args.redis_url
    if getattr(args, "queue", None):
        changes["rq_queue"] = args.queue
    return s.replace(**changes) if changes else s


def cmd_worker(args: argparse.Namespace) -> int:
    """检查工作进程: audit pages from the queues, one Chromium for the process's life."""
    import logging

    from workers.rqworker import run_worker

    from govaudit.cli import _open_store, reap_at_start

    settings = _service_settings(args)
    if not _need_redis(settings):
        return EXIT_BAD_INPUT
    reap_at_start(settings, _open_store(settings))  # runs whose worker died before this one started
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    run_worker(settings, args.queues or None, burst=args.burst, name=args.name, max_jobs=args.max_jobs,
               with_scheduler=not args.no_scheduler)
    return EXIT_OK


def _submit(args: argparse.Namespace, submit: Callable[[Any, Any], int]) -> int:
    from auditor.store import Store
    from workers.dispatch import run_status, wait_for_run

    settings = _service_settings(args)
    if not _need_redis(settings):
        return EXIT_BAD_INPUT
    if args.site_code and not SITE_CODE_RE.match(args.site_code):
        print(f"错误：网站标识码格式不正确：{args.site_code}", file=sys.stderr)
        return EXIT_BAD_INPUT
    store = Store(settings.database_url)
    store.upgrade()
    try:
        run_id = submit(settings, store)
    except (TargetRefused, ValueError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(run_id, flush=True)
    if args.wait:
        st = wait_for_run(store, run_id, timeout=args.wait)
        print(json.dumps(st, ensure_ascii=False, default=str), file=sys.stderr)
        return EXIT_OK if st["status"] == "done" else EXIT_BAD_INPUT
    print(f"已提交检查批次 {run_id}（{run_status(store, run_id)['pages_total']} 个页面）", file=sys.stderr)
    return EXIT_OK


def cmd_enqueue_audit(args: argparse.Namespace) -> int:
    from workers.dispatch import submit_page_audit

    site = SiteProfile(args.site_name, args.site_code)
    return _submit(args, lambda s, st: submit_page_audit(s, st, list(args.urls), site))


def cmd_enqueue_site(args: argparse.Namespace) -> int:
    from workers.dispatch import submit_site_audit

    site = SiteProfile(args.site_name, args.site_code)
    today = args.today

    def go(s: Any, st: Any) -> int:
        if args.per_template:
            s = s.replace(per_template=args.per_template)
        return submit_site_audit(s, st, normalise_url(args.url), site, max_pages=args.max_pages, today=today,
                                 links=not args.no_links)

    return _submit(args, go)


def cmd_enqueue_status(args: argparse.Namespace) -> int:
    from auditor.store import Store
    from workers.dispatch import run_status

    settings = _service_settings(args)
    store = Store(settings.database_url)
    try:
        st = run_status(store, args.run_id)
    except KeyError as exc:
        print(f"错误：{exc.args[0]}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(json.dumps(st, ensure_ascii=False, indent=2, default=str))
    return EXIT_OK


def cmd_schedule(args: argparse.Namespace) -> int:
    """定期任务: RQ's cron scheduler enqueues the periodic site audits and the availability probes."""
    import logging

    from workers.schedule import build_cron

    settings = _service_settings(args)
    if not _need_redis(settings):
        return EXIT_BAD_INPUT
    if not (args.audit_cron or args.audit_interval or args.probe_interval):
        print("错误：请至少给出 --audit-cron、--audit-interval 或 --probe-interval", file=sys.stderr)
        return EXIT_BAD_INPUT
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    cron = build_cron(settings, audit_cron=args.audit_cron, audit_interval=args.audit_interval,
                      probe_interval=args.probe_interval, urls=args.urls or None, max_pages=args.max_pages)
    for j in cron.get_jobs():
        print(f"定期任务：{j.name}  {'cron ' + j.cron if j.cron else f'每 {j.interval} 秒'}  队列 {j.queue_name}",
              file=sys.stderr)
    cron.start()
    return EXIT_OK


def add_service_commands(sub: Any, common: Callable[[argparse.ArgumentParser], None]) -> None:
    """Add ``worker``, ``enqueue`` and ``schedule`` to the ``govaudit`` parser."""

    def service(sp: argparse.ArgumentParser) -> None:
        common(sp)
        sp.add_argument("--redis-url", help="Redis（也可用环境变量 REDIS_URL）")
        sp.add_argument("--queue", help="队列名（默认 govaudit，设置 rq_queue）")

    def audit_opts(sp: argparse.ArgumentParser) -> None:
        from auditor import lengths

        sp.add_argument("--site-name", required=True, type=fits(lengths.SITE_NAME, "site_name"))
        sp.add_argument("--site-code", type=fits(lengths.SITE_CODE, "site_code"))
        sp.add_argument("--wait", type=positive_float, metavar="SECONDS", help="等待检查完成（最多这么多秒）")
        sp.add_argument("--allow-private", action="store_true")
        sp.add_argument("--no-ocr", action="store_true")
        sp.add_argument("--host-map", action="append", type=host_map_pair, metavar="HOST=IP:PORT")
        sp.add_argument("--standins", action="store_true")
        sp.add_argument("--offline", action="store_true")
        service(sp)

    w = sub.add_parser("worker", help="检查工作进程（RQ，需 Redis）：一个进程一个浏览器，逐页检查")
    w.add_argument("--queues", nargs="+", metavar="QUEUE", help="要处理的队列（默认 rq_queue 设置）")
    w.add_argument("--burst", action="store_true", help="队列空了就退出")
    w.add_argument("--name", help="工作进程名（默认主机名+进程号）")
    w.add_argument("--max-jobs", type=positive_int, help="处理这么多个作业后退出")
    w.add_argument("--no-scheduler", action="store_true", help="不兼任调度（重试退避、定时作业）")
    service(w)
    w.set_defaults(func=cmd_worker)

    e = sub.add_parser("enqueue", help="提交检查到队列（服务模式），输出检查批次号")
    esub = e.add_subparsers(dest="enqueue_command", required=True)
    ea = esub.add_parser("audit", help="检查一个或多个页面")
    ea.add_argument("urls", nargs="+", metavar="URL")
    audit_opts(ea)
    ea.set_defaults(func=cmd_enqueue_audit)
    es = esub.add_parser("audit-site", help="检查整个网站")
    es.add_argument("url", metavar="URL")
    es.add_argument("--max-pages", type=positive_int)
    es.add_argument("--per-template", type=positive_int)
    es.add_argument("--today", type=iso_date, help="检查日期 YYYY-MM-DD（默认今天）")
    es.add_argument("--no-links", action="store_true")
    audit_opts(es)
    es.set_defaults(func=cmd_enqueue_site)
    st = esub.add_parser("status", help="检查批次进度")
    st.add_argument("run_id", type=positive_int)
    service(st)
    st.set_defaults(func=cmd_enqueue_status)

    sc = sub.add_parser("schedule", help="定期任务（RQ cron）：定期全站检查、站点可访问性监测")
    sc.add_argument("urls", nargs="*", metavar="URL", help="网站首页（默认：网站清单中的全部网站）")
    sc.add_argument("--audit-cron", help="全站检查的 cron 表达式（如 \"0 2 * * 1\"：每周一 2 点）")
    sc.add_argument("--audit-interval", type=positive_int, help="或：每隔这么多秒全站检查一次")
    sc.add_argument("--probe-interval", type=positive_int, help="可访问性监测间隔秒数（如 3600，每天 24 次）")
    sc.add_argument("--max-pages", type=positive_int, help="定期全站检查的页面数上限")
    sc.add_argument("--allow-private", action="store_true")
    sc.add_argument("--host-map", action="append", type=host_map_pair, metavar="HOST=IP:PORT")
    sc.add_argument("--offline", action="store_true")
    sc.add_argument("--standins", action="store_true")
    service(sc)
    sc.set_defaults(func=cmd_schedule)


__all__ = ["add_service_commands"]
