"""REST API: the inbox by scope, and claim / release / complete / reassign by role, with every 4xx."""

from __future__ import annotations

import pytest

from engine.enums import EventKind
from engine.org.directory import issue_token
from tests.helpers import denials, event_kinds, open_tasks, request
from tests.test_api_procedures_docs import API, assert_error

DESK, SPECIALIST, SPECIALIST2, HEAD, LEADER = (
    "xa.motcua", "xa.vp.chuyenvien", "xa.vp.chuyenvien2", "xa.vp.truongphong", "xa.lanhdao")


def auth(ctx, username: str) -> dict:
    return {"Authorization": f"Bearer {issue_token(ctx, username)}"}


def receive(ctx, client) -> str:
    response = client.post(f"{API}/dossiers", json=request(), headers=auth(ctx, DESK))
    assert response.status_code == 201
    return response.get_json()["code"]


@pytest.fixture
def task(ctx, client) -> tuple[str, int]:
    code = receive(ctx, client)
    [row] = open_tasks(ctx, code)
    return code, row.id


def act(client, ctx, username: str, task_id, action: str, body: dict | None = None):
    return client.post(f"{API}/tasks/{task_id}/{action}", json=body if body is not None else {},
                       headers=auth(ctx, username))


def inbox(client, ctx, username: str, query: str = "") -> dict:
    response = client.get(f"{API}/tasks?{query}", headers=auth(ctx, username))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


# ---------------------------------------------------------------- inbox


def test_inbox_scopes_follow_the_lane(ctx, client, task):
    code, task_id = task
    page = inbox(client, ctx, SPECIALIST, "scope=available")
    assert page["total"] == 1 and page["limit"] == 50 and page["offset"] == 0 and page["scope"] == "available"
    [row] = page["items"]
    assert row["id"] == task_id and row["dossier_code"] == code and row["step_id"] == "tham_dinh_ho_so"
    assert row["state"] == "ready" and row["due_at"] == "2026-12-07T03:00:00+00:00" and row["overdue"] is False
    assert inbox(client, ctx, SPECIALIST)["total"] == 0  # default scope: mine
    for username in (DESK, LEADER, "xa.kt.chuyenvien", "xa2.vp.chuyenvien", "xa.designer", "xa.auditor", "xa.admin"):
        assert inbox(client, ctx, username, "scope=available")["total"] == 0, username
    assert inbox(client, ctx, HEAD, "scope=unit")["items"][0]["id"] == task_id
    assert_error(client.get(f"{API}/tasks?scope=unit", headers=auth(ctx, SPECIALIST)), 403, "forbidden")

    assert act(client, ctx, SPECIALIST, task_id, "claim").status_code == 200
    assert [r["id"] for r in inbox(client, ctx, SPECIALIST, "scope=mine")["items"]] == [task_id]
    assert inbox(client, ctx, SPECIALIST2, "scope=available")["total"] == 0


def test_inbox_is_sorted_by_due_time_and_paged(ctx, client, clock):
    first = receive(ctx, client)  # step due 10:00 local
    clock.advance(minutes=30)
    second = receive(ctx, client)  # step due 10:30
    desk = auth(ctx, DESK)
    client.post(f"{API}/dossiers/{first}/supplement-request", json={"reason": "Thiếu giấy", "missing": ["Tờ khai"]},
                headers=desk)
    clock.advance(minutes=60)
    client.post(f"{API}/dossiers/{first}/supplement", json={"documents": ["Tờ khai"]}, headers=desk)
    page = inbox(client, ctx, SPECIALIST, "scope=available")
    assert [r["dossier_code"] for r in page["items"]] == [second, first]  # first was pushed to 11:00
    assert [r["due_at"] for r in page["items"]] == ["2026-12-07T03:30:00+00:00", "2026-12-07T04:00:00+00:00"]
    paged = inbox(client, ctx, SPECIALIST, "scope=available&limit=1&offset=1")
    assert paged["total"] == 2 and [r["dossier_code"] for r in paged["items"]] == [first]


def test_overdue_and_due_soon_with_counts(ctx, client, clock, task):
    _, task_id = task
    assert inbox(client, ctx, SPECIALIST, "scope=due_soon&hours=1")["total"] == 0  # due 10:00, now 08:00
    assert [r["id"] for r in inbox(client, ctx, SPECIALIST, "scope=due_soon&hours=2")["items"]] == [task_id]
    clock.set_local("2026-12-07T10:01")
    overdue = inbox(client, ctx, SPECIALIST, "scope=overdue&counts=true")
    assert [r["id"] for r in overdue["items"]] == [task_id] and overdue["items"][0]["overdue"] is True
    assert overdue["counts"] == {"mine": 0, "available": 1, "overdue": 1, "due_soon": 0}
    assert inbox(client, ctx, HEAD, "scope=overdue&counts=1")["counts"]["unit"] == 1
    assert "counts" not in inbox(client, ctx, SPECIALIST, "scope=overdue")


@pytest.mark.parametrize("query", ["scope=everything", "limit=0", "limit=201", "limit=abc", "offset=-1",
                                   "offset=99999999999999999999", "hours=0", "hours=100000", "counts=maybe"])
def test_bad_inbox_queries_are_422(ctx, client, query):
    error = assert_error(client.get(f"{API}/tasks?{query}", headers=auth(ctx, SPECIALIST)), 422, "invalid_input")
    assert query.split("=")[0] in error["details"]["query"]


# ---------------------------------------------------------------- claim, release, complete, reassign


def test_claim_then_complete(ctx, client, task):
    code, task_id = task
    response = act(client, ctx, SPECIALIST, task_id, "claim")
    assert response.status_code == 200
    assert response.get_json() == {"id": task_id, "state": "claimed", "assignee": SPECIALIST, "outcome": None}
    assert act(client, ctx, SPECIALIST, task_id, "claim").status_code == 200  # idempotent for the holder
    response = act(client, ctx, SPECIALIST, task_id, "complete", {"data": {"eligible": True, "opinion": "Đủ"}})
    assert response.status_code == 200
    assert response.get_json() == {"id": task_id, "state": "completed", "assignee": SPECIALIST, "outcome": "on_time"}
    assert_error(act(client, ctx, SPECIALIST, task_id, "complete", {"data": {"eligible": True}}), 409, "invalid_state")
    assert_error(act(client, ctx, SPECIALIST, task_id, "claim"), 409)
    [nxt] = open_tasks(ctx, code)
    assert nxt.step_id == "ky_duyet" and nxt.role == "leader"
    assert event_kinds(ctx, code)[-3:] == [EventKind.TAKEN_OVER, EventKind.STEP_COMPLETED, EventKind.HANDED_OVER]


def test_another_officer_cannot_take_a_claimed_step(ctx, client, task):
    _, task_id = task
    act(client, ctx, SPECIALIST, task_id, "claim")
    error = assert_error(act(client, ctx, SPECIALIST2, task_id, "claim"), 409, "conflict")
    assert error["details"] == {"assignee": SPECIALIST}
    assert_error(act(client, ctx, SPECIALIST2, task_id, "complete", {"data": {"eligible": True}}), 409)
    assert_error(act(client, ctx, SPECIALIST2, task_id, "release"), 403)


@pytest.mark.parametrize("username", [DESK, LEADER, HEAD, "xa.kt.chuyenvien", "xa2.vp.chuyenvien", "xa.designer",
                                      "xa.auditor", "xa.admin", "tinh.admin"])
def test_outside_the_lane_is_403_and_logged(ctx, client, task, username):
    _, task_id = task
    for action, body in (("claim", None), ("complete", {"data": {"eligible": True}})):
        assert_error(act(client, ctx, username, task_id, action, body), 403, "forbidden")
    entry = denials(ctx)[-1]
    assert entry.actor_name == username and entry.action == "complete" and entry.target == f"task:{task_id}"


def test_form_failures_are_422_with_details(ctx, client, task):
    code, task_id = task
    error = assert_error(act(client, ctx, SPECIALIST, task_id, "complete", {"data": {"eligible": "yes"}}),
                         422, "form_invalid")
    assert error["details"][0]["field"] == "eligible"
    assert_error(act(client, ctx, SPECIALIST, task_id, "complete", {"data": {}}), 422, "form_invalid")
    assert_error(act(client, ctx, SPECIALIST, task_id, "complete"), 422, "form_invalid")  # no data at all
    refusal = {"eligible": False, "refusal_reason": "x"}  # too short when not eligible
    assert_error(act(client, ctx, SPECIALIST, task_id, "complete", {"data": refusal}), 422, "form_invalid")
    error = assert_error(act(client, ctx, SPECIALIST, task_id, "complete", {"data": [1]}), 422, "invalid_input")
    assert "data" in error["details"]["json"]
    assert_error(act(client, ctx, SPECIALIST, task_id, "complete", {"eligible": True}), 422)  # not under "data"
    assert [t.state for t in open_tasks(ctx, code)] == ["ready"]


def test_release(ctx, client, task):
    _, task_id = task
    assert_error(act(client, ctx, SPECIALIST, task_id, "release"), 409, "invalid_state")  # nobody holds it
    act(client, ctx, SPECIALIST, task_id, "claim")
    response = act(client, ctx, SPECIALIST, task_id, "release")
    assert response.get_json() == {"id": task_id, "state": "ready", "assignee": None, "outcome": None}
    act(client, ctx, SPECIALIST, task_id, "claim")
    assert act(client, ctx, HEAD, task_id, "release").status_code == 200  # the unit head may too
    assert_error(act(client, ctx, "xa2.vp.truongphong", task_id, "release"), 403)


def test_reassign_within_the_unit(ctx, client, task):
    code, task_id = task
    act(client, ctx, SPECIALIST, task_id, "claim")
    response = act(client, ctx, HEAD, task_id, "reassign", {"username": SPECIALIST2})
    assert response.get_json() == {"id": task_id, "state": "claimed", "assignee": SPECIALIST2, "outcome": None}
    assert event_kinds(ctx, code)[-1] == EventKind.REASSIGNED
    for username in (SPECIALIST, LEADER, "xa.kt.truongphong", "xa2.vp.truongphong"):
        assert_error(act(client, ctx, username, task_id, "reassign", {"username": SPECIALIST}), 403)
    for target in ("xa.kt.chuyenvien", "xa2.vp.chuyenvien", HEAD):
        assert_error(act(client, ctx, HEAD, task_id, "reassign", {"username": target}), 422, "invalid_input")
    assert_error(act(client, ctx, HEAD, task_id, "reassign", {"username": "khong.co"}), 422)
    assert_error(act(client, ctx, HEAD, task_id, "reassign", {}), 422)
    assert_error(act(client, ctx, HEAD, task_id, "reassign", {"username": ["x"]}), 422)


def test_steps_of_a_paused_dossier_cannot_be_taken(ctx, client, task):
    code, task_id = task
    client.post(f"{API}/dossiers/{code}/supplement-request", json={"reason": "Thiếu giấy", "missing": ["Tờ khai"]},
                headers=auth(ctx, DESK))
    assert_error(act(client, ctx, SPECIALIST, task_id, "claim"), 409, "invalid_state")


@pytest.mark.parametrize("task_id, status", [(999_999, 404), ("abc", 404), ("-1", 404), ("1.5", 404),
                                             (10**20, 404), (2**31, 404)])
def test_unknown_or_malformed_task_ids(ctx, client, task_id, status):
    bodies = {"claim": None, "release": None, "complete": {"data": {"eligible": True}}, "reassign": {"username": HEAD}}
    for action, body in bodies.items():
        assert_error(act(client, ctx, HEAD, task_id, action, body), status, "not_found")


def test_session_authenticated_calls_need_the_csrf_token(ctx, client, people, task):
    """Browser calls (Flask-Login session) reach the API; writes must carry the session's CSRF token."""
    from tests.page_helpers import csrf

    _, task_id = task
    with client.session_transaction() as session:
        session["_user_id"] = f"{people(SPECIALIST).id}:0"  # user id : session generation (web.auth)
        session["_fresh"] = True
    assert client.get(f"{API}/tasks?scope=available").get_json()["total"] == 1
    refused = client.post(f"{API}/tasks/{task_id}/claim")
    assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "bad_request"
    token = csrf(client, "/officer/")
    assert client.post(f"{API}/tasks/{task_id}/claim", headers={"X-CSRFToken": token}).status_code == 200
