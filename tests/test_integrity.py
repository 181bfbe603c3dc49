"""``motcua check``: a dossier's workflow state, inbox rows, deadlines and sweep events agree, and each
kind of disagreement a crash or a double-firing could leave is named."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select, update

from engine.db.models import Deadline, Event, Task
from engine.demo.walkthrough import complete_open_steps
from engine.enums import DeadlineKind, EventKind
from engine.records.integrity import check_all
from engine.worker.sweep import sweep
from tests.helpers import HO_KINH_DOANH, open_tasks, receive_sample
from tests.server_process import motcua


def _problems(ctx) -> list[str]:
    return [p.reason for p in check_all(ctx, batch=2).problems]


def test_a_healthy_database_has_no_inconsistency(ctx, people, clock):
    finished = receive_sample(ctx, people).code
    complete_open_steps(ctx, finished, {"eligible": True, "approved": True})
    receive_sample(ctx, people, HO_KINH_DOANH)
    overdue = receive_sample(ctx, people)
    clock.now = open_tasks(ctx, overdue.code)[0].due_at + timedelta(minutes=1)
    assert sweep(ctx).steps_overdue >= 1
    report = check_all(ctx, batch=2)
    assert report.ok, report.problems
    assert report.checked == 3 and report.workflows_loaded == 2


def test_a_missing_inbox_row_is_named(ctx, people):
    code = receive_sample(ctx, people).code
    [task] = open_tasks(ctx, code)
    with ctx.db.transaction() as session:
        session.execute(delete(Deadline).where(Deadline.task_id == task.id))
        session.execute(delete(Task).where(Task.id == task.id))
    assert any("READY user tasks without an inbox row" in p for p in _problems(ctx))


def test_a_step_deadline_lost_or_doubled_is_named(ctx, people):
    code = receive_sample(ctx, people).code
    [task] = open_tasks(ctx, code)
    with ctx.db.transaction() as session:
        session.execute(update(Deadline).where(Deadline.task_id == task.id).values(done_at=task.ready_at))
    assert any("timer lost" in p for p in _problems(ctx))
    with ctx.db.transaction() as session:
        session.execute(update(Deadline).where(Deadline.task_id == task.id).values(done_at=None))
        session.add(Deadline(dossier_id=task.dossier_id, kind=DeadlineKind.STEP.value, task_id=task.id,
                             due_at=task.due_at))
    assert any("2 deadlines" in p for p in _problems(ctx))


def test_an_overdue_fired_twice_is_named(ctx, people, clock):
    code = receive_sample(ctx, people).code
    [task] = open_tasks(ctx, code)
    clock.now = task.due_at + timedelta(minutes=1)
    sweep(ctx)
    with ctx.db.transaction() as session:
        event = session.scalar(select(Event).where(Event.kind == EventKind.STEP_OVERDUE.value))
        session.add(Event(dossier_id=event.dossier_id, seq=event.seq + 100, kind=event.kind, actor_id=None,
                          actor_name=event.actor_name, at=event.at, payload=event.payload, prev_hash=event.hash,
                          hash=event.hash))
    assert any("fired twice" in p for p in _problems(ctx))


def test_check_command_exit_status(ctx, people, db_url, tmp_path):
    code = receive_sample(ctx, people).code
    ok = motcua(db_url, tmp_path, "check")
    assert ok.returncode == 0 and "0 sai lệch" in ok.stdout, ok.stdout + ok.stderr
    with ctx.db.transaction() as session:
        session.execute(update(Deadline).where(Deadline.kind == DeadlineKind.DOSSIER.value).values(done_at=ctx.now()))
    bad = motcua(db_url, tmp_path, "check")
    assert bad.returncode == 1 and code in bad.stdout and "appointment" in bad.stdout
