"""``motcua agencies | units | users | tokens``: the organisation at the command line."""

from __future__ import annotations

import click

from engine.cli import common
from engine.cli.common import friendly_errors


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


@click.group(help="Mã truy cập API / API tokens.")
def tokens() -> None:
    pass


@tokens.command("issue")
@click.argument("username")
@friendly_errors
def tokens_issue(username: str) -> None:
    from engine.org.directory import issue_token

    click.echo(issue_token(common.context(), username))
