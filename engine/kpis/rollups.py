"""The month roll-ups derived from the daily histograms they summarise: how migration 0003 filled them in a
database whose daily tallies were already kept (a pass over the daily rows, not over every dossier as
``motcua kpi rebuild`` does). ``tally.check`` compares both with the records."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import delete, func, insert, select

from engine.db.models.kpi_tallies import (
    WHOLE, KpiDossierMinutes, KpiDossierMonthMinutes, KpiStepMinutes, KpiStepMonthMinutes,
)
from engine.kpis.lineage import all_lineages

BATCH = 10_000  # rows per INSERT


def _derive(session, daily, rollup, keys: list[str], where=()) -> int:
    lineage, sums = all_lineages(session), Counter()
    stmt = (select(daily.c.agency_id, daily.c.day, *(daily.c[k] for k in keys), func.sum(daily.c.count))
            .where(*where).group_by(daily.c.agency_id, daily.c.day, *(daily.c[k] for k in keys)))
    for agency_id, day, *key, count in session.execute(stmt):
        for root in lineage(agency_id)[1:]:
            sums[(root, day.replace(day=1), *key)] += int(count)
    names = ["agency_id", "month", *keys]
    rows = [{**dict(zip(names, key)), "count": count} for key, count in sorted(sums.items()) if count]
    session.execute(delete(rollup))
    for start in range(0, len(rows), BATCH):
        session.execute(insert(rollup), rows[start:start + BATCH])
    return len(rows)


def derive(session) -> int:
    """Fill the month roll-ups from the daily histograms (in the caller's transaction); returns their rows."""
    dossiers, steps = KpiDossierMinutes.__table__, KpiStepMinutes.__table__
    return (_derive(session, dossiers, KpiDossierMonthMinutes.__table__, ["procedure_id", "minutes"],
                    [dossiers.c.unit_id == WHOLE])
            + _derive(session, steps, KpiStepMonthMinutes.__table__, ["procedure_id", "step_id", "minutes"]))
