"""The ``motcua`` command line, in the exact forms scripts rely on."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.cli import cli
from tests.conftest import PROCESSES


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.setenv("MOTCUA_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("MOTCUA_DEMO_PASSWORD", "demo-password-1")
    monkeypatch.setenv("MOTCUA_OUTBOX_LOG", str(tmp_path / "outbox.log"))  # the worker delivers notifications
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(cli, list(args), catch_exceptions=False)

    return invoke


def test_calendar_due_example_from_the_spec(run):
    result = run("calendar", "due", "--from", "2026-11-20T16:00", "--duration", "P1D")
    assert result.exit_code == 0 and result.output.strip() == "2026-11-23T16:00+07:00"


def test_calendar_due_same_day_with_cutoff(run):
    result = run("calendar", "due", "--from", "2026-12-07T15:30", "--duration", "same_day", "--cutoff", "15:00")
    assert result.output.strip() == "2026-12-08T17:00+07:00"


@pytest.mark.parametrize("args", [["--duration", "3 days"], ["--duration", "P1D", "--cutoff", "3pm"]])
def test_calendar_due_bad_input(run, args):
    result = run("calendar", "due", "--from", "2026-12-07T10:00", *args)
    assert result.exit_code != 0 and "Traceback" not in result.output


def test_the_real_command_is_installed(tmp_path):
    exe = Path(sys.executable).parent / "motcua"  # the console script of the environment running the tests
    out = subprocess.run([str(exe), "calendar", "due", "--from", "2026-11-20T16:00", "--duration", "P1D"],
                         capture_output=True, text=True, env={"MOTCUA_DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
                                                               "PATH": "/usr/bin:/bin"}, check=True)
    assert out.stdout.strip() == "2026-11-23T16:00+07:00"


def test_administration_round_trip(run):
    assert run("init").exit_code == 0
    assert run("agencies", "add", "T1", "--name", "Tỉnh", "--level", "province").exit_code == 0
    assert run("agencies", "add", "X1", "--name", "Xã", "--level", "commune", "--parent", "T1").exit_code == 0
    assert run("units", "add", "MC", "--agency", "X1", "--name", "Một cửa").exit_code == 0
    added = run("users", "add", "an", "--agency", "X1", "--unit", "MC", "--role", "desk", "--role", "specialist",
                "--password", "mat-khau-dai")
    assert added.exit_code == 0
    token = run("tokens", "issue", "an")
    assert token.exit_code == 0 and len(token.output.strip().split()) == 1 and len(token.output.strip()) >= 40
    duplicate = run("agencies", "add", "T1", "--name", "Tỉnh", "--level", "province")
    assert duplicate.exit_code == 1 and "T1" in duplicate.output
    assert run("users", "add", "b", "--agency", "NOPE", "--role", "desk", "--password", "mat-khau-dai").exit_code == 1


def test_validate_and_publish(run, tmp_path):
    good = PROCESSES / "dang_ky_khai_sinh"
    assert run("procedures", "validate", str(good)).exit_code == 0
    bad = tmp_path / "hong"
    shutil.copytree(good, bad)
    bpmn = bad / "dang_ky_khai_sinh.bpmn"
    bpmn.write_text(bpmn.read_text(encoding="utf-8").replace('value="PT2H"', 'value="2 giờ"', 1), encoding="utf-8")
    result = run("procedures", "validate", str(bad))
    assert result.exit_code == 1 and "deadline" in result.output.lower()
    run("init")
    published = run("procedures", "publish", str(good), "--note", "Ban hành")
    assert published.exit_code == 0 and "v1" in published.output
    again = run("procedures", "publish", str(good))
    assert again.exit_code == 0 and "v1" in again.output
    refused = run("procedures", "publish", str(bad))
    assert refused.exit_code == 1


def test_demo_walk_worker_and_audit(run):
    demo = run("demo", "--processes", str(PROCESSES))
    assert demo.exit_code == 0 and "demo-password-1" in demo.output and "xa.motcua" in demo.output
    walk = run("demo-walk")
    assert walk.exit_code == 0 and "returned" in walk.output
    assert run("worker", "--once").exit_code == 0
    audit = run("audit", "verify")
    assert audit.exit_code == 0 and "0 liên kết" in audit.output
