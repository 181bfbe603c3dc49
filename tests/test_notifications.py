"""The notifications outbox: citizens told on receipt, supplementation request, result and apology;
delivery by the worker with retries and exponential backoff, idempotent, several workers at once;
SMTP against a local test server; the file sender; admins' view and the command line."""

from __future__ import annotations

import socket
import threading
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from engine.db.models import Notification
from engine.demo.walkthrough import complete_open_steps
from engine.dossiers import actions as dossiers
from engine.dossiers import online
from engine.dossiers.reception import receive
from engine.enums import NotificationChannel, NotificationStatus, NotificationTopic
from engine.errors import InvalidState, NotAuthorized, NotFound
from engine.notify.admin import list_outbox, retry, set_contact
from engine.notify.delivery import RetryPolicy, deliver_due
from engine.notify.outbox import enqueue
from engine.notify.senders import FileSender, SenderRegistry, senders_from_env
from tests.helpers import HO_KINH_DOANH, dossier, receive_sample, request
from tests.oversight_helpers import PluginSms, RecordingSender, outbox

POLICY = RetryPolicy(max_attempts=3, base_seconds=60)


def registry(sender) -> SenderRegistry:
    return SenderRegistry({"email": sender, "sms": sender, "console": sender})


# --- what citizens are told ----------------------------------------------------------------------

def test_receipt_notifies_the_applicant_by_email_and_sms(ctx, people):
    receipt = receive_sample(ctx, people, HO_KINH_DOANH)
    rows = outbox(ctx, NotificationTopic.RECEIVED)
    assert [(r.channel, r.recipient) for r in rows] == [("email", "binh@example.org"), ("sms", "0987654321")]
    email = rows[0]
    assert email.key == f"citizen:{receipt.code}:1:email" and email.status == NotificationStatus.PENDING
    assert receipt.code in email.subject and "đã được tiếp nhận" in email.subject
    assert "Ngày hẹn trả kết quả: 08:00 ngày 10/12/2026" in email.body
    assert receipt.pin not in email.body  # never the PIN


def test_no_contact_no_message(ctx, people):
    req = request()
    req["applicant"] = {"name": "Lê Văn Cư", "address": "Thôn Bắc"}
    receive(ctx, people("xa.motcua"), req)
    assert outbox(ctx) == []


def test_supplementation_result_and_apology(ctx, people, clock):
    receipt = receive_sample(ctx, people, HO_KINH_DOANH)
    desk = people("xa.motcua")
    dossiers.request_supplement(ctx, desk, receipt.code, {"reason": "Thiếu biên bản họp",
                                                          "missing": ["Biên bản họp thành viên hộ gia đình"]})
    [email, _sms] = outbox(ctx, NotificationTopic.SUPPLEMENT_REQUESTED)
    assert "Biên bản họp thành viên hộ gia đình" in email.body and "tạm dừng" in email.body
    dossiers.supplement(ctx, desk, receipt.code, {"documents": ["Biên bản họp thành viên hộ gia đình"]})
    dossiers.issue_apology(ctx, people("xa.lanhdao"), receipt.code,
                           {"reason": "Cần xác minh địa điểm kinh doanh", "new_due_at": "2026-12-15T08:00:00+07:00"})
    [email, _sms] = outbox(ctx, NotificationTopic.APOLOGY)
    assert "xin lỗi" in email.body and "08:00 ngày 15/12/2026" in email.body
    complete_open_steps(ctx, receipt.code, {"eligible": True, "approved": True})
    assert dossier(ctx, receipt.code).status == "resolved"
    [email, _sms] = outbox(ctx, NotificationTopic.RESULT_READY)
    assert "đã có kết quả" in email.subject and "Giấy chứng nhận đăng ký hộ kinh doanh" in email.body


def test_online_submission_returned_incomplete(ctx, people):
    sub = online.submit_online(ctx, request(agency_code="000.00.31.H99"))
    assert outbox(ctx) == []  # submitted, not yet received: nothing to announce
    online.return_incomplete(ctx, people("xa.motcua"), sub.code, {"reason": "Thiếu giấy chứng sinh",
                                                                  "missing": ["Giấy chứng sinh"]})
    [email, _sms] = outbox(ctx, NotificationTopic.SUPPLEMENT_REQUESTED)
    assert "được tiếp nhận khi đã đầy đủ" in email.body


def test_enqueue_is_idempotent(ctx):
    args = dict(key="k1", channel=NotificationChannel.EMAIL, recipient="a@example.org",
                topic=NotificationTopic.RECEIVED, subject="S", body="B")
    with ctx.db.transaction() as session:
        assert enqueue(session, ctx.now(), **args) is True
        assert enqueue(session, ctx.now(), **args) is False
    with ctx.db.transaction() as session:
        assert enqueue(session, ctx.now(), **{**args, "body": "another"}) is False
    [row] = outbox(ctx)
    assert row.body == "B"


# --- delivery ------------------------------------------------------------------------------------

def test_delivery_sends_each_message_once(ctx, people):
    receive_sample(ctx, people)
    sender = RecordingSender()
    report = deliver_due(ctx, registry(sender), POLICY)
    assert report.sent == 2 and len(sender.sent) == 2
    assert deliver_due(ctx, registry(sender), POLICY).sent == 0
    assert {r.status for r in outbox(ctx)} == {NotificationStatus.SENT}
    assert all(r.sent_at == ctx.now() and r.attempts == 1 for r in outbox(ctx))


def test_retry_with_exponential_backoff(ctx, people, clock):
    req = request()
    req["applicant"] = {**req["applicant"], "phone": ""}
    receive(ctx, people("xa.motcua"), req)  # one email
    sender = RecordingSender(failures=2)
    start = clock.now
    assert deliver_due(ctx, registry(sender), POLICY).retried == 1
    [row] = outbox(ctx)
    assert row.status == "pending" and row.attempts == 1 and row.next_attempt_at == start + timedelta(seconds=60)
    assert "simulated outage #1" in row.last_error
    clock.now = start + timedelta(seconds=59)
    assert deliver_due(ctx, registry(sender), POLICY).retried == 0 and sender.attempts == 1  # not yet
    clock.now = start + timedelta(seconds=60)
    assert deliver_due(ctx, registry(sender), POLICY).retried == 1
    [row] = outbox(ctx)
    assert row.next_attempt_at == clock.now + timedelta(seconds=120)  # doubled
    clock.now += timedelta(seconds=120)
    assert deliver_due(ctx, registry(sender), POLICY).sent == 1
    [row] = outbox(ctx)
    assert row.status == "sent" and row.attempts == 3 and len(sender.sent) == 1


def test_bounded_attempts_then_failed_then_admin_retry(ctx, people, clock):
    req = request()
    req["applicant"] = {**req["applicant"], "phone": ""}
    receive(ctx, people("xa.motcua"), req)
    broken = RecordingSender(failures=99)
    for _ in range(3):
        deliver_due(ctx, registry(broken), POLICY)
        clock.advance(hours=1)
    [row] = outbox(ctx)
    assert row.status == "failed" and row.attempts == 3
    assert deliver_due(ctx, registry(broken), POLICY).retried == 0 and broken.attempts == 3  # stays failed
    with pytest.raises(NotAuthorized):
        retry(ctx, people("xa.motcua"), row.id)
    with pytest.raises(NotAuthorized):
        retry(ctx, people("xa2.admin"), row.id)  # another commune's administrator
    with pytest.raises(NotFound):
        retry(ctx, people("xa.admin"), 999999)
    retry(ctx, people("xa.admin"), row.id)
    with pytest.raises(InvalidState):
        retry(ctx, people("xa.admin"), row.id)  # only failed messages
    fixed = RecordingSender()
    assert deliver_due(ctx, registry(fixed), POLICY).sent == 1
    assert outbox(ctx)[0].status == "sent"


def test_a_lapsed_claim_is_delivered_by_another_worker(ctx, people, clock):
    req = request()
    req["applicant"] = {**req["applicant"], "phone": ""}
    receive(ctx, people("xa.motcua"), req)
    with ctx.db.transaction() as session:  # a worker claimed it and died before recording the result
        session.execute(update(Notification).values(status="sending", attempts=1,
                                                    next_attempt_at=clock.now + timedelta(minutes=5)))
    sender = RecordingSender()
    assert deliver_due(ctx, registry(sender), POLICY).sent == 0
    clock.advance(minutes=5)
    assert deliver_due(ctx, registry(sender), POLICY).sent == 1
    assert outbox(ctx)[0].attempts == 2


def test_several_workers_deliver_each_message_once(ctx, people):
    for _ in range(5):
        receive_sample(ctx, people)
    sender, lock, barrier = RecordingSender(), threading.Lock(), threading.Barrier(3)

    class Locked:
        def send(self, message):
            with lock:
                sender.send(message)

    def worker():
        barrier.wait()
        deliver_due(ctx, registry(Locked()), POLICY)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    keys = [m.key for m in sender.sent]
    assert len(keys) == 10 and len(set(keys)) == 10


# --- senders ---------------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server():
    """aiosmtpd on 127.0.0.1, started and stopped by the test."""
    from aiosmtpd.controller import Controller

    class Inbox:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append(envelope)
            return "250 OK"

    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller, handler
    controller.stop()


def test_email_through_smtp(ctx, people, smtp_server, tmp_path):
    controller, inbox = smtp_server
    senders = senders_from_env({"MOTCUA_SMTP_HOST": "127.0.0.1", "MOTCUA_SMTP_PORT": str(controller.port),
                                "MOTCUA_SMTP_SECURITY": "none", "MOTCUA_SMTP_FROM": "motcua@xa.example.org",
                                "MOTCUA_OUTBOX_LOG": str(tmp_path / "outbox.log")})
    receipt = receive_sample(ctx, people)
    report = deliver_due(ctx, senders, POLICY)
    assert report.sent == 2  # the email by SMTP, the SMS to the file sender (the default)
    [envelope] = inbox.messages
    assert envelope.rcpt_tos == ["binh@example.org"] and envelope.mail_from == "motcua@xa.example.org"
    mail = message_from_bytes(envelope.original_content, policy=policy.default)
    assert mail["Subject"] == f"[Một cửa] Hồ sơ {receipt.code} đã được tiếp nhận"
    assert "Ngày hẹn trả kết quả" in mail.get_content()
    assert mail["Message-ID"].endswith("@motcua>")
    assert "sms → 0987654321" in (tmp_path / "outbox.log").read_text(encoding="utf-8")


def test_smtp_down_is_retried_with_the_error_recorded(ctx, people, tmp_path):
    senders = senders_from_env({"MOTCUA_SMTP_HOST": "127.0.0.1", "MOTCUA_SMTP_PORT": str(_free_port()),
                                "MOTCUA_SMTP_SECURITY": "none", "MOTCUA_SMTP_TIMEOUT": "2",
                                "MOTCUA_OUTBOX_LOG": str(tmp_path / "outbox.log")})
    receive_sample(ctx, people)
    report = deliver_due(ctx, senders, POLICY)
    assert report.sent == 1 and report.retried == 1
    email = next(r for r in outbox(ctx) if r.channel == "email")
    assert email.status == "pending" and "ConnectionRefusedError" in email.last_error


def test_file_sender_is_the_offline_default(ctx, people, tmp_path):
    senders = senders_from_env({"MOTCUA_OUTBOX_LOG": str(tmp_path / "var" / "outbox.log")})
    receipt = receive_sample(ctx, people)
    assert deliver_due(ctx, senders, POLICY).sent == 2
    log = (tmp_path / "var" / "outbox.log").read_text(encoding="utf-8")
    assert f"email → binh@example.org [citizen:{receipt.code}:1:email]" in log
    assert "Tiêu đề: [Một cửa] Hồ sơ" in log


def test_sms_sender_is_pluggable(ctx, people, tmp_path):
    PluginSms.messages = []
    senders = senders_from_env({"MOTCUA_SMS_SENDER": "tests.oversight_helpers:make_sms",
                                "MOTCUA_OUTBOX_LOG": str(tmp_path / "outbox.log")})
    receive_sample(ctx, people)
    deliver_due(ctx, senders, POLICY)
    assert PluginSms.messages == ["0987654321"]


def test_bad_sender_configuration_is_reported(tmp_path):
    from engine.errors import InvalidInput

    with pytest.raises(InvalidInput, match="MOTCUA_SMTP_SECURITY"):
        senders_from_env({"MOTCUA_SMTP_HOST": "x", "MOTCUA_SMTP_SECURITY": "tls13"})
    with pytest.raises(InvalidInput, match="SMS"):
        senders_from_env({"MOTCUA_SMS_SENDER": "no.such.module:factory"})


def test_file_sender_appends(tmp_path):
    from engine.notify.senders import OutboundMessage

    sender = FileSender(tmp_path / "log.txt")
    for n in range(2):
        sender.send(OutboundMessage(n, f"k{n}", "console", "an.nv", "Tiêu đề", "Nội dung"))
    assert (tmp_path / "log.txt").read_text(encoding="utf-8").count("=== console → an.nv") == 2


# --- administrators -------------------------------------------------------------------------------

def test_admins_see_their_own_agency_outbox(ctx, people):
    receive_sample(ctx, people)
    page = list_outbox(ctx, people("xa.admin"))
    assert page.total == 2 and page.counts["pending"] == 2
    assert page.rows[0]["dossier_code"].startswith("000.00.31.H99")
    assert list_outbox(ctx, people("xa2.admin")).total == 0
    assert list_outbox(ctx, people("xa.admin"), "sent").total == 0
    with pytest.raises(NotAuthorized):
        list_outbox(ctx, people("xa.auditor"))


def test_contacts_are_managed_by_the_agency_admin(ctx, people):
    from engine.errors import InvalidInput

    set_contact(ctx, "xa.kt.truongphong", {"email": "kt@example.org"}, actor=people("xa.admin"))
    with pytest.raises(NotAuthorized):
        set_contact(ctx, "xa.kt.truongphong", {"email": "kt@example.org"}, actor=people("xa2.admin"))
    with pytest.raises(NotAuthorized):
        set_contact(ctx, "xa.kt.truongphong", {"email": "kt@example.org"}, actor=people("xa.kt.truongphong"))
    with pytest.raises(InvalidInput):
        set_contact(ctx, "xa.kt.truongphong", {"email": "not-an-address"})


@pytest.fixture
def cli_db(ctx, monkeypatch):
    monkeypatch.setenv("MOTCUA_DATABASE_URL", ctx.db.url)
    from engine.cli import cli

    runner = CliRunner()
    return lambda *args: runner.invoke(cli, list(args), catch_exceptions=False)


def test_cli_list_and_retry(ctx, people, clock, cli_db):
    req = request()
    req["applicant"] = {**req["applicant"], "phone": ""}
    receive(ctx, people("xa.motcua"), req)
    broken = RecordingSender(failures=99)
    for _ in range(3):
        deliver_due(ctx, registry(broken), POLICY)
        clock.advance(hours=1)
    listed = cli_db("notifications", "list", "--status", "failed")
    assert listed.exit_code == 0 and "failed" in listed.output and "simulated outage #3" in listed.output
    assert "1 thông báo" in listed.output
    retried = cli_db("notifications", "retry", "--failed")
    assert retried.exit_code == 0 and "queued again" in retried.output
    assert outbox(ctx)[0].status == "pending"
    assert cli_db("notifications", "retry").exit_code == 2
    bad = cli_db("notifications", "list", "--status", "lost")
    assert bad.exit_code == 1 and "lost" in bad.output


def test_cli_contact(ctx, cli_db):
    result = cli_db("notifications", "contact", "xa.kt.truongphong", "--email", "kt@example.org")
    assert result.exit_code == 0
    with ctx.db.transaction() as session:
        from engine.db.models import UserContact

        assert session.scalar(select(UserContact.email)) == "kt@example.org"
