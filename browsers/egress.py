"""出站访问控制（egress）：浏览器和我们的 HTTP 客户端的每个请求都经过一个本地 Squid 正向代理。

Site owners start audits from the web UI, so the URLs the auditor fetches are chosen by outsiders, and a page may
point its iframes, images, fetch(), WebSockets or redirects at internal addresses. Checking URLs before the fetch
cannot see those, and a check that resolves a name and then lets Chromium resolve it again is open to DNS
rebinding. So the policy is enforced where the connection is made: Squid resolves every name itself, refuses a
destination address in a private, loopback, link-local, CGNAT, multicast or reserved range (``dst`` ACLs, denied
before any allow), and connects only to the address it checked. A refusal is one fixed 403 page (the same bytes
whatever the port state behind it: open HTTP port, open non-HTTP port or closed port), recognised by
``refusal_kind``.

``proxy_for(settings)`` gives the proxy URL for a process: the external proxy of ``settings.egress_proxy`` (the
compose ``egress`` service), or a Squid of our own started on a free 127.0.0.1 port on first use (one per policy,
stopped at exit), or None when ``settings.egress`` is off. See docs/architecture.md (出站访问控制).
"""
from __future__ import annotations

import asyncio
import atexit
import dataclasses
import ipaddress
import logging
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.netpolicy import dns_server_address

SQUID = shutil.which("squid") or "/usr/sbin/squid"
TEMPLATES = Path("/usr/share/squid/errors/templates")
REFUSED_PAGE = "ERR_GOVAUDIT_EGRESS"
REFUSED_TEXT = "目标地址不允许访问"
NOTFOUND_PAGE = "ERR_GOVAUDIT_NOTFOUND"

# Destinations refused unless allowed: everything that is not the public internet. The IPv4 ranges are refused in
# their IPv4-mapped IPv6 form too (::ffff:a.b.c.d), so a v6 spelling of 127.0.0.1 is no way around them.
REFUSED_V4 = ["0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
              "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15",
              "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4"]
REFUSED_V6 = ["::/128", "::1/128", "64:ff9b::/96", "64:ff9b:1::/48", "100::/64", "2001:db8::/32", "fc00::/7",
              "fe80::/10", "fec0::/10", "ff00::/8"]


class EgressError(RuntimeError):
    """The egress proxy could not be started; the message says why (in Chinese)."""


def refused_ranges() -> list[str]:
    mapped = []
    for cidr in REFUSED_V4:
        net = ipaddress.ip_network(cidr)
        mapped.append(f"::ffff:{net.network_address}/{96 + net.prefixlen}")
    return REFUSED_V4 + REFUSED_V6 + mapped


def _dns_ip(dns_server: str | None) -> tuple[str | None, str | None]:
    """Squid's dns_nameservers takes an address and always asks port 53: (address, warning or None)."""
    if not dns_server:
        return None, None
    ip, port = dns_server_address(dns_server)
    if port != 53:
        return None, (f"出站代理 Squid 只能向 53 端口查询 DNS，dns_server={dns_server} 的端口 {port} 无法使用，"
                      "代理改用系统解析器")
    return ip, None


@dataclass(frozen=True)
class EgressPolicy:
    """What our own Squid allows: all (allow_private) or the public internet plus the allowlisted CIDRs."""

    allow_all: bool = False
    allowlist: tuple[str, ...] = ()
    dns_server: str | None = None
    # Tests: no query may leave the machine; unmapped names fail quickly instead of reaching a real resolver.
    isolate: bool = False

    @classmethod
    def of(cls, settings: Any) -> "EgressPolicy":
        allow = []
        for entry in settings.private_allowlist or []:
            try:
                allow.append(str(ipaddress.ip_network(entry.strip(), strict=False)))
            except ValueError:
                continue  # the URL check reports bad entries; a bad entry never widens the proxy
        return cls(bool(settings.allow_private), tuple(sorted(set(allow))), settings.dns_server,
                   bool(settings.isolate_network))


LOCAL_CLIENTS = ("127.0.0.0/8", "::1")


def squid_conf(policy: EgressPolicy, port: int, run_dir: Path, listen: str = "127.0.0.1",
               clients: tuple[str, ...] = LOCAL_CLIENTS, log: str | None = None) -> str:
    """The squid.conf of our own proxy, and of compose's egress service (``python -m browsers.egress``)."""
    lines = [
        f"http_port {listen}:{port}",
        f"pid_filename {run_dir / 'squid.pid'}",
        f"cache_log {log or run_dir / 'cache.log'}",
        "access_log none",
        f"coredump_dir {run_dir}",
        "netdb_filename none",
        "pinger_enable off",
        "visible_hostname govaudit-egress",
        "shutdown_lifetime 0 seconds",
        # A proxy, not a cache: every page is fetched as the site serves it now.
        "cache deny all",
        "cache_mem 0 MB",
        # Nothing about the auditor's machine goes to the site.
        "forwarded_for delete",
        "via off",
        "reply_header_access X-Cache deny all",
        "reply_header_access X-Cache-Lookup deny all",
        f"error_directory {run_dir / 'errors'}",
        "acl clients src " + " ".join(clients),
    ]
    # (dns_v4_first is gone from Squid 5, which tries both families itself; every address is judged by dst.)
    ip, _warn = _dns_ip(policy.dns_server)
    if ip:
        lines.append(f"dns_nameservers {ip}")
    lines.append("http_access deny !clients")
    lines.append("http_access deny manager")
    if policy.isolate and not ip:
        # Tests (isolate_network, no DNS server of their own): a name is not looked up at all, so no query leaves
        # the machine; it fails as "not found", as it does in the browser's own resolver rules. Hosts the tests map
        # never reach the proxy (launch.py sends them direct). Address literals are judged by the dst ACLs below.
        lines += [r"acl ip_literal dstdom_regex -n ^[0-9.]+$ ^\[?[0-9a-fA-F]*:[0-9a-fA-F:.]*\]?$",
                  f"deny_info 503:{NOTFOUND_PAGE} ip_literal", "http_access deny !ip_literal",
                  "dns_nameservers 127.0.0.1", "hosts_file none"]
    if not policy.allow_all:
        lines.append("acl refused_dst dst " + " ".join(refused_ranges()))
        deny = "http_access deny refused_dst"
        if policy.allowlist:
            lines.append("acl allowed_dst dst " + " ".join(policy.allowlist))
            deny += " !allowed_dst"
        # One fixed page for every refusal, decided before any connection: the port state never shows.
        # Squid picks the deny_info of the last ACL on the matching line, hence one for each ACL of the line.
        lines.append(f"deny_info 403:{REFUSED_PAGE} refused_dst")
        if policy.allowlist:
            lines.append(f"deny_info 403:{REFUSED_PAGE} allowed_dst")
        lines.append(deny)
    lines.append("http_access allow clients")
    lines.append("http_access deny all")
    return "\n".join(lines) + "\n"


def prepare_run_dir() -> Path:
    """A fresh run folder: Squid's error pages (its own, plus our fixed refusal and not-found pages)."""
    run_dir = Path(tempfile.mkdtemp(prefix="govaudit-egress-"))
    errors = run_dir / "errors"
    if TEMPLATES.is_dir():
        shutil.copytree(TEMPLATES, errors)
    else:
        errors.mkdir()
    (errors / REFUSED_PAGE).write_text(
        f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{REFUSED_TEXT}</title></head>'
        f"<body><p>{REFUSED_TEXT}</p></body></html>\n", encoding="utf-8")
    (errors / NOTFOUND_PAGE).write_text(
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>域名无法解析</title></head>'
        "<body><p>域名无法解析</p></body></html>\n", encoding="utf-8")
    if os.geteuid() == 0:
        # Squid started as root drops to its own user (proxy), which must write the pid file and the log.
        try:
            for p in [run_dir, *run_dir.rglob("*")]:
                shutil.chown(p, user="proxy")
        except (LookupError, OSError):
            os.chmod(run_dir, 0o777)
    return run_dir


# Squid runs under a small guard process that holds a pipe from us: when this process ends in any way (a killed
# worker included), the pipe closes and the guard stops Squid. (Squid drops root for its own user, which clears a
# parent-death signal, so the guard is what ties its life to ours.)
_GUARD = r"""
import os, shutil, signal, subprocess, sys, threading
p = subprocess.Popen(sys.argv[1:], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
stopping = threading.Event()
def stop(*_):
    stopping.set()
    p.kill()  # SIGKILL: a proxy with no cache and no access log has nothing to save; SIGTERM took 1.4 s
    p.wait()
    shutil.rmtree(os.path.dirname(sys.argv[-1]), ignore_errors=True)  # the run folder
    os._exit(0)
def watch():
    p.wait()
    if not stopping.is_set():
        os._exit(p.returncode or 1)
threading.Thread(target=watch, daemon=True).start()
for sig in (signal.SIGTERM, signal.SIGINT):
    signal.signal(sig, stop)
sys.stdin.buffer.read()
stop()
"""


def _spawn(argv: list[str]) -> "subprocess.Popen[bytes]":
    import sys

    return subprocess.Popen([sys.executable, "-c", _GUARD, *argv], stdin=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Squid:
    """Our own Squid (``squid -N -f conf``) on a free 127.0.0.1 port, in a temporary run folder."""

    def __init__(self, policy: EgressPolicy):
        self.policy = policy
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None
        self.run_dir: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 20.0) -> "Squid":
        if not Path(SQUID).exists():
            raise EgressError("找不到出站代理程序 squid（Debian 软件包 squid），或设置 egress_proxy 使用已运行的代理")
        last = ""
        for _ in range(3):  # a port taken between choosing and binding: choose again
            self._prepare()
            assert self.run_dir is not None
            self.port = _free_port()
            conf = self.run_dir / "squid.conf"
            conf.write_text(squid_conf(self.policy, self.port, self.run_dir), encoding="utf-8")
            self.proc = _spawn([SQUID, "-N", "-f", str(conf)])
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and self.proc.poll() is None:
                try:
                    with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                        return self
                except OSError:
                    time.sleep(0.05)
            last = self._log_tail()
            self.stop()
        raise EgressError(f"出站代理 squid 未能启动：{last[-500:]}")

    def _prepare(self) -> None:
        self.run_dir = prepare_run_dir()

    def _log_tail(self) -> str:
        text = ""
        if self.proc is not None and self.proc.stderr is not None and self.proc.poll() is not None:
            text = self.proc.stderr.read().decode("utf-8", "replace")
        if self.run_dir is not None and (self.run_dir / "cache.log").exists():
            text += (self.run_dir / "cache.log").read_text("utf-8", "replace")
        return "\n".join(line for line in text.splitlines() if "FATAL" in line or "ERROR" in line) or text

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            try:
                if proc.stdin is not None:
                    proc.stdin.close()  # the guard stops Squid and exits
                proc.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                try:
                    os.killpg(proc.pid, signal.SIGKILL)  # our own session: the guard and Squid
                except ProcessLookupError:
                    pass
        if proc is not None:
            for f in (proc.stdin, proc.stderr):
                if f is not None:
                    try:
                        f.close()
                    except OSError:
                        pass
        if self.run_dir is not None:
            shutil.rmtree(self.run_dir, ignore_errors=True)
            self.run_dir = None


_lock = threading.Lock()
_running: dict[EgressPolicy, Squid] = {}


def proxy_for(settings: Any) -> str | None:
    """The proxy URL every request of this process goes through (None: egress control off).

    ``egress_proxy`` names an already-running proxy (compose's ``egress`` service); otherwise one Squid per policy
    is started here on first use and stopped at exit. Blocking (about a second the first time): from async code
    call it through ``asyncio.to_thread``.
    """
    if not getattr(settings, "egress", True):
        return None
    external = getattr(settings, "egress_proxy", None)
    if external:
        return external.rstrip("/")
    policy = EgressPolicy.of(settings)
    with _lock:
        squid = _running.get(policy)
        if squid is None or squid.proc is None or squid.proc.poll() is not None:
            warning = _dns_ip(policy.dns_server)[1]
            if warning:
                logging.getLogger("govaudit.egress").warning(warning)
            squid = _running[policy] = Squid(policy).start()
        return squid.url


def dns_warning(settings: Any) -> str | None:
    """Why our own Squid cannot use the configured DNS server (a port other than 53), or None."""
    if not getattr(settings, "egress", True) or getattr(settings, "egress_proxy", None):
        return None
    return _dns_ip(settings.dns_server)[1]


def stop_all() -> None:
    with _lock:
        squids = list(_running.values())
        _running.clear()
    for squid in squids:
        squid.stop()


atexit.register(stop_all)


# ------------------------------------------------------------------------------------------ reading refusals

def refusal_kind(squid_error: str | None) -> str | None:
    """The page error class (auditor.errors.PageError value) of Squid's ``X-Squid-Error`` header, or None."""
    if not squid_error:
        return None
    if REFUSED_PAGE in squid_error:
        return "egress_refused"
    if "ERR_DNS_FAIL" in squid_error or NOTFOUND_PAGE in squid_error:
        return "dns"
    if "TIMEOUT" in squid_error:
        return "timeout"
    if "ERR_SECURE_CONNECT_FAIL" in squid_error:
        return "tls"
    return "connection"


def ask_proxy_sync(proxy: str, host: str, port: int, timeout: float = 15.0) -> str | None:
    """Squid's verdict on a tunnel to host:port (what Chromium reports only as ERR_TUNNEL_CONNECTION_FAILED, or
    as a bare status where the headers are hidden): its ``X-Squid-Error`` header, "" when the tunnel is allowed
    and opens (it is closed at once), None when the proxy cannot be asked."""
    addr = proxy.split("://", 1)[-1].rstrip("/")
    phost, _, pport = addr.rpartition(":")
    host = host.strip("[]")
    target = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    try:
        with socket.create_connection((phost.strip("[]"), int(pport)), timeout=timeout) as sock:
            sock.sendall(f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n".encode("ascii", "ignore"))
            head = b""
            while b"\r\n\r\n" not in head and len(head) < 65536:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                head += chunk
    except (OSError, ValueError):
        return None
    lines = head.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    if not lines or not lines[0].startswith("HTTP/"):
        return None
    if lines[0].split(" ")[1:2] == ["200"]:
        return ""
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "x-squid-error":
            return value.strip()
    return "ERR_UNKNOWN"


async def ask_proxy(proxy: str, host: str, port: int, timeout: float = 15.0) -> str | None:
    """``ask_proxy_sync`` off the event loop."""
    return await asyncio.to_thread(ask_proxy_sync, proxy, host, port, timeout)


# ------------------------------------------------------------------------------------------ compose's egress

def main(argv: list[str] | None = None) -> int:
    """``python -m browsers.egress``: Squid in the foreground with the policy of the settings (GOVAUDIT_* and the
    TOML file: allow_private, private_allowlist, dns_server), for compose's ``egress`` service."""
    import argparse
    import sys

    from auditor.config import ConfigError, load_settings

    ap = argparse.ArgumentParser(prog="python -m browsers.egress",
                                 description="出站代理（Squid，按网络策略拒绝内网地址），供 compose 的 egress 服务使用")
    ap.add_argument("--listen", default="0.0.0.0", help="监听地址（默认 0.0.0.0）")
    ap.add_argument("--port", type=int, default=3128, help="监听端口（默认 3128）")
    ap.add_argument("--clients", default="10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,127.0.0.0/8,::1,fc00::/7",
                    help="允许使用代理的客户端网段，逗号分隔（默认容器网络与本机）")
    ap.add_argument("--print-conf", action="store_true", help="只打印生成的 squid.conf")
    args = ap.parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    if not Path(SQUID).exists():
        print("错误：找不到 squid（Debian 软件包 squid）", file=sys.stderr)
        return 2
    warn = _dns_ip(settings.dns_server)[1]
    if warn:
        print(f"注意：{warn}", file=sys.stderr)
    run_dir = prepare_run_dir()
    conf = run_dir / "squid.conf"
    policy = dataclasses.replace(EgressPolicy.of(settings), isolate=False)
    conf.write_text(squid_conf(policy, args.port, run_dir, listen=args.listen,
        clients=tuple(c.strip() for c in args.clients.split(",") if c.strip()), log="/dev/stderr"),
        encoding="utf-8")
    if args.print_conf:
        print(conf.read_text(encoding="utf-8"))
        shutil.rmtree(run_dir, ignore_errors=True)
        return 0
    os.execv(SQUID, [SQUID, "-N", "-f", str(conf)])
    return 0  # not reached


if __name__ == "__main__":
    raise SystemExit(main())
