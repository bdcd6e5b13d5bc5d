"""Which URLs the auditor may fetch. It fetches arbitrary URLs, so private and loopback targets are refused
unless the settings allow them (tests allow loopback explicitly)."""
from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from typing import Mapping
from urllib.parse import urlsplit

from auditor.errors import PageError


class TargetRefused(ValueError):
    def __init__(self, kind: PageError, message: str):
        super().__init__(message)
        self.kind = kind


@dataclass
class Target:
    url: str
    host: str
    addresses: list[str]


def normalise_url(raw: str) -> str:
    """Accept what auditors paste (no scheme, spaces, full-width colon) and return an http(s) URL."""
    url = raw.strip().replace("：", ":")
    if not url:
        raise TargetRefused(PageError.INVALID_URL, "网址为空")
    if "://" not in url:
        url = "http://" + url
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise TargetRefused(PageError.INVALID_URL, f"只支持 http/https 网址: {raw}")
    if not parts.hostname or " " in url:
        raise TargetRefused(PageError.INVALID_URL, f"网址无效: {raw}")
    try:
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        raise TargetRefused(PageError.INVALID_URL, f"端口无效: {raw}") from None
    if not parts.path:
        url = url + "/"
    return url


def _is_private(addr: str) -> bool:
    ip = ipaddress.ip_address(addr.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def _allowed(addr: str, allowlist: list[str]) -> bool:
    ip = ipaddress.ip_address(addr.split("%", 1)[0])
    for entry in allowlist:
        try:
            if ip in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


NOTFOUND = "~NOTFOUND"  # Chromium's MAP syntax for a name that does not exist


def map_target(host: str, host_map: Mapping[str, str]) -> tuple[str, int | None] | None:
    """Where the browser's host map sends a host: (address, port or None), or None when unmapped.

    The one reading of ``host_map`` for every client (browser rules, link checks, monitor, URL policy):
    patterns are exact hosts or ``*.suffix``; targets are ``ip``, ``ip:port``, ``[v6]``, ``[v6]:port`` or
    ``~NOTFOUND`` (returned as the address).
    """
    host = host.lower().rstrip(".")
    for pattern, target in host_map.items():
        p = pattern.lower()
        if p == host or (p.startswith("*.") and host.endswith(p[1:])):
            t = target.strip()
            if t.startswith("["):
                addr, _, rest = t[1:].partition("]")
                return addr, int(rest[1:]) if rest.startswith(":") else None
            if t.count(":") == 1:
                addr, _, port = t.partition(":")
                return addr, int(port)
            return t, None
    return None


def resolve(host: str, host_map: dict[str, str]) -> list[str]:
    """Addresses of a host: the browser's host map first (tests, demo), then the system resolver."""
    mapped = map_target(host, host_map)
    if mapped is not None:
        if mapped[0] == NOTFOUND:
            raise TargetRefused(PageError.DNS, f"域名无法解析: {host}")
        return [mapped[0]]
    try:
        ipaddress.ip_address(host.strip("[]"))
        return [host.strip("[]")]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise TargetRefused(PageError.DNS, f"域名无法解析: {host} ({exc})") from None
    return sorted({i[4][0] for i in infos})


def check_target(raw_url: str, *, allow_private: bool, allowlist: list[str] | None = None,
                 host_map: dict[str, str] | None = None) -> Target:
    """Normalise a URL and refuse it when it points at a private, loopback or reserved address."""
    url = normalise_url(raw_url)
    host = urlsplit(url).hostname or ""
    addrs = resolve(host, host_map or {})
    if not allow_private:
        bad = [a for a in addrs if _is_private(a) and not _allowed(a, allowlist or [])]
        if bad:
            raise TargetRefused(PageError.PRIVATE_TARGET,
                                f"{host} 指向内网或本机地址 {', '.join(bad)}，已拒绝（可用 --allow-private 允许）")
    return Target(url=url, host=host, addresses=addrs)
