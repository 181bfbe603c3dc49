"""Helpers for the oversight tests: the outbox, escalations, a recording sender."""

from __future__ import annotations

from sqlalchemy import select

from engine.db.models import Escalation, Notification, User
from engine.notify.senders import OutboundMessage


def outbox(ctx, topic: str | None = None, dossier_id: int | None = None) -> list[Notification]:
    with ctx.db.transaction() as session:
        query = select(Notification).order_by(Notification.id)
        if topic:
            query = query.where(Notification.topic == topic)
        if dossier_id:
            query = query.where(Notification.dossier_id == dossier_id)
        return list(session.scalars(query))


def recipients(ctx, topic: str) -> list[str]:
    """Usernames (officers) or addresses (citizens) of the messages on one topic."""
    with ctx.db.transaction() as session:
        rows = session.execute(select(Notification.recipient, User.username).outerjoin(
            User, User.id == Notification.recipient_user_id).where(Notification.topic == topic)
            .order_by(Notification.id)).all()
    return [username or recipient for recipient, username in rows]


def escalations(ctx, kind: str | None = None) -> list[Escalation]:
    with ctx.db.transaction() as session:
        query = select(Escalation).order_by(Escalation.id)
        if kind:
            query = query.where(Escalation.kind == kind)
        return list(session.scalars(query))


class RecordingSender:
    """A fake sender: records what it was given; fails the first ``failures`` attempts."""

    def __init__(self, failures: int = 0):
        self.sent: list[OutboundMessage] = []
        self.attempts = 0
        self.failures = failures

    def send(self, message: OutboundMessage) -> None:
        self.attempts += 1
        if self.attempts <= self.failures:
            raise ConnectionError(f"simulated outage #{self.attempts}")
        self.sent.append(message)


class PluginSms:
    """An SMS sender loaded the way operators plug theirs in: MOTCUA_SMS_SENDER=module:factory."""

    messages: list[str] = []

    def send(self, message: OutboundMessage) -> None:
        PluginSms.messages.append(message.recipient)


def make_sms(env) -> PluginSms:
    return PluginSms()


# --- states the responsibility matrix needs ------------------------------------------------------

def late_step(ctx, task_id: int, with_action: bool = False) -> int:
    """Let the step run late and sweep: a nonconformity of the step's unit (with its cause and corrective
    action recorded by the unit's head when asked). Returns its id."""
    from datetime import timedelta

    from engine.db.models import Nonconformity, Task
    from engine.enums import Role
    from engine.notify.recipients import role_holders
    from engine.org.actors import Actor
    from engine.quality.nonconformities import record_corrective_action
    from engine.worker.sweep import sweep

    with ctx.db.transaction() as session:
        task = session.get(Task, task_id)
        due, agency_id, unit_id = task.due_at, task.agency_id, task.unit_id
    ctx.clock.now = due + timedelta(minutes=1)
    sweep(ctx)
    with ctx.db.transaction() as session:
        nc_id = session.scalar(select(Nonconformity.id).where(Nonconformity.task_id == task_id))
        head = Actor.of(role_holders(session, Role.UNIT_HEAD, agency_id, unit_id)[0])
    if with_action:
        record_corrective_action(ctx, head, nc_id, {"cause": "Thiếu người thụ lý", "corrective_action": "Bố trí thêm"})
    return nc_id


def nonconformity_of(ctx, task_id: int) -> int:
    from engine.db.models import Nonconformity

    with ctx.db.transaction() as session:
        return session.scalar(select(Nonconformity.id).where(Nonconformity.task_id == task_id))


def failed_message(ctx, code: str) -> int:
    """The applicant's receipt email marked failed (attempts exhausted): what an administrator retries."""
    from sqlalchemy import update

    from engine.db.models import Dossier

    with ctx.db.transaction() as session:
        dossier_id = session.scalar(select(Dossier.id).where(Dossier.code == code))
        message_id = session.scalar(select(Notification.id).where(Notification.dossier_id == dossier_id)
                                    .order_by(Notification.id))
        session.execute(update(Notification).where(Notification.id == message_id)
                        .values(status="failed", attempts=5, last_error="simulated"))
    return message_id
