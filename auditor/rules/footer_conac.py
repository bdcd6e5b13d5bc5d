"""footer.conac — 党政机关网站标识: the rendered bszs.conac.cn badge/link (static, or drawn by the dcs.conac.cn
script). A script that is on the page but drew nothing means the service did not render, and says so."""
from __future__ import annotations

import re

from auditor.models import CheckResult, PageFacts, SiteProfile, Status
from auditor.rules._common import all_links, band_evidence, host, link_evidence, result

RULE = "footer.conac"
INDICATOR = "党政机关网站标识"
_SHOW = re.compile(r"bszs\.conac\.cn/sitename\?method=show&(amp;)?id=", re.I)
_ERROR_IMG = re.compile(r"_error\.(png|gif|jpg)", re.I)


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
            status = Status.PASS if _SHOW.search(a["href"]) else Status.WARN
            msg = "页面显示党政机关网站标识并链接到 bszs.conac.cn" if status is Status.PASS else \
                "党政机关网站标识链接格式异常（应为 bszs.conac.cn/sitename?method=show&id=…）"
            return result(RULE, INDICATOR, status, msg, {"href": a["href"]}, [link_evidence(a, "党政机关网站标识")])
    scripts = [s for s in facts.probe.get("scripts", []) if host(s.get("src", "")) == "dcs.conac.cn"]
    if scripts:
        return result(RULE, INDICATOR, Status.FAIL,
                      "页面引用了党政机关网站标识服务脚本（dcs.conac.cn），但标识没有显示出来（服务不可达或脚本出错）",
                      {"script": scripts[0]["src"]}, [band_evidence(facts, "footer", "底部功能区（标识应出现的位置）")])
    if links:
        return result(RULE, INDICATOR, Status.FAIL, "党政机关网站标识链接存在但不可见",
                      {"href": links[0]["href"]}, [link_evidence(links[0], "不可见的党政机关网站标识")])
    return result(RULE, INDICATOR, Status.FAIL, "未找到党政机关网站标识", None,
                  [band_evidence(facts, "footer", "底部功能区")])
