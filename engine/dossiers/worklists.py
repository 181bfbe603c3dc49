"""The one-stop desk's worklists beside its inbox (DOMAIN §3): what waits at the desk once the steps are done or
before they start. Results to hand back (resolved or refused, not yet handed back), dossiers waiting for the
citizen's supplement (what was asked, since when, in working days), online submissions waiting for the
completeness check, and what was received today. Indexed queries over the dossiers table (agency, status),
never a workflow deserialised; the desk sees its own agency's dossiers, the rule in engine/org/authz.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum

from sqlalchemy import and_, func, select

from engine.clock.calendar import LOCAL_TZ
from engine.clock.durations import MINUTES_PER_WORKING_DAY
from engine.context import EngineContext
from engine.db.models import Dossier, Event, Procedure, ProcedureVersion
from engine.dossiers.actions import HANDED_BACK_FROM
from engine.enums import DossierStatus, EventKind
from engine.errors import parse_choice
from engine.org.actors import Actor
from engine.org.audit import guarded_transaction
from engine.org.authz import Action, check_desk_worklists
from engine.org.directory import agency_by_code
from engine.paging import DEFAULT_PAGE_SIZE, check_paging


class Worklist(StrEnum):
    TO_HAND_BACK = "to_hand_back"
    AWAITING_SUPPLEMENT = "awaiting_supplement"
    TO_CHECK = "to_check"
    RECEIVED_TODAY = "received_today"


WORKLIST_LABELS_VI = {  # tab order
    Worklist.TO_HAND_BACK: "Chờ trả kết quả",
    Worklist.AWAITING_SUPPLEMENT: "Chờ công dân bổ sung",
    Worklist.TO_CHECK: "Nộp trực tuyến chờ kiểm tra",
    Worklist.RECEIVED_TODAY: "Tiếp nhận hôm nay",
}
WAITING_FOR_CITIZEN = frozenset({DossierStatus.AWAITING_SUPPLEMENT, DossierStatus.INCOMPLETE})


@dataclass(frozen=True)
class WorklistRow:
    code: str
    procedure_name: str
    applicant_name: str
    status: str
    received_at: datetime | None
    submitted_at: datetime | None
    due_at: datetime
    resolved_at: datetime | None
    overdue: bool
    asked: dict | None = None  # awaiting supplement: reason, missing, since, working_days


@dataclass(frozen=True)
class WorklistPage:
    worklist: Worklist
    rows: list[WorklistRow]
    total: int
    limit: int
    offset: int


def _today(now: datetime) -> tuple[datetime, datetime]:
    local = now.astimezone(LOCAL_TZ).date()
    start = datetime.combine(local, time(0), tzinfo=LOCAL_TZ)
    return start, start + timedelta(days=1)


def _condition(worklist: Worklist, agency_id: int, now: datetime):
    mine = Dossier.agency_id == agency_id
    if worklist == Worklist.TO_HAND_BACK:
        return and_(mine, Dossier.status.in_([s.value for s in HANDED_BACK_FROM]), Dossier.returned_at.is_(None))
    if worklist == Worklist.AWAITING_SUPPLEMENT:
        return and_(mine, Dossier.status.in_([s.value for s in WAITING_FOR_CITIZEN]))
    if worklist == Worklist.TO_CHECK:
        return and_(mine, Dossier.status == DossierStatus.SUBMITTED.value)
    start, end = _today(now)
    return and_(mine, Dossier.received_at >= start, Dossier.received_at < end,
                Dossier.status.notin_([DossierStatus.SUBMITTED.value, DossierStatus.INCOMPLETE.value]))


def _order(worklist: Worklist):
    if worklist == Worklist.TO_HAND_BACK:
        return (Dossier.resolved_at, Dossier.id)
    if worklist == Worklist.TO_CHECK:
        return (Dossier.submitted_at, Dossier.id)
    if worklist == Worklist.RECEIVED_TODAY:
        return (Dossier.received_at.desc(), Dossier.id.desc())
    return (Dossier.paused_at, Dossier.id)


def parse_worklist(value: str | Worklist) -> Worklist:
    return parse_choice(Worklist, value, "Danh sách", "worklist")


def _requests(session, dossier_ids: list[int]) -> dict[int, Event]:
    """The latest supplement request of each dossier on the page: what the citizen was asked for."""
    if not dossier_ids:
        return {}
    latest = (select(Event.dossier_id, func.max(Event.seq).label("seq"))
              .where(Event.dossier_id.in_(dossier_ids), Event.kind == EventKind.SUPPLEMENT_REQUESTED.value)
              .group_by(Event.dossier_id).subquery())
    rows = session.scalars(select(Event).join(latest, and_(Event.dossier_id == latest.c.dossier_id,
                                                           Event.seq == latest.c.seq)))
    return {event.dossier_id: event for event in rows}


def _agency(session, actor: Actor, agency_code: str | None) -> int:
    agency_id = actor.agency_id if agency_code is None else agency_by_code(session, agency_code).id
    check_desk_worklists(actor, agency_id)
    return agency_id


def list_worklist(ctx: EngineContext, actor: Actor, worklist: str | Worklist, *, limit: int = DEFAULT_PAGE_SIZE,
                  offset: int = 0, agency_code: str | None = None) -> WorklistPage:
    """One worklist of the desk's agency (``agency_code``: the actor's own unless named; another is refused)."""
    worklist = parse_worklist(worklist)
    check_paging(limit, offset)
    now = ctx.now()
    calendar = ctx.calendar() if worklist == Worklist.AWAITING_SUPPLEMENT else None
    with guarded_transaction(ctx, actor, Action.VIEW_WORKLISTS, agency_code or "", read_only=True) as session:
        condition = _condition(worklist, _agency(session, actor, agency_code), now)
        total = session.scalar(select(func.count()).select_from(Dossier).where(condition))
        found = list(session.execute(
            select(Dossier, Procedure.name)
            .join(ProcedureVersion, Dossier.procedure_version_id == ProcedureVersion.id)
            .join(Procedure, ProcedureVersion.procedure_id == Procedure.id)
            .where(condition).order_by(*_order(worklist)).limit(limit).offset(offset)))
        asked = _requests(session, [d.id for d, _ in found]) if calendar is not None else {}
        rows = []
        for dossier, procedure_name in found:
            request = asked.get(dossier.id)
            detail = None
            if request is not None:
                since = dossier.paused_at or request.at
                detail = {"reason": request.payload.get("reason", ""), "missing": request.payload.get("missing", []),
                          "since": since,
                          "working_days": round(calendar.working_minutes_between(since, now)
                                                / MINUTES_PER_WORKING_DAY, 1)}
            rows.append(WorklistRow(
                dossier.code, procedure_name, dossier.applicant_name, dossier.status,
                dossier.received_at if dossier.status != DossierStatus.SUBMITTED.value else None,
                dossier.submitted_at, dossier.due_at, dossier.resolved_at,
                dossier.status not in {s.value for s in HANDED_BACK_FROM | WAITING_FOR_CITIZEN}
                and dossier.due_at < now, detail))
        return WorklistPage(worklist, rows, total, limit, offset)


def worklist_counts(ctx: EngineContext, actor: Actor, agency_code: str | None = None) -> dict[str, int]:
    now = ctx.now()
    with guarded_transaction(ctx, actor, Action.VIEW_WORKLISTS, agency_code or "", read_only=True) as session:
        agency_id = _agency(session, actor, agency_code)
        return {w.value: session.scalar(select(func.count()).select_from(Dossier).where(_condition(w, agency_id, now)))
                for w in Worklist}
