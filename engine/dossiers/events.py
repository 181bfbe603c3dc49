"""The append-only dossier event log. Each event's hash covers its content and the previous hash,
so any edit or deletion breaks the chain at a point ``verify_chain`` can name."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from engine.db.chain import GENESIS_HASH, as_stored, chain_hash, instant
from engine.db.models import Dossier, Event
from engine.enums import EventKind
from engine.kpis import tally as kpi_tally
from engine.org.actors import SYSTEM_NAME, Actor

# Events are only ever appended, never read back in the transaction that writes them: one prepared Core
# INSERT on the session's connection, without the unit of work's bookkeeping (the hottest write of all).
_INSERT = insert(Event.__table__)


@dataclass(frozen=True)
class RecordedEvent:
    """What ``record`` wrote, for those that react to it in the same transaction (citizen notices)."""

    dossier_id: int
    seq: int
    kind: str
    actor_id: int | None
    actor_name: str
    at: datetime
    payload: dict
    prev_hash: str
    hash: str


Subscriber = Callable[[Session, Dossier, RecordedEvent], None]
_subscribers: list[Subscriber] = []


def subscribe(subscriber: Subscriber) -> Subscriber:
    """Call ``subscriber`` for every event recorded from now on, inside the recording transaction (so what it
    writes commits with the event, or neither does). Subscribers register when their module is imported
    (engine/dossiers/__init__.py imports them): the event log knows no subscriber by name."""
    if subscriber not in _subscribers:
        _subscribers.append(subscriber)
    return subscriber


def event_hash(prev_hash: str, dossier_code: str, seq: int, kind: str, actor_name: str, at: datetime,
               payload: dict) -> str:
    return chain_hash(prev_hash, dossier_code, seq, kind, actor_name, instant(at), payload)


def record(session: Session, dossier: Dossier, kind: EventKind, actor: Actor | None, at: datetime,
           **payload) -> RecordedEvent:
    if dossier.id is None:
        session.flush()  # a new dossier gets its id
    prev = dossier.last_event_hash or GENESIS_HASH
    seq = dossier.last_event_seq + 1
    actor_name = actor.username if actor else SYSTEM_NAME
    # Round-trip through JSON so the hash is computed on exactly what the database will hand back.
    payload = as_stored(payload)
    digest = event_hash(prev, dossier.code, seq, kind.value, actor_name, at, payload)
    event = RecordedEvent(dossier_id=dossier.id, seq=seq, kind=kind.value, actor_id=actor.id if actor else None,
                          actor_name=actor_name, at=at, payload=payload, prev_hash=prev, hash=digest)
    session.connection().execute(_INSERT, vars(event))
    dossier.last_event_seq, dossier.last_event_hash = seq, digest
    for subscriber in _subscribers:  # the citizen's notices (engine.dossiers.notices)
        subscriber(session, dossier, event)
    kpi_tally.touch(session, dossier, kind)  # its KPI tallies are refreshed as this transaction commits
    return event


@dataclass(frozen=True)
class BrokenLink:
    dossier_code: str
    seq: int
    reason: str

    def __str__(self) -> str:
        return f"{self.dossier_code} #{self.seq}: {self.reason}"


def verify_chain(session: Session, dossier: Dossier) -> list[BrokenLink]:
    problems: list[BrokenLink] = []
    prev, expected_seq = GENESIS_HASH, 1
    for event in session.scalars(select(Event).where(Event.dossier_id == dossier.id).order_by(Event.seq)):
        if event.seq != expected_seq:
            problems.append(BrokenLink(dossier.code, expected_seq, f"missing event (next found is #{event.seq})"))
        if event.prev_hash != prev:
            problems.append(BrokenLink(dossier.code, event.seq, "prev_hash does not match the previous event"))
        digest = event_hash(event.prev_hash, dossier.code, event.seq, event.kind, event.actor_name, event.at,
                            event.payload)
        if digest != event.hash:
            problems.append(BrokenLink(dossier.code, event.seq, "content does not match its hash (edited)"))
        prev, expected_seq = event.hash, event.seq + 1
    if dossier.last_event_hash and dossier.last_event_hash != prev:
        problems.append(BrokenLink(dossier.code, expected_seq, "events after the last stored one are missing"))
    return problems
