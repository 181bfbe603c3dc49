"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from engine.db.migrate import current_revision, upgrade
from engine.db.models import Base
from engine.db.models.search import include_name
from engine.db.session import Database


def test_migrations_match_the_models(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'm.db'}")
    upgrade(db)
    assert current_revision(db) is not None
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"render_as_batch": True, "include_name": include_name}), Base.metadata)
    assert diff == [], f"models changed without a migration: {diff}"
    upgrade(db)  # idempotent
    db.dispose()
