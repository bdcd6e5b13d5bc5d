"""footer.jiucuo — “我为政府网站找错”入口: a visible, clickable entry to zfwzgl.www.gov.cn/exposure/jiucuo.html
(rendered by jiucuo.js or static). Legacy hosts (pucha.kaipuyun.cn, 121.43.68.40) are flagged."""
from __future__ import annotations

import re
from typing import Any

from auditor.models import CheckResult, PageFacts, SiteProfile, Status
from auditor.rules._common import (all_links, band_evidence, failed_service_requests, host, link_evidence, onclick_urls,
                                   query_param, result)
from auditor.rules.meta import RuleMeta

META = RuleMeta(
    id="footer.jiucuo",
    indicator="“我为政府网站找错”入口",
    pass_title="页面显示“我为政府网站找错”入口",
    fail_title="页面缺少“我为政府网站找错”入口",
    fix="按规范引入 zfwzgl.www.gov.cn 的 jiucuo.js（带本站网站标识码），使“我为政府网站找错”入口在页面上可见、可点击；不要使用旧地址。",
    facts=("probe.scripts", "probe.links", "probe.images", "failed_requests", "services"),
    key="D4.4",
    group="D4",
    description=("**pass** when a visible, clickable entry to `zfwzgl.www.gov.cn/exposure/jiucuo.html?site_code=…` "
                 "(rendered by `jiucuo.js` or a static link/image); **fail** when none; or `jiucuo.js` was answered "
                 "and rendered nothing; a legacy-host script, or a script whose site code is not the site's; **warn** "
                 "when the entry uses a legacy host (`pucha.kaipuyun.cn`, `121.43.68.40`); **not_assessable** when "
                 "`jiucuo.js` or the entry's picture comes from a host the auditor could not reach (named, with the "
                 "script's site code)"),
)
RULE = META.id
INDICATOR = META.indicator
OFFICIAL_HOST = "zfwzgl.www.gov.cn"
LEGACY_HOSTS = {"pucha.kaipuyun.cn", "121.43.68.40"}
_JIUCUO = re.compile(r"/exposure/jiucuo\.(html|js)|jiucuo\.png", re.I)


def entries(facts: PageFacts) -> list[dict[str, Any]]:
    """Links that open the 找错 page: by href, by an onclick builder, or by the 找错 image they wrap."""
    out = []
    for a in all_links(facts):
        href = a.get("href") or ""
        if _JIUCUO.search(href) or _JIUCUO.search(a.get("onclick") or "") or \
                any(_JIUCUO.search(i.get("src") or "") for i in a.get("imgs") or []):
            out.append(a)
    return out


def entry_site_code(facts: PageFacts) -> str | None:
    """The site_code the 找错 entry carries (link parameter, or the script's sitecode attribute)."""
    for a in entries(facts):
        code = query_param(a.get("href") or "", "site_code")
        if code:
            return code.strip()
        m = re.search(r"site_code=([A-Za-z0-9]+)", a.get("onclick") or "")
        if m:
            return m.group(1)
    for s in facts.probe.scripts:
        if s.get("sitecode") and (s.get("id") == "_jiucuo_" or "jiucuo" in (s.get("src") or "")):
            return s["sitecode"].strip()
    return None


def targets(link: dict[str, Any]) -> list[str]:
    """Where the entry leads: its http(s) href and any URL its onclick opens."""
    out = []
    href = link.get("href") or ""
    if href.startswith(("http://", "https://")) and _JIUCUO.search(href):
        out.append(href)
    return out + onclick_urls(link)


def check(facts: PageFacts, site: SiteProfile) -> CheckResult:
    found = entries(facts)
    # An entry whose only content is pictures that did not load shows a broken-image box, not the entry.
    visible = [a for a in found if a.get("visible") and not (
        not (a.get("text") or "").strip() and a.get("imgs") and not any(i.get("loaded") for i in a["imgs"]))]
    scripts = [s for s in facts.probe.scripts if "jiucuo.js" in (s.get("src") or "")]
    code = entry_site_code(facts)
    for a in visible:
        dest = targets(a)
        hosts = {host(u) for u in dest} | {host(i.get("src") or "") for i in a.get("imgs") or []}
        value = {"href": a["href"], "targets": dest, "site_code": code}
        if hosts & LEGACY_HOSTS:
            return result(RULE, INDICATOR, Status.WARN,
                          f"找错入口使用旧地址（{', '.join(sorted(hosts & LEGACY_HOSTS))}），应改为 {OFFICIAL_HOST}",
                          value, [link_evidence(a, "旧地址的找错入口")])
        if dest and OFFICIAL_HOST not in {host(u) for u in dest}:
            return result(RULE, INDICATOR, Status.WARN,
                          f"找错入口没有打开国家政务服务平台的找错页面（指向 {host(dest[0])}），应链接到 {OFFICIAL_HOST}",
                          value, [link_evidence(a, "指向非官方地址的找错入口")])
        how = "" if dest else "（入口由页面脚本打开）"
        return result(RULE, INDICATOR, Status.PASS, f"页面显示“我为政府网站找错”入口{how}",
                      value, [link_evidence(a, "我为政府网站找错入口")])
    # Requests of the page to the 找错 service that failed: the page refers to the service, which the auditor
    # could not reach (a script of the site's own that draws the service's picture, for instance).
    asked = failed_service_requests(facts, {OFFICIAL_HOST}, _JIUCUO)
    if found:
        a = found[0]
        srcs = [i.get("src") or "" for i in a.get("imgs") or [] if not i.get("loaded")]
        c = result(RULE, INDICATOR, Status.FAIL,
                   "找错入口存在于页面代码中但不可见" + ("（入口图片未能显示）" if srcs else ""),
                   {"href": a["href"], "site_code": code, "images": srcs[:3]}, [link_evidence(a, "不可见的找错入口")])
        if not {host(u) for u in targets(a)} & LEGACY_HOSTS:
            c.depends_on = srcs + [s["src"] for s in scripts] + asked
            c.shown = f"页面有找错入口链接 {a['href']}" + (f"，入口图片 {srcs[0]} 未能显示" if srcs else "")
        return c
    if scripts:
        src = scripts[0]["src"]
        legacy = host(src) in LEGACY_HOSTS
        wrong_code = bool(site.code and code and code != site.code)
        c = result(RULE, INDICATOR, Status.FAIL,
                   f"页面引用了找错服务脚本（{src}），但入口没有显示出来"
                   + ("；且脚本使用旧地址" if legacy else "")
                   + (f"；脚本的网站标识码 {code} 与本网站 {site.code} 不符" if wrong_code else ""),
                   {"script": src, "site_code": code}, [band_evidence(facts, "footer", "底部功能区（入口应出现的位置）")])
        if not legacy and not wrong_code:  # a wrong reference is the site's fault whatever the network did
            c.depends_on = [s["src"] for s in scripts] + asked
            c.shown = f"页面引用了找错服务脚本 {src}" + (f"（网站标识码 {code}）" if code else "") + \
                (f"，并请求了 {asked[0]}" if asked else "")
        return c
    c = result(RULE, INDICATOR, Status.FAIL, "未找到“我为政府网站找错”入口", None,
               [band_evidence(facts, "footer", "底部功能区")])
    if asked:  # nothing drawn, but the page asked the service for it
        c.depends_on, c.shown = asked, f"页面请求了找错服务 {asked[0]}"
    return c
