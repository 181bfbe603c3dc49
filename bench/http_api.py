"""(c) The HTTP API under concurrent clients: gunicorn as deployed (deploy/gunicorn.conf.py, one process
per core, 4 threads each) on 127.0.0.1; desk clients receive dossiers while officer clients claim and
complete whatever their inbox offers, for a fixed time window."""

from __future__ import annotations

import random
import tempfile
import threading
import time
from pathlib import Path

import psutil

from bench.common import DATA, PROCEDURE_CODE, context
from tests.http_client import JsonClient
from tests.load import Tally, add_officers, receive_many, run_threads, work_inbox
from tests.server_process import WebServer

LANES = (("specialist", "KT"), ("unit_head", "KT"))


def server_rss_mb(server: WebServer) -> float:
    """The largest resident set of the server's worker processes, in MB."""
    try:
        children = psutil.Process(server.pid).children(recursive=True)
        return max((c.memory_info().rss for c in children), default=0) / 2**20
    except psutil.Error:
        return float("nan")


def run(url: str, clients: int, seconds: float, workers: int = 2) -> dict:
    ctx = context(url)
    officers = add_officers(ctx, per_lane=max(2, clients // 4), desks=max(1, clients // 4), prefix="bench",
                            lanes=LANES)
    ctx.db.dispose()
    folder = Path(tempfile.mkdtemp(prefix="motcua-bench-http-"))
    server = WebServer(url, folder, workers=workers, threads=4).start()
    tally, stop = Tally(), threading.Event()
    desks = [JsonClient(server.url, officers.tokens[n]) for n in officers.desks]
    clerks = [JsonClient(server.url, officers.tokens[officers.workers[i % len(officers.workers)]])
              for i in range(max(1, clients - len(desks)))]
    try:
        receive_many(desks[0], 20, tally, procedure_code=PROCEDURE_CODE)  # work queued before the clock starts
        started_completions = sum(tally.completed.values())
        started = time.perf_counter()
        timer = threading.Timer(seconds, stop.set)
        timer.start()
        run_threads([lambda c=c: receive_many(c, 1_000_000, tally, stop, procedure_code=PROCEDURE_CODE)
                     for c in desks]
                    + [lambda c=c, n=n: work_inbox(c, DATA, tally, stop, seconds + 5, random.Random(n), hot=False)
                       for n, c in enumerate(clerks)])
        elapsed = time.perf_counter() - started
        rss = server_rss_mb(server)
    finally:
        stop.set()
        server.stop()
    completions = sum(tally.completed.values()) - started_completions
    received = tally.statuses[("receive", 201)] - 20
    latencies = [x for c in clerks for x in c.latencies]
    return {"clients": len(desks) + len(clerks), "seconds": elapsed, "steps_per_s": completions / elapsed,
            "dossiers_per_s": received / elapsed, "server_errors": sum(tally.server_errors().values()),
            "conflicts": sum(v for (a, s), v in tally.statuses.items() if s == 409),
            "requests": sum(tally.statuses.values()), "rss_mb": rss,
            "mean_request_ms": 1000 * sum(latencies) / max(1, len(latencies))}
