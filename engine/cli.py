"""The ``motcua`` command line (scripts and administrators rely on these exact forms)."""

from __future__ import annotations

import logging
import sys
from datetime import datetime, time
from functools import wraps
from pathlib import Path

import click
from sqlalchemy.exc import SQLAlchemyError

from engine.calendar import LOCAL_TZ, WorkingCalendar
from engine.context import EngineContext
from engine.db.migrate import upgrade
from engine.db.session import Database
from engine.errors import MotcuaError

DEFAULT_PROCESSES_DIR = Path(__file__).resolve().parent.parent / "processes"


def _ctx() -> EngineContext:
    return EngineContext(Database())


def friendly_errors(func):
    """Domain errors end the command with their message and exit status 1, never a traceback."""

    @wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except MotcuaError as err:
            click.echo(f"Lỗi: {err.message}", err=True)
            if err.message_en != err.message:
                click.echo(f"Error: {err.message_en}", err=True)
            for detail in err.details if isinstance(err.details, list) else []:
                click.echo(f"  - {detail}", err=True)
            sys.exit(1)

    return wrapper


@click.group(help="motcua — quy trình một cửa theo ISO 9001 / one-stop-shop procedures engine.")
def cli() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("engine").setLevel(logging.INFO)


@cli.command(help="Tạo hoặc nâng cấp cơ sở dữ liệu / create or upgrade the database.")
def init() -> None:
    db = Database()
    upgrade(db)
    click.echo(f"Cơ sở dữ liệu đã sẵn sàng / database ready: {db.engine.url.render_as_string(hide_password=True)}")


@cli.group(help="Thủ tục hành chính / procedure packages.")
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
    from engine.publishing import publish

    ctx = _ctx()
    for path in paths:
        result = publish(ctx, path, note=note)
        state = "đã ban hành / published" if result.created else "không đổi / unchanged"
        click.echo(f"{result.code} ({result.slug}) v{result.number} {result.content_hash[:12]} — {state}")


@cli.group(help="Cơ quan / agencies.")
def agencies() -> None:
    pass


@agencies.command("add")
@click.argument("code")
@click.option("--name", required=True)
@click.option("--level", required=True, help="province, commune, …")
@click.option("--parent", "parent", default=None, help="Mã cơ quan cấp trên / parent agency code.")
@friendly_errors
def agencies_add(code: str, name: str, level: str, parent: str | None) -> None:
    from engine.org import add_agency

    add_agency(_ctx(), code, name, level, parent)
    click.echo(f"Đã thêm cơ quan / agency added: {code}")


@cli.group(help="Đơn vị / units.")
def units() -> None:
    pass


@units.command("add")
@click.argument("code")
@click.option("--agency", required=True)
@click.option("--name", required=True)
@friendly_errors
def units_add(code: str, agency: str, name: str) -> None:
    from engine.org import add_unit

    add_unit(_ctx(), code, agency, name)
    click.echo(f"Đã thêm đơn vị / unit added: {agency}/{code}")


@cli.group(help="Người dùng / users.")
def users() -> None:
    pass


@users.command("add")
@click.argument("username")
@click.option("--agency", required=True)
@click.option("--unit", default=None)
@click.option("--role", "roles", multiple=True, required=True)
@click.option("--password", required=True)
@click.option("--full-name", default="")
@friendly_errors
def users_add(username: str, agency: str, unit: str | None, roles: tuple[str, ...], password: str, full_name: str) -> None:
    from engine.org import add_user

    add_user(_ctx(), username, agency, list(roles), password, unit_code=unit, full_name=full_name)
    click.echo(f"Đã thêm người dùng / user added: {username}")


@users.command("deactivate", help="Vô hiệu hoá người dùng: kết thúc mọi phiên và thu hồi mọi mã truy cập / "
                                  "deactivate a user: ends every session and revokes every API token.")
@click.argument("username")
@friendly_errors
def users_deactivate(username: str) -> None:
    from engine.org import set_active

    set_active(_ctx(), username, False)
    click.echo(f"Đã vô hiệu hoá người dùng / user deactivated: {username}")


@users.command("activate", help="Kích hoạt lại người dùng (không khôi phục mã truy cập) / reactivate a user "
                                "(tokens are not restored).")
@click.argument("username")
@friendly_errors
def users_activate(username: str) -> None:
    from engine.org import set_active

    set_active(_ctx(), username, True)
    click.echo(f"Đã kích hoạt lại người dùng / user reactivated: {username}")


@cli.group(help="Mã truy cập API / API tokens.")
def tokens() -> None:
    pass


@tokens.command("issue", help="Cấp mã truy cập mới (in ra một lần) / issue a new API token (printed once).")
@click.argument("username")
@click.option("--days", type=int, default=None, help="Thời hạn (ngày; mặc định MOTCUA_TOKEN_DAYS hoặc 90) / "
                                                     "lifetime in days.")
@friendly_errors
def tokens_issue(username: str, days: int | None) -> None:
    from engine.org import issue_token

    click.echo(issue_token(_ctx(), username, days=days))


@tokens.command("list", help="Các mã truy cập của người dùng / a user's API tokens.")
@click.argument("username")
@friendly_errors
def tokens_list(username: str) -> None:
    from engine.enums import TOKEN_STATE_LABELS_VI
    from engine.org import list_tokens

    rows = list_tokens(_ctx(), username)
    if not rows:
        click.echo(f"Không có mã truy cập / no tokens: {username}")
    for t in rows:
        expires = t.expires_at.astimezone(LOCAL_TZ).isoformat(timespec="minutes") if t.expires_at else "-"
        click.echo(f"{t.prefix}  {TOKEN_STATE_LABELS_VI[t.state]} / {t.state}  "
                   f"cấp / issued {t.created_at.astimezone(LOCAL_TZ).isoformat(timespec='minutes')}  "
                   f"hết hạn / expires {expires}")


@tokens.command("revoke", help="Thu hồi mã truy cập: theo mã, tiền tố (tokens list) hoặc mọi mã của người dùng / "
                               "revoke a token by itself or its prefix, or every token of a user (--user, --all).")
@click.argument("token_or_prefix", required=False)
@click.option("--user", "username", default=None, help="Tên người dùng / user name.")
@click.option("--all", "every", is_flag=True, help="Mọi mã còn hiệu lực của người dùng / every live token of --user.")
@friendly_errors
def tokens_revoke(token_or_prefix: str | None, username: str | None, every: bool) -> None:
    from engine.org import revoke_tokens
    from engine.security import TOKEN_PREFIX_CHARS

    if every == bool(token_or_prefix) or (every and not username):
        raise click.UsageError("Cần TOKEN_OR_PREFIX, hoặc --user NAME --all / give TOKEN_OR_PREFIX, or --user NAME --all.")
    if every:
        count = revoke_tokens(_ctx(), username=username)
    elif len(token_or_prefix) > TOKEN_PREFIX_CHARS:
        count = revoke_tokens(_ctx(), token=token_or_prefix, username=username)
    else:
        count = revoke_tokens(_ctx(), prefix=token_or_prefix, username=username)
    click.echo(f"Đã thu hồi {count} mã truy cập / {count} token(s) revoked")


@cli.group(help="Lịch làm việc / working calendar.")
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
        return _ctx().calendar()
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
    from engine.org import set_calendar_day

    set_calendar_day(_ctx(), day.date(), working=not holiday, note=note)
    click.echo(f"{day.date().isoformat()}: {'nghỉ / holiday' if holiday else 'làm việc / working day'}")


@calendar.command("clear")
@click.argument("day", type=click.DateTime(formats=["%Y-%m-%d"]))
@friendly_errors
def calendar_clear(day: datetime) -> None:
    from engine.org import clear_calendar_day

    clear_calendar_day(_ctx(), day.date())
    click.echo(f"{day.date().isoformat()}: đã xóa cấu hình / cleared")


@cli.command(help="Tạo dữ liệu mẫu / seed the demo organisation and publish processes/.")
@click.option("--processes", "processes_dir", default=str(DEFAULT_PROCESSES_DIR),
              type=click.Path(exists=True, file_okay=False, path_type=Path))
@friendly_errors
def demo(processes_dir: Path) -> None:
    from engine.demo import seed

    ctx = _ctx()
    upgrade(ctx.db)
    password, users_, publications = seed(ctx, processes_dir)
    for pub in publications:
        click.echo(f"Thủ tục / procedure {pub.code} ({pub.slug}) v{pub.number}")
    click.echo("\nTài khoản mẫu (chỉ dùng để thử) / demo accounts (demo only):")
    for user in users_:
        click.echo(f"  {user.username:<28} {','.join(r.value for r in user.roles):<12} {user.agency} {user.unit or ''}")
    click.echo(f"\nMật khẩu chung / shared demo password: {password}")


@cli.command("demo-walk", help="Chạy thử một hồ sơ qua mọi bước / walk one demo dossier through every step.")
@click.option("--procedure", "procedure_code", default="1.001193", show_default=True)
@click.option("--desk", default="xa.motcua", show_default=True, help="Cán bộ một cửa tiếp nhận / receiving desk officer.")
@friendly_errors
def demo_walk(procedure_code: str, desk: str) -> None:
    from engine.actors import Actor
    from engine.org import user_by_username
    from engine.walkthrough import walk

    ctx = _ctx()
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


@cli.command(help="Vòng quét thời hạn / the timer sweep loop.")
@click.option("--interval", default=30.0, show_default=True, help="Giây giữa hai lần quét / seconds between sweeps.")
@click.option("--once", is_flag=True, help="Quét một lần rồi thoát / sweep once and exit.")
@friendly_errors
def worker(interval: float, once: bool) -> None:
    from engine.escalation import OversightSettings
    from engine.notify.delivery import RetryPolicy, deliver_due
    from engine.notify.senders import senders_from_env
    from engine.sweep import run_worker, sweep

    ctx = _ctx()
    OversightSettings.from_env(), RetryPolicy.from_env()  # a bad MOTCUA_* setting stops here, with its name
    senders = senders_from_env()
    if once:
        click.echo(str(sweep(ctx)))
        click.echo(str(deliver_due(ctx, senders)))
        return
    run_worker(ctx, interval=interval, senders=senders)


@cli.group(help="Kiểm tra hồ sơ lưu vết / audit.")
def audit() -> None:
    pass


@audit.command("verify", help="Kiểm tra chuỗi băm của mọi hồ sơ / check every dossier's hash chain.")
def audit_verify() -> None:
    from engine.integrity import verify_all

    broken, checked = verify_all(_ctx())
    for link in broken:
        click.echo(f"✗ {link}")
    click.echo(f"{checked} hồ sơ đã kiểm tra / dossiers checked, {len(broken)} liên kết hỏng / broken links")
    sys.exit(1 if broken else 0)


from engine.notify.cli import notifications  # noqa: E402  (its own module; registered here)
from engine.kpis.cli import kpi as kpi_commands  # noqa: E402

cli.add_command(notifications)
cli.add_command(kpi_commands)  # motcua kpi rebuild (engine/kpis/cli.py)


@cli.command("check", help="Đối chiếu trạng thái quy trình với hộp việc và thời hạn / check every dossier's "
                           "workflow state against its inbox rows, deadlines and sweep events.")
def check() -> None:
    from engine.integrity import check_all

    report = check_all(_ctx())
    for problem in report.problems:
        click.echo(f"✗ {problem}")
    click.echo(f"{report.checked} hồ sơ đã kiểm tra / dossiers checked ({report.workflows_loaded} quy trình / "
               f"workflows loaded), {len(report.problems)} sai lệch / inconsistencies")
    sys.exit(0 if report.ok else 1)


def main() -> None:
    cli(prog_name="motcua")




from engine import cli_designer  # noqa: E402,F401  (procedures export / import / migrate register on the group)
