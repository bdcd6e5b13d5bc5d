"""国家服务可达性 — which national services the auditor could reach in a run, and what that means for the verdicts.

Several footer items are drawn or verified by national services on hosts of their own: the 党政机关网站标识
(dcs.conac.cn draws it, bszs.conac.cn shows the registration), the “我为政府网站找错” entry (zfwzgl.www.gov.cn),
and the ICP and 公安 record registries. At the start of a run each is probed once (browsers/service_probe.py);
the result is stored with the run, shown in the CLI, the JSON (``run.services``) and the UI's run header, and the
rule of fault (auditor/fault.py) reads it: a verdict resting on an unreachable service is not the site's fault.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from auditor.errors import network_zh

# What a person sees in the run header when a service could not be reached, by host.
AFFECTS: dict[str, str] = {
    "dcs.conac.cn": "党政机关网站标识",
    "bszs.conac.cn": "党政机关网站标识",
    "zfwzgl.www.gov.cn": "“我为政府网站找错”入口",
    "beian.miit.gov.cn": "ICP备案编号的查询链接",
    "beian.mps.gov.cn": "公安机关备案标识的查询链接",
    "www.beian.gov.cn": "公安机关备案标识的查询链接",
}

DEFAULT_SERVICES: list[str] = [
    "https://dcs.conac.cn/",
    "https://bszs.conac.cn/",
    "https://zfwzgl.www.gov.cn/",
    "https://beian.miit.gov.cn/",
    "https://beian.mps.gov.cn/",
    "http://www.beian.gov.cn/",
]


def service_host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def status(host: str, url: str, ok: bool, error: str | None = None, reason: str | None = None,
           via: str | None = None, http_status: int | None = None) -> dict[str, Any]:
    """One service's reachability, as stored with the run (JSON-safe)."""
    return {"host": host, "url": url, "ok": ok, "error": error, "reason": reason, "via": via,
            "http_status": http_status, "affects": AFFECTS.get(host, "依赖该服务的检查项")}


def unreachable_lines(services: dict[str, dict[str, Any]]) -> list[str]:
    """«本次检查无法访问 dcs.conac.cn：党政机关网站标识按页面引用核对，需人工复核», one line per unreachable service."""
    out = []
    for host, st in sorted(services.items()):
        if st.get("ok"):
            continue
        why = network_zh(st.get("reason") or st.get("error")) or "无法连接"
        out.append(f"本次检查无法访问 {host}（{why}）：{st.get('affects') or AFFECTS.get(host, '相关检查项')}"
                   "按页面引用核对，需人工复核")
    return out
