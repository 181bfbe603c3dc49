"""The append-only dossier event log. Each event's hash covers its content and the previous hash,
so any edit or deletion breaks the chain at a point ``verify_chain`` can name."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from sqlalchemy import TextClause, bindparam, insert, select, text
from sqlalchemy import event as orm_event
from sqlalchemy.orm import Session

from engine.db.chain import GENESIS_HASH, as_stored, chain_hash, instant
from engine.db.models import Dossier, Event
from engine.enums import EventKind
from engine.kpis import tally as kpi_tally
from engine.org.actors import SYSTEM_NAME, Actor

# Events are only ever appended: Core INSERTs on the session's connection, without the unit of work's
# bookkeeping (the hottest write of all). A use case records two or three events in a row (completed, handed
# over, resolved); they wait in the session (``_PENDING``) and go in one INSERT when the session next flushes,
# so before any query of the transaction can read them (queries autoflush, the commit flushes) and never
# after the commit.
_INSERT = insert(Event.__table__)  # one event: the statement prepared once
_PENDING = "events_pending"  # session.info: rows recorded and not yet written
_COLUMNS = [c for c in Event.__table__.columns if c.name != "id"]


@functools.cache
def _insert_rows(count: int) -> TextClause:
    """INSERT … VALUES (…), (…) for ``count`` events, built once per count. Text with typed parameters, not
    ``insert().values([...])``: SQLAlchemy compiles a multi-row VALUES again on every use (it is not cacheable),
    which cost more CPU than the statement it saves; the types still turn the payload into JSON and instants
    into the stored UTC form, as the single-row INSERT does."""
    names = [c.name for c in _COLUMNS]
    rows = ", ".join("(" + ", ".join(f":{name}_{i}" for name in names) + ")" for i in range(count))
    return text(f"INSERT INTO {Event.__tablename__} ({', '.join(names)}) VALUES {rows}").bindparams(
        *(bindparam(f"{c.name}_{i}", type_=c.type) for i in range(count) for c in _COLUMNS))


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
    session.info.setdefault(_PENDING, []).append(vars(event))
    dossier.last_event_seq, dossier.last_event_hash = seq, digest  # the dossier is dirty: the next flush writes
    for subscriber in _subscribers:  # the citizen's notices (engine.dossiers.notices)
        subscriber(session, dossier, event)
    kpi_tally.touch(session, dossier, kind)  # its KPI tallies are refreshed as this transaction commits
    return event


def write_pending(session: Session) -> None:
    """Write the events recorded since the last flush, in the order recorded: one INSERT for all of them."""
    rows = session.info.pop(_PENDING, None)
    if not rows:
        return
    if len(rows) == 1:
        session.connection().execute(_INSERT, rows[0])
    else:
        session.connection().execute(_insert_rows(len(rows)), {f"{name}_{i}": value for i, row in enumerate(rows)
                                                               for name, value in row.items()})


@orm_event.listens_for(Session, "before_flush")
def _write_before_flush(session: Session, _flush_context, _instances) -> None:
    write_pending(session)


@orm_event.listens_for(Session, "before_commit")
def _write_before_commit(session: Session) -> None:
    write_pending(session)  # a commit with nothing else to flush still writes its events


@orm_event.listens_for(Session, "after_rollback")
def _forget_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)


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
