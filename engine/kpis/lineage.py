"""The agencies a dossier's or a step's figures roll up to: its own and every one above it (the month
roll-ups count a subtree under its root). Agencies never move (engine.org only adds them, under a parent),
so a lineage read once in a transaction holds for it; the hot path learns them from the rows it already
reads (``PARENTS`` joins), and only a deeper tree costs a query per level."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import aliased

from engine.authz import agency_chain
from engine.db.models import Agency

DEPTH = 3  # ancestors read with a row (province > district > commune > below fits)


def parent_joins(agency_id_column):
    """Three LEFT JOINs climbing from ``agency_id_column`` and the parent columns they give: add them to a
    select (``stmt.outerjoin(*join)`` for each join) so a lineage costs no statement of its own."""
    levels = [aliased(Agency) for _ in range(DEPTH)]
    joins, child = [], agency_id_column
    for level in levels:
        joins.append((level, level.id == child))
        child = level.parent_id
    return joins, [level.parent_id for level in levels]


class Lineage(dict):
    """agency id -> (the agency, its parent, …, the root), for one transaction."""

    def __init__(self, session):
        super().__init__()
        self.session = session

    def learn(self, agency_id: int, parents) -> None:
        """From a row of ``parent_joins``: the chain, unless it climbs past them (then looked up when used)."""
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
