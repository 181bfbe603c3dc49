"""Publishing procedures (document control, ISO 9001 §7.5): each publication stores an immutable
version with its content hash, number, author, time and note; publishing the content in force again is a
no-op, and a retired version's content comes back into force as a new version (``store_version``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from engine.context import EngineContext
from engine.db.models import Procedure, ProcedureVersion
from engine.errors import AlreadyExists, NotFound
from engine.inputs.textfold import fold
from engine.org.actors import SYSTEM_NAME, Actor
from engine.org.audit import audit, guarded_transaction
from engine.org.authz import check_design_scope, check_designer, owning_agency
from engine.procedures.card import ProcedurePackage
from engine.procedures.spiff import lane_of, parse_process, step_properties
from engine.procedures.validator import validate_or_raise


@dataclass(frozen=True)
class Publication:
    code: str
    slug: str
    number: int  # the version in force after the publication
    content_hash: str
    created: bool  # a new version was stored (False: the content is the version in force already)
    republished_from: int | None = None  # the retired version whose content came back into force


def card_dict(package: ProcedurePackage) -> dict:
    card = package.card
    return {
        "code": card.code, "name": card.name, "process": card.process, "level": card.level, "field": card.field,
        "statutory_duration": str(card.statutory_duration), "cutoff": card.cutoff.strftime("%H:%M") if card.cutoff else None,
        "pause_on_supplement": card.pause_on_supplement, "fee": card.fee, "result": card.result,
        "required_documents": list(card.required_documents),
        "parts": [p.to_dict() for p in card.parts], "results": [p.to_dict() for p in card.results],
        "lanes": {lane: {"role": r.role.value, "level": r.level, "unit": r.unit} for lane, r in card.lanes.items()},
    }


def steps_of(package: ProcedurePackage) -> dict[str, dict]:
    spec, _ = parse_process(package.bpmn_xml, package.card.process)
    return {
        name: {"name": ts.bpmn_name or name, "lane": lane_of(ts), "deadline": step_properties(ts).get("deadline")}
        for name, ts in spec.task_specs.items() if getattr(ts, "manual", False)
    }


def publish(ctx: EngineContext, source: str | Path | ProcedurePackage, note: str = "",
            actor: Actor | None = None) -> Publication:
    """Publish a package folder or a loaded package (a draft is published by engine.design.drafts.publish_draft)."""
    package = source if isinstance(source, ProcedurePackage) else validate_or_raise(source)
    with guarded_transaction(ctx, actor, "publish", package.card.code) as session:
        return store_version(session, ctx, package, note, actor)


def store_version(session: Session, ctx: EngineContext, package: ProcedurePackage, note: str,
                  actor: Actor | None) -> Publication:
    """Inside the caller's transaction: a new immutable version, in force from now (the previous one is
    retired: it stays for the dossiers started on it).

    Content identical to the version in force is a no-op (``created`` False). Content identical to a
    RETIRED version is what a designer does to roll back (re-importing an old export, or editing a draft
    back): it is published again as a NEW version, in force from now, whose number continues the sequence
    and which records ``republished_from`` (in its note and in the security log). The numbers stay the
    order in which versions came into force, and dossiers started on any version keep it."""
    check_designer(actor, "publish", package.card.code)
    procedure = session.scalar(select(Procedure).where(Procedure.code == package.card.code).with_for_update())
    if procedure is None:
        other = session.scalar(select(Procedure.code).where(Procedure.slug == package.slug))
        if other is not None:
            raise AlreadyExists(f"Tên gói '{package.slug}' đã dùng cho thủ tục {other}.",
                                message_en=f"Package name '{package.slug}' is already used by procedure {other}.")
        # The first publication decides the owner: the designer's agency (the top of the tree from the command line).
        procedure = Procedure(code=package.card.code, slug=package.slug, name=package.card.name,
                              owner_agency_id=actor.agency_id if actor else owning_agency(session, None))
        session.add(procedure)
        session.flush()
    else:
        check_design_scope(actor, session, procedure.owner_agency_id, "publish", procedure.code)
    current = procedure.current_version
    if current is not None and current.content_hash == package.content_hash:
        return Publication(procedure.code, procedure.slug, current.number, current.content_hash, False)
    retired = session.scalar(select(func.max(ProcedureVersion.number)).where(
        ProcedureVersion.procedure_id == procedure.id, ProcedureVersion.content_hash == package.content_hash))
    if retired is not None:
        back = f"Ban hành lại nội dung phiên bản {retired} / republishes version {retired}"
        note = f"{note} ({back})" if note.strip() else back
    number = (session.scalar(select(func.max(ProcedureVersion.number)).where(
        ProcedureVersion.procedure_id == procedure.id)) or 0) + 1
    version = ProcedureVersion(
        procedure_id=procedure.id, number=number, content_hash=package.content_hash, card=card_dict(package),
        card_toml=package.card_bytes, bpmn_filename=package.bpmn_filename, bpmn_xml=package.bpmn_xml,
        forms={k: v.decode() for k, v in package.form_bytes.items()}, steps=steps_of(package), published_by_id=actor.id if actor else None,
        published_by_name=actor.username if actor else SYSTEM_NAME, published_at=ctx.now(), note=note,
    )
    session.add(version)
    session.flush()
    procedure.current_version_id, procedure.name = version.id, package.card.name
    catalogue_entry(procedure, package.card.code, package.card.name, package.card.field, package.card.level)
    audit(session, ctx, actor, "procedure_published", procedure.code, number=number, hash=package.content_hash,
          note=note, **({"republished_from": retired} if retired is not None else {}))
    return Publication(procedure.code, procedure.slug, number, package.content_hash, True, retired)


# The procedure and its version in force, in one statement: both land in the session, so following
# ``procedure.current_version`` or ``version.procedure`` afterwards costs no query (every reception reads it).
_CURRENT = (select(Procedure, ProcedureVersion).join(ProcedureVersion, ProcedureVersion.id == Procedure.current_version_id)
            .where(Procedure.code == bindparam("code")))


def catalogue_entry(procedure: Procedure, code: str, name: str, field: str, level: str) -> None:
    """The catalogue's columns of a procedure, from the version in force (searched by engine.procedures.catalogue)."""
    procedure.search_text = fold(f"{code} {name}")[:600]
    procedure.field, procedure.level = (field or "")[:255], (level or "")[:20]


def current_version(session: Session, procedure_code: str) -> ProcedureVersion:
    row = session.execute(_CURRENT, {"code": procedure_code}).first()
    if row is None:
        raise NotFound(f"Không có thủ tục đã ban hành mã '{procedure_code}'.",
                       message_en=f"No published procedure with code '{procedure_code}'.")
    return row.ProcedureVersion


def list_procedures(ctx: EngineContext) -> list[dict]:
    with ctx.db.transaction() as session:
        rows = session.scalars(select(Procedure).order_by(Procedure.code))
        return [describe(p.current_version) for p in rows if p.current_version is not None]


def get_procedure(ctx: EngineContext, code: str) -> dict:
    with ctx.db.transaction() as session:
        return describe(current_version(session, code))


def describe(version: ProcedureVersion) -> dict:
    return {**version.card, "version": version.number, "content_hash": version.content_hash,
            "published_at": version.published_at, "published_by": version.published_by_name, "note": version.note,
            "steps": version.steps}
