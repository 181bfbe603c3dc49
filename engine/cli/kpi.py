"""``motcua kpi …``: the KPI tallies at the command line (registered by engine/cli/main.py)."""

from __future__ import annotations

import time

import click

from engine.cli import common


@click.group(help="Chỉ số KPI / KPI tallies.")
def kpi() -> None:
    pass


@kpi.command("rebuild", help="Tính lại bảng tổng hợp KPI từ hồ sơ / recompute the KPI tallies from the records.")
def kpi_rebuild() -> None:
    from engine.kpis.tally import rebuild

    started = time.perf_counter()
    with common.context().db.transaction() as session:
        count = rebuild(session)
    click.echo(f"{count} hồ sơ đã tổng hợp lại / dossiers tallied again ({time.perf_counter() - started:.1f} s)")
