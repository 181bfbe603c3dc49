"""The audit views: dossiers' event logs with the state of each hash chain, the security log (refused
attempts), for auditors of the agency and above; ``motcua audit verify`` names a broken link."""

from __future__ import annotations

from datetime import date

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from engine.db.models import Dossier, Event
from engine.dossiers import tasks
from engine.errors import InvalidInput, NotAuthorized
from engine.records.auditlog import browse_events, browse_security_log
from tests.helpers import open_tasks, receive_sample


def tamper(ctx, code: str, seq: int) -> None:
    with ctx.db.transaction() as session:
        dossier_id = session.scalar(select(Dossier.id).where(Dossier.code == code))
        session.execute(update(Event).where(Event.dossier_id == dossier_id, Event.seq == seq)
                        .values(payload={"forged": True}))


def test_auditor_browses_events_with_chain_state(ctx, people, clock):
    first = receive_sample(ctx, people)
    clock.set_local("2026-12-08T09:00")
    second = receive_sample(ctx, people)
    auditor = people("xa.auditor")
    page = browse_events(ctx, auditor)
    assert page.total == 4  # received + handed over, twice
    assert [r["dossier_code"] for r in page.rows[:2]] == [second.code, second.code]  # newest first
    assert page.chains == {first.code: [], second.code: []}
    assert browse_events(ctx, auditor, code=first.code).total == 2
    assert browse_events(ctx, auditor, code="000.00.31.H99-261208").total == 2  # a code's beginning
    assert browse_events(ctx, auditor, kind="received").total == 2
    assert browse_events(ctx, auditor, date_from=date(2026, 12, 8), date_to=date(2026, 12, 8)).total == 2
    assert browse_events(ctx, auditor, date_to=date(2026, 12, 7)).total == 2
    paged = browse_events(ctx, auditor, limit=3, offset=3)
    assert len(paged.rows) == 1 and paged.total == 4
    tamper(ctx, first.code, 2)
    page = browse_events(ctx, auditor, code=first.code)
    assert page.chains[first.code] == [f"{first.code} #2: content does not match its hash (edited)"]


@pytest.mark.parametrize("username, visible", [("xa.auditor", 2), ("tinh.kiemsoat", 2), ("xa2.auditor", 0)])
def test_auditors_see_their_agency_and_below(ctx, people, username, visible):
    receive_sample(ctx, people)
    assert browse_events(ctx, people(username)).total == visible


@pytest.mark.parametrize("username", ["xa.lanhdao", "xa.admin", "xa.motcua"])
def test_only_auditors(ctx, people, username):
    with pytest.raises(NotAuthorized):
        browse_events(ctx, people(username))
    with pytest.raises(NotAuthorized):
        browse_security_log(ctx, people(username))


def test_bad_filters(ctx, people):
    auditor = people("xa.auditor")
    with pytest.raises(InvalidInput):
        browse_events(ctx, auditor, kind="forged")
    with pytest.raises(InvalidInput):
        browse_events(ctx, auditor, date_from=date(2026, 12, 9), date_to=date(2026, 12, 8))
    with pytest.raises(InvalidInput):
        browse_security_log(ctx, auditor, limit=1000)


def test_security_log_shows_refused_attempts(ctx, people):
    receipt = receive_sample(ctx, people)
    [task] = open_tasks(ctx, receipt.code)
    with pytest.raises(NotAuthorized):
        tasks.claim(ctx, people("xa.kt.chuyenvien"), task.id)  # another unit's specialist
    with pytest.raises(NotAuthorized):
        browse_events(ctx, people("xa.lanhdao"))
    page = browse_security_log(ctx, people("xa.auditor"), denied_only=True)
    assert [(r["actor"], r["action"]) for r in page.rows] == [("xa.lanhdao", "view_audit_log"),
                                                             ("xa.kt.chuyenvien", "claim")]
    assert browse_security_log(ctx, people("xa2.auditor"), denied_only=True).total == 0
    # Command-line entries (no officer) belong to the auditors of a top-level agency.
    everything = browse_security_log(ctx, people("tinh.kiemsoat"))
    assert any(r["actor"] == "system" for r in everything.rows)
    assert not any(r["actor"] == "system" for r in browse_security_log(ctx, people("xa.auditor")).rows)


def test_audit_verify_names_the_broken_link(ctx, people, monkeypatch):
    monkeypatch.setenv("MOTCUA_DATABASE_URL", ctx.db.url)
    from engine.cli import cli

    good, bad = receive_sample(ctx, people), receive_sample(ctx, people)
    runner = CliRunner()
    clean = runner.invoke(cli, ["audit", "verify"], catch_exceptions=False)
    assert clean.exit_code == 0 and "0 liên kết hỏng" in clean.output
    tamper(ctx, bad.code, 2)
    with ctx.db.transaction() as session:  # and delete the first event of the other dossier
        dossier_id = session.scalar(select(Dossier.id).where(Dossier.code == good.code))
        session.query(Event).filter(Event.dossier_id == dossier_id, Event.seq == 1).delete()
    result = runner.invoke(cli, ["audit", "verify"], catch_exceptions=False)
    assert result.exit_code == 1
    assert f"✗ {bad.code} #2: content does not match its hash (edited)" in result.output
    assert f"✗ {good.code} #1: missing event (next found is #2)" in result.output
    assert "2 hồ sơ đã kiểm tra" in result.output
