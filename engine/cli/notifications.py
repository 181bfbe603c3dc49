"""``motcua notifications …``: the outbox at the command line (the server's operator sees every agency)."""

from __future__ import annotations

import sys

import click

from engine.cli import common
from engine.cli.common import friendly_errors
from engine.clock.calendar import LOCAL_TZ


@click.group(help="Hộp thư đi / the notifications outbox.")
def notifications() -> None:
    pass


@notifications.command("list", help="Liệt kê thông báo, mới nhất trước / list messages, newest first.")
@click.option("--status", default=None, help="pending, sending, sent, failed")
@click.option("--limit", default=50, show_default=True, type=int)
@friendly_errors
def notifications_list(status: str | None, limit: int) -> None:
    from engine.notify.admin import list_outbox

    page = list_outbox(common.context(), None, status, limit=limit)
    for row in page.rows:
        created = row["created_at"].astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")
        click.echo(f"#{row['id']:<6} {row['status']:<8} {row['channel']:<8} {row['attempts']} lần  {created}  "
                   f"{row['recipient']:<30} {row['subject']}")
        if row["last_error"] and row["status"] != "sent":
            click.echo(f"        lỗi / error: {row['last_error']}")
    summary = ", ".join(f"{k}: {v}" for k, v in page.counts.items())
    click.echo(f"{page.total} thông báo / messages ({summary})")


@notifications.command("retry", help="Gửi lại thông báo lỗi / retry failed messages.")
@click.argument("ids", nargs=-1, type=int)
@click.option("--failed", "all_failed", is_flag=True, help="Mọi thông báo lỗi / every failed message.")
@friendly_errors
def notifications_retry(ids: tuple[int, ...], all_failed: bool) -> None:
    from engine.notify.admin import failed_ids, retry

    ctx = common.context()
    targets = list(ids) + (failed_ids(ctx) if all_failed else [])
    if not targets:
        click.echo("Hãy nêu mã thông báo hoặc --failed / give message ids or --failed.", err=True)
        sys.exit(2)
    for notification_id in dict.fromkeys(targets):
        retry(ctx, None, notification_id)
        click.echo(f"#{notification_id}: sẽ gửi lại / queued again")


@notifications.command("deliver", help="Gửi ngay các thông báo đến hạn / deliver due messages once.")
@friendly_errors
def notifications_deliver() -> None:
    from engine.notify.delivery import RetryPolicy, deliver_due
    from engine.notify.senders import senders_from_env

    report = deliver_due(common.context(), senders_from_env(), RetryPolicy.from_env())
    click.echo(f"đã gửi / sent {report.sent}, thử lại sau / retry later {report.retried}, lỗi / failed {report.failed}")


@notifications.command("contact", help="Địa chỉ nhận thư của cán bộ / an officer's email and phone.")
@click.argument("username")
@click.option("--email", default=None)
@click.option("--phone", default=None)
@friendly_errors
def notifications_contact(username: str, email: str | None, phone: str | None) -> None:
    from engine.notify.admin import set_contact

    set_contact(common.context(), username, {"email": email, "phone": phone})
    click.echo(f"{username}: {email or '—'} {phone or ''}".rstrip())
