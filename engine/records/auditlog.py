"""The logs auditors browse (DOMAIN §2, §4): dossiers' hash-chained event logs, with the chain's state
for every dossier on the page (engine.dossiers.events.verify_chain), and the security audit log (refused
attempts, administration). Auditors see their agency and every agency below it; paginated SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, or_, select

from engine.clock.calendar import LOCAL_TZ
from engine.context import EngineContext
from engine.db.models import Agency, AuditEntry, Dossier, Event, User
from engine.dossiers.events import verify_chain
from engine.enums import EventKind
from engine.errors import InvalidInput
from engine.inputs.policy import check_date, parse_day
from engine.org.actors import Actor
from engine.org.audit import guarded_transaction
from engine.org.auditchain import DailyDigest, compute_digest
from engine.org.authz import Action, audit_log_agencies
from engine.org.directory import agency_by_code
from engine.paging import check_paging

AUDIT_TARGET = "audit log"


@dataclass(frozen=True)
class LogPage:
    rows: list[dict]
    total: int
    limit: int
    offset: int
    chains: dict[str, list[str]]  # dossier code -> broken links (empty: the chain verifies)


def _day(value: date | str | None) -> date | None:
    if value is None:
        return value
    if isinstance(value, date):
        return check_date(value, "date")
    text = value.strip()
    if not text:
        return None
    return parse_day(text, "date")  # the input policy's format and range (engine.inputs.policy)


def _period(column, date_from: date | str | None, date_to: date | str | None) -> list:
    """Local calendar days, both ends included (dates or ISO strings from a query)."""
    date_from, date_to = _day(date_from), _day(date_to)
    if date_from and date_to and date_from > date_to:
        raise InvalidInput("Ngày bắt đầu phải trước hoặc bằng ngày kết thúc.",
                           message_en="The start date must not be after the end date.")
    where = []
    if date_from:
        where.append(column >= datetime.combine(date_from, time(), LOCAL_TZ))
    if date_to:
        where.append(column < datetime.combine(date_to + timedelta(days=1), time(), LOCAL_TZ))
    return where


def _kind(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return EventKind(value).value
    except ValueError:
        raise InvalidInput(f"Loại sự kiện '{value}' không hợp lệ.", message_en=f"Unknown event kind '{value}'.",
                           details={"kind": [k.value for k in EventKind]}) from None


def browse_events(ctx: EngineContext, actor: Actor, *, code: str | None = None, kind: str | None = None,
                  agency_code: str | None = None,
                  date_from: date | str | None = None, date_to: date | str | None = None, limit: int = 50,
                  offset: int = 0) -> LogPage:
    """Events newest first; ``code`` matches a dossier code or its beginning."""
    with guarded_transaction(ctx, actor, Action.VIEW_AUDIT_LOG, AUDIT_TARGET, read_only=True) as session:
        agency_id = agency_by_code(session, agency_code).id if agency_code else None
        agencies = audit_log_agencies(actor, session, agency_id)  # authority first: errors tell strangers nothing
        check_paging(limit, offset)
        kind = _kind(kind)
        where = [Dossier.agency_id.in_(agencies), *_period(Event.at, date_from, date_to)]
        if code:
            where.append(Dossier.code.startswith(code.strip(), autoescape=True))
        if kind:
            where.append(Event.kind == kind)
        base = select(Event, Dossier.code).join(Dossier, Dossier.id == Event.dossier_id).where(*where)
        total = session.scalar(select(func.count()).select_from(base.subquery()))
        page = session.execute(base.order_by(Event.at.desc(), Event.id.desc()).limit(limit).offset(offset)).all()
        rows = [{"dossier_code": c, "seq": e.seq, "kind": e.kind, "actor": e.actor_name, "at": e.at,
                 "payload": e.payload, "hash": e.hash, "prev_hash": e.prev_hash} for e, c in page]
        chains = {}
        for dossier in session.scalars(select(Dossier).where(Dossier.code.in_({c for _e, c in page}))):
            chains[dossier.code] = [str(link) for link in verify_chain(session, dossier)]
        return LogPage(rows, total, limit, offset, chains)


def browse_security_log(ctx: EngineContext, actor: Actor, *, denied_only: bool = False, agency_code: str | None = None,
                        date_from: date | str | None = None, date_to: date | str | None = None, limit: int = 50,
                        offset: int = 0) -> LogPage:
    """Entries by the officers of the auditor's agencies and entries concerning those agencies (an outsider's
    refused attempt on their dossiers); command-line (system) entries to the auditors of a top-level agency."""
    with guarded_transaction(ctx, actor, Action.VIEW_AUDIT_LOG, AUDIT_TARGET, read_only=True) as session:
        agency_id = agency_by_code(session, agency_code).id if agency_code else None
        agencies = audit_log_agencies(actor, session, agency_id)
        check_paging(limit, offset)
        top_level = agency_id is None and session.scalar(
            select(Agency.parent_id).where(Agency.id == actor.agency_id)) is None
        who = [User.agency_id.in_(agencies), AuditEntry.agency_id.in_(agencies)]  # by its officers, or on its dossiers
        who += [AuditEntry.actor_id.is_(None)] if top_level else []
        where = [or_(*who), *_period(AuditEntry.at, date_from, date_to)]
        if denied_only:
            where.append(AuditEntry.allowed.is_(False))
        base = select(AuditEntry).outerjoin(User, User.id == AuditEntry.actor_id).where(*where)
        total = session.scalar(select(func.count()).select_from(base.subquery()))
        rows = [{"id": a.id, "at": a.at, "actor": a.actor_name, "action": a.action, "target": a.target,
                 "allowed": a.allowed, "detail": a.detail}
                for a in session.scalars(base.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
                                         .limit(limit).offset(offset))]
        return LogPage(rows, total, limit, offset, {})


def daily_digest(ctx: EngineContext, actor: Actor | None, day: date | str) -> DailyDigest:
    """Every chain's head at the end of ``day`` (engine.org.auditchain.DailyDigest), for auditors to print and
    keep; ``None`` is the command line. Hashes and counts only: no dossier or person is named in it."""
    with guarded_transaction(ctx, actor, Action.VIEW_AUDIT_LOG, AUDIT_TARGET, read_only=True) as session:
        if actor is not None:
            audit_log_agencies(actor, session)
        return compute_digest(session, day, ctx.now())
