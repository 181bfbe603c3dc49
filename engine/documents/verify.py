"""Files prove themselves (``motcua audit verify``): every file row matches the hash-chained event that recorded
it, every recorded file still has its row, and the stored bytes still hash to the recorded SHA-256 (a file swapped
or damaged on disk, or in the object store, is named)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import select

from engine.context import EngineContext
from engine.db.models import Dossier, DossierFile, Event
from engine.documents.storage import storage_for
from engine.enums import EventKind
from engine.errors import NotFound

BATCH = 500


@dataclass(frozen=True)
class FileProblem:
    dossier_code: str
    file_id: int
    reason: str

    def __str__(self) -> str:
        return f"{self.dossier_code} tệp / file #{self.file_id}: {self.reason}"


def _bytes_problem(storage, sha256: str) -> str | None:
    try:
        data = storage.get(sha256)
    except NotFound:
        return "nội dung không còn trong kho / bytes missing from storage"
    if hashlib.sha256(data).hexdigest() != sha256:
        return "nội dung không khớp SHA-256 đã ghi (bị tráo hoặc hỏng) / stored bytes do not match the recorded SHA-256 " \
               "(swapped or damaged)"
    return None


def verify_files(ctx: EngineContext) -> tuple[list[FileProblem], int]:
    """(problems, files checked)."""
    storage = storage_for(ctx)
    problems: list[FileProblem] = []
    checked, last_id = 0, 0
    while True:
        with ctx.db.transaction(read_only=True) as session:
            rows = session.execute(
                select(DossierFile, Dossier.code, Event.kind, Event.payload)
                .join(Dossier, Dossier.id == DossierFile.dossier_id)
                .outerjoin(Event, (Event.dossier_id == DossierFile.dossier_id) & (Event.seq == DossierFile.event_seq))
                .where(DossierFile.id > last_id).order_by(DossierFile.id).limit(BATCH)).all()
        for row, code, kind, payload in rows:
            payload = payload or {}
            if kind != EventKind.FILE_ATTACHED.value or payload.get("file") != row.id \
                    or payload.get("sha256") != row.sha256 or payload.get("part") != row.part_code:
                problems.append(FileProblem(code, row.id, f"không khớp sự kiện #{row.event_seq} đã ghi nó / does not "
                                                          f"match the event #{row.event_seq} that recorded it"))
            for sha in filter(None, (row.sha256, row.ocr_sha256)):
                if (reason := _bytes_problem(storage, sha)) is not None:
                    problems.append(FileProblem(code, row.id, reason))
        if not rows:
            break
        checked += len(rows)
        last_id = rows[-1][0].id
    with ctx.db.transaction(read_only=True) as session:
        recorded = session.execute(select(Dossier.code, Event.payload).join(Dossier, Dossier.id == Event.dossier_id)
                                   .where(Event.kind == EventKind.FILE_ATTACHED.value)).all()
        kept = set(session.scalars(select(DossierFile.id)))
    problems += [FileProblem(code, payload.get("file"), "đã ghi trong nhật ký nhưng dòng tệp bị xoá / recorded in the "
                                                         "log but its file row is gone")
                 for code, payload in recorded if payload.get("file") not in kept]
    return problems, checked
