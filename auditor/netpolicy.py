"""Which URLs the auditor may fetch. It fetches arbitrary URLs, so private and loopback targets are refused
unless the settings allow them (tests allow loopback explicitly)."""
from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Mapping

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


_OTHER_SCHEMES = re.compile(r"^(javascript|vbscript|data|file|ftp|ftps|mailto|about|blob|chrome|view-source|ws|wss|"
                            r"gopher|ldap|dict|sftp|smb|tel|sms|intent|filesystem)\s*:", re.I)


def _authority(rest: str) -> str:
    """The raw authority after "scheme:" (slashes skipped), up to the first path, query or fragment character."""
    rest = rest.lstrip("/")
    cut = min([i for i in (rest.find(c) for c in "/?#") if i >= 0], default=len(rest))
    return rest[:cut]


def normalise_url(raw: str) -> str:
    """Accept what auditors paste (no scheme, spaces around, full-width colon) and return the http(s) URL as the
    browser reads it.

    Parsed with a WHATWG URL parser (ada-url, the one standard Chromium follows), so the host checked by the
    policy is the host Chromium will connect to: ``http://127.0.0.1:18081\\@www.own.gov.cn/`` is 127.0.0.1 for
    both, not www.own.gov.cn as urllib reads it. Refused with a Chinese message (TargetRefused, INVALID_URL):
    other schemes, user names or passwords (``user@host``), backslashes before the path, a bad port, an
    unclosed IPv6 bracket. Every URL a person types (CLI, web forms, API, imports) goes through here first.
    """
    import ada_url

    url = raw.strip().replace("：", ":")
    if not url:
        raise TargetRefused(PageError.INVALID_URL, "网址为空")
    if any(c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F for c in url):
        raise TargetRefused(PageError.INVALID_URL, f"网址中不能有空格或控制字符: {raw.strip()}")
    head = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*):(?=[/\\])", url)
    if head is None:
        if _OTHER_SCHEMES.match(url):
            raise TargetRefused(PageError.INVALID_URL, f"只支持 http/https 网址: {raw.strip()}")
        url = "http://" + url
        head = re.match(r"^(http):", url)
    assert head is not None
    if head.group(1).lower() not in ("http", "https"):
        raise TargetRefused(PageError.INVALID_URL, f"只支持 http/https 网址: {raw.strip()}")
    rest = url[head.end():]
    if "\\" in rest[:len(rest) - len(rest.lstrip("/\\"))] or "\\" in _authority(rest.lstrip("/\\")):
        raise TargetRefused(PageError.INVALID_URL, f"网址的主机部分不能含反斜杠（\\）: {raw.strip()}")
    authority = _authority(rest)
    if "@" in authority:
        raise TargetRefused(PageError.INVALID_URL,
                            f"网址中不能包含用户名或密码（“@”之前的部分），请只填写网站地址: {raw.strip()}")
    if "[" in authority and "]" not in authority:
        raise TargetRefused(PageError.INVALID_URL, f"网址中的 IPv6 地址缺少“]”: {raw.strip()}")
    try:
        parsed = ada_url.URL(url)
    except ValueError:
        port = re.search(r":([^:\]]*)$", authority)
        if port and (not port.group(1).isdigit() or int(port.group(1)) > 65535):
            raise TargetRefused(PageError.INVALID_URL, f"端口无效: {raw.strip()}") from None
        raise TargetRefused(PageError.INVALID_URL, f"网址无效: {raw.strip()}") from None
    if parsed.protocol not in ("http:", "https:"):
        raise TargetRefused(PageError.INVALID_URL, f"只支持 http/https 网址: {raw.strip()}")
    if parsed.username or parsed.password:
        raise TargetRefused(PageError.INVALID_URL,
                            f"网址中不能包含用户名或密码（“@”之前的部分），请只填写网站地址: {raw.strip()}")
    if not parsed.hostname:
        raise TargetRefused(PageError.INVALID_URL, f"网址无效: {raw.strip()}")
    return parsed.href


def url_host(url: str) -> str:
    """The host of a URL as the browser reads it (WHATWG), without IPv6 brackets; "" when it has none."""
    import ada_url

    try:
        host = ada_url.URL(url).hostname
    except ValueError:
        return ""
    return host[1:-1] if host.startswith("[") else host


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


def refused_without_lookup(url: str, *, allow_private: bool, allowlist: list[str] | None = None,
                           host_map: Mapping[str, str] | None = None) -> str | None:
    """The private address a URL the browser ended on (final URL, a frame) points at, judged without a DNS lookup:
    an address literal, or a host the map names. None when allowed or when only a lookup could tell (names go
    through the egress proxy, which resolves and judges them itself; a lookup here could differ from its own).

    Defence in depth after every navigation, beside the proxy (browsers/egress.py).
    """
    if allow_private or not url.lower().startswith(("http:", "https:", "ws:", "wss:")):
        return None
    host = url_host(url)
    if not host:
        return None
    mapped = map_target(host, host_map or {})
    addr = mapped[0] if mapped is not None else host
    if addr == NOTFOUND:
        return None
    try:
        ipaddress.ip_address(addr.split("%", 1)[0])
    except ValueError:
        return None
    return addr if _is_private(addr) and not _allowed(addr, allowlist or []) else None


def dns_server_address(raw: str) -> tuple[str, int]:
    """The (address, port) of a DNS server setting: ``127.0.0.1:5353``, ``[::1]:5353``, ``::1`` or ``10.0.0.53``."""
    raw = raw.strip()
    if raw.startswith("["):
        ip, _, rest = raw[1:].partition("]")
        return ip, int(rest[1:]) if rest.startswith(":") else 53
    if raw.count(":") == 1:
        ip, _, p = raw.partition(":")
        return ip, int(p)
    return raw, 53
