"""Queueing messages: rows in the outbox, written in the caller's transaction, so a message exists if and
only if what it announces was committed. Keys make queueing idempotent."""

from __future__ import annotations

from datetime import datetime
from typing import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.db.models import Notification, User, UserContact
from engine.db.once import insert_once
from engine.enums import NotificationChannel, NotificationStatus, NotificationTopic

SUBJECT_MAX = 255


def enqueue(session: Session, now: datetime, *, key: str, channel: NotificationChannel, recipient: str,
            topic: NotificationTopic, subject: str, body: str, agency_id: int | None = None,
            dossier_id: int | None = None, user_id: int | None = None) -> bool:
    """Queue one message; False when a message with this key was already queued (nothing changes)."""
    return insert_once(
        session, Notification, key=key, channel=channel.value, topic=topic.value, recipient=recipient,
        recipient_user_id=user_id, agency_id=agency_id, dossier_id=dossier_id, subject=subject[:SUBJECT_MAX],
        body=body, status=NotificationStatus.PENDING.value, attempts=0, next_attempt_at=now, created_at=now,
    )


def notify_officers(session: Session, now: datetime, users: Iterable[User], *, key: str, topic: NotificationTopic,
                    subject: str, body: str, dossier_id: int | None = None) -> int:
    """One message per officer: by email when an address is on file, else to the console log.
    ``key`` identifies the occasion; the officer's id is appended. Returns how many were queued."""
    users = {u.id: u for u in users}
    if not users:
        return 0
    emails = dict(session.execute(select(UserContact.user_id, UserContact.email).where(
        UserContact.user_id.in_(list(users)), UserContact.email.is_not(None))).all())
    queued = 0
    for user_id, user in sorted(users.items()):
        email = emails.get(user_id)
        channel, address = (NotificationChannel.EMAIL, email) if email else (NotificationChannel.CONSOLE, user.username)
        queued += enqueue(session, now, key=f"{key}:u{user_id}", channel=channel, recipient=address, topic=topic,
                          subject=subject, body=f"Kính gửi {user.full_name or user.username},\n\n{body}",
                          agency_id=user.agency_id, dossier_id=dossier_id, user_id=user_id)
    return queued
