"""Taking the next step of one's pool (nhận bước tiếp theo): the engine's use case, the API and the inbox
button. Officers sharing a pool get the soonest-due waiting step, never one outside their lane, never a
paused dossier's, and never the same step twice (the concurrent case: tests/test_concurrency.py)."""

from __future__ import annotations

import pytest

from engine.dossiers import actions as dossiers
from engine.dossiers import tasks
from engine.dossiers.inbox import Scope, list_inbox
from engine.errors import Conflict
from tests.helpers import event_kinds, open_tasks, receive_sample
from tests.kpi_dataset import SUPPLEMENT_REQUEST
from tests.load import step_data
from tests.page_helpers import flashes, login, post, text
from tests.test_api_tasks import API, auth

SPECIALIST, SPECIALIST2, DESK = "xa.vp.chuyenvien", "xa.vp.chuyenvien2", "xa.motcua"
INBOX = "/officer/inbox"


@pytest.fixture
def two(ctx, people, clock) -> list[str]:
    """Two birth registrations waiting for the specialists, the first due first."""
    first = receive_sample(ctx, people).code
    clock.advance(minutes=30)
    return [first, receive_sample(ctx, people).code]


def test_the_soonest_due_step_is_taken_then_the_next_then_none(ctx, people, two):
    officer, other = people(SPECIALIST), people(SPECIALIST2)
    taken = tasks.claim_next(ctx, officer)
    [first_task] = open_tasks(ctx, two[0])
    assert (taken.id, taken.dossier_code, taken.state, taken.assignee_id) == (first_task.id, two[0], "claimed",
                                                                              officer.id)
    assert event_kinds(ctx, two[0])[-1] == "taken_over"
    assert [r.dossier_code for r in list_inbox(ctx, officer, Scope.MINE).rows] == [two[0]]
    assert tasks.claim_next(ctx, other).dossier_code == two[1]  # the first is no longer in the pool
    assert tasks.claim_next(ctx, officer) is None and tasks.claim_next(ctx, other) is None


def test_only_the_officers_own_pool_and_never_a_paused_dossier(ctx, people, two):
    for username in (DESK, "xa.kt.chuyenvien", "xa2.vp.chuyenvien", "xa.lanhdao", "xa.auditor"):
        assert tasks.claim_next(ctx, people(username)) is None, username
    dossiers.request_supplement(ctx, people(DESK), two[0], SUPPLEMENT_REQUEST)
    assert tasks.claim_next(ctx, people(SPECIALIST)).dossier_code == two[1]
    assert tasks.claim_next(ctx, people(SPECIALIST)) is None


def test_busy_candidates_are_a_conflict_not_an_empty_pool(ctx, people, two, monkeypatch):
    """Every candidate's dossier held by another transaction (what SKIP LOCKED reports on PostgreSQL):
    the caller is told to try again, not that nothing waits."""
    monkeypatch.setattr(tasks, "try_lock_dossier", lambda session, dossier_id: None)
    with pytest.raises(Conflict):
        tasks.claim_next(ctx, people(SPECIALIST))
    assert all(t.assignee_id is None for code in two for t in open_tasks(ctx, code))


def test_api_hands_out_the_next_step_then_204(ctx, client, two):
    response = client.post(f"{API}/tasks/next", headers=auth(ctx, SPECIALIST))
    assert response.status_code == 200, response.get_json()
    row = response.get_json()
    assert row["dossier_code"] == two[0] and row["state"] == "claimed" and row["step_id"] == "tham_dinh_ho_so"
    assert row["due_at"].endswith("+00:00")
    assert client.post(f"{API}/tasks/next", headers=auth(ctx, SPECIALIST)).get_json()["dossier_code"] == two[1]
    empty = client.post(f"{API}/tasks/next", headers=auth(ctx, SPECIALIST))
    assert empty.status_code == 204 and empty.get_data() == b""
    assert client.post(f"{API}/tasks/next").status_code == 401
    completed = client.post(f"{API}/tasks/{row['id']}/complete", json={"data": step_data()[row["step_id"]]},
                            headers=auth(ctx, SPECIALIST))
    assert completed.status_code == 200 and completed.get_json()["state"] == "completed"


def test_api_documents_take_next(client):
    spec = client.get(f"{API}/openapi.json").get_json()
    responses = spec["paths"]["/api/v1/tasks/next"]["post"]["responses"]
    assert {"200", "204", "401", "409"} <= set(responses)


def test_inbox_button_opens_the_taken_step_on_its_dossier(app, ctx, two):
    client = app.test_client()
    assert login(client, SPECIALIST).status_code == 302
    page = text(client.get(f"{INBOX}?scope=available"))
    assert "Nhận bước tiếp theo" in page and 'action="/officer/inbox/next"' in page
    taken = post(client, f"{INBOX}/next", token_from=INBOX)
    assert taken.status_code == 302 and taken.headers["Location"].endswith(f"/officer/dossiers/{two[0]}")
    dossier_page = client.get(taken.headers["Location"])
    assert any(two[0] in f and "Đã nhận bước tiếp theo" in f for f in flashes(dossier_page))
    post(client, f"{INBOX}/next", token_from=INBOX)
    assert "Nhận bước tiếp theo" not in text(client.get(f"{INBOX}?scope=available"))  # the pool is empty
    empty = post(client, f"{INBOX}/next", token_from=INBOX, follow_redirects=True)
    assert "Không có bước nào chờ nhận." in flashes(empty)
    client.get("/lang/en")
    assert "No step is waiting." in flashes(post(client, f"{INBOX}/next", token_from=INBOX, follow_redirects=True))


def test_desk_officer_sees_no_take_next_button(app, two):
    client = app.test_client()
    assert login(client, DESK).status_code == 302
    assert "Nhận bước tiếp theo" not in text(client.get(INBOX))
