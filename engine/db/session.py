"""Database connection and the transaction boundary every use case goes through."""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from engine.errors import Conflict

DEFAULT_DATABASE_URL = "sqlite:///var/motcua.db"
SQLITE_BUSY_TIMEOUT_MS = 30_000
# Lost races the caller may simply retry: SQLite busy, PostgreSQL serialisation failure, deadlock, lock timeout.
BUSY_SIGNS = ("locked", "could not serialize", "deadlock detected", "lock timeout")
READ_ONLY = "motcua_read_only"  # execution option of the connections of read-only transactions


def _read_only(connection) -> bool:
    return bool(connection.get_execution_options().get(READ_ONLY))


def database_url_from_env() -> str:
    return os.environ.get("MOTCUA_DATABASE_URL", DEFAULT_DATABASE_URL)


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False})
        _serialise_sqlite_writers(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def _serialise_sqlite_writers(engine: Engine) -> None:
    """SQLite: take the write lock when a transaction begins (BEGIN IMMEDIATE), so two writers queue
    instead of failing half-way; the second then sees the first's result and gets a clean conflict.
    Read-only transactions begin deferred: under WAL they read a snapshot beside the writer, never waiting."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # let us emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN" if _read_only(connection) else "BEGIN IMMEDIATE")


class Database:
    def __init__(self, url: str | None = None):
        self.url = url or database_url_from_env()
        self.engine = make_engine(self.url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # PostgreSQL: BEGIN READ ONLY (a read that tries to write fails loudly); SQLite: see _serialise_sqlite_writers.
        read_options = {READ_ONLY: True, **({"postgresql_readonly": True} if self.is_postgres else {})}
        self._read_sessions = sessionmaker(self.engine.execution_options(**read_options), expire_on_commit=False)
        # SQLite has one writer. Threads of this process queue for it here, woken the moment it is free;
        # left to SQLite's busy handler, a waiting writer sleeps in growing steps (1, 2, 5 … 100 ms) and
        # retries, so under load most of the time goes to sleeping. Other processes still meet the handler.
        self._writer = threading.RLock() if not self.is_postgres else None

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @contextmanager
    def transaction(self, read_only: bool = False) -> Iterator[Session]:
        """One unit of work: commit on success, roll back on any error; lost races become Conflict.
        ``read_only`` for use cases that only read (inbox, views, reports, sign-in): they neither queue
        behind SQLite's single writer nor may write on PostgreSQL."""
        session = (self._read_sessions if read_only else self._sessions)()
        try:
            with self._write_turn(read_only), session.begin():
                yield session
        except StaleDataError as exc:
            raise Conflict(
                "Hồ sơ vừa được người khác cập nhật; hãy tải lại và thử lại.",
                message_en="The dossier was just changed by someone else; reload and try again.",
            ) from exc
        except OperationalError as exc:
            if any(sign in str(exc).lower() for sign in BUSY_SIGNS):
                raise Conflict(
                    "Cơ sở dữ liệu đang bận; hãy thử lại.", message_en="The database is busy; try again."
                ) from exc
            raise
        finally:
            session.close()

    @contextmanager
    def _write_turn(self, read_only: bool) -> Iterator[None]:
        """This process's turn at SQLite's single writer (nothing on PostgreSQL or for reads)."""
        if read_only or self._writer is None:
            yield
            return
        if not self._writer.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000):
            raise OperationalError("BEGIN IMMEDIATE", {}, Exception("database is locked (waited for this process's writer)"))
        try:
            yield
        finally:
            self._writer.release()

    def dispose(self) -> None:
        self.engine.dispose()
