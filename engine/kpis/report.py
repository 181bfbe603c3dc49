"""The read-side use cases of reporting: a KPI report for a scope and period, and what the dashboard offers
to choose from. Each runs in one transaction, checked by engine.org.authz (refusals are audit-logged)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.context import EngineContext
from engine.db.models import Agency, Procedure, Unit
from engine.enums import Role
from engine.kpis import tally_read
from engine.kpis.definitions import INDICATORS_766, UNAVAILABLE_766, Kpi, figures
from engine.kpis.dossier_sql import TOTAL
from engine.kpis.params import GroupBy, KpiParams
from engine.kpis.scope import Named, Scope, resolve
from engine.org.actors import Actor
from engine.org.audit import guarded_transaction
from engine.org.authz import Action, report_agencies, report_unit_only


@dataclass(frozen=True)
class Group:
    key: str  # YYYY-MM, a procedure code or a unit code
    label: str
    figures: dict[Kpi, int | float | None]
    agency_code: str | None = None  # of a unit


@dataclass(frozen=True)
class KpiReport:
    generated_at: datetime
    date_from: date
    date_to: date  # exclusive
    agency: Named
    include_sub: bool
    procedure: Named | None
    unit: Named | None
    group_by: GroupBy
    totals: dict[Kpi, int | float | None]
    groups: list[Group]
    by_month: list[Group]
    units: list[dict]  # open / overdue steps now, finished / late steps in the period, per unit
    bottlenecks: list[dict]
    indicators_766: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ReportOptions:
    agencies: list[Named]
    units: list[Named]  # of the chosen agency
    procedures: list[Named]
    may_include_sub: bool
    unit_locked: bool  # a unit head sees their unit only


@dataclass(frozen=True)
class Dashboard:
    report: KpiReport
    options: ReportOptions


def _figures(parts: dict, with_now: bool = True) -> dict[Kpi, int | float | None]:
    return figures({k: v for k, v in parts.items() if isinstance(k, Kpi)},
                   {k: v for k, v in parts.items() if not isinstance(k, Kpi)}, with_now)


def _by_month(session: Session, scope: Scope, source) -> list[Group]:
    parts = source.figure_parts(session, scope, GroupBy.MONTH)
    return [Group(m.key, m.label, _figures(parts.get(i, {}), with_now=False))
            for i, m in enumerate(scope.period.months)]


def _by_procedure(session: Session, scope: Scope, source) -> list[Group]:
    parts = source.figure_parts(session, scope, GroupBy.PROCEDURE)
    procedures = session.execute(select(Procedure.id, Procedure.code, Procedure.name)
                                 .where(Procedure.id.in_(list(parts)))).all() if parts else []
    return [Group(code, name, _figures(parts[pid])) for pid, code, name in sorted(procedures, key=lambda p: p.code)]


def _by_unit(session: Session, scope: Scope, source) -> list[Group]:
    parts = source.figure_parts(session, scope, GroupBy.UNIT)
    units = session.execute(select(Unit.id, Unit.code, Unit.name, Agency.code).join(Agency, Agency.id == Unit.agency_id)
                            .where(Unit.id.in_(list(parts)))).all() if parts else []
    return [Group(code, name, _figures(parts[uid]), agency) for uid, code, name, agency in
            sorted(units, key=lambda u: (u[3], u.code))]


def _indicators(totals: dict, by_procedure: list[Group]) -> dict:
    """Decision 766/QĐ-TTg: the indicators computed from our records, and those that need data we lack."""
    available = [{"key": key, "label": label, "value": totals[kpi]} for key, label, kpi in INDICATORS_766]
    per_procedure = [{"procedure_code": g.key, "procedure_name": g.label, "resolved": g.figures[Kpi.RESOLVED],
                      "avg_hours": g.figures[Kpi.AVG_HOURS]} for g in by_procedure]
    unavailable = [{"key": key, "label": label, "reason": reason} for key, label, reason in UNAVAILABLE_766]
    return {"available": available, "avg_hours_by_procedure": per_procedure, "unavailable": unavailable}


def build(session: Session, scope: Scope, source=tally_read) -> KpiReport:
    """The report from ``source``: the KPI tallies, or the raw SQL of engine.kpis.reference (same figures)."""
    totals = _figures(source.figure_parts(session, scope, TOTAL).get(0, {}))
    by_month, by_procedure = _by_month(session, scope, source), _by_procedure(session, scope, source)
    groups = {GroupBy.MONTH: lambda: by_month, GroupBy.PROCEDURE: lambda: by_procedure,
              GroupBy.UNIT: lambda: _by_unit(session, scope, source)}[scope.group_by]()
    return KpiReport(
        generated_at=scope.now, date_from=scope.period.date_from, date_to=scope.period.date_to, agency=scope.agency,
        include_sub=scope.include_sub, procedure=scope.procedure, unit=scope.unit, group_by=scope.group_by,
        totals=totals, groups=groups, by_month=by_month, units=source.units(session, scope),
        bottlenecks=source.bottlenecks(session, scope), indicators_766=_indicators(totals, by_procedure),
    )


def _target(params: KpiParams) -> str:
    return f"kpis:{params.agency or '-'}"


def kpi_report(ctx: EngineContext, actor: Actor, params: KpiParams) -> KpiReport:
    """The KPIs of an agency (optionally with those below it), unit or procedure over [from, to)."""
    with guarded_transaction(ctx, actor, Action.VIEW_REPORTS, _target(params), read_only=True) as session:
        return build(session, resolve(session, actor, params, ctx.now()))


def _options(session: Session, actor: Actor, agency_id: int) -> ReportOptions:
    agency_ids = report_agencies(actor, session)
    agencies = session.execute(select(Agency.id, Agency.code, Agency.name).where(Agency.id.in_(agency_ids))
                               .order_by(Agency.code)).all() if agency_ids else []
    unit_locked = report_unit_only(actor) and actor.has(Role.UNIT_HEAD)
    unit_filter = Unit.id == actor.unit_id if unit_locked else Unit.agency_id == agency_id
    units = session.execute(select(Unit.id, Unit.code, Unit.name).where(unit_filter).order_by(Unit.code)).all()
    procedures = session.execute(select(Procedure.id, Procedure.code, Procedure.name)
                                 .where(Procedure.current_version_id.is_not(None)).order_by(Procedure.code)).all()
    return ReportOptions(agencies=[Named(*a) for a in agencies], units=[Named(*u) for u in units],
                         procedures=[Named(*p) for p in procedures], may_include_sub=actor.has(Role.AUDITOR),
                         unit_locked=unit_locked)


def dashboard(ctx: EngineContext, actor: Actor, params: KpiParams) -> Dashboard:
    """The dashboard: the report and the choices of its filters."""
    with guarded_transaction(ctx, actor, Action.VIEW_REPORTS, _target(params), read_only=True) as session:
        scope = resolve(session, actor, params, ctx.now())
        return Dashboard(build(session, scope), _options(session, actor, scope.agency.id))


def report_options(ctx: EngineContext, actor: Actor) -> ReportOptions:
    """The filters' choices alone (the dashboard shows them again when the asked-for report was refused as invalid)."""
    with guarded_transaction(ctx, actor, Action.VIEW_REPORTS, "kpis:options", read_only=True) as session:
        options = _options(session, actor, actor.agency_id)
        if not options.agencies:
            resolve(session, actor, KpiParams(), ctx.now())  # raises the refusal
        return options
