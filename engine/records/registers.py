"""An agency's registers over a period (DOMAIN §4): the tracking book (Form 07, one row per dossier received)
and the control slips of every dossier (Form 06, one row per hand-over), for printing and .xlsx export.

Both are SQL over the indexed dossier, task and event tables: a handful of queries whatever the number of
dossiers, and no workflow is ever deserialised."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import exists, select
from sqlalchemy.orm import aliased

from engine.clock.calendar import LOCAL_TZ
from engine.context import EngineContext
from engine.db.models import Agency, Dossier, Event, Procedure, ProcedureVersion, Task, Unit, User
from engine.enums import DossierStatus, EventKind, Role
from engine.errors import InvalidInput, NotFound
from engine.inputs.policy import parse_day
from engine.org.actors import Actor
from engine.org.audit import guarded_transaction
from engine.org.authz import Action, check_agency_records, record_agencies
from engine.records.forms import FORM_TITLES, Form

MAX_PERIOD_DAYS = 366
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")


@dataclass(frozen=True)
class Period:
    """Local calendar days, both ends included."""

    start: date
    end: date

    def utc_bounds(self) -> tuple[datetime, datetime]:
        """[start 00:00 local, the day after end 00:00 local) in UTC."""
        lower = datetime.combine(self.start, time(), LOCAL_TZ).astimezone(timezone.utc)
        upper = datetime.combine(self.end + timedelta(days=1), time(), LOCAL_TZ).astimezone(timezone.utc)
        return lower, upper


def _parse_day(text: str, field: str) -> date:
    return parse_day(text, field, DATE_FORMATS)  # the input policy's range (engine.inputs.policy)


def parse_period(start: str | None, end: str | None, today: date) -> Period:
    """From the query string: ``to`` defaults to today, ``from`` to the first day of ``to``'s month."""
    last = _parse_day(end, "to") if end else today
    first = _parse_day(start, "from") if start else last.replace(day=1)
    if first > last:
        raise InvalidInput(f"Ngày bắt đầu {first:%d/%m/%Y} sau ngày kết thúc {last:%d/%m/%Y}.",
                           message_en=f"The start date {first} is after the end date {last}.",
                           details={"from": ["after 'to'"]})
    if (last - first).days + 1 > MAX_PERIOD_DAYS:
        raise InvalidInput(f"Khoảng thời gian dài quá {MAX_PERIOD_DAYS} ngày; hãy chọn khoảng ngắn hơn.",
                           message_en=f"The period is longer than {MAX_PERIOD_DAYS} days; choose a shorter one.",
                           details={"to": [f"at most {MAX_PERIOD_DAYS} days after 'from'"]})
    return Period(first, last)


def _agency(session, actor: Actor, agency_code: str | None) -> Agency:
    agency = (session.scalar(select(Agency).where(Agency.code == agency_code)) if agency_code
              else session.get(Agency, actor.agency_id))
    if agency is None:
        raise NotFound(f"Không tìm thấy cơ quan '{agency_code}'.", message_en=f"No agency '{agency_code}'.")
    check_agency_records(actor, session, agency.id)
    return agency


def _received_in(agency: Agency, period: Period):
    """Dossiers of the agency legally received in the period (never those refused or withdrawn before receipt)."""
    lower, upper = period.utc_bounds()
    return (Dossier.agency_id == agency.id, Dossier.received_at >= lower, Dossier.received_at < upper,
            exists().where(Event.dossier_id == Dossier.id, Event.kind == EventKind.RECEIVED.value))


def _header(ctx: EngineContext, agency: Agency, period: Period, form: Form) -> dict:
    return {"form": form.value, "title": FORM_TITLES[form], "agency": agency.name, "agency_code": agency.code,
            "parent_agency": agency.parent.name if agency.parent else None, "from": period.start,
            "to": period.end, "generated_at": ctx.now()}


def readable_agencies(ctx: EngineContext, actor: Actor) -> list[dict]:
    """The agencies whose registers the actor may open (for the agency picker)."""
    with ctx.db.transaction(read_only=True) as session:
        ids = record_agencies(actor, session)
        rows = session.execute(select(Agency.code, Agency.name).where(Agency.id.in_(ids)).order_by(Agency.code))
        return [{"code": code, "name": name} for code, name in rows]


def tracking_book(ctx: EngineContext, actor: Actor, agency_code: str | None = None, start: str | None = None,
                  end: str | None = None) -> dict:
    """Form 07: one row per dossier received in the period, in order of receipt."""
    today = ctx.now().astimezone(LOCAL_TZ).date()
    period = parse_period(start, end, today)
    with guarded_transaction(ctx, actor, Action.VIEW_RECORDS, agency_code or "", read_only=True) as session:
        agency = _agency(session, actor, agency_code)
        transferred = (select(Task.ready_at).where(Task.dossier_id == Dossier.id, Task.role != Role.DESK.value)
                       .order_by(Task.ready_at).limit(1).correlate(Dossier).scalar_subquery())
        query = (select(Dossier.code, Dossier.applicant, Dossier.channel, Dossier.received_at, Dossier.due_at,
                        Dossier.statutory_due_at, Dossier.apology_issued_at, Dossier.resolved_at,
                        Dossier.returned_at, Dossier.status, Dossier.outcome, Dossier.closed_reason,
                        Procedure.code, Procedure.name, transferred.label("transferred_at"))
                 .join(ProcedureVersion, ProcedureVersion.id == Dossier.procedure_version_id)
                 .join(Procedure, Procedure.id == ProcedureVersion.procedure_id)
                 .where(*_received_in(agency, period)).order_by(Dossier.received_at, Dossier.code))
        rows = []
        for no, r in enumerate(session.execute(query), start=1):
            applicant = r.applicant or {}
            rows.append({
                "no": no, "code": r.code, "procedure_code": r[12], "procedure_name": r[13],
                "applicant_name": applicant.get("name", ""), "applicant_address": applicant.get("address") or "",
                "applicant_phone": applicant.get("phone") or "", "channel": r.channel, "sets": 1,
                "received_at": r.received_at, "due_at": r.due_at, "statutory_due_at": r.statutory_due_at,
                "apology_issued_at": r.apology_issued_at, "transferred_at": _aware(r.transferred_at),
                "resolved_at": None if r.status == DossierStatus.WITHDRAWN else r.resolved_at,
                "returned_at": r.returned_at, "status": r.status,
                "outcome": r.outcome, "closed_reason": r.closed_reason,
            })
        return {**_header(ctx, agency, period, Form.TRACKING_BOOK), "rows": rows}


def control_slips(ctx: EngineContext, actor: Actor, agency_code: str | None = None, start: str | None = None,
                  end: str | None = None) -> dict:
    """Form 06 of every dossier received in the period, flattened: one row per hand-over (step)."""
    today = ctx.now().astimezone(LOCAL_TZ).date()
    period = parse_period(start, end, today)
    with guarded_transaction(ctx, actor, Action.VIEW_RECORDS, agency_code or "", read_only=True) as session:
        agency = _agency(session, actor, agency_code)
        in_period = select(Dossier.id).where(*_received_in(agency, period))
        to_unit, assignee, finisher = aliased(Unit), aliased(User), aliased(User)
        query = (select(Task, Dossier.code, Dossier.applicant_name, Dossier.received_at, Dossier.due_at,
                        Procedure.name, to_unit.name, assignee.full_name, finisher.full_name)
                 .join(Dossier, Dossier.id == Task.dossier_id)
                 .join(ProcedureVersion, ProcedureVersion.id == Dossier.procedure_version_id)
                 .join(Procedure, Procedure.id == ProcedureVersion.procedure_id)
                 .outerjoin(to_unit, to_unit.id == Task.unit_id)
                 .outerjoin(assignee, assignee.id == Task.assignee_id)
                 .outerjoin(finisher, finisher.id == Task.finished_by_id)
                 .where(Task.dossier_id.in_(in_period))
                 .order_by(Dossier.received_at, Dossier.code, Task.ready_at, Task.id))
        results = session.execute(query).all()
        handovers = _handovers(session, in_period)
        names = _names(session, handovers)
        rows, block, previous = [], 0, None
        for task, code, applicant, received_at, due_at, procedure, unit_name, assignee_name, finisher_name in results:
            block = block + 1 if code == previous else 1
            previous = code
            handed = handovers.get(task.id, {})
            rows.append({
                "code": code, "applicant_name": applicant, "procedure_name": procedure, "received_at": received_at,
                "due_at": due_at, "block": block, "step_id": task.step_id, "step_name": task.step_name,
                "from_unit": names["units"].get(handed.get("from_unit_id")) or handed.get("from_lane"),
                "handed_by": names["users"].get(handed.get("actor_id")) or handed.get("actor_name"),
                "handed_at": task.ready_at, "to_unit": unit_name or task.lane, "received_by": assignee_name,
                "taken_at": task.claimed_at, "step_due_at": task.due_at, "finished_at": task.finished_at,
                "finished_by": finisher_name, "state": task.state, "outcome": task.outcome,
            })
        return {**_header(ctx, agency, period, Form.CONTROL_SLIP), "rows": rows}


def _handovers(session, dossier_ids) -> dict[int, dict]:
    """Task id -> who handed it over and from where (the HANDED_OVER event of that task)."""
    events = session.execute(select(Event.actor_id, Event.actor_name, Event.payload).where(
        Event.kind == EventKind.HANDED_OVER.value, Event.dossier_id.in_(dossier_ids)))
    return {payload.get("task_id"): {"actor_id": actor_id, "actor_name": actor_name,
                                     "from_unit_id": payload.get("from_unit_id"), "from_lane": payload.get("from_lane")}
            for actor_id, actor_name, payload in events}


def _names(session, handovers: dict[int, dict]) -> dict[str, dict]:
    unit_ids = {h["from_unit_id"] for h in handovers.values()} - {None}
    user_ids = {h["actor_id"] for h in handovers.values()} - {None}
    units = dict(session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(unit_ids))).all()) if unit_ids else {}
    users = dict(session.execute(select(User.id, User.full_name).where(User.id.in_(user_ids))).all()) if user_ids else {}
    return {"units": units, "users": users}


def _aware(value: datetime | None) -> datetime | None:
    """A scalar subquery may hand back the stored naive UTC value: make it aware like the columns."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value
