"""Several server processes on one database (gunicorn, 2 workers × 8 threads, on 127.0.0.1), many clients
at once, on every database of the run:
- 50 clients race to claim and complete the same steps: each step is completed exactly once, no
  update is lost, no response is a 500;
- 50 clients take "the next step" of one pool at once: no step is handed to two of them, none is lost;
- concurrent reception in one agency: dossier codes unique and gap-free.
Loops are bounded in rounds and time, and stop by themselves."""

from __future__ import annotations

import os
import random
import threading
import time
from collections import Counter

import pytest
from sqlalchemy import func, select

from engine.db.models import Dossier, Event, Task
from engine.enums import DossierStatus, EventKind, TaskState
from engine.records.integrity import check_all, verify_all
from tests.http_client import JsonClient
from tests.load import Tally, add_officers, receive_many, run_threads, step_data, work_inbox, work_next
from tests.server_process import WebServer

CLIENTS = int(os.environ.get("MOTCUA_RACE_CLIENTS", "50"))
DOSSIERS = int(os.environ.get("MOTCUA_RACE_DOSSIERS", "12"))
RECEPTIONS = int(os.environ.get("MOTCUA_RACE_RECEPTIONS", "40"))
TIME_LIMIT = 180.0


@pytest.fixture
def live(ctx, db_url, tmp_path):
    officers = add_officers(ctx, per_lane=5, desks=4)
    ctx.db.dispose()
    server = WebServer(db_url, tmp_path, workers=2, threads=8).start()
    try:
        yield server, officers
    finally:
        server.stop()
        assert "Traceback" not in server.tail(400), server.tail(80)


def _all_closed(ctx, codes: list[str]) -> bool:
    with ctx.db.transaction() as session:
        return session.scalar(select(func.count()).select_from(Dossier).where(
            Dossier.code.in_(codes), Dossier.status != DossierStatus.RESOLVED.value)) == 0


def _race(ctx, live, work) -> Tally:
    """DOSSIERS received, then CLIENTS officers' clients each running ``work`` until all are resolved."""
    server, officers = live
    tally = Tally()
    desk = JsonClient(server.url, officers.tokens[officers.desks[0]])
    receive_many(desk, DOSSIERS, tally)
    assert len(tally.received) == DOSSIERS, tally.statuses

    stop = threading.Event()
    clients = [JsonClient(server.url, officers.tokens[officers.workers[i % len(officers.workers)]])
               for i in range(CLIENTS)]

    def watch():  # stop the clients once every dossier is resolved
        ends = time.monotonic() + TIME_LIMIT
        while not stop.is_set() and time.monotonic() < ends:
            if _all_closed(ctx, tally.received):
                break
            time.sleep(0.2)
        stop.set()

    run_threads([watch] + [lambda c=c, n=n: work(c, tally, stop, n) for n, c in enumerate(clients)])
    assert tally.server_errors() == {}, tally.statuses
    assert _all_closed(ctx, tally.received), "clients stopped before every dossier was resolved"
    return tally


def _each_step_completed_once(ctx, tally: Tally) -> list[Task]:
    with ctx.db.transaction() as session:
        rows = list(session.scalars(select(Task).join(Dossier).where(Dossier.code.in_(tally.received))))
        completed_events = Counter(e.payload["task_id"] for e in session.scalars(
            select(Event).where(Event.kind == EventKind.STEP_COMPLETED.value)))
    assert rows and all(t.state == TaskState.COMPLETED for t in rows)
    # Exactly once: one event per step, one successful response per step, and nothing acknowledged was lost.
    assert completed_events == Counter({t.id: 1 for t in rows})
    assert tally.completed == Counter({t.id: 1 for t in rows})
    assert verify_all(ctx)[0] == []
    assert check_all(ctx).problems == []
    return rows


def test_fifty_clients_race_for_the_same_steps(ctx, live):
    data = step_data()
    tally = _race(ctx, live, lambda c, tally, stop, n: work_inbox(c, data, tally, stop, TIME_LIMIT, random.Random(n)))
    assert {s for (action, s) in tally.statuses if action in ("claim", "complete")} <= {200, 409}, tally.statuses
    _each_step_completed_once(ctx, tally)


def test_fifty_clients_take_the_next_step_without_racing(ctx, live):
    data = step_data()
    tally = _race(ctx, live, lambda c, tally, stop, n: work_next(c, data, tally, stop, TIME_LIMIT))
    assert {s for (action, s) in tally.statuses if action == "next"} <= {200, 204, 409}, tally.statuses
    # A step handed out is the taker's alone: its completion never loses a race.
    assert {s for (action, s) in tally.statuses if action == "complete"} == {200}, tally.statuses
    rows = _each_step_completed_once(ctx, tally)
    assert tally.taken == Counter({t.id: 1 for t in rows})


def test_concurrent_reception_gives_unique_gap_free_codes(ctx, live):
    server, officers = live
    tally = Tally()
    per_client = max(1, RECEPTIONS // (2 * len(officers.desks)))
    clients = [JsonClient(server.url, officers.tokens[name]) for name in officers.desks for _ in range(2)]
    run_threads([lambda c=c: receive_many(c, per_client, tally) for c in clients])

    assert tally.server_errors() == {}, tally.statuses
    assert tally.statuses[("receive", 201)] == per_client * len(clients), tally.statuses
    codes = tally.received
    assert len(set(codes)) == len(codes)
    by_day: dict[str, list[int]] = {}
    for code in codes:
        prefix, seq = code.rsplit("-", 1)
        by_day.setdefault(prefix, []).append(int(seq))
    for prefix, numbers in by_day.items():
        assert sorted(numbers) == list(range(1, len(numbers) + 1)), (prefix, sorted(numbers))
    with ctx.db.transaction() as session:
        stored = set(session.scalars(select(Dossier.code)))
    assert set(codes) <= stored
