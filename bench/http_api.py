"""(c) The HTTP API under concurrent clients: gunicorn as deployed (deploy/gunicorn.conf.py, one process
per core, 4 threads each) on 127.0.0.1; two desk clients keep a backlog of dossiers received while officer
clients claim and complete whatever their inbox offers, for a fixed time window. The backlog is received
through the engine before the clock starts, so the clerks find work from the first second."""

from __future__ import annotations

import random
import threading
import time

import psutil

from bench.common import DATA, PROCEDURE_CODE, context, request, served
from engine.dossiers.reception import receive
from engine.org.actors import Actor
from engine.org.directory import user_by_username
from tests.http_client import JsonClient
from tests.load import Tally, add_officers, receive_many, run_threads, work_inbox, work_next
from tests.server_process import WebServer

LANES = (("specialist", "KT"), ("unit_head", "KT"))
# Who does those steps: the specialist two (appraisal, then updating the system and passing the result on),
# the unit head one (signing). Clerks are staffed in that proportion, one officer per client: equal
# staffing left the unit heads polling an empty inbox while the specialists' pool grew, and officers
# shared by two clients raced themselves.
STAFFING = ("specialist", "specialist", "unit_head")
BACKLOG = 60  # dossiers the desks keep waiting for the clerks
STEPS_PER_DOSSIER = 3  # business household registration on the happy path
DESKS = 2


def keep_backlog(client: JsonClient, tally: Tally, stop: threading.Event, queued: int) -> None:
    """Receive while fewer than BACKLOG dossiers wait (``queued`` of them received before the clock): the
    clerks always find work, and the server's time goes to steps rather than to an ever longer queue (desks
    receiving flat out hold SQLite's single writer with receipts, the costliest transaction, and starve the
    clerks)."""
    while not stop.is_set():
        with tally.lock:
            waiting = queued + len(tally.received) - sum(tally.completed.values()) / STEPS_PER_DOSSIER
        if waiting >= BACKLOG:
            time.sleep(0.01)
            continue
        receive_many(client, 1, tally, stop, procedure_code=PROCEDURE_CODE)


def queue_dossiers(ctx, desk: str, count: int) -> None:
    """The backlog at the start, received through the engine's own use case (faster than HTTP)."""
    with ctx.db.transaction(read_only=True) as session:
        actor = Actor.of(user_by_username(session, desk))
    for n in range(count):
        receive(ctx, actor, request(f"Người nộp sẵn {n}"))


def server_rss_mb(server: WebServer) -> float:
    """The largest resident set of the server's worker processes, in MB."""
    try:
        children = psutil.Process(server.pid).children(recursive=True)
        return max((c.memory_info().rss for c in children), default=0) / 2**20
    except psutil.Error:
        return float("nan")


def server_cpu_seconds(server: WebServer) -> float:
    """CPU seconds (user + system) spent so far by the server's processes."""
    try:
        processes = [psutil.Process(server.pid), *psutil.Process(server.pid).children(recursive=True)]
        return sum(p.cpu_times().user + p.cpu_times().system for p in processes)
    except psutil.Error:
        return float("nan")


def staff(workers: list[str], count: int) -> list[str]:
    """``count`` distinct officers, their roles in the proportion of STAFFING."""
    by_role = {role: [w for w in workers if w.split(".")[-1].rstrip("0123456789") == role] for role, _ in LANES}
    return [by_role[role].pop(0) for role in (STAFFING[i % len(STAFFING)] for i in range(count))]


def run(url: str, clients: int, seconds: float, workers: int = 2, take_next: bool = False) -> dict:
    """``take_next``: the clerks take the next step of their pool (``POST /tasks/next``) instead of picking
    rows from an inbox page, so officers sharing a pool no longer lose claims to each other."""
    ctx = context(url)
    clerk_count = max(1, clients - DESKS)
    officers = add_officers(ctx, per_lane=clerk_count, desks=DESKS, prefix="benchnext" if take_next else "bench",
                            lanes=LANES)
    queue_dossiers(ctx, officers.desks[0], BACKLOG)
    ctx.db.dispose()
    tally, stop = Tally(), threading.Event()
    with served(url, workers=workers, threads=4) as server:
        desks = [JsonClient(server.url, officers.tokens[n]) for n in officers.desks]
        clerks = [JsonClient(server.url, officers.tokens[name]) for name in staff(officers.workers, clerk_count)]
        try:
            started, server_cpu = time.perf_counter(), server_cpu_seconds(server)
            timer = threading.Timer(seconds, stop.set)
            timer.start()
            run_threads([lambda c=c: keep_backlog(c, tally, stop, BACKLOG) for c in desks]
                        + [(lambda c=c: work_next(c, DATA, tally, stop, seconds + 5)) if take_next else
                           (lambda c=c, n=n: work_inbox(c, DATA, tally, stop, seconds + 5, random.Random(n),
                                                        hot=False))
                           for n, c in enumerate(clerks)])
            elapsed = time.perf_counter() - started
            server_cpu = server_cpu_seconds(server) - server_cpu
            rss = server_rss_mb(server)
        finally:
            stop.set()
    completions = sum(tally.completed.values())
    received = tally.statuses[("receive", 201)]
    latencies = [x for c in clerks for x in c.latencies]
    return {"clients": len(desks) + len(clerks), "seconds": elapsed, "steps_per_s": completions / elapsed,
            "dossiers_per_s": received / elapsed, "server_errors": sum(tally.server_errors().values()),
            "conflicts": sum(v for (a, s), v in tally.statuses.items() if s == 409),
            "requests": sum(tally.statuses.values()), "rss_mb": rss,
            "mean_request_ms": 1000 * sum(latencies) / max(1, len(latencies)),
            "server_cpu_ms_per_request": 1000 * server_cpu / max(1, sum(tally.statuses.values())),
            # A completion's whole cost on the server (its requests, conflicts, its share of receipts): the
            # figure a shared machine does not distort, unlike completions per second.
            "server_cpu_ms_per_completion": 1000 * server_cpu / max(1, completions),
            "requests_per_completion": sum(tally.statuses.values()) / max(1, completions),
            "server_cpu_share": server_cpu / elapsed,
            "statuses": {f"{action} {status}": n for (action, status), n in sorted(tally.statuses.items())}}
