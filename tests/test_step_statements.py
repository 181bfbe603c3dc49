"""What a step sends to the database: each hot use case writes the dossier row once and looks a lane's unit
up once (bench/NOTES.md counts every statement of a step; these keep the cuts from coming back)."""

from __future__ import annotations

import re
from contextlib import contextmanager

from sqlalchemy import event

from engine.db.models import Task
from engine.demo.walkthrough import eligible_actor, open_task_ids, sample_data
from engine.dossiers import tasks
from engine.dossiers.reception import receive
from engine.dossiers.store import compiled_for
from engine.enums import DossierStatus
from tests.helpers import (
    KHAI_SINH,
    XA_DESK,
    dossier,
    open_tasks,
    receive_sample,
    request,
)

SPECIALIST = "xa.vp.chuyenvien"


@contextmanager
def statements(ctx):
    sent: list[str] = []

    def keep(_conn, _cursor, statement, *_args):
        sent.append(" ".join(statement.split()))

    event.listen(ctx.db.engine, "before_cursor_execute", keep)
    try:
        yield sent
    finally:
        event.remove(ctx.db.engine, "before_cursor_execute", keep)


def count(sent: list[str], pattern: str) -> int:
    return sum(1 for s in sent if re.match(pattern, s, re.IGNORECASE))


DOSSIER_UPDATE = r"UPDATE dossiers SET"
UNIT_LOOKUP = r"SELECT units\.(code|id)"


def test_a_receipt_writes_the_dossier_once_after_inserting_it_and_looks_units_up_once(ctx, people):
    with statements(ctx) as sent:
        receive_sample(ctx, people)
    assert count(sent, r"INSERT INTO dossiers") == 1
    assert count(sent, DOSSIER_UPDATE) == 1  # the receipt's stamps, events and state in one UPDATE
    assert count(sent, UNIT_LOOKUP) <= 1  # every lane checked and the first step opened: one query


def test_a_completion_that_hands_over_writes_the_dossier_once(ctx, people):
    receipt = receive_sample(ctx, people)
    [task] = open_tasks(ctx, receipt.code)
    officer = people(SPECIALIST)
    tasks.claim(ctx, officer, task.id)
    with statements(ctx) as sent:
        tasks.complete(ctx, officer, task.id, {"data": {"eligible": True, "opinion": "Đủ hồ sơ"}})
    [nxt] = open_tasks(ctx, receipt.code)
    assert nxt.step_id == "ky_duyet"
    assert count(sent, DOSSIER_UPDATE) == 1  # two events and the new state, written once at commit
    assert count(sent, r"INSERT INTO tasks") == 1
    assert count(sent, r"SELECT events") == 0  # never paused: no supplement to subtract from the step's time


def test_the_last_completion_writes_the_dossier_once_and_queues_the_citizens_notices(ctx, people):
    code = receive_sample(ctx, people).code
    last: list[str] = []
    while ids := open_task_ids(ctx, code):
        for task_id in ids:
            actor = eligible_actor(ctx, task_id)
            with ctx.db.transaction() as session:
                task = session.get(Task, task_id)
                form = compiled_for(task.dossier).form(task.step_id)
            with statements(ctx) as last:
                tasks.complete(ctx, actor, task_id, {"data": sample_data(form)})
    assert dossier(ctx, code).status == DossierStatus.RESOLVED
    assert count(last, DOSSIER_UPDATE) == 1  # resolved: status, stamps, events and state together
    assert count(last, r"INSERT INTO notifications") == 2  # the applicant's email and SMS


# Every statement each use case sends for a dossier of the sample procedure once the process is warm (the
# procedure parsed, its lanes' units found by an earlier transaction), as a running server meets them. SQLite
# counts its BEGIN IMMEDIATE; PostgreSQL's BEGIN travels with the first statement and reads the step under the
# dossier's lock in a second one (store.load_step says why). bench/NOTES.md (2026-12-03) explains each; a
# change that adds a statement to a step fails here, one that removes a statement lowers these numbers.
BUDGET = {
    # receive: one more than the speed work left (0cb624d..speed): the search index row, kept in the same transaction
    "sqlite": {"receive": 17, "claim": 5, "complete": 13, "resolve": 17},
    "postgresql": {"receive": 16, "claim": 5, "complete": 13, "resolve": 17},
}


def _walk(ctx, people) -> dict[str, int]:
    """Statements per use case of one dossier walked from receipt to result (hand-over, then the last step)."""
    counts: dict[str, list[int]] = {}
    desk = people(XA_DESK)  # signed in before counting: the use case's statements only
    with statements(ctx) as sent:
        code = receive(ctx, desk, request(KHAI_SINH)).code
    counts["receive"] = [len(sent)]
    while ids := open_task_ids(ctx, code):
        for task_id in ids:
            actor = eligible_actor(ctx, task_id)
            with ctx.db.transaction() as session:
                task = session.get(Task, task_id)
                form = compiled_for(task.dossier).form(task.step_id)
            with statements(ctx) as sent:
                tasks.claim(ctx, actor, task_id)
            counts.setdefault("claim", []).append(len(sent))
            with statements(ctx) as sent:
                tasks.complete(ctx, actor, task_id, {"data": sample_data(form)})
            counts.setdefault("complete", []).append(len(sent))
    assert dossier(ctx, code).status == DossierStatus.RESOLVED
    *handovers, last = counts.pop("complete")
    return {"receive": counts["receive"][0], "claim": max(counts["claim"]), "complete": max(handovers),
            "resolve": last}


def test_every_statement_of_a_step_is_counted_and_pinned(ctx, people):
    _walk(ctx, people)  # warm: the procedure parsed, the units found
    assert _walk(ctx, people) == BUDGET[ctx.db.engine.dialect.name]


def test_a_completion_reads_its_step_with_the_open_steps_once_and_writes_its_events_in_one_insert(ctx, people):
    receipt = receive_sample(ctx, people)
    [task] = open_tasks(ctx, receipt.code)
    officer = people(SPECIALIST)
    tasks.claim(ctx, officer, task.id)
    with statements(ctx) as sent:
        tasks.complete(ctx, officer, task.id, {"data": {"eligible": True, "opinion": "Đủ hồ sơ"}})
    assert count(sent, r"INSERT INTO events") == 1  # step completed and handed over: one INSERT of two rows
    assert count(sent, r"SELECT tasks\.id") == (0 if ctx.db.engine.dialect.name == "sqlite" else 1)  # with the lock
    assert count(sent, UNIT_LOOKUP) == 0  # the next lane's unit was found by the receipt's committed transaction
