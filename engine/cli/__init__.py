"""The ``motcua`` command line (scripts and administrators rely on these exact forms): every click command of
the engine, one module per area; each imports engine.cli.common and the engine, and main.py registers them.
May import any engine package; nothing in engine/ imports it (web/cli.py adds ``serve``)."""

from engine.cli.common import friendly_errors
from engine.cli.main import cli, main

__all__ = ["cli", "friendly_errors", "main"]
