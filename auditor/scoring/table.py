"""The 19号 scoring table as data (indicators_19.toml), with a province's overrides read over it."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_TABLE = Path(__file__).with_name("indicators_19.toml")
KINDS = ("veto", "deduct", "bonus")


class TableError(ValueError):
    """The scoring file is not valid; the message names the file and the row."""


@dataclass(frozen=True)
class Group:
    id: str
    name: str
    max: float
    confidence: str


@dataclass(frozen=True)
class Indicator:
    """一个检查指标: a 单项否决 item, a 扣分 item of a group, or a 加分 item."""
    id: str
    kind: str
    name: str
    confidence: str
    group: str | None = None
    rule_text: str = ""
    points: float | None = None
    per_instance: bool = False
    max: float | None = None
    rules: tuple[str, ...] = ()
    where: dict[str, Any] = field(default_factory=dict)
    count_field: str | None = None
    person: str | None = None  # what a person must judge (待人工核查)
    params: dict[str, Any] = field(default_factory=dict)  # a rule's thresholds kept with the indicator (V6 要素)

    def matches(self, rule: str, value: Any) -> bool:
        """Whether a finding of ``rule`` with ``value`` evidences this indicator."""
        hit = any(rule == r or (r.endswith(".*") and rule.startswith(r[:-1])) for r in self.rules)
        if not hit or not self.where:
            return hit
        if not isinstance(value, dict):
            return False
        return all(value.get(k) == v for k, v in self.where.items())

    @property
    def verified_points(self) -> bool:
        return self.confidence in ("verbatim_primary", "verbatim_secondary")


@dataclass(frozen=True)
class Table:
    meta: dict[str, Any]
    groups: dict[str, Group]
    indicators: tuple[Indicator, ...]
    sources: tuple[str, ...]

    def indicator(self, ind_id: str) -> Indicator | None:
        return next((i for i in self.indicators if i.id == ind_id), None)

    def for_finding(self, rule: str, value: Any) -> list[Indicator]:
        return [i for i in self.indicators if i.matches(rule, value)]


_FIELDS = {"id", "kind", "name", "confidence", "group", "rule_text", "points", "per_instance", "max", "rules",
           "where", "count_field", "person", "params", "params_confidence"}


def _indicator(row: dict[str, Any], where: str, groups: dict[str, Group]) -> Indicator:
    unknown = set(row) - _FIELDS
    if unknown:
        raise TableError(f"{where}：未知字段 {', '.join(sorted(unknown))}")
    for key in ("id", "kind", "name", "confidence"):
        if not isinstance(row.get(key), str) or not row[key]:
            raise TableError(f"{where}：缺少 {key}")
    if row["kind"] not in KINDS:
        raise TableError(f"{where}：kind 应为 {'/'.join(KINDS)}，而不是 {row['kind']!r}")
    if row["kind"] != "veto" and row.get("group") not in groups:
        raise TableError(f"{where}：group {row.get('group')!r} 不存在")
    pts = row.get("points")
    if pts is not None and (not isinstance(pts, (int, float)) or isinstance(pts, bool) or pts < 0):
        raise TableError(f"{where}：points 应为非负数（扣分值写正数）")
    rules = row.get("rules", [])
    if not isinstance(rules, list) or not all(isinstance(r, str) for r in rules):
        raise TableError(f"{where}：rules 应为规则编号列表")
    return Indicator(id=row["id"], kind=row["kind"], name=row["name"], confidence=row["confidence"],
                     group=row.get("group"), rule_text=row.get("rule_text", ""),
                     points=float(pts) if pts is not None else None, per_instance=bool(row.get("per_instance")),
                     max=row.get("max"), rules=tuple(rules), where=dict(row.get("where") or {}),
                     count_field=row.get("count_field"), person=row.get("person"),
                     params=dict(row.get("params") or {}))


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TableError(f"找不到评分文件：{path}") from None
    except UnicodeDecodeError:
        raise TableError(f"评分文件 {path} 不是 UTF-8 编码") from None
    except tomllib.TOMLDecodeError as exc:
        raise TableError(f"评分文件 {path} 不是有效的 TOML：{exc}") from None


def load_table(*overrides: str | Path, base: str | Path = DEFAULT_TABLE) -> Table:
    """The national table, then each province file over it: a row with a known id replaces that row's fields
    (e.g. ``points``), a new id adds a row, ``[meta]`` and ``[[group]]`` entries replace by key and id."""
    data = _read(Path(base))
    meta = dict(data.get("meta", {}))
    group_rows = {g["id"]: dict(g) for g in data.get("group", [])}
    rows = {r["id"]: dict(r) for r in data.get("indicator", [])}
    order = list(rows)
    sources = [str(base)]
    for ov in overrides:
        p = Path(ov)
        extra = _read(p)
        meta.update(extra.get("meta", {}))
        for g in extra.get("group", []):
            group_rows.setdefault(g["id"], {}).update(g)
        for n, r in enumerate(extra.get("indicator", []), 1):
            if "id" not in r:
                raise TableError(f"{p} 第 {n} 个 [[indicator]]：缺少 id")
            if r["id"] not in rows:
                order.append(r["id"])
            rows.setdefault(r["id"], {}).update(r)
        sources.append(str(p))
    groups = {}
    for gid, g in group_rows.items():
        try:
            groups[gid] = Group(gid, str(g["name"]), float(g["max"]), str(g.get("confidence", "unverified")))
        except (KeyError, TypeError, ValueError):
            raise TableError(f"评分分组 {gid}：需要 name 和数值 max") from None
    inds = tuple(_indicator(rows[i], f"指标 {i}", groups) for i in order)
    return Table(meta, groups, inds, tuple(sources))
