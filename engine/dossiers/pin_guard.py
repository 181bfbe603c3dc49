"""The citizen's lookup PIN, checked in one place for every route that tests one (the lookup page and API, online
supplementation by page and API): the same work whether the code exists or not, consecutive wrong PINs counted
per dossier whatever the route, the lookup locked after MOTCUA_PIN_MAX_FAILURES of them, and the desk's
``reissue_pin`` that hands the applicant a new PIN and unlocks it.

Equal work: one indexed read of the dossier's id and PIN hash (never the dossier row with its data and workflow
state), one keyed hash, and on failure one write transaction with one statement, for an unknown code as for a
wrong PIN. The request budgets per client address and per dossier code live in the web layer
(web.pin_limits): they stop guessing across codes, the lock-out stops it on one code.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from engine.context import EngineContext
from engine.db.models import Dossier, PinGuard
from engine.dossiers.events import record
from engine.dossiers.store import dossier_not_found, dossier_tasks, load_dossier
from engine.enums import EventKind
from engine.errors import Locked
from engine.org.actors import Actor
from engine.org.audit import guarded_transaction
from engine.org.authz import Action, check_dossier, check_view
from engine.org.security import decoy_pin_hash, hash_pin, new_pin, verify_pin
from engine.settings import env_int

MAX_FAILURES_ENV = "MOTCUA_PIN_MAX_FAILURES"
DEFAULT_MAX_FAILURES = 10
NO_DOSSIER = -1  # an unknown code's failure is written against no row: the same statement, nothing changed

_PROBE = (select(Dossier.id, Dossier.pin_hash, PinGuard.failures, PinGuard.locked_at)
          .outerjoin(PinGuard, PinGuard.dossier_id == Dossier.id).where(Dossier.code == bindparam("code")))
_MISS = update(PinGuard).where(PinGuard.dossier_id == bindparam("guard_dossier")).values(failures=PinGuard.failures + 1)


def max_failures() -> int:
    return env_int(MAX_FAILURES_ENV, DEFAULT_MAX_FAILURES)


def locked_error(code: str) -> Locked:
    return Locked(
        f"Mã tra cứu của hồ sơ {code} đã bị khoá vì nhập sai mã PIN nhiều lần liên tiếp. Vui lòng liên hệ Bộ phận "
        "Một cửa (mang theo giấy tiếp nhận và giấy tờ tùy thân) để được cấp lại mã tra cứu.",
        message_en=f"The lookup of dossier {code} is locked after too many wrong PINs in a row. Please ask the "
                   "one-stop desk (with your receipt and ID) to issue a new PIN.",
        details={"code": code})


@dataclass(frozen=True)
class Admitted:
    dossier_id: int


def admit(ctx: EngineContext, code: str, pin: str) -> Admitted:
    """The dossier a citizen's code + PIN opens; NotFound for an unknown code or a wrong PIN alike, Locked once
    the dossier's lookup is locked (even for the right PIN: the desk must reissue it)."""
    code, pin = (code or "").strip(), (pin or "").strip()
    with ctx.db.transaction(read_only=True) as session:
        row = session.execute(_PROBE, {"code": code}).first()
    matches = verify_pin(row.pin_hash if row is not None else decoy_pin_hash(), code, pin)
    if row is not None and row.locked_at is not None:
        raise locked_error(code)
    if row is None or not matches:
        if _count_failure(ctx, row.id if row is not None else None):
            raise locked_error(code)
        raise dossier_not_found(code)
    if row.failures:
        with ctx.db.transaction() as session:  # consecutive failures only: the right PIN starts the count again
            session.execute(delete(PinGuard).where(PinGuard.dossier_id == row.id, PinGuard.locked_at.is_(None)))
    return Admitted(row.id)


def _upsert(session, dossier_id: int, now):
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(PinGuard).values(dossier_id=dossier_id, failures=1, last_failure_at=now)
    return statement.on_conflict_do_update(index_elements=[PinGuard.dossier_id],
                                           set_={"failures": PinGuard.failures + 1, "last_failure_at": now})


def _count_failure(ctx: EngineContext, dossier_id: int | None) -> bool:
    """One more wrong PIN on the dossier (none for an unknown code); True when this one locks its lookup."""
    now, limit = ctx.now(), max_failures()
    with ctx.db.transaction() as session:
        if dossier_id is None:
            session.execute(_MISS, {"guard_dossier": NO_DOSSIER})
            return False
        session.execute(_upsert(session, dossier_id, now))
        locked = session.execute(update(PinGuard).where(PinGuard.dossier_id == dossier_id,
                                                        PinGuard.failures >= limit, PinGuard.locked_at.is_(None))
                                 .values(locked_at=now)).rowcount
        return bool(locked)


def pin_state(session, dossier_id: int) -> dict:
    """For the desk: whether the dossier's lookup is locked, and after how many wrong PINs in a row."""
    guard = session.get(PinGuard, dossier_id)
    return {"locked": bool(guard and guard.locked_at), "failures": guard.failures if guard else 0,
            "locked_at": guard.locked_at if guard else None}


def receipt_pin_matches(ctx: EngineContext, actor: Actor, code: str, pin: str) -> bool:
    """Whether ``pin`` is the dossier's lookup PIN, for an officer who may see the dossier and prints its receipt
    right after reception (the PIN posted back from the page that showed it once). Not a citizen's attempt: no
    failure is counted, and an officer who may not see the dossier is refused."""
    with guarded_transaction(ctx, actor, Action.VIEW, code, read_only=True) as session:
        dossier = load_dossier(session, code)
        check_view(actor, session, dossier, dossier_tasks(session, dossier))
        return verify_pin(dossier.pin_hash, dossier.code, (pin or "").strip())


def reissue_pin(ctx: EngineContext, actor: Actor, code: str) -> str:
    """The desk gives the applicant a new lookup PIN (shown once; the old one stops working) and unlocks the
    lookup. Recorded in the dossier's event log, never the PIN itself."""
    pin = new_pin()
    with guarded_transaction(ctx, actor, Action.REISSUE_PIN, code) as session:
        dossier = load_dossier(session, code, for_update=True)
        check_dossier(actor, Action.REISSUE_PIN, dossier, dossier_tasks(session, dossier))
        state = pin_state(session, dossier.id)
        dossier.pin_hash = hash_pin(dossier.code, pin)
        session.execute(delete(PinGuard).where(PinGuard.dossier_id == dossier.id))
        record(session, dossier, EventKind.PIN_REISSUED, actor, ctx.now(), was_locked=state["locked"],
               failures=state["failures"])
    return pin
