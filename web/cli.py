"""The ``motcua`` command: the engine's commands plus ``serve``."""

from __future__ import annotations

import click

from engine.cli import cli, friendly_errors


@cli.command(help="Chạy máy chủ web / serve the web application (waitress).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
@friendly_errors
def serve(host: str, port: int, threads: int) -> None:
    from waitress import serve as waitress_serve

    from web import create_app

    app = create_app()
    click.echo(f"motcua: http://{host}:{port}/")
    waitress_serve(app, host=host, port=port, threads=threads, ident="motcua")


def main() -> None:
    cli(prog_name="motcua")
