"""KPI tallies: per local day, the counts and working-minute sums the KPI report adds up instead of scanning
every dossier (engine.kpis.tally keeps them in the same transaction as the change that moves a figure).

Dossier rows are keyed by (agency, day, procedure, unit): unit WHOLE (0) holds every dossier once, unit U
holds the dossiers that had a step in U. Step rows are keyed by the step's own agency and unit (NO_UNIT, 0,
for a step without a unit). The working-minute histograms keep the 90th percentiles exact.

The histograms are also rolled up per local month and per ancestor agency (KpiDossierMonthMinutes,
KpiStepMonthMinutes): a province's row merges every commune below it, so a report over whole months of a
whole subtree reads a few thousand rows (and the root's own daily rows) instead of one per agency, day and
value (engine.kpis.months). An agency with none below it has no roll-up rows: its daily rows are few.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from engine.db.models.base import Base
from engine.db.types import JSONData

WHOLE = 0  # the unit key of a dossier row that counts every dossier once
NO_UNIT = 0  # the unit key of a step row for a step without a unit


def _count() -> Mapped[int]:
    return mapped_column(BigInteger, default=0, server_default="0")


class TallyKey:
    """The key every tally row starts with, in this order (the primary key's): a report seeks its agencies,
    then a period of local days (of the receipt, the decision or the finished step)."""

    agency_id: Mapped[int] = mapped_column(Integer, primary_key=True, sort_order=-4)
    day: Mapped[date] = mapped_column(Date, primary_key=True, sort_order=-3)
    procedure_id: Mapped[int] = mapped_column(Integer, primary_key=True, sort_order=-2)
    unit_id: Mapped[int] = mapped_column(Integer, primary_key=True, sort_order=-1)


class KpiDossierDay(TallyKey, Base):
    __tablename__ = "kpi_dossier_days"

    received: Mapped[int] = _count()
    received_desk: Mapped[int] = _count()
    received_online: Mapped[int] = _count()
    received_postal: Mapped[int] = _count()
    supplemented: Mapped[int] = _count()
    resolved: Mapped[int] = _count()
    early: Mapped[int] = _count()
    on_time: Mapped[int] = _count()
    late: Mapped[int] = _count()
    refused: Mapped[int] = _count()
    paused_dossiers: Mapped[int] = _count()
    paused_minutes: Mapped[int] = _count()
    wm_count: Mapped[int] = _count()  # resolved dossiers with working minutes
    wm_sum: Mapped[int] = _count()


class KpiDossierMinutes(TallyKey, Base):
    """How many dossiers decided that day took exactly ``minutes`` working minutes."""

    __tablename__ = "kpi_dossier_minutes"

    minutes: Mapped[int] = mapped_column(Integer, primary_key=True)
    count: Mapped[int] = _count()


class KpiStepDay(TallyKey, Base):
    """Steps finished that day (completed), per agency, procedure, unit and BPMN step."""

    __tablename__ = "kpi_step_days"

    step_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    step_name: Mapped[str] = mapped_column(String(255), primary_key=True)
    finished: Mapped[int] = _count()
    late: Mapped[int] = _count()
    wm_count: Mapped[int] = _count()  # finished steps with working minutes (what bottlenecks measure)
    wm_late: Mapped[int] = _count()
    wm_sum: Mapped[int] = _count()


class KpiStepMinutes(TallyKey, Base):
    __tablename__ = "kpi_step_minutes"

    step_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    minutes: Mapped[int] = mapped_column(Integer, primary_key=True)
    count: Mapped[int] = _count()


class KpiDossierMark(Base):
    """What each dossier last added to the tallies, so a change subtracts exactly that and adds the new."""

    __tablename__ = "kpi_dossier_marks"

    dossier_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)  # no FK: never blocks a delete
    marks: Mapped[dict] = mapped_column(JSONData)


class RollupKey:
    """The key of a month roll-up: the row counts every agency below ``agency_id`` (not that agency itself,
    whose daily rows complete its subtree), ``month`` is the first local day of the month; then the procedure.
    No unit: a unit belongs to one agency, so its reports read the daily rows."""

    agency_id: Mapped[int] = mapped_column(Integer, primary_key=True, sort_order=-3)
    month: Mapped[date] = mapped_column(Date, primary_key=True, sort_order=-2)
    procedure_id: Mapped[int] = mapped_column(Integer, primary_key=True, sort_order=-1)


class KpiDossierMonthMinutes(RollupKey, Base):
    """How many dossiers below the agency decided that month took exactly ``minutes`` working minutes."""

    __tablename__ = "kpi_dossier_month_minutes"

    minutes: Mapped[int] = mapped_column(Integer, primary_key=True)
    count: Mapped[int] = _count()


class KpiStepMonthMinutes(RollupKey, Base):
    """How many steps that ran below the agency and finished that month took exactly ``minutes`` (every unit)."""

    __tablename__ = "kpi_step_month_minutes"

    step_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    minutes: Mapped[int] = mapped_column(Integer, primary_key=True)
    count: Mapped[int] = _count()
