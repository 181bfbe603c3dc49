"""The officers' search page and the top bar's search box: a name typed without diacritics, filters, only what the
officer may open, and bad input said on the page (never a raw error or JSON), on each database."""

from __future__ import annotations

from tests.helpers import applicant, receive_sample
from tests.page_helpers import login, text
from tests.test_search import HOSTILE


def _made(ctx, people):
    hoa = receive_sample(ctx, people, applicant={**applicant(), "name": "Trần Thị Hoa", "id_number": "001190012345"})
    foreign = receive_sample(ctx, people, desk="xa2.motcua", applicant={**applicant(), "name": "Trần Thị Hoa"})
    return hoa.code, foreign.code


def test_every_officer_page_has_the_search_box(ctx, people, client):
    login(client, "xa.vp.chuyenvien")
    for url in ("/officer/", "/officer/search"):
        page = client.get(url)
        assert page.status_code == 200
        assert 'action="/officer/search"' in page.get_data(as_text=True) and 'role="search"' in page.get_data(as_text=True)


def test_desk_finds_a_name_typed_without_diacritics(ctx, people, client):
    hoa, foreign = _made(ctx, people)
    login(client, "xa.motcua")
    page = client.get("/officer/search", query_string={"q": "tran thi hoa"})
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert hoa in body and foreign not in body and "Trần Thị Hoa" in body
    assert f'href="/officer/dossiers/{hoa}"' in body
    assert "1 hồ sơ phù hợp" in text(page)
    by_id = client.get("/officer/search", query_string={"q": "0011900", "status": "received", "late": "0"})
    assert hoa in by_id.get_data(as_text=True)
    none = client.get("/officer/search", query_string={"q": "tran thi hoa", "status": "refused"})
    assert hoa not in none.get_data(as_text=True) and "Không tìm thấy hồ sơ nào" in text(none)


def test_bad_input_is_said_on_the_page(ctx, people, client):
    _made(ctx, people)
    login(client, "xa.motcua")
    for params in ({"q": "x" * 10_000}, {"q": "ab"}, {"received_from": "31/02/2026"}, {"status": "nope"},
                   {"received_from": "2026-12-09", "received_to": "2026-12-01"}, {"sort": "x"}, {"unit": "abc"},
                   {"page": "-3"}, *({"q": q} for q in HOSTILE)):
        page = client.get("/officer/search", query_string=params)
        assert page.status_code in (200, 400, 422), (params, page.status_code)
        assert page.mimetype == "text/html" and "<html" in page.get_data(as_text=True), params
        assert '{"error"' not in page.get_data(as_text=True), params
    page = client.get("/officer/search", query_string={"q": "x" * 10_000})
    assert page.status_code == 422 and "200" in text(page)


def test_an_outsider_finds_nothing_and_english_works(ctx, people, client):
    _made(ctx, people)
    login(client, "xa.designer")
    page = client.get("/officer/search", query_string={"q": "tran thi hoa"})
    assert page.status_code == 200 and "0 hồ sơ phù hợp" in text(page)
    client.get("/lang/en")
    page = client.get("/officer/search", query_string={"q": "tran"})
    assert "Find a dossier" in page.get_data(as_text=True)
