"""Load against a live server, shared by the concurrency and fault tests and the benchmark: extra
officers with API tokens, and bounded client loops that claim and complete whatever their inbox offers."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from unittest.mock import patch

from engine.demo import organisation as demo
from engine.demo.walkthrough import sample_data
from engine.org import directory as org
from engine.org.security import hash_password
from engine.procedures.card import load_package
from tests.conftest import PASSWORD, PROCESSES
from tests.helpers import KHAI_SINH
from tests.http_client import NO_RESPONSE, JsonClient, reception_body

KHAI_SINH_DIR = PROCESSES / "dang_ky_khai_sinh"
ANSWERS = {"eligible": True, "approved": True}
# The lanes of birth registration in the demo commune: specialist (unit VP) and leader.
LANES = (("specialist", "VP"), ("leader", None))
PAGE = 50  # inbox rows an officer's client reads at a time


def step_data(package_dir=KHAI_SINH_DIR) -> dict[str, dict]:
    """Form data for every step of a procedure, taking the happy path."""
    return {step: sample_data(schema, ANSWERS) for step, schema in load_package(package_dir).forms.items()}


@dataclass
class Officers:
    desks: list[str] = field(default_factory=list)
    workers: list[str] = field(default_factory=list)  # specialists and leaders, alternating
    tokens: dict[str, str] = field(default_factory=dict)


@lru_cache(maxsize=1)
def _password_hash() -> str:
    return hash_password(PASSWORD)


def add_officers(ctx, per_lane: int = 4, desks: int = 3, prefix: str = "load", lanes=LANES) -> Officers:
    """``per_lane`` officers for each lane of birth registration and ``desks`` desk officers, with tokens
    (they share one password hash: argon2 is slow on purpose, and these accounts only use tokens)."""
    officers = Officers()
    with patch("engine.org.directory.hash_password", lambda _password: _password_hash()):
        _add(ctx, officers, per_lane, desks, prefix, lanes)
    for name in officers.desks + officers.workers:
        officers.tokens[name] = org.issue_token(ctx, name)
    return officers


def _add(ctx, officers: Officers, per_lane: int, desks: int, prefix: str, lanes) -> None:
    for n in range(desks):
        name = f"{prefix}.desk{n}"
        org.add_user(ctx, name, demo.XA, ["desk"], PASSWORD, unit_code="MC")
        officers.desks.append(name)
    for n in range(per_lane):
        for role, unit in lanes:
            name = f"{prefix}.{role}{n}"
            org.add_user(ctx, name, demo.XA, [role], PASSWORD, unit_code=unit)
            officers.workers.append(name)


@dataclass
class Tally:
    """What the clients saw, merged from every thread under a lock."""

    statuses: Counter = field(default_factory=Counter)  # (action, status) -> count
    completed: Counter = field(default_factory=Counter)  # task id -> successful completions
    taken: Counter = field(default_factory=Counter)  # task id -> steps handed out by "take the next step"
    received: list[str] = field(default_factory=list)  # dossier codes
    lock: threading.Lock = field(default_factory=threading.Lock)

    def see(self, action: str, status: int) -> None:
        with self.lock:
            self.statuses[(action, status)] += 1

    def server_errors(self) -> dict:
        return {k: v for k, v in self.statuses.items() if k[1] >= 500}


def complete(client: JsonClient, row: dict, data: dict[str, dict], tally: Tally) -> bool:
    """Complete the inbox row's step with its form data; tallied, True when it succeeded."""
    status, _ = client.post(f"/tasks/{row['id']}/complete", {"data": data.get(row["step_id"], {})})
    tally.see("complete", status)
    if status == 200:
        with tally.lock:
            tally.completed[row["id"]] += 1
    return status == 200


def work_inbox(client: JsonClient, data: dict[str, dict], tally: Tally, stop: threading.Event,
               time_limit: float, rng: random.Random, max_rounds: int = 100_000, hot: bool = True) -> None:
    """Until ``stop`` or the time limit: take a step the inbox offers, claim it, complete it. Every response
    is tallied; 409 means someone else won.

    ``hot``: read the inbox before every claim and most often take its first row, so clients collide.
    Otherwise work like an officer's client: read a page of 50 and work through it (in an order of its
    own, so officers sharing a pool spread out), reading the next page when this one is used up or
    turned out stale (someone else took a step first)."""
    ends = time.monotonic() + time_limit
    page: list[dict] = []  # rows of the last page still to try
    for _ in range(max_rounds):
        if stop.is_set() or time.monotonic() > ends:
            return
        if not page:
            status, body = client.get(f"/tasks?scope=available&limit={PAGE}")
            tally.see("inbox", status)
            rows = (body or {}).get("items", []) if status == 200 else []
            if not rows:
                time.sleep(0.02 if status == 200 else 0.1)  # nothing to do, or no server (killed): wait a little
                continue
            if hot:
                page = [rows[0] if rng.random() < 0.6 else rng.choice(rows)]
            else:
                page = rng.sample(rows, len(rows))
        row = page.pop()
        status, _ = client.post(f"/tasks/{row['id']}/claim")
        tally.see("claim", status)
        if status != 200:
            # 409: someone else took it, so the page is stale (working on through it costs more claims
            # lost than reading it again); no answer: the server is gone. Either way: read again.
            page.clear()
            continue
        if not complete(client, row, data, tally):
            page.clear()


def work_next(client: JsonClient, data: dict[str, dict], tally: Tally, stop: threading.Event,
              time_limit: float, max_rounds: int = 100_000) -> None:
    """Until ``stop`` or the time limit: take the next step of the pool (``POST /tasks/next``) and complete
    it, as an officer working with the inbox's "take the next step" button. 204: nothing waits, wait a
    little; 409: every waiting step was just taken by others, ask again."""
    ends = time.monotonic() + time_limit
    for _ in range(max_rounds):
        if stop.is_set() or time.monotonic() > ends:
            return
        status, row = client.post("/tasks/next")
        tally.see("next", status)
        if status != 200:
            time.sleep(0.02 if status in (204, 409) else 0.1)  # no answer: the server is gone (killed)
            continue
        with tally.lock:
            tally.taken[row["id"]] += 1
        complete(client, row, data, tally)


def receive_many(client: JsonClient, count: int, tally: Tally, stop: threading.Event | None = None,
                 pause: float = 0.0, procedure_code: str = KHAI_SINH) -> None:
    for n in range(count):
        if stop is not None and stop.is_set():
            return
        status, body = client.post("/dossiers", reception_body(procedure_code, f"Người nộp {n}"))
        tally.see("receive", status)
        if status == NO_RESPONSE:
            time.sleep(0.1)
        if status == 201:
            with tally.lock:
                tally.received.append(body["code"])
        if pause:
            time.sleep(pause)


def run_threads(targets: list) -> None:
    threads = [threading.Thread(target=t, daemon=True) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    assert not any(t.is_alive() for t in threads), "a load thread did not stop"


__all__ = ["NO_RESPONSE", "Officers", "Tally", "add_officers", "receive_many", "run_threads", "step_data",
           "work_inbox"]
