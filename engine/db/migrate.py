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
