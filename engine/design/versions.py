"""What the process designer reads: procedures with their versions (draft, in force, retired), who published
each and why, the diff between two versions, and checks for the side panel.

Designers see no dossier data: a version shows how many dossiers are still open on it (an aggregate), never
who they are. Version status is derived, not stored: the version the procedure points at is in force, every
earlier one was retired when the next was published (at that publication's time, by its author).
"""

from __future__ import annotations

from sqlalchemy import func, select

from engine.context import EngineContext
from engine.db.models import Dossier, Procedure, ProcedureDraft, ProcedureVersion
from engine.design.drafts import draft_owner, load_draft_for
from engine.enums import OPEN_DOSSIER_STATUSES, VERSION_STATUS_LABELS_VI, DraftStatus, VersionStatus
from engine.errors import NotFound, UnsafeExpression
from engine.org.actors import Actor
from engine.org.audit import guarded_transaction
from engine.org.authz import check_design_scope, check_designer, designer_agencies, may_design
from engine.procedures.card_edit import card_fields
from engine.procedures.diff import Side, diff_versions
from engine.procedures.expressions import compile_expression

READ = "read_procedures"


def _versions(session, procedure: Procedure, agencies: list[int] | None) -> list[dict]:
    rows = list(session.scalars(select(ProcedureVersion).where(ProcedureVersion.procedure_id == procedure.id)
                                .order_by(ProcedureVersion.number)))
    open_counts = dict(session.execute(
        select(Dossier.procedure_version_id, func.count()).where(
            Dossier.procedure_version_id.in_([v.id for v in rows]),
            Dossier.status.in_([s.value for s in OPEN_DOSSIER_STATUSES]),
            *([Dossier.agency_id.in_(agencies)] if agencies is not None else []))  # the designer's agencies only
        .group_by(Dossier.procedure_version_id)).all())
    out = []
    for i, v in enumerate(rows):
        successor = rows[i + 1] if i + 1 < len(rows) else None
        status = VersionStatus.PUBLISHED if v.id == procedure.current_version_id else VersionStatus.RETIRED
        out.append({
            "number": v.number, "status": status.value, "status_label": VERSION_STATUS_LABELS_VI[status],
            "content_hash": v.content_hash, "published_by": v.published_by_name, "published_at": v.published_at,
            "note": v.note, "retired_at": successor.published_at if status == VersionStatus.RETIRED and successor else None,
            "retired_by": successor.published_by_name if status == VersionStatus.RETIRED and successor else None,
            "open_dossiers": open_counts.get(v.id, 0), "steps": v.steps,
        })
    return out


def _draft_summary(draft: ProcedureDraft | None) -> dict | None:
    if draft is None:
        return None
    return {"id": draft.id, "status": VersionStatus.DRAFT.value, "status_label": VERSION_STATUS_LABELS_VI[VersionStatus.DRAFT],
            "name": draft.name, "base_version": draft.base_version.number if draft.base_version else None,
            "created_by": draft.created_by_name, "updated_by": draft.updated_by_name, "updated_at": draft.updated_at,
            "revision": draft.revision}


def _summary(session, procedure: Procedure, actor: Actor | None) -> dict:
    draft = session.scalar(select(ProcedureDraft).where(ProcedureDraft.open_key == procedure.slug))
    current = procedure.current_version
    return {"code": procedure.code, "slug": procedure.slug, "name": procedure.name,
            "current_version": current.number if current else None,
            "versions": _versions(session, procedure, designer_agencies(actor, session)),
            "draft": _draft_summary(draft)}


def list_procedures(ctx: EngineContext, actor: Actor | None) -> list[dict]:
    with guarded_transaction(ctx, actor, READ, "procedures", read_only=True) as session:
        check_designer(actor, READ, "procedures")
        result = [_summary(session, p, actor) for p in session.scalars(select(Procedure).order_by(Procedure.code))
                  if may_design(actor, session, p.owner_agency_id)]  # their agency's and those below
        for draft in session.scalars(select(ProcedureDraft).where(
                ProcedureDraft.procedure_id.is_(None), ProcedureDraft.status == DraftStatus.OPEN.value)):
            if not may_design(actor, session, draft_owner(session, draft)):
                continue
            result.append({"code": draft.code, "slug": draft.slug, "name": draft.name, "current_version": None,
                           "versions": [], "draft": _draft_summary(draft)})
        return result


def _procedure(session, code: str, actor: Actor | None = None) -> Procedure:
    procedure = session.scalar(select(Procedure).where(Procedure.code == code))
    if procedure is None:
        raise NotFound(f"Không có thủ tục mã '{code}'.", message_en=f"No procedure '{code}'.")
    check_design_scope(actor, session, procedure.owner_agency_id, READ, code)
    return procedure


def procedure_detail(ctx: EngineContext, actor: Actor | None, code: str) -> dict:
    with guarded_transaction(ctx, actor, READ, code, read_only=True) as session:
        check_designer(actor, READ, code)
        return _summary(session, _procedure(session, code, actor), actor)


def _side_of_version(v: ProcedureVersion) -> Side:
    return Side(card_fields(v.card_toml)[0], v.bpmn_xml, dict(v.forms or {}))


def version_diff(ctx: EngineContext, actor: Actor | None, code: str, old: int, new: int) -> dict:
    """Elements added, removed and changed, deadlines changed, card and forms changed, from ``old`` to ``new``."""
    with guarded_transaction(ctx, actor, READ, code, read_only=True) as session:
        check_designer(actor, READ, code)
        procedure = _procedure(session, code, actor)
        sides = {}
        for number in (old, new):
            version = session.scalar(select(ProcedureVersion).where(
                ProcedureVersion.procedure_id == procedure.id, ProcedureVersion.number == number))
            if version is None:
                raise NotFound(f"Thủ tục {code} không có phiên bản {number}.",
                               message_en=f"Procedure {code} has no version {number}.")
            sides[number] = _side_of_version(version)
        return {"code": code, "from": old, "to": new, **diff_versions(sides[old], sides[new]).to_dict()}


def draft_diff(ctx: EngineContext, actor: Actor | None, draft_id: int) -> dict:
    """What the draft changes against the version it was made from (empty sides for a new procedure)."""
    with guarded_transaction(ctx, actor, READ, f"draft:{draft_id}", read_only=True) as session:
        check_designer(actor, READ, f"draft:{draft_id}")
        draft = load_draft_for(session, actor, READ, draft_id, open_only=False)
        base = draft.base_version
        old = _side_of_version(base) if base else Side({}, b'<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"/>', {})
        new = Side(card_fields(draft.card_toml)[0], draft.bpmn_xml, dict(draft.forms or {}))
        return {"draft_id": draft.id, "from": base.number if base else None, "to": None,
                **diff_versions(old, new).to_dict()}


def check_expression(text: str) -> dict:
    """The safe evaluator's verdict on a gateway condition, for the side panel (nothing is evaluated)."""
    try:
        expr = compile_expression(text)
    except UnsafeExpression as exc:
        return {"ok": False, "message": exc.message, "message_en": exc.message_en}
    if not expr.maybe_boolean:
        return {"ok": False, "message": f"'{text}' không phải biểu thức logic: dùng phép so sánh, ví dụ fee > 0.",
                "message_en": f"'{text}' is not a boolean expression: use a comparison such as fee > 0."}
    return {"ok": True, "names": sorted(expr.names)}
