"""Dossier-level use cases after reception (DOMAIN §3): supplementation (pauses the clock), refusal,
withdrawal, apology with a new appointment (once), hand-back of the result."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine.clock.calendar import LOCAL_TZ, WorkingCalendar
from engine.clock.worktime import stamp_resolution
from engine.context import EngineContext
from engine.db.models import Deadline, Dossier, Task
from engine.dossiers.events import record
from engine.dossiers.runtime import ready_user_tasks
from engine.dossiers.steps import close_deadlines, open_tasks
from engine.dossiers.store import dossier_tasks, load_dossier, load_workflow, save_workflow
from engine.enums import (
    IN_PROCESS_STATUSES,
    OPEN_DOSSIER_STATUSES,
    DeadlineKind,
    DossierStatus,
    EventKind,
    TaskState,
)
from engine.errors import InvalidInput, InvalidState
from engine.inputs.schemas import (
    ApologySchema,
    ReasonSchema,
    RefusalSchema,
    SupplementRequestSchema,
    SupplementSchema,
    load,
)
from engine.org.actors import Actor
from engine.org.audit import guarded_transaction
from engine.org.authz import Action, check_dossier

MINUTES_BEFORE_APPOINTMENT_FOR_APOLOGY = 8 * 60  # "at least one working day before the appointment"
SUPPLEMENTABLE = frozenset({DossierStatus.RECEIVED, DossierStatus.PROCESSING})
HANDED_BACK_FROM = frozenset({DossierStatus.RESOLVED, DossierStatus.REFUSED})  # the desk hands these to the citizen


def _authorised(session: Session, actor: Actor, action: Action, code: str) -> Dossier:
    dossier = load_dossier(session, code, for_update=True)
    check_dossier(actor, action, dossier, dossier_tasks(session, dossier))
    return dossier


def require_status(dossier: Dossier, allowed, action_vi: str) -> None:
    if dossier.status not in allowed:
        raise InvalidState(
            f"Không thể {action_vi} khi hồ sơ {dossier.code} ở trạng thái '{dossier.status}'.",
            message_en=f"Cannot {action_vi} dossier {dossier.code} in status '{dossier.status}'.",
            details={"status": dossier.status},
        )


def request_supplement(ctx: EngineContext, actor: Actor, code: str, payload: dict) -> None:
    """Form 02: one written list of everything missing; the clock pauses if the procedure says so."""
    req = load(SupplementRequestSchema, payload)
    with guarded_transaction(ctx, actor, Action.REQUEST_SUPPLEMENT, code) as session:
        dossier = _authorised(session, actor, Action.REQUEST_SUPPLEMENT, code)
        require_status(dossier, SUPPLEMENTABLE, "yêu cầu bổ sung")
        now = ctx.now()
        compiled, _ = load_workflow(dossier)
        paused = compiled.card.pause_on_supplement
        dossier.status = DossierStatus.AWAITING_SUPPLEMENT.value
        if paused:
            dossier.paused_at = now
            for task in open_tasks(session, dossier):
                task.paused = True
        record(session, dossier, EventKind.SUPPLEMENT_REQUESTED, actor, now, reason=req["reason"],
               missing=req["missing"], clock_paused=paused, officer=actor.full_name)


def supplement(ctx: EngineContext, actor: Actor, code: str, payload: dict | None = None) -> None:
    """The applicant supplied what was missing: resume, pushing every deadline by the paused working time."""
    req = load(SupplementSchema, payload)
    with guarded_transaction(ctx, actor, Action.SUPPLEMENT, code) as session:
        dossier = _authorised(session, actor, Action.SUPPLEMENT, code)
        resume_supplemented(session, ctx, actor, dossier, req)


def resume_supplemented(session: Session, ctx: EngineContext, actor: Actor | None, dossier: Dossier, req: dict) -> None:
    """Inside the caller's transaction (the desk's ``supplement``, or the applicant online with code + PIN,
    engine.dossiers.online.resubmit_online, ``actor`` None): what was missing is in, processing resumes."""
    require_status(dossier, {DossierStatus.AWAITING_SUPPLEMENT}, "nhận bổ sung")
    now = ctx.now()
    calendar = ctx.calendar(session)
    paused_minutes = 0
    if dossier.paused_at is not None:
        paused_minutes = calendar.working_minutes_between(dossier.paused_at, now)
        _push_deadlines(session, dossier, calendar, paused_minutes)
        dossier.paused_minutes += paused_minutes
        dossier.paused_at = None
    dossier.status = DossierStatus.PROCESSING.value
    dossier.documents = [*dossier.documents, *req["documents"]]
    if req["data"]:
        compiled, workflow = load_workflow(dossier)
        for spiff_task in ready_user_tasks(workflow):
            spiff_task.data.update(req["data"])
        save_workflow(dossier, workflow)
    record(session, dossier, EventKind.SUPPLEMENTED, actor, now, documents=req["documents"],
           paused_minutes=paused_minutes, due_at=dossier.due_at.isoformat(),
           **({"online": True} if actor is None else {}))


def _push_deadlines(session: Session, dossier: Dossier, calendar: WorkingCalendar, minutes: int) -> None:
    if minutes:
        dossier.due_at = calendar.add(dossier.due_at, f"PT{minutes}M")
        dossier.statutory_due_at = calendar.add(dossier.statutory_due_at, f"PT{minutes}M")
    for task in open_tasks(session, dossier):
        task.paused = False
        if minutes:
            task.due_at = calendar.add(task.due_at, f"PT{minutes}M")
    if minutes:
        for deadline in session.scalars(select(Deadline).where(Deadline.dossier_id == dossier.id,
                                                               Deadline.done_at.is_(None))):
            deadline.due_at = calendar.add(deadline.due_at, f"PT{minutes}M")


def _close(session: Session, ctx: EngineContext, actor: Actor, dossier: Dossier, status: DossierStatus,
           kind: EventKind, reason: str, **details) -> None:
    now = ctx.now()
    session.execute(update(Task).where(Task.dossier_id == dossier.id, Task.state.in_(
        [TaskState.READY.value, TaskState.CLAIMED.value])).values(state=TaskState.CANCELLED.value, finished_at=now),
        execution_options={"synchronize_session": False})
    close_deadlines(session, now, dossier=dossier)
    if status == DossierStatus.REFUSED and dossier.status in IN_PROCESS_STATUSES:
        stamp_resolution(dossier, ctx.calendar(session), now)  # a refusal is a decision, timed like a result
    dossier.status, dossier.closed_reason, dossier.paused_at = status.value, reason, None
    dossier.resolved_at = now
    record(session, dossier, kind, actor, now, reason=reason, **details)


def refuse(ctx: EngineContext, actor: Actor, code: str, payload: dict) -> None:
    """Form 03: refusal with a written reason; every open step is cancelled."""
    _close_on_request(ctx, actor, code, payload, Action.REFUSE, DossierStatus.REFUSED, EventKind.REFUSED, "từ chối")


def withdraw(ctx: EngineContext, actor: Actor, code: str, payload: dict) -> None:
    """The applicant asked to stop; recorded by the desk with the reason."""
    _close_on_request(ctx, actor, code, payload, Action.WITHDRAW, DossierStatus.WITHDRAWN, EventKind.WITHDRAWN, "rút")


def _close_on_request(ctx, actor, code, payload, action, status, kind, action_vi) -> None:
    req = load(RefusalSchema if status == DossierStatus.REFUSED else ReasonSchema, payload)
    details = {"legal_basis": req["legal_basis"]} if req.get("legal_basis") else {}
    with guarded_transaction(ctx, actor, action, code) as session:
        dossier = _authorised(session, actor, action, code)
        require_status(dossier, OPEN_DOSSIER_STATUSES, action_vi)
        _close(session, ctx, actor, dossier, status, kind, req["reason"], **details)


def issue_apology(ctx: EngineContext, actor: Actor, code: str, payload: dict) -> datetime:
    """Form 04: the new appointment may be set once per dossier; issuing it later than one working day
    before the appointment is allowed but recorded as not timely."""
    req = load(ApologySchema, payload)
    with guarded_transaction(ctx, actor, Action.APOLOGY, code) as session:
        dossier = _authorised(session, actor, Action.APOLOGY, code)
        require_status(dossier, OPEN_DOSSIER_STATUSES, "xin lỗi và hẹn lại")
        if dossier.apology_issued_at is not None:
            raise InvalidState(f"Hồ sơ {code} đã được hẹn lại một lần; không thể hẹn lại lần nữa.",
                               message_en=f"Dossier {code} already has its one new appointment.")
        new_due = req["new_due_at"]
        if new_due <= dossier.due_at:
            raise InvalidInput("Ngày hẹn mới phải sau ngày hẹn hiện tại.",
                               message_en="The new appointment must be after the current one.")
        now = ctx.now()
        calendar = ctx.calendar(session)
        timely = calendar.working_minutes_between(now, dossier.due_at) >= MINUTES_BEFORE_APPOINTMENT_FOR_APOLOGY
        late_units = sorted({t.unit_id for t in open_tasks(session, dossier) if t.overdue and t.unit_id})
        old_due = dossier.due_at
        dossier.due_at, dossier.apology_issued_at, dossier.overdue = new_due, now, new_due <= now
        for deadline in session.scalars(select(Deadline).where(Deadline.dossier_id == dossier.id,
                                                               Deadline.kind == DeadlineKind.DOSSIER.value)):
            deadline.due_at, deadline.done_at = new_due, None
        record(session, dossier, EventKind.APOLOGY_ISSUED, actor, now, reason=req["reason"],
               old_due_at=old_due.isoformat(), new_due_at=new_due.isoformat(), timely=timely,
               responsible_unit_ids=late_units or ([actor.unit_id] if actor.unit_id else []), signed_by=actor.full_name)
        return new_due


def hand_back(ctx: EngineContext, actor: Actor, code: str, note: str = "") -> DossierStatus:
    """The desk hands the result to the applicant: a resolved dossier becomes returned; a refused one stays
    refused, with the hand-over of the refusal (Form 03) recorded. Either only once. Returns the status."""
    with guarded_transaction(ctx, actor, Action.HAND_BACK, code) as session:
        dossier = _authorised(session, actor, Action.HAND_BACK, code)
        require_status(dossier, HANDED_BACK_FROM, "trả kết quả")
        if dossier.returned_at is not None:
            raise InvalidState(f"Hồ sơ {code} đã được trả cho công dân lúc "
                               f"{dossier.returned_at.astimezone(LOCAL_TZ):%d/%m/%Y %H:%M}.",
                               message_en=f"Dossier {code} was already handed back.")
        now = ctx.now()
        refused = dossier.status == DossierStatus.REFUSED.value
        if not refused:
            dossier.status = DossierStatus.RETURNED.value
        dossier.returned_at, dossier.result_note = now, note or None
        record(session, dossier, EventKind.RETURNED, actor, now, note=note, refused=refused)
        return DossierStatus(dossier.status)
