"""Read-side use cases: a dossier's detail for entitled officers, and the citizen's lookup by code + PIN."""

from __future__ import annotations

from sqlalchemy import select

from engine.actors import Actor
from engine.audit import guarded_transaction
from engine.authz import Action, check_view
from engine.context import EngineContext
from engine.db.models import Event, Unit
from engine.enums import DOSSIER_STATUS_LABELS_VI, DossierStatus
from engine.security import verify_pin
from engine.store import dossier_not_found, dossier_tasks, load_dossier


def _steps(tasks, units: dict[int, str]) -> list[dict]:
    return [
        {"id": t.id, "step_id": t.step_id, "step_name": t.step_name, "lane": t.lane, "role": t.role,
         "unit": units.get(t.unit_id), "state": t.state, "assignee_id": t.assignee_id, "ready_at": t.ready_at,
         "due_at": t.due_at, "finished_at": t.finished_at, "outcome": t.outcome, "overdue": t.overdue,
         "paused": t.paused}
        for t in tasks
    ]


def _unit_names(session, tasks) -> dict[int, str]:
    ids = {t.unit_id for t in tasks if t.unit_id}
    return dict(session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(ids))).all()) if ids else {}


def _summary(dossier) -> dict:
    version = dossier.procedure_version
    return {"code": dossier.code, "status": dossier.status,
            "status_label": DOSSIER_STATUS_LABELS_VI[DossierStatus(dossier.status)],
            "procedure_code": version.card["code"], "procedure_name": version.card["name"],
            "received_at": dossier.received_at, "due_at": dossier.due_at, "resolved_at": dossier.resolved_at,
            "returned_at": dossier.returned_at, "outcome": dossier.outcome}


def dossier_detail(ctx: EngineContext, actor: Actor, code: str) -> dict:
    with guarded_transaction(ctx, actor, Action.VIEW, code) as session:
        dossier = load_dossier(session, code)
        tasks = dossier_tasks(session, dossier)
        check_view(actor, session, dossier, tasks)
        events = session.scalars(select(Event).where(Event.dossier_id == dossier.id).order_by(Event.seq))
        return {
            **_summary(dossier),
            "agency_code": dossier.agency.code, "agency_name": dossier.agency.name,
            "procedure_version": dossier.procedure_version.number, "channel": dossier.channel,
            "applicant": dossier.applicant, "documents": dossier.documents,
            "effective_received_at": dossier.effective_received_at, "statutory_due_at": dossier.statutory_due_at,
            "paused_at": dossier.paused_at, "paused_minutes": dossier.paused_minutes, "overdue": dossier.overdue,
            "apology_issued_at": dossier.apology_issued_at, "closed_reason": dossier.closed_reason,
            "steps": _steps(tasks, _unit_names(session, tasks)),
            "events": [{"seq": e.seq, "kind": e.kind, "actor": e.actor_name, "at": e.at, "payload": e.payload,
                        "hash": e.hash} for e in events],
        }


def public_lookup(ctx: EngineContext, code: str, pin: str) -> dict:
    """What a citizen may see: no internal data, no names of officers. A wrong PIN looks like an unknown code."""
    with ctx.db.transaction() as session:
        dossier = load_dossier(session, code)
        if not verify_pin(dossier.pin_hash, pin or ""):
            raise dossier_not_found(code)
        tasks = dossier_tasks(session, dossier)
        units = _unit_names(session, tasks)
        return {**_summary(dossier),
                "steps": [{"step_name": t.step_name, "unit": units.get(t.unit_id), "state": t.state,
                           "ready_at": t.ready_at, "finished_at": t.finished_at, "outcome": t.outcome} for t in tasks]}
