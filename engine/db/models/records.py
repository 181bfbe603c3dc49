"""Records: the per-dossier hash-chained event log, the security audit log, nonconformities."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from engine.db.chain import GENESIS_HASH
from engine.db.models.base import Base
from engine.db.types import JSONData, UTCDateTime


class Event(Base):
    """Append-only; ``hash`` covers the event and the previous event's hash for the same dossier."""

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("dossier_id", "seq", name="uq_events_dossier_seq"),
        Index("ix_events_kind_at", "kind", "at"),
        Index("ix_events_at", "at"),  # the auditors' log, newest first
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"))
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(40))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(80))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    payload: Mapped[dict] = mapped_column(JSONData)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditEntry(Base):
    """Security and administration log: refused attempts, publications, organisation changes. Hash-chained
    like the events (engine.org.auditchain): ``seq`` counts from 1 in the order of commit, ``hash`` covers the
    entry and the previous entry's hash; the chain's head is ``AuditChainHead``."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_at", "at"), UniqueConstraint("seq", name="uq_audit_log_seq"))

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(String(255), default="")
    allowed: Mapped[bool] = mapped_column(default=True)
    detail: Mapped[dict] = mapped_column(JSONData, default=dict)
    # The agency the entry concerns (a dossier's responsible agency) when it is not the actor's own: the
    # security log of that agency shows it too (an outsider's refused attempt on its dossiers).
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    # Last, in the order the migration adds them: a new database and a migrated one have the same columns.
    seq: Mapped[int] = mapped_column(Integer)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditChainHead(Base):
    """One row (id 1): the audit log's last link. Appends lock it (SELECT … FOR UPDATE on PostgreSQL; SQLite's
    writers are serialised already), so concurrent writers queue instead of forking the chain, and a log cut
    short at its end no longer reaches the head."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


AUDIT_CHAIN_HEAD_ID = 1


@event.listens_for(AuditChainHead.__table__, "after_create")
def _genesis_head(table, connection, **_kw) -> None:
    """A new database's audit log is empty: its head is the genesis (the migration writes the same row)."""
    connection.execute(table.insert().values(id=AUDIT_CHAIN_HEAD_ID, seq=0, hash=GENESIS_HASH))


class Nonconformity(Base):
    """A late step (ISO 9001 §10.2), attributed to the unit of the step's lane."""

    __tablename__ = "nonconformities"
    __table_args__ = (
        UniqueConstraint("task_id", name="uq_nonconformities_task_id"),
        Index("ix_nonconformities_unit_status", "unit_id", "status"),
        Index("ix_nonconformities_status_raised", "status", "raised_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    step_id: Mapped[str] = mapped_column(String(120))
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20))
    cause: Mapped[str | None] = mapped_column(Text)
    corrective_action: Mapped[str | None] = mapped_column(Text)
    action_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    action_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    verification_note: Mapped[str | None] = mapped_column(Text)  # the auditor's verification on closing
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
