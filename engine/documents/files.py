"""Files on a dossier (DOMAIN §9): the use cases. Each checks and rewrites every upload first (nothing is stored
for a refused file), stores the bytes by SHA-256, then in ONE transaction checks authority, attaches the rows and
records each file's SHA-256, part, uploader and time in the dossier's hash-chained event log. A crash between
storing the bytes and committing leaves a blob no row refers to, which ``sweep_orphans`` removes after a grace
period; nothing half-attached is ever visible.

The desk's reception and the citizen's online submission and supplementation attach their files inside the
dossiers' own transactions (``receive_with_files``, ``submit_with_files``, ``resubmit_with_files``: the dossier
use case calls back with its session)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Mapping

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.context import EngineContext
from engine.db.models import Dossier, DossierFile, Task
from engine.documents.policy import MEDIA_TYPES, Upload, check_dossier_total
from engine.documents.sanitize import CleanFile, clean_pages
from engine.documents.storage import sha256_of, storage_for
from engine.dossiers import online, reception
from engine.dossiers.actions import require_status
from engine.dossiers.events import record
from engine.dossiers.pin_guard import admit
from engine.dossiers.store import compiled_for, dossier_tasks, load_dossier
from engine.enums import OPEN_DOSSIER_STATUSES, DossierStatus, EventKind, FileKind, FileSource, OcrState
from engine.errors import InvalidInput, NotFound
from engine.org.actors import Actor
from engine.org.audit import guarded_transaction
from engine.org.authz import Action, check_dossier, check_task, check_view
from engine.procedures.parts import FILE_TYPES, Part, find_part

CITIZEN = "công dân"  # the uploader's name for the applicant (no account)
ORPHAN_GRACE = timedelta(hours=24)  # a blob nobody refers to is removed after this long
WORKING_DOCUMENT = Part("tai_lieu_xu_ly", "Tài liệu xử lý của bước", required=False, multiple=True,
                        types=FILE_TYPES, max_mb=20)
# Where files of each kind may still be added (a result: until the dossier is handed back).
ATTACHABLE = {FileKind.PART: OPEN_DOSSIER_STATUSES, FileKind.WORKING: OPEN_DOSSIER_STATUSES,
              FileKind.RESULT: OPEN_DOSSIER_STATUSES | {DossierStatus.RESOLVED}}
OCR_MEDIA = frozenset({MEDIA_TYPES["pdf"], MEDIA_TYPES["jpeg"], MEDIA_TYPES["png"]})
Files = Mapping[str, list[Upload]]  # part code → the uploads of that part (several pages become one PDF)


@dataclass(frozen=True)
class StoredFile:
    id: int
    kind: str
    part_code: str
    name: str
    size: int
    pages: int
    media_type: str
    sha256: str
    source: str
    uploader: str
    uploaded_at: datetime
    superseded_at: datetime | None
    replaces_id: int | None
    ocr_state: str | None

    @classmethod
    def of(cls, row: DossierFile) -> StoredFile:
        return cls(row.id, row.kind, row.part_code, row.name, row.size, row.pages, row.media_type, row.sha256,
                   row.source, row.uploader, row.uploaded_at, row.superseded_at, row.replaces_id, row.ocr_state)

    def to_dict(self) -> dict:
        return dict(vars(self))


@dataclass(frozen=True)
class Prepared:
    """A part's upload checked, rewritten and stored: ready to attach in a dossier's transaction."""

    kind: FileKind
    part: Part
    clean: CleanFile
    sha256: str


# ---- parts of a procedure -------------------------------------------------------------------------------------

def _slot(card, kind: FileKind, code: str) -> Part:
    """The part or result a file goes to; a part the procedure lacks is named in the refusal."""
    if kind == FileKind.WORKING:
        return WORKING_DOCUMENT
    parts = card.parts if kind == FileKind.PART else card.results
    part = find_part(parts, code)
    if part is None:
        known = ", ".join(p.code for p in parts) or "(không có)"
        what_vi = "thành phần hồ sơ" if kind == FileKind.PART else "giấy tờ kết quả"
        raise InvalidInput(f"Thủ tục '{card.name}' không có {what_vi} '{code}'; các mã: {known}.",
                           message_en=f"Procedure '{card.code}' has no {kind.value} '{code}'; codes: {known}.",
                           details={"part": code, "known": [p.code for p in parts]})
    return part


def prepare(ctx: EngineContext, card, kind: FileKind, files: Files) -> list[Prepared]:
    """Every upload checked and rewritten BEFORE anything is stored (one bad file: nothing stored at all), then the
    clean bytes stored by hash."""
    prepared = []
    for code, uploads in files.items():
        part = _slot(card, kind, code)
        clean = clean_pages(part, list(uploads))
        prepared.append(Prepared(kind, part, clean, sha256_of(clean.data)))
    storage = storage_for(ctx)
    for item in prepared:
        storage.put(item.sha256, item.clean.data)
    return prepared


# ---- attaching, inside a dossier's transaction ---------------------------------------------------------------

def _current(session: Session, dossier: Dossier, kind: FileKind, code: str) -> list[DossierFile]:
    return list(session.scalars(select(DossierFile).where(
        DossierFile.dossier_id == dossier.id, DossierFile.kind == kind.value, DossierFile.part_code == code,
        DossierFile.superseded_at.is_(None)).order_by(DossierFile.id)))


def _total(session: Session, dossier: Dossier) -> int:
    return session.scalar(select(func.coalesce(func.sum(DossierFile.size), 0)).where(
        DossierFile.dossier_id == dossier.id, DossierFile.superseded_at.is_(None))) or 0


def attach_prepared(session: Session, dossier: Dossier, item: Prepared, actor: Actor | None, source: FileSource,
                    now: datetime, *, replaces: int | None = None, task=None) -> DossierFile:
    """One prepared file on a locked dossier: a part of one file replaces its current file (kept, superseded);
    ``replaces`` names the file a new version replaces in a part of several. The event carries the SHA-256."""
    code = task.step_id if task is not None else item.part.code
    current = _current(session, dossier, item.kind, code)
    superseded: list[DossierFile] = []
    if replaces is not None:
        superseded = [f for f in current if f.id == replaces]
        if not superseded:
            raise NotFound(f"Không có tệp hiện hành #{replaces} ở thành phần '{item.part.name}' để thay.",
                           message_en=f"No current file #{replaces} in part '{code}' to replace.")
    elif not item.part.multiple:
        superseded = current
    check_dossier_total(item.part, _total(session, dossier) - sum(f.size for f in superseded), len(item.clean.data))
    for old in superseded:
        old.superseded_at = now
    row = DossierFile(
        dossier_id=dossier.id, kind=item.kind.value, part_code=code, task_id=task.id if task is not None else None,
        sha256=item.sha256, size=len(item.clean.data), media_type=item.clean.media_type, pages=item.clean.pages,
        name=item.clean.name, source=source.value, uploaded_by_id=actor.id if actor else None,
        uploader=actor.username if actor else CITIZEN, uploaded_at=now, event_seq=0,
        replaces_id=superseded[0].id if superseded else None,
        ocr_state=OcrState.PENDING.value if item.clean.media_type in OCR_MEDIA and item.kind != FileKind.RESULT else None,
        ocr_attempts=0)
    session.add(row)
    session.flush()
    event = record(session, dossier, EventKind.FILE_ATTACHED, actor, now, file=row.id, file_kind=item.kind.value,
                   part=code, sha256=row.sha256, size=row.size, pages=row.pages, name=row.name,
                   media_type=row.media_type, source=row.source, uploader=row.uploader,
                   replaces=row.replaces_id)
    row.event_seq = event.seq
    return row


def _attach_all(prepared: list[Prepared], actor: Actor | None, source: FileSource):
    """The callback a dossier use case runs inside its transaction (engine.dossiers reception / online)."""
    def then(session: Session, dossier: Dossier, now: datetime) -> None:
        for item in prepared:
            attach_prepared(session, dossier, item, actor, source, now)
    return then


def _current_card(ctx: EngineContext, procedure_code: str):
    from engine.dossiers.runtime import SPEC_CACHE
    from engine.procedures.publishing import current_version

    with ctx.db.transaction(read_only=True) as session:
        return SPEC_CACHE.get(current_version(session, procedure_code)).card


# ---- use cases ----------------------------------------------------------------------------------------------

def receive_with_files(ctx: EngineContext, actor: Actor, request: dict, files: Files) -> reception.Receipt:
    """The desk receives a dossier with the scans of its parts, all in the reception's transaction."""
    prepared = prepare(ctx, _current_card(ctx, str((request or {}).get("procedure_code", ""))), FileKind.PART, files) \
        if files else []
    return reception.receive(ctx, actor, request, then=_attach_all(prepared, actor, FileSource.DESK))


def submit_with_files(ctx: EngineContext, request: dict, files: Files) -> online.Submission:
    """The citizen's online submission with a file per part."""
    prepared = prepare(ctx, _current_card(ctx, str((request or {}).get("procedure_code", ""))), FileKind.PART, files) \
        if files else []
    return online.submit_online(ctx, request, then=_attach_all(prepared, None, FileSource.ONLINE))


def resubmit_with_files(ctx: EngineContext, code: str, pin: str, payload: dict, files: Files) -> None:
    """The citizen answers Form 02 part by part (code + PIN)."""
    admitted = admit(ctx, code, pin)
    with ctx.db.transaction(read_only=True) as session:
        card = compiled_for(session.get(Dossier, admitted.dossier_id)).card
    prepared = prepare(ctx, card, FileKind.PART, files) if files else []
    online.resubmit_online(ctx, code, pin, payload, then=_attach_all(prepared, None, FileSource.SUPPLEMENT))


def attach(ctx: EngineContext, actor: Actor, code: str, part_code: str, uploads: list[Upload], *,
           kind: FileKind = FileKind.PART, replaces: int | None = None, task_id: int | None = None) -> StoredFile:
    """An officer attaches a file: a part (the desk), a result (the desk, or who works an open step), or a working
    document of the step ``task_id`` (who works it)."""
    kind = FileKind(kind)
    with ctx.db.transaction(read_only=True) as session:
        card = compiled_for(load_dossier(session, code)).card
    (item,) = prepare(ctx, card, kind, {part_code: uploads})
    action = Action.ATTACH_RESULT if kind == FileKind.RESULT else Action.ATTACH_FILE
    with guarded_transaction(ctx, actor, action, code) as session:
        dossier = load_dossier(session, code, for_update=True)
        task = None
        if kind == FileKind.WORKING:
            if task_id is None:
                raise InvalidInput("Tài liệu xử lý phải gắn với một bước (task_id).",
                                   message_en="A working document belongs to a step (task_id).",
                                   details={"task_id": ["required"]})
            task = session.get(Task, task_id)
            if task is None or task.dossier_id != dossier.id:
                raise NotFound(f"Hồ sơ {code} không có bước #{task_id}.", message_en=f"No step #{task_id} on {code}.")
            check_task(actor, Action.ATTACH_FILE, task)
        else:
            check_dossier(actor, action, dossier, dossier_tasks(session, dossier))
        require_status(dossier, ATTACHABLE[kind], "đính kèm tệp")
        source = FileSource.DESK if kind == FileKind.PART else FileSource.OFFICER
        row = attach_prepared(session, dossier, item, actor, source, ctx.now(), replaces=replaces, task=task)
        return StoredFile.of(row)


def _rows(session: Session, dossier: Dossier, kinds) -> list[DossierFile]:
    return list(session.scalars(select(DossierFile).where(
        DossierFile.dossier_id == dossier.id, DossierFile.kind.in_([k.value for k in kinds])).order_by(DossierFile.id)))


def parts_view(card, rows: list[DossierFile]) -> dict:
    """The procedure's parts and results, each with its current files and earlier versions; missing required parts
    flagged; working documents apart."""
    def slots(parts, kind):
        out = []
        for part in parts:
            mine = [StoredFile.of(r).to_dict() for r in rows if r.kind == kind.value and r.part_code == part.code]
            current = [f for f in mine if f["superseded_at"] is None]
            out.append({**part.to_dict(), "files": current, "history": [f for f in mine if f["superseded_at"]],
                        "pages": sum(f["pages"] for f in current), "missing": part.required and not current})
        return out

    return {"parts": slots(card.parts, FileKind.PART), "results": slots(card.results, FileKind.RESULT),
            "working": [StoredFile.of(r).to_dict() for r in rows if r.kind == FileKind.WORKING.value]}


def list_files(ctx: EngineContext, actor: Actor, code: str) -> dict:
    """Who may view the dossier sees its parts, results and working documents (engine.org.authz.check_view)."""
    with guarded_transaction(ctx, actor, Action.VIEW, code, read_only=True) as session:
        dossier = load_dossier(session, code)
        check_view(actor, session, dossier, dossier_tasks(session, dossier))
        return parts_view(compiled_for(dossier).card, _rows(session, dossier, FileKind))


@dataclass(frozen=True)
class Download:
    name: str
    media_type: str
    data: bytes
    sha256: str


def _download(ctx: EngineContext, row: DossierFile, searchable: bool) -> Download:
    storage = storage_for(ctx)
    sha = row.ocr_sha256 if searchable and row.ocr_sha256 else row.sha256
    data = storage.get(sha)
    if hashlib.sha256(data).hexdigest() != sha:
        raise NotFound(f"Nội dung tệp '{row.name}' không khớp mã băm đã ghi (hỏng hoặc bị tráo); báo quản trị viên.",
                       message_en=f"The stored bytes of '{row.name}' do not match their recorded hash (damaged or "
                                  "swapped); tell an administrator.")
    media = MEDIA_TYPES["pdf"] if sha != row.sha256 else row.media_type
    name = row.name if sha == row.sha256 else row.name.rsplit(".", 1)[0] + ".pdf"
    return Download(name, media, data, sha)


def download(ctx: EngineContext, actor: Actor, code: str, file_id: int, *, original: bool = False) -> Download:
    """A file's bytes for who may view the dossier; a scan's searchable PDF unless ``original``."""
    with guarded_transaction(ctx, actor, Action.VIEW, code, read_only=True) as session:
        dossier = load_dossier(session, code)
        check_view(actor, session, dossier, dossier_tasks(session, dossier))
        row = session.get(DossierFile, file_id)
        if row is None or row.dossier_id != dossier.id:
            raise NotFound(f"Hồ sơ {code} không có tệp #{file_id}.", message_en=f"No file #{file_id} on {code}.")
        return _download(ctx, row, not original)


PUBLIC_KINDS = (FileKind.PART, FileKind.RESULT)  # the citizen's own files and results, never working documents


def public_files(ctx: EngineContext, code: str, pin: str) -> dict:
    admitted = admit(ctx, code, pin)
    with ctx.db.transaction(read_only=True) as session:
        dossier = session.get(Dossier, admitted.dossier_id)
        view = parts_view(compiled_for(dossier).card, _rows(session, dossier, PUBLIC_KINDS))
        view.pop("working")
        return view


def public_download(ctx: EngineContext, code: str, pin: str, file_id: int) -> Download:
    admitted = admit(ctx, code, pin)
    with ctx.db.transaction(read_only=True) as session:
        row = session.get(DossierFile, file_id)
        if row is None or row.dossier_id != admitted.dossier_id or row.kind not in {k.value for k in PUBLIC_KINDS}:
            raise NotFound(f"Hồ sơ {code} không có tệp #{file_id}.", message_en=f"No file #{file_id} on {code}.")
        return _download(ctx, row, True)


# ---- housekeeping ---------------------------------------------------------------------------------------------

def referenced_hashes(session: Session) -> set[str]:
    rows = session.execute(select(DossierFile.sha256, DossierFile.ocr_sha256)).all()
    return {h for pair in rows for h in pair if h}


def sweep_orphans(ctx: EngineContext, *, grace: timedelta = ORPHAN_GRACE, now: datetime | None = None) -> list[str]:
    """Remove blobs no file row refers to and older than ``grace`` (a crash between storing and committing, or a
    refused transaction); a blob still being attached is younger than the grace period. Returns what was removed."""
    storage = storage_for(ctx)
    cutoff = (now or datetime.now(timezone.utc)) - grace
    with ctx.db.transaction(read_only=True) as session:
        referenced = referenced_hashes(session)
    removed = []
    for blob in list(storage.blobs()):
        if blob.sha256 not in referenced and blob.modified_at < cutoff:
            storage.remove(blob.sha256)
            removed.append(blob.sha256)
    return removed
