"""Finding dossiers (issue 20, item 1): by any part of the code, the applicant's name with or without diacritics,
the ID number or the phone, through each database's full-text index (engine.db.models.search), narrowed by
procedure, status, agency, unit, channel, received and due dates and lateness; only dossiers the officer may
open (``engine.org.authz.view_scope``, the SQL form of ``check_view``); one read-only transaction.

Text is searched literally: the query is folded and cut into phrases (engine.dossiers.search_text) that are
passed as bound values, each quoted as one FTS5 string on SQLite and escaped for ``LIKE`` on PostgreSQL, so no
character of a query is ever syntax (``"``, ``*``, ``NEAR``, ``OR``, ``-``, ``:``, ``%``, ``_``, ``\\``).
Sorted by best match (the exact code first), then newest received; or newest, oldest, soonest due.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from sqlalchemy import Integer, Text, and_, case, column, func, literal, or_, select, table
from sqlalchemy.orm import Session

from engine.clock.calendar import LOCAL_TZ
from engine.context import EngineContext
from engine.db.models import Agency, Dossier, DossierSearch, Procedure, ProcedureVersion, Task, Unit
from engine.db.models.search import FTS_TABLE
from engine.dossiers.search_text import MAX_QUERY, MAX_TERMS, MIN_TERM, fold, phrases
from engine.enums import DOSSIER_STATUS_LABELS_VI, IN_PROCESS_STATUSES, Channel, DossierStatus, Outcome
from engine.errors import InvalidInput, parse_choice
from engine.inputs.policy import check_date, check_text
from engine.org.actors import Actor
from engine.org.audit import guarded_transaction
from engine.org.authz import Action, view_scope
from engine.paging import DEFAULT_PAGE_SIZE, check_paging

FTS = table(FTS_TABLE, column("rowid", Integer), column("body", Text))  # SQLite's full-text index
COUNT_CAP = 1000  # a search counts its matches up to here ("more than 1000": refine it), never the whole table


class Sort(StrEnum):
    RELEVANCE = "relevance"
    NEWEST = "newest"
    OLDEST = "oldest"
    DUE = "due"


@dataclass(frozen=True)
class Criteria:
    """What an officer asks for; every field optional. Dates are local calendar days, both ends included."""

    q: str = ""
    procedure: str | None = None  # procedure code
    statuses: tuple[str, ...] = ()
    agency: str | None = None  # agency code
    unit_id: int | None = None  # a unit that has (or had) a step of the dossier
    channel: str | None = None
    received_from: date | None = None
    received_to: date | None = None
    due_from: date | None = None
    due_to: date | None = None
    late: bool | None = None
    sort: str | None = None  # default: relevance with a text, newest without


@dataclass(frozen=True)
class SearchRow:
    code: str
    procedure_code: str
    procedure_name: str
    applicant_name: str
    status: str
    status_label: str
    channel: str
    agency_code: str
    agency_name: str
    received_at: datetime | None
    due_at: datetime
    resolved_at: datetime | None
    late: bool


@dataclass(frozen=True)
class SearchPage:
    rows: list[SearchRow]
    total: int  # matches, counted up to COUNT_CAP
    more: bool  # more than ``total`` match
    limit: int
    offset: int
    sort: str
    phrases: list[str] = field(default_factory=list)  # what was searched for, folded


def _problem(vi: str, en: str, field_name: str = "q") -> InvalidInput:
    return InvalidInput(vi, message_en=en, details={field_name: [f"{vi} / {en}"]})


def parse_query(q: str) -> list[str]:
    """The phrases of ``q``, or a clear refusal: too long, nothing to search, or too short for the index."""
    q = (q or "").strip()
    if not q:
        return []
    if len(q) > MAX_QUERY:
        raise _problem(f"Từ khóa tìm kiếm dài quá {MAX_QUERY} ký tự.",
                       f"The search text is longer than {MAX_QUERY} characters.")
    check_text(q, "q")
    found = phrases(q)
    if not found:
        raise _problem("Từ khóa tìm kiếm không có chữ hoặc số nào để tìm.",
                       "The search text has no letter or digit to search for.")
    if len(found) > MAX_TERMS:
        raise _problem(f"Từ khóa tìm kiếm có quá {MAX_TERMS} từ.", f"The search text has more than {MAX_TERMS} words.")
    if any(len(p) < MIN_TERM for p in found):
        raise _problem(f"Hãy nhập ít nhất {MIN_TERM} ký tự (một phần mã hồ sơ, họ tên, số CCCD hoặc số điện thoại).",
                       f"Type at least {MIN_TERM} characters (part of a dossier code, a name, an ID or a phone number).")
    return found


def _check(criteria: Criteria) -> Sort:
    for name in ("received", "due"):
        start, end = getattr(criteria, f"{name}_from"), getattr(criteria, f"{name}_to")
        for day, field_name in ((start, f"{name}_from"), (end, f"{name}_to")):
            if day is not None:
                check_date(day, field_name)
        if start is not None and end is not None and start > end:
            raise _problem(f"Khoảng ngày '{name}' không hợp lệ: ngày bắt đầu sau ngày kết thúc.",
                           f"Bad '{name}' date range: the start is after the end.", f"{name}_from")
    for status in criteria.statuses:
        parse_choice(DossierStatus, status, "Trạng thái", "status")
    if criteria.channel is not None:
        parse_choice(Channel, criteria.channel, "Kênh", "channel")
    for value, field_name in ((criteria.procedure, "procedure"), (criteria.agency, "agency")):
        if value is not None:
            check_text(value, field_name)
    default = Sort.RELEVANCE if criteria.q.strip() else Sort.NEWEST
    return parse_choice(Sort, criteria.sort, "Cách sắp xếp", "sort") if criteria.sort else default


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=LOCAL_TZ)


def _between(column, start: date | None, end: date | None) -> list:
    found = []
    if start is not None:
        found.append(column >= _day_start(start))
    if end is not None:
        found.append(column < _day_start(end + timedelta(days=1)))
    return found


def late_condition(now: datetime):
    """Late: decided after its statutory appointment, or still in process past its appointment (or flagged overdue
    by the sweep) while not paused for the citizen's supplement."""
    in_process = Dossier.status.in_([s.value for s in IN_PROCESS_STATUSES])
    return or_(func.coalesce(Dossier.outcome, "") == Outcome.LATE.value,  # never NULL: "not late" is its negation
               and_(in_process, Dossier.paused_at.is_(None), or_(Dossier.overdue.is_(True), Dossier.due_at < now)))


def _text_match(session: Session, phrase: str):
    """Dossiers with an index row containing ``phrase`` literally, through the database's full-text index."""
    if session.get_bind().dialect.name == "sqlite":
        # One FTS5 string: the phrase in double quotes, its own quotes doubled, so nothing in it is syntax.
        matched = select(FTS.c.rowid).where(FTS.c.body.op("MATCH")('"' + phrase.replace('"', '""') + '"'))
        rows = select(DossierSearch.dossier_id).where(DossierSearch.id.in_(matched))
    else:
        escaped = phrase.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        rows = select(DossierSearch.dossier_id).where(DossierSearch.body.like(f"%{escaped}%", escape="\\"))
    return Dossier.id.in_(rows)


def _conditions(session: Session, actor: Actor, criteria: Criteria, found: list[str], now: datetime) -> list:
    conditions = [view_scope(actor, session, per_dossier=bool(found))]  # a text narrows first: check its few
    conditions += [_text_match(session, phrase) for phrase in found]
    if criteria.procedure:
        conditions.append(Dossier.procedure_version_id.in_(
            select(ProcedureVersion.id).join(Procedure, ProcedureVersion.procedure_id == Procedure.id)
            .where(Procedure.code == criteria.procedure.strip())))
    if criteria.statuses:
        conditions.append(Dossier.status.in_(list(criteria.statuses)))
    if criteria.agency:
        conditions.append(Dossier.agency_id.in_(select(Agency.id).where(Agency.code == criteria.agency.strip())))
    if criteria.unit_id is not None:
        conditions.append(select(Task.id).where(Task.dossier_id == Dossier.id, Task.unit_id == criteria.unit_id)
                          .exists())
    if criteria.channel:
        conditions.append(Dossier.channel == criteria.channel)
    conditions += _between(Dossier.received_at, criteria.received_from, criteria.received_to)
    conditions += _between(Dossier.due_at, criteria.due_from, criteria.due_to)
    if criteria.late is not None:
        late = late_condition(now)
        conditions.append(late if criteria.late else ~late)
    return conditions


def _order(sort: Sort, q: str) -> tuple:
    if sort == Sort.OLDEST:
        return (Dossier.received_at, Dossier.id)
    if sort == Sort.DUE:
        return (Dossier.due_at, Dossier.id)
    newest = (Dossier.received_at.desc(), Dossier.id.desc())
    if sort == Sort.RELEVANCE and q:
        folded = fold(q)
        exact = case((func.lower(Dossier.code) == folded, 0), else_=1)
        return (exact, *newest)
    return newest


def search_dossiers(ctx: EngineContext, actor: Actor, criteria: Criteria, *, limit: int = DEFAULT_PAGE_SIZE,
                    offset: int = 0) -> SearchPage:
    check_paging(limit, offset)
    found = parse_query(criteria.q)
    sort = _check(criteria)
    now = ctx.now()
    with guarded_transaction(ctx, actor, Action.VIEW, "tìm kiếm hồ sơ", read_only=True) as session:
        where = and_(*_conditions(session, actor, criteria, found, now))
        counted = session.scalar(select(func.count()).select_from(
            select(literal(1)).select_from(Dossier).where(where).limit(COUNT_CAP + 1).subquery()))
        late = late_condition(now)
        rows = session.execute(
            select(Dossier.code, Procedure.code, Procedure.name, Dossier.applicant_name, Dossier.status,
                   Dossier.channel, Agency.code, Agency.name, Dossier.received_at, Dossier.submitted_at,
                   Dossier.due_at, Dossier.resolved_at, case((late, True), else_=False))
            .join(ProcedureVersion, Dossier.procedure_version_id == ProcedureVersion.id)
            .join(Procedure, ProcedureVersion.procedure_id == Procedure.id)
            .join(Agency, Dossier.agency_id == Agency.id)
            .where(where).order_by(*_order(sort, criteria.q.strip())).limit(limit).offset(offset)).all()
        result = [SearchRow(code, p_code, p_name, applicant, status, DOSSIER_STATUS_LABELS_VI[DossierStatus(status)],
                            channel, a_code, a_name,
                            received if status not in (DossierStatus.SUBMITTED.value,) else submitted,
                            due, resolved, bool(is_late))
                  for (code, p_code, p_name, applicant, status, channel, a_code, a_name, received, submitted, due,
                       resolved, is_late) in rows]
    return SearchPage(result, min(counted, COUNT_CAP), counted > COUNT_CAP, limit, offset, sort.value, found)


def search_units(ctx: EngineContext, actor: Actor) -> list[dict]:
    """The units an officer may filter by: those of their own agency."""
    with ctx.db.transaction(read_only=True) as session:
        return [{"id": unit_id, "code": code, "name": name} for unit_id, code, name in session.execute(
            select(Unit.id, Unit.code, Unit.name).where(Unit.agency_id == actor.agency_id).order_by(Unit.name))]


def search_procedures(ctx: EngineContext) -> list[tuple[str, str]]:
    """(code, name) of every procedure, for the procedure filter."""
    with ctx.db.transaction(read_only=True) as session:
        return [tuple(row) for row in session.execute(select(Procedure.code, Procedure.name).order_by(Procedure.name))]
