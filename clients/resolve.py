"""Name resolution for the network policy (网络边界): the DNS side of ``auditor.netpolicy``.

The policy itself (which addresses are private, the allowlist, the host map) is pure and lives in the domain; this
module asks resolvers, so it sits on the gathering side.
"""
from __future__ import annotations

import ipaddress
import socket

from auditor.errors import PageError
from auditor.netpolicy import (NOTFOUND, Target, TargetRefused, _allowed, _is_private, dns_server_address, map_target,
                               normalise_url, url_host)


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
    host = url_host(url)
    addrs = resolve(host, host_map or {})
    if not allow_private:
        bad = [a for a in addrs if _is_private(a) and not _allowed(a, allowlist or [])]
        if bad:
            raise TargetRefused(PageError.PRIVATE_TARGET,
                                f"{host} 指向内网或本机地址 {', '.join(bad)}，已拒绝（可用 --allow-private 允许）")
    return Target(url=url, host=host, addresses=addrs)


async def name_resolves(host: str, dns_server: str | None, timeout: float = 3.0) -> bool | None:
    """Whether a name has an A or AAAA record (asking ``dns_server`` when set): False for NXDOMAIN or no address,
    None when the DNS cannot be asked. Only to tell what the egress proxy meant: Squid 5 answers a name that does
    not resolve with ERR_READ_ERROR ("path selection found no paths"), not ERR_DNS_FAIL."""
    import dns.asyncresolver
    import dns.exception
    import dns.resolver

    try:
        ipaddress.ip_address(host.strip("[]"))
        return True
    except ValueError:
        pass
    if dns_server:
        ip, port = dns_server_address(dns_server)
        r = dns.asyncresolver.Resolver(configure=False)
        r.nameservers, r.port = [ip], port
    else:
        try:
            r = dns.asyncresolver.Resolver()
        except dns.resolver.NoResolverConfiguration:
            return None
    r.timeout, r.lifetime = timeout, timeout * 2
    unanswered = False
    for rtype in ("A", "AAAA"):
        try:
            await r.resolve(host, rtype, search=False)
            return True
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            continue
        except (dns.exception.DNSException, OSError, ValueError):
            unanswered = True
    return None if unanswered else False
