"""Dossiers, their inbox rows (one per human step) and the deadlines the sweep walks.

The inbox and deadline tables are the read model: listing an inbox or sweeping due work never
deserialises a workflow.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.db.models.base import Base
from engine.db.models.org import Agency, Unit, User
from engine.db.models.procedures import ProcedureVersion
from engine.db.types import JSONData, UTCDateTime


class DossierCounter(Base):
    """Per agency and local day, the last sequence number handed out: codes are gap-free."""

    __tablename__ = "dossier_counters"

    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), primary_key=True)
    day: Mapped[str] = mapped_column(String(6), primary_key=True)  # YYMMDD, local date
    last: Mapped[int] = mapped_column(Integer, default=0)


class Dossier(Base):
    __tablename__ = "dossiers"
    __table_args__ = (
        # Also covers the KPI report's live "now" figures (engine.kpis.tally_read): no table row read.
        Index("ix_dossiers_agency_status_due", "agency_id", "status", "due_at", "procedure_version_id",
              "statutory_due_at", "paused_at"),
        Index("ix_dossiers_agency_received", "agency_id", "received_at"),
        Index("ix_dossiers_agency_resolved", "agency_id", "resolved_at"),  # KPIs: resolved in a period
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    pin_hash: Mapped[str] = mapped_column(String(255))
    procedure_version_id: Mapped[int] = mapped_column(ForeignKey("procedure_versions.id"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))  # responsible agency
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    channel: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(24))
    applicant: Mapped[dict] = mapped_column(JSONData)
    applicant_name: Mapped[str] = mapped_column(String(255), index=True)
    documents: Mapped[list] = mapped_column(JSONData)
    data: Mapped[dict] = mapped_column(JSONData, default=dict)  # what the applicant declared at submission
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # online submissions, before receipt
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)  # recorded receipt time (never shifted)
    effective_received_at: Mapped[datetime] = mapped_column(UTCDateTime)  # after cut-off adjustment
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)  # appointment; pushed by pauses and apology
    statutory_due_at: Mapped[datetime] = mapped_column(UTCDateTime)  # appointment pushed by pauses, never by apology: what KPIs judge
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paused_minutes: Mapped[int] = mapped_column(Integer, default=0)  # working minutes spent paused
    apology_issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_reason: Mapped[str | None] = mapped_column(Text)  # refusal / withdrawal reason
    outcome: Mapped[str | None] = mapped_column(String(10))  # early / on_time / late once resolved
    # Working minutes from effective receipt to resolution, minus pauses; stamped at resolution (engine.clock.worktime).
    working_minutes: Mapped[int | None] = mapped_column(Integer)
    result_note: Mapped[str | None] = mapped_column(Text)
    workflow_state: Mapped[bytes | None] = mapped_column(LargeBinary)  # compressed, WITHOUT the spec
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    last_event_hash: Mapped[str] = mapped_column(String(64), default="")
    last_event_seq: Mapped[int] = mapped_column(Integer, default=0)

    __mapper_args__ = {"version_id_col": version}

    procedure_version: Mapped[ProcedureVersion] = relationship()
    agency: Mapped[Agency] = relationship(foreign_keys=[agency_id])
    received_by: Mapped[User | None] = relationship(foreign_keys=[received_by_id])


class Task(Base):
    """One human step of one dossier: the inbox row."""

    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_pool", "agency_id", "role", "state", "due_at"),
        Index("ix_tasks_assignee", "assignee_id", "state", "due_at"),
        Index("ix_tasks_unit", "unit_id", "state", "due_at"),
        Index("ix_tasks_state_due", "state", "due_at"),
        # KPIs: open steps now per unit (covering: no table row read) and finished steps
        Index("ix_tasks_agency_state_finished", "agency_id", "state", "finished_at", "unit_id", "due_at", "overdue",
              "paused"),
        UniqueConstraint("workflow_task_id", name="uq_tasks_workflow_task_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    workflow_task_id: Mapped[str] = mapped_column(String(36))  # SpiffWorkflow task UUID
    step_id: Mapped[str] = mapped_column(String(120))  # BPMN element id
    step_name: Mapped[str] = mapped_column(String(255))
    lane: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    state: Mapped[str] = mapped_column(String(12))
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    deadline: Mapped[str] = mapped_column(String(20))  # the step's ISO 8601 working-time budget
    ready_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    outcome: Mapped[str | None] = mapped_column(String(10))
    # Working minutes from ready to finished, minus pauses; stamped at completion (engine.clock.worktime).
    working_minutes: Mapped[int | None] = mapped_column(Integer)
    # Denormalised for inbox rendering without joins.
    dossier_code: Mapped[str] = mapped_column(String(64))
    procedure_name: Mapped[str] = mapped_column(String(500))
    applicant_name: Mapped[str] = mapped_column(String(255))

    dossier: Mapped[Dossier] = relationship()
    unit: Mapped[Unit | None] = relationship(foreign_keys=[unit_id])
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])


class Deadline(Base):
    """Something due at an instant: a step, a dossier's appointment, or a BPMN timer."""

    __tablename__ = "deadlines"
    __table_args__ = (Index("ix_deadlines_pending", "done_at", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"), index=True)
    workflow_task_id: Mapped[str | None] = mapped_column(String(36))  # timers
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    detail: Mapped[dict] = mapped_column(JSONData, default=dict)

    task: Mapped[Task | None] = relationship()


class PinGuard(Base):
    """Consecutive wrong lookup PINs on one dossier, whichever route tried them; ``locked_at`` set after too many
    (engine.dossiers.pin_guard): the PIN no longer opens the dossier until the desk reissues it. A row exists only for
    a dossier that has had a failure."""

    __tablename__ = "pin_guards"

    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id"), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
