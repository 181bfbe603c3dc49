"""The root of the ``motcua`` command: its group, ``init``, and every area's commands registered on it."""

from __future__ import annotations

import logging

import click

from engine.cli import calendar, demo, kpi, notifications, org, procedures, records, worker
from engine.db.migrate import upgrade
from engine.db.session import Database


@click.group(help="motcua — quy trình một cửa theo ISO 9001 / one-stop-shop procedures engine.")
def cli() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("engine").setLevel(logging.INFO)


@cli.command(help="Tạo hoặc nâng cấp cơ sở dữ liệu / create or upgrade the database.")
def init() -> None:
    db = Database()
    upgrade(db)
    click.echo(f"Cơ sở dữ liệu đã sẵn sàng / database ready: {db.engine.url.render_as_string(hide_password=True)}")


for command in (procedures.procedures, org.agencies, org.units, org.users, org.tokens, calendar.calendar,
                demo.demo, demo.demo_walk, worker.worker, records.audit, records.check,
                notifications.notifications, kpi.kpi):
    cli.add_command(command)


def main() -> None:
    cli(prog_name="motcua")
