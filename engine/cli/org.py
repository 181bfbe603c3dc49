"""``motcua agencies | units | users | tokens``: the organisation at the command line."""

from __future__ import annotations

import click

from engine.cli import common
from engine.cli.common import friendly_errors
from engine.clock.calendar import LOCAL_TZ


@click.group(help="Cơ quan / agencies.")
def agencies() -> None:
    pass


@agencies.command("add")
@click.argument("code")
@click.option("--name", required=True)
@click.option("--level", required=True, help="province, commune, …")
@click.option("--parent", "parent", default=None, help="Mã cơ quan cấp trên / parent agency code.")
@friendly_errors
def agencies_add(code: str, name: str, level: str, parent: str | None) -> None:
    from engine.org.directory import add_agency

    add_agency(common.context(), code, name, level, parent)
    click.echo(f"Đã thêm cơ quan / agency added: {code}")


@click.group(help="Đơn vị / units.")
def units() -> None:
    pass


@units.command("add")
@click.argument("code")
@click.option("--agency", required=True)
@click.option("--name", required=True)
@friendly_errors
def units_add(code: str, agency: str, name: str) -> None:
    from engine.org.directory import add_unit

    add_unit(common.context(), code, agency, name)
    click.echo(f"Đã thêm đơn vị / unit added: {agency}/{code}")


@click.group(help="Người dùng / users.")
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
    from engine.org.directory import add_user

    add_user(common.context(), username, agency, list(roles), password, unit_code=unit, full_name=full_name)
    click.echo(f"Đã thêm người dùng / user added: {username}")


@users.command("deactivate", help="Vô hiệu hoá người dùng: kết thúc mọi phiên và thu hồi mọi mã truy cập / "
                                  "deactivate a user: ends every session and revokes every API token.")
@click.argument("username")
@friendly_errors
def users_deactivate(username: str) -> None:
    from engine.org.directory import set_active

    set_active(common.context(), username, False)
    click.echo(f"Đã vô hiệu hoá người dùng / user deactivated: {username}")


@users.command("activate", help="Kích hoạt lại người dùng (không khôi phục mã truy cập) / reactivate a user "
                                "(tokens are not restored).")
@click.argument("username")
@friendly_errors
def users_activate(username: str) -> None:
    from engine.org.directory import set_active

    set_active(common.context(), username, True)
    click.echo(f"Đã kích hoạt lại người dùng / user reactivated: {username}")


@click.group(help="Mã truy cập API / API tokens.")
def tokens() -> None:
    pass


@tokens.command("issue", help="Cấp mã truy cập mới (in ra một lần) / issue a new API token (printed once).")
@click.argument("username")
@click.option("--days", type=int, default=None, help="Thời hạn (ngày; mặc định MOTCUA_TOKEN_DAYS hoặc 90) / "
                                                     "lifetime in days.")
@friendly_errors
def tokens_issue(username: str, days: int | None) -> None:
    from engine.org.directory import issue_token

    click.echo(issue_token(common.context(), username, days=days))


@tokens.command("list", help="Các mã truy cập của người dùng / a user's API tokens.")
@click.argument("username")
@friendly_errors
def tokens_list(username: str) -> None:
    from engine.enums import TOKEN_STATE_LABELS_VI
    from engine.org.directory import list_tokens

    rows = list_tokens(common.context(), username)
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
    from engine.org.directory import revoke_tokens
    from engine.org.security import TOKEN_PREFIX_CHARS

    if every == bool(token_or_prefix) or (every and not username):
        raise click.UsageError("Cần TOKEN_OR_PREFIX, hoặc --user NAME --all / give TOKEN_OR_PREFIX, or --user NAME --all.")
    if every:
        count = revoke_tokens(common.context(), username=username)
    elif len(token_or_prefix) > TOKEN_PREFIX_CHARS:
        count = revoke_tokens(common.context(), token=token_or_prefix, username=username)
    else:
        count = revoke_tokens(common.context(), prefix=token_or_prefix, username=username)
    click.echo(f"Đã thu hồi {count} mã truy cập / {count} token(s) revoked")
