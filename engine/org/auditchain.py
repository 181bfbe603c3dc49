"""The security audit log as a hash chain (issue 16, defect 11), and the daily digest of every chain's head.

Appending: ``engine.org.audit.audit`` hands each entry to ``queue``; the entries are chained when their transaction
commits (``_append_queued``): the transaction's other changes are flushed first, then the one-row chain head is
locked (SELECT … FOR UPDATE on PostgreSQL; SQLite's writers are serialised already), each entry takes the next
``seq`` and the head's hash as its ``prev_hash``, and the head moves on. The head is the last lock a transaction
takes, held only while it commits, so writers queue there without forking the chain or deadlocking.

Verifying (``motcua audit verify``): every link recomputed in ``seq`` order, the head compared with the last
entry; an edited, deleted or inserted entry is named. The daily digest (``motcua audit digest``) fixes every
chain's head at the end of a day; ``motcua audit verify --digest`` later proves nothing was rewritten since.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from engine.clock.calendar import LOCAL_TZ
from engine.db.chain import GENESIS_HASH, chain_hash, digest_lines, instant
from engine.db.models import AuditChainHead, AuditEntry, Dossier, Event
from engine.db.models.records import AUDIT_CHAIN_HEAD_ID
from engine.errors import InvalidInput

_QUEUED = "motcua_audit_queued"  # session.info: entries to chain when the transaction commits
_HEAD = (select(AuditChainHead).where(AuditChainHead.id == AUDIT_CHAIN_HEAD_ID).with_for_update()
         .execution_options(populate_existing=True))
VERIFY_BATCH = 1000
DIGEST_FORMAT = "motcua-daily-digest/1"
AUDIT_LOG_NAME = "Nhật ký an ninh / audit log"


def entry_hash(prev_hash: str, entry: AuditEntry) -> str:
    return chain_hash(prev_hash, entry.seq, instant(entry.at, utc=True), entry.actor_id, entry.actor_name,
                      entry.action, entry.target, bool(entry.allowed), entry.detail, entry.agency_id)


def queue(session: Session, entry: AuditEntry) -> None:
    """Chain ``entry`` when the session's transaction commits (dropped with it on a rollback)."""
    session.info.setdefault(_QUEUED, []).append(entry)


@event.listens_for(Session, "before_commit")
def _append_queued(session: Session) -> None:
    entries = session.info.pop(_QUEUED, None)
    if not entries:
        return
    session.flush()  # this transaction's own row locks first: the head is always the last lock taken
    head = session.scalars(_HEAD).one_or_none()
    if head is None:  # a database made without the migration or the table's creation hook
        head = AuditChainHead(id=AUDIT_CHAIN_HEAD_ID, seq=0, hash=GENESIS_HASH)
        session.add(head)
    for entry in entries:
        entry.seq, entry.prev_hash = head.seq + 1, head.hash
        entry.hash = entry_hash(entry.prev_hash, entry)
        head.seq, head.hash = entry.seq, entry.hash
    session.add_all(entries)


@event.listens_for(Session, "after_soft_rollback")
def _drop_queued(session: Session, _previous_transaction) -> None:
    session.info.pop(_QUEUED, None)


# --- verification ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class AuditBrokenLink:
    seq: int
    reason: str
    entry_id: int | None = None
    action: str = ""
    at: datetime | None = None

    def __str__(self) -> str:
        where = f"#{self.seq}" + (f" (id {self.entry_id}, {self.action}, "
                                  f"{self.at.astimezone(LOCAL_TZ):%d/%m/%Y %H:%M:%S})" if self.entry_id else "")
        return f"{AUDIT_LOG_NAME} {where}: {self.reason}"


def verify_audit_log(session: Session) -> tuple[list[AuditBrokenLink], int]:
    """(broken links in chain order, entries checked): the first one named is the first broken entry."""
    problems: list[AuditBrokenLink] = []
    prev, expected, checked = GENESIS_HASH, 1, 0
    query = select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=VERIFY_BATCH)
    for entry in session.scalars(query):
        checked += 1
        named = {"entry_id": entry.id, "action": entry.action, "at": entry.at}
        if entry.seq != expected:
            problems.append(AuditBrokenLink(
                expected, f"thiếu mục #{expected}–#{entry.seq - 1} (bị xóa) / entries #{expected}–#{entry.seq - 1} "
                          f"are missing (deleted)" if entry.seq > expected else
                          f"số thứ tự lặp lại hoặc lùi (#{entry.seq}) / sequence repeats or goes back (#{entry.seq})"))
        if entry.prev_hash != prev:
            problems.append(AuditBrokenLink(entry.seq, "không khớp mã băm của mục trước (bị chèn, xóa hoặc đổi chỗ) / "
                                                       "prev_hash does not match the previous entry (inserted, deleted "
                                                       "or moved)", **named))
        if entry_hash(entry.prev_hash, entry) != entry.hash:
            problems.append(AuditBrokenLink(entry.seq, "nội dung không khớp mã băm (bị sửa) / content does not match "
                                                       "its hash (edited)", **named))
        prev, expected = entry.hash, max(expected, entry.seq) + 1
    head = session.get(AuditChainHead, AUDIT_CHAIN_HEAD_ID)
    last = expected - 1
    if head is None:
        problems.append(AuditBrokenLink(last, "mất đầu chuỗi (audit_chain_head) / the chain head row is missing"))
    elif head.seq > last:
        problems.append(AuditBrokenLink(last + 1, f"thiếu các mục #{last + 1}–#{head.seq} ở cuối (bị xóa) / entries "
                                                  f"#{last + 1}–#{head.seq} at the end are missing (deleted)"))
    elif head.seq < last:
        problems.append(AuditBrokenLink(head.seq + 1, f"có mục sau đầu chuỗi #{head.seq} (bị chèn) / entries after "
                                                      f"the head #{head.seq} (inserted)"))
    elif head.hash != prev:
        problems.append(AuditBrokenLink(last, "đầu chuỗi không khớp mục cuối / the head does not match the last entry"))
    return problems, checked


# --- the daily digest -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class DailyDigest:
    """Every chain's head at the end of a local day: the audit log's last link, and one SHA-256 over every
    dossier's last event (code, seq, hash, in dossier order). Recomputed later from the database, any
    rewrite of a link made before that day's end shows as a difference."""

    day: str
    until: str  # local midnight ending the day (ISO 8601)
    audit_seq: int
    audit_hash: str
    dossiers: int  # dossiers with events by then
    events: int  # their events by then (the sum of their last seqs)
    dossiers_digest: str
    format: str = DIGEST_FORMAT

    @property
    def digest(self) -> str:
        """One hash over all of the above: the figure to write down or sign."""
        return chain_hash(GENESIS_HASH, *[v for k, v in sorted(asdict(self).items())])

    def to_dict(self) -> dict:
        return {**asdict(self), "digest": self.digest}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"

    def to_text(self) -> str:
        return "\n".join([
            "BẢN TÓM TẮT HẰNG NGÀY CỦA CÁC CHUỖI BĂM / DAILY DIGEST OF THE HASH CHAINS",
            f"Định dạng / format: {self.format}",
            f"Ngày / day: {self.day}",
            f"Đến / until: {self.until}",
            f"Nhật ký an ninh, mục cuối / audit log, last entry: #{self.audit_seq}",
            f"Nhật ký an ninh, mã băm / audit log, hash: {self.audit_hash}",
            f"Hồ sơ / dossiers: {self.dossiers}",
            f"Sự kiện / events: {self.events}",
            f"Mã băm các hồ sơ / dossiers' digest: {self.dossiers_digest}",
            f"MÃ TỔNG / DIGEST: {self.digest}",
        ]) + "\n"


_TEXT_FIELDS = {  # the text form read back: field -> (pattern after the label, converter)
    "format": (r"Định dạng / format: (\S+)", str),
    "day": (r"Ngày / day: (\d{4}-\d{2}-\d{2})", str),
    "until": (r"Đến / until: (\S+)", str),
    "audit_seq": (r"audit log, last entry: #(\d+)", int),
    "audit_hash": (r"audit log, hash: ([0-9a-f]{64})", str),
    "dossiers": (r"Hồ sơ / dossiers: (\d+)", int),
    "events": (r"Sự kiện / events: (\d+)", int),
    "dossiers_digest": (r"dossiers' digest: ([0-9a-f]{64})", str),
    "digest": (r"DIGEST: ([0-9a-f]{64})", str),
}


def _bad_digest_file(why_vi: str, why_en: str) -> InvalidInput:
    return InvalidInput(f"Tệp tóm tắt không đọc được: {why_vi}.", message_en=f"The digest file cannot be read: {why_en}.")


def parse_digest(text: str) -> tuple[DailyDigest, str]:
    """(the digest, the overall digest written in the file) from its JSON or its text form."""
    try:
        if text.lstrip().startswith("{"):
            fields = json.loads(text)
        else:
            fields = {}
            for name, (pattern, convert) in _TEXT_FIELDS.items():
                found = re.search(pattern, text)
                if found is None:
                    raise _bad_digest_file(f"thiếu dòng '{name}'", f"the '{name}' line is missing")
                fields[name] = convert(found.group(1))
        written = fields.pop("digest")
        digest = DailyDigest(**fields)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise _bad_digest_file("không đúng định dạng", f"not a digest ({exc})") from None
    if digest.format != DIGEST_FORMAT:
        raise _bad_digest_file(f"định dạng '{digest.format}' không hỗ trợ", f"unsupported format '{digest.format}'")
    return digest, written


def _day(value: date | str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise InvalidInput(f"Ngày '{value}' không hợp lệ (dạng YYYY-MM-DD).",
                           message_en=f"'{value}' is not a date (YYYY-MM-DD).") from None


def day_end(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(), LOCAL_TZ)


def compute_digest(session: Session, day: date | str, now: datetime) -> DailyDigest:
    """The digest of a day that has ended (a day still running could still gain links)."""
    day = _day(day)
    if day.year >= date.max.year:
        raise InvalidInput("Ngày quá xa.", message_en="The date is out of range.")
    until = day_end(day)
    if until > now:
        raise InvalidInput(f"Ngày {day.isoformat()} chưa kết thúc: bản tóm tắt chỉ lập cho ngày đã qua.",
                           message_en=f"{day.isoformat()} is not over yet: a digest is made for a past day only.")
    audit_seq, audit_hash = session.execute(
        select(AuditEntry.seq, AuditEntry.hash).where(AuditEntry.at < until).order_by(AuditEntry.seq.desc()).limit(1)
    ).first() or (0, GENESIS_HASH)
    last = (select(Event.dossier_id, func.max(Event.seq).label("seq")).where(Event.at < until)
            .group_by(Event.dossier_id).subquery())
    rows = session.execute(
        select(Dossier.code, Event.seq, Event.hash).join(last, last.c.dossier_id == Dossier.id)
        .join(Event, (Event.dossier_id == last.c.dossier_id) & (Event.seq == last.c.seq))
        .order_by(Dossier.id).execution_options(yield_per=VERIFY_BATCH))
    count = events = 0

    def lines():
        nonlocal count, events
        for code, seq, digest in rows:
            count, events = count + 1, events + seq
            yield f"{code} {seq} {digest}"

    dossiers_digest = digest_lines(lines())
    return DailyDigest(day=day.isoformat(), until=until.isoformat(), audit_seq=audit_seq, audit_hash=audit_hash,
                       dossiers=count, events=events, dossiers_digest=dossiers_digest)


_COMPARED = {  # field -> what a difference means (Vietnamese / English)
    "audit_seq": "số mục của nhật ký an ninh đến cuối ngày đã đổi (mục bị xóa hoặc chèn) / the audit log's last "
                 "entry of the day changed (entries deleted or inserted)",
    "audit_hash": "mã băm của nhật ký an ninh đến cuối ngày đã đổi (nhật ký bị viết lại) / the audit log's head at "
                  "the end of the day changed (the log was rewritten)",
    "dossiers": "số hồ sơ có sự kiện đến cuối ngày đã đổi / the number of dossiers with events by then changed",
    "events": "số sự kiện của hồ sơ đến cuối ngày đã đổi / the number of dossier events by then changed",
    "dossiers_digest": "mã băm chung của các hồ sơ đã đổi (nhật ký hồ sơ bị viết lại) / the dossiers' digest changed "
                       "(a dossier's event log was rewritten)",
}


def compare_digest(saved: DailyDigest, written: str, current: DailyDigest) -> list[str]:
    """What differs between a saved digest and the same day's digest recomputed now (empty: nothing)."""
    problems = []
    if written != saved.digest:
        problems.append("mã tổng trong tệp không khớp nội dung tệp (tệp bị sửa hoặc chép sai) / the file's digest "
                        "does not match its content (the file was altered or copied wrongly)")
    for name, meaning in _COMPARED.items():
        then, now = getattr(saved, name), getattr(current, name)
        if then != now:
            problems.append(f"{meaning}: {then} → {now}")
    return problems


__all__ = ["AuditBrokenLink", "DailyDigest", "compare_digest", "compute_digest", "entry_hash",
           "parse_digest", "queue", "verify_audit_log"]
