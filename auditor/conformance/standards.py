"""评测标准: the criteria of WCAG 2.1 AA, WCAG 2.2 AA, GB/T 37668-2019 and the 适老化 规范, and which automated
checks cover each, all read from the mapping data (``mapping.json``, shared with ``auditor.a11y``).

GB/T 37668-2019 is taken as the WCAG 2.0 A/AA criteria under its clause numbers 5.<principle>.<guideline>
(unverified against the standard's text, and said so per criterion). The 适老化 criteria carry our own numbers
(EL-xx), equally unverified.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from auditor.a11y import MAPPING

STANDARD_KEYS = ("gbt37668", "wcag21aa", "wcag22aa", "elderly")
STANDARD_TITLES = {
    "gbt37668": "GB/T 37668-2019《信息技术 互联网内容无障碍可访问性技术要求与测试方法》",
    "wcag21aa": "WCAG 2.1 AA 级",
    "wcag22aa": "WCAG 2.2 AA 级",
    "elderly": "工信部《互联网网站适老化通用设计规范》",
}
# The WCAG-EM Report Tool's test prefixes (its "WCAG21:<slug>" ids); the 适老化 criteria use our own prefix.
TEST_PREFIX = {"gbt37668": "WCAG20", "wcag21aa": "WCAG21", "wcag22aa": "WCAG22", "elderly": "GOVSITE-ELDERLY"}
WCAG_VERSION = {"gbt37668": "2.0", "wcag21aa": "2.1", "wcag22aa": "2.2"}
_VERSIONS = {"2.0": ("2.0",), "2.1": ("2.0", "2.1"), "2.2": ("2.0", "2.1", "2.2")}


class UnknownStandard(ValueError):
    """The standard key is not one of STANDARD_KEYS."""


@dataclass(frozen=True)
class Criterion:
    """One criterion (成功准则/指标) of a standard."""
    id: str  # "1.1.1" for the WCAG-based standards, "EL-01" for 适老化
    name: str
    level: str
    principle: str  # "1".."4"
    guideline: str
    ref: str  # how the standard numbers it: "5.1.1" (GB/T), "1.1.1" (WCAG), "EL-01"
    test: str  # the WCAG-EM Report Tool test id, e.g. "WCAG21:non-text-content"
    verified: bool  # the clause/number was checked against the standard's own text
    requirement: str = ""

    @property
    def label(self) -> str:
        if self.ref != self.id:
            return f"{self.ref} {self.name}（WCAG {self.id}）"
        return f"{self.ref} {self.name}"


@dataclass(frozen=True)
class Standard:
    key: str
    title: str
    criteria: tuple[Criterion, ...]

    def get(self, cid: str) -> Criterion | None:
        return next((c for c in self.criteria if c.id == cid), None)


@dataclass(frozen=True)
class CheckMap:
    """An automated check and the criteria it covers; ``warn`` says what its 警告 means in an evaluation."""
    check: str  # the finding's rule id ("a11y.image-alt", "elderly.focus_visible")
    source: str  # axe-core | govsite-auditor
    criteria: tuple[str, ...]
    warn: str  # failed | cantTell
    verified: bool


def _wcag_criterion(row: dict[str, Any], key: str) -> Criterion:
    p, g, _ = row["sc"].split(".")
    guideline = MAPPING["guidelines"].get(f"{p}.{g}", "")
    if key == "gbt37668":
        return Criterion(row["sc"], row["name"], row["level"], p, guideline, row["gbt37668"] or row["sc"],
                         f"{TEST_PREFIX[key]}:{row['slug']}", bool(row.get("gbt37668_verified")))
    return Criterion(row["sc"], row["name"], row["level"], p, guideline, row["sc"],
                     f"{TEST_PREFIX[key]}:{row['slug']}", True)


@lru_cache(maxsize=None)
def standard(key: str) -> Standard:
    """The criteria of a standard, in the standard's order."""
    if key not in STANDARD_KEYS:
        raise UnknownStandard(f"未知的评测标准：{key}（可选 {' / '.join(STANDARD_KEYS)}）")
    if key == "elderly":
        crit = tuple(Criterion(r["id"], r["name"], "", r.get("principle", "1"), "适老化", r["id"],
                               f"{TEST_PREFIX[key]}:{r['id']}", bool(r.get("verified")), r.get("requirement", ""))
                     for r in MAPPING["elderly"])
        return Standard(key, STANDARD_TITLES[key], crit)
    versions = _VERSIONS[WCAG_VERSION[key]]
    rows = [r for r in MAPPING["wcag"] if r["level"] in ("A", "AA") and r["version"] in versions
            and not (r.get("removed_in") and WCAG_VERSION[key] >= r["removed_in"])]
    rows.sort(key=lambda r: tuple(int(x) for x in r["sc"].split(".")))
    return Standard(key, STANDARD_TITLES[key], tuple(_wcag_criterion(r, key) for r in rows))


@lru_cache(maxsize=1)
def check_maps() -> dict[str, CheckMap]:
    """Every automated check in the mapping data, by its rule id."""
    return {r["check"]: CheckMap(r["check"], r["source"], tuple(r["criteria"]), r.get("warn", "failed"),
                                 bool(r.get("verified")))
            for r in MAPPING["checks"]}


def covering_checks(cid: str) -> list[str]:
    """The automated checks that cover a criterion (empty: only a person can evaluate it)."""
    return [m.check for m in check_maps().values() if cid in m.criteria]


__all__ = ["STANDARD_KEYS", "STANDARD_TITLES", "Criterion", "Standard", "CheckMap", "UnknownStandard",
           "standard", "check_maps", "covering_checks"]
