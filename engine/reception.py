"""Reception at the one-stop desk (DOMAIN §3–§4): the dossier gets its code, lookup PIN and appointment,
and its workflow starts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from engine.actors import Actor
from engine.audit import guarded_transaction
from engine.authz import Action, check_receive
from engine.codes import next_code
from engine.context import EngineContext
from engine.db.models import Agency, Deadline, Dossier
from engine.enums import DeadlineKind, DossierStatus, EventKind
from engine.errors import InvalidInput
from engine.events import record
from engine.org import agency_by_code
from engine.publishing import current_version
from engine.runtime import SPEC_CACHE, start_workflow
from engine.schemas import ReceiveSchema, load
from engine.security import hash_pin, new_pin
from engine.steps import check_lanes_resolvable, sync
from engine.store import save_workflow


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


def receive(ctx: EngineContext, actor: Actor, request: dict) -> Receipt:
    req = load(ReceiveSchema, request)
    pin = new_pin()
    pin_hash = hash_pin(pin)  # outside the transaction: hashing is slow and holds no lock
    with guarded_transaction(ctx, actor, Action.RECEIVE, req["procedure_code"]) as session:
        agency = agency_by_code(session, req["agency_code"]) if req["agency_code"] else session.get(Agency, actor.agency_id)
        check_receive(actor, session, agency.id)
        version = current_version(session, req["procedure_code"])
        compiled = SPEC_CACHE.get(version)
        card = compiled.card
        if card.level != agency.level:
            raise InvalidInput(
                f"Thủ tục '{card.name}' do cơ quan cấp '{card.level}' giải quyết; '{agency.name}' là cấp '{agency.level}'.",
                message_en=f"Procedure '{card.code}' is decided at level '{card.level}'; agency '{agency.code}' is '{agency.level}'.",
            )
        check_lanes_resolvable(session, agency.id, compiled)
        now = ctx.now()
        calendar = ctx.calendar(session)
        due = calendar.due(now, card.statutory_duration, card.cutoff).astimezone(timezone.utc)
        dossier = Dossier(
            code=next_code(session, agency.id, agency.code, now), pin_hash=pin_hash, procedure_version_id=version.id,
            agency_id=agency.id, received_by_id=actor.id, channel=req["channel"], status=DossierStatus.RECEIVED.value,
            applicant=req["applicant"], applicant_name=req["applicant"]["name"], documents=req["documents"],
            received_at=now, effective_received_at=calendar.effective_receipt(now, card.cutoff), due_at=due,
            statutory_due_at=due, paused_minutes=0, last_event_hash="", last_event_seq=0,
        )
        session.add(dossier)
        session.flush()
        record(session, dossier, EventKind.RECEIVED, actor, now, procedure=card.code, version=version.number,
               channel=req["channel"], documents=req["documents"], due_at=due.isoformat())
        session.add(Deadline(dossier_id=dossier.id, kind=DeadlineKind.DOSSIER.value, due_at=due))
        workflow = start_workflow(compiled, {**req["data"], "channel": req["channel"]})
        sync(session, dossier, compiled, workflow, calendar, now, actor)
        save_workflow(dossier, workflow)
        return Receipt(dossier.code, pin, dossier.status, now, due, card.code, card.name)
