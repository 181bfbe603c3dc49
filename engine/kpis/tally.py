"""Keeping the KPI tallies equal to the records, in the same transaction as every change.

engine.dossiers.events.record ``touch``es the dossier of each event; just before that transaction commits, the
touched dossiers' marks are read again from their raw rows and, where they changed, the old marks are
subtracted from the tallies and the new ones added (upserts in a fixed table and key order, so concurrent
writers never deadlock). A kill -9 loses the whole transaction or none of it; ``rebuild`` recomputes
everything from the records and ``check`` compares them (``motcua kpi rebuild`` / ``motcua check``).
"""

from __future__ import annotations

from sqlalchemy import delete, event, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from engine.db.models import Dossier
from engine.db.models.kpi_tallies import KpiDossierMark
from engine.enums import EventKind
from engine.kpis import marks as marks_
from engine.kpis.lineage import Lineage, all_lineages
from engine.kpis.marks import TABLES, expand, nonzero

_TOUCHED = "kpi_tally_touched"
# Events whose use cases change nothing a figure reads (who holds a step, overdue flags, the appointment,
# RESOLVED -> RETURNED): their transactions skip the refresh. ``check`` would name a dossier if one did.
NO_FIGURE_EVENTS = frozenset({EventKind.TAKEN_OVER, EventKind.RELEASED, EventKind.REASSIGNED, EventKind.STEP_OVERDUE,
                              EventKind.DOSSIER_OVERDUE, EventKind.APOLOGY_ISSUED, EventKind.RETURNED,
                              EventKind.FILE_ATTACHED})
_DIALECTS = {"sqlite": sqlite, "postgresql": postgresql}
BATCH = 5000  # dossiers per pass of rebuild and check
MAX_REPORTED = 20  # differences named by check, per table


def touch(session: Session, dossier, kind: EventKind | None = None) -> None:
    """This dossier changed (an event of ``kind`` was recorded): refresh its tallies when the transaction
    commits, unless the event is one that never moves a figure."""
    if kind not in NO_FIGURE_EVENTS:
        session.info.setdefault(_TOUCHED, []).append(dossier)


@event.listens_for(Session, "before_commit")
def _refresh_touched(session: Session) -> None:
    touched = session.info.pop(_TOUCHED, None)
    if touched:
        session.flush()
        refresh(session, {dossier.id for dossier in touched})


@event.listens_for(Session, "after_rollback")
def _forget_touched(session: Session) -> None:
    session.info.pop(_TOUCHED, None)


def refresh(session: Session, dossier_ids, lineage: Lineage | None = None, tables=TABLES) -> int:
    """Bring these dossiers' contributions up to date with their records; returns how many changed.
    No extra lock: a use case has already written (so locked) these dossiers' rows, which serialises the
    refreshes of one dossier; a tally row shared by many dossiers is only changed by an atomic upsert."""
    lineage = Lineage(session) if lineage is None else lineage
    new, old = marks_.read(session, dossier_ids, stored=True, lineage=lineage)
    delta: dict = {}
    changed = sorted(i for i in set(new) | set(old) if old.get(i) != new.get(i))
    for i in changed:
        expand(old.get(i), delta, lineage, -1)
        expand(new.get(i), delta, lineage, 1)
    _write(session, nonzero(delta), tables)
    _store(session, {i: new.get(i) for i in changed})
    return len(changed)


_UPSERTS: dict = {}  # (dialect, table) -> its statement: built once, not on every commit


def _upsert(session: Session, table):
    """INSERT … ON CONFLICT (key) DO UPDATE: add to the counters of the row already there."""
    dialect = session.get_bind().dialect.name
    if (dialect, table.name) not in _UPSERTS:
        keys = [c.name for c in table.primary_key.columns]
        stmt = _DIALECTS[dialect].insert(table)
        if table is KpiDossierMark.__table__:
            stmt = stmt.on_conflict_do_update(index_elements=keys, set_={"marks": stmt.excluded.marks})
        else:
            stmt = stmt.on_conflict_do_update(index_elements=keys, set_={
                c.name: c + stmt.excluded[c.name] for c in table.columns if c.name not in keys})
        _UPSERTS[(dialect, table.name)] = stmt
    return _UPSERTS[(dialect, table.name)]


def _write(session: Session, delta: dict, tables=TABLES) -> None:
    for model in tables:  # fixed table order, rows in key order
        rows = delta.get(model)
        if not rows:
            continue
        table = model.__table__
        keys = [c.name for c in table.primary_key.columns]
        counters = [c.name for c in table.columns if c.name not in keys]
        session.connection().execute(_upsert(session, table), [
            {**dict(zip(keys, key)), **{c: row.get(c, 0) for c in counters}} for key, row in sorted(rows.items())])


def _store(session: Session, new: dict[int, dict | None]) -> None:
    present = [{"dossier_id": i, "marks": m} for i, m in sorted(new.items()) if m is not None]
    gone = [i for i, m in new.items() if m is None]
    if present:
        session.connection().execute(_upsert(session, KpiDossierMark.__table__), present)
    if gone:
        session.connection().execute(delete(KpiDossierMark.__table__).where(
            KpiDossierMark.__table__.c.dossier_id.in_(gone)))


def _dossier_batches(session: Session, batch: int):
    last = 0
    while True:
        rows = session.execute(select(Dossier.id, Dossier.code).where(Dossier.id > last).order_by(Dossier.id)
                               .limit(batch)).all()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def present_tables(session: Session) -> tuple:
    """The tally tables this database has: a migration may rebuild before a later revision adds its own."""
    inspector = inspect(session.connection())
    return tuple(model for model in TABLES if inspector.has_table(model.__tablename__))


def rebuild(session: Session, batch: int = BATCH) -> int:
    """Recompute every tally from the records (in the caller's transaction); returns the dossiers counted."""
    tables = present_tables(session)
    for model in (*tables, KpiDossierMark):
        session.execute(delete(model))
    count, lineage = 0, all_lineages(session)
    for rows in _dossier_batches(session, batch):
        refresh(session, [r[0] for r in rows], lineage, tables)
        count += len(rows)
    return count


def check(session: Session, batch: int = BATCH) -> list[tuple[str, str]]:
    """(where, what) for every difference between the tallies and the records: a slow full scan."""
    problems: list[tuple[str, str]] = []
    expected: dict = {}
    lineage = all_lineages(session)
    for rows in _dossier_batches(session, batch):
        raw, stored = marks_.read(session, [r[0] for r in rows], stored=True, lineage=lineage)
        for dossier_id, code in rows:
            if raw.get(dossier_id) != stored.get(dossier_id):
                problems.append((code, "KPI marks differ from its records (run `motcua kpi rebuild`)"))
            expand(raw.get(dossier_id), expected, lineage)
    expected = nonzero(expected)
    for model in TABLES:
        table = model.__table__
        keys = [c.name for c in table.primary_key.columns]
        counters = [c.name for c in table.columns if c.name not in keys]
        actual = nonzero({model: {tuple(row[k] for k in keys): {c: row[c] for c in counters}
                                  for row in session.execute(select(table)).mappings()}})[model]
        want = expected.get(model, {})
        differing = sorted(k for k in set(actual) | set(want) if actual.get(k, {}) != want.get(k, {}))
        for key in differing[:MAX_REPORTED]:
            problems.append(("KPI", f"{table.name} {key}: tallied {actual.get(key, {})}, records give "
                                    f"{want.get(key, {})} (run `motcua kpi rebuild`)"))
        if len(differing) > MAX_REPORTED:
            problems.append(("KPI", f"{table.name}: {len(differing) - MAX_REPORTED} more differing rows"))
    return problems
