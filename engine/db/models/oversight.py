"""Escalations the worker raised: step reminders, overdue notices, apology prompts, overdue
nonconformities. The unique ``key`` makes each fire once, whichever worker gets there first, and the
row is the record of it (the dossier page reads the apology prompt from here)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.db.models.base import Base
from engine.db.types import JSONData, UTCDateTime


class Escalation(Base):
    __tablename__ = "escalations"
    __table_args__ = (
        UniqueConstraint("key", name="uq_escalations_key"),
        Index("ix_escalations_kind_task", "kind", "task_id"),
        Index("ix_escalations_kind_dossier", "kind", "dossier_id"),
        Index("ix_escalations_kind_nonconformity", "kind", "nonconformity_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20))  # EscalationKind
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossiers.id"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"))
    nonconformity_id: Mapped[int | None] = mapped_column(ForeignKey("nonconformities.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    detail: Mapped[dict] = mapped_column(JSONData, default=dict)
