"""Officers' inbox and the step actions: claim, release, complete, reassign (DOMAIN §2).

Only the lane's role, in the agency and unit responsible at that step, may act; the engine answers 403
otherwise (and logs the attempt), 409 when another officer acted first, 422 when the form data is invalid.
"""

from __future__ import annotations

from flask import Response
from flask_smorest import Blueprint

from engine.dossiers import inbox, tasks
from engine.enums import TaskState
from web.api.endpoints import WRITES, operation
from web.api.schemas import (
    API_PARSER,
    CompleteBody,
    InboxPageSchema,
    InboxQuery,
    InboxRowSchema,
    ReassignBody,
    TaskStateSchema,
)
from web.auth import current_actor, engine_context

blp = Blueprint("tasks", __name__, url_prefix="/tasks",
                description="Hộp việc / inbox and step actions: claim, release, complete, reassign.")
blp.ARGUMENTS_PARSER = API_PARSER

# Ids are database integers: anything larger is simply an unknown task (404), never a driver overflow.
TASK = "/<int(max=2147483647):task_id>"


@blp.before_request
def _authenticate() -> None:
    current_actor()  # 401 before anything is parsed


def _state(task_id: int, state: TaskState, assignee: str | None, outcome: str | None = None) -> dict:
    """The step's state once the use case succeeded (each use case has exactly one resulting state)."""
    return {"id": task_id, "state": state.value, "assignee": assignee, "outcome": outcome}


@operation(blp, "", InboxPageSchema, args=InboxQuery, location="query", errors=(401, 403, 422))
def list_tasks(query: dict):
    """The caller's inbox in one scope, soonest due first (mine, available, unit, overdue, due_soon)."""
    ctx, actor = engine_context(), current_actor()
    page = inbox.list_inbox(ctx, actor, query["scope"], limit=query["limit"], offset=query["offset"],
                            due_soon_hours=query["hours"])
    result = {**vars(page), "scope": page.scope.value}
    if query["counts"]:
        result["counts"] = inbox.inbox_counts(ctx, actor, due_soon_hours=query["hours"])
    return result


@operation(blp, TASK + "/claim", TaskStateSchema, method="POST", errors=(401, 403, 404, 409))
def claim(task_id: int):
    """Take the step (nhận): it leaves the unit's pool and is the caller's until completed or released."""
    actor = current_actor()
    tasks.claim(engine_context(), actor, task_id)
    return _state(task_id, TaskState.CLAIMED, actor.username)


@operation(blp, "/next", InboxRowSchema, method="POST", errors=(401, 409))
@blp.alt_response(204, description="Không có bước nào chờ nhận / nothing is waiting in the caller's pool.",
                  success=True)
def claim_next():
    """Take the most urgent step waiting in the caller's pool (nhận bước tiếp theo), soonest due first; 409
    only when every waiting step was taken by others in that instant. No race for one row between officers."""
    row = tasks.claim_next(engine_context(), current_actor())
    return Response(status=204) if row is None else row


@operation(blp, TASK + "/release", TaskStateSchema, method="POST", errors=(401, 403, 404, 409))
def release(task_id: int):
    """Give the step back to the pool (its holder, or the unit head)."""
    tasks.release(engine_context(), current_actor(), task_id)
    return _state(task_id, TaskState.READY, None)


@operation(blp, TASK + "/complete", TaskStateSchema,
           method="POST", args=CompleteBody, required=False, errors=WRITES)
def complete(body: dict, task_id: int):
    """Complete the step with its form data; the result is early / on time / late against its deadline."""
    actor = current_actor()
    outcome = tasks.complete(engine_context(), actor, task_id, body)
    return _state(task_id, TaskState.COMPLETED, actor.username, outcome.value)


@operation(blp, TASK + "/reassign", TaskStateSchema, method="POST", args=ReassignBody, errors=WRITES)
def reassign(body: dict, task_id: int):
    """The unit head gives the step to another member of the unit holding the lane's role."""
    tasks.reassign(engine_context(), current_actor(), task_id, body["username"])
    return _state(task_id, TaskState.CLAIMED, body["username"])
