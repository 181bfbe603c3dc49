"""``motcua audit verify`` and ``motcua check``: the records prove themselves (hash chains; workflow state
against its read model)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from engine.cli import common
from engine.cli.common import friendly_errors


@click.group(help="Kiểm tra hồ sơ lưu vết / audit.")
def audit() -> None:
    pass


@audit.command("verify", help="Kiểm tra chuỗi băm của mọi hồ sơ và của nhật ký an ninh / check every dossier's "
                               "hash chain and the security audit log's.")
@click.option("--digest", "digest_file", default=None, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Bản tóm tắt hằng ngày đã lưu (JSON hoặc văn bản) để đối chiếu / a saved daily digest to check.")
@friendly_errors
def audit_verify(digest_file: Path | None) -> None:
    from engine.records.integrity import verify_all, verify_audit_chain, verify_files, verify_saved_digest

    ctx = common.context()
    broken, checked = verify_all(ctx)
    for link in broken:
        click.echo(f"✗ {link}")
    click.echo(f"{checked} hồ sơ đã kiểm tra / dossiers checked, {len(broken)} liên kết hỏng / broken links")
    audit_broken, entries = verify_audit_chain(ctx)
    for link in audit_broken:
        click.echo(f"✗ {link}")
    if audit_broken:
        click.echo(f"Mục hỏng đầu tiên / first broken entry: #{audit_broken[0].seq}")
    click.echo(f"Nhật ký an ninh / audit log: {entries} mục đã kiểm tra / entries checked, "
               f"{len(audit_broken)} liên kết hỏng / broken links")
    file_problems, files = verify_files(ctx)
    for problem in file_problems:
        click.echo(f"✗ {problem}")
    click.echo(f"Tệp / files: {files} tệp đã kiểm tra / checked, {len(file_problems)} sai khác / problems")
    failed = bool(broken or audit_broken or file_problems)
    if digest_file is not None:
        saved, differences = verify_saved_digest(ctx, digest_file.read_text(encoding="utf-8"))
        for difference in differences:
            click.echo(f"✗ {saved.day}: {difference}")
        click.echo(f"Bản tóm tắt ngày / digest of {saved.day}: "
                   + ("khớp, không có gì bị viết lại / matches, nothing was rewritten" if not differences else
                      f"{len(differences)} sai khác / differences"))
        failed = failed or bool(differences)
    sys.exit(1 if failed else 0)


@audit.command("digest", help="Bản tóm tắt hằng ngày của đầu mọi chuỗi băm / daily digest of every chain's head.")
@click.option("--day", required=True, help="Ngày đã qua, YYYY-MM-DD / a past day.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("-o", "--output", default=None, type=click.Path(dir_okay=False, path_type=Path),
              help="Ghi vào tệp / write to a file.")
@friendly_errors
def audit_digest(day: str, fmt: str, output: Path | None) -> None:
    from engine.records.auditlog import daily_digest

    digest = daily_digest(common.context(), None, day)
    text = digest.to_json() if fmt == "json" else digest.to_text()
    if output is None:
        click.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8")
    click.echo(f"Đã ghi / written: {output} — {digest.digest}")


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
