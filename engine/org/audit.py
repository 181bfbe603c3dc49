"""The security and administration audit log.

A refused attempt is written in its own transaction: the caller's transaction is rolled back by the
very error being logged, and the record must survive it.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from sqlalchemy.orm import Session

from engine.db.chain import as_stored
from engine.db.models import AuditEntry
from engine.errors import NotAuthorized
from engine.org.actors import SYSTEM_NAME, Actor
from engine.org.auditchain import queue


def audit(session, ctx, actor: Actor | None, action: str, target: str = "", *, allowed: bool = True,
          agency_id: int | None = None, **detail) -> None:
    """An entry of the hash-chained log, chained and written as the caller's transaction commits
    (engine.org.auditchain); the detail is stored, and hashed, as JSON hands it back. ``agency_id``: the agency
    the entry concerns when it may not be the actor's (e.g. the agency of a dossier an outsider tried): its
    security log shows the entry too."""
    queue(session, AuditEntry(
        at=ctx.now(),
        actor_id=actor.id if actor else None,
        actor_name=actor.username if actor else SYSTEM_NAME,
        action=action,
        target=target,
        allowed=allowed,
        detail=as_stored(detail),
        agency_id=agency_id,
    ))


def record_denial(ctx, actor: Actor | None, action: str, target: str, error: NotAuthorized) -> None:
    with ctx.db.transaction() as session:
        audit(session, ctx, actor, action, target, allowed=False, agency_id=getattr(error, "agency_id", None),
              reason=error.message_en)


@contextmanager
def guarded_transaction(ctx, actor: Actor | None, action: str, target: str,
                        read_only: bool = False) -> Iterator[Session]:
    """A use case's transaction; an authority refusal is rolled back with it, then logged on its own."""
    try:
        with ctx.db.transaction(read_only) as session:
            yield session
    except NotAuthorized as error:
        record_denial(ctx, actor, action, target, error)
        raise
