"""Launching Debian's Chromium through Playwright with the flags the project requires."""
from __future__ import annotations

import os
from typing import Any

# The real binary; /usr/bin/chromium is a wrapper script that adds flags and noise.
CHROMIUM_PATH = os.environ.get("GOVAUDIT_CHROMIUM_PATH", "/usr/lib/chromium/chromium")

BASE_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--gaia-url=http://127.0.0.1:9/",
    "--component-updater=url-source=http://127.0.0.1:9/",
]

# Tests: nothing resolves except loopback and the hosts a test maps explicitly.
TEST_RESOLVER_BASE = "MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1, EXCLUDE ::1"


def resolver_rules(host_map: dict[str, str], isolate: bool) -> str | None:
    """The --host-resolver-rules value: MAP rules for mapped hosts, then (in tests) everything else to NOTFOUND.

    Chromium applies the first matching rule, so the specific MAPs come before the catch-all.
    """
    rules = [f"MAP {host} {target}" for host, target in host_map.items()]
    if isolate:
        rules.append(TEST_RESOLVER_BASE)
    return ", ".join(rules) if rules else None


def proxy_args(proxy: str | None, host_map: dict[str, str]) -> list[str]:
    """Flags sending every request through the egress proxy (browsers/egress.py).

    ``<-loopback>`` removes Chromium's implicit bypass of localhost/127.0.0.1/[::1], so an iframe, fetch or
    WebSocket to the auditor's own machine goes to the proxy too (which refuses it unless allowed). Only the hosts
    the settings map explicitly (``host_map``: tests, the demo, a DNS server's answer for the audited site) go
    direct, to the address the map names: they are configured destinations, resolved by the browser's MAP rules.
    """
    if not proxy:
        return []
    bypass = ["<-loopback>", *(h for h in host_map if h.strip())]
    # WebRTC sends UDP (STUN/TURN, ICE candidates) past any proxy: a page could reach an internal UDP port.
    # Only proxied (TCP) WebRTC traffic is allowed, i.e. none to a refused destination.
    return [f"--proxy-server={proxy}", f"--proxy-bypass-list={';'.join(bypass)}",
            "--webrtc-ip-handling-policy=disable_non_proxied_udp"]


def chromium_args(host_map: dict[str, str] | None = None, isolate: bool = False,
                  proxy: str | None = None) -> list[str]:
    args = list(BASE_FLAGS)
    rules = resolver_rules(host_map or {}, isolate)
    if rules:
        args.append(f"--host-resolver-rules={rules}")
    args += proxy_args(proxy, host_map or {})
    return args


def node_compile_cache() -> None:
    """Let Playwright's driver (Node.js) keep its compiled code between runs: Node's own compile cache
    (``NODE_COMPILE_CACHE``, Node 22.1 and later), in the user's cache folder. The driver then starts in about
    0.27 s instead of 0.33–0.42 s, a part of every command that starts the browser (docs/performance.md).

    The driver inherits this process's environment; a value already set (or ``NODE_DISABLE_COMPILE_CACHE``) is
    left as it is, and Node ignores a folder it cannot write."""
    if "NODE_COMPILE_CACHE" in os.environ or "NODE_DISABLE_COMPILE_CACHE" in os.environ:
        return
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    os.environ["NODE_COMPILE_CACHE"] = os.path.join(base, "govsite-auditor", "node-compile-cache")


async def launch_chromium(playwright: Any, host_map: dict[str, str] | None = None,
                          isolate: bool = False, headless: bool = True, proxy: str | None = None) -> Any:
    """Launch Chromium (Playwright async API) and return the Browser; ``proxy`` is the egress proxy URL."""
    return await playwright.chromium.launch(
        executable_path=CHROMIUM_PATH,
        headless=headless,
        args=chromium_args(host_map, isolate, proxy),
    )
