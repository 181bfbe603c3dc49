"""The notifications outbox: one row per message to send, written in the transaction that decided it,
delivered later by the worker with retries; the unique ``key`` makes every message idempotent.
Officers' contact details (for email) live beside it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.db.models.base import Base
from engine.db.types import UTCDateTime


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("key", name="uq_notifications_key"),
        Index("ix_notifications_due", "status", "next_attempt_at"),
        Index("ix_notifications_agency_created", "agency_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200))  # idempotency key: the same message is never queued twice
    channel: Mapped[str] = mapped_column(String(10))  # NotificationChannel
    topic: Mapped[str] = mapped_column(String(30))  # NotificationTopic: why it was sent
    recipient: Mapped[str] = mapped_column(String(255))  # email address, phone number or username (console)
    recipient_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # officers; None for citizens
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))  # whose administrators see it
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossiers.id"), index=True)
    subject: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10))  # NotificationStatus
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)  # while sending: when the claim lapses
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class UserContact(Base):
    """Where an officer receives email or SMS; officers without one get console (log file) messages."""

    __tablename__ = "user_contacts"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    email: Mapped[str | None] = mapped_column(String(255))
    phone: Mapped[str | None] = mapped_column(String(30))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
