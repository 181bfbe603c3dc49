"""Publishing procedures (document control, ISO 9001 §7.5): each publication stores an immutable
version with its content hash, number, author, time and note; republishing identical content is a no-op."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from engine.context import EngineContext
from engine.db.models import Procedure, ProcedureVersion
from engine.errors import AlreadyExists, NotFound
from engine.org.actors import SYSTEM_NAME, Actor
from engine.org.audit import audit, guarded_transaction
from engine.org.authz import check_designer
from engine.procedures.card import ProcedurePackage
from engine.procedures.spiff import lane_of, parse_process, step_properties
from engine.procedures.validator import validate_or_raise


@dataclass(frozen=True)
class Publication:
    code: str
    slug: str
    number: int
    content_hash: str
    created: bool


def card_dict(package: ProcedurePackage) -> dict:
    card = package.card
    return {
        "code": card.code, "name": card.name, "process": card.process, "level": card.level, "field": card.field,
        "statutory_duration": str(card.statutory_duration), "cutoff": card.cutoff.strftime("%H:%M") if card.cutoff else None,
        "pause_on_supplement": card.pause_on_supplement, "fee": card.fee, "result": card.result,
        "required_documents": list(card.required_documents),
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
    retired: it stays for the dossiers started on it); identical content is a no-op."""
    check_designer(actor, "publish", package.card.code)
    procedure = session.scalar(select(Procedure).where(Procedure.code == package.card.code))
    if procedure is None:
        other = session.scalar(select(Procedure.code).where(Procedure.slug == package.slug))
        if other is not None:
            raise AlreadyExists(f"Tên gói '{package.slug}' đã dùng cho thủ tục {other}.",
                                message_en=f"Package name '{package.slug}' is already used by procedure {other}.")
        procedure = Procedure(code=package.card.code, slug=package.slug, name=package.card.name)
        session.add(procedure)
        session.flush()
    existing = session.scalar(select(ProcedureVersion).where(
        ProcedureVersion.procedure_id == procedure.id, ProcedureVersion.content_hash == package.content_hash))
    if existing is not None:
        return Publication(procedure.code, procedure.slug, existing.number, existing.content_hash, False)
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
    audit(session, ctx, actor, "procedure_published", procedure.code, number=number, hash=package.content_hash, note=note)
    return Publication(procedure.code, procedure.slug, number, package.content_hash, True)


# The procedure and its version in force, in one statement: both land in the session, so following
# ``procedure.current_version`` or ``version.procedure`` afterwards costs no query (every reception reads it).
_CURRENT = (select(Procedure, ProcedureVersion).join(ProcedureVersion, ProcedureVersion.id == Procedure.current_version_id)
            .where(Procedure.code == bindparam("code")))


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
