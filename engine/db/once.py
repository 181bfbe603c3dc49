"""Insert a row unless its unique key exists: the atomic "fire once" that lets several workers race.

``INSERT … ON CONFLICT DO NOTHING`` on SQLite and PostgreSQL: the loser of a race waits for the
winner's transaction and then inserts nothing, instead of failing its whole transaction."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

_DIALECTS = {"sqlite": sqlite, "postgresql": postgresql}
_STATEMENTS: dict[tuple[str, type], object] = {}  # built once per dialect and model: outbox rows are on the hot path


def _statement(dialect_name: str, model):
    statement = _STATEMENTS.get((dialect_name, model))
    if statement is None:
        dialect = _DIALECTS.get(dialect_name)
        if dialect is None:
            raise RuntimeError(f"insert_once supports {sorted(_DIALECTS)}, not {dialect_name}")
        # RETURNING, not rowcount: drivers disagree on rowcount here (psycopg 3 reports -1).
        key = list(model.__table__.primary_key.columns)
        statement = _STATEMENTS[dialect_name, model] = dialect.insert(model).on_conflict_do_nothing().returning(*key)
    return statement


def insert_once(session: Session, model, **values) -> bool:
    """True when this call inserted the row, False when a row with the same unique key was there.
    Run on the session's connection, without a flush first: the row refers to others only by ids, and an id
    exists only once its row was flushed, so nothing pending can be missing."""
    return session.connection().execute(_statement(session.get_bind().dialect.name, model), values).first() is not None
