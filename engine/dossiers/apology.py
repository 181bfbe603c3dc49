"""The apology prompt (Form 04, DOMAIN §3): one working day before an appointment that the dossier
cannot make, the unit that causes the delay (or the agency's leader) is asked to issue the apology with
a new appointment. "Cannot make it": an open step is overdue, or its own deadline ends after the
appointment. The prompt is recorded once per dossier (an escalation row) with why and who may sign;
the dossier page shows it until the apology is issued."""

from __future__ import annotations

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from engine.db.models import Dossier, Escalation, Task
from engine.db.once import insert_once
from engine.dossiers.actions import MINUTES_BEFORE_APPOINTMENT_FOR_APOLOGY
from engine.dossiers.steps import open_tasks
from engine.dossiers.store import lock_dossier
from engine.enums import OPEN_TASK_STATES, DossierStatus, EscalationKind, NotificationTopic, Role
from engine.notify import messages
from engine.notify.outbox import notify_officers
from engine.notify.recipients import role_holders, unit_names
from engine.org.actors import Actor
from engine.org.authz import Action, may_on_dossier

NOTICE = f"PT{MINUTES_BEFORE_APPOINTMENT_FOR_APOLOGY}M"  # one working day
PROMPTABLE = frozenset({DossierStatus.RECEIVED, DossierStatus.PROCESSING})
SHOWN_WHILE = PROMPTABLE | {DossierStatus.AWAITING_SUPPLEMENT}
BASIS_UNIT_HEAD = "Trưởng đơn vị có bước chậm"
BASIS_LEADER = "Lãnh đạo cơ quan"


def _lagging(now):
    return or_(Task.overdue.is_(True), Task.due_at <= now, Task.due_at > Dossier.due_at)


def lags(task: Task, dossier: Dossier, now) -> bool:
    return task.overdue or task.due_at <= now or task.due_at > dossier.due_at


def candidates(session: Session, run) -> list[int]:
    horizon = run.calendar.add(run.now, NOTICE)
    return list(session.scalars(
        select(Task.dossier_id).join(Dossier, Dossier.id == Task.dossier_id)
        .where(Task.state.in_([s.value for s in OPEN_TASK_STATES]), Task.paused.is_(False), _lagging(run.now),
               Dossier.status.in_([s.value for s in PROMPTABLE]), Dossier.paused_at.is_(None),
               Dossier.apology_issued_at.is_(None), Dossier.due_at <= horizon,
               ~exists().where(Escalation.kind == EscalationKind.APOLOGY_PROMPT.value,
                               Escalation.dossier_id == Dossier.id))
        .distinct().order_by(Task.dossier_id).limit(run.settings.batch)))


def prompt(session: Session, run, dossier_id: int) -> int | None:
    dossier = lock_dossier(session, dossier_id)  # rechecked under the lock: an officer may act meanwhile
    if (dossier.status not in PROMPTABLE or dossier.paused_at is not None or dossier.apology_issued_at is not None
            or dossier.due_at > run.calendar.add(run.now, NOTICE)):
        return None
    tasks = open_tasks(session, dossier)
    late = [t for t in tasks if lags(t, dossier, run.now)]
    if not late:
        return None
    units = unit_names(session, [t.unit_id for t in late])
    signers = apology_signers(session, dossier, tasks, late)
    reason = "; ".join(_why(t, dossier, run.now, units) for t in late)
    key = f"apology:dossier:{dossier.id}"
    detail = {
        "reason": reason, "due_at": dossier.due_at.isoformat(),
        "steps": [{"task_id": t.id, "step_name": t.step_name, "unit": units.get(t.unit_id) or t.lane,
                   "due_at": t.due_at.isoformat(), "overdue": t.overdue or t.due_at <= run.now} for t in late],
        "signers": [{"username": u.username, "full_name": u.full_name, "unit": unit, "basis": basis}
                    for u, unit, basis in signers],
    }
    if not insert_once(session, Escalation, key=key, kind=EscalationKind.APOLOGY_PROMPT.value, at=run.now,
                       dossier_id=dossier.id, detail=detail):
        return None
    heads = [u for u, _unit, basis in signers if basis == BASIS_UNIT_HEAD]
    recipients = heads or [u for u, _unit, _basis in signers]
    names = [f"{u.full_name} ({unit or basis})" for u, unit, basis in signers]
    subject, body = messages.apology_prompt(dossier.code, dossier.procedure_version.card["name"], dossier.due_at,
                                            reason, names)
    return notify_officers(session, run.now, recipients, key=key, topic=NotificationTopic.APOLOGY_PROMPT,
                           subject=subject, body=body, dossier_id=dossier.id)


def _why(task: Task, dossier: Dossier, now, units: dict[int, str]) -> str:
    where = units.get(task.unit_id) or task.lane
    due = messages.when(task.due_at)
    if task.overdue or task.due_at <= now:
        return f"bước «{task.step_name}» ({where}) quá hạn từ {due}"
    return f"bước «{task.step_name}» ({where}) có hạn xử lý {due}, sau ngày hẹn trả {messages.when(dossier.due_at)}"


def apology_signers(session: Session, dossier: Dossier, tasks: list[Task], late: list[Task]) -> list[tuple]:
    """(user, unit name, basis) of everyone who may sign the apology (engine.org.authz decides), the heads of
    the lagging steps' units first, then the agency's leaders."""
    units = unit_names(session, [t.unit_id for t in late])
    found, seen = [], set()
    candidates_ = [(u, units.get(t.unit_id), BASIS_UNIT_HEAD) for t in late if t.unit_id is not None
                   for u in role_holders(session, Role.UNIT_HEAD, t.agency_id, t.unit_id)]
    candidates_ += [(u, None, BASIS_LEADER) for u in role_holders(session, Role.LEADER, dossier.agency_id)]
    for user, unit, basis in candidates_:
        if user.id not in seen and may_on_dossier(Actor.of(user), Action.APOLOGY, dossier, tasks):
            seen.add(user.id)
            found.append((user, unit, basis))
    return found


def prompt_for(session: Session, dossier: Dossier) -> dict | None:
    """The dossier page's "apology needed" panel: why and who may sign, until the apology is issued."""
    if dossier.apology_issued_at is not None or dossier.status not in SHOWN_WHILE:
        return None
    row = session.scalar(select(Escalation).where(Escalation.kind == EscalationKind.APOLOGY_PROMPT.value,
                                                  Escalation.dossier_id == dossier.id))
    return {"prompted_at": row.at.isoformat(), **row.detail} if row else None
