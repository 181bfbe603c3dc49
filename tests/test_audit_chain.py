"""The security audit log is a hash chain (issue 16, defect 11): every entry is chained as its transaction
commits, concurrent writers never fork it, ``motcua audit verify`` names the first edited, deleted or inserted
entry, a migrated database gets its existing entries chained, and a daily digest of every chain's head proves
later that nothing made before that day's end was rewritten."""

from __future__ import annotations

import json
import threading
from datetime import date, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, insert, select, update

from engine.db.chain import GENESIS_HASH, chain_hash
from engine.db.models import AuditChainHead, AuditEntry, Deadline, Dossier, Event
from engine.dossiers import online, tasks
from engine.dossiers.events import event_hash
from engine.errors import InvalidInput, NotAuthorized
from engine.org import directory as org
from engine.org.audit import audit, record_denial
from engine.org.auditchain import DailyDigest, compute_digest, entry_hash, parse_digest
from engine.records.auditlog import daily_digest
from engine.records.integrity import check_all, verify_audit_chain, verify_saved_digest
from tests.helpers import open_tasks, receive_sample, request

XA = "000.00.31.H99"


def _entries(ctx) -> list[AuditEntry]:
    with ctx.db.transaction() as session:
        return list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))


def _head(ctx) -> tuple[int, str]:
    with ctx.db.transaction() as session:
        head = session.get(AuditChainHead, 1)
        return head.seq, head.hash


def _some_activity(ctx, people) -> None:
    """A refusal, an organisation change, a publication-free mix of what the log records."""
    receipt = receive_sample(ctx, people)
    [task] = open_tasks(ctx, receipt.code)
    with pytest.raises(NotAuthorized):
        tasks.claim(ctx, people("xa.kt.chuyenvien"), task.id)
    org.add_unit(ctx, "TP", XA, "Tổ tư pháp")
    org.set_calendar_day(ctx, date(2026, 12, 31), working=False, note="Nghỉ bù")


def _verify(ctx) -> list[str]:
    return [str(link) for link in verify_audit_chain(ctx)[0]]


def _cli(ctx, monkeypatch, *args):
    """The command line on the test's database and clock (a digest is made for a day already over)."""
    from engine.cli import cli, common
    from engine.context import EngineContext
    from engine.db.session import Database

    monkeypatch.setattr(common, "context", lambda: EngineContext(Database(ctx.db.url), clock=ctx.clock))
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_every_entry_is_chained_to_the_one_before(ctx, people):
    _some_activity(ctx, people)
    entries = _entries(ctx)
    assert len(entries) >= 3 and [e.seq for e in entries] == list(range(1, len(entries) + 1))
    prev = GENESIS_HASH
    for entry in entries:
        assert entry.prev_hash == prev and entry.hash == entry_hash(prev, entry)
        prev = entry.hash
    assert _head(ctx) == (entries[-1].seq, entries[-1].hash)
    assert _verify(ctx) == []


def test_one_hashing_rule_for_both_chains():
    """The event log's hash is the shared rule over its fields (the stored chains stay valid)."""
    from datetime import datetime, timezone

    at = datetime(2026, 12, 7, 1, 2, 3, 456789, tzinfo=timezone.utc)
    assert event_hash(GENESIS_HASH, "X-1", 1, "received", "an", at, {"a": [1, "b"]}) == chain_hash(
        GENESIS_HASH, "X-1", 1, "received", "an", "2026-12-07T01:02:03.456789+00:00", {"a": [1, "b"]})


def test_a_rolled_back_transaction_leaves_no_entry_and_no_gap(ctx):
    before = _head(ctx)[0]
    with pytest.raises(RuntimeError):
        with ctx.db.transaction() as session:
            audit(session, ctx, None, "will_roll_back", "x")
            raise RuntimeError("boom")
    assert _head(ctx)[0] == before
    with ctx.db.transaction() as session:
        audit(session, ctx, None, "kept", "y", n=1)
        audit(session, ctx, None, "kept", "z", n=2)
    assert [e.action for e in _entries(ctx)[-2:]] == ["kept", "kept"] and _head(ctx)[0] == before + 2
    assert _verify(ctx) == []


def test_concurrent_writers_never_fork_the_chain(ctx, people):
    outsider = people("xa2.motcua")
    writers, per_writer = 6, 5
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for i in range(per_writer):
                if i % 2:
                    record_denial(ctx, outsider, "probe", f"{n}-{i}", NotAuthorized("Không / no", message_en="no"))
                else:
                    with ctx.db.transaction() as session:
                        audit(session, ctx, None, "concurrent", f"{n}-{i}", writer=n)
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    before = _head(ctx)[0]
    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    entries = _entries(ctx)
    assert [e.seq for e in entries] == list(range(1, before + writers * per_writer + 1))
    assert len({e.prev_hash for e in entries}) == len(entries)  # no two entries share a parent: no fork
    assert _verify(ctx) == []


# --- tampering ------------------------------------------------------------------------------------------

def _edit(ctx, seq: int, **values) -> None:
    with ctx.db.transaction() as session:
        session.execute(update(AuditEntry).where(AuditEntry.seq == seq).values(**values))


@pytest.mark.parametrize("change", [{"detail": {"reason": "forged"}}, {"actor_name": "someone.else"},
                                    {"allowed": True}, {"action": "login"}, {"target": "elsewhere"},
                                    {"agency_id": None}])
def test_an_edited_entry_is_named(ctx, people, monkeypatch, change):
    _some_activity(ctx, people)
    denied = next(e for e in _entries(ctx) if not e.allowed)
    _edit(ctx, denied.seq, **change)
    problems = _verify(ctx)
    assert len(problems) == 1 and f"#{denied.seq} (id {denied.id}" in problems[0]
    assert "bị sửa" in problems[0] and "(edited)" in problems[0]
    result = _cli(ctx, monkeypatch, "audit", "verify")
    assert result.exit_code == 1
    assert f"Mục hỏng đầu tiên / first broken entry: #{denied.seq}" in result.output


def test_an_edited_instant_is_named(ctx, people):
    _some_activity(ctx, people)
    entry = _entries(ctx)[1]
    _edit(ctx, entry.seq, at=entry.at - timedelta(hours=1))
    [problem] = _verify(ctx)
    assert f"#{entry.seq} (id {entry.id}, {entry.action}" in problem and "(edited)" in problem


def test_a_deleted_entry_is_named(ctx, people, monkeypatch):
    _some_activity(ctx, people)
    entries = _entries(ctx)
    middle = entries[len(entries) // 2]
    with ctx.db.transaction() as session:
        session.execute(delete(AuditEntry).where(AuditEntry.seq == middle.seq))
    problems = _verify(ctx)
    assert f"#{middle.seq}–#{middle.seq} (bị xóa)" in problems[0] and "(deleted)" in problems[0]
    assert f"#{middle.seq + 1}" in problems[1] and "prev_hash does not match" in problems[1]
    result = _cli(ctx, monkeypatch, "audit", "verify")
    assert result.exit_code == 1 and f"first broken entry: #{middle.seq}" in result.output


def test_entries_deleted_at_the_end_are_caught_by_the_head(ctx, people):
    _some_activity(ctx, people)
    last = _head(ctx)[0]
    with ctx.db.transaction() as session:
        session.execute(delete(AuditEntry).where(AuditEntry.seq >= last - 1))
    [problem] = _verify(ctx)
    assert f"#{last - 1}–#{last}" in problem and "at the end are missing" in problem


def _forged(prev_hash: str, seq: int, at) -> dict:
    from types import SimpleNamespace

    row = {"seq": seq, "at": at, "actor_id": None, "actor_name": "system", "action": "login", "target": "x",
           "allowed": True, "detail": {}, "agency_id": None}
    return {**row, "prev_hash": prev_hash, "hash": entry_hash(prev_hash, SimpleNamespace(**row))}


def test_an_entry_inserted_at_the_end_is_caught(ctx, people):
    _some_activity(ctx, people)
    seq, head_hash = _head(ctx)
    with ctx.db.transaction() as session:  # a well-formed link, but the head was not moved
        session.execute(insert(AuditEntry.__table__).values(**_forged(head_hash, seq + 1, ctx.now())))
    [problem] = _verify(ctx)
    assert f"#{seq + 1}" in problem and "(inserted)" in problem


def test_an_entry_inserted_in_the_middle_is_caught(ctx, people, monkeypatch):
    _some_activity(ctx, people)
    entries = _entries(ctx)
    k = entries[1].seq
    with ctx.db.transaction() as session:  # make room at k (from the end: seq is unique), then slip one in
        for entry in reversed(entries[1:]):
            session.execute(update(AuditEntry).where(AuditEntry.id == entry.id).values(seq=entry.seq + 1))
        session.execute(insert(AuditEntry.__table__).values(**_forged(entries[0].hash, k, entries[0].at)))
    problems = _verify(ctx)
    assert problems and f"#{k + 1}" in problems[0].split(":")[0]
    result = _cli(ctx, monkeypatch, "audit", "verify")
    assert result.exit_code == 1 and f"first broken entry: #{k + 1}" in result.output


# --- migration --------------------------------------------------------------------------------------------

def test_upgrading_a_populated_database_chains_its_entries_and_gives_online_checks_their_deadline(ctx, people):
    from alembic import command

    from engine.db.migrate import alembic_config, upgrade

    _some_activity(ctx, people)
    pending = online.submit_online(ctx, request(agency_code=XA))
    before = [(e.id, e.action, e.target, e.detail) for e in _entries(ctx)]
    with ctx.db.transaction() as session:  # as a pending submission was before the fix: no deadline
        dossier_id = session.scalar(select(Dossier.id).where(Dossier.code == pending.code))
        session.execute(delete(Deadline).where(Deadline.dossier_id == dossier_id))
    assert check_all(ctx).problems
    ctx.db.dispose()
    command.downgrade(alembic_config(ctx.db), "0003")
    upgrade(ctx.db)
    ctx.db.dispose()
    assert [(e.id, e.action, e.target, e.detail) for e in _entries(ctx)] == before
    assert [e.seq for e in _entries(ctx)] == list(range(1, len(before) + 1))
    assert _verify(ctx) == [] and _head(ctx)[0] == len(before)
    assert check_all(ctx).ok, check_all(ctx).problems
    org.add_unit(ctx, "TP2", XA, "Tổ 2")  # and appending goes on from the migrated head
    assert _head(ctx)[0] == len(before) + 1 and _verify(ctx) == []


# --- the daily digest --------------------------------------------------------------------------------------

def _two_days(ctx, people, clock):
    clock.set_local("2026-12-07T09:00")
    _some_activity(ctx, people)
    clock.set_local("2026-12-08T09:00")
    receive_sample(ctx, people)
    record_denial(ctx, people("xa2.motcua"), "probe", "next day", NotAuthorized("Không", message_en="no"))
    clock.set_local("2026-12-09T08:00")


def test_the_digest_fixes_every_chain_head_at_the_end_of_the_day(ctx, people, clock):
    _two_days(ctx, people, clock)
    day7 = daily_digest(ctx, people("xa.auditor"), "2026-12-07")
    day8 = daily_digest(ctx, None, date(2026, 12, 8))
    assert day7.until == "2026-12-08T00:00:00+07:00" and day7.dossiers == 1 and day7.events == 2
    assert day8.dossiers == 2 and day8.events == 4 and day8.audit_seq > day7.audit_seq
    last_of_7 = [e for e in _entries(ctx) if e.at.date() <= date(2026, 12, 7)][-1]
    assert (day7.audit_seq, day7.audit_hash) == (last_of_7.seq, last_of_7.hash)
    for text in (day7.to_text(), day7.to_json()):
        parsed, written = parse_digest(text)
        assert parsed == day7 and written == day7.digest
    assert json.loads(day7.to_json())["digest"] == day7.digest and day7.digest in day7.to_text()
    assert verify_saved_digest(ctx, day7.to_json())[1] == []
    assert verify_saved_digest(ctx, day8.to_text())[1] == []
    clock.set_local("2026-12-10T09:00")
    receive_sample(ctx, people)  # later links do not change a past day's digest
    assert verify_saved_digest(ctx, day7.to_text())[1] == [] and verify_saved_digest(ctx, day8.to_json())[1] == []


@pytest.mark.parametrize("day, why", [("2026-12-09", "chưa kết thúc"), ("2027-01-01", "chưa kết thúc"),
                                      ("07/12/2026", "không hợp lệ"), ("9999-12-31", "")])
def test_a_digest_is_made_for_a_past_day_only(ctx, clock, day, why):
    clock.set_local("2026-12-09T08:00")
    with pytest.raises(InvalidInput) as err:
        daily_digest(ctx, None, day)
    assert why in err.value.message


@pytest.mark.parametrize("username", ["xa.lanhdao", "xa.designer", "xa.admin"])
def test_only_auditors_get_the_digest(ctx, people, clock, username):
    with pytest.raises(NotAuthorized):
        daily_digest(ctx, people(username), "2026-12-06")


def _rechain_audit_log(ctx, edit_seq: int) -> None:
    """A forger who edits an entry and recomputes every hash after it and the head: the chain verifies."""
    with ctx.db.transaction() as session:
        prev = GENESIS_HASH
        for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.seq)):
            if entry.seq == edit_seq:
                entry.detail = {"rewritten": True}
            entry.prev_hash, entry.hash = prev, entry_hash(prev, entry)
            prev = entry.hash
        head = session.get(AuditChainHead, 1)
        head.hash = prev


def _rechain_dossier(ctx, code: str) -> None:
    with ctx.db.transaction() as session:
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        prev = GENESIS_HASH
        for event in session.scalars(select(Event).where(Event.dossier_id == dossier.id).order_by(Event.seq)):
            event.payload = {**event.payload, "rewritten": True}
            event.prev_hash = prev
            event.hash = prev = event_hash(prev, code, event.seq, event.kind, event.actor_name, event.at, event.payload)
        dossier.last_event_hash = prev


def test_a_rewritten_audit_log_passes_the_chain_but_not_the_digest(ctx, people, clock, tmp_path, monkeypatch):
    _two_days(ctx, people, clock)
    saved = tmp_path / "digest-2026-12-07.txt"
    result = _cli(ctx, monkeypatch, "audit", "digest", "--day", "2026-12-07", "-o", str(saved))
    assert result.exit_code == 0 and "Đã ghi / written" in result.output
    assert _cli(ctx, monkeypatch, "audit", "verify", "--digest", str(saved)).exit_code == 0
    _rechain_audit_log(ctx, edit_seq=2)
    assert _verify(ctx) == []  # the chain alone cannot see it
    checked = _cli(ctx, monkeypatch, "audit", "verify", "--digest", str(saved))
    assert checked.exit_code == 1
    assert "nhật ký bị viết lại" in checked.output and "the log was rewritten" in checked.output


def test_a_rewritten_dossier_chain_passes_the_chain_but_not_the_digest(ctx, people, clock, tmp_path, monkeypatch):
    _two_days(ctx, people, clock)
    saved = tmp_path / "digest.json"
    assert _cli(ctx, monkeypatch, "audit", "digest", "--day", "2026-12-07", "--format", "json", "-o",
                str(saved)).exit_code == 0
    assert json.loads(saved.read_text(encoding="utf-8"))["dossiers"] == 1
    _rechain_dossier(ctx, _first_dossier(ctx))
    verified = _cli(ctx, monkeypatch, "audit", "verify", "--digest", str(saved))
    assert verified.exit_code == 1 and "0 liên kết hỏng" in verified.output  # every chain is whole …
    assert "dossiers' digest changed" in verified.output  # … but not the one the digest fixed


def test_a_digest_file_altered_or_malformed_is_reported(ctx, people, clock, tmp_path, monkeypatch):
    _two_days(ctx, people, clock)
    digest = daily_digest(ctx, None, "2026-12-07")
    altered = tmp_path / "altered.txt"
    altered.write_text(digest.to_text().replace(f"dossiers: {digest.dossiers}", "dossiers: 99"), encoding="utf-8")
    out = _cli(ctx, monkeypatch, "audit", "verify", "--digest", str(altered))
    assert out.exit_code == 1 and "the file's digest does not match its content" in out.output
    broken = tmp_path / "broken.txt"
    broken.write_text("not a digest", encoding="utf-8")
    out = _cli(ctx, monkeypatch, "audit", "verify", "--digest", str(broken))
    assert out.exit_code == 1 and "Tệp tóm tắt không đọc được" in out.output


def test_the_digest_prints_as_text_by_default(ctx, people, clock, monkeypatch):
    _two_days(ctx, people, clock)
    out = _cli(ctx, monkeypatch, "audit", "digest", "--day", "2026-12-07")
    assert out.exit_code == 0 and out.output.startswith("BẢN TÓM TẮT HẰNG NGÀY")
    assert isinstance(parse_digest(out.output)[0], DailyDigest)
    with ctx.db.transaction(read_only=True) as session:
        assert compute_digest(session, "2026-12-07", ctx.now()).digest in out.output


def _first_dossier(ctx) -> str:
    with ctx.db.transaction() as session:
        return session.scalar(select(Dossier.code).order_by(Dossier.id))


def test_auditors_print_the_digest_from_the_security_log_page(app, ctx, people, clock):
    from tests.page_helpers import login, text

    _two_days(ctx, people, clock)
    auditor = app.test_client()
    login(auditor, "xa.auditor")
    page = auditor.get("/officer/audit?tab=security&digest_day=2026-12-07")
    body = text(page)
    assert page.status_code == 200 and "BẢN TÓM TẮT HẰNG NGÀY" in body
    assert daily_digest(ctx, None, "2026-12-07").digest in body
    assert 'value="2026-12-08"' in auditor.get("/officer/audit?tab=security").get_data(as_text=True)  # yesterday
    not_over = text(auditor.get("/officer/audit?tab=security&digest_day=2026-12-09"))
    assert "chưa kết thúc" in not_over and "BẢN TÓM TẮT HẰNG NGÀY" not in not_over
    leader = app.test_client()
    login(leader, "xa.lanhdao")
    assert leader.get("/officer/audit?tab=security&digest_day=2026-12-07").status_code == 403
