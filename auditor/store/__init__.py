"""Storage: SQLAlchemy 2 models and Alembic migrations; SQLite by default, PostgreSQL by DATABASE_URL."""
from auditor.store.db import Store, normalise_db_url
from auditor.store.errors import StoreError, ValueTooLong

__all__ = ["Store", "StoreError", "ValueTooLong", "normalise_db_url"]
