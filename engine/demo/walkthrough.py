"""A scripted run of a procedure through the real use cases, for the demo and for smoke checks:
each ready step is claimed and completed by an officer who holds its lane."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from engine.context import EngineContext
from engine.db.models import Dossier, Task, User, UserRole
from engine.dossiers import actions as dossiers
from engine.dossiers import tasks
from engine.dossiers.reception import Receipt, receive
from engine.dossiers.store import compiled_for
from engine.enums import OPEN_TASK_STATES, DossierStatus
from engine.org.actors import Actor

MAX_STEPS = 50
SAMPLE_TEXT = "Đã kiểm tra, đủ điều kiện theo quy định."


def sample_value(prop: dict, key: str):
    kind = prop.get("type")
    if "enum" in prop:
        return prop["enum"][0]
    if "const" in prop:
        return prop["const"]
    if kind == "boolean":
        return True
    if kind in ("integer", "number"):
        return prop.get("minimum", 1)
    if kind == "array":
        return []
    if kind == "object":
        return {}
    return SAMPLE_TEXT if prop.get("minLength", 0) <= len(SAMPLE_TEXT) else SAMPLE_TEXT * 2


def sample_data(schema: dict | None, answers: dict | None = None) -> dict:
    """Data satisfying a step's form: every required field filled, then the scenario's answers for
    the fields this form has (e.g. ``{"eligible": False}`` takes the refusal branch wherever asked)."""
    properties = (schema or {}).get("properties", {})
    data = {key: sample_value(properties.get(key, {}), key) for key in (schema or {}).get("required", [])}
    data.update({k: v for k, v in (answers or {}).items() if k in properties})
    return data


def eligible_actor(ctx: EngineContext, task_id: int) -> Actor:
    with ctx.db.transaction() as session:
        task = session.get(Task, task_id)
        query = (select(User).join(UserRole, UserRole.user_id == User.id)
                 .where(User.agency_id == task.agency_id, UserRole.role == task.role, User.active.is_(True)))
        if task.unit_id is not None:
            query = query.where(User.unit_id == task.unit_id)
        user = session.scalars(query.order_by(User.id)).first()
        if user is None:
            raise LookupError(f"no officer can work step {task.step_id} of {task.dossier_code}")
        return Actor.of(user)


@dataclass
class Walk:
    receipt: Receipt
    steps: list[tuple[str, str, str]] = field(default_factory=list)  # (step, officer, outcome)
    status: str = ""


def open_task_ids(ctx: EngineContext, code: str) -> list[int]:
    with ctx.db.transaction() as session:
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        return list(session.scalars(select(Task.id).where(
            Task.dossier_id == dossier.id, Task.state.in_(list(OPEN_TASK_STATES))).order_by(Task.id)))


def complete_open_steps(ctx: EngineContext, code: str, answers: dict | None = None) -> list[tuple[str, str, str]]:
    """Claim and complete every open step, and the ones they lead to, until none is left."""
    done = []
    for _ in range(MAX_STEPS):
        ids = open_task_ids(ctx, code)
        if not ids:
            return done
        for task_id in ids:
            actor = eligible_actor(ctx, task_id)
            with ctx.db.transaction() as session:
                task = session.get(Task, task_id)
                step_id, form = task.step_id, compiled_for(task.dossier).form(task.step_id)
            tasks.claim(ctx, actor, task_id)
            outcome = tasks.complete(ctx, actor, task_id, {"data": sample_data(form, answers)})
            done.append((step_id, actor.username, outcome.value))
    raise RuntimeError(f"dossier {code} still has open steps after {MAX_STEPS} rounds")


def walk(ctx: EngineContext, desk: Actor, request: dict, answers: dict | None = None,
         hand_back: bool = True) -> Walk:
    """Receive, then complete every step with sample data and the scenario's answers until the end."""
    result = Walk(receive(ctx, desk, request))
    result.steps = complete_open_steps(ctx, result.receipt.code, answers)
    with ctx.db.transaction() as session:
        result.status = session.scalar(select(Dossier.status).where(Dossier.code == result.receipt.code))
    if hand_back and result.status == DossierStatus.RESOLVED:
        dossiers.hand_back(ctx, desk, result.receipt.code, "Đã trả kết quả cho người nộp.")
        result.status = DossierStatus.RETURNED.value
    return result
