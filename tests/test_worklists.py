"""The desk's worklists: results to hand back (resolved or refused), dossiers awaiting the citizen's supplement
(what was asked, since when), online submissions to check, received today; handing back a refusal; the
authority rule (only the desk, only its own agency) on the engine, the API and the page."""

from __future__ import annotations

import pytest

from engine.demo.walkthrough import complete_open_steps
from engine.dossiers import actions as dossiers
from engine.dossiers import online
from engine.dossiers.worklists import Worklist, list_worklist, worklist_counts
from engine.enums import DossierStatus, EventKind
from engine.errors import InvalidInput, InvalidState, NotAuthorized
from engine.org.directory import issue_token
from tests.helpers import dossier, event_kinds, receive_sample, request
from tests.page_helpers import flashes, login, post, text

DESK = "xa.motcua"
XA = "000.00.31.H99"
MISSING = {"reason": "Thiếu giấy tờ chứng minh nơi cư trú", "missing": ["Giấy xác nhận cư trú"]}


def codes(page) -> list[str]:
    return [row.code for row in page.rows]


@pytest.fixture
def office(ctx, people, clock):
    """One dossier in each list: resolved, refused, awaiting supplement, submitted online; all received today."""
    clock.set_local("2026-12-07T08:00")
    resolved = receive_sample(ctx, people).code
    complete_open_steps(ctx, resolved)
    refused = receive_sample(ctx, people).code
    dossiers.refuse(ctx, people("xa.lanhdao"), refused, {"reason": "Không thuộc thẩm quyền giải quyết"})
    waiting = receive_sample(ctx, people).code
    clock.set_local("2026-12-07T10:00")
    dossiers.request_supplement(ctx, people(DESK), waiting, MISSING)
    submitted = online.submit_online(ctx, request(agency_code=XA)).code
    clock.set_local("2026-12-08T10:00")  # one working day later
    return {"resolved": resolved, "refused": refused, "waiting": waiting, "submitted": submitted}


def test_each_list_holds_what_waits_at_the_desk(ctx, people, office):
    desk = people(DESK)
    assert dossier(ctx, office["resolved"]).status == DossierStatus.RESOLVED
    assert set(codes(list_worklist(ctx, desk, Worklist.TO_HAND_BACK))) == {office["resolved"], office["refused"]}
    [row] = list_worklist(ctx, desk, Worklist.AWAITING_SUPPLEMENT).rows
    assert row.code == office["waiting"] and row.asked["missing"] == MISSING["missing"]
    assert row.asked["reason"] == MISSING["reason"] and row.asked["working_days"] == 1.0
    assert codes(list_worklist(ctx, desk, Worklist.TO_CHECK)) == [office["submitted"]]
    assert list_worklist(ctx, desk, Worklist.RECEIVED_TODAY).total == 0  # received yesterday
    assert worklist_counts(ctx, desk) == {"to_hand_back": 2, "awaiting_supplement": 1, "to_check": 1,
                                          "received_today": 0}


def test_received_today_counts_the_local_day(ctx, people, clock):
    clock.set_local("2026-12-07T16:50")
    code = receive_sample(ctx, people).code
    assert codes(list_worklist(ctx, people(DESK), Worklist.RECEIVED_TODAY)) == [code]
    clock.set_local("2026-12-08T07:35")
    assert list_worklist(ctx, people(DESK), Worklist.RECEIVED_TODAY).total == 0


def test_handing_back_a_refusal_is_recorded_once(ctx, people, office):
    code = office["refused"]
    dossiers.hand_back(ctx, people(DESK), code, "Đã giao Mẫu 03 tận tay")
    d = dossier(ctx, code)
    assert d.status == DossierStatus.REFUSED and d.returned_at is not None
    assert event_kinds(ctx, code)[-1] == EventKind.RETURNED
    with pytest.raises(InvalidState):
        dossiers.hand_back(ctx, people(DESK), code)
    dossiers.hand_back(ctx, people(DESK), office["resolved"])
    assert dossier(ctx, office["resolved"]).status == DossierStatus.RETURNED
    assert list_worklist(ctx, people(DESK), Worklist.TO_HAND_BACK).total == 0


def test_only_the_desk_of_the_agency_sees_its_worklists(ctx, people, office):
    for outsider in ("xa.vp.chuyenvien", "xa.lanhdao", "xa.designer"):
        with pytest.raises(NotAuthorized):
            worklist_counts(ctx, people(outsider))
    other_desk = people("stp.motcua")
    assert list_worklist(ctx, other_desk, Worklist.TO_HAND_BACK).total == 0  # another agency's desk: none of ours


@pytest.mark.parametrize("bad", ["", "inbox", "TO_HAND_BACK", "x" * 500, "'; drop table dossiers; --"])
def test_an_unknown_list_is_a_clear_error(ctx, people, bad):
    with pytest.raises(InvalidInput):
        list_worklist(ctx, people(DESK), bad)


def test_the_api_lists_and_counts(client, ctx, people, office):
    token = issue_token(ctx, DESK)
    auth = {"Authorization": f"Bearer {token}"}
    counts = client.get("/api/v1/worklists", headers=auth)
    assert counts.status_code == 200 and counts.get_json()["counts"]["to_hand_back"] == 2
    page = client.get("/api/v1/worklists/awaiting_supplement", headers=auth).get_json()
    assert page["total"] == 1 and page["items"][0]["asked"]["missing"] == MISSING["missing"]
    assert client.get("/api/v1/worklists/nope", headers=auth).status_code == 404
    specialist = {"Authorization": f"Bearer {issue_token(ctx, 'xa.vp.chuyenvien')}"}
    assert client.get("/api/v1/worklists", headers=specialist).status_code == 403
    assert client.get("/api/v1/worklists").status_code == 401


def test_the_page_hands_back_ticked_rows_and_names_the_rest(client, ctx, people, office):
    login(client, DESK)
    page = client.get("/officer/worklists")
    body = text(page)
    assert page.status_code == 200 and "Chờ trả kết quả" in body and office["refused"] in body
    response = post(client, "/officer/worklists/hand-back",
                    {"code": [office["resolved"], office["refused"], office["waiting"]]}, follow_redirects=True)
    messages = flashes(response)
    assert any(office["resolved"] in m and office["refused"] in m for m in messages)
    assert any(m.startswith(office["waiting"]) for m in messages)  # not handed back, with its reason
    assert dossier(ctx, office["waiting"]).status == DossierStatus.AWAITING_SUPPLEMENT
    assert "Không có hồ sơ nào trong mục này." in text(client.get("/officer/worklists?list=to_hand_back"))
