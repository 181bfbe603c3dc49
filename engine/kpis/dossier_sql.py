"""Dossier KPIs as SQL over the dossiers table (with its tasks and events): one aggregate query per family
of figures, grouped by the database. Each query selects the group key and raw columns in a subquery and
aggregates outside it, so GROUP BY names a plain column on SQLite and PostgreSQL alike."""

from __future__ import annotations

from sqlalchemy import and_, case, exists, func, literal, or_, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql import ColumnElement, Subquery

from engine.db.models import Dossier, Event, ProcedureVersion, Task
from engine.enums import IN_PROCESS_STATUSES, Channel, DossierStatus, EventKind, Outcome
from engine.kpis.definitions import NOW_KPIS, PERCENTILE, Kpi
from engine.kpis.params import GroupBy
from engine.kpis.scope import Scope

TOTAL = None  # the grouping of the totals row
PERCENTILE_TENTHS = round(PERCENTILE * 10)


def procedure_versions(procedure_id: int):
    return select(ProcedureVersion.id).where(ProcedureVersion.procedure_id == procedure_id)


def in_scope(scope: Scope) -> list[ColumnElement]:
    """The filters every dossier figure shares: the agencies, the procedure, the unit it passed through."""
    conditions = [Dossier.agency_id.in_(scope.agency_ids)]
    if scope.procedure:
        conditions.append(Dossier.procedure_version_id.in_(procedure_versions(scope.procedure.id)))
    if scope.unit:
        step = aliased(Task)  # its own name: the unit grouping joins tasks too
        conditions.append(exists().where(step.dossier_id == Dossier.id, step.unit_id == scope.unit.id))
    return conditions


def month_index(column, scope: Scope):
    """The index of the local month an instant falls in (instants are already within the period)."""
    return case(*[(column < month.end, literal(i)) for i, month in enumerate(scope.period.months)], else_=None)


def keyed(scope: Scope, grouping: GroupBy | None, instant, *columns, where=(), outer=None) -> Subquery:
    """Rows in scope with their group key ``k``: the month of ``instant``, the procedure, or each unit the
    dossier passed through (a dossier counts once in every unit that handled a step of it). ``outer`` is a
    LEFT JOIN (table, condition) that some columns read from."""
    join = None
    if grouping == GroupBy.MONTH:
        key = month_index(instant, scope)
    elif grouping == GroupBy.PROCEDURE:
        key = ProcedureVersion.procedure_id
        join = (ProcedureVersion, ProcedureVersion.id == Dossier.procedure_version_id)
    elif grouping == GroupBy.UNIT:  # the dossier's steps, one row per (dossier, unit)
        on = [Task.dossier_id == Dossier.id, Task.unit_id.is_not(None)]
        if scope.unit:
            on.append(Task.unit_id == scope.unit.id)
        key, join = Task.unit_id, (Task, and_(*on))
        columns = (Dossier.id.label("dossier_id"), *columns)
    else:
        key = literal(0)
    stmt = select(key.label("k"), *columns).select_from(Dossier)
    if join is not None:
        stmt = stmt.join(*join)
    if grouping == GroupBy.UNIT:
        stmt = stmt.distinct()
    if outer is not None:
        stmt = stmt.outerjoin(*outer)
    return stmt.where(*in_scope(scope), *where).subquery()


def _count_if(condition) -> ColumnElement:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _rows(session, stmt) -> dict:
    return {row[0]: row[1:] for row in session.execute(stmt)}


def received(session, scope: Scope, grouping: GroupBy | None) -> dict:
    """Dossiers legally received in the period (received_by is set at receipt, for both channels), by
    channel, and how many of them needed a supplement after receipt."""
    # The last request of each dossier asked since the period began (an index range on events.kind, at): a
    # request at or after the legal receipt is a supplement during processing (before-receipt ones precede it).
    requests = (select(Event.dossier_id, func.max(Event.at).label("last")).where(
        Event.kind == EventKind.SUPPLEMENT_REQUESTED.value, Event.at >= scope.period.start)
        .group_by(Event.dossier_id).subquery())
    rows = keyed(scope, grouping, Dossier.received_at, Dossier.channel.label("channel"),
                 case((requests.c.last >= Dossier.received_at, 1), else_=0).label("supplemented"),
                 where=(Dossier.received_by_id.is_not(None), Dossier.received_at >= scope.period.start,
                        Dossier.received_at < scope.period.end),
                 outer=(requests, requests.c.dossier_id == Dossier.id))
    stmt = select(rows.c.k, func.count(), *(_count_if(rows.c.channel == c.value) for c in
                                            (Channel.DESK, Channel.ONLINE, Channel.POSTAL)),
                  func.coalesce(func.sum(rows.c.supplemented), 0)).group_by(rows.c.k)
    names = (Kpi.RECEIVED, Kpi.RECEIVED_DESK, Kpi.RECEIVED_ONLINE, Kpi.RECEIVED_POSTAL, Kpi.SUPPLEMENTED)
    return {k: dict(zip(names, (int(v) for v in values))) for k, values in _rows(session, stmt).items()}


def _resolved_where(scope: Scope):
    return (Dossier.outcome.is_not(None), Dossier.resolved_at >= scope.period.start,
            Dossier.resolved_at < scope.period.end)


def ranked(rows: Subquery, partition: list[str], value: str) -> Subquery:
    """``rows`` with ``rn``, the rank of ``value`` within its partition (NULLs last), and ``n``, the number of
    non-NULL values in it: what a percentile is picked from, in the same pass as the other aggregates."""
    keys, v = [rows.c[name] for name in partition], rows.c[value]
    return select(rows, func.row_number().over(partition_by=keys, order_by=v.asc().nulls_last()).label("rn"),
                  func.count(v).over(partition_by=keys).label("n")).subquery()


def percentile(rows: Subquery, value: str) -> ColumnElement:
    """Nearest rank over a ``ranked`` subquery: the first value (in order) whose rank reaches PERCENTILE of the
    partition's non-NULL values. Window functions, so portable between SQLite and PostgreSQL."""
    v = rows.c[value]
    return func.min(case((and_(v.is_not(None), rows.c.rn * 10 >= rows.c.n * PERCENTILE_TENTHS), v), else_=None))


def resolved(session, scope: Scope, grouping: GroupBy | None) -> dict:
    """Dossiers decided in the period (a result or a refusal), early / on time / late against the statutory
    due date, with their working minutes (average, 90th percentile) and paused minutes."""
    rows = ranked(keyed(scope, grouping, Dossier.resolved_at, Dossier.outcome.label("outcome"),
                        Dossier.status.label("status"), Dossier.working_minutes.label("wm"),
                        Dossier.paused_minutes.label("paused"), where=_resolved_where(scope)), ["k"], "wm")
    stmt = select(rows.c.k, func.count(), *(_count_if(rows.c.outcome == o.value) for o in Outcome),
                  _count_if(rows.c.status == DossierStatus.REFUSED.value), _count_if(rows.c.paused > 0),
                  func.avg(rows.c.wm), percentile(rows, "wm"), func.sum(rows.c.paused)).group_by(rows.c.k)
    result = {}
    for k, (count, early, on_time, late, refused, paused_dossiers, avg, p90, paused) in _rows(session, stmt).items():
        result[k] = {Kpi.RESOLVED: int(count), Kpi.EARLY: int(early), Kpi.ON_TIME: int(on_time), Kpi.LATE: int(late),
                     Kpi.REFUSED: int(refused), Kpi.PAUSED_DOSSIERS: int(paused_dossiers),
                     "avg_minutes": None if avg is None else float(avg),
                     "p90_minutes": None if p90 is None else int(p90),
                     "paused_minutes": None if paused is None else int(paused)}
    return result


def open_now() -> ColumnElement:
    """Received and not yet decided."""
    return Dossier.status.in_([s.value for s in IN_PROCESS_STATUSES])


def overdue_now(now) -> ColumnElement:
    """Past the statutory due date (a paused dossier is overdue if it already was when paused)."""
    return or_(and_(Dossier.paused_at.is_(None), Dossier.statutory_due_at < now),
               and_(Dossier.paused_at.is_not(None), Dossier.statutory_due_at < Dossier.paused_at))


def now_open(session, scope: Scope, grouping: GroupBy | None) -> dict:
    """Received and not yet decided, now: how many, how many past the statutory due date (a paused
    dossier is overdue if it already was when paused), how many paused."""
    overdue, paused = now_flags(scope.now)
    rows = keyed(scope, grouping, None, overdue.label("overdue"), paused.label("paused"), where=(open_now(),))
    stmt = select(rows.c.k, func.count(), func.coalesce(func.sum(rows.c.overdue), 0),
                  func.coalesce(func.sum(rows.c.paused), 0)).group_by(rows.c.k)
    return {k: dict(zip(NOW_KPIS, (int(v) for v in values))) for k, values in _rows(session, stmt).items()}


def now_flags(now) -> tuple[ColumnElement, ColumnElement]:
    """1 or 0 per open dossier: overdue now, paused now (NOW_KPIS after the count)."""
    return case((overdue_now(now), 1), else_=0), case((Dossier.paused_at.is_not(None), 1), else_=0)


def figure_parts(session, scope: Scope, grouping: GroupBy | None) -> dict:
    """Every family's results merged per group key: {key: {Kpi or measure name: value}}."""
    families = [received, resolved]
    if grouping != GroupBy.MONTH:  # "now" has no month
        families.append(now_open)
    merged: dict = {}
    for family in families:
        for key, values in family(session, scope, grouping).items():
            merged.setdefault(key, {}).update(values)
    return merged
