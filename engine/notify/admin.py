"""The outbox seen by administrators (their own agency; the command line sees everything): list and
filter messages, retry failed ones, and record an officer's contact for email."""

from __future__ import annotations

from marshmallow import Schema, fields, validate
from sqlalchemy import func, select

from engine.context import EngineContext
from engine.db.models import Dossier, Notification, Unit, User, UserContact
from engine.enums import NotificationStatus
from engine.errors import InvalidState, NotFound, parse_choice
from engine.inputs.schemas import load
from engine.org.actors import Actor
from engine.org.audit import audit, guarded_transaction
from engine.org.authz import Action, outbox_agency
from engine.org.directory import user_by_username
from engine.paging import DEFAULT_PAGE_SIZE, CountedPage, check_paging

OUTBOX_TARGET = "hộp thư đi"
CONTACTS_TARGET = "liên hệ cán bộ"


def _status(value: str | None) -> str | None:
    return parse_choice(NotificationStatus, value, "Trạng thái", "status").value if value else None


def list_outbox(ctx: EngineContext, actor: Actor | None, status: str | None = None, *, limit: int = DEFAULT_PAGE_SIZE,
                offset: int = 0) -> CountedPage:
    """Newest first. ``actor`` None is the server's operator at the command line."""
    with guarded_transaction(ctx, actor, Action.MANAGE_OUTBOX, OUTBOX_TARGET) as session:
        scope = [] if actor is None else [Notification.agency_id == outbox_agency(actor)]
        status = _status(status)  # after the authority check: a stranger learns nothing from errors
        check_paging(limit, offset)
        counts = dict(session.execute(select(Notification.status, func.count()).where(*scope)
                                      .group_by(Notification.status)).all())
        where = scope + ([Notification.status == status] if status else [])
        total = session.scalar(select(func.count()).select_from(Notification).where(*where))
        rows = session.execute(
            select(Notification, Dossier.code).outerjoin(Dossier, Dossier.id == Notification.dossier_id)
            .where(*where).order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit).offset(offset))
        return CountedPage([_row(n, code) for n, code in rows], total,
                           {s.value: counts.get(s.value, 0) for s in NotificationStatus}, limit, offset)


def _row(n: Notification, dossier_code: str | None) -> dict:
    return {"id": n.id, "key": n.key, "channel": n.channel, "topic": n.topic, "recipient": n.recipient,
            "dossier_code": dossier_code, "subject": n.subject, "body": n.body, "status": n.status,
            "attempts": n.attempts, "next_attempt_at": n.next_attempt_at, "last_error": n.last_error,
            "created_at": n.created_at, "sent_at": n.sent_at}


def retry(ctx: EngineContext, actor: Actor | None, notification_id: int) -> None:
    """A failed message gets a fresh round of attempts, starting now."""
    with guarded_transaction(ctx, actor, Action.MANAGE_OUTBOX, f"notification:{notification_id}") as session:
        row = session.get(Notification, notification_id)
        if actor is not None:
            outbox_agency(actor, row.agency_id if row is not None else None)
        if row is None:
            raise NotFound(f"Không có thông báo #{notification_id}.", message_en=f"No notification #{notification_id}.")
        if row.status != NotificationStatus.FAILED:
            raise InvalidState(f"Thông báo #{notification_id} không ở trạng thái lỗi ({row.status}); không cần gửi lại.",
                               message_en=f"Notification #{notification_id} is {row.status}, not failed.")
        row.status, row.attempts, row.next_attempt_at = NotificationStatus.PENDING.value, 0, ctx.now()
        audit(session, ctx, actor, "notification_retried", f"notification:{notification_id}", key=row.key)


def failed_ids(ctx: EngineContext) -> list[int]:
    with ctx.db.transaction() as session:
        return list(session.scalars(select(Notification.id).where(
            Notification.status == NotificationStatus.FAILED.value).order_by(Notification.id)))


class ContactSchema(Schema):
    email = fields.Email(load_default=None, allow_none=True)
    phone = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(r"^[0-9+ .()-]{6,20}$"))


def set_contact(ctx: EngineContext, username: str, payload: dict, actor: Actor | None = None) -> None:
    """Where an officer gets email (and SMS); both empty removes the contact. Administrators only."""
    req = load(ContactSchema, payload)
    with guarded_transaction(ctx, actor, Action.MANAGE_OUTBOX, username) as session:
        if actor is not None:
            outbox_agency(actor)
        user = user_by_username(session, username)
        if actor is not None:
            outbox_agency(actor, user.agency_id)
        row = session.get(UserContact, user.id)
        if not req["email"] and not req["phone"]:
            if row is not None:
                session.delete(row)
        elif row is None:
            session.add(UserContact(user_id=user.id, email=req["email"], phone=req["phone"], updated_at=ctx.now()))
        else:
            row.email, row.phone, row.updated_at = req["email"], req["phone"], ctx.now()
        audit(session, ctx, actor, "contact_set", username, email=req["email"], phone=req["phone"])


def list_contacts(ctx: EngineContext, actor: Actor) -> list[dict]:
    """The active officers of the administrator's agency, with where each receives email and SMS."""
    with guarded_transaction(ctx, actor, Action.MANAGE_OUTBOX, CONTACTS_TARGET, read_only=True) as session:
        agency_id = outbox_agency(actor)
        rows = session.execute(
            select(User.username, User.full_name, Unit.name, UserContact.email, UserContact.phone)
            .outerjoin(Unit, Unit.id == User.unit_id).outerjoin(UserContact, UserContact.user_id == User.id)
            .where(User.agency_id == agency_id, User.active.is_(True)).order_by(User.username))
        return [{"username": u, "full_name": n, "unit": unit, "email": e, "phone": p} for u, n, unit, e, p in rows]
