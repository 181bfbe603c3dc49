"""(b) The service layer with persistence: each dossier received and every step claimed and completed
through the engine's use cases (one transaction each: authority, workflow, inbox rows, deadlines, hash-
chained events), exactly as the web layer calls them."""

from __future__ import annotations

import time

from sqlalchemy import event, func, select

from bench.common import DATA, actors, context, request
from engine.db.models import Dossier, Task
from engine.dossiers import store, tasks
from engine.dossiers.reception import receive
from engine.enums import OPEN_TASK_STATES


def open_steps(ctx, code: str) -> list[tuple[int, str, str]]:
    """The dossier's open steps, read as an officer's inbox is: in a read-only transaction."""
    with ctx.db.transaction(read_only=True) as session:
        return list(session.execute(select(Task.id, Task.step_id, Task.role).join(Dossier).where(
            Dossier.code == code, Task.state.in_([s.value for s in OPEN_TASK_STATES])).order_by(Task.id)))


def walk_one(ctx, who: dict, n: int) -> int:
    code = receive(ctx, who["desk"], request(f"Người nộp {n}")).code
    steps = 0
    while rows := open_steps(ctx, code):
        for task_id, step_id, role in rows:
            tasks.claim(ctx, who[role], task_id)
            tasks.complete(ctx, who[role], task_id, {"data": DATA.get(step_id, {})})
            steps += 1
    return steps


def run(url: str, dossiers: int, profile_to=None) -> dict:
    ctx = context(url)
    who = actors(ctx)
    walk_one(ctx, who, -1)  # warm caches (spec parse, calendar) outside the measurement
    profiler = None
    if profile_to is not None:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005)
        profiler.start()
    steps, statements = 0, [0]

    def count(*_args):
        statements[0] += 1

    event.listen(ctx.db.engine, "before_cursor_execute", count)
    serialising = _time_serialisation()
    started, cpu = time.perf_counter(), time.process_time()
    for n in range(dossiers):
        steps += walk_one(ctx, who, n)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    serialised = serialising.stop()
    event.remove(ctx.db.engine, "before_cursor_execute", count)
    if profiler is not None:
        profiler.stop()
        profile_to.write_text(profiler.output_text(unicode=True, color=False, show_all=False))
    with ctx.db.transaction() as session:
        finished = session.scalar(select(func.avg(func.length(Dossier.workflow_state))))
    ctx.db.dispose()
    return {"dossiers": dossiers, "steps": steps, "seconds": seconds, "dossiers_per_s": dossiers / seconds,
            "steps_per_s": steps / seconds, "cpu_seconds": cpu, "steps_per_cpu_s": steps / cpu,
            "serialisation_share": serialised / cpu if cpu else 0.0, "statements_per_step": statements[0] / steps, "mean_state_bytes": float(finished or 0),
            "live_hits": store.LIVE_WORKFLOWS.hits}


class _time_serialisation:
    """CPU seconds spent in the workflow state's (de)serialisation during the measurement."""

    def __init__(self):
        self.spent = 0.0
        self.originals = (store.dump_state, store.load_state)
        store.dump_state, store.load_state = self._wrap(store.dump_state), self._wrap(store.load_state)

    def _wrap(self, func):
        def timed(*args, **kwargs):
            started = time.process_time()
            try:
                return func(*args, **kwargs)
            finally:
                self.spent += time.process_time() - started
        return timed

    def stop(self) -> float:
        store.dump_state, store.load_state = self.originals
        return self.spent
