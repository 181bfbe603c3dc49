"""What a KPI report is asked for: a local-date period [from, to), an agency (optionally with the agencies
below it), a procedure, a unit, and how to group. Every bad value is an InvalidInput naming the field."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from enum import StrEnum
from typing import Mapping

from marshmallow import EXCLUDE, Schema, fields, pre_load, validate

from engine.clock.calendar import LOCAL_TZ
from engine.errors import InvalidInput
from engine.inputs.schemas import load

MAX_MONTHS = 36  # the longest period one report covers (and the most month buckets it computes)
DEFAULT_MONTHS = 6  # the current month and the five before it
ONE_DAY = timedelta(days=1)
CODE_LENGTH = validate.Length(min=1, max=40)
DATE_RANGE = validate.Range(min=date(1970, 1, 1), max=date(2999, 12, 31))  # keeps month arithmetic in range


class GroupBy(StrEnum):
    MONTH = "month"
    PROCEDURE = "procedure"
    UNIT = "unit"


class KpiQuerySchema(Schema):
    """The query string of a report; empty values mean "not given" (an HTML form sends them)."""

    class Meta:
        unknown = EXCLUDE

    date_from = fields.Date(data_key="from", load_default=None, validate=DATE_RANGE)
    date_to = fields.Date(data_key="to", load_default=None, validate=DATE_RANGE)
    agency = fields.String(load_default=None, validate=CODE_LENGTH)
    include_sub = fields.Boolean(load_default=False)
    procedure = fields.String(load_default=None, validate=CODE_LENGTH)
    unit = fields.String(load_default=None, validate=CODE_LENGTH)
    group_by = fields.String(load_default=GroupBy.MONTH.value, validate=validate.OneOf([g.value for g in GroupBy]))

    @pre_load
    def _drop_blanks(self, data, **_kwargs):
        if not isinstance(data, Mapping):
            return data
        return {key: value.strip() if isinstance(value, str) else value for key, value in data.items()
                if not (value is None or (isinstance(value, str) and not value.strip()))}


@dataclass(frozen=True)
class KpiParams:
    date_from: date | None = None
    date_to: date | None = None
    agency: str | None = None
    include_sub: bool = False
    procedure: str | None = None
    unit: str | None = None
    group_by: str = GroupBy.MONTH.value


def parse(query: Mapping) -> KpiParams:
    """A raw query string (e.g. request.args) as KpiParams; a bad value raises InvalidInput."""
    return KpiParams(**load(KpiQuerySchema, dict(query.items()) if query else {}))


@dataclass(frozen=True)
class Month:
    key: str  # YYYY-MM
    label: str  # MM/YYYY
    start: datetime  # UTC, inclusive
    end: datetime  # UTC, exclusive


@dataclass(frozen=True)
class Period:
    date_from: date
    date_to: date  # exclusive
    start: datetime  # UTC instants of the local midnights
    end: datetime
    months: tuple[Month, ...]


def _first_of_month(day: date, shift: int = 0) -> date:
    index = day.year * 12 + day.month - 1 + shift
    return date(index // 12, index % 12 + 1, 1)


def _instant(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=LOCAL_TZ).astimezone(timezone.utc)


def period(params: KpiParams, now: datetime) -> Period:
    """The period asked for, by default the current month and the five before it; local midnights as UTC."""
    today = now.astimezone(LOCAL_TZ).date()
    date_to = params.date_to or _first_of_month(today, 1)
    date_from = params.date_from or _first_of_month(date_to - ONE_DAY, 1 - DEFAULT_MONTHS)
    if date_to <= date_from:
        raise InvalidInput(
            f"Khoảng thời gian không hợp lệ: 'đến trước ngày' ({date_to:%d/%m/%Y}) phải sau "
            f"'từ ngày' ({date_from:%d/%m/%Y}).",
            message_en=f"Invalid period: 'to' ({date_to}) must be after 'from' ({date_from}).",
            details={"to": ["must be after from"]},
        )
    first, last = _first_of_month(date_from), _first_of_month(date_to, 0 if date_to.day == 1 else 1)
    count = (last.year - first.year) * 12 + last.month - first.month
    if count > MAX_MONTHS:
        raise InvalidInput(
            f"Khoảng thời gian dài tối đa {MAX_MONTHS} tháng.",
            message_en=f"A report covers at most {MAX_MONTHS} months.",
            details={"from": [f"at most {MAX_MONTHS} months"]},
        )
    months = []
    for i in range(count):
        month_start, month_end = max(_first_of_month(first, i), date_from), min(_first_of_month(first, i + 1), date_to)
        key = f"{_first_of_month(first, i):%Y-%m}"
        months.append(Month(key, f"{_first_of_month(first, i):%m/%Y}", _instant(month_start), _instant(month_end)))
    return Period(date_from, date_to, _instant(date_from), _instant(date_to), tuple(months))
