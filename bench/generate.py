"""Bulk data for the latency measurements: N dossiers of business household registration spread over
many communes and 12 months, 90 % finished (3 completed steps) and 10 % open (one open step each), with
their inbox rows, deadlines and hash-chained events, inserted in batches with a progress bar.

    python bench/generate.py DATABASE_URL --dossiers 1000000 [--agencies 100] [--start 0]

Every generated dossier has the lookup PIN ``GENERATED_PIN`` and a real workflow state blob of its stage
(taken from dossiers the engine really ran), so sizes are realistic; the states' task ids are not those
of the generated inbox rows, so generated open steps are for reading (inbox, lookup, KPIs), not completing.
"""

from __future__ import annotations

import argparse
import random
import sys
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert, select, text  # noqa: E402
from tqdm import tqdm  # noqa: E402

from engine.clock.calendar import LOCAL_TZ  # noqa: E402
from engine.db.models import (  # noqa: E402
    Agency,
    Deadline,
    Dossier,
    DossierCounter,
    Event,
    Procedure,
    ProcedureVersion,
    Task,
    Unit,
    UserRole,
)
from engine.demo import organisation as demo  # noqa: E402
from engine.dossiers.events import GENESIS_HASH, event_hash  # noqa: E402
from engine.enums import DeadlineKind, DossierStatus, EventKind, Outcome, Role, TaskState  # noqa: E402
from engine.kpis import tally as kpi_tally  # noqa: E402
from engine.org.security import hash_pin  # noqa: E402

GENERATED_PIN = "246810"
OPEN_SHARE = 0.10
BATCH = 5_000
STEPS = (("tham_dinh_ho_so", "specialist", "KT"), ("ky_duyet", "unit_head", "KT"),
         ("cap_nhat_he_thong", "specialist", "KT"))
UNITS = (("MC", "Bộ phận Một cửa"), ("KT", "Phòng Kinh tế"), ("VP", "Văn phòng"))
DAYS = 365
FIRST_ID = 1_000_000  # generated ids stay clear of the ones the engine hands out in the same database


def _agencies(session, count: int) -> list[tuple[int, str, dict]]:
    """The demo commune plus ``count - 1`` generated communes (created once), each with its units."""
    province = session.scalar(select(Agency.id).where(Agency.code == demo.PROVINCE))
    existing = {code for code in session.scalars(select(Agency.code))}
    now = datetime.now(timezone.utc)
    for n in range(1, count):
        code = f"000.00.{n // 100:02d}.G{n % 100:02d}"
        if code not in existing:
            agency_id = session.execute(insert(Agency).values(code=code, name=f"UBND xã Mẫu {n}", level="commune",
                                                              parent_id=province, created_at=now)).inserted_primary_key[0]
            session.execute(insert(Unit), [{"agency_id": agency_id, "code": u, "name": name} for u, name in UNITS])
    rows = []
    codes = [demo.XA] + [f"000.00.{n // 100:02d}.G{n % 100:02d}" for n in range(1, count)]
    for code in codes:
        agency_id = session.scalar(select(Agency.id).where(Agency.code == code))
        units = dict(session.execute(select(Unit.code, Unit.id).where(Unit.agency_id == agency_id)).all())
        rows.append((agency_id, code, units))
    return rows


def _working_minutes(start: datetime, end: datetime) -> int:
    """About a third of the wall-clock minutes (8 working hours a day): values spread like real ones, so the
    KPI report's 90th percentiles meet as many distinct values as they would in production."""
    return int((end - start).total_seconds() / 60 / 3)


class Generator:
    def __init__(self, session, agencies: int, states: dict[str, bytes], seed: int = 1):
        self.session = session
        self.rng = random.Random(seed)
        self.agencies = _agencies(session, agencies)
        version = session.scalar(select(ProcedureVersion).join(Procedure, Procedure.current_version_id == ProcedureVersion.id)
                                 .where(Procedure.code == "2.000720"))
        self.version_id, self.procedure_name = version.id, version.card["name"]
        self.step_names = {step: (version.steps.get(step) or {}).get("name", step) for step, _r, _u in STEPS}
        self.states = states
        # Received by a desk officer (what the "received" figures count), as at a real desk.
        self.desk_id = session.scalar(select(UserRole.user_id).where(UserRole.role == Role.DESK.value).limit(1))
        self.counters: dict[tuple[int, str], int] = {
            (a, d): last for a, d, last in session.execute(select(DossierCounter.agency_id, DossierCounter.day,
                                                                   DossierCounter.last))}
        self.now = datetime.now(timezone.utc).replace(microsecond=0)

    def _code(self, agency_id: int, agency_code: str, at: datetime) -> str:
        day = at.astimezone(LOCAL_TZ).strftime("%y%m%d")
        seq = self.counters.get((agency_id, day), 0) + 1
        self.counters[(agency_id, day)] = seq
        return f"{agency_code}-{day}-{seq:04d}"

    def batch(self, first_id: int, count: int) -> dict[str, list[dict]]:
        rows = {"dossiers": [], "tasks": [], "events": [], "deadlines": []}
        for n in range(count):
            self._one(first_id + n, rows)
        return rows

    def _one(self, dossier_id: int, rows: dict) -> None:
        rng = self.rng
        agency_id, agency_code, units = self.agencies[dossier_id % len(self.agencies)]
        is_open = rng.random() < OPEN_SHARE
        received = self.now - timedelta(days=rng.uniform(0.0, 3.0) if is_open else rng.uniform(3.0, DAYS),
                                        minutes=rng.randint(0, 600))
        due = received + timedelta(days=3)
        code = self._code(agency_id, agency_code, received)
        done_steps = rng.randint(0, 2) if is_open else 3
        status = DossierStatus.PROCESSING if is_open else DossierStatus.RETURNED
        resolved = None if is_open else received + timedelta(hours=rng.uniform(4, 100))
        outcome = None if is_open else rng.choice([Outcome.EARLY, Outcome.ON_TIME, Outcome.ON_TIME, Outcome.LATE]).value
        events, prev, at = [], GENESIS_HASH, received

        def event(kind: EventKind, when: datetime, **payload) -> None:
            nonlocal prev
            seq = len(events) + 1
            digest = event_hash(prev, code, seq, kind.value, "bench", when, payload)
            events.append({"dossier_id": dossier_id, "seq": seq, "kind": kind.value, "actor_id": None,
                           "actor_name": "bench", "at": when, "payload": payload, "prev_hash": prev, "hash": digest})
            prev = digest

        event(EventKind.RECEIVED, received, procedure="2.000720", due_at=due.isoformat())
        rows["deadlines"].append({"dossier_id": dossier_id, "kind": DeadlineKind.DOSSIER.value, "task_id": None,
                                  "due_at": due, "done_at": resolved, "detail": {}})
        for index, (step, role, unit) in enumerate(STEPS[:done_steps + (1 if is_open else 0)]):
            task_id = dossier_id * 4 + index
            finished = index < done_steps
            ready_at = at
            at = at + timedelta(hours=rng.uniform(0.5, 20))
            step_due = ready_at + timedelta(hours=8)
            claimed = finished or rng.random() < 0.3
            rows["tasks"].append({
                "id": task_id, "dossier_id": dossier_id, "workflow_task_id": str(uuid.UUID(int=rng.getrandbits(128))),
                "step_id": step, "step_name": self.step_names[step], "lane": role, "role": role,
                "agency_id": agency_id, "unit_id": units.get(unit), "assignee_id": None,
                "state": (TaskState.COMPLETED if finished else TaskState.CLAIMED if claimed else TaskState.READY).value,
                "paused": False, "overdue": False, "deadline": "PT8H", "ready_at": ready_at, "due_at": step_due,
                "claimed_at": at if claimed else None, "finished_at": at if finished else None, "finished_by_id": None,
                "outcome": (Outcome.ON_TIME.value if at <= step_due else Outcome.LATE.value) if finished else None,
                "working_minutes": _working_minutes(ready_at, at) if finished else None,
                "dossier_code": code, "procedure_name": self.procedure_name, "applicant_name": f"Hộ kinh doanh {dossier_id}",
            })
            rows["deadlines"].append({"dossier_id": dossier_id, "kind": DeadlineKind.STEP.value, "task_id": task_id,
                                      "due_at": step_due, "done_at": at if finished else None, "detail": {}})
            if finished:
                event(EventKind.STEP_COMPLETED, at, task_id=task_id, step=step, outcome="on_time")
        if not is_open:
            event(EventKind.RESOLVED, resolved)
            event(EventKind.RETURNED, resolved + timedelta(hours=2))
        rows["events"].extend(events)
        rows["dossiers"].append({
            "id": dossier_id, "code": code, "pin_hash": hash_pin(code, GENERATED_PIN),
            "procedure_version_id": self.version_id,
            "agency_id": agency_id, "received_by_id": self.desk_id, "channel": "desk" if rng.random() < 0.6 else "online",
            "status": status.value, "applicant": {"name": f"Hộ kinh doanh {dossier_id}"},
            "applicant_name": f"Hộ kinh doanh {dossier_id}", "documents": ["Giấy đề nghị"], "data": {},
            "received_at": received, "effective_received_at": received, "due_at": due, "statutory_due_at": due,
            "paused_minutes": 0, "overdue": False, "resolved_at": resolved,
            "working_minutes": _working_minutes(received, resolved) if resolved else None,
            "returned_at": resolved + timedelta(hours=2) if resolved else None, "outcome": outcome,
            "workflow_state": self.states["open" if is_open else "finished"], "version": 1,
            "last_event_hash": prev, "last_event_seq": len(events),
        })

    def save_counters(self) -> None:
        self.session.execute(DossierCounter.__table__.delete())
        self.session.execute(insert(DossierCounter), [{"agency_id": a, "day": d, "last": last}
                                                      for (a, d), last in self.counters.items()])


def generate(db, count: int, states: dict[str, bytes], agencies: int = 100, quiet: bool = False) -> int:
    """Add ``count`` dossiers to the database; returns how many it now holds."""
    with db.transaction() as session:
        start = max(FIRST_ID, 1 + session.scalar(select(func.coalesce(func.max(Dossier.id), 0))))
        generator = Generator(session, agencies, states, seed=start)
    with tqdm(total=count, unit="dossier", disable=quiet, desc="generate") as bar:
        done = 0
        while done < count:
            size = min(BATCH, count - done)
            with db.transaction() as session:
                generator.session = session
                rows = generator.batch(start + done, size)
                for model, key in ((Dossier, "dossiers"), (Task, "tasks"), (Deadline, "deadlines"), (Event, "events")):
                    session.execute(insert(model.__table__), rows[key])
                kpi_tally.refresh(session, [row["id"] for row in rows["dossiers"]])  # their KPI tallies, same transaction
            done += size
            bar.update(size)
    with db.transaction() as session:
        generator.session = session
        generator.save_counters()
        if db.is_postgres:
            for table in ("dossiers", "tasks"):  # the engine's own inserts continue above the generated ids
                session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                     f"(SELECT max(id) FROM {table}))"))
        total = session.scalar(select(func.count()).select_from(Dossier))
    if db.is_postgres:
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
    else:
        with db.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
    return total


def main() -> None:
    from engine.db.session import Database

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--dossiers", type=int, default=1_000_000)
    parser.add_argument("--agencies", type=int, default=100)
    args = parser.parse_args()
    from bench.states import sample_states

    db = Database(args.url)
    print(generate(db, args.dossiers, sample_states(db), args.agencies), "dossiers")


if __name__ == "__main__":
    main()
