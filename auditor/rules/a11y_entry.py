"""无障碍入口 (a11y.entry) and 适老化入口 (elderly.entry): the entry exists, and switching it on changes the page.

国办公开办函〔2021〕28号 asks government sites for 适老化/无障碍 service; inspectors click the entry and look.
Here the browser clicked it and measured (browsers/elderly.py); this judges the measurements:
- no entry: 不合格 (for 适老化, a working 无障碍 toolbar instead of its own entry is a 警告);
- entry present but nothing changes after the click: 不合格, its own finding;
- only a style class changed (no larger text, no toolbar, no new colours): 警告;
- larger main text, page zoom, a toolbar, high-contrast colours, or a separate 适老 page with larger text: 通过.
"""
from __future__ import annotations

from typing import Any

from auditor.models import CheckResult, EvidenceRef, PageFacts, Status
from auditor.rules._elderly_common import before_after_evidence, effect

A11Y_RULE, A11Y_INDICATOR = "a11y.entry", "无障碍入口"
ELDERLY_RULE, ELDERLY_INDICATOR = "elderly.entry", "适老化入口"
WHAT = {"a11y": "无障碍", "elderly": "适老模式"}


def _judge(rule: str, indicator: str, kind: str, act: dict[str, Any] | None, facts_el: dict[str, Any]
           ) -> CheckResult | None:
    what = WHAT[kind]
    if act is None:
        return None
    entry = act.get("entry") or {}
    src = "（由截图文字识别找到）" if entry.get("source") == "ocr" else ""
    value: dict[str, Any] = {"entry": {k: entry.get(k) for k in ("text", "tag", "selector", "href", "source")}}
    if act.get("error") or "after" not in act:
        return CheckResult(rule, Status.FAIL, indicator, f"{what}入口「{entry.get('text')}」{src}无法使用："
                           f"{act.get('error') or '点击后未能测量页面'}", value, before_after_evidence(act, what))
    eff = effect(act)
    value.update(eff.measures)
    value["reasons"] = eff.reasons
    ev = before_after_evidence(act, what)
    if eff.changed:
        return CheckResult(rule, Status.PASS, indicator,
                           f"{what}入口「{entry.get('text')}」{src}有效：" + "；".join(eff.reasons), value, ev)
    if eff.class_only:
        return CheckResult(rule, Status.WARN, indicator,
                           f"{what}入口「{entry.get('text')}」{src}点击后仅页面样式类变化，字号、配色、工具条均无变化",
                           value, ev)
    return CheckResult(rule, Status.FAIL, indicator,
                       f"{what}入口「{entry.get('text')}」{src}存在，但点击后页面无变化"
                       + (f"（{eff.reasons[0]}）" if eff.reasons else ""), value, ev)


def _unfinished(el: dict[str, Any], kind: str) -> str | None:
    """Why this entry could not be judged: the pass failed, or stopped (time budget) before the entry was
    found or, when there is one, before it was switched on."""
    why = el.get("error") or el.get("timeout")
    if el.get("error") or "found" not in el:
        return why or "未能完成入口查找"
    has_entry = any(e.get("kind") == kind for e in el["found"].get("entries", []))
    if has_entry and el.get(kind) is None and el.get("timeout"):
        return el["timeout"]
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
        return _judge(A11Y_RULE, A11Y_INDICATOR, "a11y", el["a11y"], el)
    scripts = found.get("toolbarScripts") or []
    msg = "未找到无障碍入口（无障碍/辅助浏览）"
    if scripts:
        msg += f"；页面加载了无障碍工具脚本 {scripts[0]}，但没有可点击的入口"
    return CheckResult(A11Y_RULE, Status.FAIL, A11Y_INDICATOR, msg, {"toolbar_scripts": scripts},
                       [EvidenceRef("页面顶部未见无障碍入口", kind="note", text=msg)])


def check_elderly(facts: PageFacts) -> CheckResult | None:
    el = facts.elderly
    if el is None:
        return None
    why = _unfinished(el, "elderly") or (_unfinished(el, "a11y") if el.get("elderly") is None else None)
    if why:
        return CheckResult(ELDERLY_RULE, Status.NOT_ASSESSABLE, ELDERLY_INDICATOR, f"无法检查适老化入口：{why}",
                           None, [EvidenceRef("检查未完成", kind="note", text=why)])
    if el.get("elderly") is not None:
        return _judge(ELDERLY_RULE, ELDERLY_INDICATOR, "elderly", el["elderly"], el)
    a11y = el.get("a11y")
    if a11y is not None and "after" in a11y and effect(a11y).changed:
        eff = effect(a11y)
        return CheckResult(ELDERLY_RULE, Status.WARN, ELDERLY_INDICATOR,
                           "未提供单独的适老模式（长者模式/关怀版）入口；由无障碍工具提供：" + "；".join(eff.reasons),
                           {"via": "a11y", **eff.measures}, before_after_evidence(a11y, "无障碍"))
    msg = "未找到适老化入口（适老模式/长者模式/关怀版/老年模式）"
    return CheckResult(ELDERLY_RULE, Status.FAIL, ELDERLY_INDICATOR, msg, None,
                       [EvidenceRef("页面顶部未见适老化入口", kind="note", text=msg)])
