"""Real server processes for the concurrency, fault and benchmark runs: gunicorn (the documented
deployment, deploy/gunicorn.conf.py) or ``motcua serve``/``motcua worker``, on 127.0.0.1, started in
their own process group and stopped — or killed with SIGKILL — by that group's id, never by name."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.pg_server import free_port

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SECRET = "test-secret-shared-by-every-process"


def environment(db_url: str, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOTCUA_")}
    env.update({"MOTCUA_DATABASE_URL": db_url, "MOTCUA_SECRET_KEY": SECRET, "PYTHONPATH": str(ROOT), **extra})
    return env


class Process:
    """One command in its own session (process group); ``kill()`` is kill -9 of that group."""

    def __init__(self, args: list[str], env: dict, cwd: Path, log: Path):
        self.args, self.env, self.cwd, self.log = args, env, cwd, log
        self.proc: subprocess.Popen | None = None

    def start(self) -> Process:
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(self.args, env=self.env, cwd=self.cwd, stdout=out, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        return self

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL to the whole group (gunicorn's master and its workers), then reap."""
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(timeout=30)

    def stop(self, timeout: float = 20) -> None:
        if not self.alive():
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


class WebServer(Process):
    """gunicorn with the deployment's config (``kind="gunicorn"``) or ``motcua serve`` (waitress)."""

    def __init__(self, db_url: str, cwd: Path, *, kind: str = "gunicorn", workers: int = 2, threads: int = 8,
                 port: int | None = None, env: dict | None = None):
        self.port = port or free_port()
        if kind == "gunicorn":
            args = [str(BIN / "gunicorn"), "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
                    "--bind", f"127.0.0.1:{self.port}", "--workers", str(workers), "--threads", str(threads),
                    "--access-logfile", "/dev/null"]
        else:
            args = [str(BIN / "motcua"), "serve", "--host", "127.0.0.1", "--port", str(self.port),
                    "--threads", str(threads)]
        super().__init__(args, environment(db_url, **(env or {})), cwd, cwd / f"web-{kind}.log")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> WebServer:
        super().start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError(f"server exited: {self.tail()}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.1)
        self.kill()
        raise RuntimeError(f"server not ready in {timeout}s: {self.tail()}")


class Worker(Process):
    def __init__(self, db_url: str, cwd: Path, interval: float = 0.2, env: dict | None = None, name: str = "worker"):
        super().__init__([str(BIN / "motcua"), "worker", "--interval", str(interval)],
                         environment(db_url, **(env or {})), cwd, cwd / f"{name}.log")


def motcua(db_url: str, cwd: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "motcua"), *args], env=environment(db_url), cwd=cwd, capture_output=True,
                          text=True, timeout=timeout)
