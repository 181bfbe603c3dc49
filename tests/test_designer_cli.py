"""motcua procedures export / import / migrate."""

from __future__ import annotations

import io
import zipfile

import pytest
from click.testing import CliRunner

from engine.cli import cli
from engine.cli import common as cli_common
from engine.dossiers import tasks
from engine.procedures import publishing
from tests.designer_helpers import bpmn_text, package_copy, set_deadline
from tests.helpers import KHAI_SINH, open_tasks, receive_sample


@pytest.fixture
def run(ctx, monkeypatch):
    monkeypatch.setattr(cli_common, "context", lambda: ctx)
    return lambda *args: CliRunner().invoke(cli, list(args))


def test_export_import_as_draft_and_publish(run, ctx, tmp_path):
    out = tmp_path / "ks.zip"
    result = run("procedures", "export", KHAI_SINH, "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "dang_ky_khai_sinh/dang_ky_khai_sinh.bpmn" in zipfile.ZipFile(out).namelist()
    assert run("procedures", "export", KHAI_SINH, "--version", "7", "-o", str(out)).exit_code == 1
    # A changed package: imported as a draft, then published with a note.
    buffer = io.BytesIO()
    with zipfile.ZipFile(out) as source, zipfile.ZipFile(buffer, "w") as target:
        for name in source.namelist():
            content = source.read(name)
            if name.endswith(".bpmn"):
                content = set_deadline(content.decode(), "ky_duyet", "PT3H").encode()
            target.writestr(name, content)
    changed = tmp_path / "changed.zip"
    changed.write_bytes(buffer.getvalue())
    drafted = run("procedures", "import", str(changed))
    assert drafted.exit_code == 0 and "bản nháp / draft #" in drafted.output
    assert run("procedures", "import", str(changed), "--publish").exit_code == 1  # no note
    published = run("procedures", "import", str(changed), "--publish", "--note", "Ký 3 giờ")
    assert published.exit_code == 0 and "v2" in published.output and "đã ban hành" in published.output
    assert publishing.get_procedure(ctx, KHAI_SINH)["version"] == 2


def test_migrate_dry_run_then_real(run, ctx, people, tmp_path):
    code = receive_sample(ctx, people).code
    [task] = open_tasks(ctx, code)
    tasks.complete(ctx, people("xa.vp.chuyenvien"), task.id, {"data": {"eligible": True}})
    publishing.publish(ctx, package_copy(tmp_path, bpmn=set_deadline(bpmn_text(), "ky_duyet", "PT3H")), note="v2")
    dry = run("procedures", "migrate", KHAI_SINH, "--to", "2", "--dry-run")
    assert dry.exit_code == 0 and f"{code} v1 → v2: chuyển được" in dry.output and "chạy thử" in dry.output
    assert open_tasks(ctx, code)[0].deadline == "PT2H"
    real = run("procedures", "migrate", KHAI_SINH, "--to", "2")
    assert real.exit_code == 0 and "đã chuyển / migrated" in real.output
    assert open_tasks(ctx, code)[0].deadline == "PT3H"
    assert run("procedures", "migrate", KHAI_SINH, "--to", "5").exit_code == 1
