"""Read-only transactions: they read beside a writer instead of queueing behind it, and may not write."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from engine.db.models import Agency, User


def test_a_read_does_not_wait_for_a_writer(ctx):
    seen: list[int] = []
    with ctx.db.transaction() as writer:
        writer.execute(select(func.count()).select_from(User))  # SQLite: this transaction holds the write lock
        writer.get(Agency, 1).name = "Đang sửa"

        def read():
            with ctx.db.transaction(read_only=True) as reader:
                seen.append(reader.scalar(select(func.count()).select_from(Agency)))

        thread = threading.Thread(target=read)
        thread.start()
        thread.join(timeout=5)
        assert not thread.is_alive(), "the read waited for the writer"
    assert seen and seen[0] > 0


def test_a_read_only_transaction_refuses_writes_on_postgresql(ctx):
    if not ctx.db.is_postgres:
        pytest.skip("SQLite has no per-transaction read-only mode; reads there simply begin deferred")
    with pytest.raises(DBAPIError, match="read-only"):
        with ctx.db.transaction(read_only=True) as session:
            session.execute(text("UPDATE agencies SET name = name"))


def test_writers_of_one_process_take_turns_and_see_each_others_result(ctx):
    """SQLite: a second writer of this process waits for the first to commit (on the process's writer turn,
    not in SQLite's sleeping busy handler), then reads what the first wrote; nobody gets a busy Conflict."""
    if ctx.db.is_postgres:
        pytest.skip("PostgreSQL writers run side by side; row locks order them (tests/test_concurrency.py)")
    first_inside, names = threading.Event(), []
    release = threading.Event()

    def first():
        with ctx.db.transaction() as session:
            session.get(Agency, 1).name = "Lượt thứ nhất"
            session.flush()
            first_inside.set()
            release.wait(timeout=10)

    def second():
        with ctx.db.transaction() as session:
            names.append(session.get(Agency, 1).name)
            session.get(Agency, 1).name = "Lượt thứ hai"

    one = threading.Thread(target=first)
    one.start()
    assert first_inside.wait(timeout=10)
    two = threading.Thread(target=second)
    two.start()
    two.join(timeout=0.5)
    assert two.is_alive(), "the second writer did not wait for the first"
    assert ctx.db.engine.pool.checkedout() == 1, "the second writer is waiting inside SQLite, not for its turn"
    release.set()
    one.join(timeout=10)
    two.join(timeout=10)
    assert names == ["Lượt thứ nhất"]
    with ctx.db.transaction(read_only=True) as session:
        assert session.get(Agency, 1).name == "Lượt thứ hai"
