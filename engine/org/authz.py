"""Responsibility boundaries (DOMAIN §2): the one place that decides who may do what.

Every use case calls one of the ``check_*`` functions inside its transaction; a refusal raises
NotAuthorized, which the service layer logs to the audit log before re-raising.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Iterable

from sqlalchemy import and_, bindparam, literal, or_, select
from sqlalchemy.orm import Session

from engine.db.models import Agency, Dossier, Nonconformity, Task
from engine.enums import OPEN_TASK_STATES, Role
from engine.errors import NotAuthorized
from engine.org.actors import Actor


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
    VIEW_WORKLISTS = "view_worklists"  # the desk's worklists: results to hand back, awaiting supplement …
    VIEW_NONCONFORMITIES = "view_nonconformities"
    RECORD_CORRECTIVE_ACTION = "record_corrective_action"
    CLOSE_NONCONFORMITY = "close_nonconformity"
    VIEW_AUDIT_LOG = "view_audit_log"
    MANAGE_OUTBOX = "manage_outbox"
    VIEW_RECORDS = "view_records"  # an agency's registers: tracking book (Form 07), control slips
    VIEW_REPORTS = "view_reports"  # KPIs and the dashboard (DOMAIN §7)
    MANAGE_USERS = "manage_users"
    REISSUE_PIN = "reissue_pin"  # a new lookup PIN for the applicant, unlocking a locked lookup
    ATTACH_FILE = "attach_file"  # a file of a dossier part, or a working document of one's step (engine.documents)
    ATTACH_RESULT = "attach_result"  # a result document


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
    Action.REISSUE_PIN: frozenset({Role.DESK}),
    Action.ATTACH_FILE: frozenset({Role.DESK}),  # scans at reception, supplements handed in at the desk
    Action.ATTACH_RESULT: frozenset({Role.DESK}),
}


def _deny(actor: Actor, action: Action, target: str, agency_id: int | None = None) -> NotAuthorized:
    """The refusal; ``agency_id``, the agency whose dossier or records were tried, goes to the audit entry (not to
    the caller) so that agency's auditors see an outsider's attempt in its security log."""
    error = NotAuthorized(
        f"Người dùng '{actor.username}' không có thẩm quyền thực hiện '{action.value}' đối với {target}.",
        message_en=f"User '{actor.username}' may not '{action.value}' on {target}.",
        details={"action": action.value, "target": target},
    )
    error.agency_id = agency_id
    return error


MAX_AGENCY_DEPTH = 16  # far deeper than any administrative tree (province > district > commune): a stop, not a rule


def _ancestors_statement():
    """The agency and its ancestors, nearest first, in one recursive query instead of one query per level."""
    chain = (select(Agency.id, Agency.parent_id, literal(0).label("depth"))
             .where(Agency.id == bindparam("agency_id")).cte("chain", recursive=True))
    above = (select(Agency.id, Agency.parent_id, chain.c.depth + 1)
             .join(chain, Agency.id == chain.c.parent_id).where(chain.c.depth < MAX_AGENCY_DEPTH))
    chain = chain.union_all(above)
    return select(chain.c.id).order_by(chain.c.depth)


_ANCESTORS = _ancestors_statement()  # built once: every reception walks it


def agency_chain(session: Session, agency_id: int) -> list[int]:
    """The agency and its ancestors, nearest first."""
    chain: list[int] = []
    for current in session.scalars(_ANCESTORS, {"agency_id": agency_id}):
        if current in chain:  # a cycle would be a broken tree: stop where it closes, as a walk would
            break
        chain.append(current)
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
        Action.ATTACH_FILE: task.state in OPEN_TASK_STATES and may_work_task(actor, task),  # a working document
    }.get(action, False)
    if not allowed:
        raise _deny(actor, action, f"bước '{task.step_id}' của hồ sơ {task.dossier_code}", task.agency_id)


def check_receive(actor: Actor, session: Session, agency_id: int) -> None:
    """The desk receives for its own agency or, on behalf of it, for an agency above it (liên thông)."""
    if not (actor.has(Role.DESK) and agency_id in agency_chain(session, actor.agency_id)):
        raise _deny(actor, Action.RECEIVE, f"cơ quan #{agency_id}", agency_id)


def check_desk_worklists(actor: Actor, agency_id: int) -> None:
    """The desk's worklists list its own agency's dossiers: those it receives, reminds and hands back."""
    if not (actor.has(Role.DESK) and agency_id == actor.agency_id):
        raise _deny(actor, Action.VIEW_WORKLISTS, f"danh sách việc một cửa của cơ quan #{agency_id}")


def check_dossier(actor: Actor, action: Action, dossier: Dossier, tasks: Iterable[Task]) -> None:
    if not may_on_dossier(actor, action, dossier, tasks):
        raise _deny(actor, action, f"hồ sơ {dossier.code}", dossier.agency_id)


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
    if action in (Action.REQUEST_SUPPLEMENT, Action.ATTACH_FILE, Action.ATTACH_RESULT):
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
        raise _deny(actor, Action.VIEW, f"hồ sơ {dossier.code}", dossier.agency_id)


def view_scope(actor: Actor, session: Session, *, per_dossier: bool = False):
    """``check_view`` as an SQL condition on dossiers (search and lists: an officer never finds a dossier they could
    not open). Clause by clause the rule of ``may_on_dossier(VIEW)``: a viewing role in the dossier's agency; an
    auditor over it; or a step of it the actor may work, heads the unit of, holds or finished
    (tests/test_search.py compares the two for every officer and dossier). The steps' clause has two shapes of
    the same rule: ``per_dossier`` looks at each candidate dossier's own steps (when a text search has already
    narrowed the dossiers to a few), otherwise the actor's steps are found first through their indexes."""
    parts = []
    if actor.roles & _AGENCY_ROLES[Action.VIEW]:
        parts.append(Dossier.agency_id == actor.agency_id)
    if actor.has(Role.AUDITOR):
        parts.append(Dossier.agency_id.in_(_agencies_below(session, actor.agency_id)))
    step = [Task.assignee_id == actor.id, Task.finished_by_id == actor.id]
    roles = [role.value for role in actor.roles]
    if roles:
        step.append(and_(Task.agency_id == actor.agency_id, Task.role.in_(roles),
                         or_(Task.unit_id.is_(None), Task.unit_id == actor.unit_id)))
    if actor.has(Role.UNIT_HEAD) and actor.unit_id is not None:
        step.append(and_(Task.agency_id == actor.agency_id, Task.unit_id == actor.unit_id))
    if per_dossier:
        parts.append(select(Task.id).where(Task.dossier_id == Dossier.id, or_(*step)).exists())
    else:
        parts.append(Dossier.id.in_(select(Task.dossier_id).where(or_(*step))))
    return or_(*parts)


RECORD_KEEPERS = frozenset({Role.DESK, Role.LEADER})


def record_agencies(actor: Actor, session: Session) -> list[int]:
    """The agencies whose registers the actor reads: its own for desk and leaders; for auditors, their agency
    and every agency below it."""
    agencies = [actor.agency_id] if actor.roles & RECORD_KEEPERS else []
    if actor.has(Role.AUDITOR):
        agencies += [a for a in _agencies_below(session, actor.agency_id) if a not in agencies]
    return agencies


def check_agency_records(actor: Actor, session: Session, agency_id: int) -> None:
    if agency_id not in record_agencies(actor, session):
        raise _deny(actor, Action.VIEW_RECORDS, f"sổ sách của cơ quan #{agency_id}", agency_id)


def _agencies_below(session: Session, agency_id: int) -> list[int]:
    result, frontier = [agency_id], [agency_id]
    while frontier:
        frontier = list(session.scalars(select(Agency.id).where(Agency.parent_id.in_(frontier))))
        result.extend(frontier)
    return result


# --- oversight: nonconformities (ISO 9001 §10.2), the audit log, the notifications outbox -----------

def nonconformity_scope(actor: Actor, session: Session, agency_id: int | None = None):
    """Which nonconformities the actor sees: a unit head their unit's, a leader the agency's, an auditor
    the agency's and every agency below it; narrowed to ``agency_id``, which must be among them."""
    parts, agencies = [], set()
    if actor.has(Role.UNIT_HEAD) and actor.unit_id is not None:
        parts.append(and_(Nonconformity.agency_id == actor.agency_id, Nonconformity.unit_id == actor.unit_id))
        agencies.add(actor.agency_id)
    if actor.has(Role.LEADER):
        parts.append(Nonconformity.agency_id == actor.agency_id)
        agencies.add(actor.agency_id)
    if actor.has(Role.AUDITOR):
        below = _agencies_below(session, actor.agency_id)
        parts.append(Nonconformity.agency_id.in_(below))
        agencies.update(below)
    if not parts or (agency_id is not None and agency_id not in agencies):
        raise _deny(actor, Action.VIEW_NONCONFORMITIES,
                    "danh sách điểm không phù hợp" + (f" của cơ quan #{agency_id}" if agency_id else ""))
    scope = or_(*parts)
    return scope if agency_id is None else and_(scope, Nonconformity.agency_id == agency_id)


def may_on_nonconformity(actor: Actor, action: Action, session: Session, nc: Nonconformity) -> bool:
    """The unit head of the nonconformity's unit (the agency's leader when no unit) records the cause and
    the corrective action; an auditor of that agency or an agency above it verifies and closes."""
    if action == Action.RECORD_CORRECTIVE_ACTION:
        if actor.agency_id != nc.agency_id:
            return False
        if nc.unit_id is None:
            return actor.has(Role.LEADER)
        return actor.has(Role.UNIT_HEAD) and actor.unit_id == nc.unit_id
    if action == Action.CLOSE_NONCONFORMITY:
        return actor.has(Role.AUDITOR) and actor.agency_id in agency_chain(session, nc.agency_id)
    return False


def check_nonconformity(actor: Actor, action: Action, session: Session, nc: Nonconformity) -> None:
    if not may_on_nonconformity(actor, action, session, nc):
        raise _deny(actor, action, f"điểm không phù hợp #{nc.id}", nc.agency_id)


def audit_log_agencies(actor: Actor, session: Session, agency_id: int | None = None) -> list[int]:
    """Auditors browse the event and security logs of their agency and every agency below it (or of one
    of those agencies, ``agency_id``)."""
    below = _agencies_below(session, actor.agency_id) if actor.has(Role.AUDITOR) else []
    if not below or (agency_id is not None and agency_id not in below):
        raise _deny(actor, Action.VIEW_AUDIT_LOG, "nhật ký kiểm tra" + (f" của cơ quan #{agency_id}" if agency_id else ""))
    return below if agency_id is None else [agency_id]


def outbox_agency(actor: Actor, agency_id: int | None = None) -> int:
    """Administrators see and retry their own agency's outgoing messages (``agency_id``: the one a message or
    an officer belongs to, which must be theirs)."""
    if not actor.has(Role.ADMIN) or (agency_id is not None and agency_id != actor.agency_id):
        raise _deny(actor, Action.MANAGE_OUTBOX, "hộp thư đi" + (f" của cơ quan #{agency_id}" if agency_id else ""))
    return actor.agency_id


def check_manage_user(actor: Actor | None, session: Session, agency_id: int) -> None:
    """Users are activated and deactivated by an administrator of their agency or of an agency above it
    (``None``: the command line, run by the system administrator)."""
    if actor is not None and not (actor.has(Role.ADMIN) and actor.agency_id in agency_chain(session, agency_id)):
        raise _deny(actor, Action.MANAGE_USERS, f"người dùng của cơ quan #{agency_id}", agency_id)


def check_designer(actor: Actor | None, action: str, target: str) -> None:
    """Procedures (drafts, publication, migration of running dossiers) are changed by process designers only;
    ``None`` is the command line, run by the system administrator."""
    if actor is not None and not actor.has(Role.DESIGNER):
        raise NotAuthorized(
            f"Chỉ người thiết kế quy trình (Thư ký ISO) được thực hiện '{action}' đối với {target}.",
            message_en=f"Only process designers may '{action}' on {target}.",
            details={"action": action, "target": target},
        )


# --- designers' scope: the procedures of their agency and of the agencies below it ----------------------

def designer_agencies(actor: Actor | None, session: Session) -> list[int] | None:
    """The agencies whose procedures (and, in a migration, whose dossiers) a designer works on: their agency and
    every agency below it; ``None`` (no limit) for the command line."""
    return None if actor is None else _agencies_below(session, actor.agency_id)


def owning_agency(session: Session, owner_agency_id: int | None) -> int | None:
    """A procedure without a recorded owner belongs to the top of the agency tree (the first root agency)."""
    if owner_agency_id is not None:
        return owner_agency_id
    return session.scalar(select(Agency.id).where(Agency.parent_id.is_(None)).order_by(Agency.id).limit(1))


def may_design(actor: Actor | None, session: Session, owner_agency_id: int | None) -> bool:
    if actor is None:
        return True
    if not actor.has(Role.DESIGNER):
        return False
    return owning_agency(session, owner_agency_id) in _agencies_below(session, actor.agency_id)


def check_design_scope(actor: Actor | None, session: Session, owner_agency_id: int | None, action: str,
                       target: str) -> None:
    """A designer changes, reads, publishes and migrates only procedures owned by their agency or one below it."""
    check_designer(actor, action, target)
    if not may_design(actor, session, owner_agency_id):
        error = NotAuthorized(
            f"Thủ tục {target} thuộc cơ quan khác: người thiết kế quy trình chỉ làm việc với thủ tục của cơ quan mình "
            "và các cơ quan cấp dưới.",
            message_en=f"Procedure {target} belongs to another agency: designers work on the procedures of their "
                       "agency and the agencies below it only.",
            details={"action": action, "target": target},
        )
        error.agency_id = owning_agency(session, owner_agency_id)  # the owner's auditors see the attempt
        raise error


# --- reports (KPIs, DOMAIN §7) ----------------------------------------------------------------------
# NOTE: restored by the oversight session after its edit accidentally cut these lines off the end of the
# file; rebuilt from their callers (engine/kpis) and tests/test_kpis.py — the KPI session should re-check.

def agencies_below(session: Session, agency_id: int) -> list[int]:
    """The agency and every agency below it."""
    return _agencies_below(session, agency_id)


def report_unit_only(actor: Actor) -> bool:
    """The actor reads reports only as a unit head (no agency-wide reporting role)."""
    return not (actor.has(Role.LEADER) or actor.has(Role.AUDITOR))


def report_agencies(actor: Actor, session: Session) -> list[int]:
    """The agencies whose reports the actor reads: auditors their agency and those below it; leaders and
    unit heads their own agency."""
    if actor.has(Role.AUDITOR):
        return _agencies_below(session, actor.agency_id)
    if actor.has(Role.LEADER) or (actor.has(Role.UNIT_HEAD) and actor.unit_id is not None):
        return [actor.agency_id]
    return []


def check_reports(actor: Actor, session: Session, agency_id: int, *, include_sub: bool = False,
                  unit_id: int | None = None) -> None:
    """Leaders read their agency, auditors theirs and every one below it (with or without the agencies below),
    unit heads their own unit."""
    allowed = (
        (actor.has(Role.AUDITOR) and agency_id in _agencies_below(session, actor.agency_id))
        or (actor.has(Role.LEADER) and agency_id == actor.agency_id and not include_sub)
        or (actor.has(Role.UNIT_HEAD) and actor.unit_id is not None and agency_id == actor.agency_id
            and not include_sub and unit_id == actor.unit_id)
    )
    if not allowed:
        raise _deny(actor, Action.VIEW_REPORTS, f"báo cáo của cơ quan #{agency_id}", agency_id)
