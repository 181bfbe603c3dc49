"""Responsibility boundaries (DOMAIN §2): the one place that decides who may do what.

Every use case calls one of the ``check_*`` functions inside its transaction; a refusal raises
NotAuthorized, which the service layer logs to the audit log before re-raising.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.actors import Actor
from engine.db.models import Agency, Dossier, Task
from engine.enums import OPEN_TASK_STATES, Role
from engine.errors import NotAuthorized


class Action(StrEnum):
    RECEIVE = "receive"
    VIEW = "view_dossier"
    CLAIM = "claim"
    RELEASE = "release"
    COMPLETE = "complete"
    REASSIGN = "reassign"
    REQUEST_SUPPLEMENT = "request_supplement"
    SUPPLEMENT = "supplement"
    REFUSE = "refuse"
    WITHDRAW = "withdraw"
    APOLOGY = "apology"
    HAND_BACK = "hand_back"


# Dossier-level actions open to these roles in the dossier's responsible agency.
_AGENCY_ROLES: dict[Action, frozenset[Role]] = {
    Action.RECEIVE: frozenset({Role.DESK}),  # accepting an online submission
    Action.VIEW: frozenset({Role.DESK, Role.LEADER}),
    Action.REQUEST_SUPPLEMENT: frozenset({Role.DESK}),
    Action.SUPPLEMENT: frozenset({Role.DESK}),
    Action.REFUSE: frozenset({Role.DESK, Role.LEADER}),
    Action.WITHDRAW: frozenset({Role.DESK}),
    Action.APOLOGY: frozenset({Role.LEADER}),
    Action.HAND_BACK: frozenset({Role.DESK}),
}


def _deny(actor: Actor, action: Action, target: str) -> NotAuthorized:
    return NotAuthorized(
        f"Người dùng '{actor.username}' không có thẩm quyền thực hiện '{action.value}' đối với {target}.",
        message_en=f"User '{actor.username}' may not '{action.value}' on {target}.",
        details={"action": action.value, "target": target},
    )


def agency_chain(session: Session, agency_id: int) -> list[int]:
    """The agency and its ancestors, nearest first."""
    chain, current = [], agency_id
    while current is not None and current not in chain:
        chain.append(current)
        current = session.scalar(select(Agency.parent_id).where(Agency.id == current))
    return chain


def may_work_task(actor: Actor, task: Task) -> bool:
    """The lane rule: the task's role, in the task's agency, and in its unit when it names one."""
    return (
        actor.agency_id == task.agency_id
        and Role(task.role) in actor.roles
        and (task.unit_id is None or task.unit_id == actor.unit_id)
    )


def heads_unit_of(actor: Actor, task: Task) -> bool:
    return (
        actor.has(Role.UNIT_HEAD)
        and actor.agency_id == task.agency_id
        and task.unit_id is not None
        and task.unit_id == actor.unit_id
    )


def check_task(actor: Actor, action: Action, task: Task) -> None:
    allowed = {
        Action.CLAIM: may_work_task(actor, task),
        Action.COMPLETE: may_work_task(actor, task),
        Action.RELEASE: (task.assignee_id in (None, actor.id) and may_work_task(actor, task)) or heads_unit_of(actor, task),
        Action.REASSIGN: heads_unit_of(actor, task),
    }.get(action, False)
    if not allowed:
        raise _deny(actor, action, f"bước '{task.step_id}' của hồ sơ {task.dossier_code}")


def check_receive(actor: Actor, session: Session, agency_id: int) -> None:
    """The desk receives for its own agency or, on behalf of it, for an agency above it (liên thông)."""
    if not (actor.has(Role.DESK) and agency_id in agency_chain(session, actor.agency_id)):
        raise _deny(actor, Action.RECEIVE, f"cơ quan #{agency_id}")


def check_dossier(actor: Actor, action: Action, dossier: Dossier, tasks: Iterable[Task]) -> None:
    if not may_on_dossier(actor, action, dossier, tasks):
        raise _deny(actor, action, f"hồ sơ {dossier.code}")


def may_on_dossier(actor: Actor, action: Action, dossier: Dossier, tasks: Iterable[Task],
                   auditor_agencies: Iterable[int] = ()) -> bool:
    tasks = list(tasks)
    if actor.agency_id == dossier.agency_id and actor.roles & _AGENCY_ROLES.get(action, frozenset()):
        return True
    open_tasks = [t for t in tasks if t.state in OPEN_TASK_STATES]
    if action == Action.VIEW:
        if actor.has(Role.AUDITOR) and dossier.agency_id in auditor_agencies:
            return True
        return any(
            may_work_task(actor, t) or heads_unit_of(actor, t) or actor.id in (t.assignee_id, t.finished_by_id)
            for t in tasks
        )
    if action == Action.REQUEST_SUPPLEMENT:
        return any(may_work_task(actor, t) for t in open_tasks)
    if action == Action.APOLOGY:
        return any(heads_unit_of(actor, t) for t in open_tasks)
    return False


def check_view(actor: Actor, session: Session, dossier: Dossier, tasks: Iterable[Task]) -> None:
    """Auditors read their agency and every agency below it; others need a role or a step."""
    below = (
        [a for a in _agencies_below(session, actor.agency_id)] if actor.has(Role.AUDITOR) else []
    )
    if not may_on_dossier(actor, Action.VIEW, dossier, tasks, below):
        raise _deny(actor, Action.VIEW, f"hồ sơ {dossier.code}")


def _agencies_below(session: Session, agency_id: int) -> list[int]:
    result, frontier = [agency_id], [agency_id]
    while frontier:
        frontier = list(session.scalars(select(Agency.id).where(Agency.parent_id.in_(frontier))))
        result.extend(frontier)
    return result
