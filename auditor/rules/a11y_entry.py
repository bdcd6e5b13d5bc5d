"""无障碍入口 (a11y.entry) and 适老化入口 (elderly.entry): the entry exists, and switching it on changes the page.

国办公开办函〔2021〕28号 asks government sites for 适老化/无障碍 service; inspectors click the entry and look.
Here the browser clicked it (a trusted click, then the page's own click when an overlay takes the pointer) and
measured (browsers/elderly.py); this judges the measurements:
- no entry: 不合格 (for 适老化, a working 无障碍 toolbar instead of its own entry is a 警告);
- entry present but nothing changes after the click: 不合格, its own finding, with pictures before and after;
- only a style class changed (no larger text, no toolbar, no new colours): 警告;
- larger main text (over the page or in the 正文 block), page zoom, a toolbar, high-contrast colours, or a
  separate 适老 page with larger text: 通过.

The first law (a 不合格 must be the site's fault): a verdict of «nothing changed» rests on the toolbar script and
on the page the entry opens. Those URLs are the result's ``depends_on``, so ``auditor.fault.adjudicate`` makes it
无法评估 when the auditor could not load them (name, connection, timeout, outage status, still pending) from
another host. An entry that could not be clicked at all (both ways), or that opens a page answering an HTTP
error, is 无法评估 here, naming the host and the error.
"""
from __future__ import annotations

import re
from typing import Any

from auditor.fault import host_of
from auditor.models import CheckResult, EvidenceRef, PageFacts, Status
from auditor.rules._elderly_common import before_after_evidence, effect
from auditor.rules.meta import RuleMeta

A11Y_META = RuleMeta(
    id="a11y.entry",
    indicator="无障碍入口",
    pass_title="无障碍入口可用，点击后页面发生变化",
    fail_title="缺少无障碍入口，或点击后页面没有变化",
    fix="在页面顶部提供可点击的«无障碍»入口，点击后应出现工具条或放大文字、切换高对比度等变化。",
    facts=("elderly", "failed_requests", "side_failures"),
    kinds=frozenset({"home"}),
    description=("On home page (`elderly` setting): pass: clicking it (trusted click, else `el.click()`) changes the "
                 "page (toolbar, text over the page or in the 正文 block, colours); warn: class only; fail: missing, or "
                 "clicked, loaded and nothing changes (pictures before/after); not_assessable: the toolbar script or "
                 "the page it opens could not be loaded from another host (named, via `depends_on`), the page it opens"
                 " answered HTTP ≥ 400, or the click failed both ways (see accessibility.md)"),
)
ELDERLY_META = RuleMeta(
    id="elderly.entry",
    indicator="适老化入口",
    pass_title="适老化入口可用，点击后页面发生变化",
    fail_title="缺少适老化入口，或点击后页面没有变化",
    fix="在页面顶部提供可点击的«适老模式/长者模式/关怀版»入口，切换后文字明显放大、去除广告弹窗。",
    facts=("elderly", "failed_requests", "side_failures"),
    kinds=frozenset({"home"}),
    description=("On home page: as `a11y.entry` (a separate 关怀版 page is measured there), plus warn when only the 无障碍 "
                 "toolbar serves"),
)
A11Y_RULE, A11Y_INDICATOR = A11Y_META.id, A11Y_META.indicator
ELDERLY_RULE, ELDERLY_INDICATOR = ELDERLY_META.id, ELDERLY_META.indicator
WHAT = {"a11y": "无障碍", "elderly": "适老模式"}
ENTRY_WORD = {"a11y": "无障碍", "elderly": "适老化"}


def _dependencies(act: dict[str, Any], facts_el: dict[str, Any]) -> list[str]:
    """What the entry's effect needs: the toolbar scripts the page references or the click asked for, and the
    page the click opened."""
    states = {s.get("url"): s.get("state") for s in act.get("toolbar_scripts") or []}
    urls = [*states, *((facts_el.get("found") or {}).get("toolbarScripts") or [])]
    # A script seen loaded before the click is not what the verdict rests on, even if it was still pending when
    # the page was first probed: the click happened with it in place.
    urls = [u for u in urls if states.get(u) != "loaded"]
    tl = act.get("target_load") or {}
    urls += [tl.get("url"), tl.get("final_url") if str(tl.get("final_url") or "").startswith("http") else None]
    return [u for u in dict.fromkeys(urls) if u]


def _shown(kind: str, act: dict[str, Any], deps_scripts: list[str]) -> str:
    """What the page does contain: the entry's markup, where its toolbar script and its target page come from."""
    entry = act.get("entry") or {}
    html = (entry.get("html") or "").split(">", 1)[0] + ">" if entry.get("html") else f"「{entry.get('text')}」"
    out = f"页面有「{ENTRY_WORD[kind]}」入口（{html[:160]}）"
    hosts = list(dict.fromkeys(host_of(u) for u in deps_scripts if host_of(u)))
    if hosts:
        out += f"，工具条脚本来自 {'、'.join(hosts)}"
    tl = act.get("target_load") or {}
    if tl.get("url"):
        out += f"，点击后打开 {tl['url']}"
    return out


def _script_note(act: dict[str, Any]) -> str:
    bad = [s for s in act.get("toolbar_scripts") or [] if s.get("state") in ("failed", "pending")]
    if not bad:
        return ""
    s = bad[0]
    why = f"HTTP {s['status']}" if s.get("status") else ("未加载完成" if s.get("error") == "pending" else s.get("error"))
    return f"；工具条脚本 {s['url']} 加载失败（{why}）"


# Scripts whose names say they drive an accessibility or elderly mode (toolbar vendors included): a page that
# failed to load one of them cannot show that its entry does nothing.
_ACCESS_RE = re.compile(r"aria|wza|cniil|barrier|access|assist|auxiliar|voice|toolbar|slh|zzms|elder|older|senior"
                        r"|guanhuai|care|esd|terton|ydzs|mangren|wzatool|readspeaker", re.I)


def _script_failures(facts: PageFacts, act: dict[str, Any] | None) -> list[str]:
    """What «nothing changed» rests on beyond the toolbar scripts: the requests the click itself made that failed,
    and the page's failed scripts whose names say they drive such a mode (the rule of fault decides which of them
    failed on the auditor's side)."""
    out = [f["url"] for f in (act or {}).get("failures") or []
           if f.get("url") and f.get("type") in ("script", "xhr", "fetch", "document")]
    own, scheme = host_of(facts.final_url or facts.url), (facts.final_url or facts.url).split(":", 1)[0]
    out += [f["url"] for f in [*facts.failed_requests, *facts.pending_requests]
            if f.get("url") and f.get("type") in ("script", "xhr", "fetch") and (
                _ACCESS_RE.search(f["url"])
                # the site's own scripts over the other scheme: the auditor reached the site over one only
                or (host_of(f["url"]) == own and not f["url"].startswith(scheme + ":")))]
    return list(dict.fromkeys(out))


def _target_failed(act: dict[str, Any], facts_el: dict[str, Any]) -> dict[str, Any] | None:
    """The page the click opened, when its document failed (the record of the click's failed requests has it even
    where the navigation itself was not matched, e.g. a new tab)."""
    url = ((act.get("after") or {}).get("url") or (act.get("target_load") or {}).get("url") or "").split("#")[0]
    if not url or not act.get("navigated"):
        return None
    for f in [*(act.get("failures") or []), *(facts_el.get("side_failures") or [])]:
        if f.get("type") == "document" and str(f.get("url") or "").split("#")[0] == url and \
                (f.get("status") or f.get("error")):
            return {"url": url, "host": host_of(url), "status": f.get("status"), "error": f.get("error"), "ok": False}
    return None


def _judge(rule: str, indicator: str, kind: str, act: dict[str, Any] | None, facts_el: dict[str, Any],
           extra_deps: list[str] | None = None) -> CheckResult | None:
    what = WHAT[kind]
    if act is None:
        return None
    entry = act.get("entry") or {}
    src = "（由截图文字识别找到）" if entry.get("source") == "ocr" else ""
    name = f"{what}入口「{entry.get('text')}」{src}"
    value: dict[str, Any] = {"entry": {k: entry.get(k) for k in ("text", "tag", "selector", "href", "source")},
                             "click": act.get("click"), "toolbar_scripts": act.get("toolbar_scripts"),
                             "target_load": act.get("target_load")}
    deps = _dependencies(act, facts_el)
    scripts = [u for u in deps if u not in ((act.get("target_load") or {}).get("url"),
                                            (act.get("target_load") or {}).get("final_url"))]
    shown = _shown(kind, act, scripts)
    ev = before_after_evidence(act, what)
    if act.get("click_failed"):
        # Neither a user's click nor the page's own click went through: the auditor cannot say what it does.
        why = "；".join((act.get("click") or {}).get("errors") or [act.get("error") or ""])
        return CheckResult(rule, Status.NOT_ASSESSABLE, indicator,
                           f"{name}点击入口失败/超时（可信点击与页面内点击均未成功），无法判断其效果，需人工复核：{shown}",
                           value, [*ev, EvidenceRef("点击入口失败/超时", kind="note", text=why[:600])])
    tl = act.get("target_load") or {}
    if not tl or tl.get("ok", True):
        tl = _target_failed(act, facts_el) or tl
    deps = list(dict.fromkeys([*deps, *(extra_deps or [])]))
    if tl and not tl.get("ok", True):
        host = tl.get("host") or host_of(tl.get("url") or "")
        if tl.get("status"):
            # The page the entry opens answered an error: it did not load, so its mode cannot be judged.
            return CheckResult(rule, Status.NOT_ASSESSABLE, indicator,
                               f"{name}点击后打开的页面未能加载：{host} 返回 HTTP {tl['status']}（{tl.get('url')}），"
                               f"需人工复核：{shown}", value,
                               [*ev, EvidenceRef(f"入口指向的页面：{host}", kind="note",
                                                 text=f"{tl.get('url')}\nHTTP {tl['status']}")])
        return CheckResult(rule, Status.FAIL, indicator,
                           f"{name}点击后打开的页面无法加载：{tl.get('url')}（{tl.get('error')}）", value, ev,
                           depends_on=deps, shown=shown)
    if "after" not in act:
        why = act.get("error") or "点击后未能测量页面"
        return CheckResult(rule, Status.NOT_ASSESSABLE, indicator, f"{name}点击后未能测量页面（{why}），需人工复核",
                           value, [*ev, EvidenceRef("测量未完成", kind="note", text=why)])
    eff = effect(act)
    value.update(eff.measures)
    value["reasons"] = eff.reasons
    if (act.get("click") or {}).get("method") == "dom":
        value["note"] = "入口被其他元素遮挡或可信点击超时，已用页面内点击（el.click()）"
    if eff.changed:
        return CheckResult(rule, Status.PASS, indicator, f"{name}有效：" + "；".join(eff.reasons), value, ev)
    note = _script_note(act)
    href = entry.get("abs") or ""
    if href.startswith(("http://", "https://")) and not act.get("navigated") and not eff.class_only:
        # A link to a page of its own that the click did not open (a pop-up blocked, a «leaving the site» prompt):
        # the auditor never saw that page, so it cannot say the entry does nothing.
        return CheckResult(rule, Status.NOT_ASSESSABLE, indicator,
                           f"{name}是指向 {href} 的链接，但点击后该页面未能打开，无法判断其效果，需人工复核：{shown}",
                           value, [*ev, EvidenceRef("入口链接未打开", kind="note", text=href)])
    if eff.class_only:
        return CheckResult(rule, Status.WARN, indicator,
                           f"{name}点击后仅页面样式类变化，字号、配色、工具条均无变化{note}",
                           value, ev, depends_on=deps, shown=shown)
    return CheckResult(rule, Status.FAIL, indicator,
                       f"{name}存在，但点击后页面无变化" + (f"（{eff.reasons[0]}）" if eff.reasons else "") + note,
                       value, ev, depends_on=deps, shown=shown)


def _unfinished(el: dict[str, Any], kind: str) -> str | None:
    """Why this entry could not be judged: the pass failed, or stopped (time budget) before the entry was
    found or, when there is one, before it was switched on."""
    why = el.get("error") or el.get("timeout")
    if el.get("error") or "found" not in el:
        return why or "未能完成入口查找"
    has_entry = any(e.get("kind") == kind for e in el["found"].get("entries", []))
    if has_entry and el.get(kind) is None and el.get("timeout"):
        return el["timeout"]
    step_error = (el.get("errors") or {}).get(kind)
    if has_entry and el.get(kind) is None and step_error:
        return f"入口点击步骤出错（{step_error}）"
    return None


def check_a11y(facts: PageFacts) -> CheckResult | None:
    el = facts.elderly
    if el is None:
        return None
    why = _unfinished(el, "a11y")
    if why:
        return CheckResult(A11Y_RULE, Status.NOT_ASSESSABLE, A11Y_INDICATOR, f"无法检查无障碍入口：{why}",
                           None, [EvidenceRef("检查未完成", kind="note", text=why)])
    found = el.get("found") or {}
    if el.get("a11y") is not None:
        return _judge(A11Y_RULE, A11Y_INDICATOR, "a11y", el["a11y"], el, _script_failures(facts, el["a11y"]))
    scripts = found.get("toolbarScripts") or []
    msg = "未找到无障碍入口（无障碍/辅助浏览）"
    if scripts:
        msg += f"；页面加载了无障碍工具脚本 {scripts[0]}，但没有可点击的入口"
    # A toolbar script usually draws the entry: when the auditor could not load it, the absence is not proven.
    return CheckResult(A11Y_RULE, Status.FAIL, A11Y_INDICATOR, msg, {"toolbar_scripts": scripts},
                       [EvidenceRef("页面顶部未见无障碍入口", kind="note", text=msg)], depends_on=scripts,
                       shown=f"页面未显示无障碍入口，引用了工具条脚本 {'、'.join(scripts[:3])}" if scripts else None)


def check_elderly(facts: PageFacts) -> CheckResult | None:
    el = facts.elderly
    if el is None:
        return None
    why = _unfinished(el, "elderly") or (_unfinished(el, "a11y") if el.get("elderly") is None else None)
    if why:
        return CheckResult(ELDERLY_RULE, Status.NOT_ASSESSABLE, ELDERLY_INDICATOR, f"无法检查适老化入口：{why}",
                           None, [EvidenceRef("检查未完成", kind="note", text=why)])
    if el.get("elderly") is not None:
        return _judge(ELDERLY_RULE, ELDERLY_INDICATOR, "elderly", el["elderly"], el,
                      _script_failures(facts, el["elderly"]))
    a11y = el.get("a11y")
    if a11y is not None and "after" in a11y and effect(a11y).changed:
        eff = effect(a11y)
        return CheckResult(ELDERLY_RULE, Status.WARN, ELDERLY_INDICATOR,
                           "未提供单独的适老模式（长者模式/关怀版）入口；由无障碍工具提供：" + "；".join(eff.reasons),
                           {"via": "a11y", **eff.measures}, before_after_evidence(a11y, "无障碍"))
    msg = "未找到适老化入口（适老模式/长者模式/关怀版/老年模式）"
    scripts = list((el.get("found") or {}).get("toolbarScripts") or [])
    return CheckResult(ELDERLY_RULE, Status.FAIL, ELDERLY_INDICATOR, msg, None,
                       [EvidenceRef("页面顶部未见适老化入口", kind="note", text=msg)], depends_on=scripts,
                       shown=f"页面未显示适老化入口，引用了工具条脚本 {'、'.join(scripts[:3])}" if scripts else None)
