"""footer.conac — 党政机关网站标识: the rendered bszs.conac.cn badge/link (static, or drawn by the dcs.conac.cn
script). A script that is on the page but drew nothing means the service did not render, and says so."""
from __future__ import annotations

import re

from auditor.models import CheckResult, EvidenceRef, PageFacts, SiteProfile, Status
from auditor.rules._common import link_targets, all_links, band_evidence, failed_service_requests, host, link_evidence, result
from auditor.rules.meta import RuleMeta

META = RuleMeta(
    id="footer.conac",
    indicator="党政机关网站标识",
    pass_title="页面底部显示党政机关网站标识",
    fail_title="页面底部缺少或未显示党政机关网站标识",
    fix="在页面底部功能区放置党政机关网站标识（dcs.conac.cn 的标识脚本或链接到 bszs.conac.cn 的标识图片），并确认其正常显示。",
    facts=("probe.footer", "probe.scripts", "probe.links", "probe.placeholders", "failed_requests", "services"),
    key="D4.2",
    group="D4",
    description=("**pass** when a visible link to `bszs.conac.cn/sitename?method=show&id=…` (badge or text) or the "
                 "conac badge rendered from the `dcs.conac.cn` script; **fail** when no badge, no link; the badge "
                 "picture answered 404 by the site's own server; or the service answered the script and nothing was "
                 "drawn; **warn** when the badge image is `*_error.png`; **not_assessable** when the script or the "
                 "badge picture comes from a host the auditor could not reach (the message names it, with the script "
                 "or the link and its conac id)"),
)
RULE = META.id
INDICATOR = META.indicator
_SHOW = re.compile(r"bszs\.conac\.cn/sitename\?method=show&(amp;)?id=", re.I)
_ERROR_IMG = re.compile(r"_error\.(png|gif|jpg)", re.I)
SERVICE_HOSTS = {"dcs.conac.cn", "bszs.conac.cn"}
_ID = re.compile(r"[?&](?:amp;)?id=([0-9A-Za-z]+)")


def _id(href: str) -> str | None:
    m = _ID.search(href or "")
    return m.group(1) if m else None


def _script_evidence(script: dict) -> EvidenceRef:
    return EvidenceRef(note="页面中的标识服务脚本", html=script.get("html"), text=script.get("src"), kind="note")


def check(facts: PageFacts, site: SiteProfile) -> CheckResult:
    links = [a for a in all_links(facts) if host(a.get("href", "")) == "bszs.conac.cn"
             or "bszs.conac.cn" in (a.get("onclick") or "")]
    visible = [a for a in links if a.get("visible")]
    for a in visible:
        imgs = a.get("imgs") or []
        if any(_ERROR_IMG.search(i.get("src") or "") for i in imgs):
            return result(RULE, INDICATOR, Status.WARN, "党政机关网站标识显示为异常状态图片（*_error），可能与注册信息不符",
                          {"href": a["href"], "img": imgs[0].get("src")}, [link_evidence(a, "异常状态的党政机关网站标识")])
    for a in visible:
        imgs = a.get("imgs") or []
        shown = a.get("text") or any(i.get("loaded") and i.get("visible") for i in imgs)
        if shown:
            status = Status.PASS if any(_SHOW.search(u) for u in link_targets(a)) else Status.WARN
            msg = "页面显示党政机关网站标识并链接到 bszs.conac.cn" if status is Status.PASS else \
                "党政机关网站标识链接格式异常（应为 bszs.conac.cn/sitename?method=show&id=…）"
            return result(RULE, INDICATOR, status, msg, {"href": a["href"]}, [link_evidence(a, "党政机关网站标识")])
    scripts = [s for s in facts.probe.scripts if host(s.get("src", "")) == "dcs.conac.cn"]
    asked = failed_service_requests(facts, SERVICE_HOSTS)  # the page asked the badge service, which failed
    if links:
        # A badge link whose picture did not show: whether that is the site's doing depends on where the picture
        # comes from (the site's own server answering 404 is; an unreachable dcs.conac.cn is not).
        a = links[0]
        srcs = [i.get("src") or "" for i in a.get("imgs") or [] if not i.get("loaded")]
        conac_id = _id(a["href"])
        shown = f"页面有党政机关网站标识链接 {a['href']}" + (f"（标识 id {conac_id}）" if conac_id else "")
        if srcs:
            shown += f"，标识图片 {srcs[0]} 未能显示"
        c = result(RULE, INDICATOR, Status.FAIL, "党政机关网站标识链接存在但不可见" + ("（标识图片未能显示）" if srcs else ""),
                   {"href": a["href"], "conac_id": conac_id, "images": srcs[:3]},
                   [link_evidence(a, "不可见的党政机关网站标识")])
        c.depends_on, c.shown = srcs + [s["src"] for s in scripts] + asked, shown
        return c
    if scripts:
        src = scripts[0]["src"]
        c = result(RULE, INDICATOR, Status.FAIL,
                   f"页面引用了党政机关网站标识服务脚本（{src}），服务已应答，但标识没有显示出来",
                   {"script": src}, [band_evidence(facts, "footer", "底部功能区（标识应出现的位置）"),
                                     _script_evidence(scripts[0])])
        # The script draws the badge; if dcs.conac.cn could not be reached the auditor cannot tell.
        c.depends_on = [s["src"] for s in scripts] + asked
        c.shown = f"页面引用了党政机关网站标识服务脚本 {src}" + \
            ("，并有标识占位元素 #_ideConac" if facts.probe.placeholders.ide_conac.get("present")
             else "")
        return c
    c = result(RULE, INDICATOR, Status.FAIL, "未找到党政机关网站标识", None,
               [band_evidence(facts, "footer", "底部功能区")])
    if asked:  # nothing drawn, but the page asked the badge service for it
        c.depends_on, c.shown = asked, f"页面请求了党政机关网站标识服务 {asked[0]}"
    return c
