"""A two-namespace IPv6 lab for the ``ipv6.*`` checks (root only; the tests skip, saying why, otherwise).

    client ns (the checks, Chromium)  ==veth==  server ns (HTTP servers, dnsmasq on :5353)
    198.18.0.1/24, fd42:RRRR::1/64              198.18.0.2/24, fd42:RRRR::2/64 and one address per lab host

Only the benchmark range 198.18.0.0/15 and ULA fd42:RRRR::/64 (RRRR random per run) are used; namespace and
interface names carry a random suffix; ``Lab.close()`` kills every process it started (by pid, plus any pid
still inside its own namespaces) and deletes both namespaces (which removes the veth pair), also on failure.

Lab hosts (all HTTP on port 80):

=========================== ================ =================== ===========================================
host                        IPv4             IPv6                what it serves
=========================== ================ =================== ===========================================
dual.lab6.gov.cn            .2               ::2                 same site on both
v4only.lab6.gov.cn          .3               (no AAAA)           site; also the 二级 pages of dual2, resources
v6only.lab6.gov.cn          (no A)           ::4                 site
noaaaa-listen.lab6.gov.cn   .5               ::5 (nothing bound) site over IPv4 only, AAAA published
v6diff.lab6.gov.cn          .6               ::6                 different home page over IPv6
dual2.lab6.gov.cn           .7               ::7                 home whose 二级 links half go to v4only
subres.lab6.gov.cn          .8               ::8                 home with img/css from v4only
www.old4.gov.cn             .9               ::9                 dual, but its zone's NS has no IPv6
=========================== ================ =================== ===========================================
NS of lab6.gov.cn: ns1/ns2.lab6.gov.cn (both families); NS of old4.gov.cn: ns.old4.gov.cn (IPv4 only).
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

ROOT = Path(__file__).resolve().parents[1]
PY = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable
DNSMASQ = shutil.which("dnsmasq") or "/usr/sbin/dnsmasq"
V4 = "198.18.0."
DNS_PORT = 5353


class LabUnavailable(RuntimeError):
    """The lab cannot be built here (not root, no netns support, no dnsmasq); the message says why."""


def _run(*cmd: str, check: bool = True) -> subprocess.CompletedProcess:
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=20, check=False)
    if check and p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} 失败: {p.stderr.strip() or p.stdout.strip()}")
    return p


def _wire(name: str) -> str:
    """A domain name in DNS wire format, hex (for dnsmasq --dns-rr)."""
    out = b""
    for label in name.rstrip(".").split("."):
        out += bytes([len(label)]) + label.encode()
    return (out + b"\0").hex()


# ---- site content --------------------------------------------------------------------------------------------
def _page(title: str, body: str, head: str = "") -> str:
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title>{head}</head>"
            f"<body>{body}</body></html>")


def _site(title: str, paragraphs: list[str], links: list[str] = ()) -> str:
    ps = "".join(f"<p>{p}</p>" for p in paragraphs)
    ls = "".join(f"<li><a href='{u}'>{u}</a></li>" for u in links)
    return _page(title, f"<h1>{title}</h1>{ps}<ul>{ls}</ul>")


NEWS = [f"第{i}条 政务动态：{t}" for i, t in enumerate(
    ["市政府召开常务会议", "发布优化营商环境实施方案", "开展安全生产大检查", "公布年度重点民生实事",
     "举行新闻发布会", "推进政务服务一网通办", "部署防汛抗旱工作", "召开经济运行分析会"], 1)]


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")


def _content(base: Path) -> None:
    std = {f"{n}.html": _site(f"栏目{n}", [f"栏目 {n} 的内容"]) for n in ("a", "b", "c")}
    std.update({f"sub/{n}.html": _site(f"文章{n}", [f"文章 {n} 正文"]) for n in ("1", "2")})
    for d, title in (("dual", "双栈市人民政府"), ("v4only", "仅IPv4市人民政府"), ("v6only", "仅IPv6市人民政府"),
                     ("noaaaa", "未监听市人民政府"), ("dual2", "双栈二号市人民政府"), ("subres", "资源市人民政府")):
        _write(base / d, {"index.html": _site(title, NEWS, ["a.html", "b.html", "c.html"]), **std})
    _write(base / "v4only", {f"l2/{n}.html": _site(f"外链栏目{n}", ["仅IPv4主机上的栏目"]) for n in ("x", "y")})
    _write(base / "v4only", {"res/style.css": "body{color:#333}", "res/logo.png": "PNG"})
    _write(base / "subres", {"index.html": _page(
        "资源市人民政府", "<h1>资源市人民政府</h1><img src='http://v4only.lab6.gov.cn/res/logo.png' alt='logo'>"
        + "".join(f"<p>{p}</p>" for p in NEWS),
        head="<link rel='stylesheet' href='http://v4only.lab6.gov.cn/res/style.css'>"
             "<link rel='stylesheet' href='/local.css'>"), "local.css": "p{margin:0}"})
    _write(base / "v6diff_v4", {"index.html": _site("差异市人民政府", NEWS), **std})
    _write(base / "v6diff_v6", {"index.html": _site("差异市人民政府", [
        "IPv6 测试页面", "本站 IPv6 版本正在建设中", "敬请期待", NEWS[0]]), **std})


SERVER_SCRIPT = r"""
import functools, http.server, json, socket, sys, threading
class Q(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a): pass
class S4(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
class S6(S4):
    address_family = socket.AF_INET6
servers = []
for addr, port, d in json.loads(sys.argv[1]):
    cls = S6 if ":" in addr else S4
    servers.append(cls((addr, port), functools.partial(Q, directory=d)))
for s in servers:
    threading.Thread(target=s.serve_forever, daemon=True).start()
print("READY", flush=True)
sys.stdin.read()  # until the lab closes our stdin (or kills us)
"""

#: The measuring side, run inside the client namespace; argv[1] is a JSON list of site specs.
RUNNER = r"""
import asyncio, json, sys
from auditor.config import load_settings
from clients.ipv6_probe import measure_site
async def main(specs):
    s = load_settings()
    ms = await asyncio.gather(*(measure_site(x["home"], s, x.get("level2", []), x.get("level3", []),
                                             x.get("subresources", []), timeout=x.get("timeout", 4.0))
                                for x in specs))
    return {x["name"]: m.as_dict() for x, m in zip(specs, ms)}
print(json.dumps(asyncio.run(main(json.loads(sys.argv[1]))), ensure_ascii=False))
"""


#: Chromium inside the client namespace; argv[1]: {"pages": [[url, host_map]...]}. Each page in its own
#: fetcher so that each gets its own --host-resolver-rules (the browser's host map is fixed at launch).
RENDER_RUNNER = r"""
import asyncio, json, sys
from auditor.config import load_settings
from browsers.fetcher import PageFetcher
async def main(spec):
    out = []
    for url, host_map in spec["pages"]:
        s = load_settings().replace(host_map=host_map, isolate_network=True, standins=False, ocr=False,
                                    nav_timeout=8, page_budget=20)
        async with PageFetcher(s) as f:
            r = await f.fetch(url, screenshot=False, probe=True)
        out.append({"url": url, "status": r.status, "final_url": r.final_url, "error": r.error,
                    "error_kind": r.error_kind.value if r.error_kind else None,
                    "title": (r.probe or {}).get("title"), "text": ((r.probe or {}).get("text") or "")[:4000],
                    "failed_requests": r.failed_requests})
    return out
print(json.dumps(asyncio.run(main(json.loads(sys.argv[1]))), ensure_ascii=False))
"""


@dataclass
class Lab:
    suffix: str = field(default_factory=lambda: secrets.token_hex(3))
    net6: str = field(default_factory=lambda: f"fd42:{secrets.randbelow(0xffff) + 1:x}")
    procs: list[subprocess.Popen] = field(default_factory=list)
    namespaces: list[str] = field(default_factory=list)
    tmp: Path | None = None

    @property
    def client(self) -> str:
        return f"g6c-{self.suffix}"

    @property
    def server(self) -> str:
        return f"g6s-{self.suffix}"

    def v6(self, n: int) -> str:
        return f"{self.net6}::{n:x}"

    @property
    def dns_server(self) -> str:
        return f"{V4}2:{DNS_PORT}"

    # ---- life cycle ----------------------------------------------------------------------------------------
    def start(self) -> Lab:
        if os.geteuid() != 0:
            raise LabUnavailable("需要 root 才能创建网络命名空间（ip netns add）")
        if not shutil.which("ip"):
            raise LabUnavailable("没有 ip 命令（iproute2）")
        if not Path(DNSMASQ).exists():
            raise LabUnavailable("没有 dnsmasq（Debian dnsmasq-base）")
        try:
            _run("ip", "netns", "add", self.client)
        except RuntimeError as exc:
            raise LabUnavailable(f"无法创建网络命名空间: {exc}") from None
        self.namespaces.append(self.client)
        try:
            self._build()
        except BaseException:
            self.close()
            raise
        return self

    def _build(self) -> None:
        c, s = self.client, self.server
        _run("ip", "netns", "add", s)
        self.namespaces.append(s)
        vc, vs = f"g6c{self.suffix}", f"g6s{self.suffix}"
        _run("ip", "link", "add", vc, "netns", c, "type", "veth", "peer", "name", vs, "netns", s)
        for ns, dev, n in ((c, vc, 1), (s, vs, 2)):
            x = ("ip", "netns", "exec", ns)
            _run(*x, "ip", "link", "set", "lo", "up")
            _run(*x, "ip", "addr", "add", f"{V4}{n}/24", "dev", dev)
            _run(*x, "ip", "-6", "addr", "add", f"{self.v6(n)}/64", "dev", dev, "nodad")
            _run(*x, "ip", "link", "set", dev, "up")
        sx = ("ip", "netns", "exec", s)
        for n in (3, 5, 6, 7, 8, 9):
            _run(*sx, "ip", "addr", "add", f"{V4}{n}/32", "dev", vs)
        for n in (4, 5, 6, 7, 8, 9):
            _run(*sx, "ip", "-6", "addr", "add", f"{self.v6(n)}/128", "dev", vs, "nodad")
        # Default routes in the client for both families (Chromium asks for AAAA only with an IPv6 route).
        _run("ip", "netns", "exec", c, "ip", "route", "add", "default", "via", f"{V4}2")
        _run("ip", "netns", "exec", c, "ip", "-6", "route", "add", "default", "via", self.v6(2))
        self.tmp = Path(tempfile.mkdtemp(prefix="govaudit-ipv6lab-"))
        www = self.tmp / "www"
        _content(www)
        binds = [  # (address, directory); noaaaa-listen has nothing on ::5
            (f"{V4}2", "dual"), (self.v6(2), "dual"), (f"{V4}3", "v4only"), (self.v6(4), "v6only"),
            (f"{V4}5", "noaaaa"), (f"{V4}6", "v6diff_v4"), (self.v6(6), "v6diff_v6"),
            (f"{V4}7", "dual2"), (self.v6(7), "dual2"), (f"{V4}8", "subres"), (self.v6(8), "subres"),
            (f"{V4}9", "dual"), (self.v6(9), "dual")]
        spec = json.dumps([[a, 80, str(www / d)] for a, d in binds])
        srv = self._spawn(s, [PY, "-c", SERVER_SCRIPT, spec], stdin=subprocess.PIPE)
        line = srv.stdout.readline() if srv.stdout else ""
        if "READY" not in line:
            err = srv.stderr.read() if srv.stderr and srv.poll() is not None else ""
            raise RuntimeError(f"服务器未启动: {line!r} {err}")
        records = {
            "dual.lab6.gov.cn": (f"{V4}2", self.v6(2)), "v4only.lab6.gov.cn": (f"{V4}3", None),
            "v6only.lab6.gov.cn": (None, self.v6(4)), "noaaaa-listen.lab6.gov.cn": (f"{V4}5", self.v6(5)),
            "v6diff.lab6.gov.cn": (f"{V4}6", self.v6(6)), "dual2.lab6.gov.cn": (f"{V4}7", self.v6(7)),
            "subres.lab6.gov.cn": (f"{V4}8", self.v6(8)), "www.old4.gov.cn": (f"{V4}9", self.v6(9)),
            "ns1.lab6.gov.cn": (f"{V4}2", self.v6(2)), "ns2.lab6.gov.cn": (f"{V4}2", self.v6(2)),
            "ns.old4.gov.cn": (f"{V4}2", None),
        }
        args = [DNSMASQ, "--no-daemon", "--no-resolv", "--no-hosts", "--no-poll", f"--port={DNS_PORT}",
                f"--listen-address={V4}2", f"--listen-address={self.v6(2)}", "--bind-interfaces",
                "--pid-file=", "--user=root", "--group=root", "--local=/lab6.gov.cn/", "--local=/old4.gov.cn/",
                "--conf-file=/dev/null"]
        for name, (a, aaaa) in records.items():
            args.append("--host-record=" + ",".join(x for x in (name, a, aaaa) if x))
        for zone, nss in (("lab6.gov.cn", ("ns1.lab6.gov.cn", "ns2.lab6.gov.cn")), ("old4.gov.cn", ("ns.old4.gov.cn",))):
            args += [f"--dns-rr={zone},2,{_wire(n)}" for n in nss]
        dns = self._spawn(s, args)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if dns.poll() is not None:
                raise RuntimeError(f"dnsmasq 退出: {dns.stderr.read() if dns.stderr else ''}")
            probe = _run("ip", "netns", "exec", s, "ss", "-lun", f"sport = :{DNS_PORT}", check=False)
            if f":{DNS_PORT}" in probe.stdout:
                break
            time.sleep(0.05)

    def _spawn(self, ns: str, cmd: list[str], **kw) -> subprocess.Popen:
        p = subprocess.Popen(["ip", "netns", "exec", ns, *cmd], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, cwd=str(ROOT), start_new_session=True, **kw)
        self.procs.append(p)
        return p

    def close(self) -> None:
        """Stop every process we started, then delete both namespaces and the temporary files."""
        for p in self.procs:
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for p in self.procs:
            try:
                p.wait(timeout=3)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                p.wait(timeout=3)
            for f in (p.stdin, p.stdout, p.stderr):
                if f:
                    try:
                        f.close()
                    except OSError:
                        pass
        for ns in reversed(self.namespaces):
            # Anything still running inside our own namespaces was started by this lab: end it by pid.
            pids = _run("ip", "netns", "pids", ns, check=False).stdout.split()
            for pid in pids:
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (ProcessLookupError, ValueError):
                    pass
            _run("ip", "netns", "del", ns, check=False)
        self.namespaces.clear()
        self.procs.clear()
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    # ---- running things in the client namespace --------------------------------------------------------------
    def client_env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("GOVAUDIT_")}
        # The lab allows its own addresses explicitly (the benchmark range and its ULA prefix), nothing else.
        env.update(GOVAUDIT_DNS_SERVER=self.dns_server, GOVAUDIT_PRIVATE_ALLOWLIST=f"198.18.0.0/15,{self.net6}::/64",
                   PYTHONPATH=str(ROOT), NO_PROXY="*", no_proxy="*")
        for k in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
            env.pop(k, None)
        return env

    def run_client(self, cmd: list[str], timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run(["ip", "netns", "exec", self.client, *cmd], capture_output=True, text=True,
                              timeout=timeout, cwd=str(ROOT), env=self.client_env(), check=False)

    def measure(self, specs: list[dict]) -> dict[str, dict]:
        """Run ``measure_site`` for each spec inside the client namespace; measurements as dicts by name."""
        p = self.run_client([PY, "-c", RUNNER, json.dumps(specs)])
        if p.returncode != 0:
            raise RuntimeError(f"测量失败 (rc={p.returncode}): {p.stderr[-3000:]}")
        return json.loads(p.stdout)

    def render(self, pages: list[tuple[str, dict[str, str]]], timeout: float = 90) -> list[dict]:
        """Load pages in Chromium inside the client namespace, each with its own host map (MAP rules)."""
        p = self.run_client([PY, "-c", RENDER_RUNNER, json.dumps({"pages": pages})], timeout=timeout)
        if p.returncode != 0:
            raise RuntimeError(f"Chromium 渲染失败 (rc={p.returncode}): {p.stderr[-3000:]}")
        return json.loads(p.stdout)
