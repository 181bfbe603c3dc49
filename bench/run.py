"""The benchmark, in one run: (a) SpiffWorkflow alone, (b) the service layer with persistence, (c) the HTTP
API under concurrent clients, then read latency, KPI time and server memory as a generated data set grows;
on SQLite and, when the machine has PostgreSQL's binaries, on a throwaway PostgreSQL server. Prints the
table and writes bench/RESULTS.md.

    .venv/bin/python bench/run.py [--scale 1.0] [--no-postgres]

``--scale 1`` is the issue's data set: 1,000,000 dossiers, 100,000 open steps.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import http_api, latency, replay, service, spiff_alone, statements  # noqa: E402
from bench.common import Databases  # noqa: E402
from bench.generate import OPEN_SHARE, generate  # noqa: E402
from bench.report import write_results  # noqa: E402
from bench.states import sample_states  # noqa: E402
from engine.db.session import Database  # noqa: E402
from engine.dossiers.store import LIVE_WORKFLOWS  # noqa: E402

HERE = Path(__file__).resolve().parent
FULL_DOSSIERS = 1_000_000


def main() -> None:
    parser = argparse.ArgumentParser(description="motcua benchmark")
    parser.add_argument("--scale", type=float, default=1.0, help="share of the 1,000,000-dossier data set")
    parser.add_argument("--growth", default="0.1,1", help="data-set sizes (shares of --scale) measured in turn")
    parser.add_argument("--spiff-dossiers", type=int, default=1000)
    parser.add_argument("--service-dossiers", type=int, default=100)
    parser.add_argument("--http-clients", type=int, default=16)
    parser.add_argument("--http-seconds", type=float, default=30)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    args = parser.parse_args()

    started = time.time()
    results: dict = {"args": vars(args), "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
                     f"load average at start {os.getloadavg()[0]:.1f}", "when": datetime.now(timezone.utc)}
    print("(a) SpiffWorkflow alone …", flush=True)
    results["a"] = spiff_alone.run(args.spiff_dossiers)
    results["a_naive"] = spiff_alone.run(max(10, args.spiff_dossiers // 4), naive=True)
    print(f"    {results['a']['steps_per_s']:.0f} steps/s; {results['a_naive']['steps_per_s']:.0f} with the naive "
          "serialisation round trip", flush=True)
    databases = Databases(want_postgres=not args.no_postgres)
    results["postgres_problem"] = databases.pg_problem
    try:
        for kind in databases.kinds:
            results[kind] = run_kind(databases, kind, args)
    finally:
        databases.close()
    results["seconds"] = time.time() - started
    results["load_end"] = os.getloadavg()[0]
    args.out.with_suffix(".json").write_text(json.dumps(results, default=str, indent=1))  # to re-render the table
    text = write_results(results, args.out)
    print(text)


def render(saved: Path, out: Path) -> None:
    """The table again from a run's saved figures (after the notes changed, say), without measuring."""
    results = json.loads(saved.read_text())
    results["when"] = datetime.fromisoformat(results["when"])
    print(write_results(results, out))


def run_kind(databases: Databases, kind: str, args) -> dict:
    out: dict = {}
    url = databases.fresh(kind, "bench_service")
    print(f"[{kind}] (b) service layer, {args.service_dossiers} dossiers …", flush=True)
    LIVE_WORKFLOWS.size, saved = 0, LIVE_WORKFLOWS.size  # first without the live-workflow cache
    LIVE_WORKFLOWS.clear()
    out["b_cold"] = service.run(url, max(10, args.service_dossiers // 2))
    LIVE_WORKFLOWS.size = saved
    out["b"] = service.run(url, args.service_dossiers)
    profile = args.out.parent / f"profile_service_{kind}.txt"  # beside the table it belongs to
    service.run(url, max(10, args.service_dossiers // 4), profile_to=profile)  # profiled apart: no skew
    out["b"]["profile"] = profile.name
    print(f"    {out['b']['steps_per_s']:.1f} steps/s ({out['b_cold']['steps_per_s']:.1f} without the live cache)",
          flush=True)
    out["statements"] = statements.run(url)
    out["floor"] = replay.run(databases, kind, url, max(10, args.service_dossiers // 4))
    print(f"    its SQL alone, through the driver: {out['floor']['wall_ms_per_step']:.2f} ms per step", flush=True)
    print(f"[{kind}] (c) HTTP, {args.http_clients} clients, {args.http_seconds:.0f} s …", flush=True)
    out["c"] = http_api.run(url, args.http_clients, args.http_seconds)
    print(f"    {out['c']['steps_per_s']:.1f} completions/s picking from inbox pages", flush=True)
    out["c_next"] = http_api.run(url, args.http_clients, args.http_seconds, take_next=True)
    print(f"    {out['c_next']['steps_per_s']:.1f} completions/s taking the next step", flush=True)

    large = databases.fresh(kind, "bench_large")
    db = Database(large)
    states = sample_states(db)
    out["states"] = {k: len(v) for k, v in states.items()}
    total = max(1, round(FULL_DOSSIERS * args.scale))
    out["growth"], generated = [], 0
    for share in sorted({float(s) for s in args.growth.split(",")}):
        target = max(1, round(total * share))
        if target > generated:
            print(f"[{kind}] generating {target - generated:,} dossiers (to {target:,}) …", flush=True)
            t0 = time.perf_counter()
            generate(db, target - generated, states)
            out.setdefault("generate_rate", (target - generated) / (time.perf_counter() - t0))
            generated = target
        print(f"[{kind}] latency at {generated:,} dossiers …", flush=True)
        point = latency.run(large)
        point["dossiers"], point["open_steps"] = generated, round(generated * OPEN_SHARE)
        out["growth"].append(point)
        print(f"    inbox p95 {point['inbox']['p95']:.1f} ms, lookup p95 {point['lookup']['p95']:.1f} ms, "
              f"KPI {point['kpi_seconds']:.2f} s, RSS {point['rss_mb']:.0f} MB", flush=True)
    db.dispose()
    return out


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--render":
        render(Path(sys.argv[2]), Path(sys.argv[2]).with_suffix(".md"))
    else:
        main()
