"""The words of the 通报, shared by its DOCX, XLSX and HTML forms: one outline, three renderings."""
from __future__ import annotations

from dataclasses import dataclass, field

from auditor.bulletin.model import Bulletin, SiteResult
from auditor.scoring import FAIL
from auditor.trends import RegionPoint, SitePoint

CN_NUM = "一二三四五六七八九十"


@dataclass
class Section:
    """A numbered part: level 1 is 一、, level 2 is （一）, level 3 is 1."""
    level: int
    title: str
    paragraphs: list[str] = field(default_factory=list)
    children: list["Section"] = field(default_factory=list)


def _rate(v: float | None) -> str:
    return "—" if v is None else f"{v:g}%"


def result_text(s: SiteResult) -> str:
    """结果 column: 合格 / 不合格, with 暂定 while something waits for a person."""
    return s.card.label


def score_text(s: SiteResult) -> str:
    return "单项否决" if not s.card.scored else f"{s.card.total:g}"


def outline(b: Bulletin) -> list[Section]:
    n = len(b.sites)
    failed = [s for s in b.sites if s.card.verdict == FAIL]
    rate = Bulletin.pass_rate(b.sites)
    prev = Bulletin.pass_rate(b.previous)
    overall = Section(1, "总体情况")
    sent = (f"{b.quarter.label}，共检查政府网站 {n} 个，合格 {n - len(failed)} 个，不合格 {len(failed)} 个，"
            f"合格率 {_rate(rate)}")
    if prev is not None:
        diff = (rate or 0) - prev
        sent += f"；上季度检查 {len(b.previous)} 个，合格率 {_rate(prev)}，" + \
            (f"提高 {diff:.1f} 个百分点" if diff > 0 else f"下降 {-diff:.1f} 个百分点" if diff < 0 else "持平")
    overall.paragraphs.append(sent + "。")
    trend = trend_sentence(b)
    if trend:
        overall.paragraphs.append(trend)
    for t, total, ok in b.by_type():
        overall.paragraphs.append(f"{t}：检查 {total} 个，合格 {ok} 个，合格率 {_rate(round(100 * ok / total, 1))}。")
    pending = b.needs_review
    if pending:
        overall.paragraphs.append(f"其中 {len(pending)} 个网站有待人工核查事项，结果为暂定（见附件2“需人工复核”部分）。")
    problems = Section(1, "发现的主要问题")
    vetoes = Section(2, "单项否决问题", children=[])
    deducts = Section(2, "扣分问题", children=[])
    for p in b.problems:
        sec = Section(3, f"{p.name}（{len(p.sites)} 个网站）")
        sec.paragraphs.append("涉及网站：" + "、".join(name for name, _ in p.sites) + "。")
        ex = next((e for _, e in p.sites if e is not None), None)
        if ex is not None:
            sec.paragraphs.append(f"例：{ex.url}：{ex.message}")
        (vetoes if p.kind == "veto" else deducts).children.append(sec)
    for sub in (vetoes, deducts):
        if not sub.children:
            sub.paragraphs.append("未发现。")
        problems.children.append(sub)
    nxt = Section(1, "下一步工作要求")
    nxt.paragraphs += [
        "（此部分为草稿，请检查单位按本地要求修改。）",
        "各地区、各部门要对照本通报指出的问题逐项整改，整改情况于下季度检查前报送。单项否决问题须立即整改。",
        "对本次检查结果为暂定的网站，检查人员须完成人工核查后确认结果。",
    ]
    return [overall, problems, nxt]


def numbered(sec: Section, index: int) -> str:
    if sec.level == 1:
        return f"{CN_NUM[index]}、{sec.title}"
    if sec.level == 2:
        return f"（{CN_NUM[index]}）{sec.title}"
    return f"{index + 1}. {sec.title}"


SCORE_HEAD = ["序号", "网站名称", "网址", "网站类型", "主办单位", "得分", "结果", "检查批次"]
PROBLEM_HEAD = ["序号", "网站名称", "网址", "结果", "问题指标", "问题说明", "示例网址"]


def score_rows(b: Bulletin) -> list[list[str]]:
    return [[str(i), s.name, s.url, s.site_type, s.sponsor, score_text(s), result_text(s), str(s.run_id)]
            for i, s in enumerate(b.sites, 1)]


def problem_rows(b: Bulletin, provisional: bool) -> list[list[str]]:
    """附件2: sites with problems, one row per problem indicator; 需人工复核 (暂定) sites apart."""
    rows = []
    for s in b.sites:
        if s.card.provisional != provisional:
            continue
        items = [(v.indicator, v.name, "单项否决") for v in s.card.vetoes]
        for g in s.card.groups:
            # A group loses at most its points: say so where the items add up to more.
            cap = (f"（{g.name}共 {g.max:g} 分，扣分以此为限）"
                   if sum(d.points for d in g.deductions) > g.deducted else "")
            items += [(d.indicator, d.name, f"扣 {d.points:g} 分{cap}") for d in g.deductions if d.points > 0]
        for ind, name, what in items:
            ex = s.examples.get(ind)
            rows.append([s.name, s.url, result_text(s), name, f"{what}" + (f"：{ex.message}" if ex else ""),
                         ex.url if ex else ""])
    return [[str(i), *r] for i, r in enumerate(rows, 1)]


def _score(v: float | None) -> str:
    return "—" if v is None else f"{v:g}"


def trend_sentence(b: Bulletin) -> str:
    """总体情况's comparison with the previous quarter: mean score and the findings new / fixed / still there."""
    pts = b.total.points
    if len(pts) < 2 or not pts[-1].checked:
        return ""
    cur, prev = pts[-1], pts[-2]
    out = f"参加评分的网站平均得分 {_score(cur.mean_score)} 分"
    if prev.checked:
        out += f"（上季度 {_score(prev.mean_score)} 分）"
    if cur.compared:
        out += (f"；与各网站上次检查相比，新发现问题 {cur.new} 个，已整改 {cur.fixed} 个，仍存在 {cur.still} 个")
    return out + "。各地区近四个季度情况见附件3。"


TREND_HEAD = ["地区", "季度", "检查", "合格", "合格率", "单项否决", "平均得分", "新增问题", "已整改", "仍存在"]
SITE_TREND_HEAD = ["序号", "网站名称", "地区", "上季度得分", "本季度得分", "本季度结果", "新增问题", "已整改", "仍存在"]


def _region_row(region: str, p: RegionPoint) -> list[str]:
    changes = [str(p.new), str(p.fixed), str(p.still)] if p.compared else ["—"] * 3
    return [region, p.quarter.short, str(p.checked), str(p.passed), _rate(p.rate), str(p.vetoed),
            _score(p.mean_score), *changes]


def trend_rows(b: Bulletin) -> list[list[str]]:
    """附件3（一）: per region (and all together), one row per quarter with checks in it, oldest first."""
    rows = []
    regions = b.regions
    groups = regions + ([b.total] if len(regions) > 1 else [])
    for r in groups:
        rows += [_region_row(r.region, p) for p in r.points if p.checked]
    return rows


def _point_score(p: SitePoint | None) -> str:
    if p is None or p.snapshot is None:
        return "未检查"
    return "单项否决" if p.snapshot.score is None else f"{p.snapshot.score:g}"


def site_trend_rows(b: Bulletin) -> list[list[str]]:
    """附件3（二）: each site checked this quarter against the previous quarter."""
    rows = []
    for t in b.trends:
        cur = t.points[-1] if t.points else None
        if cur is None or cur.snapshot is None:
            continue
        prev = t.points[-2] if len(t.points) > 1 else None
        d = cur.delta
        res = cur.snapshot.verdict + ("（暂定）" if cur.snapshot.provisional else "")
        rows.append([t.name, t.region, _point_score(prev), _point_score(cur), res,
                     *(str(x) for x in ((d.new, d.fixed, d.still) if d else ("—", "—", "—")))])
    return [[str(i), *r] for i, r in enumerate(rows, 1)]
