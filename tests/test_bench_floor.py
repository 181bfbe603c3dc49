"""The benchmark's floor under (b) replays (b)'s own SQL through the bare driver. It is a fair floor only if
the replay really does (b)'s work: on a copy of the database as it was, it must leave the same rows."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from pathlib import Path

from bench import replay
from bench.common import Databases
from bench.report import write_results

TABLES = ("dossiers", "tasks", "events", "deadlines", "notifications", "kpi_dossier_days", "kpi_step_days",
          "kpi_step_month_minutes", "dossier_counters")


def _rows(path: Path) -> dict[str, list[tuple]]:
    with sqlite3.connect(path) as connection:
        return {table: connection.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall() for table in TABLES}


def test_replaying_the_recorded_sql_on_the_copy_leaves_the_same_rows(tmp_path):
    databases = Databases(tmp_path, want_postgres=False)
    url = databases.fresh("sqlite", "bench_service")
    result = replay.run(databases, "sqlite", url, dossiers=2)

    assert result["steps"] == 6  # two dossiers, three steps each
    assert result["statements_per_step"] > 10
    assert 0 < result["cpu_ms_per_step"] and 0 < result["wall_ms_per_step"]
    original, replayed = _rows(tmp_path / "bench_service.db"), _rows(tmp_path / "bench_replay.db")
    assert original["events"] and original == replayed


def test_the_committed_results_render_with_every_target(tmp_path):
    saved = json.loads((Path(replay.__file__).parent / "RESULTS.json").read_text())
    saved["when"] = datetime.fromisoformat(saved["when"])
    text = write_results(saved, tmp_path / "RESULTS.md")
    for target in ("≥ 0.5", "≥ 300", "≤ 20", "≤ 10", "≤ 2", "≤ 6 KB", "≤ 2 KB", "flat"):
        assert f"| {target} |" in text


def test_a_compare_turn_measures_this_trees_use_cases_and_counts_their_statements():
    from bench import compare

    turn = compare._turn(compare.ROOT, dossiers=2, checkpoint=False)  # in its own process, as the tool runs it
    assert set(turn) == {"receive ms", "claim ms", "complete ms", "CPU ms per step", "wall ms per step",
                         "statements per step"}
    # Per step: a third of a receipt, a claim, a completion and the inbox reads, so more than claim + complete.
    assert turn["CPU ms per step"] > turn["claim ms"] + turn["complete ms"] > 0
    assert 20 < turn["statements per step"] < 40  # (b)'s row in bench/RESULTS.md: ≈ 31–35
