"""The KPI figures from the daily tallies (engine.db.models.kpi_tallies): the same results as the raw SQL of
dossier_sql / step_sql (engine.kpis.reference), read from a few thousand summed rows instead of every
dossier. The 90th percentiles come from the working-minute histograms, so they stay exact (nearest rank);
a subtree's whole months read the month roll-ups (engine.kpis.months). "Now" figures and open steps stay
live queries answered from covering indexes."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date

from sqlalchemy import case, func, literal, select

from engine.clock.calendar import LOCAL_TZ
from engine.db.models import Dossier, Procedure, ProcedureVersion
from engine.db.models.kpi_tallies import (
    NO_UNIT,
    WHOLE,
    KpiDossierDay,
    KpiDossierMinutes,
    KpiDossierMonthMinutes,
    KpiStepDay,
    KpiStepMinutes,
    KpiStepMonthMinutes,
)
from engine.kpis import dossier_sql, months, step_sql
from engine.kpis.definitions import NOW_KPIS, PERCENTILE, Kpi, hours
from engine.kpis.params import GroupBy
from engine.kpis.scope import Scope

RECEIVED_COLUMNS = {Kpi.RECEIVED: "received", Kpi.RECEIVED_DESK: "received_desk",
                    Kpi.RECEIVED_ONLINE: "received_online", Kpi.RECEIVED_POSTAL: "received_postal",
                    Kpi.SUPPLEMENTED: "supplemented"}
RESOLVED_COLUMNS = {Kpi.RESOLVED: "resolved", Kpi.EARLY: "early", Kpi.ON_TIME: "on_time", Kpi.LATE: "late",
                    Kpi.REFUSED: "refused", Kpi.PAUSED_DOSSIERS: "paused_dossiers"}
MEASURES = ("paused_minutes", "wm_count", "wm_sum")


def _dates(scope: Scope) -> tuple[date, date]:
    return scope.period.date_from, scope.period.date_to


def _month_of(day_column, scope: Scope):
    """The index of the period's month a local day falls in (days are already within the period)."""
    ends = [m.end.astimezone(LOCAL_TZ).date() for m in scope.period.months]
    return case(*[(day_column < end, literal(i)) for i, end in enumerate(ends)], else_=None)


def _scope_where(table, scope: Scope, days: tuple[date, date] | None = None) -> list:
    """The filters every tally table shares: the scope's agencies, the period's days (or ``days``), the
    procedure."""
    first, last = days or _dates(scope)
    where = [table.c.agency_id.in_(scope.agency_ids), table.c.day >= first, table.c.day < last]
    if scope.procedure:
        where.append(table.c.procedure_id == scope.procedure.id)
    return where


def _dossier_where(table, scope: Scope, grouping: GroupBy | None, days: tuple[date, date] | None = None) -> list:
    """The filters of a dossier tally table for this scope (the per-unit rows for a unit or by unit)."""
    where = _scope_where(table, scope, days)
    if scope.unit:
        where.append(table.c.unit_id == scope.unit.id)
    elif grouping == GroupBy.UNIT:
        where.append(table.c.unit_id != WHOLE)
    else:
        where.append(table.c.unit_id == WHOLE)
    return where


def nearest_rank(histogram: Counter) -> int | None:
    """The 90th percentile of a {value: count} multiset, by nearest rank as dossier_sql.percentile takes it."""
    n, seen = sum(histogram.values()), 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen * 10 >= n * round(PERCENTILE * 10):
            return value
    return None


def _histograms(session, table, where: list, keys: list) -> dict[tuple, Counter]:
    result: dict[tuple, Counter] = defaultdict(Counter)
    stmt = select(*keys, table.c.minutes, func.sum(table.c.count)).where(*where).group_by(*keys, table.c.minutes)
    for *key, minutes, count in session.execute(stmt):
        if count:
            result[tuple(key)][minutes] += int(count)
    return result


def _grouped(session, scope: Scope, grouping: GroupBy | None, keys_of) -> tuple[dict, dict]:
    """Summed counters and merged working-minute histograms per key (``keys_of(table)`` gives its columns)."""
    days, minutes = KpiDossierDay.__table__, KpiDossierMinutes.__table__
    keys = [k.label(f"k{i}") for i, k in enumerate(keys_of(days))]
    columns = [*RECEIVED_COLUMNS.values(), *RESOLVED_COLUMNS.values(), *MEASURES]
    stmt = (select(*keys, *(func.sum(days.c[c]).label(c) for c in columns))
            .where(*_dossier_where(days, scope, grouping)).group_by(*keys))
    sums = {tuple(row[:len(keys)]): {c: int(row._mapping[c] or 0) for c in columns} for row in session.execute(stmt)}
    if not any(s["wm_count"] for s in sums.values()):
        histograms: dict = {}
    elif grouping is None and scope.rollup_root is not None:  # the cube's (month, procedure) cells
        histograms = months.histograms(session, scope, KpiDossierMonthMinutes.__table__, minutes,
                                       lambda t: [t.c.procedure_id],
                                       lambda t, first, end: _dossier_where(t, scope, None, (first, end)))
    else:
        histograms = _histograms(session, minutes, _dossier_where(minutes, scope, grouping),
                                 [k.label(f"k{i}") for i, k in enumerate(keys_of(minutes))])
    return sums, histograms


def _cube(session, scope: Scope) -> tuple[dict, dict]:
    """Per (month, procedure): one pass over the tallies serves the totals, the months and the procedures."""
    cache = session.info.setdefault("kpi_tally_cubes", {})
    if scope not in cache:  # the cells' keys: (the period's month index, procedure id)
        cache[scope] = _grouped(session, scope, None, lambda t: [_month_of(t.c.day, scope), t.c.procedure_id])
    return cache[scope]


PROJECTIONS = {None: lambda key: 0, GroupBy.MONTH: lambda key: key[0], GroupBy.PROCEDURE: lambda key: key[1],
               GroupBy.UNIT: lambda key: key[0]}  # from a (month, procedure) cell, or a (unit,) one


def dossier_parts(session, scope: Scope, grouping: GroupBy | None) -> dict:
    """The received and resolved families per group key, as dossier_sql returns them."""
    if grouping == GroupBy.UNIT:
        cells, cell_histograms = _grouped(session, scope, grouping, lambda t: [t.c.unit_id])
        project = PROJECTIONS[GroupBy.UNIT]
    else:
        cells, cell_histograms = _cube(session, scope)
        project = PROJECTIONS[grouping]
    sums: dict = defaultdict(Counter)
    histograms: dict = defaultdict(Counter)
    for cell, values in cells.items():
        sums[project(cell)].update(values)
    for cell, histogram in cell_histograms.items():
        histograms[project(cell)].update(histogram)
    result: dict = {}
    for k, s in sums.items():
        parts = {}
        if s["received"]:
            parts.update({kpi: s[c] for kpi, c in RECEIVED_COLUMNS.items()})
        if s["resolved"]:
            parts.update({kpi: s[c] for kpi, c in RESOLVED_COLUMNS.items()})
            parts["avg_minutes"] = s["wm_sum"] / s["wm_count"] if s["wm_count"] else None
            parts["p90_minutes"] = nearest_rank(histograms[k]) if s["wm_count"] else None
            parts["paused_minutes"] = s["paused_minutes"]
        if parts:
            result[k] = parts
    return result


def _open_by_procedure(session, scope: Scope) -> dict:
    """dossier_sql.now_open by procedure, grouped by procedure version in the covering index
    (ix_dossiers_agency_status_due: no join, no table row read), versions mapped to procedures after."""
    overdue, paused = dossier_sql.now_flags(scope.now)
    stmt = (select(Dossier.procedure_version_id, func.count(), func.sum(overdue), func.sum(paused))
            .where(*dossier_sql.in_scope(scope), dossier_sql.open_now()).group_by(Dossier.procedure_version_id))
    rows = session.execute(stmt).all()
    if not rows:
        return {}
    procedure_of = dict(session.execute(select(ProcedureVersion.id, ProcedureVersion.procedure_id)
                                        .where(ProcedureVersion.id.in_([r[0] for r in rows]))).all())
    result: dict = defaultdict(Counter)
    for version, count, overdue, paused in rows:
        result[procedure_of[version]].update(dict(zip(NOW_KPIS, (int(count), int(overdue), int(paused)))))
    return {k: {kpi: values[kpi] for kpi in NOW_KPIS} for k, values in result.items()}


def now_open(session, scope: Scope, grouping: GroupBy | None) -> dict:
    """The live "now" figures (dossier_sql.now_open): one pass by procedure gives the totals too."""
    if grouping == GroupBy.UNIT:
        return dossier_sql.now_open(session, scope, grouping)
    cache = session.info.setdefault("kpi_now_by_procedure", {})
    if scope not in cache:
        cache[scope] = _open_by_procedure(session, scope)
    if grouping == GroupBy.PROCEDURE:
        return cache[scope]
    totals: Counter = Counter()
    for values in cache[scope].values():
        totals.update(values)
    return {0: {kpi: totals[kpi] for kpi in NOW_KPIS}} if cache[scope] else {}


def figure_parts(session, scope: Scope, grouping: GroupBy | None) -> dict:
    """Every family's results merged per group key, like dossier_sql.figure_parts."""
    merged = dossier_parts(session, scope, grouping)
    if grouping != GroupBy.MONTH:  # "now" has no month: live, on the open dossiers
        for key, values in now_open(session, scope, grouping).items():
            merged.setdefault(key, {}).update(values)
    return merged


def _step_where(table, scope: Scope, days: tuple[date, date] | None = None) -> list:
    where = _scope_where(table, scope, days)
    if scope.unit:
        where.append(table.c.unit_id == scope.unit.id)
    return where


def finished_steps(session, scope: Scope) -> list[tuple]:
    """(unit id or None, steps finished in the period, late ones) per unit, like step_sql.finished_steps."""
    steps = KpiStepDay.__table__
    stmt = (select(steps.c.unit_id, func.sum(steps.c.finished), func.sum(steps.c.late))
            .where(*_step_where(steps, scope)).group_by(steps.c.unit_id))
    return [(None if unit == NO_UNIT else unit, int(count), int(late))
            for unit, count, late in session.execute(stmt) if count]


def units(session, scope: Scope) -> list[dict]:
    return step_sql.units(session, scope, finished=finished_steps)


def bottlenecks(session, scope: Scope) -> list[dict]:
    """Per procedure and step, like step_sql.bottlenecks: finished steps with working minutes, late ones,
    total, average and 90th percentile; the largest total first."""
    steps, minutes = KpiStepDay.__table__, KpiStepMinutes.__table__
    stmt = (select(steps.c.procedure_id, steps.c.step_id, func.max(steps.c.step_name), func.sum(steps.c.wm_count),
                   func.sum(steps.c.wm_late), func.sum(steps.c.wm_sum))
            .where(*_step_where(steps, scope), steps.c.wm_count != 0)
            .group_by(steps.c.procedure_id, steps.c.step_id))
    sums = {(pid, step): (name, int(count), int(late), int(total))
            for pid, step, name, count, late, total in session.execute(stmt) if count}
    if not sums:
        return []
    if scope.rollup_root is None:
        p90s = _histograms(session, minutes, _step_where(minutes, scope), [minutes.c.procedure_id, minutes.c.step_id])
    else:  # the months' histograms merged
        p90s = defaultdict(Counter)
        for (_month, *key), histogram in months.histograms(
                session, scope, KpiStepMonthMinutes.__table__, minutes, lambda t: [t.c.procedure_id, t.c.step_id],
                lambda t, first, end: _step_where(t, scope, (first, end))).items():
            p90s[tuple(key)].update(histogram)
    procedures = dict((pid, (code, name)) for pid, code, name in session.execute(
        select(Procedure.id, Procedure.code, Procedure.name).where(Procedure.id.in_({p for p, _ in sums}))))
    result = []
    for (pid, step_id), (step_name, count, late, total) in sums.items():
        code, name = procedures[pid]
        result.append({"procedure_code": code, "procedure_name": name, "step_id": step_id, "step_name": step_name,
                       "finished": count, "late": late, "avg_hours": hours(total / count),
                       "p90_hours": hours(nearest_rank(p90s[(pid, step_id)])), "total_hours": hours(total)})
    return sorted(result, key=lambda r: (-r["total_hours"], r["procedure_code"], r["step_id"]))
