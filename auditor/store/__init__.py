"""Storage: SQLAlchemy 2 models and Alembic migrations; SQLite by default, PostgreSQL by DATABASE_URL."""
from auditor.store.db import Store, normalise_db_url

__all__ = ["Store", "normalise_db_url"]
