"""Data from users cannot poison a dossier's workflow state (issue 16, defect 2).

SpiffWorkflow's deserialiser reads a ``typename`` key in a dictionary as one of its own objects. Data with such
keys (top level, nested, in lists, alongside other serialiser-looking keys) from the desk, an officer's form, a
supplementation or an anonymous online submission survives a restart (the in-process caches cleared) and the
following steps unchanged; ``engine.records.integrity.check_all`` finds nothing wrong."""

from __future__ import annotations

import copy
import json
import zlib

import pytest
from SpiffWorkflow.util.task import TaskState as SpiffState
from sqlalchemy import select

from engine.db.models import Dossier, Task
from engine.demo.walkthrough import complete_open_steps, eligible_actor, sample_data
from engine.dossiers import actions as dossiers
from engine.dossiers import tasks
from engine.dossiers.online import accept_submission, submit_online
from engine.dossiers.runtime import SPEC_CACHE, dump_state, load_state
from engine.dossiers.store import LIVE_WORKFLOWS, compiled_for
from engine.dossiers.workflow_data import ESCAPED_FLAG, escape, unescape
from engine.org.directory import issue_token
from engine.records.integrity import check_all
from tests.helpers import dossier, open_tasks, receive_sample, request

DESK, SPECIALIST = "xa.motcua", "xa.vp.chuyenvien"
XA = "000.00.31.H99"
API = "/api/v1"
ANSWERS = {"eligible": True, "approved": True}

POISONS = {
    "top-level": {"typename": "BpmnWorkflow"},
    "unknown-typename": {"typename": "KhongCo", "value": 1},
    "datetime-lookalike": {"ho_so": {"typename": "datetime", "value": "2026-01-01T00:00:00"}},
    "uuid-lookalike": {"ma": {"typename": "UUID", "value": "not-a-uuid"}},
    "in-a-list": {"danh_sach": [{"typename": "Task"}, [{"typename": "timedelta", "days": "x"}], "typename"]},
    "dunder-keys": {"__bytes__": "AAAA", "__class__": "os.system", "__dict__": {"typename": "x"}},
    "escape-marks": {"~typename": 1, "~": 2, "~~x": {"~": [{"typename": "~"}]}, "typename~": 3},
    "deep": {"a": {"b": {"c": {"d": {"typename": "BpmnEvent", "payload": {"typename": "UUID"}}}}}},
}


def restart() -> None:
    """What a new process sees: nothing cached, every workflow read back from its stored state."""
    LIVE_WORKFLOWS.clear()
    SPEC_CACHE._by_hash.clear()
    SPEC_CACHE._by_id.clear()


def stored_workflow(ctx, code: str):
    with ctx.db.transaction() as session:
        d = session.scalar(select(Dossier).where(Dossier.code == code))
        return load_state(d.workflow_state, compiled_for(d))


def assert_carried(workflow, data: dict) -> None:
    """Every completed user step (and the end) carries ``data`` exactly as it was given."""
    completed = [t for t in workflow.get_tasks(state=SpiffState.COMPLETED) if t.task_spec.manual]
    assert completed
    for task in completed:
        for key, value in data.items():
            assert task.data[key] == value, (task.task_spec.name, key)


def assert_consistent(ctx, code: str, open_dossier: bool = False) -> None:
    report = check_all(ctx)
    assert report.workflows_loaded >= (1 if open_dossier else 0)  # only open dossiers' workflows are loaded
    assert [str(p) for p in report.problems if p.dossier_code == code] == []


@pytest.mark.parametrize("name", sorted(POISONS))
def test_officer_and_desk_data_round_trip_through_a_restart(ctx, people, name):
    poison = POISONS[name]
    given = copy.deepcopy(poison)
    code = receive_sample(ctx, people, data=poison).code
    restart()
    [task] = open_tasks(ctx, code)
    officer = {**ANSWERS, "tham_dinh": copy.deepcopy(poison), **{f"k_{k}": v for k, v in poison.items()}}
    tasks.complete(ctx, people(SPECIALIST), task.id, {"data": officer})
    restart()
    assert_consistent(ctx, code, open_dossier=True)
    complete_open_steps(ctx, code, ANSWERS)
    restart()
    assert dossier(ctx, code).status == "resolved"
    assert poison == given  # the caller's data was not changed on the way
    assert_carried(stored_workflow(ctx, code), {**poison, **officer})
    assert_consistent(ctx, code)


@pytest.mark.parametrize("name", ["top-level", "in-a-list", "escape-marks"])
def test_online_submission_and_supplement_data_round_trip(ctx, people, name):
    poison = POISONS[name]
    code = submit_online(ctx, request(agency_code=XA, data=poison)).code
    restart()
    accept_submission(ctx, people(DESK), code)
    restart()
    dossiers.request_supplement(ctx, people(DESK), code, {"reason": "Thiếu giấy tờ", "missing": ["Tờ khai"]})
    extra = {"bo_sung": copy.deepcopy(poison), "typename": "bo-sung"}
    dossiers.supplement(ctx, people(DESK), code, {"documents": ["Tờ khai"], "data": extra})
    restart()
    complete_open_steps(ctx, code, ANSWERS)
    restart()
    assert dossier(ctx, code).status == "resolved"
    assert_carried(stored_workflow(ctx, code), {**poison, **extra})
    assert_consistent(ctx, code)


def test_through_the_api_every_completion_after_a_restart_succeeds(ctx, people, client):
    headers = {"Authorization": f"Bearer {issue_token(ctx, DESK)}"}
    body = {**request(data={"typename": "BpmnWorkflow", "x": [{"typename": "UUID"}]})}
    response = client.post(f"{API}/dossiers", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    code = response.get_json()["code"]
    restart()
    for _ in range(10):
        ids = [t.id for t in open_tasks(ctx, code)]
        if not ids:
            break
        for task_id in ids:
            officer = eligible_actor(ctx, task_id)
            auth = {"Authorization": f"Bearer {issue_token(ctx, officer.username)}"}
            with ctx.db.transaction() as session:
                task = session.get(Task, task_id)
                form = compiled_for(task.dossier).form(task.step_id)
            data = {**sample_data(form, ANSWERS), "ghi_chu": {"typename": "datetime", "__class__": "x"}}
            response = client.post(f"{API}/tasks/{task_id}/complete", json={"data": data}, headers=auth)
            assert response.status_code == 200, response.get_json()
            restart()
    assert dossier(ctx, code).status == "resolved"
    detail = client.get(f"{API}/dossiers/{code}", headers=headers)
    assert detail.status_code == 200 and json.loads(detail.data)  # still valid JSON
    assert_consistent(ctx, code)


def test_a_state_without_such_keys_is_stored_as_before(ctx, people):
    code = receive_sample(ctx, people, data={"so_ban": 2}).code
    workflow = stored_workflow(ctx, code)
    assert ESCAPED_FLAG.encode() not in zlib.decompress(dump_state(workflow))
    poisoned = receive_sample(ctx, people, data={"typename": "x"}).code
    assert ESCAPED_FLAG.encode() in zlib.decompress(dossier(ctx, poisoned).workflow_state)


@pytest.mark.parametrize("name", sorted(POISONS))
def test_escaping_is_one_to_one(name):
    value = POISONS[name]
    escaped = escape(value)
    assert unescape(escaped) == value
    assert not _has_key(escaped, "typename")


def _has_key(value, key: str) -> bool:
    if isinstance(value, dict):
        return key in value or any(_has_key(v, key) for v in value.values())
    if isinstance(value, list):
        return any(_has_key(v, key) for v in value)
    return False
