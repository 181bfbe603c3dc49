"""Keeping the search index (engine.db.models.search) in the transaction of the change: ``on_event`` subscribes to
the dossier event log and writes the dossier's own row when the dossier is submitted online or received (the only
events that set its code and applicant); ``put_text`` is how any other source (a document's OCR text) adds or
replaces its own row of the dossier. One upsert statement per write: nothing read back, the step's hot path
(engine.dossiers.tasks) never reaches here."""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from engine.db.models import Dossier, DossierSearch
from engine.dossiers.events import RecordedEvent, subscribe
from engine.dossiers.search_text import SOURCE_DOSSIER, dossier_text, fold
from engine.enums import EventKind

INDEXED_ON = frozenset({EventKind.SUBMITTED.value, EventKind.RECEIVED.value})
_INSERT = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


def put_text(session: Session, dossier_id: int, source: str, text: str, *, folded: bool = False) -> None:
    """Add or replace the ``source`` row of a dossier (text folded here unless ``folded``); empty text removes it."""
    body = text if folded else fold(text)
    # On the session's connection: no flush of the dossier for it (the step writes the dossier row once).
    connection = session.connection()
    if not body:
        connection.execute(delete(DossierSearch).where(DossierSearch.dossier_id == dossier_id,
                                                       DossierSearch.source == source))
        return
    insert = _INSERT[connection.dialect.name](DossierSearch.__table__)
    connection.execute(insert.values(dossier_id=dossier_id, source=source, body=body).on_conflict_do_update(
        index_elements=["dossier_id", "source"], set_={"body": body}))


@subscribe
def on_event(session: Session, dossier: Dossier, event: RecordedEvent) -> None:
    if event.kind in INDEXED_ON:
        put_text(session, dossier.id, SOURCE_DOSSIER, dossier_text(dossier.code, dossier.applicant), folded=True)
