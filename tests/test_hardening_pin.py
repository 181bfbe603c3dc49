"""PIN guessing (issue 16, defect 8): one request budget per client address and one per dossier code, shared by
the four routes that test a PIN; a lock-out after consecutive failures on one code, lifted by the desk's
reissue; the same work for an unknown code as for a wrong PIN."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event

from engine.dossiers import online, pin_guard
from engine.dossiers.views import public_lookup
from engine.enums import EventKind
from engine.errors import Locked, NotAuthorized, NotFound
from engine.org.security import PIN_DIGITS
from tests.helpers import KHAI_SINH, event_kinds, events, receive_sample
from tests.page_helpers import flashes, login, post, text

API = "/api/v1"
LOCKED_VI = "đã bị khoá vì nhập sai mã PIN nhiều lần liên tiếp"


def wrong(pin: str) -> str:
    return "0" * PIN_DIGITS if pin != "0" * PIN_DIGITS else "1" * PIN_DIGITS


def _pin_routes(client, code: str, pin: str, address: str = "127.0.0.1"):
    """The four routes that test a PIN, one request each."""
    env = {"REMOTE_ADDR": address}
    return [
        client.post("/lookup", data={"code": code, "pin": pin}, environ_base=env),
        client.post(f"{API}/public/dossiers/{code}/lookup", json={"pin": pin}, environ_base=env),
        client.post(f"{API}/public/dossiers/{code}/supplement", json={"pin": pin, "documents": ["x"]},
                    environ_base=env),
        client.post("/lookup/supplement", data={"code": code, "pin": pin, "documents": "x"}, environ_base=env),
    ]


@pytest.fixture
def pin_app(app):
    app.config.update(WTF_CSRF_ENABLED=False, LOOKUP_RATE_LIMIT="6 per minute", PIN_CODE_RATE_LIMIT="1000 per minute",
                      SUBMIT_RATE_LIMIT="1000 per minute")
    return app


def test_the_address_budget_is_shared_by_all_four_routes(pin_app, ctx, people):
    client = pin_app.test_client()
    codes = [receive_sample(ctx, people).code for _ in range(2)]
    statuses = [r.status_code for r in _pin_routes(client, codes[0], "12345678")]
    statuses += [r.status_code for r in _pin_routes(client, codes[1], "12345678")]
    assert 429 not in statuses[:6] and statuses[6:] == [429, 429], statuses  # 6 in all, whatever the route
    assert all(r.status_code != 429 for r in _pin_routes(client, codes[1], "12345678", address="10.0.0.7")[:1])


def test_the_code_budget_is_shared_by_every_route_and_address(pin_app, ctx, people):
    pin_app.config.update(LOOKUP_RATE_LIMIT="1000 per minute", PIN_CODE_RATE_LIMIT="5 per minute")
    client = pin_app.test_client()
    receipt, other = receive_sample(ctx, people), receive_sample(ctx, people)
    statuses = [r.status_code for i in range(2) for r in _pin_routes(client, receipt.code, "1", f"10.0.{i}.1")]
    assert 429 not in statuses[:5] and set(statuses[5:]) == {429}, statuses  # addresses do not add up
    assert client.post(f"{API}/public/dossiers/{other.code}/lookup", json={"pin": other.pin}).status_code == 200


def test_repeated_wrong_pins_lock_the_lookup_on_every_route(pin_app, ctx, people, monkeypatch):
    monkeypatch.setenv("MOTCUA_PIN_MAX_FAILURES", "4")
    pin_app.config["LOOKUP_RATE_LIMIT"] = "1000 per minute"
    client = pin_app.test_client()
    receipt = receive_sample(ctx, people)
    answers = _pin_routes(client, receipt.code, wrong(receipt.pin))  # 4 failures, one per route
    assert [r.status_code for r in answers[:3]] == [404, 404, 404]
    locked = [client.post("/lookup", data={"code": receipt.code, "pin": receipt.pin}),
              client.post(f"{API}/public/dossiers/{receipt.code}/lookup", json={"pin": receipt.pin})]
    assert locked[0].status_code == 423 and LOCKED_VI in flashes(locked[0])[0] and "Bộ phận Một cửa" in flashes(locked[0])[0]
    error = locked[1].get_json()["error"]
    assert locked[1].status_code == 423 and error["code"] == "locked" and LOCKED_VI in error["message"]
    with pytest.raises(Locked):  # the right PIN too, until the desk reissues it
        public_lookup(ctx, receipt.code, receipt.pin)


def test_failures_must_be_consecutive(ctx, people, monkeypatch):
    monkeypatch.setenv("MOTCUA_PIN_MAX_FAILURES", "3")
    receipt = receive_sample(ctx, people)
    for _ in range(5):
        for _ in range(2):
            with pytest.raises(NotFound):
                public_lookup(ctx, receipt.code, wrong(receipt.pin))
        assert public_lookup(ctx, receipt.code, receipt.pin)["code"] == receipt.code  # the count starts again
    for _ in range(2):
        with pytest.raises(NotFound):
            public_lookup(ctx, receipt.code, wrong(receipt.pin))
    with pytest.raises(Locked):
        public_lookup(ctx, receipt.code, wrong(receipt.pin))


def test_unknown_codes_never_lock_anything(ctx, people, monkeypatch):
    monkeypatch.setenv("MOTCUA_PIN_MAX_FAILURES", "2")
    receipt = receive_sample(ctx, people)
    for _ in range(5):
        with pytest.raises(NotFound):
            public_lookup(ctx, receipt.code[:-1] + "9", receipt.pin)
    assert public_lookup(ctx, receipt.code, receipt.pin)["code"] == receipt.code


def test_the_desk_reissues_the_pin_and_unlocks(ctx, people, monkeypatch):
    monkeypatch.setenv("MOTCUA_PIN_MAX_FAILURES", "2")
    receipt = receive_sample(ctx, people)
    for _ in range(2):
        with pytest.raises((NotFound, Locked)):
            public_lookup(ctx, receipt.code, wrong(receipt.pin))
    for outsider in ("xa2.motcua", "xa.lanhdao", "xa.vp.chuyenvien", "xa.auditor"):
        with pytest.raises(NotAuthorized):
            pin_guard.reissue_pin(ctx, people(outsider), receipt.code)
    new = pin_guard.reissue_pin(ctx, people("xa.motcua"), receipt.code)
    assert len(new) == PIN_DIGITS and new.isdigit()
    assert public_lookup(ctx, receipt.code, new)["code"] == receipt.code
    with pytest.raises(NotFound):
        public_lookup(ctx, receipt.code, receipt.pin)  # the old PIN no longer opens it
    assert event_kinds(ctx, receipt.code)[-1] == EventKind.PIN_REISSUED
    payload = events(ctx, receipt.code)[-1].payload
    assert new not in str(payload) and payload["was_locked"] is True  # the event never holds the PIN


def test_the_dossier_page_offers_the_reissue_to_the_desk(client, ctx, people, monkeypatch):
    monkeypatch.setenv("MOTCUA_PIN_MAX_FAILURES", "1")
    receipt = receive_sample(ctx, people)
    with pytest.raises(Locked):
        public_lookup(ctx, receipt.code, wrong(receipt.pin))
    login(client, "xa.motcua")
    page = text(client.get(f"/officer/dossiers/{receipt.code}"))
    assert "/reissue-pin" in page and "Tra cứu hồ sơ đang bị khoá" in page
    answer = post(client, f"/officer/dossiers/{receipt.code}/reissue-pin", token_from=f"/officer/dossiers/{receipt.code}")
    assert answer.status_code == 200
    new = re.search(r'<strong class="pin">(\d+)</strong>', answer.get_data(as_text=True)).group(1)
    assert public_lookup(ctx, receipt.code, new)["code"] == receipt.code
    login(client2 := client.application.test_client(), "xa.lanhdao")
    assert "/reissue-pin" not in text(client2.get(f"/officer/dossiers/{receipt.code}"))  # the desk's alone


def test_online_supplement_counts_against_the_same_lock(ctx, people, monkeypatch):
    monkeypatch.setenv("MOTCUA_PIN_MAX_FAILURES", "3")
    sub = online.submit_online(ctx, {"procedure_code": KHAI_SINH, "agency_code": "000.00.31.H99",
                                     "applicant": {"name": "Lê Văn Cường"}, "documents": ["Tờ khai"]})
    with pytest.raises(NotFound):
        online.resubmit_online(ctx, sub.code, wrong(sub.pin), {"documents": ["x"]})
    with pytest.raises(NotFound):
        public_lookup(ctx, sub.code, wrong(sub.pin))
    with pytest.raises(Locked):
        online.resubmit_online(ctx, sub.code, wrong(sub.pin), {"documents": ["x"]})


def _statements(ctx, call) -> list[str]:
    seen = []

    def before(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement.split()[0].upper())

    event.listen(ctx.db.engine, "before_cursor_execute", before)
    try:
        call()
    finally:
        event.remove(ctx.db.engine, "before_cursor_execute", before)
    return seen


def test_unknown_code_and_wrong_pin_do_the_same_database_work(ctx, people):
    receipt = receive_sample(ctx, people)
    big = receive_sample(ctx, people)
    with ctx.db.transaction() as session:  # a large dossier: its row must not be read before the PIN matches
        from engine.dossiers.store import load_dossier

        load_dossier(session, big.code).data = {"note": "x" * 200_000}

    def fails(code: str, pin: str):
        def call():
            with pytest.raises(NotFound):
                public_lookup(ctx, code, pin)
        return call

    fails(receipt.code, wrong(receipt.pin))()  # first failure on this dossier creates its counter row
    wrong_pin = _statements(ctx, fails(receipt.code, wrong(receipt.pin)))
    unknown = _statements(ctx, fails(receipt.code[:-2] + "99", receipt.pin))
    fails(big.code, wrong(big.pin))()
    large = _statements(ctx, fails(big.code, wrong(big.pin)))
    assert [s for s in wrong_pin if s == "SELECT"] == [s for s in unknown if s == "SELECT"] == ["SELECT"]
    assert [s for s in wrong_pin if s in ("UPDATE", "INSERT")] != [] and \
        len([s for s in unknown if s in ("UPDATE", "INSERT")]) == 1
    assert large == wrong_pin


def test_lookup_api_documents_the_lock(client):
    paths = {path.removeprefix(API): ops for path, ops in client.get(f"{API}/openapi.json").get_json()["paths"].items()}
    assert "423" in paths["/public/dossiers/{code}/lookup"]["post"]["responses"]
    assert "423" in paths["/public/dossiers/{code}/supplement"]["post"]["responses"]
