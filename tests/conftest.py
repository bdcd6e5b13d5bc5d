"""Shared fixtures: settings pointing at temporary storage, the bundled sample site, PostgreSQL schemas."""
from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from auditor.config import Settings

SHARED = Path(__file__).resolve().parents[2] / "shared"
PG_BASE = os.environ.get("GOVAUDIT_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Embedded defaults on temporary storage; loopback allowed; no lookup leaves the machine."""
    return Settings(database_url=f"sqlite:///{tmp_path}/govaudit.db", evidence_dir=str(tmp_path / "evidence"),
                    allow_private=True, isolate_network=True, standins=True, nav_timeout=15, page_budget=40)


@pytest.fixture(scope="session")
def sample_site():
    from auditor import sample_site as ss

    server, base = ss.serve()
    truth = ss.truth()
    port = base.rsplit(":", 1)[1]
    yield {"base": base, "truth": truth, "host": truth["site"]["host"],
           "host_map": {truth["site"]["host"]: f"127.0.0.1:{port}"}, "port": int(port)}
    server.shutdown()


@pytest.fixture
def pg_url():
    """A fresh schema in the test database, dropped afterwards (the PostgreSQL server must be running)."""
    import sqlalchemy as sa

    schema = f"t_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_BASE)
    with admin.begin() as c:
        c.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = f"{PG_BASE}?options=-csearch_path%3D{schema}"
    yield url
    with admin.begin() as c:
        c.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def pytest_collection_modifyitems(config, items):
    """A test that needs PostgreSQL (the ``pg_url`` fixture or the ``postgres`` mark) needs the services."""
    for item in items:
        if "pg_url" in getattr(item, "fixturenames", ()) or item.get_closest_marker("postgres"):
            item.add_marker(pytest.mark.services)
