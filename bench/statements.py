"""What one SQL statement costs in CPU on the way through each layer: the SQLAlchemy ORM (unit of work,
identity map), SQLAlchemy Core (a compiled, cached statement) and the bare driver. A step of the service
layer issues ≈ 25 statements; this is how (b)'s cost per step splits into "the work" and "the layer".
Measured inside one transaction that is rolled back, so the database is left as it was."""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone

from sqlalchemy import insert, select

from engine.db.models import AuditEntry, Task
from engine.db.session import Database

NOW = datetime(2026, 12, 7, 1, 0, tzinfo=timezone.utc)


def _row(n: int) -> dict:
    return {"at": NOW, "actor_id": None, "actor_name": "bench", "action": "bench", "target": f"t{n}",
            "allowed": True, "detail": {"n": n}}


def _per_call(func, count: int) -> float:
    """CPU microseconds per call."""
    started = time.process_time()
    for n in range(count):
        func(n)
    return 1e6 * (time.process_time() - started) / count


def run(url: str, count: int = 2000) -> dict:
    db = Database(url)
    results = {}
    session = db._sessions()
    session.begin()
    try:
        task_ids = list(session.scalars(select(Task.id).limit(50))) or [0]
        pick = lambda n: task_ids[n % len(task_ids)]  # noqa: E731

        def orm_insert(n):
            session.add(AuditEntry(**_row(n)))
            session.flush()

        def orm_get(n):
            session.get(Task, pick(n), populate_existing=True)

        table = AuditEntry.__table__
        core_insert_stmt = insert(table)
        core_get_stmt = select(Task.__table__).where(Task.__table__.c.id == 0)

        def core_insert(n):
            session.execute(core_insert_stmt, _row(n))

        def core_get(n):
            session.execute(select(Task.__table__).where(Task.__table__.c.id == pick(n))).first()

        connection = session.connection()
        raw = connection.connection.driver_connection
        dialect = connection.dialect
        compiled_get = core_get_stmt.compile(dialect=dialect)
        positional = dialect.paramstyle == "qmark"  # SQLite; psycopg takes %(name)s with a dict
        get_sql = str(compiled_get)
        columns = list(_row(0))
        insert_sql = str(core_insert_stmt.compile(dialect=dialect, column_keys=columns))
        processors = {c.name: c.type.bind_processor(dialect) for c in table.columns}

        def raw_params(n):
            row = _row(n)
            values = [processors[c](row[c]) if processors.get(c) else row[c] for c in columns]
            return [json.dumps(v) if isinstance(v, dict) else v for v in values]  # psycopg: JSON as text

        cursor = raw.cursor()

        def raw_insert(n):
            params = raw_params(n)
            if positional:
                cursor.execute(insert_sql, params)
            else:
                cursor.execute(insert_sql, dict(zip(columns, params)))

        def raw_get(n):
            if positional:
                cursor.execute(get_sql, [pick(n)])
            else:
                cursor.execute(get_sql, {list(compiled_get.params)[0]: pick(n)})
            cursor.fetchone()

        for name, func in (("orm_insert", orm_insert), ("core_insert", core_insert), ("driver_insert", raw_insert),
                           ("orm_get", orm_get), ("core_get", core_get), ("driver_get", raw_get)):
            func(-1)  # warm
            results[name] = _per_call(func, count)
    finally:
        session.rollback()
        session.close()
        db.dispose()
    return results
