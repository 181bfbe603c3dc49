"""What every ``motcua`` command shares: the engine context from the environment and the error handling that
ends a command with its message (Vietnamese, then English) and exit status 1, never a traceback."""

from __future__ import annotations

import sys
from functools import wraps
from pathlib import Path

import click

from engine.context import EngineContext
from engine.db.session import Database
from engine.errors import MotcuaError

DEFAULT_PROCESSES_DIR = Path(__file__).resolve().parent.parent.parent / "processes"


def context() -> EngineContext:
    """The engine context from the environment (the tests replace this function, one place for every command)."""
    return EngineContext(Database())


def friendly_errors(func):
    """Domain errors end the command with their message and exit status 1, never a traceback."""

    @wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except MotcuaError as err:
            click.echo(f"Lỗi: {err.message}", err=True)
            if err.message_en != err.message:
                click.echo(f"Error: {err.message_en}", err=True)
            for detail in err.details if isinstance(err.details, list) else []:
                click.echo(f"  - {detail}", err=True)
            sys.exit(1)

    return wrapper
