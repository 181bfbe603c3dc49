"""A dossier's marks: what it adds to the KPI tallies, read from its raw rows (the dossier, its steps, its
supplement requests) by exactly the rules of engine.kpis.dossier_sql / step_sql, and expanded into tally
rows (the daily ones, and the month roll-ups of every agency above its own: engine.kpis.lineage). Kept per dossier
(kpi_dossier_marks) so a change subtracts the old marks and adds the new ones."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, datetime

from sqlalchemy import bindparam, func, select

from engine.clock.calendar import LOCAL_TZ
from engine.db.models import Dossier, Event, ProcedureVersion, Task
from engine.db.models.kpi_tallies import (
    NO_UNIT,
    WHOLE,
    KpiDossierDay,
    KpiDossierMark,
    KpiDossierMinutes,
    KpiDossierMonthMinutes,
    KpiStepDay,
    KpiStepMinutes,
    KpiStepMonthMinutes,
)
from engine.db.types import UTCDateTime
from engine.enums import Channel, DossierStatus, EventKind, Outcome, TaskState
from engine.kpis.lineage import PARENT_COLUMNS, Lineage, with_parents

CHANNEL_COLUMNS = {Channel.DESK.value: "received_desk", Channel.ONLINE.value: "received_online",
                   Channel.POSTAL.value: "received_postal"}
OUTCOME_COLUMNS = {Outcome.EARLY.value: "early", Outcome.ON_TIME.value: "on_time", Outcome.LATE.value: "late"}
# Tables in the fixed order every writer updates them in (with rows in key order): no deadlock.
TABLES = (KpiDossierDay, KpiDossierMinutes, KpiStepDay, KpiStepMinutes, KpiDossierMonthMinutes, KpiStepMonthMinutes)
CHUNK = 500  # dossier ids per IN (...) list


def local_day(instant: datetime) -> date:
    return instant.astimezone(LOCAL_TZ).date()


def read(session, ids, stored: bool = False,
         lineage: Lineage | None = None) -> dict[int, dict] | tuple[dict[int, dict], dict[int, dict]]:
    """The marks of these dossiers from their raw rows (dossiers that do not exist have none); with
    ``stored``, also the marks kept for them (kpi_dossier_marks), read in the same statement. The agencies'
    lineages read on the way are added to ``lineage``."""
    ids = sorted(set(ids))
    new, old = {}, {}
    lineage = Lineage(session) if lineage is None else lineage
    for start in range(0, len(ids), CHUNK):
        _read_chunk(session, ids[start:start + CHUNK], new, old, lineage)
    return (new, old) if stored else new


# Built once (statement construction costs more than running them on the hot path).
_LAST_REQUEST = (select(func.max(Event.at)).where(Event.dossier_id == Dossier.id,
                                                  Event.kind == EventKind.SUPPLEMENT_REQUESTED.value).scalar_subquery())
_KEPT = select(KpiDossierMark.marks).where(KpiDossierMark.dossier_id == Dossier.id).scalar_subquery()
_DOSSIER_PART = with_parents(
    select(Dossier.id, Dossier.agency_id, ProcedureVersion.procedure_id, Dossier.received_by_id, Dossier.received_at,
           Dossier.channel, Dossier.outcome, Dossier.resolved_at, Dossier.status, Dossier.paused_minutes,
           Dossier.working_minutes, _LAST_REQUEST.label("last_request"), _KEPT.label("kept"))
    .join(ProcedureVersion, ProcedureVersion.id == Dossier.procedure_version_id), Dossier.agency_id)
_DOSSIER_PARENTS = slice(len(_DOSSIER_PART.selected_columns) - PARENT_COLUMNS, len(_DOSSIER_PART.selected_columns))
# One row per step (one with empty step columns for a dossier without steps): the dossier and its steps in one
# statement, so a use case's refresh reads its dossier once.
_MARKS_OF = with_parents(
    _DOSSIER_PART.add_columns(Task.id.label("step_row"), Task.agency_id.label("step_agency_id"),
                              Task.unit_id.label("step_unit_id"), Task.state.label("step_state"),
                              Task.finished_at.label("step_finished_at"), Task.step_id, Task.step_name,
                              Task.outcome.label("step_outcome"), Task.working_minutes.label("step_minutes"))
    .outerjoin(Task, Task.dossier_id == Dossier.id), Task.agency_id)
_IDS = bindparam("ids", expanding=True)
_MARKS, _MARKS_ONE = _MARKS_OF.where(Dossier.id.in_(_IDS)), _MARKS_OF.where(Dossier.id == bindparam("id"))
_KEPT_ONLY = select(KpiDossierMark.dossier_id, KpiDossierMark.marks).where(KpiDossierMark.dossier_id.in_(_IDS))


def _read_chunk(session, ids: list[int], new: dict, old: dict, lineage: Lineage) -> None:
    """One statement: the dossiers with their last supplement request, kept marks and steps (by exactly the
    rules of dossier_sql / step_sql); a second only for dossiers that no longer exist."""
    tasks, units, dossiers = defaultdict(list), defaultdict(set), {}
    conn = session.connection()  # Core rows, without the ORM's per-statement work
    statement, params = (_MARKS_ONE, {"id": ids[0]}) if len(ids) == 1 else (_MARKS, {"ids": ids})
    for row in conn.execute(statement, params):
        dossiers.setdefault(row.id, row)
        if row.step_row is None:
            continue
        lineage.learn(row.step_agency_id, row[-PARENT_COLUMNS:])
        if row.step_unit_id is not None:
            units[row.id].add(row.step_unit_id)
        if row.step_state == TaskState.COMPLETED.value and row.step_finished_at is not None:
            tasks[row.id].append([local_day(row.step_finished_at).isoformat(), row.step_agency_id,
                                  NO_UNIT if row.step_unit_id is None else row.step_unit_id, row.step_id,
                                  row.step_name, int(row.step_outcome == Outcome.LATE.value), row.step_minutes])
    for d in dossiers.values():
        lineage.learn(d.agency_id, d[_DOSSIER_PARENTS])
        received = None
        if d.received_by_id is not None and d.received_at is not None:
            last = d.last_request
            if isinstance(last, str):  # SQLite hands back a subquery's instant as text
                last = UTCDateTime().process_result_value(datetime.fromisoformat(last), None)
            received = [local_day(d.received_at).isoformat(), d.channel, int(last is not None and last >= d.received_at)]
        decided = None
        if d.outcome is not None and d.resolved_at is not None:
            decided = [local_day(d.resolved_at).isoformat(), d.outcome, int(d.status == DossierStatus.REFUSED.value),
                       d.paused_minutes or 0, d.working_minutes]
        new[d.id] = {"a": d.agency_id, "p": d.procedure_id, "u": sorted(units[d.id]), "r": received,
                     "d": decided, "t": sorted(tasks[d.id], key=lambda t: [str(v) for v in t])}
        if d.kept is not None:
            old[d.id] = json.loads(d.kept) if isinstance(d.kept, str) else d.kept
    missing = [i for i in ids if i not in new]  # deleted dossiers: their kept marks are subtracted
    if missing:
        old.update(conn.execute(_KEPT_ONLY, {"ids": missing}).all())


def expand(marks: dict | None, into: dict, lineage, sign: int = 1) -> None:
    """Add (or with sign -1 subtract) one dossier's marks to ``into``: {table: {key: {column: delta}}};
    ``lineage(agency)`` gives the agency and those above it, whose month roll-ups count it."""
    if not marks:
        return
    agency, procedure = marks["a"], marks["p"]
    days, minutes = into.setdefault(KpiDossierDay, {}), into.setdefault(KpiDossierMinutes, {})
    for unit in [WHOLE, *marks["u"]]:
        if marks["r"]:
            day, channel, supplemented = marks["r"]
            _add(days, (agency, date.fromisoformat(day), procedure, unit), sign, received=1,
                 supplemented=supplemented, **({CHANNEL_COLUMNS[channel]: 1} if channel in CHANNEL_COLUMNS else {}))
        if marks["d"]:
            day, outcome, refused, paused, wm = marks["d"]
            key = (agency, date.fromisoformat(day), procedure, unit)
            _add(days, key, sign, resolved=1, refused=refused, paused_dossiers=int(paused > 0), paused_minutes=paused,
                 **({OUTCOME_COLUMNS[outcome]: 1} if outcome in OUTCOME_COLUMNS else {}),
                 **({"wm_count": 1, "wm_sum": wm} if wm is not None else {}))
            if wm is not None:
                _add(minutes, (*key, wm), sign, count=1)
    if marks["d"] and marks["d"][4] is not None:  # the roll-ups hold every dossier once (no unit)
        month_minutes, month = into.setdefault(KpiDossierMonthMinutes, {}), _month(marks["d"][0])
        for root in lineage(agency)[1:]:
            _add(month_minutes, (root, month, procedure, marks["d"][4]), sign, count=1)
    steps, step_minutes = into.setdefault(KpiStepDay, {}), into.setdefault(KpiStepMinutes, {})
    step_month_minutes = into.setdefault(KpiStepMonthMinutes, {})
    for day, step_agency, unit, step_id, step_name, late, wm in marks["t"]:
        if wm is not None:
            month = _month(day)
            for root in lineage(step_agency)[1:]:
                _add(step_month_minutes, (root, month, procedure, step_id, wm), sign, count=1)
        day = date.fromisoformat(day)
        _add(steps, (step_agency, day, procedure, unit, step_id, step_name), sign, finished=1, late=late,
             **({"wm_count": 1, "wm_late": late, "wm_sum": wm} if wm is not None else {}))
        if wm is not None:
            _add(step_minutes, (step_agency, day, procedure, unit, step_id, wm), sign, count=1)


def _month(day: str) -> date:
    return date.fromisoformat(day).replace(day=1)


def _add(rows: dict, key: tuple, sign: int, **columns: int) -> None:
    row = rows.setdefault(key, {})
    for column, value in columns.items():
        if value:
            row[column] = row.get(column, 0) + sign * value


def nonzero(tallies: dict) -> dict:
    """The same tallies without the all-zero rows (a subtraction can leave them; they mean nothing)."""
    return {table: {key: {c: v for c, v in row.items() if v} for key, row in rows.items() if any(row.values())}
            for table, rows in tallies.items()}
