"""人工评测 storage: the migration matches the model, judgements round-trip in SQLite and PostgreSQL, the newest
counts, and bad ones are refused before anything is written."""
from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from auditor.store.conformance import RunNotFound, evaluate_run, judgements, record_judgement
from auditor.conformance.model import BadJudgement
from auditor.conformance.standards import UnknownStandard
from auditor.store import Store
from auditor.store.models import Base


def _judge_roundtrip(store: Store) -> None:
    store.upgrade()
    run = store.create_run("示范市人民政府", None, 0, "playwright", "ua", {})
    record_judgement(store, run.id, "elderly", "EL-04", "failed", "首页有诱导下载按钮", "manual/el04.png", "甲")
    record_judgement(store, run.id, "elderly", "EL-04", "passed", "复核：已整改", None, "乙")
    got = judgements(store, run.id, "elderly")
    assert [(j.result, j.user) for j in got] == [("failed", "甲"), ("passed", "乙")]
    r = evaluate_run(store, run.id, "elderly").conformance.result("EL-04")
    assert r.outcome == "passed" and r.manual.user == "乙" and r.automatic == "untested"
    assert judgements(store, run.id, "wcag21aa") == []
    with pytest.raises(BadJudgement):
        record_judgement(store, run.id, "elderly", "EL-99", "passed")
    with pytest.raises(UnknownStandard):
        record_judgement(store, run.id, "wcag30", "1.1.1", "passed")
    with pytest.raises(RunNotFound):
        record_judgement(store, run.id + 100, "elderly", "EL-04", "passed")
    with pytest.raises(RunNotFound):
        evaluate_run(store, run.id + 100, "elderly")
    assert len(judgements(store, run.id, "elderly")) == 2  # nothing written by the refused ones


def test_migration_matches_the_model_and_judgements_roundtrip(tmp_path):
    store = Store(f"sqlite:///{tmp_path}/g.db")
    _judge_roundtrip(store)
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert not [d for d in diff if "manual_judgements" in repr(d)], diff


@pytest.mark.postgres
def test_judgements_in_postgresql(pg_url):
    _judge_roundtrip(Store(pg_url))
