"""Working-minute histograms of a period from the month roll-ups where they serve, the daily rows elsewhere.

A whole month of a subtree is one roll-up read (KpiDossierMonthMinutes / KpiStepMonthMinutes, keyed by the
subtree's root, counting the agencies below it) plus the root's own daily rows. A month the period cuts is
summed from the daily rows of its days inside the period, or, when fewer days (up to today) lie outside it,
read as its roll-up minus the daily rows of the days outside: integer counts, so the result is exact either
way. Reports that a roll-up cannot serve (a unit, per unit, an
agency without the agencies below it) read the daily rows only.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from engine.clock.calendar import LOCAL_TZ
from engine.kpis.scope import Scope

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Part:
    index: int  # the period's month it counts in
    sign: int  # +1, or -1 for the days of a roll-up's month outside the period
    month: date | None = None  # a month roll-up (its first day)
    days: tuple[date, date] | None = None  # [first, last) of daily rows
    own: bool = False  # the root's own daily rows only (with its roll-up, the whole subtree)


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _past(first: date, end: date, today: date) -> int:
    """Days of [first, end) up to today: the daily rows a read of them meets (later days have few or none)."""
    return max(0, (min(end, today + ONE_DAY) - first).days)


def plan(scope: Scope) -> list[Part]:
    """Which roll-up months and daily ranges give each of the period's months, reading the fewest rows."""
    today = scope.now.astimezone(LOCAL_TZ).date()
    parts: list[Part] = []
    for index, m in enumerate(scope.period.months):
        first, end = m.start.astimezone(LOCAL_TZ).date(), m.end.astimezone(LOCAL_TZ).date()
        month, next_month = first.replace(day=1), _next_month(first)
        outside = [(a, b) for a, b in ((month, first), (end, next_month)) if a < b]
        whole = [Part(index, 1, month=month), Part(index, 1, days=(month, next_month), own=True)]
        if not outside:
            parts.extend(whole)
        elif sum(_past(a, b, today) for a, b in outside) < _past(first, end, today):
            parts.extend(whole)
            parts.extend(Part(index, -1, days=(a, b)) for a, b in outside)
        else:
            parts.append(Part(index, 1, days=(first, end)))
    return parts


def histograms(session, scope: Scope, rollup, daily, keys_of, daily_where) -> dict[tuple, Counter]:
    """{(month index, *keys_of(table)): {minutes: count}} over the scope's subtree (``scope.rollup_root``):
    ``rollup`` and ``daily`` are the two tables, ``daily_where(table, first, end)`` the daily rows' filters."""
    parts = plan(scope)
    result: dict[tuple, Counter] = defaultdict(Counter)
    months = {p.month: p.index for p in parts if p.month is not None}
    if months:
        keys = keys_of(rollup)
        where = [rollup.c.agency_id == scope.rollup_root, rollup.c.month.in_(list(months))]
        if scope.procedure:
            where.append(rollup.c.procedure_id == scope.procedure.id)
        stmt = (select(rollup.c.month, *keys, rollup.c.minutes, func.sum(rollup.c.count)).where(*where)
                .group_by(rollup.c.month, *keys, rollup.c.minutes))
        for month, *key, minutes, count in session.execute(stmt):
            result[(months[month], *key)][minutes] += int(count)
    for part in parts:
        if part.days is None:
            continue
        keys = keys_of(daily)
        where = daily_where(daily, *part.days)
        if part.own:
            where.append(daily.c.agency_id == scope.rollup_root)
        stmt = select(*keys, daily.c.minutes, func.sum(daily.c.count)).where(*where).group_by(*keys, daily.c.minutes)
        for *key, minutes, count in session.execute(stmt):
            result[(part.index, *key)][minutes] += part.sign * int(count)
    return {key: +histogram for key, histogram in result.items() if +histogram}
