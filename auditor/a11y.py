"""Accessibility (无障碍) facts from axe-core: the compact result both engines produce, and the mapping of
WCAG success criteria to GB/T 37668-2019《信息技术 互联网内容无障碍可访问性技术要求与测试方法》.

GB/T 37668-2019 derives from WCAG 2.0 and keeps its four principles (可感知/可操作/可理解/兼容) and its
guidelines; its clause numbers here (5.<principle>.<guideline>) follow that structure. Criteria added in WCAG
2.1/2.2 have no GB/T 37668-2019 counterpart and say so. See docs/accessibility.md.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# WCAG 2.x success criteria that axe-core or our own checks (browsers/a11y_extra.js) test: number -> (Chinese
# name, level, WCAG version that added it).
SC: dict[str, tuple[str, str, str]] = {
    "1.1.1": ("非文本内容", "A", "2.0"),
    "1.2.1": ("纯音频和纯视频（预录）", "A", "2.0"),
    "1.2.2": ("字幕（预录）", "A", "2.0"),
    "1.2.3": ("音频描述或媒体替代（预录）", "A", "2.0"),
    "1.3.1": ("信息和关系", "A", "2.0"),
    "1.3.2": ("有意义的序列", "A", "2.0"),
    "1.3.4": ("方向", "AA", "2.1"),
    "1.3.5": ("识别输入目的", "AA", "2.1"),
    "1.4.1": ("使用颜色", "A", "2.0"),
    "1.4.2": ("音频控制", "A", "2.0"),
    "1.4.3": ("对比度（最低）", "AA", "2.0"),
    "1.4.4": ("调整文字大小", "AA", "2.0"),
    "1.4.10": ("重排", "AA", "2.1"),
    "1.4.11": ("非文本对比度", "AA", "2.1"),
    "1.4.12": ("文本间距", "AA", "2.1"),
    "2.1.1": ("键盘", "A", "2.0"),
    "2.1.3": ("键盘（无例外）", "AAA", "2.0"),
    "2.2.1": ("时间可调", "A", "2.0"),
    "2.2.2": ("暂停、停止、隐藏", "A", "2.0"),
    "2.2.4": ("中断", "AAA", "2.0"),
    "2.4.1": ("绕过块", "A", "2.0"),
    "2.4.2": ("网页标题", "A", "2.0"),
    "2.4.3": ("焦点顺序", "A", "2.0"),
    "2.4.4": ("链接目的（上下文中）", "A", "2.0"),
    "2.4.7": ("焦点可见", "AA", "2.0"),
    "2.4.9": ("链接目的（仅链接）", "AAA", "2.0"),
    "2.5.3": ("标签中包含名称", "A", "2.1"),
    "2.5.8": ("目标尺寸（最小）", "AA", "2.2"),
    "3.1.1": ("网页的语言", "A", "2.0"),
    "3.1.2": ("部分的语言", "AA", "2.0"),
    "3.2.2": ("输入时", "A", "2.0"),
    "3.2.5": ("应请求而变化", "AAA", "2.0"),
    "3.3.2": ("标签或说明", "A", "2.0"),
    "4.1.1": ("解析", "A", "2.0"),
    "4.1.2": ("名称、角色、值", "A", "2.0"),
    "4.1.3": ("状态消息", "AA", "2.1"),
}

PRINCIPLES = {"1": "可感知性", "2": "可操作性", "3": "可理解性", "4": "兼容性"}
GUIDELINES = {
    "1.1": "替代文本", "1.2": "时基媒体", "1.3": "可适配", "1.4": "可辨别",
    "2.1": "键盘可访问", "2.2": "充足的时间", "2.3": "癫痫发作", "2.4": "可导航", "2.5": "输入方式",
    "3.1": "可读性", "3.2": "可预测", "3.3": "输入帮助", "4.1": "兼容",
}

_SC_TAG = re.compile(r"^wcag(\d)(\d)(\d+)$")
FAIL_IMPACTS = frozenset({"critical", "serious"})


def sc_from_tags(tags: list[str]) -> list[str]:
    """WCAG success criteria named by axe's tags ("wcag143" -> "1.4.3"), in order, without repeats."""
    out: list[str] = []
    for t in tags:
        m = _SC_TAG.match(t)
        if m:
            sc = ".".join(m.groups())
            if sc not in out:
                out.append(sc)
    return out


@dataclass(frozen=True)
class GbtIndicator:
    """The GB/T 37668-2019 indicator a WCAG criterion maps to (None where the standard has none)."""
    sc: str
    clause: str | None
    principle: str
    guideline: str
    name: str
    level: str
    wcag_version: str

    @property
    def label(self) -> str:
        if self.clause is None:
            return f"WCAG {self.wcag_version} {self.sc} {self.name}（GB/T 37668-2019 无对应指标）"
        return f"GB/T 37668-2019 {self.clause} {self.guideline} · {self.name}（WCAG {self.sc}）"


def gbt_indicator(sc: str) -> GbtIndicator:
    name, level, version = SC.get(sc, ("", "", "2.x"))
    p, g = sc.split(".")[0], ".".join(sc.split(".")[:2])
    clause = f"5.{g}" if version == "2.0" else None
    return GbtIndicator(sc, clause, PRINCIPLES.get(p, ""), GUIDELINES.get(g, ""), name or sc, level, version)


def _target(t: Any) -> str:
    """axe's node target: a selector, or a list for shadow roots/frames; one string either way."""
    if isinstance(t, list):
        return " >>> ".join(_target(x) for x in t)
    return str(t)


def _compact_rules(items: list[dict[str, Any]], node_cap: int) -> list[dict[str, Any]]:
    out = []
    for v in items or []:
        nodes = [{"target": _target(n.get("target", [])), "html": (n.get("html") or "")[:600],
                  "summary": (n.get("failureSummary") or "")[:600], "impact": n.get("impact")}
                 for n in v.get("nodes", [])]
        if not nodes:
            continue
        out.append({"id": v["id"], "impact": v.get("impact"), "tags": v.get("tags", []),
                    "help": v.get("help", ""), "description": v.get("description", ""),
                    "help_url": v.get("helpUrl", ""), "count": len(nodes), "nodes": nodes[:node_cap],
                    "source": v.get("source", "axe-core")})
    out.sort(key=lambda v: v["id"])
    return out


def compact(raw: dict[str, Any], node_cap: int = 50) -> dict[str, Any]:
    """The part of an axe result the rules read: per violated rule its impact, tags, Chinese help and nodes;
    the same for the rules axe left for review (``review``: its "incomplete" results, 需人工复核).

    The same function compacts both engines' results, so they compare equal when axe saw the same page.
    Our own checks (browsers/a11y_extra.js) come in among the violations with ``source`` "govsite-auditor".
    """
    review = _compact_rules(raw.get("incomplete", []), node_cap)
    return {"version": (raw.get("testEngine") or {}).get("version", ""), "url": raw.get("url", ""),
            "violations": _compact_rules(raw.get("violations", []), node_cap),
            "review": review,
            "incomplete": [v["id"] for v in review]}


def box_targets(result: dict[str, Any], node_cap: int) -> list[dict[str, Any]]:
    """The nodes that get a boxed crop: the first ``node_cap`` of each violated or for-review rule, in order."""
    return [n for key in ("violations", "review") for v in result.get(key, []) for n in v["nodes"][:node_cap]]


def violation_set(result: dict[str, Any]) -> set[tuple[str, str]]:
    """(axe rule, node selector) pairs, with "review:" before rules left for review: what two engines must
    agree on."""
    return ({(v["id"], n["target"]) for v in result.get("violations", []) for n in v["nodes"]}
            | {("review:" + v["id"], n["target"]) for v in result.get("review", []) for n in v["nodes"]})


__all__ = ["SC", "GbtIndicator", "gbt_indicator", "sc_from_tags", "compact", "violation_set", "box_targets", "FAIL_IMPACTS"]
