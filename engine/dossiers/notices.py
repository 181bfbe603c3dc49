"""Citizens hear of their dossier when it is received, when something must be supplemented, when the
result (or a refusal) is ready, and when the agency apologises with a new appointment — by email and by
SMS when the applicant gave an address or number. Driven by the event log: ``on_event`` subscribes to
``engine.dossiers.events`` and runs for every event, inside the transaction that records it."""

from __future__ import annotations

from sqlalchemy.orm import Session

from engine.db.models import Dossier
from engine.dossiers.events import RecordedEvent, subscribe
from engine.dossiers.store import compiled_for
from engine.enums import EventKind, NotificationChannel, NotificationTopic
from engine.notify import messages
from engine.notify.outbox import enqueue

TOPICS = {
    EventKind.RECEIVED: NotificationTopic.RECEIVED,
    EventKind.SUPPLEMENT_REQUESTED: NotificationTopic.SUPPLEMENT_REQUESTED,
    EventKind.RESOLVED: NotificationTopic.RESULT_READY,
    EventKind.REFUSED: NotificationTopic.RESULT_READY,
    EventKind.APOLOGY_ISSUED: NotificationTopic.APOLOGY,
}


def contacts(applicant: dict) -> list[tuple[NotificationChannel, str]]:
    found = []
    if email := (applicant.get("email") or "").strip():
        found.append((NotificationChannel.EMAIL, email))
    if phone := (applicant.get("phone") or "").strip():
        found.append((NotificationChannel.SMS, phone))
    return found


@subscribe
def on_event(session: Session, dossier: Dossier, event: RecordedEvent) -> None:
    topic = TOPICS.get(EventKind(event.kind))
    if topic is None:
        return
    addresses = contacts(dossier.applicant or {})
    if not addresses:
        return
    with session.no_autoflush:  # the agency's name is all it reads: no flush of the dossier for it
        subject, body = _text(dossier, event)
    for channel, address in addresses:
        enqueue(session, event.at, key=f"citizen:{dossier.code}:{event.seq}:{channel.value}", channel=channel,
                recipient=address, topic=topic, subject=subject, body=body, agency_id=dossier.agency_id,
                dossier_id=dossier.id)


def _text(dossier: Dossier, event: RecordedEvent) -> tuple[str, str]:
    card, p = compiled_for(dossier).card, event.payload  # the cached card: no load of the version row
    code, procedure, agency = dossier.code, card.name, dossier.agency.name
    kind = EventKind(event.kind)
    if kind == EventKind.RECEIVED:
        return messages.received(code, procedure, agency, event.at, p.get("due_at") or dossier.due_at)
    if kind == EventKind.SUPPLEMENT_REQUESTED:
        return messages.supplement_requested(code, procedure, agency, p.get("reason", ""), p.get("missing", []),
                                             bool(p.get("before_receipt")), bool(p.get("clock_paused")))
    if kind == EventKind.RESOLVED:
        return messages.result_ready(code, procedure, agency, card.result or "")
    if kind == EventKind.REFUSED:
        return messages.refused(code, procedure, agency, p.get("reason", ""))
    return messages.apology(code, procedure, agency, p.get("reason", ""), p.get("new_due_at"))
