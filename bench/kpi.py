"""The KPI report from the tallies against the raw-SQL reference, on a generated data set:

    python -m bench.kpi --dossiers 100000 [--db sqlite|postgres|both] [--folder var/bench]

For each database: generate (timing the tally upkeep inside the generator), time the province auditor's
12-month report with every sub-agency from the tallies and from the raw SQL (engine.kpis.reference), check
that both give the same figures, then rebuild the tallies (``motcua kpi rebuild``'s work). ``--stress``
then gives every dossier a receipt officer and working minutes (the generator leaves them empty), so the
histograms behind the exact 90th percentiles hold realistic spreads, rebuilds and measures again."""

from __future__ import annotations

import argparse
import json
import time
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select, text

from bench.common import ROOT, Databases, context
from bench.generate import generate
from bench.states import sample_states
from engine import kpis
from engine.db.models import User
from engine.kpis import reference, tally
from engine.kpis.report import build
from engine.kpis.scope import resolve
from engine.org import directory as org
from engine.org.actors import Actor

AUDITOR = "tinh.kiemsoat"


def _query() -> dict:
    today = date.today()
    return {"from": (today - timedelta(days=365)).replace(day=1).isoformat(), "to": today.isoformat(),
            "include_sub": True}


def _scope(ctx):
    with ctx.db.transaction() as session:
        return resolve(session, Actor.of(org.user_by_username(session, AUDITOR)), kpis.parse(_query()), ctx.now())


def _time_report(ctx, builder, scope, repeat: int = 3) -> tuple[float, object]:
    """The best of ``repeat`` runs (the report's authority check and scope resolution are not the cost)."""
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        with ctx.db.transaction(read_only=True) as session:
            result = builder(session, scope)
        best = min(best, time.perf_counter() - started)
    return best, result


def _stress(ctx, is_postgres: bool) -> None:
    rand = (lambda n: f"floor(random() * {n})::int") if is_postgres else (lambda n: f"abs(random()) % {n}")
    with ctx.db.transaction() as session:
        desk = session.scalar(select(User.id).where(User.username == "xa.motcua"))
        session.execute(text(f"UPDATE dossiers SET received_by_id = {desk}, paused_minutes = "
                             f"CASE WHEN {rand(10)} = 0 THEN {rand(600)} ELSE 0 END, "
                             f"working_minutes = CASE WHEN outcome IS NULL THEN NULL ELSE {rand(3000)} END"))
        session.execute(text(f"UPDATE tasks SET working_minutes = {rand(1500)} WHERE state = 'completed'"))


def _measure(ctx, label: str) -> dict:
    scope = _scope(ctx)
    tallies_s, from_tallies = _time_report(ctx, build, scope)
    raw_s, from_raw = _time_report(ctx, reference.build, scope, repeat=1)
    return {f"{label}_report_tallies_s": round(tallies_s, 3), f"{label}_report_raw_s": round(raw_s, 3),
            f"{label}_identical": from_tallies == from_raw,
            f"{label}_resolved": from_tallies.totals[kpis.Kpi.RESOLVED],
            f"{label}_p90_hours": from_tallies.totals[kpis.Kpi.P90_HOURS]}


def run(kind: str, url: str, dossiers: int, stress: bool) -> dict:
    ctx = context(url)
    upkeep = {"seconds": 0.0}
    original = tally.refresh

    def timed_refresh(session, ids, *args, **kwargs):
        started = time.perf_counter()
        try:
            return original(session, ids, *args, **kwargs)
        finally:
            upkeep["seconds"] += time.perf_counter() - started

    tally.refresh = timed_refresh
    try:
        started = time.perf_counter()
        generate(ctx.db, dossiers, sample_states(ctx.db), quiet=True)
        generate_s = time.perf_counter() - started
    finally:
        tally.refresh = original
    result = {"db": kind, "dossiers": dossiers, "generate_s": round(generate_s, 1),
              "tally_upkeep_in_generate_s": round(upkeep["seconds"], 1), **_measure(ctx, "generated")}
    started = time.perf_counter()
    with ctx.db.transaction() as session:
        tally.rebuild(session)
    result["rebuild_s"] = round(time.perf_counter() - started, 1)
    if stress:
        _stress(ctx, kind == "postgres")
        started = time.perf_counter()
        with ctx.db.transaction() as session:
            tally.rebuild(session)
        result["stress_rebuild_s"] = round(time.perf_counter() - started, 1)
        result.update(_measure(ctx, "stress"))
        with ctx.db.transaction() as session:
            result["stress_histogram_rows"] = session.execute(text(
                "SELECT (SELECT count(*) FROM kpi_dossier_minutes) + (SELECT count(*) FROM kpi_step_minutes)")).scalar()
            result["stress_month_rollup_rows"] = session.execute(text(
                "SELECT (SELECT count(*) FROM kpi_dossier_month_minutes) "
                "+ (SELECT count(*) FROM kpi_step_month_minutes)")).scalar()
    ctx.db.dispose()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=100_000)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--folder", type=Path, default=ROOT / "var" / "bench")
    parser.add_argument("--stress", action="store_true")
    args = parser.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    databases = Databases(args.folder, want_postgres=args.db != "sqlite")
    try:
        kinds = [k for k in databases.kinds if args.db in ("both", k)]
        for kind in kinds:
            print(json.dumps(run(kind, databases.fresh(kind, "kpi_bench"), args.dossiers, args.stress)), flush=True)
    finally:
        databases.close()


if __name__ == "__main__":
    main()
