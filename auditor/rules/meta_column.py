"""meta.column — 网页标签（栏目标签）: ColumnName, ColumnDescription, ColumnKeywords, ColumnType on column and
article pages; ColumnType from the official 栏目类别 list of the 《政府网站发展指引》."""
from __future__ import annotations

from auditor.models import CheckResult, PageFacts, SiteProfile, Status
from auditor.rules._common import result
from auditor.rules._meta import meta_evidence, required
from auditor.rules.meta import RuleMeta

META = RuleMeta(
    id="meta.column",
    indicator="网页标签（栏目标签）",
    pass_title="栏目标签齐全",
    fail_title="缺少栏目标签",
    fix="在栏目页和内容页的 <head> 中加入 ColumnName、ColumnDescription、ColumnKeywords、ColumnType，ColumnType 取《政府网站发展指引》的栏目类别。",
    facts=("probe.metas",),
    kinds=frozenset({"column", "article"}),
    key="D4.6",
    group="D4",
    description=("**pass** when on column and article pages: ColumnName, ColumnDescription, ColumnKeywords, ColumnType"
                 " present; ColumnType from the official list; **fail** when any missing; **warn** when ColumnType not"
                 " in the official list (e.g. numeric)"),
)
RULE = META.id
INDICATOR = META.indicator
NAMES = ["ColumnName", "ColumnDescription", "ColumnKeywords", "ColumnType"]
# 栏目类别 (《政府网站发展指引》网页设计规范). Kept as data: the list in the 指引 ends with "……".
COLUMN_TYPES = {
    "首页", "概况信息", "机构职能", "负责人信息", "工作动态", "政策文件", "信息公开指南", "信息公开目录",
    "信息公开年报", "依法申请公开", "数据发布", "数据开放", "政策解读", "回应关切", "办事服务", "咨询投诉",
    "征集调查", "在线访谈",
}


def check(facts: PageFacts, site: SiteProfile) -> CheckResult:
    found, missing = required(facts, NAMES)
    ev = [meta_evidence(found, "栏目标签")]
    if missing:
        return result(RULE, INDICATOR, Status.FAIL, f"缺少栏目标签：{'、'.join(missing)}",
                      {"found": found, "missing": missing}, ev)
    types = [t for t in found["ColumnType"].replace("，", ",").replace("、", ",").split(",") if t.strip()]
    unknown = [t.strip() for t in types if t.strip() not in COLUMN_TYPES]
    if unknown:
        return result(RULE, INDICATOR, Status.WARN,
                      f"ColumnType 取值“{found['ColumnType']}”不在《政府网站发展指引》栏目类别中",
                      {"found": found, "unknown_types": unknown}, ev)
    return result(RULE, INDICATOR, Status.PASS, "栏目标签齐全", {"found": found}, ev)
