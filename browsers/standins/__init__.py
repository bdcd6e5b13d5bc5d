"""Offline stand-ins of the national services, routed inside the browser.

There is no internet in tests and the demo, so the hosts of the 党政机关网站标识 service (dcs.conac.cn) and of
the 我为政府网站找错 service (zfwzgl.www.gov.cn, plus the legacy pucha.kaipuyun.cn) are answered by local files.
The page still loads the script through its own <script> tag and the script still draws the badge, so the
rendered path is what gets tested. Real runs leave these hosts alone.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent

# Which stand-in file answers which URL (regex on the full URL).
_ROUTES: list[tuple[re.Pattern[str], str, str]] = [
    (re.compile(r"^https?://dcs\.conac\.cn/js/.*\.js"), "conac.js", "application/javascript"),
    (re.compile(r"^https?://dcs\.conac\.cn/image/red_error\.png"), "red_error.png", "image/png"),
    (re.compile(r"^https?://dcs\.conac\.cn/image/blue_error\.png"), "red_error.png", "image/png"),
    (re.compile(r"^https?://dcs\.conac\.cn/image/blue\.png"), "blue.png", "image/png"),
    (re.compile(r"^https?://dcs\.conac\.cn/image/.*\.png"), "red.png", "image/png"),
    (re.compile(r"^https?://[^/]+/exposure/jiucuo\.js"), "jiucuo.js", "application/javascript"),
    (re.compile(r"^https?://[^/]+/exposure/images/jiucuo\.png"), "jiucuo.png", "image/png"),
]

# Glob patterns registered with the browser; only these requests are intercepted.
HOST_GLOBS = [
    "**://dcs.conac.cn/**",
    "**://zfwzgl.www.gov.cn/**",
    "**://pucha.kaipuyun.cn/**",
    "**://121.43.68.40/**",
]

_cache: dict[str, bytes] = {}


def standin_for(url: str) -> tuple[bytes, str] | None:
    """The stand-in body and content type for a national-service URL, or None (answer 404)."""
    for pattern, name, ctype in _ROUTES:
        if pattern.match(url):
            if name not in _cache:
                _cache[name] = (HERE / name).read_bytes()
            return _cache[name], ctype
    return None


async def install(context: Any) -> None:
    """Route the national services' hosts of a Playwright BrowserContext to the stand-ins."""

    async def handle(route: Any) -> None:
        if "/__offline__/" in route.request.url:  # simulates the national service being unreachable
            await route.abort("connectionrefused")
            return
        if "/__silent__/" in route.request.url:  # the service answers, and its script draws nothing
            await route.fulfill(status=200, body=b"/* answered, draws nothing */",
                                content_type="application/javascript")
            return
        hit = standin_for(route.request.url)
        if hit is None:
            await route.fulfill(status=404, body=b"", content_type="text/plain")
        else:
            body, ctype = hit
            await route.fulfill(status=200, body=body, content_type=ctype,
                                headers={"Access-Control-Allow-Origin": "*"})

    for glob in HOST_GLOBS:
        await context.route(glob, handle)
