"""``motcua audit verify`` and ``motcua check``: the records prove themselves (hash chains; workflow state
against its read model)."""

from __future__ import annotations

import sys

import click

from engine.cli import common


@click.group(help="Kiểm tra hồ sơ lưu vết / audit.")
def audit() -> None:
    pass


@audit.command("verify", help="Kiểm tra chuỗi băm của mọi hồ sơ / check every dossier's hash chain.")
def audit_verify() -> None:
    from engine.records.integrity import verify_all

    broken, checked = verify_all(common.context())
    for link in broken:
        click.echo(f"✗ {link}")
    click.echo(f"{checked} hồ sơ đã kiểm tra / dossiers checked, {len(broken)} liên kết hỏng / broken links")
    sys.exit(1 if broken else 0)


@click.command("check", help="Đối chiếu trạng thái quy trình với hộp việc và thời hạn / check every dossier's "
                           "workflow state against its inbox rows, deadlines and sweep events.")
def check() -> None:
    from engine.records.integrity import check_all

    report = check_all(common.context())
    for problem in report.problems:
        click.echo(f"✗ {problem}")
    click.echo(f"{report.checked} hồ sơ đã kiểm tra / dossiers checked ({report.workflows_loaded} quy trình / "
               f"workflows loaded), {len(report.problems)} sai lệch / inconsistencies")
    sys.exit(0 if report.ok else 1)
