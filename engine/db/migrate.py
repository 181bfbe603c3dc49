"""Create or upgrade a database with the project's Alembic migrations (``motcua init``)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from engine.db.session import Database

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(db: Database) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", db.url.replace("%", "%%"))
    return config


def upgrade(db: Database) -> None:
    command.upgrade(alembic_config(db), "head")


def current_revision(db: Database) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def create_schema(db: Database) -> None:
    """Tables straight from the models, stamped at head (tests; tests/test_migrations.py keeps the
    migrations equal to the models)."""
    from engine.db.models import Base

    Base.metadata.create_all(db.engine)
    command.stamp(alembic_config(db), "head")
