"""The cheap schema check (auditor/store/db.py): the head revision read from the migration files is Alembic's,
and a database already at head is opened without importing Alembic."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from auditor.store.db import MIGRATIONS, Store, head_revision


def test_head_revision_is_alembics() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    assert head_revision() == ScriptDirectory.from_config(cfg).get_current_head()


def test_upgrade_then_no_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/db.sqlite"
    store = Store(url)
    assert store.schema_revision() is None  # an empty database: Alembic runs
    store.upgrade()
    assert store.schema_revision() == head_revision()
    code = ("import sys; from auditor.store import Store; s = Store(sys.argv[1]); s.upgrade(); "
            "print('alembic' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, url], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_behind_head_is_migrated(tmp_path: Path) -> None:
    from sqlalchemy import text

    store = Store(f"sqlite:///{tmp_path}/db.sqlite")
    store.upgrade()
    with store.engine.begin() as conn:  # as if the last migration had not run yet: it must be applied again
        conn.execute(text("UPDATE alembic_version SET version_num = '0009_review_bulk'"))
        conn.execute(text("ALTER TABLE sites DROP COLUMN region"))
    assert store.schema_revision() == "0009_review_bulk"
    store.upgrade()
    assert store.schema_revision() == head_revision()
    from sqlalchemy import inspect

    assert "region" in {c["name"] for c in inspect(store.engine).get_columns("sites")}
