"""Insert a row unless its unique key exists: the atomic "fire once" that lets several workers race.

``INSERT … ON CONFLICT DO NOTHING`` on SQLite and PostgreSQL: the loser of a race waits for the
winner's transaction and then inserts nothing, instead of failing its whole transaction."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

_DIALECTS = {"sqlite": sqlite, "postgresql": postgresql}


def insert_once(session: Session, model, **values) -> bool:
    """True when this call inserted the row, False when a row with the same unique key was there."""
    dialect = _DIALECTS.get(session.get_bind().dialect.name)
    if dialect is None:
        raise RuntimeError(f"insert_once supports {sorted(_DIALECTS)}, not {session.get_bind().dialect.name}")
    # RETURNING, not rowcount: drivers disagree on rowcount here (psycopg 3 reports -1).
    key = list(model.__table__.primary_key.columns)
    statement = dialect.insert(model).values(**values).on_conflict_do_nothing().returning(*key)
    return session.execute(statement).first() is not None
