"""The agencies a dossier's or a step's figures roll up to: its own and every one above it (the month
roll-ups count a subtree under its root). Agencies never move (engine.org.directory only adds them, under a parent),
so a lineage read once in a transaction holds for it; the hot path learns them from the rows it already
reads (``PARENTS`` joins), and only a deeper tree costs a query per level."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import aliased

from engine.db.models import Agency
from engine.org.authz import agency_chain

DEPTH = 3  # ancestors read with a row (province > district > commune > below fits)


def with_parents(stmt, agency_id_column):
    """``stmt`` with three LEFT JOINs climbing from ``agency_id_column`` and their parent columns added last
    (give a row's last PARENT_COLUMNS values to ``Lineage.learn``): a lineage costs no statement of its own."""
    child = agency_id_column
    for level in (aliased(Agency) for _ in range(DEPTH)):
        stmt = stmt.add_columns(level.parent_id).outerjoin(level, level.id == child)
        child = level.parent_id
    return stmt


PARENT_COLUMNS = DEPTH  # the columns ``with_parents`` adds at the end of a row


class Lineage(dict):
    """agency id -> (the agency, its parent, …, the root), for one transaction."""

    def __init__(self, session):
        super().__init__()
        self.session = session

    def learn(self, agency_id: int, parents) -> None:
        """From a row of ``with_parents``: the chain, unless it climbs past them (then looked up when used)."""
        if agency_id in self:
            return
        chain = [agency_id]
        for parent in parents:
            if parent is None:
                self[agency_id] = tuple(chain)
                return
            chain.append(parent)

    def __call__(self, agency_id: int) -> tuple[int, ...]:
        if agency_id not in self:
            self[agency_id] = tuple(agency_chain(self.session, agency_id))
        return self[agency_id]


def all_lineages(session) -> Lineage:
    """Every agency's lineage from one read of the tree (rebuilds and migrations)."""
    parents = dict(session.execute(select(Agency.id, Agency.parent_id)).all())
    lineage = Lineage(session)
    for agency_id in parents:
        chain, current = [agency_id], parents[agency_id]
        while current is not None:
            chain.append(current)
            current = parents.get(current)
        lineage[agency_id] = tuple(chain)
    return lineage
