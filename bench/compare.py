"""A/B of (b), the service layer's cost per step, between a git revision and the working tree: the two are
measured in turns within one run, so both meet the same machine. This machine is shared, and runs an hour
apart differ by more than most changes do; a change is judged here, the full table is `bench/run.py`.

    .venv/bin/python bench/compare.py 975f5db --rounds 4 --dossiers 200 [--no-checkpoint]

Each turn receives the dossiers on a fresh SQLite file and claims and completes every step, as (b) does,
timing each use case's CPU and counting its statements. ``--no-checkpoint`` turns SQLite's WAL auto-checkpoint
off: a checkpoint is charged to whichever commit happens to trigger it, which blurs the split between the
use cases (the total stays comparable either way). The revision must have `bench/common.py`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
USE_CASES = ("receive", "claim", "complete")


def measure(tree: Path, dossiers: int, checkpoint: bool) -> dict:
    """One turn on the code of ``tree``, in a process of its own (``_turn``): it patches the use cases it times."""
    sys.path.insert(0, str(tree))
    from sqlalchemy import event

    import engine

    if not Path(engine.__file__).resolve().is_relative_to(tree.resolve()):
        raise RuntimeError(f"measuring {engine.__file__}, not the code of {tree}")
    from bench import service
    from bench.common import Databases, actors, context
    try:
        from engine.dossiers import tasks
    except ImportError:  # a revision from before the layout by domain area (engine/tasks.py)
        from engine import tasks  # type: ignore[no-redef]
    cpu, calls, sent = defaultdict(float), defaultdict(int), [0]

    def timed(name, func):
        def run(*args, **kwargs):
            started = time.process_time()
            try:
                return func(*args, **kwargs)
            finally:
                cpu[name] += time.process_time() - started
                calls[name] += 1
        return run

    # (b)'s own walk, with each use case it calls timed.
    service.receive, service.open_steps = timed("receive", service.receive), timed("read", service.open_steps)
    tasks.claim, tasks.complete = timed("claim", tasks.claim), timed("complete", tasks.complete)
    with tempfile.TemporaryDirectory(prefix="motcua-compare-") as folder:
        dbs = Databases(Path(folder), want_postgres=False)
        ctx = context(dbs.fresh("sqlite", "compare"))
        if not checkpoint:
            event.listen(ctx.db.engine, "connect", lambda conn, _: conn.execute("PRAGMA wal_autocheckpoint=0"))
            ctx.db.engine.dispose()
        who = actors(ctx)
        for n in range(20):
            service.walk_one(ctx, who, -1 - n)  # warm the caches outside the measurement
        cpu.clear()
        calls.clear()
        event.listen(ctx.db.engine, "before_cursor_execute", lambda *_: sent.__setitem__(0, sent[0] + 1))
        started = time.perf_counter()
        for n in range(dossiers):
            service.walk_one(ctx, who, n)
        wall = time.perf_counter() - started
        ctx.db.dispose()
    steps = calls["complete"]
    return {**{f"{name} ms": 1000 * cpu[name] / calls[name] for name in USE_CASES},
            "CPU ms per step": 1000 * sum(cpu.values()) / steps, "wall ms per step": 1000 * wall / steps,
            "statements per step": sent[0] / steps}


def _turn(tree: Path, dossiers: int, checkpoint: bool) -> dict:
    command = [sys.executable, str(Path(__file__).resolve()), "--measure", str(tree), "--dossiers", str(dossiers)]
    if not checkpoint:
        command.append("--no-checkpoint")
    out = subprocess.run(command, check=True, capture_output=True, text=True, cwd=tree)
    return json.loads(out.stdout.strip().splitlines()[-1])


def compare(revision: str, rounds: int, dossiers: int, checkpoint: bool) -> str:
    with tempfile.TemporaryDirectory(prefix="motcua-compare-tree-") as folder:
        base = Path(folder) / "tree"
        subprocess.run(["git", "worktree", "add", "--detach", "-q", str(base), revision], check=True, cwd=ROOT)
        try:
            turns: dict[str, list[dict]] = {revision: [], "working tree": []}
            for _ in range(rounds):
                turns[revision].append(_turn(base, dossiers, checkpoint))
                turns["working tree"].append(_turn(ROOT, dossiers, checkpoint))
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(base)], check=False, cwd=ROOT)
    measures = list(turns[revision][0])
    turn_s = "turn" if rounds == 1 else "turns"
    lines = [f"Medians of {rounds} {turn_s} each, {dossiers} dossiers per turn, SQLite, WAL auto-checkpoint "
             f"{'on' if checkpoint else 'off'}; the revisions took turns.", "",
             "| measure | " + " | ".join(turns) + " | change |", "|---|---|---|---|"]
    for measure_ in measures:
        old, new = (statistics.median(t[measure_] for t in turns[k]) for k in turns)
        lines.append(f"| {measure_} | {old:.2f} | {new:.2f} | {100 * (new - old) / old:+.0f} % |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("revision", nargs="?", help="the git revision to compare the working tree with")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--dossiers", type=int, default=200)
    parser.add_argument("--no-checkpoint", action="store_true")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # one turn on this tree (internal)
    args = parser.parse_args()
    if args.measure is not None:
        print(json.dumps(measure(args.measure, args.dossiers, not args.no_checkpoint)))
    elif args.revision:
        print(compare(args.revision, args.rounds, args.dossiers, not args.no_checkpoint))
    else:
        parser.error("name a revision to compare with")


if __name__ == "__main__":
    main()
