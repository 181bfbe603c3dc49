"""``motcua calendar due | set | clear``: working time at the command line (DOMAIN §5)."""

from __future__ import annotations

from datetime import datetime, time

import click
from sqlalchemy.exc import SQLAlchemyError

from engine.cli import common
from engine.cli.common import friendly_errors
from engine.clock.calendar import LOCAL_TZ, WorkingCalendar


@click.group(help="Lịch làm việc / working calendar.")
def calendar() -> None:
    pass


def _parse_local(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"'{value}' không phải thời điểm ISO 8601 (ví dụ 2026-11-20T16:00).") from None
    return moment.replace(tzinfo=LOCAL_TZ) if moment.tzinfo is None else moment


def _parse_cutoff(value: str | None) -> time | None:
    if value is None:
        return None
    try:
        return time.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"'{value}' không phải giờ dạng HH:MM.") from None


def _calendar_for_cli() -> WorkingCalendar:
    """The configured calendar when a database exists, else the national one."""
    try:
        return common.context().calendar()
    except SQLAlchemyError:  # no database yet: holidays from the package are still exact
        return WorkingCalendar()


@calendar.command("due", help="Tính hạn theo thời gian làm việc / due instant in working time.")
@click.option("--from", "start", required=True, help="Giờ địa phương ISO 8601, ví dụ 2026-11-20T16:00.")
@click.option("--duration", required=True, help="ISO 8601 (P3D, PT4H) hoặc same_day.")
@click.option("--cutoff", default=None, help="Giờ chốt nhận hồ sơ HH:MM.")
@friendly_errors
def calendar_due(start: str, duration: str, cutoff: str | None) -> None:
    due = _calendar_for_cli().due(_parse_local(start), duration, _parse_cutoff(cutoff))
    click.echo(due.astimezone(LOCAL_TZ).isoformat(timespec="minutes"))


@calendar.command("set", help="Cấu hình ngày nghỉ/làm bù / configure an extra holiday or working day.")
@click.argument("day", type=click.DateTime(formats=["%Y-%m-%d"]))
@click.option("--holiday/--working", required=True)
@click.option("--note", default="")
@friendly_errors
def calendar_set(day: datetime, holiday: bool, note: str) -> None:
    from engine.org.directory import set_calendar_day

    set_calendar_day(common.context(), day.date(), working=not holiday, note=note)
    click.echo(f"{day.date().isoformat()}: {'nghỉ / holiday' if holiday else 'làm việc / working day'}")


@calendar.command("clear")
@click.argument("day", type=click.DateTime(formats=["%Y-%m-%d"]))
@friendly_errors
def calendar_clear(day: datetime) -> None:
    from engine.org.directory import clear_calendar_day

    clear_calendar_day(common.context(), day.date())
    click.echo(f"{day.date().isoformat()}: đã xóa cấu hình / cleared")
