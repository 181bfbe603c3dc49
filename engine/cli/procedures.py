"""``motcua procedures validate | publish | export | import | migrate``: procedure packages, their versions and
the migration of running dossiers. Run by the system administrator (no designer account: the audit log
records "system")."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from engine.cli import common
from engine.cli.common import friendly_errors
from engine.errors import PackageError
from engine.procedures.zipio import MAX_ZIP_BYTES, too_large


@click.group(help="Thủ tục hành chính / procedure packages.")
def procedures() -> None:
    pass


@procedures.command("validate", help="Kiểm tra gói thủ tục / validate procedure package folders.")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False, path_type=Path))
def procedures_validate(paths: tuple[Path, ...]) -> None:
    from engine.procedures.validator import validate_package

    failed = False
    for path in paths:
        problems = [p for p in validate_package(path) if p.severity == "error"]
        if problems:
            failed = True
            click.echo(f"✗ {path}: {len(problems)} lỗi / problem(s)")
            for problem in problems:
                click.echo(f"  {problem}")
        else:
            click.echo(f"✓ {path}: hợp lệ / valid")
    sys.exit(1 if failed else 0)


@procedures.command("publish", help="Ban hành phiên bản mới / publish procedure package folders.")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--note", default="", help="Ghi chú thay đổi / change note.")
@friendly_errors
def procedures_publish(paths: tuple[Path, ...], note: str) -> None:
    from engine.procedures.publishing import publish

    ctx = common.context()
    for path in paths:
        result = publish(ctx, path, note=note)
        state = "đã ban hành / published" if result.created else "không đổi / unchanged"
        click.echo(f"{result.code} ({result.slug}) v{result.number} {result.content_hash[:12]} — {state}")


def _problems(err: PackageError) -> None:
    click.echo(f"Lỗi: {err.message}", err=True)
    for d in err.details if isinstance(err.details, list) else []:
        where = f"{d.get('file', '')}{':' + d['element_id'] if d.get('element_id') else ''}"
        click.echo(f"  ✗ {where}: {d.get('message')} — {d.get('fix', '')}", err=True)
    sys.exit(1)


@procedures.command("export", help="Xuất gói thủ tục (.zip) / export a published version as a package zip.")
@click.argument("code")
@click.option("--version", "number", type=int, default=None, help="Số phiên bản (mặc định: đang áp dụng).")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@friendly_errors
def procedures_export(code: str, number: int | None, output: Path) -> None:
    from engine.design.packages import export_version

    name, data = export_version(common.context(), None, code, number)
    output.write_bytes(data)
    click.echo(f"{name} → {output} ({len(data)} byte)")


@procedures.command("import", help="Nhập gói thủ tục (.zip) thành bản nháp, hoặc ban hành ngay / import a package zip.")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--publish", is_flag=True, help="Ban hành ngay (gói phải hợp lệ) / publish at once.")
@click.option("--note", default="", help="Ghi chú thay đổi (bắt buộc khi ban hành) / change note.")
@friendly_errors
def procedures_import(path: Path, publish: bool, note: str) -> None:
    from engine.design.packages import import_package

    size = path.stat().st_size
    if size > MAX_ZIP_BYTES:  # refused before the file is read
        raise too_large(size, MAX_ZIP_BYTES)
    try:
        result = import_package(common.context(), None, path.read_bytes(), publish=publish, note=note)
    except PackageError as err:
        _problems(err)
    if result.publication is not None:
        pub = result.publication
        state = "đã ban hành / published" if pub.created else "không đổi / unchanged"
        if pub.republished_from is not None:
            state += f" (nội dung phiên bản {pub.republished_from} / content of version {pub.republished_from})"
        click.echo(f"{result.code} v{pub.number} {pub.content_hash[:12]} — {state}")
        return
    click.echo(f"{result.code}: bản nháp / draft #{result.draft_id}")
    for p in result.problems:
        click.echo(f"  {'✗' if p['severity'] == 'error' else '!'} {p['file']}:{p['element_id'] or ''} {p['message']}")


@procedures.command("migrate", help="Chuyển hồ sơ đang giải quyết sang phiên bản mới / migrate running dossiers.")
@click.argument("code")
@click.option("--to", "to_number", type=int, required=True, help="Phiên bản đích / target version.")
@click.option("--dry-run", is_flag=True, help="Chỉ kiểm tra, không chuyển / check only.")
@friendly_errors
def procedures_migrate(code: str, to_number: int, dry_run: bool) -> None:
    from engine.design.migration import migrate

    report = migrate(common.context(), None, code, to_number, dry_run=dry_run)
    for d in report.dossiers:
        verdict = "đã chuyển / migrated" if d.migrated else ("chuyển được / can move" if d.can_move else "KHÔNG / blocked")
        click.echo(f"{d.code} v{d.from_version} → v{d.to_version}: {verdict}")
        for r in d.reasons:
            click.echo(f"    ✗ {r['message']}")
        for n in d.notes:
            click.echo(f"    · {n['message']}")
    s = report.to_dict()["summary"]
    click.echo(f"{s['total']} hồ sơ / dossiers: {s['can_move']} chuyển được / can move, {s['blocked']} không / blocked, "
               f"{s['migrated']} đã chuyển / migrated" + (" (chạy thử / dry run)" if dry_run else ""))
    sys.exit(1 if s["blocked"] and not dry_run else 0)
