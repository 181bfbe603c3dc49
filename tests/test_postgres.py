"""PostgreSQL in production: the same Alembic migrations build the schema; any number of worker
processes share the due deadlines (FOR UPDATE SKIP LOCKED) and each fires exactly once; a worker never
waits for, nor deadlocks with, a user working on the same dossier, and neither does an officer taking the
next step of a shared pool. (The rest of the suite runs on
PostgreSQL too with ``--db=both``.)"""

from __future__ import annotations

import threading
import time
from collections import Counter
from contextlib import contextmanager
from datetime import timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select

from engine.db.migrate import current_revision, upgrade
from engine.db.models import Base, Deadline, Event
from engine.db.models.search import include_name  # the full-text objects (not the models)
from engine.db.session import Database
from engine.dossiers import tasks
from engine.dossiers.store import lock_dossier
from engine.enums import EventKind
from engine.errors import Conflict
from engine.worker.sweep import sweep
from tests.db_backends import POSTGRES
from tests.helpers import open_tasks, receive_sample
from tests.server_process import BIN, Process, environment


@pytest.fixture
def pg(db_backend):
    if db_backend.name != POSTGRES:
        pytest.skip("PostgreSQL only (run with --db=postgres or --db=both)")
    return db_backend.server


def test_alembic_migrations_build_the_models_schema_on_postgres(pg):
    pg.admin("DROP DATABASE IF EXISTS migrated WITH (FORCE)", "CREATE DATABASE migrated")
    db = Database(pg.url("migrated"))
    try:
        upgrade(db)
        assert current_revision(db) is not None
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"include_name": include_name}), Base.metadata)
        # A cycle's use_alter foreign key (procedures.current_version_id) is left out of CREATE TABLE by
        # SQLAlchemy: the migration must add it with op.create_foreign_key once both tables exist.
        assert diff == [], f"models changed without a migration, or a use_alter FK never created: {diff}"
        upgrade(db)  # idempotent
    finally:
        db.dispose()
        pg.admin("DROP DATABASE IF EXISTS migrated WITH (FORCE)")


def test_several_worker_processes_fire_each_deadline_once(ctx, people, clock, db_url, tmp_path):
    """Run on both databases: SQLite's atomic claim and PostgreSQL's lease, across processes."""
    codes = [receive_sample(ctx, people).code for _ in range(12)]
    with ctx.db.transaction() as session:  # everything falls due
        for deadline in session.scalars(select(Deadline)):
            deadline.due_at = deadline.due_at - timedelta(days=30)
    workers = [Process([str(BIN / "motcua"), "worker", "--once"], environment(db_url), tmp_path,
                       tmp_path / f"w{n}.log") for n in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        assert worker.proc.wait(timeout=300) == 0, worker.tail()
    with ctx.db.transaction() as session:
        fired = Counter((e.dossier_id, e.kind, (e.payload or {}).get("task_id")) for e in session.scalars(
            select(Event).where(Event.kind.in_([EventKind.STEP_OVERDUE.value, EventKind.DOSSIER_OVERDUE.value]))))
        pending = session.scalars(select(Deadline).where(Deadline.done_at.is_(None))).all()
    assert len(fired) == 2 * len(codes) and set(fired.values()) == {1}
    assert pending == []


@contextmanager
def held_by_another_request(ctx, dossier_id: int):
    """Within the block, a user's request (another thread, its own transaction) holds the dossier's row lock."""
    locked, release = threading.Event(), threading.Event()

    def user_transaction():
        with ctx.db.transaction() as session:
            lock_dossier(session, dossier_id)
            locked.set()
            release.wait(timeout=10)

    holder = threading.Thread(target=user_transaction)
    holder.start()
    assert locked.wait(timeout=30)
    try:
        yield
    finally:
        release.set()
        holder.join()


def test_the_sweep_leaves_a_dossier_being_changed_to_the_next_sweep(pg, ctx, people, clock):
    receipt = receive_sample(ctx, people)
    [task] = open_tasks(ctx, receipt.code)
    clock.now = task.due_at + timedelta(minutes=1)
    with held_by_another_request(ctx, task.dossier_id):
        report = sweep(ctx)  # must not wait for the user's lock
        assert report.steps_overdue == 0 and report.skipped >= 1
    assert sweep(ctx).steps_overdue == 1


def test_taking_the_next_step_passes_a_dossier_being_changed(pg, ctx, people, clock):
    """Officers sharing a pool: the soonest-due dossier is locked by a colleague's request, so "take the next
    step" hands out the one after it at once instead of waiting (SKIP LOCKED), and then says "try again"."""
    first = receive_sample(ctx, people)
    clock.advance(minutes=30)
    second = receive_sample(ctx, people)
    [busy] = open_tasks(ctx, first.code)
    with held_by_another_request(ctx, busy.dossier_id):
        started = time.monotonic()
        assert tasks.claim_next(ctx, people("xa.vp.chuyenvien")).dossier_code == second.code
        with pytest.raises(Conflict):
            tasks.claim_next(ctx, people("xa.vp.chuyenvien2"))
        assert time.monotonic() - started < 5  # neither call waited for the colleague
    assert tasks.claim_next(ctx, people("xa.vp.chuyenvien2")).dossier_code == first.code
