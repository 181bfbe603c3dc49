"""Use cases on one step of a dossier: claim, release, complete, reassign (DOMAIN §2)."""

from __future__ import annotations

from uuid import UUID

from jsonschema import Draft202012Validator
from SpiffWorkflow.util.task import TaskState as SpiffState
from sqlalchemy import select

from engine.clock.worktime import step_working_minutes
from engine.context import EngineContext
from engine.db.models import Task, User
from engine.dossiers.events import record
from engine.dossiers.inbox import InboxRow, available, inbox_row
from engine.dossiers.runtime import advance
from engine.dossiers.steps import close_deadlines, raise_nonconformity, sync
from engine.dossiers.store import load_step, load_task, load_workflow, save_workflow, task_of, try_lock_dossier
from engine.enums import OPEN_TASK_STATES, DossierStatus, EventKind, Outcome, TaskState
from engine.errors import Conflict, FormValidationError, InvalidInput, InvalidState
from engine.inputs.schemas import CompleteSchema, load
from engine.org.actors import Actor
from engine.org.audit import guarded_transaction
from engine.org.authz import Action, check_task, may_work_task
from engine.procedures.form_schemas import unresolvable

# How many of the pool's most urgent steps one "take the next step" tries before calling the pool busy.
NEXT_CANDIDATES = 20


def _ensure_open(task: Task) -> None:
    if task.state not in OPEN_TASK_STATES:
        raise InvalidState(f"Bước '{task.step_name}' của hồ sơ {task.dossier_code} đã kết thúc ({task.state}).",
                           message_en=f"Step '{task.step_id}' of dossier {task.dossier_code} is already {task.state}.")
    if task.dossier.paused_at is not None:
        raise InvalidState(f"Hồ sơ {task.dossier_code} đang chờ bổ sung; thời hạn tạm dừng.",
                           message_en=f"Dossier {task.dossier_code} is awaiting supplementation (paused).")


def _taken_by_other(task: Task, actor: Actor) -> Conflict:
    holder = task.assignee.username if task.assignee else "?"
    return Conflict(f"Bước '{task.step_name}' đang do '{holder}' xử lý.",
                    message_en=f"Step '{task.step_id}' is held by '{holder}'.", details={"assignee": holder})


def _mark_processing(task: Task) -> None:
    if task.dossier.status == DossierStatus.RECEIVED:
        task.dossier.status = DossierStatus.PROCESSING.value


def claim(ctx: EngineContext, actor: Actor, task_id: int) -> None:
    with guarded_transaction(ctx, actor, Action.CLAIM, f"task:{task_id}") as session:
        task = load_task(session, task_id)
        check_task(actor, Action.CLAIM, task)
        _ensure_open(task)
        if task.assignee_id == actor.id:
            return
        if task.assignee_id is not None:
            raise _taken_by_other(task, actor)
        _take(session, actor, task, ctx.now())


def _take(session, actor: Actor, task: Task, now) -> None:
    task.state, task.assignee_id, task.claimed_at = TaskState.CLAIMED.value, actor.id, now
    _mark_processing(task)
    record(session, task.dossier, EventKind.TAKEN_OVER, actor, now, task_id=task.id, step=task.step_id,
           unit_id=task.unit_id)


def _next_candidates(actor: Actor):
    return (select(Task.id, Task.dossier_id).where(available(actor), Task.paused.is_(False))
            .order_by(Task.due_at, Task.id).limit(NEXT_CANDIDATES))


def claim_next(ctx: EngineContext, actor: Actor) -> InboxRow | None:
    """Take the most urgent step waiting in the caller's pool (nhận bước tiếp theo), soonest due first as the
    inbox lists it; None when the pool is empty. Officers sharing a pool do not race for one row: a dossier
    another transaction is changing is passed by, not waited on (PostgreSQL's SKIP LOCKED; SQLite's single
    writer already takes turns), so the caller gets the next free step instead of a lost claim."""
    with guarded_transaction(ctx, actor, Action.CLAIM, "task:next") as session:
        candidates = session.execute(_next_candidates(actor)).all()
        for task_id, dossier_id in candidates:
            dossier = try_lock_dossier(session, dossier_id)
            if dossier is None:
                continue
            task = task_of(session, dossier, task_id)
            # Read again under the lock: taken or paused since the candidates were read, it is passed by.
            if (task.state != TaskState.READY or task.assignee_id is not None or dossier.paused_at is not None
                    or not may_work_task(actor, task)):
                continue
            now = ctx.now()
            _take(session, actor, task, now)
            return inbox_row(task, now)
        if candidates:
            raise Conflict("Các bước đang chờ vừa được cán bộ khác nhận hết; hãy thử lại.",
                           message_en="Every waiting step was just taken by other officers; try again.")
        return None


def release(ctx: EngineContext, actor: Actor, task_id: int) -> None:
    with guarded_transaction(ctx, actor, Action.RELEASE, f"task:{task_id}") as session:
        task = load_task(session, task_id)
        check_task(actor, Action.RELEASE, task)
        _ensure_open(task)
        if task.assignee_id is None:
            raise InvalidState("Bước này chưa có người nhận.", message_en="Nobody holds this step.")
        previous = task.assignee.username
        task.state, task.assignee_id, task.claimed_at = TaskState.READY.value, None, None
        record(session, task.dossier, EventKind.RELEASED, actor, ctx.now(), task_id=task.id, step=task.step_id,
               previous=previous)


def reassign(ctx: EngineContext, actor: Actor, task_id: int, username: str) -> None:
    """A unit head moves an open step to another member of the same unit who holds the lane's role."""
    with guarded_transaction(ctx, actor, Action.REASSIGN, f"task:{task_id}") as session:
        task = load_task(session, task_id)
        check_task(actor, Action.REASSIGN, task)
        _ensure_open(task)
        target = session.scalar(select(User).where(User.username == username))
        roles = {r.role for r in target.roles} if target else set()
        if target is None or not (target.active and target.agency_id == task.agency_id and target.unit_id == task.unit_id
                and task.role in roles):
            raise InvalidInput(
                f"'{username}' không thuộc đơn vị của bước này hoặc không có vai trò '{task.role}'.",
                message_en=f"'{username}' is not in this step's unit or lacks the role '{task.role}'.",
            )
        now = ctx.now()
        previous = task.assignee.username if task.assignee else None
        task.state, task.assignee_id, task.claimed_at = TaskState.CLAIMED.value, target.id, now
        _mark_processing(task)
        record(session, task.dossier, EventKind.REASSIGNED, actor, now, task_id=task.id, step=task.step_id,
               previous=previous, to=target.username)


def validate_form(validator: Draft202012Validator | None, data: dict, step_id: str) -> None:
    if validator is None:
        return
    try:
        errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    except Exception as exc:  # a version stored before its form was checked for outside references
        if not unresolvable(exc):
            raise
        raise FormValidationError(
            f"Biểu mẫu của bước '{step_id}' tham chiếu ra ngoài chính nó; máy chủ không đọc tham chiếu đó. "
            "Hãy báo bộ phận thiết kế quy trình sửa biểu mẫu.",
            message_en=f"The form of step '{step_id}' refers outside itself; the server does not follow such "
                       "references. Ask the process designers to fix the form.",
            details=[{"field": None, "message": "unresolvable reference"}]) from None
    if errors:
        details = [{"field": "/".join(str(p) for p in e.absolute_path) or None, "message": e.message} for e in errors]
        raise FormValidationError(
            f"Dữ liệu bước '{step_id}' không hợp lệ: " + "; ".join(d["message"] for d in details),
            message_en=f"Data for step '{step_id}' is invalid: " + "; ".join(d["message"] for d in details),
            details=details,
        )


def complete(ctx: EngineContext, actor: Actor, task_id: int, payload: dict | None = None) -> Outcome:
    data = load(CompleteSchema, payload if payload is not None else {})["data"]
    with guarded_transaction(ctx, actor, Action.COMPLETE, f"task:{task_id}") as session:
        step = load_step(session, task_id)
        task = step.task
        check_task(actor, Action.COMPLETE, task)
        _ensure_open(task)
        if task.assignee_id not in (None, actor.id):
            raise _taken_by_other(task, actor)
        dossier = task.dossier
        compiled, workflow = load_workflow(dossier)
        validate_form(compiled.form_validator(task.step_id), data, task.step_id)
        spiff_task = workflow.get_task_from_id(UUID(task.workflow_task_id))
        if spiff_task is None or not spiff_task.task_spec.manual or spiff_task.state != SpiffState.READY:
            raise Conflict("Bước này không còn chờ xử lý.", message_en="This step is no longer waiting.")
        now = ctx.now()
        calendar = ctx.calendar(session)
        working_minutes = step_working_minutes(session, calendar, task, now)  # reads before anything changes
        spiff_task.data.update(data)
        spiff_task.run()
        advance(workflow)
        outcome = calendar.classify(now, task.due_at)
        if task.assignee_id is None:
            task.assignee_id, task.claimed_at = actor.id, now
        task.state, task.finished_at, task.finished_by_id, task.outcome, task.working_minutes = (
            TaskState.COMPLETED.value, now, actor.id, outcome.value, working_minutes)
        if not workflow.completed:  # else sync closes all the dossier's deadlines, this step's with them
            close_deadlines(session, now, task=task)
        _mark_processing(task)
        record(session, dossier, EventKind.STEP_COMPLETED, actor, now, task_id=task.id, step=task.step_id,
               outcome=outcome.value, data=data)
        if outcome == Outcome.LATE:
            raise_nonconformity(session, task, now, actor)
        sync(session, dossier, compiled, workflow, calendar, now, actor, handed_from=task,
             known_open=step.open_tasks)
        save_workflow(dossier, workflow)
        return outcome

