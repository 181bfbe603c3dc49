"""An online submission's reception step (the desk's completeness check) has its deadline like any other
step: the sweep marks it overdue, a late check is a nonconformity, and ``motcua check`` agrees with the
sweep at every stage (issue 16, defect 10a)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from engine.db.models import Deadline, Nonconformity
from engine.dossiers import online
from engine.enums import DeadlineKind, DossierStatus, EventKind, TaskState
from engine.records.integrity import check_all
from engine.worker.sweep import sweep
from tests.helpers import all_tasks, dossier, event_kinds, open_tasks, request

XA = "000.00.31.H99"
DESK = "xa.motcua"


def _submit(ctx):
    return online.submit_online(ctx, request(agency_code=XA))


def _deadlines(ctx, code) -> list[Deadline]:
    d = dossier(ctx, code)
    with ctx.db.transaction() as session:
        return list(session.scalars(select(Deadline).where(Deadline.dossier_id == d.id).order_by(Deadline.id)))


def _check(ctx) -> list[str]:
    report = check_all(ctx, batch=2)
    return [str(p) for p in report.problems]


def test_the_reception_step_gets_one_pending_step_deadline_at_its_due_time(ctx, clock):
    sub = _submit(ctx)
    [task] = open_tasks(ctx, sub.code)
    [deadline] = _deadlines(ctx, sub.code)
    assert task.step_id == online.RECEPTION_STEP and task.deadline == online.RECEPTION_DEADLINE
    assert (deadline.kind, deadline.task_id, deadline.done_at) == (DeadlineKind.STEP, task.id, None)
    assert deadline.due_at == task.due_at == ctx.calendar().add(clock.now, online.RECEPTION_DEADLINE)
    assert _check(ctx) == []


def test_a_late_check_is_marked_overdue_by_the_sweep_and_check_agrees(ctx, people, clock):
    sub = _submit(ctx)
    [task] = open_tasks(ctx, sub.code)
    clock.now = task.due_at - timedelta(minutes=1)
    assert sweep(ctx).steps_overdue == 0
    clock.now = task.due_at + timedelta(minutes=1)
    assert sweep(ctx).steps_overdue == 1
    assert sweep(ctx).steps_overdue == 0  # once only
    [task] = open_tasks(ctx, sub.code)
    assert task.overdue and event_kinds(ctx, sub.code)[-2:] == [EventKind.STEP_OVERDUE,
                                                                 EventKind.NONCONFORMITY_RAISED]
    with ctx.db.transaction() as session:
        assert session.scalar(select(Nonconformity.step_id).where(Nonconformity.task_id == task.id)) \
            == online.RECEPTION_STEP
    assert _check(ctx) == []
    online.accept_submission(ctx, people(DESK), sub.code)  # late, and the workflow starts
    reception = next(t for t in all_tasks(ctx, sub.code) if t.step_id == online.RECEPTION_STEP)
    assert reception.state == TaskState.COMPLETED and reception.outcome == "late"
    assert _check(ctx) == []


def test_every_way_out_of_the_check_closes_its_deadline(ctx, people, clock):
    accepted, incomplete, rejected = _submit(ctx), _submit(ctx), _submit(ctx)
    online.accept_submission(ctx, people(DESK), accepted.code)
    online.return_incomplete(ctx, people(DESK), incomplete.code, {"reason": "Thiếu", "missing": ["Tờ khai"]})
    online.reject_submission(ctx, people(DESK), rejected.code, {"reason": "Không thuộc thẩm quyền"})
    for sub in (accepted, incomplete, rejected):
        reception = [d for d in _deadlines(ctx, sub.code) if d.kind == DeadlineKind.STEP][0]
        assert reception.done_at == clock.now, sub.code
    assert dossier(ctx, incomplete.code).status == DossierStatus.INCOMPLETE
    assert _check(ctx) == []
    clock.advance(days=30)  # nothing of theirs is left for the sweep
    report = sweep(ctx)
    assert report.steps_overdue >= 1  # the accepted dossier's first workflow step only
    assert dossier(ctx, incomplete.code).overdue is False and _check(ctx) == []


def test_a_resubmission_opens_a_new_check_with_a_new_deadline(ctx, people, clock):
    sub = _submit(ctx)
    online.return_incomplete(ctx, people(DESK), sub.code, {"reason": "Thiếu", "missing": ["Tờ khai"]})
    clock.advance(days=2)
    online.resubmit_online(ctx, sub.code, sub.pin, {"documents": ["Tờ khai"]})
    first, second = _deadlines(ctx, sub.code)
    [task] = open_tasks(ctx, sub.code)
    assert first.done_at is not None and (second.task_id, second.done_at) == (task.id, None)
    assert second.due_at == ctx.calendar().add(clock.now, online.RECEPTION_DEADLINE)
    assert _check(ctx) == []
    clock.now = second.due_at + timedelta(seconds=1)
    assert sweep(ctx).steps_overdue == 1
    assert _check(ctx) == []


def test_withdrawing_a_pending_submission_leaves_nothing_pending(ctx, people):
    from engine.dossiers.actions import withdraw

    sub = _submit(ctx)
    withdraw(ctx, people(DESK), sub.code, {"reason": "Người nộp xin rút"})
    assert all(d.done_at is not None for d in _deadlines(ctx, sub.code))
    assert _check(ctx) == []
