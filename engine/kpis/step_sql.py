"""Step KPIs as SQL over the tasks table: where the working time goes (per BPMN step of each procedure) and
which units hold overdue work. Steps are counted in the agency where they ran (a step's lane may route to
an agency above the dossier's)."""

from __future__ import annotations

from sqlalchemy import and_, case, func, or_, select

from engine.db.models import Agency, Dossier, Procedure, ProcedureVersion, Task, Unit
from engine.enums import OPEN_TASK_STATES, Outcome, TaskState
from engine.kpis.definitions import hours
from engine.kpis.dossier_sql import percentile, procedure_versions, ranked
from engine.kpis.scope import Scope

STEP_COUNTS = ("open_steps", "overdue_steps", "finished_steps", "late_steps")
NO_UNIT_LABEL_VI = "Không gắn đơn vị (lãnh đạo cơ quan, tiếp nhận trực tuyến)"


def _step_scope(scope: Scope) -> list:
    conditions = [Task.agency_id.in_(scope.agency_ids)]
    if scope.unit:
        conditions.append(Task.unit_id == scope.unit.id)
    if scope.procedure:
        conditions.append(Task.dossier_id.in_(
            select(Dossier.id).where(Dossier.procedure_version_id.in_(procedure_versions(scope.procedure.id)))))
    return conditions


def _finished_in_period(scope: Scope) -> list:
    return [Task.state == TaskState.COMPLETED.value, Task.finished_at >= scope.period.start,
            Task.finished_at < scope.period.end]


def bottlenecks(session, scope: Scope) -> list[dict]:
    """Per procedure and step: steps finished in the period, late ones, and the working time from hand-over to
    completion (pauses excluded): total, average and 90th percentile; the largest total first."""
    rows = ranked(
        select(ProcedureVersion.procedure_id.label("procedure_id"), Task.step_id.label("step_id"),
               Task.step_name.label("step_name"), Task.working_minutes.label("wm"), Task.outcome.label("outcome"))
        .select_from(Task).join(Dossier, Dossier.id == Task.dossier_id)
        .join(ProcedureVersion, ProcedureVersion.id == Dossier.procedure_version_id)
        .where(*_step_scope(scope), *_finished_in_period(scope), Task.working_minutes.is_not(None)).subquery(),
        ["procedure_id", "step_id"], "wm")
    stmt = (select(Procedure.code, Procedure.name, rows.c.step_id, func.max(rows.c.step_name), func.count(),
                   func.sum(case((rows.c.outcome == Outcome.LATE.value, 1), else_=0)), func.avg(rows.c.wm),
                   func.sum(rows.c.wm), percentile(rows, "wm"))
            .select_from(rows).join(Procedure, Procedure.id == rows.c.procedure_id)
            .group_by(Procedure.code, Procedure.name, rows.c.step_id))
    result = [
        {"procedure_code": code, "procedure_name": name, "step_id": step_id, "step_name": step_name,
         "finished": int(count), "late": int(late), "avg_hours": hours(float(avg)), "p90_hours": hours(p),
         "total_hours": hours(int(total))}
        for code, name, step_id, step_name, count, late, avg, total, p in session.execute(stmt)
    ]
    return sorted(result, key=lambda r: (-r["total_hours"], r["procedure_code"], r["step_id"]))


def open_steps(session, scope: Scope) -> list[tuple]:
    """(unit id, open steps, overdue now) per unit: live, on the indexed open rows."""
    overdue = or_(Task.overdue.is_(True), and_(Task.paused.is_(False), Task.due_at < scope.now))
    return session.execute(select(Task.unit_id, func.count(), func.sum(case((overdue, 1), else_=0)))
                           .where(*_step_scope(scope), Task.state.in_([s.value for s in OPEN_TASK_STATES]))
                           .group_by(Task.unit_id)).all()


def finished_steps(session, scope: Scope) -> list[tuple]:
    """(unit id, steps finished in the period, late ones) per unit."""
    return session.execute(
        select(Task.unit_id, func.count(), func.sum(case((Task.outcome == Outcome.LATE.value, 1), else_=0)))
        .where(*_step_scope(scope), *_finished_in_period(scope)).group_by(Task.unit_id)).all()


def units(session, scope: Scope, finished=finished_steps) -> list[dict]:
    """Per unit: open steps and those overdue now (as the inbox marks them), and steps finished in the period
    and how many of them late; units with overdue work first. ``finished`` gives the period's part."""
    figures: dict = {}
    for unit_id, count, late in open_steps(session, scope):
        figures.setdefault(unit_id, {})["open_steps"], figures[unit_id]["overdue_steps"] = int(count), int(late)
    for unit_id, count, late in finished(session, scope):
        figures.setdefault(unit_id, {})["finished_steps"], figures[unit_id]["late_steps"] = int(count), int(late)
    ids = [u for u in figures if u is not None]
    names = {row.id: row for row in session.execute(
        select(Unit.id, Unit.code, Unit.name, Agency.code.label("agency_code"))
        .join(Agency, Agency.id == Unit.agency_id).where(Unit.id.in_(ids)))} if ids else {}
    result = []
    for unit_id, values in figures.items():
        unit = names.get(unit_id)
        result.append({"unit_code": unit.code if unit else None, "unit_name": unit.name if unit else NO_UNIT_LABEL_VI,
                       "agency_code": unit.agency_code if unit else None,
                       **{k: values.get(k, 0) for k in STEP_COUNTS}})
    return sorted(result, key=lambda r: (-r["overdue_steps"], -r["late_steps"], r["unit_code"] is None,
                                         r["unit_code"] or ""))
