"""Every rule's declaration (META): unique ids, the 19号 mapping agrees with indicators_19.toml, the registry and
the a11y runner read it, and docs/rules.md's generated tables are current."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from auditor.models import PageFacts, SiteProfile
from auditor.rules import A11Y_METAS, RULES, catalog, catalog_sections, meta_for, run_a11y_rules
from auditor.rules.markdown import sections, stale_sections, write_sections
from auditor.rules.meta import PAGE_KINDS
from auditor.scoring.table import load_table

RULES_MD = Path(__file__).resolve().parents[1] / "docs" / "rules.md"
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_catalog_ids_are_unique_and_complete():
    ids = [m.id for m in catalog()]
    assert len(ids) == len(set(ids)), [i for i in ids if ids.count(i) > 1]
    extra = [e for m in catalog() for e in m.extra_ids]
    assert not set(extra) & set(ids)
    assert [r.id for r in RULES] == ids[:len(RULES)]  # page rules first, in contract order


def test_every_declaration_is_filled_in():
    for m in catalog():
        assert m.indicator and CJK.search(m.indicator), m.id
        for text in (m.pass_title, m.fail_title, m.fix):
            assert CJK.search(text) and "\n" not in text, (m.id, text)
        assert m.facts, m.id
        assert m.description, m.id
        assert m.kinds <= PAGE_KINDS and m.kinds, m.id
        assert (m.key is None) == (m.group is None), m.id
        assert m.default in ("pass", "not_assessable", "absent"), m.id


def test_19_mapping_agrees_with_the_scoring_table():
    """A rule the scoring table maps to an indicator declares that indicator's id (one of them, when it evidences
    several, as columns.freshness does); a rule that declares a key is listed under it."""
    table = load_table()
    mapped: dict[str, set[str]] = {}
    for ind in table.indicators:
        for rule in ind.rules:
            mapped.setdefault(rule, set()).add(ind.id)
    metas = {m.id: m for m in catalog()}
    checked = 0
    for rule, keys in mapped.items():
        if rule in metas:
            assert metas[rule].key in keys, (rule, metas[rule].key, keys)
            checked += 1
    assert checked >= 12  # the page rules alone map to 12
    for m in metas.values():
        if m.key is None:
            continue
        ind = table.indicator(m.key)
        assert ind is not None, (m.id, m.key)
        assert m.id in ind.rules, (m.id, m.key)
        assert m.group == (ind.group or "V"), (m.id, m.group, ind.group)


def test_registry_reads_meta():
    for r in RULES:
        assert r.meta is not None and (r.id, r.indicator, r.kinds) == (r.meta.id, r.meta.indicator, r.meta.kinds)
    assert [m.id for m in catalog_sections()["a11y"]] == [m.id for m in A11Y_METAS]


def test_meta_for_maps_dynamic_axe_ids_to_the_summary():
    assert meta_for("footer.icp").indicator == "ICP备案编号"
    summary = meta_for("a11y.axe")
    assert meta_for("a11y.image-alt") is summary and meta_for("a11y.review.color-contrast") is summary
    assert meta_for("no.such_rule") is None


def test_docs_rules_md_is_generated_from_meta():
    doc = RULES_MD.read_text(encoding="utf-8")
    stale = stale_sections(doc, sections(catalog_sections()))
    assert not stale, (f"docs/rules.md 的规则表已过期（{', '.join(stale)}）：运行 "
                       "`govaudit rules --markdown --write` 重新生成")


def test_write_sections_replaces_between_markers_and_appends_missing_ones():
    gen = {"page": "| a |", "site": "| s |"}
    doc = "prose\n<!-- rules:begin page -->\nold\n<!-- rules:end page -->\nmore prose\n"
    out = write_sections(doc, gen)
    assert "old" not in out and "prose\n<!-- rules:begin page -->\n| a |\n<!-- rules:end page -->\nmore" in out
    assert out.rstrip().endswith("<!-- rules:end site -->")
    assert stale_sections(out, gen) == [] and stale_sections(doc, gen) == ["page", "site"]


def test_cli_rules_markdown_and_json(capsys, tmp_path):
    from govaudit.cli import main

    assert main(["rules", "--json"]) == 0
    out = capsys.readouterr().out
    assert '"id": "footer.icp"' in out and '"fix":' in out
    assert main(["rules", "--markdown"]) == 0
    assert "| `footer.icp` | ICP备案编号 | D4.2 (D4) |" in capsys.readouterr().out
    f = tmp_path / "rules.md"
    f.write_text("x\n<!-- rules:begin page -->\n<!-- rules:end page -->\n", encoding="utf-8")
    assert main(["rules", "--markdown", "--write", "--file", str(f)]) == 0
    assert not stale_sections(f.read_text(encoding="utf-8"), sections(catalog_sections()))
    assert main(["rules", "--write"]) == 2
    assert "--markdown" in capsys.readouterr().err


@pytest.mark.parametrize("kind", sorted(PAGE_KINDS))
def test_page_rules_run_by_declared_kinds(kind):
    from auditor.rules import run_rules

    facts = PageFacts(url="http://www.x.gov.cn/", final_url="http://www.x.gov.cn/", status=200, probe={})
    got = [c.rule for c in run_rules(facts, SiteProfile("示范市人民政府"), kind)]
    assert got == [r.id for r in RULES if kind in r.meta.kinds]
