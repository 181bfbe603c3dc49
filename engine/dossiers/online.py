"""Online submission (DOMAIN §3): the citizen submits without an account; the dossier waits in the
desk's inbox for the completeness check, then is received (workflow starts), returned as incomplete
with ONE list of what is missing (Form 02), or refused at reception (Form 03)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from engine.context import EngineContext
from engine.db.models import Dossier
from engine.dossiers.actions import require_status, resume_supplemented
from engine.dossiers.events import record
from engine.dossiers.pin_guard import admit
from engine.dossiers.reception import AlsoInTransaction, new_dossier, procedure_for, start_processing
from engine.dossiers.steps import close_deadlines, insert_step
from engine.dossiers.store import dossier_tasks, load_dossier, lock_dossier
from engine.enums import Channel, DossierStatus, EventKind, Role, TaskState
from engine.errors import InvalidInput
from engine.inputs.schemas import ReceiveSchema, RefusalSchema, SupplementRequestSchema, SupplementSchema, load
from engine.org.actors import Actor
from engine.org.audit import guarded_transaction
from engine.org.authz import Action, check_dossier
from engine.org.directory import agency_by_code
from engine.org.security import new_pin

RECEPTION_STEP = "kiem_tra_tiep_nhan"
RECEPTION_STEP_NAME = "Kiểm tra, tiếp nhận hồ sơ trực tuyến"
RECEPTION_LANE = "Bộ phận Một cửa"
RECEPTION_DEADLINE = "PT8H"  # the desk checks an online dossier within one working day


@dataclass(frozen=True)
class Submission:
    code: str
    pin: str
    status: str
    submitted_at: datetime


def submit_online(ctx: EngineContext, request: dict, then: AlsoInTransaction | None = None) -> Submission:
    """``then`` runs in the same transaction once the dossier exists (engine.documents attaches the files)."""
    req = load(ReceiveSchema, {**(request or {}), "channel": Channel.ONLINE.value})
    if not req["agency_code"]:
        raise InvalidInput("Hãy chọn cơ quan nhận hồ sơ.", message_en="Choose the agency to submit to.",
                           details={"agency_code": ["required"]})
    pin = new_pin()
    with ctx.db.transaction() as session:
        agency = agency_by_code(session, req["agency_code"])
        version, compiled = procedure_for(session, req["procedure_code"], agency)
        now = ctx.now()
        dossier = new_dossier(session, version, agency, req, pin, now, DossierStatus.SUBMITTED, None)
        dossier.submitted_at = now
        record(session, dossier, EventKind.SUBMITTED, None, now, procedure=compiled.card.code,
               documents=req["documents"])
        _open_reception_step(session, ctx, dossier, compiled.card.name, now)
        if then is not None:
            then(session, dossier, now)
        return Submission(dossier.code, pin, dossier.status, now)


def _open_reception_step(session, ctx: EngineContext, dossier: Dossier, procedure_name: str, now: datetime) -> None:
    """The desk's check, an inbox step with its deadline like any other (the sweep marks it overdue)."""
    if dossier.id is None:
        session.flush()  # the dossier's row before the Core insert that refers to it
    insert_step(session, dossier, workflow_task_id=f"reception:{dossier.id}:{dossier.last_event_seq}",
                step_id=RECEPTION_STEP, step_name=RECEPTION_STEP_NAME, lane=RECEPTION_LANE, role=Role.DESK.value,
                agency_id=dossier.agency_id, unit_id=None, deadline=RECEPTION_DEADLINE, ready_at=now,
                due_at=ctx.calendar(session).add(now, RECEPTION_DEADLINE), procedure_name=procedure_name)


def _close_reception_step(session, dossier: Dossier, actor: Actor, now: datetime, ctx: EngineContext) -> None:
    for task in dossier_tasks(session, dossier):
        if task.step_id == RECEPTION_STEP and task.state in (TaskState.READY, TaskState.CLAIMED):
            task.state, task.finished_at, task.finished_by_id = TaskState.COMPLETED.value, now, actor.id
            task.assignee_id = task.assignee_id or actor.id
            task.outcome = ctx.calendar(session).classify(now, task.due_at).value
            close_deadlines(session, now, task=task)


def _pending(session, actor: Actor, action: Action, code: str, allowed=frozenset({DossierStatus.SUBMITTED})):
    dossier = load_dossier(session, code, for_update=True)
    check_dossier(actor, action, dossier, dossier_tasks(session, dossier))
    require_status(dossier, allowed, "xử lý hồ sơ trực tuyến")
    return dossier


def accept_submission(ctx: EngineContext, actor: Actor, code: str) -> datetime:
    """The dossier is complete: it is received now, with its appointment, and processing starts."""
    with guarded_transaction(ctx, actor, Action.RECEIVE, code) as session:
        dossier = _pending(session, actor, Action.RECEIVE, code)
        version, compiled = procedure_for(session, dossier.procedure_version.procedure.code, dossier.agency)
        dossier.procedure_version = version  # it starts on the version in force at receipt, as its workflow does
        now = ctx.now()
        _close_reception_step(session, dossier, actor, now, ctx)
        start_processing(session, ctx, actor, dossier, compiled, now)
        return dossier.due_at


def return_incomplete(ctx: EngineContext, actor: Actor, code: str, payload: dict) -> None:
    """Form 02 before receipt: one written list of everything missing; not received until complete."""
    req = load(SupplementRequestSchema, payload)
    with guarded_transaction(ctx, actor, Action.REQUEST_SUPPLEMENT, code) as session:
        dossier = _pending(session, actor, Action.REQUEST_SUPPLEMENT, code)
        now = ctx.now()
        _close_reception_step(session, dossier, actor, now, ctx)
        dossier.status = DossierStatus.INCOMPLETE.value
        record(session, dossier, EventKind.SUPPLEMENT_REQUESTED, actor, now, reason=req["reason"],
               missing=req["missing"], before_receipt=True, officer=actor.full_name)


def reject_submission(ctx: EngineContext, actor: Actor, code: str, payload: dict) -> None:
    """Form 03 at reception: refused with a written reason."""
    req = load(RefusalSchema, payload)
    with guarded_transaction(ctx, actor, Action.REFUSE, code) as session:
        dossier = _pending(session, actor, Action.REFUSE, code,
                           frozenset({DossierStatus.SUBMITTED, DossierStatus.INCOMPLETE}))
        now = ctx.now()
        _close_reception_step(session, dossier, actor, now, ctx)
        dossier.status, dossier.closed_reason, dossier.resolved_at = DossierStatus.REJECTED.value, req["reason"], now
        record(session, dossier, EventKind.REFUSED, actor, now, reason=req["reason"], at_reception=True,
               **({"legal_basis": req["legal_basis"]} if req["legal_basis"] else {}))


def resubmit_online(ctx: EngineContext, code: str, pin: str, payload: dict,
                    then: AlsoInTransaction | None = None) -> None:
    """The citizen answers a supplement request online (code + PIN): an incomplete online dossier goes back to the
    desk's check; a dossier awaiting supplementation during processing resumes, its appointment pushed by the
    paused working time (engine.dossiers.actions.resume_supplemented). ``then`` runs in the same transaction
    (engine.documents attaches the files answering the request)."""
    req = load(SupplementSchema, payload)
    admitted = admit(ctx, code, pin)  # an unknown code and a wrong PIN answer alike (engine.dossiers.pin_guard)
    with ctx.db.transaction() as session:
        dossier = lock_dossier(session, admitted.dossier_id)
        if dossier.status == DossierStatus.AWAITING_SUPPLEMENT.value:
            resume_supplemented(session, ctx, None, dossier, req)
            if then is not None:
                then(session, dossier, ctx.now())
            return
        require_status(dossier, {DossierStatus.INCOMPLETE}, "bổ sung trực tuyến")
        now = ctx.now()
        dossier.status = DossierStatus.SUBMITTED.value
        dossier.documents = [*dossier.documents, *req["documents"]]
        dossier.data = {**dossier.data, **req["data"]}
        record(session, dossier, EventKind.SUPPLEMENTED, None, now, documents=req["documents"], before_receipt=True)
        if then is not None:
            then(session, dossier, now)
        _open_reception_step(session, ctx, dossier, dossier.procedure_version.card["name"], now)
