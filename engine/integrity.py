"""Whole-database integrity checks (``motcua audit verify``)."""

from __future__ import annotations

from sqlalchemy import select

from engine.context import EngineContext
from engine.db.models import Dossier
from engine.events import BrokenLink, verify_chain

BATCH = 1000


def verify_all(ctx: EngineContext) -> tuple[list[BrokenLink], int]:
    broken: list[BrokenLink] = []
    checked, last_id = 0, 0
    while True:
        with ctx.db.transaction() as session:
            dossiers = list(session.scalars(select(Dossier).where(Dossier.id > last_id).order_by(Dossier.id).limit(BATCH)))
            for dossier in dossiers:
                broken.extend(verify_chain(session, dossier))
        if not dossiers:
            return broken, checked
        checked += len(dossiers)
        last_id = dossiers[-1].id
