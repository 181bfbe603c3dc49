"""Read-side use cases: a dossier's detail for entitled officers, and the citizen's lookup by code + PIN."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from engine.context import EngineContext
from engine.db.models import Dossier, Event, Unit, User, UserRole
from engine.dossiers.actions import HANDED_BACK_FROM
from engine.dossiers.apology import prompt_for as apology_prompt_for
from engine.dossiers.online import RECEPTION_STEP
from engine.dossiers.pin_guard import admit, pin_state
from engine.dossiers.store import compiled_for, dossier_tasks, load_dossier
from engine.enums import DOSSIER_STATUS_LABELS_VI, OPEN_DOSSIER_STATUSES, OPEN_TASK_STATES, DossierStatus, EventKind
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


# What the citizen must know of each change (DOMAIN §3, §4): never an officer's name, only what the forms say.
PUBLIC_EVENTS = (EventKind.SUPPLEMENT_REQUESTED, EventKind.SUPPLEMENTED, EventKind.REFUSED, EventKind.WITHDRAWN,
                 EventKind.APOLOGY_ISSUED, EventKind.DOSSIER_OVERDUE)
ANSWERABLE_ONLINE = frozenset({DossierStatus.INCOMPLETE.value, DossierStatus.AWAITING_SUPPLEMENT.value})


def _explanation(kind: str, payload: dict, units: dict[int, str]) -> dict:
    if kind == EventKind.SUPPLEMENT_REQUESTED:
        return {"reason": payload.get("reason", ""), "missing": list(payload.get("missing") or []),
                "before_receipt": bool(payload.get("before_receipt")),
                "clock_paused": bool(payload.get("clock_paused"))}
    if kind == EventKind.SUPPLEMENTED:
        return {"documents": list(payload.get("documents") or []), "paused_minutes": payload.get("paused_minutes") or 0,
                "due_at": _instant(payload.get("due_at")), "online": bool(payload.get("online")),
                "before_receipt": bool(payload.get("before_receipt"))}
    if kind in (EventKind.REFUSED, EventKind.WITHDRAWN):
        return {"reason": payload.get("reason", ""), "legal_basis": payload.get("legal_basis", ""),
                "at_reception": bool(payload.get("at_reception")), "by_process": bool(payload.get("by_process"))}
    if kind == EventKind.APOLOGY_ISSUED:
        return {"reason": payload.get("reason", ""), "old_due_at": _instant(payload.get("old_due_at")),
                "new_due_at": _instant(payload.get("new_due_at")),
                "units": [units[u] for u in payload.get("responsible_unit_ids") or [] if u in units]}
    return {}


def _instant(text):
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None


def _explanations(session, dossier) -> list[dict]:
    rows = session.execute(select(Event.kind, Event.at, Event.payload).where(
        Event.dossier_id == dossier.id, Event.kind.in_([k.value for k in PUBLIC_EVENTS])).order_by(Event.seq)).all()
    unit_ids = {u for r in rows if r.kind == EventKind.APOLOGY_ISSUED
                for u in (r.payload or {}).get("responsible_unit_ids") or [] if isinstance(u, int)}
    units = dict(session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(unit_ids))).all()) if unit_ids else {}
    return [{"kind": r.kind, "at": r.at, **_explanation(r.kind, r.payload or {}, units)} for r in rows]


def _clock(ctx: EngineContext, session, dossier) -> dict:
    """The appointment as the citizen should read it now: pushed by a pause still running, overdue when passed."""
    now = ctx.now()
    open_ = dossier.status in {s.value for s in OPEN_DOSSIER_STATUSES}
    paused_now = dossier.paused_at is not None
    projected = dossier.due_at
    if paused_now and dossier.due_at is not None:  # the pause so far moves the appointment as far, in working time
        minutes = ctx.calendar(session).working_minutes_between(dossier.paused_at, now)
        projected = ctx.calendar(session).add(dossier.due_at, f"PT{minutes}M") if minutes else dossier.due_at
    overdue = bool(open_ and not paused_now and dossier.due_at is not None
                   and dossier.status not in (DossierStatus.SUBMITTED.value, DossierStatus.INCOMPLETE.value)
                   and (dossier.overdue or now > dossier.due_at))
    return {"paused": paused_now, "paused_at": dossier.paused_at, "paused_minutes": dossier.paused_minutes,
            "projected_due_at": projected, "overdue": overdue, "apology_issued_at": dossier.apology_issued_at}


def public_lookup(ctx: EngineContext, code: str, pin: str) -> dict:
    """What a citizen may see: no internal data, no names of officers. A wrong PIN looks like an unknown code
    (engine.dossiers.pin_guard: equal work, failures counted, lock-out). ``explanations`` say why the dossier
    changed state (what a supplement request asks for, a refusal's reason and legal basis, an apology's new date
    and responsible units); ``clock`` the appointment as moved by pauses and whether it has passed."""
    admitted = admit(ctx, code, pin)
    with ctx.db.transaction(read_only=True) as session:
        dossier = session.get(Dossier, admitted.dossier_id)
        tasks = dossier_tasks(session, dossier)
        units = _unit_names(session, tasks)
        return {**_summary(dossier), "agency_name": dossier.agency.name,
                "answer_online": dossier.status in ANSWERABLE_ONLINE,
                "clock": _clock(ctx, session, dossier), "explanations": _explanations(session, dossier),
                "steps": [{"kind": "step", "at": t.finished_at or t.ready_at, "step_name": t.step_name, "unit": units.get(t.unit_id), "state": t.state,
                           "ready_at": t.ready_at, "finished_at": t.finished_at, "due_at": t.due_at,
                           "outcome": t.outcome, "overdue": bool(t.overdue), "paused": bool(t.paused)}
                          for t in tasks]}
