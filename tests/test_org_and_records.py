"""Organisation (agencies, units, users, tokens, calendar exceptions) and the hash-chained event log."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, update

from engine.db.models import ApiToken, Event, User
from engine.dossiers.events import verify_chain
from engine.dossiers.store import load_dossier
from engine.errors import AlreadyExists, AuthenticationFailed, InvalidInput, NotAuthorized, NotFound
from engine.org import directory as org
from engine.records.integrity import verify_all
from tests.conftest import PASSWORD
from tests.helpers import receive_sample


def test_agency_tree_units_and_users(ctx, people):
    org.add_agency(ctx, "000.00.40.H99", "UBND xã Mới", "commune", "000.00.00.H99")
    org.add_unit(ctx, "KT", "000.00.40.H99", "Phòng Kinh tế")
    org.add_user(ctx, "moi.kt", "000.00.40.H99", ["specialist", "unit_head"], "mat-khau-dai", unit_code="KT")
    actor = org.authenticate_password(ctx, "moi.kt", "mat-khau-dai")
    assert {r.value for r in actor.roles} == {"specialist", "unit_head"}
    with ctx.db.transaction() as session:
        user = session.scalar(select(User).where(User.username == "moi.kt"))
        assert user.password_hash.startswith("$argon2") and "mat-khau-dai" not in user.password_hash


@pytest.mark.parametrize("call, error", [
    (lambda c: org.add_agency(c, "000.00.31.H99", "Trùng", "commune"), AlreadyExists),
    (lambda c: org.add_agency(c, "X", "Con", "commune", "KHONG-CO"), NotFound),
    (lambda c: org.add_agency(c, "X", " ", "commune"), InvalidInput),
    (lambda c: org.add_unit(c, "VP", "000.00.31.H99", "Trùng"), AlreadyExists),
    (lambda c: org.add_user(c, "u1", "000.00.31.H99", ["king"], "mat-khau-dai"), InvalidInput),
    (lambda c: org.add_user(c, "u1", "000.00.31.H99", [], "mat-khau-dai"), InvalidInput),
    (lambda c: org.add_user(c, "u1", "000.00.31.H99", ["desk"], "ngan"), InvalidInput),
    (lambda c: org.add_user(c, "u1", "000.00.31.H99", ["desk"], "mat-khau-dai", unit_code="ZZ"), NotFound),
    (lambda c: org.add_user(c, "xa.motcua", "000.00.31.H99", ["desk"], "mat-khau-dai"), AlreadyExists),
])
def test_bad_organisation_input(ctx, call, error):
    with pytest.raises(error):
        call(ctx)


def test_only_admins_manage_from_the_web(ctx, people):
    with pytest.raises(NotAuthorized):
        org.add_unit(ctx, "NEW", "000.00.31.H99", "Mới", actor=people("xa.motcua"))
    org.add_unit(ctx, "NEW", "000.00.31.H99", "Mới", actor=people("xa.admin"))


def test_tokens_are_stored_hashed_and_authenticate(ctx):
    token = org.issue_token(ctx, "xa.motcua")
    assert org.authenticate_token(ctx, token).username == "xa.motcua"
    with ctx.db.transaction() as session:
        stored = session.scalars(select(ApiToken.token_hash)).all()
    assert token not in stored and len(stored[0]) == 64
    with pytest.raises(AuthenticationFailed):
        org.authenticate_token(ctx, token + "x")


def test_wrong_password(ctx):
    with pytest.raises(AuthenticationFailed):
        org.authenticate_password(ctx, "xa.motcua", "sai-mat-khau")
    with pytest.raises(AuthenticationFailed):
        org.authenticate_password(ctx, "khong-ai", PASSWORD)


def test_calendar_exceptions_change_deadlines(ctx, people, clock):
    org.set_calendar_day(ctx, date(2026, 12, 7), working=False, note="Nghỉ đột xuất")
    receipt = receive_sample(ctx, people)  # Monday now a holiday: same_day moves to Tuesday
    assert receipt.due_at.date() == date(2026, 12, 8)
    org.clear_calendar_day(ctx, date(2026, 12, 7))
    with pytest.raises(NotFound):
        org.clear_calendar_day(ctx, date(2026, 12, 7))


def test_event_chain_verifies_and_detects_tampering(ctx, people):
    code = receive_sample(ctx, people).code
    assert verify_all(ctx) == ([], 1)
    with ctx.db.transaction() as session:
        first = session.scalar(select(Event).where(Event.seq == 1))
        session.execute(update(Event).where(Event.id == first.id).values(payload={"procedure": "giả mạo"}))
    with ctx.db.transaction() as session:
        broken = verify_chain(session, load_dossier(session, code))
    assert [b.seq for b in broken] == [1]
    assert "edited" in str(broken[0])
