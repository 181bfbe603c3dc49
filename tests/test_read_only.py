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
