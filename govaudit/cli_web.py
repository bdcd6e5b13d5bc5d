"""govaudit users … (accounts of the web UI) and govaudit serve (the web UI and the JSON API).

`serve` runs gunicorn (gthread workers) when it is installed, else, or with --dev, Flask's own server.
"""
from __future__ import annotations

import argparse
import getpass
import importlib.util
import os
import sys
from typing import Any, Callable

from govaudit.cli_args import port, positive_int

EXIT_OK, EXIT_BAD_INPUT = 0, 2


def _err(msg: str) -> None:
    print(f"错误：{msg}", file=sys.stderr)


def _store(args: argparse.Namespace) -> Any:
    from govaudit.cli import _settings
    from auditor.store import Store

    store = Store(_settings(args).database_url)
    store.upgrade()
    return store


def _password(args: argparse.Namespace) -> str | None:
    """From the named environment variable, else asked twice on the terminal (never from the command line,
    where it would end up in the shell history and the process list)."""
    if args.password_env:
        value = os.environ.get(args.password_env)
        if not value:
            _err(f"环境变量 {args.password_env} 未设置或为空")
            return None
        return value
    if not sys.stdin.isatty():
        _err("没有终端可输入密码：请用 --password-env 变量名")
        return None
    first = getpass.getpass("密码：")
    if first != getpass.getpass("再输入一次："):
        _err("两次输入的密码不一致")
        return None
    return first


def _site_hint(msg: str) -> str:
    # The store's message is for the web form too; here the site is given with --site.
    return msg + "（用 --site 指定）" if msg.endswith("至少一个网站") else msg


def cmd_users_add(args: argparse.Namespace) -> int:
    from auditor.store.users import ROLE_ZH, UserError, create_user

    password = _password(args)
    if password is None:
        return EXIT_BAD_INPUT
    try:
        u = create_user(_store(args), args.name, password, args.role, args.site or [])
    except UserError as exc:
        _err(_site_hint(str(exc)))
        return EXIT_BAD_INPUT
    sites = f"，网站 {sorted(u.site_ids)}" if u.site_ids else ""
    print(f"已添加用户 {u.username}（{ROLE_ZH[u.role]}{sites}）")
    return EXIT_OK


def cmd_users_passwd(args: argparse.Namespace) -> int:
    from auditor.store.users import UserError, set_password

    password = _password(args)
    if password is None:
        return EXIT_BAD_INPUT
    try:
        set_password(_store(args), args.name, password)
    except UserError as exc:
        _err(str(exc))
        return EXIT_BAD_INPUT
    print(f"已修改 {args.name} 的密码（其已登录的会话和 API 令牌随之失效）")
    return EXIT_OK


def cmd_users_sites(args: argparse.Namespace) -> int:
    from auditor.store.users import UserError, set_sites

    try:
        u = set_sites(_store(args), args.name, args.site or [])
    except UserError as exc:
        _err(str(exc))
        return EXIT_BAD_INPUT
    print(f"{u.username} 的网站：{sorted(u.site_ids)}")
    return EXIT_OK


def cmd_users_role(args: argparse.Namespace) -> int:
    from auditor.store.users import ROLE_ZH, UserError, set_role

    try:
        u = set_role(_store(args), args.name, args.role, args.site or [])
    except UserError as exc:
        _err(_site_hint(str(exc)))
        return EXIT_BAD_INPUT
    print(f"{u.username}：{ROLE_ZH[u.role]}" + (f"，网站 {sorted(u.site_ids)}" if u.role == "owner" else ""))
    return EXIT_OK


def cmd_users_disable(args: argparse.Namespace) -> int:
    from auditor.store.users import UserError, set_active

    try:
        set_active(_store(args), args.name, args.enable)  # disable: inactive unless --enable
    except UserError as exc:
        _err(str(exc))
        return EXIT_BAD_INPUT
    print(f"已{'启用' if args.enable else '停用'} {args.name}")
    return EXIT_OK


def cmd_users_list(args: argparse.Namespace) -> int:
    from auditor.store.users import ROLE_ZH, list_users

    for u in list_users(_store(args)):
        state = "" if u.active else "\t已停用"
        print(f"{u.id}\t{u.username}\t{u.role}（{ROLE_ZH[u.role]}）\t{','.join(map(str, sorted(u.site_ids)))}{state}")
    return EXIT_OK


def cmd_users_token(args: argparse.Namespace) -> int:
    from auditor.store.users import UserError, issue_token

    try:
        token = issue_token(_store(args), args.name)
    except UserError as exc:
        _err(str(exc))
        return EXIT_BAD_INPUT
    print(token)
    print("（API 令牌只显示这一次；请求时加 Authorization: Bearer <令牌>；原有令牌已失效）", file=sys.stderr)
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    from govaudit.cli import _settings
    from auditor.store import Store

    from govaudit.cli import reap_at_start
    from web.app import secret_key

    settings = _settings(args)
    secret_key(settings)  # a key shorter than 32 bytes: ConfigError, a Chinese message and exit 2 (govaudit.cli.main)
    # Migrate once here, before any worker process starts, so workers never race on the schema.
    store = Store(settings.database_url)
    store.upgrade()
    reap_at_start(settings, store)  # runs left 'running' by a server that died end as aborted
    have_gunicorn = importlib.util.find_spec("gunicorn") is not None
    print(f"govaudit 网页界面：http://{args.host}:{args.port}/（数据库 {settings.database_url}）", file=sys.stderr)
    if args.dev or not have_gunicorn:
        from web.app import create_app

        create_app(settings).run(host=args.host, port=args.port, threaded=True, use_reloader=False)
        return EXIT_OK
    _gunicorn(settings, args.host, args.port, args.workers, args.threads)
    return EXIT_OK


def _gunicorn(settings: Any, host: str, port: int, workers: int, threads: int) -> None:
    from gunicorn.app.base import BaseApplication

    class App(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for k, v in {"bind": f"{host}:{port}", "workers": workers, "threads": threads,
                         "worker_class": "gthread", "timeout": 120, "accesslog": "-",
                         # Not preloaded: each worker opens its own database pool after the fork.
                         "preload_app": False}.items():
                self.cfg.set(k, v)

        def load(self) -> Any:
            from web.app import create_app

            return create_app(settings)

    App().run()


def add_web_commands(sub: Any, common: Callable[[argparse.ArgumentParser], None]) -> None:
    u = sub.add_parser("users", help="网页界面的用户（管理员、检查人员、网站主办方）")
    usub = u.add_subparsers(dest="users_command", required=True)

    ua = usub.add_parser("add", help="添加用户")
    ua.add_argument("name")
    ua.add_argument("--role", required=True, choices=["admin", "auditor", "owner"],
                    help="admin 管理员；auditor 检查人员（全部网站）；owner 网站主办方（只看自己的网站）")
    ua.add_argument("--site", action="append", metavar="URL", help="owner 的网站（网站清单中的网址或编号，可重复）")
    ua.add_argument("--password-env", metavar="VAR", help="从这个环境变量读取密码（默认在终端输入）")
    common(ua)
    ua.set_defaults(func=cmd_users_add)

    up = usub.add_parser("passwd", help="修改密码")
    up.add_argument("name")
    up.add_argument("--password-env", metavar="VAR")
    common(up)
    up.set_defaults(func=cmd_users_passwd)

    us = usub.add_parser("sites", help="设置网站主办方可查看的网站")
    us.add_argument("name")
    us.add_argument("--site", action="append", metavar="URL")
    common(us)
    us.set_defaults(func=cmd_users_sites)

    ur = usub.add_parser("role", help="修改角色（网站主办方须同时用 --site 指定网站；至少保留一个启用的管理员）")
    ur.add_argument("name")
    ur.add_argument("--role", required=True, choices=["admin", "auditor", "owner"])
    ur.add_argument("--site", action="append", metavar="URL", help="owner 的网站（网址或编号，可重复）")
    common(ur)
    ur.set_defaults(func=cmd_users_role)

    ud = usub.add_parser("disable", help="停用（--enable 重新启用）用户")
    ud.add_argument("name")
    ud.add_argument("--enable", action="store_true")
    common(ud)
    ud.set_defaults(func=cmd_users_disable)

    ul = usub.add_parser("list", help="列出用户")
    common(ul)
    ul.set_defaults(func=cmd_users_list)

    ut = usub.add_parser("token", help="生成 API 令牌（只显示一次）")
    ut.add_argument("name")
    common(ut)
    ut.set_defaults(func=cmd_users_token)

    sv = sub.add_parser("serve", help="启动网页界面和 JSON API")
    sv.add_argument("--host", default="127.0.0.1", help="监听地址（默认 127.0.0.1；对外服务用 0.0.0.0）")
    sv.add_argument("--port", type=port, default=8000)
    sv.add_argument("--workers", type=positive_int, default=2, help="gunicorn 进程数（默认 2）")
    sv.add_argument("--threads", type=positive_int, default=4, help="每个进程的线程数（默认 4）")
    sv.add_argument("--dev", action="store_true", help="用 Flask 自带的开发服务器（单进程）")
    sv.add_argument("--allow-private", action="store_true", help="允许检查内网/本机地址")
    common(sv)
    sv.set_defaults(func=cmd_serve)
