"""Officers' inboxes: indexed queries over the tasks table, never a workflow deserialised."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import and_, func, or_, select

from engine.context import EngineContext
from engine.db.models import Task
from engine.enums import OPEN_TASK_STATES, Role, TaskState
from engine.errors import InvalidInput, NotAuthorized, parse_choice
from engine.org.actors import Actor
from engine.paging import DEFAULT_PAGE_SIZE, check_paging

DEFAULT_DUE_SOON_HOURS = 8


class Scope(StrEnum):
    MINE = "mine"
    AVAILABLE = "available"
    UNIT = "unit"
    OVERDUE = "overdue"
    DUE_SOON = "due_soon"


@dataclass(frozen=True)
class InboxRow:
    id: int
    dossier_code: str
    procedure_name: str
    applicant_name: str
    step_id: str
    step_name: str
    lane: str
    role: str
    agency_id: int
    unit_id: int | None
    assignee_id: int | None
    state: str
    paused: bool
    overdue: bool
    ready_at: datetime
    due_at: datetime


@dataclass(frozen=True)
class InboxPage:
    scope: Scope
    rows: list[InboxRow]
    total: int
    limit: int
    offset: int


def available(actor: Actor):
    """The actor's pool: steps waiting, unheld, for one of the actor's roles in the actor's agency and unit."""
    roles = [r.value for r in actor.roles]
    return and_(Task.state == TaskState.READY.value, Task.agency_id == actor.agency_id, Task.role.in_(roles),
                or_(Task.unit_id.is_(None), Task.unit_id == actor.unit_id))


def _mine(actor: Actor):
    return and_(Task.assignee_id == actor.id, Task.state == TaskState.CLAIMED.value)


def _unit(actor: Actor):
    return and_(Task.agency_id == actor.agency_id, Task.unit_id == actor.unit_id,
                Task.state.in_([s.value for s in OPEN_TASK_STATES]))


def _agency(actor: Actor):
    return and_(Task.agency_id == actor.agency_id, Task.state.in_([s.value for s in OPEN_TASK_STATES]))


def visible(actor: Actor):
    """Everything open the actor is responsible for or supervises."""
    parts = [_mine(actor), available(actor)]
    if actor.has(Role.UNIT_HEAD) and actor.unit_id is not None:
        parts.append(_unit(actor))
    if actor.has(Role.LEADER):
        parts.append(_agency(actor))
    return or_(*parts)


def scope_filter(ctx: EngineContext, actor: Actor, scope: Scope, due_soon_hours: int, now: datetime):
    if scope == Scope.MINE:
        return _mine(actor)
    if scope == Scope.AVAILABLE:
        return available(actor)
    if scope == Scope.UNIT:
        if not (actor.has(Role.UNIT_HEAD) and actor.unit_id is not None):
            raise NotAuthorized("Chỉ trưởng đơn vị xem được hàng đợi của đơn vị.",
                                message_en="Only a unit head sees the unit's queue.")
        return _unit(actor)
    if scope == Scope.OVERDUE:
        return and_(visible(actor), Task.paused.is_(False), Task.due_at < now)
    horizon = ctx.calendar().add(now, f"PT{due_soon_hours}H")
    return and_(visible(actor), Task.paused.is_(False), Task.due_at >= now, Task.due_at <= horizon)


def _scope(value: str | Scope) -> Scope:
    return parse_choice(Scope, value, "Phạm vi", "scope")


def list_inbox(ctx: EngineContext, actor: Actor, scope: str | Scope, *, limit: int = DEFAULT_PAGE_SIZE,
               offset: int = 0, due_soon_hours: int = DEFAULT_DUE_SOON_HOURS) -> InboxPage:
    scope = _scope(scope)
    check_paging(limit, offset)
    if due_soon_hours < 1:
        raise InvalidInput("Số giờ 'sắp đến hạn' phải ≥ 1.", message_en="'Due soon' hours must be at least 1.")
    now = ctx.now()
    condition = scope_filter(ctx, actor, scope, due_soon_hours, now)
    with ctx.db.transaction(read_only=True) as session:
        total = session.scalar(select(func.count()).select_from(Task).where(condition))
        rows = session.scalars(select(Task).where(condition).order_by(Task.due_at, Task.id).limit(limit).offset(offset))
        return InboxPage(scope, [inbox_row(t, now) for t in rows], total, limit, offset)


def inbox_counts(ctx: EngineContext, actor: Actor, due_soon_hours: int = DEFAULT_DUE_SOON_HOURS) -> dict[str, int]:
    now = ctx.now()
    scopes = [s for s in Scope if s != Scope.UNIT or (actor.has(Role.UNIT_HEAD) and actor.unit_id is not None)]
    # Filters first: the due-soon horizon may load the calendar in its own transaction, which must not
    # wait on ours (SQLite serialises transactions with BEGIN IMMEDIATE).
    conditions = {s.value: scope_filter(ctx, actor, s, due_soon_hours, now) for s in scopes}
    with ctx.db.transaction(read_only=True) as session:
        return {scope: session.scalar(select(func.count()).select_from(Task).where(condition))
                for scope, condition in conditions.items()}


def inbox_row(task: Task, now: datetime) -> InboxRow:
    return InboxRow(task.id, task.dossier_code, task.procedure_name, task.applicant_name, task.step_id, task.step_name,
                    task.lane, task.role, task.agency_id, task.unit_id, task.assignee_id, task.state, task.paused,
                    task.overdue or (not task.paused and task.due_at < now), task.ready_at, task.due_at)
