"""The databases the suite runs on: SQLite (always) and PostgreSQL (where the server binaries exist).

Each backend seeds once per session and starts every test from that seed. SQLite copies a template
file. PostgreSQL resets one database: measured on 2 cores with 19 tables, ``CREATE DATABASE … TEMPLATE``
took 140–250 ms per test (its checkpoint dominates) and TRUNCATE of every table plus re-inserting the
seed ≈ 120 ms, while DELETE plus re-insert takes ≈ 10–20 ms; the suite uses the last.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Callable

from tests.pg_server import PgServer, PostgresUnavailable

SQLITE, POSTGRES = "sqlite", "postgres"
CHOICES = (SQLITE, POSTGRES, "both")
ENV_VAR = "MOTCUA_TEST_DB"
TEST_DB = "motcua_test"


def selected(option: str) -> list[str]:
    return [SQLITE, POSTGRES] if option == "both" else [option]


class SqliteBackend:
    name = SQLITE

    def __init__(self, folder: Path, seed: Callable[[str], None]):
        self.template = folder / "motcua.db"
        seed(f"sqlite:///{self.template}")

    def fresh(self, folder: Path) -> str:
        path = folder / "motcua.db"
        shutil.copy(self.template, path)
        return f"sqlite:///{path}"

    def release(self, url: str) -> None:
        pass

    def close(self) -> None:
        pass


class PostgresBackend:
    """One test database, seeded once; after each test every table is emptied and refilled from a copy
    of the seed kept in the schema ``seed`` (DELETE + INSERT … SELECT, sequences set back)."""

    name = POSTGRES
    LOCK_TIMEOUT = "5s"

    def __init__(self, seed: Callable[[str], None]):
        self.server = PgServer().start()
        try:
            self.server.admin(f"CREATE DATABASE {TEST_DB}")
            seed(self.server.url(TEST_DB))
            self.tables, self.sequences, self.columns = self._snapshot()
        except BaseException:
            self.server.stop()
            raise

    def _connect(self):
        import psycopg

        return psycopg.connect(self.server.url(TEST_DB, driver="postgresql"), autocommit=True)

    def _snapshot(self) -> tuple[list[str], list[tuple[str, str]], dict[str, str]]:
        with self._connect() as conn:
            tables = [r[0] for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version' "
                "ORDER BY tablename")]
            sequences = list(conn.execute(
                "SELECT c.table_name, c.column_name FROM information_schema.columns c WHERE c.table_schema = 'public' "
                "AND c.column_default LIKE 'nextval(%'"))
            # Columns by name: a test that downgrades and upgrades again (migration tests) re-adds columns at the
            # end of their table, so a refill must never depend on the order of the columns.
            columns = {table: ", ".join(f'"{name}"' for (name,) in conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = %s "
                "ORDER BY ordinal_position", (table,))) for table in tables}
            conn.execute("CREATE SCHEMA seed")
            for table in tables:
                conn.execute(f'CREATE TABLE seed."{table}" AS TABLE public."{table}"')
        return tables, sequences, columns

    def fresh(self, folder: Path | None = None) -> str:
        return self.server.url(TEST_DB)

    def release(self, url: str) -> None:
        try:
            self._reset()
        except Exception:  # a connection left inside a transaction holds locks: end it, then reset
            self.server.admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              f"WHERE datname = '{TEST_DB}' AND pid <> pg_backend_pid()")
            self._reset()

    def _reset(self) -> None:
        with self._connect() as conn, conn.transaction():
            conn.execute(f"SET LOCAL lock_timeout = '{self.LOCK_TIMEOUT}'")
            conn.execute("SET LOCAL session_replication_role = replica")  # no FK triggers while refilling
            for table in self.tables:
                conn.execute(f'DELETE FROM public."{table}"')
                columns = self.columns[table]
                conn.execute(f'INSERT INTO public."{table}" ({columns}) SELECT {columns} FROM seed."{table}"')
            for table, column in self.sequences:
                conn.execute(f"SELECT setval(pg_get_serial_sequence('public.\"{table}\"', '{column}'), "
                             f'COALESCE((SELECT max("{column}") FROM public."{table}"), 0) + 1, false)')

    def close(self) -> None:
        self.server.stop()


def start(name: str, folder: Path, seed: Callable[[str], None]):
    """The backend, or PostgresUnavailable with the reason."""
    if name == SQLITE:
        return SqliteBackend(folder, seed)
    return PostgresBackend(seed)


__all__ = ["CHOICES", "ENV_VAR", "POSTGRES", "SQLITE", "PostgresUnavailable", "selected", "start"]
