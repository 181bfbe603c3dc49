"""Reception at the one-stop desk (DOMAIN §3–§4): the dossier gets its code, lookup PIN and appointment,
and its workflow starts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.context import EngineContext
from engine.db.models import Agency, Deadline, Dossier
from engine.dossiers.codes import next_code
from engine.dossiers.events import record
from engine.dossiers.runtime import SPEC_CACHE, start_workflow
from engine.dossiers.steps import check_lanes_resolvable, sync
from engine.dossiers.store import save_workflow
from engine.enums import DESK_CHANNELS, DeadlineKind, DossierStatus, EventKind
from engine.errors import InvalidInput, MotcuaError
from engine.inputs.schemas import ReceiveSchema, load
from engine.org.actors import Actor
from engine.org.audit import guarded_transaction
from engine.org.authz import Action, check_receive
from engine.org.directory import agency_by_code
from engine.org.security import hash_pin, new_pin
from engine.procedures.publishing import current_version


# What a caller above may add to a dossier use case's transaction: (session, dossier, now) -> None.
AlsoInTransaction = Callable[[Session, Dossier, datetime], None]


@dataclass(frozen=True)
class Receipt:
    """What the desk prints on Form 01; ``pin`` is shown once and only its hash is kept."""

    code: str
    pin: str
    status: str
    received_at: datetime
    due_at: datetime
    procedure_code: str
    procedure_name: str


def procedure_for(session, procedure_code: str, agency: Agency):
    """The current version of a procedure, checked to be decidable by ``agency`` (level and units)."""
    version = current_version(session, procedure_code)
    compiled = SPEC_CACHE.get(version)
    card = compiled.card
    if card.level != agency.level:
        raise InvalidInput(
            f"Thủ tục '{card.name}' do cơ quan cấp '{card.level}' giải quyết; '{agency.name}' là cấp '{agency.level}'.",
            message_en=f"Procedure '{card.code}' is decided at level '{card.level}'; agency '{agency.code}' is '{agency.level}'.",
        )
    check_lanes_resolvable(session, agency.id, compiled)
    return version, compiled


def agencies_for(ctx: EngineContext, procedure_code: str) -> list[dict]:
    """The agencies that can decide a published procedure (its level, every lane resolvable to a unit there):
    where a citizen may submit it."""
    with ctx.db.transaction() as session:
        compiled = SPEC_CACHE.get(current_version(session, procedure_code))
        result = []
        for agency in session.scalars(select(Agency).where(Agency.level == compiled.card.level).order_by(Agency.code)):
            try:
                check_lanes_resolvable(session, agency.id, compiled)
            except MotcuaError:
                continue
            result.append({"code": agency.code, "name": agency.name, "level": agency.level})
        return result


def new_dossier(session, version, agency: Agency, req: dict, pin: str, now: datetime, status: DossierStatus,
                received_by_id: int | None) -> Dossier:
    code = next_code(session, agency.id, agency.code, now)
    dossier = Dossier(
        code=code, pin_hash=hash_pin(code, pin), procedure_version_id=version.id,
        agency_id=agency.id, received_by_id=received_by_id, channel=req["channel"], status=status.value,
        applicant=req["applicant"], applicant_name=req["applicant"]["name"], documents=req["documents"],
        data=req["data"], received_at=now, effective_received_at=now, due_at=now, statutory_due_at=now,
        paused_minutes=0, last_event_hash="", last_event_seq=0,
    )
    session.add(dossier)
    session.flush()
    return dossier


def start_processing(session, ctx: EngineContext, actor: Actor, dossier: Dossier, compiled, now: datetime,
                     known_open: list | None = None) -> None:
    """The legal receipt: appointment from the (cut-off adjusted) receipt time, then the workflow starts.
    ``known_open``: the dossier's open steps when the caller knows them (``[]`` for a dossier created in this
    transaction), so ``steps.sync`` need not read them."""
    card = compiled.card
    calendar = ctx.calendar(session)
    due = calendar.due(now, card.statutory_duration, card.cutoff).astimezone(timezone.utc)
    dossier.status, dossier.received_by_id = DossierStatus.RECEIVED.value, actor.id
    dossier.received_at, dossier.effective_received_at = now, calendar.effective_receipt(now, card.cutoff)
    dossier.due_at = dossier.statutory_due_at = due
    record(session, dossier, EventKind.RECEIVED, actor, now, procedure=card.code,
           version=dossier.procedure_version.number, channel=dossier.channel, documents=dossier.documents,
           due_at=due.isoformat())
    session.add(Deadline(dossier_id=dossier.id, kind=DeadlineKind.DOSSIER.value, due_at=due))
    workflow = start_workflow(compiled, {**dossier.data, "channel": dossier.channel})
    sync(session, dossier, compiled, workflow, calendar, now, actor, known_open=known_open)
    save_workflow(dossier, workflow)


def receive(ctx: EngineContext, actor: Actor, request: dict, then: AlsoInTransaction | None = None) -> Receipt:
    """A dossier received at the desk: handed in or sent by post (DESK_CHANNELS), never online (online submissions
    come through engine.dossiers.online; a desk officer cannot count a reception as online, which would skew the
    KPIs). ``then`` runs in the same transaction once the dossier exists (engine.documents attaches the scans)."""
    req = load(ReceiveSchema, request)
    if req["channel"] not in DESK_CHANNELS:
        allowed = ", ".join(sorted(c.value for c in DESK_CHANNELS))
        raise InvalidInput(
            f"Hồ sơ tiếp nhận tại Bộ phận Một cửa có kênh {allowed}; hồ sơ trực tuyến do công dân tự nộp.",
            message_en=f"A dossier received at the desk has channel {allowed}; online dossiers are submitted by "
                       "citizens.", details={"channel": [f"must be one of: {allowed}"]})
    pin = new_pin()
    with guarded_transaction(ctx, actor, Action.RECEIVE, req["procedure_code"]) as session:
        agency = agency_by_code(session, req["agency_code"]) if req["agency_code"] else session.get(Agency, actor.agency_id)
        check_receive(actor, session, agency.id)
        version, compiled = procedure_for(session, req["procedure_code"], agency)
        now = ctx.now()
        dossier = new_dossier(session, version, agency, req, pin, now, DossierStatus.RECEIVED, actor.id)
        start_processing(session, ctx, actor, dossier, compiled, now, known_open=[])  # created just now
        if then is not None:
            then(session, dossier, now)
        return Receipt(dossier.code, pin, dossier.status, now, dossier.due_at, compiled.card.code, compiled.card.name)
