"""Import and export of procedure packages (zip of procedure.toml + BPMN + forms), for the page and the CLI.

Import is the riskiest door into the store: the zip is size-checked before it is opened (engine.procedures
.zipio), paths are checked (no traversal), and the BPMN goes through the same gate as a draft save, so a
hostile package is refused whole and nothing is stored. A package that is merely incomplete becomes a
draft (its problems are listed); ``publish=True`` publishes it at once, which needs it valid and a note.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from engine.context import EngineContext
from engine.db.models import Procedure, ProcedureDraft, ProcedureVersion
from engine.design.drafts import check, draft_files, load_draft_for, new_draft
from engine.errors import InvalidInput, NotFound, PackageError
from engine.org.actors import Actor
from engine.org.audit import audit, guarded_transaction
from engine.org.authz import check_design_scope, check_designer
from engine.procedures import Problem, errors
from engine.procedures.bpmn import MAX_BPMN_BYTES
from engine.procedures.card import (
    CARD_FILE,
    FORMS_DIR,
    MAX_CARD_BYTES,
    MAX_FORM_BYTES,
    _normalise_files,
    build_package,
    collect_package,
)
from engine.procedures.card_edit import card_fields
from engine.procedures.gate import bpmn_refusals
from engine.procedures.publishing import Publication, store_version
from engine.procedures.validator import validate_files
from engine.procedures.zipio import guess_slug, read_zip, write_zip

IMPORT = "import_procedure"


@dataclass(frozen=True)
class ImportResult:
    code: str
    draft_id: int | None = None
    publication: Publication | None = None
    problems: tuple[dict, ...] = ()

    def to_dict(self) -> dict:
        pub = self.publication
        return {"code": self.code, "draft_id": self.draft_id, "problems": list(self.problems),
                "published": None if pub is None else {"number": pub.number, "content_hash": pub.content_hash,
                                                       "created": pub.created,
                                                       "republished_from": pub.republished_from}}

    @property
    def created(self) -> bool:
        """Something new was stored: a draft, or a new version in force (not the version in force again)."""
        return self.draft_id is not None or (self.publication is not None and self.publication.created)


def _refuse(problems: list[Problem], vi: str, en: str) -> PackageError:
    return PackageError(vi + " " + "; ".join(p.message for p in problems[:3]),
                        message_en=en + " " + "; ".join(p.message_en for p in problems[:3]),
                        details=[p.to_dict() for p in problems])


def _unsafe_files(files: dict[str, bytes]) -> list[Problem]:
    """Paths that escape the package (``..``, absolute) and files over their limit: never stored."""
    out: list[Problem] = []
    clean = _normalise_files(files, out)
    limits = {CARD_FILE: MAX_CARD_BYTES}
    for name, content in clean.items():
        limit = limits.get(name, MAX_FORM_BYTES if name.startswith(FORMS_DIR + "/") else MAX_BPMN_BYTES)
        if len(content) > limit:
            out.append(Problem(name, None, f"Tệp {name} quá lớn ({len(content)} byte, tối đa {limit}).",
                               "Rút gọn tệp.", f"{name} is too large ({len(content)} bytes, at most {limit})."))
    return out


def import_package(ctx: EngineContext, actor: Actor | None, data: bytes, *, publish: bool = False, note: str = "",
                   slug: str | None = None) -> ImportResult:
    """A zip becomes a draft of its procedure (or a new procedure), or a published version with ``publish``:
    a new version in force, including when its content is that of a retired version (a rollback: published
    again as a new number, ``republished_from`` naming the old one); nothing is stored when it is the version
    in force already (``created`` False)."""
    files = read_zip(data)
    slug = slug or guess_slug(files)
    if not slug:
        raise InvalidInput("Không xác định được tên gói: đóng gói trong một thư mục <tên_gói>/ (chữ thường, số, _).",
                           message_en="Cannot tell the package name: zip it inside one folder <slug>/.")
    unsafe = _unsafe_files(files)
    parts, problems = collect_package(files, slug)
    if parts.bpmn_xml is not None:
        unsafe += bpmn_refusals(parts.bpmn_xml, parts.bpmn_filename)
    if unsafe:
        raise _refuse(unsafe, "Gói bị từ chối, không có gì được lưu:", "Package refused, nothing stored:")
    if parts.bpmn_xml is None or not parts.card_bytes:
        raise _refuse(errors(problems), "Gói thiếu phần bắt buộc:", "Package lacks required files:")
    code = card_fields(parts.card_bytes)[0].get("code")
    if not isinstance(code, str) or not code.strip():
        raise _refuse(errors(problems) or [], "procedure.toml phải đọc được và có mã thủ tục (code).",
                      "procedure.toml must be readable and give the procedure code.")
    forms = {task_id: content.decode("utf-8", "replace") for task_id, content in parts.form_bytes.items()}
    with guarded_transaction(ctx, actor, IMPORT, code) as session:
        check_designer(actor, IMPORT, code)
        procedure = session.scalar(select(Procedure).where(Procedure.code == code.strip()))
        if procedure is not None:
            check_design_scope(actor, session, procedure.owner_agency_id, IMPORT, procedure.code)
        slug = procedure.slug if procedure else slug
        if publish:
            if not note.strip():
                raise InvalidInput("Ban hành cần ghi chú thay đổi.", message_en="Publishing needs a change note.",
                                   details={"note": ["required"]})
            parts, problems = validate_files(draft_files(parts.card_bytes, parts.bpmn_filename, parts.bpmn_xml, forms), slug)
            publication = store_version(session, ctx, build_package(parts, problems), note.strip(), actor)
            audit(session, ctx, actor, IMPORT, code, published=publication.number, created=publication.created)
            return ImportResult(code, publication=publication)
        draft = new_draft(session, ctx, actor, procedure=procedure, slug=slug,
                          base=procedure.current_version if procedure else None, card_toml=parts.card_bytes,
                          bpmn_filename=parts.bpmn_filename, bpmn_xml=parts.bpmn_xml, forms=forms)
        audit(session, ctx, actor, IMPORT, code, draft=draft.id)
        found = check(parts.card_bytes, parts.bpmn_filename, parts.bpmn_xml, forms, slug)
        return ImportResult(code, draft_id=draft.id, problems=tuple(found["problems"]))


def export_version(ctx: EngineContext, actor: Actor | None, code: str, number: int | None = None) -> tuple[str, bytes]:
    """(file name, zip bytes) of a published version (the one in force by default); re-importable as is."""
    with guarded_transaction(ctx, actor, "export_procedure", code) as session:
        check_designer(actor, "export_procedure", code)
        procedure = session.scalar(select(Procedure).where(Procedure.code == code))
        if procedure is None:
            raise NotFound(f"Không có thủ tục mã '{code}'.", message_en=f"No procedure '{code}'.")
        check_design_scope(actor, session, procedure.owner_agency_id, "export_procedure", code)
        version = procedure.current_version if number is None else session.scalar(select(ProcedureVersion).where(
            ProcedureVersion.procedure_id == procedure.id, ProcedureVersion.number == number))
        if version is None:
            raise NotFound(f"Thủ tục {code} không có phiên bản {number}.", message_en=f"Procedure {code} has no version {number}.")
        forms = {k: v.encode("utf-8") for k, v in (version.forms or {}).items()}
        data = write_zip(procedure.slug, version.card_toml, version.bpmn_filename, version.bpmn_xml, forms)
        return f"{procedure.slug}-v{version.number}.zip", data


def export_draft(ctx: EngineContext, actor: Actor | None, draft_id: int) -> tuple[str, bytes]:
    with guarded_transaction(ctx, actor, "export_procedure", f"draft:{draft_id}") as session:
        check_designer(actor, "export_procedure", f"draft:{draft_id}")
        draft: ProcedureDraft = load_draft_for(session, actor, "export_procedure", draft_id, open_only=False)
        forms = {k: v.encode("utf-8") for k, v in (draft.forms or {}).items()}
        return f"{draft.slug}-draft{draft.id}.zip", write_zip(draft.slug, draft.card_toml, draft.bpmn_filename,
                                                              draft.bpmn_xml, forms)
