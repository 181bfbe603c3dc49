"""Keeps the read model in step with the workflow: after every change to a dossier's workflow,
READY user tasks get inbox rows and deadlines, vanished ones are cancelled, timers are scheduled,
and a finished workflow resolves or refuses the dossier."""

from __future__ import annotations

import threading
import weakref
from datetime import datetime

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy import event as orm_event
from sqlalchemy.orm import Session

from engine.clock.calendar import LOCAL_TZ, WorkingCalendar
from engine.clock.worktime import stamp_resolution
from engine.db.models import Agency, Deadline, Dossier, Nonconformity, Task, Unit
from engine.dossiers.events import record
from engine.dossiers.runtime import (
    CompiledProcedure,
    end_outcome,
    ready_user_tasks,
    task_lane,
    timer_expression,
    waiting_timers,
)
from engine.enums import (
    OPEN_TASK_STATES,
    DeadlineKind,
    DossierStatus,
    EndOutcome,
    EventKind,
    NonconformityStatus,
    TaskState,
)
from engine.errors import InvalidState
from engine.org.actors import Actor
from engine.org.authz import agency_chain
from engine.procedures.card import LaneRule

RECEPTION_LANE_LABEL = "Tiếp nhận"


_UNITS_BY_CODE = select(Unit.code, Unit.id).where(Unit.agency_id == bindparam("agency_id"),
                                                  Unit.code.in_(bindparam("codes", expanding=True)))
_KNOWN_UNITS = "motcua_unit_ids"  # session.info: (agency id, unit code) -> unit id or None, for one transaction


class CommittedUnits:
    """Unit ids by (agency id, code) that committed transactions found, per database (bind). A unit is only
    ever added (engine.org.directory neither renames, moves nor deletes one), so an id once committed holds for
    the life of the process; a code not found is not remembered (the unit may be added later), nor is what a
    transaction found until it commits (its own new unit could still be rolled back). Each step opens a step
    routed to a unit: this spares it the lookup."""

    def __init__(self):
        self._by_bind: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def get(self, bind, agency_id: int, code: str) -> int | None:
        return self._by_bind.get(bind, {}).get((agency_id, code))

    def remember(self, bind, found: dict) -> None:
        with self._lock:
            self._by_bind.setdefault(bind, {}).update(found)


COMMITTED_UNITS = CommittedUnits()


@orm_event.listens_for(Session, "after_commit")
def _remember_committed_units(session: Session) -> None:
    known = session.info.pop(_KNOWN_UNITS, None)
    found = {key: unit_id for key, unit_id in (known or {}).items() if unit_id is not None}
    if found:
        COMMITTED_UNITS.remember(session.get_bind(), found)


def _unit_ids(session: Session, agency_id: int, codes) -> dict[str, int | None]:
    """Unit ids by code within one agency, each looked up once per transaction (a receipt checks every lane
    and then opens the first step: one query, not one per lane and another for the step), and not at all
    once a committed transaction of this process found it (``CommittedUnits``)."""
    known = session.info.setdefault(_KNOWN_UNITS, {})
    bind = session.get_bind()
    for code in codes:
        if (agency_id, code) not in known and (unit_id := COMMITTED_UNITS.get(bind, agency_id, code)) is not None:
            known[(agency_id, code)] = unit_id
    missing = sorted({code for code in codes if (agency_id, code) not in known})
    if missing:
        with session.no_autoflush:  # nothing pending in a dossier's transaction changes the units
            found = dict(session.execute(_UNITS_BY_CODE, {"agency_id": agency_id, "codes": missing}).all())
        known.update({(agency_id, code): found.get(code) for code in missing})
    return {code: known[(agency_id, code)] for code in codes}


def _lane_agency(session: Session, dossier_agency_id: int, lane: str, rule: LaneRule) -> int:
    """The agency a lane routes to: the responsible agency, or the first above it of the lane's level."""
    if not rule.level:
        return dossier_agency_id
    chain = agency_chain(session, dossier_agency_id)
    levels = dict(session.execute(select(Agency.id, Agency.level).where(Agency.id.in_(chain))).all())
    matches = [aid for aid in chain if levels[aid] == rule.level]
    if not matches:
        raise InvalidState(
            f"Không có cơ quan cấp '{rule.level}' phía trên cơ quan chịu trách nhiệm để nhận bước của làn '{lane}'.",
            message_en=f"No agency of level '{rule.level}' above the responsible agency for lane '{lane}'.",
        )
    return matches[0]


def resolve_lane(session: Session, dossier_agency_id: int, lane: str, rule: LaneRule) -> tuple[int, int | None]:
    """The agency (by level up the tree from the responsible agency) and unit a lane routes to."""
    agency_id = _lane_agency(session, dossier_agency_id, lane, rule)
    return agency_id, _lane_unit(session, agency_id, lane, rule)


def _lane_unit(session: Session, agency_id: int, lane: str, rule: LaneRule) -> int | None:
    if not rule.unit:
        return None
    unit_id = _unit_ids(session, agency_id, [rule.unit])[rule.unit]
    if unit_id is None:
        code = session.scalar(select(Agency.code).where(Agency.id == agency_id))
        raise InvalidState(
            f"Cơ quan '{code}' chưa có đơn vị mã '{rule.unit}' mà làn '{lane}' của thủ tục yêu cầu.",
            message_en=f"Agency '{code}' has no unit '{rule.unit}' required by lane '{lane}'.",
        )
    return unit_id


def check_lanes_resolvable(session: Session, agency_id: int, compiled: CompiledProcedure) -> None:
    lanes = compiled.card.lanes.items()
    agencies = {lane: _lane_agency(session, agency_id, lane, rule) for lane, rule in lanes}
    by_agency: dict[int, set[str]] = {}
    for lane, rule in lanes:
        if rule.unit:
            by_agency.setdefault(agencies[lane], set()).add(rule.unit)
    for target, codes in by_agency.items():
        _unit_ids(session, target, codes)  # every lane's unit in one query per agency
    for lane, rule in lanes:
        _lane_unit(session, agencies[lane], lane, rule)  # now from memory; raises for the first lane that fails


# Built once: every step runs these, and building a statement costs about as much as running it.
_OPEN_TASKS = (select(Task).where(Task.dossier_id == bindparam("dossier_id"), Task.state.in_(list(OPEN_TASK_STATES)))
               .order_by(Task.id))
_DEADLINES = Deadline.__table__
_INSERT_DEADLINE = insert(_DEADLINES)
_INSERT_TASK = insert(Task.__table__)
_CLOSE_DEADLINES = {  # Core statements: no ORM object needs to learn of this change
    column.name: update(_DEADLINES).where(_DEADLINES.c.done_at.is_(None), column == bindparam("owner"))
    .values(done_at=bindparam("now"))
    for column in (_DEADLINES.c.dossier_id, _DEADLINES.c.task_id)
}


def open_tasks(session: Session, dossier: Dossier) -> list[Task]:
    """The open steps as this transaction sees them, read without a flush first: in a step's transaction a
    flush here would write the dossier row for the event just recorded, and the commit would write it again.
    A step closed in memory but not yet flushed is still in the table's answer, so the state is checked here."""
    with session.no_autoflush:
        return [t for t in session.scalars(_OPEN_TASKS, {"dossier_id": dossier.id}) if t.state in OPEN_TASK_STATES]


def close_deadlines(session: Session, now: datetime, *, dossier: Dossier | None = None,
                    task: Task | None = None) -> None:
    """Every open deadline of the dossier, or of one step."""
    if (dossier is None) == (task is None):
        raise ValueError("close_deadlines takes a dossier or a task")
    column, owner = ("task_id", task.id) if task is not None else ("dossier_id", dossier.id)
    if any(isinstance(row, Deadline) for row in (*session.new, *session.dirty)):
        session.flush()  # a deadline added or changed in this transaction must be in the table to be closed
    session.connection().execute(_CLOSE_DEADLINES[column], {"owner": owner, "now": now})


def raise_nonconformity(session: Session, task: Task, now: datetime, actor: Actor | None) -> None:
    """A late step is a nonconformity of its lane's unit (ISO 9001 §10.2); raised once per step."""
    if session.scalar(select(Nonconformity.id).where(Nonconformity.task_id == task.id)):
        return
    unit_id = task.unit_id if task.unit_id is not None else (task.assignee.unit_id if task.assignee else None)
    session.add(Nonconformity(dossier_id=task.dossier_id, task_id=task.id, agency_id=task.agency_id, unit_id=unit_id,
                              step_id=task.step_id, raised_at=now, due_at=task.due_at,
                              status=NonconformityStatus.OPEN.value))
    record(session, task.dossier, EventKind.NONCONFORMITY_RAISED, actor, now, task_id=task.id, step=task.step_id,
           unit_id=unit_id, due_at=task.due_at.isoformat())


def sync(session: Session, dossier: Dossier, compiled: CompiledProcedure, workflow, calendar: WorkingCalendar,
         now: datetime, actor: Actor | None, handed_from: Task | None = None,
         known_open: list[Task] | None = None) -> None:
    """Bring the inbox rows and deadlines in line with the workflow. ``known_open``: the dossier's open steps
    as the caller already read them under the lock in this transaction, with no step opened since (a
    completion's ``store.load_step``; a new dossier has none): they are not read again."""
    if known_open is None:
        known_open = open_tasks(session, dossier)
    rows = {t.workflow_task_id: t for t in known_open if t.state in OPEN_TASK_STATES}
    ready = ready_user_tasks(workflow)
    ready_ids = {str(t.id) for t in ready}
    for workflow_task_id, row in rows.items():
        if workflow_task_id not in ready_ids:  # withdrawn by the process itself (boundary timer, gateway)
            row.state, row.finished_at = TaskState.CANCELLED.value, now
            close_deadlines(session, now, task=row)
    for spiff_task in ready:
        if str(spiff_task.id) not in rows:
            _open_step(session, dossier, compiled, spiff_task, calendar, now, actor, handed_from)
    _schedule_timers(session, dossier, workflow, calendar, now)
    if workflow.completed:
        _finish(session, dossier, workflow, calendar, now, actor)


def _open_step(session, dossier, compiled, spiff_task, calendar, now, actor, handed_from) -> int:
    """The new step's inbox row, deadline and hand-over event; returns the row's id. The row is written by
    Core, not added to the unit of work: its id is needed at once, and a flush for it would also write the
    dossier row that the commit writes anyway."""
    lane = task_lane(spiff_task)
    rule = compiled.lane_rule(lane)
    agency_id, unit_id = resolve_lane(session, dossier.agency_id, lane, rule)
    deadline = compiled.deadline(spiff_task.task_spec)
    step_id, step_name = spiff_task.task_spec.name, spiff_task.task_spec.bpmn_name or spiff_task.task_spec.name
    due_at = calendar.add(now, deadline)
    task_id = insert_step(session, dossier, workflow_task_id=str(spiff_task.id), step_id=step_id,
                          step_name=step_name, lane=lane, role=rule.role.value, agency_id=agency_id, unit_id=unit_id,
                          deadline=str(deadline), ready_at=now, due_at=due_at, procedure_name=compiled.card.name)
    record(session, dossier, EventKind.HANDED_OVER, actor, now, task_id=task_id, step=step_id,
           step_name=step_name, from_lane=handed_from.lane if handed_from else RECEPTION_LANE_LABEL,
           from_unit_id=handed_from.unit_id if handed_from else _reception_unit(actor),
           to_lane=lane, to_agency_id=agency_id, to_unit_id=unit_id, due_at=due_at.isoformat())
    return task_id


def insert_step(session: Session, dossier: Dossier, *, due_at: datetime, **row) -> int:
    """A READY step's inbox row and its one pending step deadline, written together by Core; returns the row's
    id. Every open step gets its deadline here (workflow steps and the desk's check of an online submission
    alike), so the sweep marks any of them overdue and ``motcua check`` finds exactly one deadline for each."""
    connection = session.connection()
    task_id = connection.execute(_INSERT_TASK, {
        **row, "dossier_id": dossier.id, "state": TaskState.READY.value, "due_at": due_at,
        "dossier_code": dossier.code, "applicant_name": dossier.applicant_name,
    }).inserted_primary_key[0]
    connection.execute(_INSERT_DEADLINE, {"dossier_id": dossier.id, "kind": DeadlineKind.STEP.value,
                                          "task_id": task_id, "due_at": due_at})
    return task_id


def _reception_unit(actor: Actor | None) -> int | None:
    return actor.unit_id if actor else None


def _schedule_timers(session, dossier, workflow, calendar, now) -> None:
    timers = waiting_timers(workflow)
    if not timers:  # most steps: no query at all
        return
    known = set(session.scalars(select(Deadline.workflow_task_id).where(
        Deadline.dossier_id == dossier.id, Deadline.kind == DeadlineKind.TIMER.value)))
    for timer in timers:
        if str(timer.id) in known:
            continue
        kind, value = timer_expression(timer)
        due = calendar.add(now, value) if kind == "duration" else datetime.fromisoformat(value).astimezone(LOCAL_TZ)
        session.add(Deadline(dossier_id=dossier.id, kind=DeadlineKind.TIMER.value, workflow_task_id=str(timer.id),
                             due_at=due, detail={"step": timer.task_spec.name, kind: value}))


def _finish(session, dossier, workflow, calendar, now, actor) -> None:
    close_deadlines(session, now, dossier=dossier)
    data = workflow.last_task.data if workflow.last_task is not None else workflow.data
    if end_outcome(workflow) == EndOutcome.REFUSED:
        dossier.status = DossierStatus.REFUSED.value
        dossier.closed_reason = str(data.get("refusal_reason") or "")
        record(session, dossier, EventKind.REFUSED, actor, now, reason=dossier.closed_reason, by_process=True)
    else:
        dossier.status = DossierStatus.RESOLVED.value
        record(session, dossier, EventKind.RESOLVED, actor, now)
    stamp_resolution(dossier, calendar, now)
