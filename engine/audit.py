"""The security and administration audit log.

A refused attempt is written in its own transaction: the caller's transaction is rolled back by the
very error being logged, and the record must survive it.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from sqlalchemy.orm import Session

from engine.actors import SYSTEM_NAME, Actor
from engine.db.models import AuditEntry
from engine.errors import NotAuthorized


def audit(session, ctx, actor: Actor | None, action: str, target: str = "", *, allowed: bool = True,
          agency_id: int | None = None, **detail) -> None:
    """``agency_id``: the agency the entry concerns when it may not be the actor's (e.g. the agency of a dossier
    an outsider tried): its security log shows the entry too."""
    session.add(
        AuditEntry(
            at=ctx.now(),
            actor_id=actor.id if actor else None,
            actor_name=actor.username if actor else SYSTEM_NAME,
            action=action,
            target=target,
            allowed=allowed,
            detail=detail,
            agency_id=agency_id,
        )
    )


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
