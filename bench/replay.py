"""The floor under (b): the very SQL that (b)'s use cases sent, replayed through the bare driver on a copy
of the database as it was before they ran: no Python of ours, no SQLAlchemy, no SpiffWorkflow. What (b)
costs above it is the price of our Python, the ORM and the engine; the floor itself is what any design
issuing these statements pays, so it bounds (b)/(a) from above whatever the code around the SQL does."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from sqlalchemy import event

from bench.common import Databases, actors, context
from bench.service import walk_one
from engine.db.session import make_engine

COMMIT, ROLLBACK = "commit", "rollback"


class Recorder:
    """Every statement, with the parameters the driver received, and every commit and rollback, in order."""

    def __init__(self, engine):
        self.engine = engine
        self.log: list[tuple] = []
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "commit", self._commit)
        event.listen(engine, "rollback", self._rollback)

    def _statement(self, _conn, _cursor, statement, parameters, _context, executemany):
        self.log.append((statement, parameters, executemany))

    def _commit(self, _conn):
        self.log.append((COMMIT,))

    def _rollback(self, _conn):
        self.log.append((ROLLBACK,))

    def stop(self) -> list[tuple]:
        event.remove(self.engine, "before_cursor_execute", self._statement)
        event.remove(self.engine, "commit", self._commit)
        event.remove(self.engine, "rollback", self._rollback)
        return self.log

    @property
    def statements(self) -> int:
        return sum(1 for entry in self.log if len(entry) == 3)


def snapshot(databases: Databases, kind: str, url: str, name: str) -> str:
    """A copy of the database behind ``url`` (no connection may be open on it)."""
    if kind == "sqlite":
        source = url.split("///", 1)[-1]
        target = f"{databases.folder / name}.db"
        for suffix in ("", "-wal", "-shm"):  # no stale journal of an earlier copy may pair with this one
            Path(target + suffix).unlink(missing_ok=True)
            if Path(source + suffix).exists() and suffix != "-shm":
                shutil.copyfile(source + suffix, target + suffix)
        return f"sqlite:///{target}"
    source_db = url.rsplit("/", 1)[-1]
    databases.pg.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name} TEMPLATE {source_db}")
    return databases.pg.url(name)


def replay(url: str, log: list[tuple]) -> tuple[float, float]:
    """(CPU seconds, wall seconds) to send ``log`` through the driver connection, set up as the engine
    sets up its own (SQLite's pragmas and explicit BEGIN; psycopg's implicit one), reading every result."""
    engine = make_engine(url)
    pooled = engine.raw_connection()
    try:
        driver = pooled.driver_connection
        cursor = driver.cursor()
        started, cpu = time.perf_counter(), time.process_time()
        for entry in log:
            if entry[0] == COMMIT:
                driver.commit()
            elif entry[0] == ROLLBACK:
                driver.rollback()
            else:
                statement, parameters, many = entry
                if many:
                    cursor.executemany(statement, parameters)
                else:
                    cursor.execute(statement, parameters)
                    if cursor.description is not None:
                        cursor.fetchall()
        return time.process_time() - cpu, time.perf_counter() - started
    finally:
        pooled.close()
        engine.dispose()


def run(databases: Databases, kind: str, url: str, dossiers: int) -> dict:
    """Walk ``dossiers`` as (b) does, recording its SQL; replay it on a copy taken just before."""
    ctx = context(url)
    who = actors(ctx)
    walk_one(ctx, who, -1)  # the same warm-up as (b): spec parse, calendar
    ctx.db.dispose()  # closes the pool's connections; the engine opens new ones when next asked
    copy = snapshot(databases, kind, url, "bench_replay")
    recorder = Recorder(ctx.db.engine)
    steps = sum(walk_one(ctx, who, n) for n in range(dossiers))
    log = recorder.stop()
    ctx.db.dispose()
    cpu, wall = replay(copy, log)
    return {"steps": steps, "statements_per_step": recorder.statements / steps,
            "cpu_ms_per_step": 1000 * cpu / steps, "wall_ms_per_step": 1000 * wall / steps}
