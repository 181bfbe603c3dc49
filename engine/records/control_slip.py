"""Records rendered from the database, never by hand (DOMAIN §4). Form 06: the process control slip."""

from __future__ import annotations

from sqlalchemy import select

from engine.context import EngineContext
from engine.db.models import Event, Unit, User
from engine.dossiers.store import dossier_tasks, load_dossier
from engine.enums import OUTCOME_LABELS_VI, EventKind, Outcome
from engine.org.actors import Actor
from engine.org.audit import guarded_transaction
from engine.org.authz import Action, check_view


def control_slip(ctx: EngineContext, actor: Actor, code: str) -> dict:
    """Phiếu kiểm soát quá trình giải quyết hồ sơ: one block per hand-over, with the step's result."""
    with guarded_transaction(ctx, actor, Action.VIEW, code, read_only=True) as session:
        dossier = load_dossier(session, code)
        tasks = dossier_tasks(session, dossier)
        check_view(actor, session, dossier, tasks)
        handovers = {e.payload.get("task_id"): e for e in session.scalars(select(Event).where(
            Event.dossier_id == dossier.id, Event.kind == EventKind.HANDED_OVER.value))}
        unit_ids = {t.unit_id for t in tasks} | {e.payload.get("from_unit_id") for e in handovers.values()}
        units = dict(session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(unit_ids - {None}))).all())
        user_ids = ({t.assignee_id for t in tasks} | {t.finished_by_id for t in tasks}
                    | {e.actor_id for e in handovers.values()})
        users = dict(session.execute(select(User.id, User.full_name).where(User.id.in_(user_ids - {None}))).all())
        blocks = []
        for task in sorted(tasks, key=lambda t: (t.ready_at, t.id)):
            handed = handovers.get(task.id)
            blocks.append({
                "step_id": task.step_id, "step_name": task.step_name,
                "from_unit": units.get(handed.payload.get("from_unit_id")) if handed else None,
                "from_lane": handed.payload.get("from_lane") if handed else None,
                "handed_by": users.get(handed.actor_id, handed.actor_name) if handed else None,
                "handed_at": task.ready_at, "to_unit": units.get(task.unit_id), "to_lane": task.lane,
                "received_by": users.get(task.assignee_id), "received_at": task.claimed_at,
                "due_at": task.due_at, "finished_at": task.finished_at, "finished_by": users.get(task.finished_by_id),
                "state": task.state, "outcome": task.outcome,
                "outcome_label": OUTCOME_LABELS_VI[Outcome(task.outcome)] if task.outcome else None,
            })
        version = dossier.procedure_version
        return {
            "form": "06", "title": "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ",
            "code": dossier.code, "agency": dossier.agency.name, "applicant": dossier.applicant_name,
            "procedure_code": version.card["code"], "procedure_name": version.card["name"],
            "received_at": dossier.received_at, "due_at": dossier.due_at, "status": dossier.status,
            "outcome": dossier.outcome, "blocks": blocks,
        }
