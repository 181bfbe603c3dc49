"""Nonconformity and corrective action (ISO 9001 §10.2, DOMAIN §3): every late step is a nonconformity
of its lane's unit (raised by engine.dossiers.steps); the unit's head records the cause and the corrective
action, an auditor of the agency (or above) verifies it and closes it. One with no corrective action
within ``nc_action_days`` working days is flagged by the worker (engine.worker.escalation)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate
from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from engine.context import EngineContext
from engine.db.models import Agency, Escalation, Nonconformity, Task, Unit, User
from engine.enums import EscalationKind, NonconformityStatus
from engine.errors import InvalidState, NotFound, parse_choice
from engine.inputs.schemas import MAX_TEXT, REASON_MIN, load
from engine.org.actors import Actor
from engine.org.audit import audit, guarded_transaction
from engine.org.authz import Action, check_nonconformity, may_on_nonconformity, nonconformity_scope
from engine.org.directory import agency_by_code
from engine.paging import DEFAULT_PAGE_SIZE, CountedPage, check_paging
from engine.worker.escalation import OversightSettings, action_due_at

EDITABLE = frozenset({NonconformityStatus.OPEN, NonconformityStatus.ACTION_RECORDED})


class CorrectiveActionSchema(Schema):
    cause = fields.String(required=True, validate=validate.Length(min=REASON_MIN, max=MAX_TEXT))
    corrective_action = fields.String(required=True, validate=validate.Length(min=REASON_MIN, max=MAX_TEXT))


class CloseSchema(Schema):
    note = fields.String(required=True, validate=validate.Length(min=REASON_MIN, max=MAX_TEXT))


def _status(value: str | None) -> str | None:
    return parse_choice(NonconformityStatus, value, "Trạng thái", "status").value if value else None


def list_nonconformities(ctx: EngineContext, actor: Actor, *, status: str | None = None, flagged: bool | None = None,
                         agency_code: str | None = None, limit: int = DEFAULT_PAGE_SIZE, offset: int = 0,
                         settings: OversightSettings | None = None) -> CountedPage:
    """The actor's nonconformities (engine.org.authz.nonconformity_scope), or one agency's among them, newest
    first, by SQL."""
    settings = settings or OversightSettings.from_env()
    calendar, now = ctx.calendar(), ctx.now()
    acted_by, closed_by = aliased(User), aliased(User)
    flag = aliased(Escalation)
    with guarded_transaction(ctx, actor, Action.VIEW_NONCONFORMITIES, "nonconformities", read_only=True) as session:
        agency_id = agency_by_code(session, agency_code).id if agency_code else None
        scope = nonconformity_scope(actor, session, agency_id)  # authority first: errors tell strangers nothing
        status = _status(status)
        check_paging(limit, offset)
        counts = dict(session.execute(select(Nonconformity.status, func.count()).where(scope)
                                      .group_by(Nonconformity.status)).all())
        where = [scope]
        if status:
            where.append(Nonconformity.status == status)
        if flagged is not None:
            where.append(flag.id.is_not(None) if flagged else flag.id.is_(None))
        base = (select(Nonconformity, Task, Unit.name, Agency.name, flag.at, acted_by.full_name, closed_by.full_name)
                .join(Task, Task.id == Nonconformity.task_id).join(Agency, Agency.id == Nonconformity.agency_id)
                .outerjoin(Unit, Unit.id == Nonconformity.unit_id)
                .outerjoin(flag, and_(flag.nonconformity_id == Nonconformity.id,
                                      flag.kind == EscalationKind.NONCONFORMITY_OVERDUE.value))
                .outerjoin(acted_by, acted_by.id == Nonconformity.action_recorded_by_id)
                .outerjoin(closed_by, closed_by.id == Nonconformity.closed_by_id)
                .where(*where))
        total = session.scalar(select(func.count()).select_from(base.subquery()))
        rows = []
        for nc, task, unit, agency, flagged_at, action_by, closer in session.execute(
                base.order_by(Nonconformity.raised_at.desc(), Nonconformity.id.desc()).limit(limit).offset(offset)):
            due = action_due_at(calendar, nc, settings.nc_action_days)
            rows.append({
                "id": nc.id, "dossier_code": task.dossier_code, "procedure_name": task.procedure_name,
                "step_id": nc.step_id, "step_name": task.step_name, "unit": unit or task.lane, "agency": agency,
                "raised_at": nc.raised_at, "step_due_at": nc.due_at, "status": nc.status, "cause": nc.cause,
                "corrective_action": nc.corrective_action, "action_recorded_at": nc.action_recorded_at,
                "action_recorded_by": action_by, "action_due_at": due,
                "action_overdue": nc.status == NonconformityStatus.OPEN and due <= now, "flagged_at": flagged_at,
                "verification_note": nc.verification_note, "closed_at": nc.closed_at, "closed_by": closer,
                "allowed": _allowed(actor, session, nc),
            })
        return CountedPage(rows, total, {s.value: counts.get(s.value, 0) for s in NonconformityStatus},
                           limit, offset)


def _allowed(actor: Actor, session, nc: Nonconformity) -> list[str]:
    allowed = []
    if nc.status in EDITABLE and may_on_nonconformity(actor, Action.RECORD_CORRECTIVE_ACTION, session, nc):
        allowed.append("action")
    if nc.status == NonconformityStatus.ACTION_RECORDED and may_on_nonconformity(
            actor, Action.CLOSE_NONCONFORMITY, session, nc):
        allowed.append("close")
    return allowed


def _load(session, nc_id: int) -> Nonconformity:
    nc = session.get(Nonconformity, nc_id)
    if nc is None:
        raise NotFound(f"Không có điểm không phù hợp #{nc_id}.", message_en=f"No nonconformity #{nc_id}.")
    return nc


def record_corrective_action(ctx: EngineContext, actor: Actor, nc_id: int, payload: dict) -> str:
    """The cause and the corrective action; may be revised until the auditor closes it."""
    req = load(CorrectiveActionSchema, payload)
    with guarded_transaction(ctx, actor, Action.RECORD_CORRECTIVE_ACTION, f"nc:{nc_id}") as session:
        nc = _load(session, nc_id)
        check_nonconformity(actor, Action.RECORD_CORRECTIVE_ACTION, session, nc)
        if nc.status not in EDITABLE:
            raise InvalidState(f"Điểm không phù hợp #{nc_id} đã đóng; không sửa được hành động khắc phục.",
                               message_en=f"Nonconformity #{nc_id} is closed; its corrective action is final.")
        now = ctx.now()
        nc.cause, nc.corrective_action = req["cause"].strip(), req["corrective_action"].strip()
        nc.action_recorded_at, nc.action_recorded_by_id = now, actor.id
        nc.status = NonconformityStatus.ACTION_RECORDED.value
        audit(session, ctx, actor, "nc_action_recorded", f"nc:{nc_id}", cause=nc.cause,
              corrective_action=nc.corrective_action)
        return nc.status


def close_nonconformity(ctx: EngineContext, actor: Actor, nc_id: int, payload: dict) -> str:
    """The auditor verified the corrective action: closed, with the verification note."""
    req = load(CloseSchema, payload)
    with guarded_transaction(ctx, actor, Action.CLOSE_NONCONFORMITY, f"nc:{nc_id}") as session:
        nc = _load(session, nc_id)
        check_nonconformity(actor, Action.CLOSE_NONCONFORMITY, session, nc)
        if nc.status != NonconformityStatus.ACTION_RECORDED:
            raise InvalidState(
                f"Điểm không phù hợp #{nc_id} chưa có nguyên nhân và hành động khắc phục (hoặc đã đóng); chưa đóng được.",
                message_en=f"Nonconformity #{nc_id} has no cause and corrective action yet (or is closed).")
        now = ctx.now()
        nc.status, nc.closed_at, nc.closed_by_id = NonconformityStatus.CLOSED.value, now, actor.id
        nc.verification_note = req["note"].strip()
        audit(session, ctx, actor, "nc_closed", f"nc:{nc_id}", note=nc.verification_note)
        return nc.status
