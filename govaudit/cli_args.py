"""Command-line arguments checked when they are parsed: argparse ``type=`` functions with Chinese messages, and
a parser whose errors read «错误：…» (exit 2, never a traceback)."""
from __future__ import annotations

import argparse
import re
import sys
from datetime import date
from typing import Callable, NoReturn

from auditor.config import check_host_target
from auditor.lengths import too_long

_ARGPARSE_ZH = [
    (re.compile(r"the following arguments are required: (.+)"), r"缺少必需的参数：\1"),
    (re.compile(r"argument (\S+): invalid choice: (.+?) \(choose from (.+)\)"), r"参数 \1 的值无效：\2（可选 \3）"),
    (re.compile(r"argument (\S+): invalid (\w+) value: (.+)"), r"参数 \1 的值无效：\3"),
    (re.compile(r"argument (\S+): expected one argument"), r"参数 \1 需要一个值"),
    (re.compile(r"argument (\S+): expected at least one argument"), r"参数 \1 至少需要一个值"),
    (re.compile(r"unrecognized arguments: (.+)"), r"无法识别的参数：\1"),
    (re.compile(r"argument (\S+): (.+)"), r"参数 \1：\2"),
]


def zh_message(message: str) -> str:
    for pattern, repl in _ARGPARSE_ZH:
        if pattern.search(message):
            return pattern.sub(repl, message, count=1)
    return message


class ChineseArgumentParser(argparse.ArgumentParser):
    """argparse with its errors in Chinese (its subcommand parsers inherit the class)."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"错误：{zh_message(message)}\n")


def _int(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} 不是整数") from None


def positive_int(text: str) -> int:
    """An integer ≥ 1 (page counts, intervals, concurrency)."""
    n = _int(text)
    if n < 1:
        raise argparse.ArgumentTypeError(f"{text!r} 应为正整数（≥ 1）")
    return n


def non_negative_int(text: str) -> int:
    n = _int(text)
    if n < 0:
        raise argparse.ArgumentTypeError(f"{text!r} 不能为负数")
    return n


def port(text: str) -> int:
    n = _int(text)
    if not 1 <= n <= 65535:
        raise argparse.ArgumentTypeError(f"端口 {text!r} 应在 1-65535 之间")
    return n


def positive_float(text: str) -> float:
    try:
        x = float(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} 不是数字") from None
    if not x > 0 or x == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} 应为正数")
    return x


def iso_date(text: str) -> date:
    """A calendar date YYYY-MM-DD that exists (2024-13-45 is refused)."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} 不是有效的日期（应为 YYYY-MM-DD，如 2026-12-06）") from None


_HOST_RE = re.compile(r"^(\*\.)?[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?(\.[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?)*\.?$")


def host_map_pair(text: str) -> tuple[str, str]:
    """``HOST=IP[:PORT]`` (also ``*.suffix``, ``[IPv6]:PORT`` and ``~NOTFOUND``), checked as the settings are."""
    host, sep, target = text.partition("=")
    host, target = host.strip(), target.strip()
    if not sep or not host or not target:
        raise argparse.ArgumentTypeError(f"{text!r} 应为 主机=IP[:端口] 形式（如 www.a.gov.cn=127.0.0.1:8080）")
    if not _HOST_RE.match(host):
        raise argparse.ArgumentTypeError(f"{text!r} 中的主机名 {host!r} 无效")
    try:
        check_host_target(target)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return host, target


def fits(limit: int, field: str) -> Callable[[str], str]:
    """A text argument no longer than the database column it is stored in (``auditor.lengths``, which the tables
    declare their columns with; the database layer itself is not imported to parse a command line)."""
    def check(text: str) -> str:
        message = too_long(field, text, limit)
        if message:
            raise argparse.ArgumentTypeError(message)
        if not text.strip():
            raise argparse.ArgumentTypeError("不能为空")
        return text.strip()

    check.__name__ = field
    return check


__all__ = ["ChineseArgumentParser", "positive_int", "non_negative_int", "positive_float", "port", "iso_date",
           "host_map_pair", "fits", "zh_message"]
