"""Steps: claim, release, complete (with form validation), reassign; conflicts and lost races."""

from __future__ import annotations

import threading

import pytest

from engine.dossiers import tasks
from engine.enums import DossierStatus, EventKind, Outcome, TaskState
from engine.errors import Conflict, FormValidationError, InvalidInput, InvalidState, NotAuthorized, NotFound
from tests.helpers import all_tasks, dossier, event_kinds, open_tasks, receive_sample

SPECIALIST = "xa.vp.chuyenvien"
HEAD = "xa.vp.truongphong"


@pytest.fixture
def received(ctx, people):
    receipt = receive_sample(ctx, people)
    [task] = open_tasks(ctx, receipt.code)
    return receipt, task


def test_claim_then_complete_moves_to_the_next_lane(ctx, people, clock, received):
    receipt, task = received
    officer = people(SPECIALIST)
    tasks.claim(ctx, officer, task.id)
    assert dossier(ctx, receipt.code).status == DossierStatus.PROCESSING
    clock.advance(minutes=30)
    outcome = tasks.complete(ctx, officer, task.id, {"data": {"eligible": True, "opinion": "Đủ hồ sơ"}})
    assert outcome == Outcome.ON_TIME  # due 10:00 the same day
    [done] = [t for t in all_tasks(ctx, receipt.code) if t.id == task.id]
    assert done.state == TaskState.COMPLETED and done.finished_by_id == officer.id
    [nxt] = open_tasks(ctx, receipt.code)
    assert nxt.step_id == "ky_duyet" and nxt.role == "leader" and nxt.unit_id is None
    kinds = event_kinds(ctx, receipt.code)
    assert kinds[-3:] == [EventKind.TAKEN_OVER, EventKind.STEP_COMPLETED, EventKind.HANDED_OVER]


def test_complete_without_claim_claims_implicitly(ctx, people, received):
    _, task = received
    assert tasks.complete(ctx, people(SPECIALIST), task.id, {"data": {"eligible": True}}) == Outcome.ON_TIME


def test_completing_twice_is_refused_and_changes_nothing(ctx, people, received):
    receipt, task = received
    tasks.complete(ctx, people(SPECIALIST), task.id, {"data": {"eligible": True}})
    before = (dossier(ctx, receipt.code).version, event_kinds(ctx, receipt.code))
    with pytest.raises(InvalidState):
        tasks.complete(ctx, people(SPECIALIST), task.id, {"data": {"eligible": True}})
    assert (dossier(ctx, receipt.code).version, event_kinds(ctx, receipt.code)) == before


def test_form_schema_rejects_bad_data_and_dossier_is_unchanged(ctx, people, received):
    receipt, task = received
    version = dossier(ctx, receipt.code).version
    with pytest.raises(FormValidationError) as err:
        tasks.complete(ctx, people(SPECIALIST), task.id, {"data": {"eligible": "yes"}})
    assert err.value.details[0]["field"] == "eligible"
    with pytest.raises(FormValidationError):
        tasks.complete(ctx, people(SPECIALIST), task.id, {"data": {}})  # required field missing
    assert dossier(ctx, receipt.code).version == version
    assert open_tasks(ctx, receipt.code)[0].state == TaskState.READY


def test_payload_must_be_an_object(ctx, people, received):
    _, task = received
    with pytest.raises(InvalidInput):
        tasks.complete(ctx, people(SPECIALIST), task.id, {"data": [1, 2]})


def test_claimed_by_someone_else(ctx, people, received):
    _, task = received
    tasks.claim(ctx, people(SPECIALIST), task.id)
    tasks.claim(ctx, people(SPECIALIST), task.id)  # idempotent for the holder
    with pytest.raises(Conflict, match=SPECIALIST):
        tasks.complete(ctx, people("xa.vp.chuyenvien2"), task.id, {"data": {"eligible": True}})


def test_release_returns_the_task_to_the_pool(ctx, people, received):
    _, task = received
    tasks.claim(ctx, people(SPECIALIST), task.id)
    tasks.release(ctx, people(SPECIALIST), task.id)
    [row] = open_tasks(ctx, task.dossier_code)
    assert row.state == TaskState.READY and row.assignee_id is None
    with pytest.raises(InvalidState):
        tasks.release(ctx, people(SPECIALIST), task.id)


def test_unknown_task(ctx, people):
    with pytest.raises(NotFound):
        tasks.claim(ctx, people(SPECIALIST), 999_999)


def test_unit_head_reassigns_within_the_unit(ctx, people, received):
    _, task = received
    tasks.claim(ctx, people(SPECIALIST), task.id)
    tasks.reassign(ctx, people(HEAD), task.id, "xa.vp.chuyenvien2")
    [row] = open_tasks(ctx, task.dossier_code)
    assert row.assignee_id == people("xa.vp.chuyenvien2").id
    assert event_kinds(ctx, task.dossier_code)[-1] == EventKind.REASSIGNED


@pytest.mark.parametrize("target", ["xa.kt.chuyenvien", "xa2.vp.chuyenvien", "xa.vp.truongphong"])
def test_reassign_only_to_a_unit_member_with_the_role(ctx, people, received, target):
    _, task = received
    with pytest.raises(InvalidInput):
        tasks.reassign(ctx, people(HEAD), task.id, target)


def test_reassign_by_someone_who_is_not_the_unit_head(ctx, people, received):
    _, task = received
    with pytest.raises(NotAuthorized):
        tasks.reassign(ctx, people("xa.kt.truongphong"), task.id, SPECIALIST)


def test_two_officers_completing_the_same_task_exactly_one_wins(ctx, people, received):
    receipt, task = received
    officers = [people(SPECIALIST), people("xa.vp.chuyenvien2")]
    results, barrier = [], threading.Barrier(2)

    def attempt(officer):
        barrier.wait()
        try:
            tasks.complete(ctx, officer, task.id, {"data": {"eligible": True}})
            results.append("ok")
        except Conflict as err:
            results.append(type(err).__name__)

    threads = [threading.Thread(target=attempt, args=(o,)) for o in officers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("ok") == 1, results
    assert event_kinds(ctx, receipt.code).count(EventKind.STEP_COMPLETED) == 1
