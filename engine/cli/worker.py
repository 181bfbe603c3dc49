"""``motcua worker``: the timer sweep, escalations and the notifications outbox, in a loop."""

from __future__ import annotations

import click

from engine.cli import common
from engine.cli.common import friendly_errors


@click.command(help="Vòng quét thời hạn / the timer sweep loop.")
@click.option("--interval", default=30.0, show_default=True, help="Giây giữa hai lần quét / seconds between sweeps.")
@click.option("--once", is_flag=True, help="Quét một lần rồi thoát / sweep once and exit.")
@friendly_errors
def worker(interval: float, once: bool) -> None:
    from engine.notify.delivery import RetryPolicy, deliver_due
    from engine.notify.senders import senders_from_env
    from engine.worker.escalation import OversightSettings
    from engine.worker.sweep import run_worker, sweep

    ctx = common.context()
    OversightSettings.from_env(), RetryPolicy.from_env()  # a bad MOTCUA_* setting stops here, with its name
    senders = senders_from_env()
    if once:
        click.echo(str(sweep(ctx)))
        click.echo(str(deliver_due(ctx, senders)))
        return
    run_worker(ctx, interval=interval, senders=senders)
