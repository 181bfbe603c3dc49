"""``motcua demo | demo-walk``: the demo organisation and one dossier walked through every step."""

from __future__ import annotations

from pathlib import Path

import click

from engine.cli import common
from engine.cli.common import DEFAULT_PROCESSES_DIR, friendly_errors
from engine.clock.calendar import LOCAL_TZ
from engine.db.migrate import upgrade


@click.command(help="Tạo dữ liệu mẫu / seed the demo organisation and publish processes/.")
@click.option("--processes", "processes_dir", default=str(DEFAULT_PROCESSES_DIR),
              type=click.Path(exists=True, file_okay=False, path_type=Path))
@friendly_errors
def demo(processes_dir: Path) -> None:
    from engine.demo.organisation import seed

    ctx = common.context()
    upgrade(ctx.db)
    password, users_, publications = seed(ctx, processes_dir)
    for pub in publications:
        click.echo(f"Thủ tục / procedure {pub.code} ({pub.slug}) v{pub.number}")
    click.echo("\nTài khoản mẫu (chỉ dùng để thử) / demo accounts (demo only):")
    for user in users_:
        click.echo(f"  {user.username:<28} {','.join(r.value for r in user.roles):<12} {user.agency} {user.unit or ''}")
    click.echo(f"\nMật khẩu chung / shared demo password: {password}")


@click.command("demo-walk", help="Chạy thử một hồ sơ qua mọi bước / walk one demo dossier through every step.")
@click.option("--procedure", "procedure_code", default="1.001193", show_default=True)
@click.option("--desk", default="xa.motcua", show_default=True, help="Cán bộ một cửa tiếp nhận / receiving desk officer.")
@friendly_errors
def demo_walk(procedure_code: str, desk: str) -> None:
    from engine.demo.walkthrough import walk
    from engine.org.actors import Actor
    from engine.org.directory import user_by_username

    ctx = common.context()
    with ctx.db.transaction() as session:
        actor = Actor.of(user_by_username(session, desk))
    request = {"procedure_code": procedure_code, "channel": "desk", "documents": ["Tờ khai", "Giấy tờ kèm theo"],
               "applicant": {"name": "Nguyễn Văn An", "id_number": "001234567890", "phone": "0912345678",
                             "address": "Thôn Đông, xã An Bình"}, "data": {}}
    result = walk(ctx, actor, request)
    r = result.receipt
    click.echo(f"Hồ sơ / dossier {r.code} — {r.procedure_name}")
    click.echo(f"  PIN tra cứu / lookup PIN: {r.pin}")
    click.echo(f"  Tiếp nhận / received: {r.received_at.astimezone(LOCAL_TZ):%d/%m/%Y %H:%M}, "
               f"hẹn trả / appointment: {r.due_at.astimezone(LOCAL_TZ):%d/%m/%Y %H:%M}")
    for step, officer, outcome in result.steps:
        click.echo(f"  • {step:<32} {officer:<28} {outcome}")
    click.echo(f"  Trạng thái / status: {result.status}")
