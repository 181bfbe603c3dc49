"""Drafts of procedures (document control, ISO 9001 §7.5): a designer edits a draft, validates it as they
work, and publishes it with a change note as a new immutable version.

A draft may be invalid while it is worked on, but it never holds what the gate refuses (unsafe XML, code,
expressions the safe evaluator rejects): those saves are refused whole and nothing is stored. Saves carry
the revision they were based on, so two designers cannot silently overwrite each other.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.clock.durations import WorkDuration, parse_duration
from engine.context import EngineContext
from engine.db.models import Procedure, ProcedureDraft, ProcedureVersion, User
from engine.enums import DraftStatus
from engine.errors import (
    AlreadyExists,
    Conflict,
    InvalidDuration,
    InvalidInput,
    InvalidState,
    NotFound,
    PackageError,
    TooLarge,
)
from engine.org.actors import SYSTEM_NAME, Actor
from engine.org.audit import audit, guarded_transaction
from engine.org.authz import check_design_scope, check_designer
from engine.procedures import Problem, errors
from engine.procedures.bpmn import load_model
from engine.procedures.card import CARD_FILE, FORMS_DIR, MAX_CARD_BYTES, MAX_FILES, MAX_FORM_BYTES, build_package
from engine.procedures.card_edit import card_fields, update_card
from engine.procedures.gate import bpmn_refusals
from engine.procedures.publishing import Publication, store_version
from engine.procedures.validator import longest_deadline_path, validate_files

EDIT = "edit_procedure"
_TASK_ID = re.compile(r"^[A-Za-z_][\w.\-]{0,119}$")


def _not_found(draft_id: int) -> NotFound:
    return NotFound(f"Không có bản nháp #{draft_id}.", message_en=f"No draft #{draft_id}.")


def load_draft(session: Session, draft_id: int, *, open_only: bool = True) -> ProcedureDraft:
    draft = session.get(ProcedureDraft, draft_id)
    if draft is None:
        raise _not_found(draft_id)
    if open_only and draft.status != DraftStatus.OPEN:
        raise InvalidState(f"Bản nháp #{draft_id} đã {'ban hành' if draft.status == DraftStatus.PUBLISHED else 'huỷ'}.",
                           message_en=f"Draft #{draft_id} is {draft.status}.")
    return draft


def draft_owner(session: Session, draft: ProcedureDraft) -> int | None:
    """The agency owning a draft: its procedure's owner, or for a new procedure the agency of the designer who
    started it (None, the top of the tree, when the command line did)."""
    if draft.procedure is not None:
        return draft.procedure.owner_agency_id
    return session.scalar(select(User.agency_id).where(User.id == draft.created_by_id)) if draft.created_by_id else None


def load_draft_for(session: Session, actor: Actor | None, action: str, draft_id: int, *,
                   open_only: bool = True) -> ProcedureDraft:
    """The draft, if ``actor`` may work on it (their agency's procedures and those of the agencies below)."""
    draft = load_draft(session, draft_id, open_only=False)
    check_design_scope(actor, session, draft_owner(session, draft), action, f"draft:{draft_id}")
    return load_draft(session, draft_id, open_only=open_only)


def open_draft_of(session: Session, procedure: Procedure) -> ProcedureDraft | None:
    return session.scalar(select(ProcedureDraft).where(ProcedureDraft.open_key == procedure.slug))


def draft_files(card_toml: bytes, bpmn_filename: str, bpmn_xml: bytes, forms: dict[str, str]) -> dict[str, bytes]:
    files = {CARD_FILE: card_toml, bpmn_filename: bpmn_xml}
    files.update({f"{FORMS_DIR}/{task_id}.json": text.encode("utf-8") for task_id, text in forms.items()})
    return files


def new_draft(session: Session, ctx: EngineContext, actor: Actor | None, *, procedure: Procedure | None, slug: str,
              base: ProcedureVersion | None, card_toml: bytes, bpmn_filename: str, bpmn_xml: bytes,
              forms: dict[str, str]) -> ProcedureDraft:
    """A new open draft (the caller has checked authority); AlreadyExists when one is open for the slug."""
    existing = session.scalar(select(ProcedureDraft).where(ProcedureDraft.open_key == slug))
    if existing is not None:
        raise AlreadyExists(
            f"Thủ tục đã có bản nháp đang mở (#{existing.id}, {existing.updated_by_name} sửa lần cuối): mở bản nháp đó "
            "hoặc huỷ nó trước.", message_en=f"An open draft (#{existing.id}) already exists for this procedure.",
            details={"draft_id": existing.id})
    fields, _ = card_fields(card_toml)
    now, who = ctx.now(), actor.username if actor else SYSTEM_NAME
    draft = ProcedureDraft(
        procedure_id=procedure.id if procedure else None, base_version_id=base.id if base else None,
        code=str(fields.get("code") or (procedure.code if procedure else ""))[:40], slug=slug,
        name=str(fields.get("name") or (procedure.name if procedure else slug))[:500], open_key=slug,
        status=DraftStatus.OPEN.value, card_toml=card_toml, bpmn_filename=bpmn_filename, bpmn_xml=bpmn_xml,
        forms=dict(forms), created_by_id=actor.id if actor else None, created_by_name=who, created_at=now,
        updated_by_name=who, updated_at=now)
    session.add(draft)
    session.flush()
    return draft


def create_draft(ctx: EngineContext, actor: Actor | None, code: str, from_version: int | None = None) -> int:
    """A draft copied from the version in force (or an older one, to restore it)."""
    with guarded_transaction(ctx, actor, EDIT, code) as session:
        check_designer(actor, EDIT, code)
        procedure = session.scalar(select(Procedure).where(Procedure.code == code))
        if procedure is None:
            raise NotFound(f"Không có thủ tục mã '{code}'.", message_en=f"No procedure '{code}'.")
        check_design_scope(actor, session, procedure.owner_agency_id, EDIT, code)
        version = procedure.current_version if from_version is None else session.scalar(select(ProcedureVersion).where(
            ProcedureVersion.procedure_id == procedure.id, ProcedureVersion.number == from_version))
        if version is None:
            raise NotFound(f"Thủ tục {code} không có phiên bản {from_version}.", message_en=f"No version {from_version}.")
        draft = new_draft(session, ctx, actor, procedure=procedure, slug=procedure.slug, base=procedure.current_version,
                          card_toml=version.card_toml, bpmn_filename=version.bpmn_filename, bpmn_xml=version.bpmn_xml,
                          forms=dict(version.forms or {}))
        audit(session, ctx, actor, "draft_created", code, draft=draft.id, from_version=version.number)
        return draft.id


def view(draft: ProcedureDraft) -> dict:
    fields, card_error = card_fields(draft.card_toml)
    return {
        "id": draft.id, "code": draft.code, "slug": draft.slug, "name": draft.name, "status": draft.status,
        "revision": draft.revision, "procedure_code": draft.procedure.code if draft.procedure else None,
        "base_version": draft.base_version.number if draft.base_version else None,
        "card": fields, "card_error": card_error, "card_toml": draft.card_toml.decode("utf-8", "replace"),
        "bpmn_filename": draft.bpmn_filename, "bpmn_xml": draft.bpmn_xml.decode("utf-8", "replace"),
        "forms": dict(draft.forms or {}), "created_by": draft.created_by_name, "created_at": draft.created_at,
        "updated_by": draft.updated_by_name, "updated_at": draft.updated_at,
    }


def get_draft(ctx: EngineContext, actor: Actor | None, draft_id: int) -> dict:
    with guarded_transaction(ctx, actor, EDIT, f"draft:{draft_id}") as session:
        check_designer(actor, EDIT, f"draft:{draft_id}")
        return view(load_draft_for(session, actor, EDIT, draft_id, open_only=False))


# ------------------------------------------------------------------ content: the same rules for save and validate


def _content(draft: ProcedureDraft, payload: dict) -> tuple[bytes, bytes, dict[str, str]]:
    """(card TOML, BPMN, forms) of ``draft`` with ``payload`` applied; InvalidInput/TooLarge on bad shapes."""
    card_toml = draft.card_toml
    if payload.get("card_toml") is not None:
        card_toml = _text(payload["card_toml"], "card_toml").encode("utf-8")
    if payload.get("card") is not None:
        if not isinstance(payload["card"], dict):
            raise InvalidInput("'card' phải là một đối tượng.", message_en="'card' must be an object.")
        card_toml = update_card(card_toml, payload["card"])
    if len(card_toml) > MAX_CARD_BYTES:
        raise TooLarge(f"procedure.toml quá lớn ({len(card_toml)} byte, tối đa {MAX_CARD_BYTES}).",
                       message_en="procedure.toml is too large.")
    bpmn = draft.bpmn_xml if payload.get("bpmn_xml") is None else _text(payload["bpmn_xml"], "bpmn_xml").encode("utf-8")
    forms = dict(draft.forms or {})
    if payload.get("forms") is not None:
        forms = _forms(payload["forms"])
    return card_toml, bpmn, forms


def _text(value: Any, key: str) -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"'{key}' phải là văn bản.", message_en=f"'{key}' must be text.")
    return value


def _forms(value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or len(value) > MAX_FILES:
        raise InvalidInput("'forms' phải là bảng mã bước → nội dung JSON.", message_en="'forms' must map step ids to JSON text.")
    forms = {}
    for task_id, text in value.items():
        if not isinstance(task_id, str) or not _TASK_ID.match(task_id):
            raise InvalidInput(f"Mã bước '{task_id}' của biểu mẫu không hợp lệ.", message_en=f"Invalid form id '{task_id}'.")
        if text is None or (isinstance(text, str) and not text.strip()):
            continue  # an emptied form is removed
        text = _text(text, f"forms.{task_id}")
        if len(text.encode("utf-8")) > MAX_FORM_BYTES:
            raise TooLarge(f"Biểu mẫu '{task_id}' quá lớn (tối đa {MAX_FORM_BYTES} byte).",
                           message_en=f"Form '{task_id}' is too large.")
        forms[task_id] = text
    return forms


def _refuse_hostile(bpmn: bytes, filename: str) -> None:
    problems = bpmn_refusals(bpmn, filename)
    if problems:
        raise PackageError(
            "Không lưu: " + "; ".join(p.message for p in problems[:3]),
            message_en="Not saved: " + "; ".join(p.message_en for p in problems[:3]),
            details=[p.to_dict() for p in problems])


def check(card_toml: bytes, bpmn_filename: str, bpmn: bytes, forms: dict[str, str], slug: str) -> dict:
    """Validation as you work: the gate's refusals and the validator's problems, plus the deadline budget."""
    refused = bpmn_refusals(bpmn, bpmn_filename)
    parts, problems = validate_files(draft_files(card_toml, bpmn_filename, bpmn, forms), slug)
    covered = {(p.file, p.element_id) for p in problems if p.is_error}  # the validator says it in its own words
    problems = [p for p in refused if (p.file, p.element_id) not in covered] + problems
    return {"valid": not errors(problems), "problems": [p.to_dict() for p in problems],
            "budget": _budget(parts, bpmn, bpmn_filename, refused)}


def _budget(parts, bpmn: bytes, filename: str, refused: list[Problem]) -> dict | None:
    if refused:
        return None
    _, model = load_model(bpmn, filename)
    process_id = parts.card.process if parts.card else None
    total, path = longest_deadline_path(model, process_id)
    process = model.processes.get(process_id) if process_id else None
    names = [(process.nodes[i].name or i) if process and i in process.nodes else i for i in path]
    allowed = parts.card.statutory_duration if parts.card else None
    return {"total_minutes": total, "total_vi": WorkDuration(minutes=total).describe_vi(), "path": path,
            "path_names": names, "allowed_minutes": allowed.budget_minutes if allowed else None,
            "allowed_vi": allowed.describe_vi() if allowed else None,
            "exceeded": bool(allowed and total > allowed.budget_minutes)}


def validate_draft(ctx: EngineContext, actor: Actor | None, draft_id: int, content: dict | None = None) -> dict:
    """Validate the stored draft, or what the editor holds now (``content``, not stored)."""
    with guarded_transaction(ctx, actor, EDIT, f"draft:{draft_id}") as session:
        check_designer(actor, EDIT, f"draft:{draft_id}")
        draft = load_draft_for(session, actor, EDIT, draft_id, open_only=False)
        card_toml, bpmn, forms = _content(draft, content or {})
        return check(card_toml, draft.bpmn_filename, bpmn, forms, draft.slug)


def save_draft(ctx: EngineContext, actor: Actor | None, draft_id: int, payload: dict) -> dict:
    """Store the editor's content; returns the new revision and the validation of what was stored."""
    with guarded_transaction(ctx, actor, EDIT, f"draft:{draft_id}") as session:
        check_designer(actor, EDIT, f"draft:{draft_id}")
        draft = load_draft_for(session, actor, EDIT, draft_id)
        _check_revision(draft, payload.get("revision"))
        card_toml, bpmn, forms = _content(draft, payload)
        _refuse_hostile(bpmn, draft.bpmn_filename)
        fields, _ = card_fields(card_toml)
        if draft.procedure is not None and fields.get("code") not in (None, draft.procedure.code):
            raise InvalidInput(f"Không đổi được mã thủ tục {draft.procedure.code} trong bản nháp: mã là khoá của thủ tục.",
                               message_en="The procedure code of a draft of an existing procedure cannot change.",
                               details={"code": ["immutable"]})
        draft.card_toml, draft.bpmn_xml, draft.forms = card_toml, bpmn, forms
        draft.code = str(fields.get("code") or draft.code)[:40]
        draft.name = str(fields.get("name") or draft.name)[:500]
        draft.updated_by_name, draft.updated_at = actor.username if actor else SYSTEM_NAME, ctx.now()
        session.flush()
        return {"revision": draft.revision, **check(card_toml, draft.bpmn_filename, bpmn, forms, draft.slug)}


def _check_revision(draft: ProcedureDraft, revision) -> None:
    if revision is not None and revision != draft.revision:
        raise Conflict(f"Bản nháp đã được {draft.updated_by_name} lưu sau khi bạn mở; hãy tải lại trước khi lưu.",
                       message_en=f"The draft was saved by {draft.updated_by_name} since you opened it; reload first.",
                       details={"revision": draft.revision})


def publish_draft(ctx: EngineContext, actor: Actor | None, draft_id: int, note: str, revision: int | None = None
                  ) -> Publication:
    """Publish a valid draft with its change note: a new immutable version, in force for new dossiers."""
    note = (note or "").strip()
    with guarded_transaction(ctx, actor, "publish", f"draft:{draft_id}") as session:
        check_designer(actor, "publish", f"draft:{draft_id}")
        if not note:
            raise InvalidInput("Ban hành cần ghi chú thay đổi (nội dung, lý do, căn cứ).",
                               message_en="Publishing needs a change note.", details={"note": ["required"]})
        draft = load_draft_for(session, actor, "publish", draft_id)
        _check_revision(draft, revision)
        procedure = draft.procedure
        if procedure is not None and procedure.current_version_id != draft.base_version_id:
            current = procedure.current_version.number if procedure.current_version else "?"
            raise Conflict(f"Phiên bản {current} đã được ban hành sau khi tạo bản nháp này: hãy huỷ bản nháp và tạo bản "
                           "nháp mới từ phiên bản hiện hành để không ghi đè thay đổi đó.",
                           message_en=f"Version {current} was published after this draft was made; start a new draft.")
        _refuse_hostile(draft.bpmn_xml, draft.bpmn_filename)
        parts, problems = validate_files(draft_files(draft.card_toml, draft.bpmn_filename, draft.bpmn_xml,
                                                     draft.forms or {}), draft.slug)
        package = build_package(parts, problems)
        if procedure is not None and package.card.code != procedure.code:
            raise InvalidInput("Mã thủ tục của bản nháp khác mã thủ tục gốc.", message_en="The draft's code changed.")
        publication = store_version(session, ctx, package, note, actor)
        if not publication.created:
            raise Conflict(f"Bản nháp giống hệt phiên bản {publication.number}: không có gì để ban hành.",
                           message_en=f"The draft is identical to version {publication.number}: nothing to publish.")
        version = session.scalar(select(ProcedureVersion).join(Procedure, Procedure.id == ProcedureVersion.procedure_id)
                                 .where(Procedure.code == publication.code, ProcedureVersion.number == publication.number))
        draft.status, draft.open_key, draft.published_version_id = DraftStatus.PUBLISHED.value, None, version.id
        draft.procedure_id = version.procedure_id
        return publication


def discard_draft(ctx: EngineContext, actor: Actor | None, draft_id: int) -> None:
    with guarded_transaction(ctx, actor, EDIT, f"draft:{draft_id}") as session:
        check_designer(actor, EDIT, f"draft:{draft_id}")
        draft = load_draft_for(session, actor, EDIT, draft_id)
        draft.status, draft.open_key = DraftStatus.DISCARDED.value, None
        draft.updated_by_name, draft.updated_at = actor.username if actor else SYSTEM_NAME, ctx.now()
        audit(session, ctx, actor, "draft_discarded", draft.code, draft=draft.id)


def describe_duration(text: str) -> dict:
    """What a deadline means in working time, for the side panel ("PT4H" → "4 giờ làm việc")."""
    try:
        duration = parse_duration(text)
    except InvalidDuration as exc:
        return {"ok": False, "message": exc.message, "message_en": exc.message_en}
    return {"ok": True, "text": str(duration), "minutes": duration.budget_minutes, "same_day": duration.same_day,
            "describe_vi": duration.describe_vi()}
