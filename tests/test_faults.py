"""Crashes under load, on every database of the run: the web server (gunicorn, the whole process group)
and the timer workers are killed with SIGKILL again and again while clients receive dossiers and work
their inboxes (picking from a page, or taking the next step) and deadlines fall due. After restarts, every dossier's state, inbox rows, deadlines and
hash chain agree (``motcua audit verify``, ``motcua check``), and no timer is lost or fired twice.
``MOTCUA_FAULT_ROUNDS`` sets the number of kills (CI runs the default, a smaller load)."""

from __future__ import annotations

import os
import random
import threading
import time
from datetime import datetime, timezone

from sqlalchemy import func, select, update

from engine.db.models import Deadline, Dossier, Event
from engine.enums import EventKind
from tests.http_client import JsonClient
from tests.load import Tally, add_officers, receive_many, run_threads, step_data, work_inbox, work_next
from tests.server_process import WebServer, Worker, motcua

ROUNDS = int(os.environ.get("MOTCUA_FAULT_ROUNDS", "6"))
LOAD_SECONDS_PER_ROUND = (0.6, 1.6)
LONG_AGO = datetime(2000, 1, 1, tzinfo=timezone.utc)


def _make_some_deadlines_due(ctx, stop: threading.Event, rng: random.Random) -> None:
    """Time passes: a few pending deadlines at a time become due, for the workers to fire."""
    while not stop.wait(0.3):
        try:
            with ctx.db.transaction() as session:
                pending = list(session.scalars(select(Deadline.id).where(Deadline.done_at.is_(None)).limit(200)))
                chosen = rng.sample(pending, min(4, len(pending)))
                if chosen:
                    session.execute(update(Deadline).where(Deadline.id.in_(chosen)).values(due_at=LONG_AGO),
                                    execution_options={"synchronize_session": False})
        except Exception:  # a busy database: try again on the next tick
            continue


def _consistent(db_url: str, folder) -> None:
    chain = motcua(db_url, folder, "audit", "verify")
    assert chain.returncode == 0, chain.stdout + chain.stderr
    check = motcua(db_url, folder, "check")
    assert check.returncode == 0, check.stdout + check.stderr


def test_kill_9_server_and_workers_during_load(ctx, db_url, tmp_path):
    officers = add_officers(ctx, per_lane=3, desks=2)
    rng, tally, data, stop = random.Random(6), Tally(), step_data(), threading.Event()
    server = WebServer(db_url, tmp_path, workers=2, threads=4).start()
    workers = [Worker(db_url, tmp_path, interval=0.1, name=f"worker{n}").start() for n in range(2)]
    desks = [JsonClient(server.url, officers.tokens[name], timeout=20) for name in officers.desks]
    clerks = [JsonClient(server.url, officers.tokens[name], timeout=20) for name in officers.workers]
    loads = ([lambda c=c: receive_many(c, 10_000, tally, stop, pause=0.05) for c in desks]
             + [(lambda c=c, n=n: work_inbox(c, data, tally, stop, 600, random.Random(n), hot=False)) if n % 2 else
                (lambda c=c: work_next(c, data, tally, stop, 600))  # half the clerks take the next step
                for n, c in enumerate(clerks)]
             + [lambda: _make_some_deadlines_due(ctx, stop, random.Random(7))])
    runner = threading.Thread(target=run_threads, args=(loads,), daemon=True)
    kills = []
    try:
        runner.start()
        for round_ in range(ROUNDS):
            time.sleep(rng.uniform(*LOAD_SECONDS_PER_ROUND))
            victims = [server, rng.choice(workers)] if round_ % 3 == 2 else [[server, *workers][round_ % 3]]
            for victim in victims:
                victim.kill()
                kills.append(victim.pid)
            time.sleep(0.2)
            for victim in victims:
                victim.start()
        time.sleep(rng.uniform(*LOAD_SECONDS_PER_ROUND))
    finally:
        stop.set()
        runner.join(timeout=120)
        server.stop()
        for worker in workers:
            worker.stop()

    assert len(kills) >= ROUNDS
    assert tally.server_errors() == {}, tally.statuses
    assert tally.received and sum(tally.completed.values()), tally.statuses
    assert tally.statuses[("next", 200)] and tally.statuses[("claim", 200)], tally.statuses  # both ways worked
    _consistent(db_url, tmp_path)
    # Whatever fell due while the workers were down fires now, once; then the books still agree.
    sweep = motcua(db_url, tmp_path, "worker", "--once")
    assert sweep.returncode == 0, sweep.stderr
    _consistent(db_url, tmp_path)
    with ctx.db.transaction() as session:
        overdue_events = session.scalar(select(func.count()).select_from(Event).where(
            Event.kind.in_([EventKind.STEP_OVERDUE.value, EventKind.DOSSIER_OVERDUE.value])))
        still_due = session.scalar(select(func.count()).select_from(Deadline).join(Dossier).where(
            Deadline.done_at.is_(None), Deadline.due_at <= datetime.now(timezone.utc), Dossier.paused_at.is_(None)))
    assert overdue_events > 0 and still_due == 0
