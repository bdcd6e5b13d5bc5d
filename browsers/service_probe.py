"""Probe the national services once per run (国家服务可达性): can the auditor reach dcs.conac.cn, zfwzgl.www.gov.cn,
the ICP and 公安 registries from where it runs?

Any HTTP answer means the host was reached (a 404 of the front page still shows the service is up); an outage
answer (5xx, 403, 429) or no answer at all (name, connection, timeout) means it was not. The probe goes through
the link checker's client, so it follows the same host mapping, resolver and network policy as every other
request of the auditor. With ``standins`` on (tests, demo) the hosts the stand-ins answer count as reachable, on the
engine that serves them (Playwright).
"""
from __future__ import annotations

import fnmatch
from typing import Any

from auditor.config import Settings
from auditor.services import service_host, status
from browsers.engines import serves_standins

_OUTAGE = frozenset({403, 429, 500, 502, 503, 504})


def _standin_covers(url: str) -> bool:
    from browsers import standins

    return any(fnmatch.fnmatch(url, g.replace("**://", "*://")) for g in standins.HOST_GLOBS)


async def probe_services(settings: Settings, timeout: float = 8.0) -> dict[str, dict[str, Any]]:
    """{host: reachability} for every URL of ``settings.national_services`` (auditor.services.status)."""
    from clients.linkcheck import check_links

    urls = [u for u in settings.national_services if service_host(u)]
    out: dict[str, dict[str, Any]] = {}
    todo = []
    # Where the browser cannot get the stand-ins (Selenium), their hosts are probed like any other: a badge the
    # browser could not load is then the auditor's limit (not_assessable), never the site's fault.
    standins = serves_standins(settings)
    for u in urls:
        if standins and _standin_covers(u):
            out[service_host(u)] = status(service_host(u), u, True, via="本地替身（离线演示、测试）")
        else:
            todo.append(u)
    if todo:
        results = await check_links(todo, settings, retries=0, timeout=min(timeout, settings.link_timeout),
                                    per_host=1)
        for u in todo:
            host = service_host(u)
            r = results.get(u)
            if r is None:
                out[host] = status(host, u, False, "未检查", "网址无效")
                continue
            code = r.http_status
            ok = code is not None and code not in _OUTAGE
            out[host] = status(host, u, ok, None if ok else r.reason, None if ok else r.reason,
                               http_status=code)
    return out
