"""Delivery by the worker: each due message is claimed with an atomic UPDATE (so two workers never
send it at once), sent outside any transaction, then recorded as sent or rescheduled with exponential
backoff; after ``max_attempts`` it is failed and waits for an administrator's retry. A worker that dies
mid-send leaves a claim that lapses, and the message is tried again (at least once delivery; the email
Message-ID is derived from the idempotency key)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Mapping

from sqlalchemy import select, update

from engine.context import EngineContext
from engine.db.models import Notification
from engine.enums import NotificationStatus
from engine.notify.senders import OutboundMessage, SenderRegistry
from engine.settings import env_int

log = logging.getLogger(__name__)
DELIVERABLE = (NotificationStatus.PENDING.value, NotificationStatus.SENDING.value)
ERROR_MAX = 2000


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    base_seconds: int = 60  # 1, 2, 4, 8 … minutes between attempts
    max_backoff_seconds: int = 3600
    claim_seconds: int = 300  # how long a claim lasts before another worker may take the message
    batch: int = 100

    def backoff(self, attempts: int) -> timedelta:
        """The wait after the ``attempts``-th failed attempt."""
        return timedelta(seconds=min(self.base_seconds * 2 ** max(attempts - 1, 0), self.max_backoff_seconds))

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> RetryPolicy:
        return cls(max_attempts=env_int("MOTCUA_NOTIFY_MAX_ATTEMPTS", cls.max_attempts, env=env),
                   base_seconds=env_int("MOTCUA_NOTIFY_BACKOFF_SECONDS", cls.base_seconds, env=env))


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)


def deliver_due(ctx: EngineContext, senders: SenderRegistry, policy: RetryPolicy | None = None) -> DeliveryReport:
    policy = policy or RetryPolicy.from_env()
    report = DeliveryReport()
    now = ctx.now()
    with ctx.db.transaction() as session:
        due = list(session.scalars(
            select(Notification.id).where(Notification.status.in_(DELIVERABLE), Notification.next_attempt_at <= now)
            .order_by(Notification.next_attempt_at, Notification.id).limit(policy.batch)))
    for notification_id in due:
        _deliver_one(ctx, senders, policy, notification_id, report)
    return report


def _deliver_one(ctx: EngineContext, senders: SenderRegistry, policy: RetryPolicy, notification_id: int,
                 report: DeliveryReport) -> None:
    now = ctx.now()
    with ctx.db.transaction() as session:
        claimed = session.execute(
            update(Notification).where(Notification.id == notification_id, Notification.status.in_(DELIVERABLE),
                                       Notification.next_attempt_at <= now)
            .values(status=NotificationStatus.SENDING.value, attempts=Notification.attempts + 1,
                    next_attempt_at=now + timedelta(seconds=policy.claim_seconds)),
            execution_options={"synchronize_session": False}).rowcount
        if claimed != 1:
            report.skipped += 1  # another worker has it
            return
        row = session.get(Notification, notification_id)
        attempt = row.attempts
        message = OutboundMessage(row.id, row.key, row.channel, row.recipient, row.subject, row.body)
    try:
        senders.for_channel(message.channel).send(message)
    except Exception as error:  # any failure of a sender is one failed attempt, never the worker's end
        text = f"{type(error).__name__}: {error}"[:ERROR_MAX]
        log.warning("notification %s (%s) attempt %s failed: %s", message.id, message.channel, attempt, text)
        _finish(ctx, policy, notification_id, attempt, error=text, report=report)
    else:
        _finish(ctx, policy, notification_id, attempt, error=None, report=report)


def _finish(ctx: EngineContext, policy: RetryPolicy, notification_id: int, attempt: int, *, error: str | None,
            report: DeliveryReport) -> None:
    now = ctx.now()
    with ctx.db.transaction() as session:
        row = session.get(Notification, notification_id)
        if row.status != NotificationStatus.SENDING or row.attempts != attempt:
            report.skipped += 1  # our claim lapsed and another worker took over: its result counts
            return
        if error is None:
            row.status, row.sent_at = NotificationStatus.SENT.value, now
            report.sent += 1
            return
        row.last_error = error
        if attempt >= policy.max_attempts:
            row.status = NotificationStatus.FAILED.value
            report.failed += 1
            report.errors.append(f"notification {notification_id}: {error}")
        else:
            row.status, row.next_attempt_at = NotificationStatus.PENDING.value, now + policy.backoff(attempt)
            report.retried += 1
