"""From the asked-for codes to the rows a report covers, checked against the actor's authority (engine.org.authz)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.db.models import Agency, Procedure, Unit
from engine.enums import Role
from engine.errors import InvalidInput
from engine.kpis.params import GroupBy, KpiParams, Period, period
from engine.org.actors import Actor
from engine.org.authz import agencies_below, check_reports, report_unit_only


@dataclass(frozen=True)
class Named:
    id: int
    code: str
    name: str


@dataclass(frozen=True)
class Scope:
    agency: Named
    include_sub: bool
    agency_ids: tuple[int, ...]
    procedure: Named | None
    unit: Named | None
    group_by: GroupBy
    period: Period
    now: datetime
    # The agency whose subtree is exactly what the report counts (with the agencies below it, or one without
    # any), when no unit narrows it: its month roll-ups serve the report (engine.kpis.months).
    rollup_root: int | None = None


def _unknown(field: str, code: str, what_vi: str, what_en: str) -> InvalidInput:
    return InvalidInput(f"Không có {what_vi} mã '{code}'.", message_en=f"No {what_en} with code '{code}'.",
                        details={field: [f"unknown code '{code}'"]})


def resolve(session: Session, actor: Actor, params: KpiParams, now: datetime) -> Scope:
    # Someone with no report at all is refused before any code they sent is looked up.
    check_reports(actor, session, actor.agency_id, include_sub=False, unit_id=actor.unit_id)
    if params.agency is None:
        agency = session.get(Agency, actor.agency_id)
    else:
        agency = session.scalar(select(Agency).where(Agency.code == params.agency))
        if agency is None:
            raise _unknown("agency", params.agency, "cơ quan", "agency")
    unit = None
    if params.unit is not None:
        if params.include_sub:
            raise InvalidInput("Đơn vị thuộc một cơ quan: không chọn đồng thời đơn vị và 'gồm cơ quan cấp dưới'.",
                               message_en="A unit belongs to one agency: do not combine a unit with include_sub.",
                               details={"unit": ["not with include_sub"]})
        unit = session.scalar(select(Unit).where(Unit.agency_id == agency.id, Unit.code == params.unit))
        if unit is None:
            raise _unknown("unit", params.unit, f"đơn vị thuộc cơ quan {agency.code} có",
                           f"unit in agency {agency.code}")
    elif report_unit_only(actor) and actor.has(Role.UNIT_HEAD) and agency.id == actor.agency_id:
        unit = session.get(Unit, actor.unit_id)  # a unit head's report is their unit's
    procedure = None
    if params.procedure is not None:
        procedure = session.scalar(select(Procedure).where(Procedure.code == params.procedure))
        if procedure is None:
            raise _unknown("procedure", params.procedure, "thủ tục", "procedure")
    check_reports(actor, session, agency.id, include_sub=params.include_sub, unit_id=unit.id if unit else None)
    ids = agencies_below(session, agency.id) if params.include_sub else [agency.id]
    whole_subtree = params.include_sub or session.scalar(
        select(Agency.id).where(Agency.parent_id == agency.id).limit(1)) is None
    return Scope(
        agency=Named(agency.id, agency.code, agency.name), include_sub=params.include_sub, agency_ids=tuple(ids),
        procedure=Named(procedure.id, procedure.code, procedure.name) if procedure else None,
        unit=Named(unit.id, unit.code, unit.name) if unit else None,
        group_by=GroupBy(params.group_by), period=period(params, now), now=now,
        rollup_root=agency.id if whole_subtree and unit is None else None,
    )
