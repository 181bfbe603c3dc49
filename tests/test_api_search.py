"""REST API of the dossier search (GET /api/v1/dossiers): text and filters, paging, only what the caller may open,
and every hostile query a 200 or a 422 with a clear message, never a 500, on each database."""

from __future__ import annotations

import pytest

from tests.helpers import applicant, receive_sample
from tests.test_api_dossiers import auth
from tests.test_api_procedures_docs import API, assert_error
from tests.test_search import HOSTILE

DESK = "xa.motcua"


@pytest.fixture
def made(ctx, people):
    return {
        "hoa": receive_sample(ctx, people, applicant={**applicant(), "name": "Trần Thị Hoa", "id_number": "001190012345",
                                                     "phone": "0912345678"}).code,
        "other": receive_sample(ctx, people, applicant={**applicant(), "name": "Lê Văn Tám"}).code,
        "foreign": receive_sample(ctx, people, desk="xa2.motcua",
                                  applicant={**applicant(), "name": "Trần Thị Hoa"}).code,
    }


def get(client, ctx, username=DESK, **params):
    return client.get(f"{API}/dossiers", query_string=params, headers=auth(ctx, username))


def test_search_by_name_without_diacritics(ctx, client, made):
    response = get(client, ctx, q="tran thi hoa")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert [item["code"] for item in body["items"]] == [made["hoa"]]  # not the foreign commune's namesake
    item = body["items"][0]
    assert item["applicant_name"] == "Trần Thị Hoa" and item["procedure_code"] == "1.001193"
    assert item["status"] == "processing" or item["status"] == "received"
    assert item["received_at"].endswith("+00:00") and item["late"] is False
    assert body["total"] == 1 and body["more"] is False and body["phrases"] == ["tran", "thi", "hoa"]
    assert body["sort"] == "relevance"


def test_search_by_code_id_phone_and_filters(ctx, client, made):
    for q in (made["hoa"][-11:], "00119001", "0912345678"):
        assert [i["code"] for i in get(client, ctx, q=q).get_json()["items"]] == [made["hoa"]], q
    everything = get(client, ctx).get_json()
    assert {i["code"] for i in everything["items"]} == {made["hoa"], made["other"]} and everything["sort"] == "newest"
    page = get(client, ctx, limit=1, offset=1).get_json()
    assert page["total"] == 2 and [i["code"] for i in page["items"]] == [everything["items"][1]["code"]]
    assert get(client, ctx, status=["refused", "returned"]).get_json()["total"] == 0
    assert get(client, ctx, channel="desk", received_from="2026-12-07", received_to="2026-12-07").get_json()["total"] == 2
    assert get(client, ctx, procedure="2.000720").get_json()["total"] == 0
    assert get(client, ctx, late="true").get_json()["total"] == 0
    assert get(client, ctx, username="xa2.motcua", q="hoa").get_json()["items"][0]["code"] == made["foreign"]
    assert get(client, ctx, username="xa.designer").get_json()["total"] == 0


@pytest.mark.parametrize("params", [{"status": "nope"}, {"channel": "fax"}, {"sort": "best"}, {"limit": 0},
                                    {"limit": 201}, {"offset": -1}, {"received_from": "07/12/2026"},
                                    {"received_from": "2026-12-09", "received_to": "2026-12-01"},
                                    {"due_to": "1900-01-01"}, {"late": "maybe"}, {"unit": "x"}, {"bogus": "1"}])
def test_bad_filters_are_422(ctx, client, made, params):
    assert_error(get(client, ctx, **params), 422)


def test_hostile_queries_never_500(ctx, client, made):
    for q in HOSTILE:
        response = get(client, ctx, q=q)
        if response.status_code == 200:
            assert {i["code"] for i in response.get_json()["items"]} <= {made["hoa"], made["other"]}, q
            continue
        assert response.status_code in (400, 422), (q, response.status_code)
        error = assert_error(response, response.status_code)
        assert error["message"], q
    error = assert_error(get(client, ctx, q="x" * 10_000), 422)
    assert "200" in error["message"]
    assert_error(get(client, ctx, q="ab"), 422)


def test_search_needs_a_token(client):
    assert_error(client.get(f"{API}/dossiers?q=hoa"), 401)
