"""Read-side use cases: a dossier's detail for entitled officers, and the citizen's lookup by code + PIN."""

from __future__ import annotations

from sqlalchemy import select

from engine.context import EngineContext
from engine.db.models import Dossier, Event, Unit, User, UserRole
from engine.dossiers.actions import HANDED_BACK_FROM
from engine.dossiers.apology import prompt_for as apology_prompt_for
from engine.dossiers.online import RECEPTION_STEP
from engine.dossiers.pin_guard import admit, pin_state
from engine.dossiers.store import compiled_for, dossier_tasks, load_dossier
from engine.enums import DOSSIER_STATUS_LABELS_VI, OPEN_DOSSIER_STATUSES, OPEN_TASK_STATES, DossierStatus
from engine.errors import NotAuthorized
from engine.org.actors import Actor
from engine.org.audit import guarded_transaction
from engine.org.authz import Action, check_task, check_view, may_on_dossier


def _steps(tasks, units: dict[int, str], actor: Actor | None = None, forms: dict | None = None) -> list[dict]:
    steps = []
    for t in tasks:
        step = {"id": t.id, "step_id": t.step_id, "step_name": t.step_name, "lane": t.lane, "role": t.role,
                "unit": units.get(t.unit_id), "state": t.state, "assignee_id": t.assignee_id,
                "assignee": t.assignee.username if t.assignee else None, "ready_at": t.ready_at, "due_at": t.due_at,
                "finished_at": t.finished_at, "outcome": t.outcome, "overdue": t.overdue, "paused": t.paused}
        if actor is not None:
            step["allowed"] = task_actions(actor, t) if t.state in OPEN_TASK_STATES else []
            step["form"] = (forms or {}).get(t.step_id) if "complete" in step["allowed"] else None
        steps.append(step)
    return steps


def task_actions(actor: Actor, task) -> list[str]:
    """The step actions this actor may take now (what the dossier page offers, and only that)."""
    allowed = []
    for action in (Action.CLAIM, Action.COMPLETE, Action.RELEASE, Action.REASSIGN):
        try:
            check_task(actor, action, task)
        except NotAuthorized:
            continue
        if action == Action.CLAIM and task.assignee_id is not None:
            continue
        if action == Action.COMPLETE and task.assignee_id not in (None, actor.id):
            continue
        if action == Action.RELEASE and task.assignee_id is None:
            continue
        if action in (Action.CLAIM, Action.COMPLETE) and task.step_id == RECEPTION_STEP:
            continue  # an online submission is checked with accept / return / reject instead
        allowed.append(action.value)
    return allowed


DOSSIER_ACTIONS = (Action.REQUEST_SUPPLEMENT, Action.SUPPLEMENT, Action.REFUSE, Action.WITHDRAW, Action.APOLOGY,
                   Action.HAND_BACK, Action.RECEIVE)
ACTION_STATUSES = {
    Action.REQUEST_SUPPLEMENT: {DossierStatus.RECEIVED, DossierStatus.PROCESSING, DossierStatus.SUBMITTED},
    Action.SUPPLEMENT: {DossierStatus.AWAITING_SUPPLEMENT},
    Action.REFUSE: OPEN_DOSSIER_STATUSES,
    Action.WITHDRAW: OPEN_DOSSIER_STATUSES,
    Action.APOLOGY: {DossierStatus.RECEIVED, DossierStatus.PROCESSING, DossierStatus.AWAITING_SUPPLEMENT},
    Action.HAND_BACK: HANDED_BACK_FROM,
    Action.RECEIVE: {DossierStatus.SUBMITTED},
}


def dossier_actions(actor: Actor, dossier, tasks) -> list[str]:
    """Dossier-level actions this actor may take in the dossier's current state."""
    status = DossierStatus(dossier.status)
    allowed = [a.value for a in DOSSIER_ACTIONS
               if status in ACTION_STATUSES[a] and may_on_dossier(actor, a, dossier, tasks)]
    if Action.APOLOGY.value in allowed and dossier.apology_issued_at is not None:
        allowed.remove(Action.APOLOGY.value)
    if Action.HAND_BACK.value in allowed and dossier.returned_at is not None:
        allowed.remove(Action.HAND_BACK.value)
    return allowed


def _unit_names(session, tasks) -> dict[int, str]:
    ids = {t.unit_id for t in tasks if t.unit_id}
    return dict(session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(ids))).all()) if ids else {}


def _summary(dossier) -> dict:
    card = compiled_for(dossier).card  # cached per version: no load of the version row and its BPMN
    return {"code": dossier.code, "status": dossier.status,
            "status_label": DOSSIER_STATUS_LABELS_VI[DossierStatus(dossier.status)],
            "procedure_code": card.code, "procedure_name": card.name,
            "received_at": dossier.received_at, "due_at": dossier.due_at, "resolved_at": dossier.resolved_at,
            "returned_at": dossier.returned_at, "outcome": dossier.outcome}


def _pin_for_desk(session, actor: Actor, dossier, tasks) -> dict | None:
    """The lookup's lock state, for who may reissue the PIN (the desk of the dossier's agency) only."""
    if not may_on_dossier(actor, Action.REISSUE_PIN, dossier, tasks):
        return None
    return pin_state(session, dossier.id)


def dossier_detail(ctx: EngineContext, actor: Actor, code: str) -> dict:
    with guarded_transaction(ctx, actor, Action.VIEW, code, read_only=True) as session:
        dossier = load_dossier(session, code)
        tasks = dossier_tasks(session, dossier)
        check_view(actor, session, dossier, tasks)
        events = session.scalars(select(Event).where(Event.dossier_id == dossier.id).order_by(Event.seq))
        detail = {
            **_summary(dossier),
            "agency_code": dossier.agency.code, "agency_name": dossier.agency.name,
            "procedure_version": dossier.procedure_version.number, "channel": dossier.channel,
            "applicant": dossier.applicant, "documents": dossier.documents,
            "effective_received_at": dossier.effective_received_at, "statutory_due_at": dossier.statutory_due_at,
            "paused_at": dossier.paused_at, "paused_minutes": dossier.paused_minutes, "overdue": dossier.overdue,
            "apology_issued_at": dossier.apology_issued_at, "closed_reason": dossier.closed_reason,
            "apology_prompt": apology_prompt_for(session, dossier),  # Form 04 needed: why, and who may sign
            "steps": _steps(tasks, _unit_names(session, tasks), actor, compiled_for(dossier).package.forms),
            "allowed": dossier_actions(actor, dossier, tasks),
            "pin": _pin_for_desk(session, actor, dossier, tasks),
            "required_documents": dossier.procedure_version.card.get("required_documents", []),
            "events": [{"seq": e.seq, "kind": e.kind, "actor": e.actor_name, "at": e.at, "payload": e.payload,
                        "hash": e.hash} for e in events],
            "forms": compiled_for(dossier).package.forms,  # every step's form: its data read with the fields' titles
        }
        detail["people"] = people_named(session, {e["actor"] for e in detail["events"]}
                                        | {s["assignee"] for s in detail["steps"] if s["assignee"]})
        return detail


def people_named(session, usernames: set[str]) -> dict[str, dict]:
    """Officers by username: their full name and roles, to show people rather than accounts."""
    if not usernames:
        return {}
    found: dict[str, dict] = {}
    for username, full_name, role in session.execute(
            select(User.username, User.full_name, UserRole.role).outerjoin(UserRole, UserRole.user_id == User.id)
            .where(User.username.in_(sorted(usernames))).order_by(User.username, UserRole.role)):
        person = found.setdefault(username, {"full_name": full_name or username, "roles": []})
        if role:
            person["roles"].append(role)
    return found


def public_lookup(ctx: EngineContext, code: str, pin: str) -> dict:
    """What a citizen may see: no internal data, no names of officers. A wrong PIN looks like an unknown code
    (engine.dossiers.pin_guard: equal work, failures counted, lock-out)."""
    admitted = admit(ctx, code, pin)
    with ctx.db.transaction(read_only=True) as session:
        dossier = session.get(Dossier, admitted.dossier_id)
        tasks = dossier_tasks(session, dossier)
        units = _unit_names(session, tasks)
        return {**_summary(dossier),
                "steps": [{"step_name": t.step_name, "unit": units.get(t.unit_id), "state": t.state,
                           "ready_at": t.ready_at, "finished_at": t.finished_at, "outcome": t.outcome} for t in tasks]}
