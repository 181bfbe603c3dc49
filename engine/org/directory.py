"""Organisation use cases: agencies, units, users, tokens, authentication, calendar exceptions."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.context import EngineContext
from engine.db.models import Agency, ApiToken, CalendarDay, Unit, User, UserRole
from engine.enums import Role
from engine.errors import AlreadyExists, AuthenticationFailed, InvalidInput, NotAuthorized, NotFound
from engine.org.actors import Actor
from engine.org.audit import audit
from engine.org.security import (
    MIN_PASSWORD_LENGTH,
    TOKEN_PREFIX_CHARS,
    hash_password,
    hash_token,
    new_token,
    verify_password,
)


def _require_admin(actor: Actor | None) -> None:
    """None means the command line run by the server's operator; from the web only admins manage."""
    if actor is not None and not actor.has(Role.ADMIN):
        raise NotAuthorized("Chỉ quản trị hệ thống được quản lý tổ chức.", message_en="Only administrators manage the organisation.")


def agency_by_code(session: Session, code: str) -> Agency:
    agency = session.scalar(select(Agency).where(Agency.code == code))
    if agency is None:
        raise NotFound(f"Không có cơ quan mã '{code}'.", message_en=f"No agency with code '{code}'.")
    return agency


def unit_by_code(session: Session, agency: Agency, code: str) -> Unit:
    unit = session.scalar(select(Unit).where(Unit.agency_id == agency.id, Unit.code == code))
    if unit is None:
        raise NotFound(f"Cơ quan '{agency.code}' không có đơn vị mã '{code}'.",
                       message_en=f"Agency '{agency.code}' has no unit with code '{code}'.")
    return unit


def user_by_username(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"Không có người dùng '{username}'.", message_en=f"No user '{username}'.")
    return user


def add_agency(ctx: EngineContext, code: str, name: str, level: str, parent_code: str | None = None,
               actor: Actor | None = None) -> int:
    _require_admin(actor)
    if not code.strip() or not name.strip() or not level.strip():
        raise InvalidInput("Mã, tên và cấp của cơ quan là bắt buộc.", message_en="Agency code, name and level are required.")
    with ctx.db.transaction() as session:
        if session.scalar(select(Agency.id).where(Agency.code == code)):
            raise AlreadyExists(f"Đã có cơ quan mã '{code}'.", message_en=f"Agency '{code}' already exists.")
        parent = agency_by_code(session, parent_code) if parent_code else None
        agency = Agency(code=code, name=name, level=level, parent_id=parent.id if parent else None, created_at=ctx.now())
        session.add(agency)
        session.flush()
        audit(session, ctx, actor, "agency_added", code, name=name, level=level, parent=parent_code)
        return agency.id


def add_unit(ctx: EngineContext, code: str, agency_code: str, name: str, actor: Actor | None = None) -> int:
    _require_admin(actor)
    with ctx.db.transaction() as session:
        agency = agency_by_code(session, agency_code)
        if session.scalar(select(Unit.id).where(Unit.agency_id == agency.id, Unit.code == code)):
            raise AlreadyExists(f"Cơ quan '{agency_code}' đã có đơn vị '{code}'.",
                                message_en=f"Agency '{agency_code}' already has unit '{code}'.")
        unit = Unit(agency_id=agency.id, code=code, name=name)
        session.add(unit)
        session.flush()
        audit(session, ctx, actor, "unit_added", f"{agency_code}/{code}", name=name)
        return unit.id


def parse_roles(roles: list[str]) -> list[Role]:
    parsed = []
    for role in roles:
        try:
            parsed.append(Role(role))
        except ValueError:
            raise InvalidInput(
                f"Vai trò '{role}' không tồn tại; các vai trò: {', '.join(r.value for r in Role)}.",
                message_en=f"Unknown role '{role}'; roles are: {', '.join(r.value for r in Role)}.",
            ) from None
    if not parsed:
        raise InvalidInput("Cần ít nhất một vai trò.", message_en="At least one role is required.")
    return parsed


def add_user(ctx: EngineContext, username: str, agency_code: str, roles: list[str], password: str,
             unit_code: str | None = None, full_name: str = "", actor: Actor | None = None) -> int:
    _require_admin(actor)
    parsed = parse_roles(roles)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"Mật khẩu phải có ít nhất {MIN_PASSWORD_LENGTH} ký tự.",
                           message_en=f"Passwords need at least {MIN_PASSWORD_LENGTH} characters.")
    with ctx.db.transaction() as session:
        if session.scalar(select(User.id).where(User.username == username)):
            raise AlreadyExists(f"Đã có người dùng '{username}'.", message_en=f"User '{username}' already exists.")
        agency = agency_by_code(session, agency_code)
        unit = unit_by_code(session, agency, unit_code) if unit_code else None
        user = User(username=username, full_name=full_name or username, agency_id=agency.id,
                    unit_id=unit.id if unit else None, password_hash=hash_password(password), created_at=ctx.now(),
                    roles=[UserRole(role=r.value) for r in dict.fromkeys(parsed)])
        session.add(user)
        session.flush()
        audit(session, ctx, actor, "user_added", username, agency=agency_code, unit=unit_code, roles=[r.value for r in parsed])
        return user.id


def issue_token(ctx: EngineContext, username: str, actor: Actor | None = None) -> str:
    """Return a new API token; only its hash is kept, so it is shown once."""
    _require_admin(actor)
    token = new_token()
    with ctx.db.transaction() as session:
        user = user_by_username(session, username)
        session.add(ApiToken(user_id=user.id, token_hash=hash_token(token), prefix=token[:TOKEN_PREFIX_CHARS],
                             created_at=ctx.now()))
        audit(session, ctx, actor, "token_issued", username, prefix=token[:TOKEN_PREFIX_CHARS])
    return token


_BAD_LOGIN = AuthenticationFailed("Sai tên đăng nhập hoặc mật khẩu.", message_en="Wrong username or password.")


def authenticate_password(ctx: EngineContext, username: str, password: str) -> Actor:
    with ctx.db.transaction(read_only=True) as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None or not user.active or not verify_password(user.password_hash, password):
            raise _BAD_LOGIN
        return Actor.of(user)


def authenticate_token(ctx: EngineContext, token: str) -> Actor:
    """Every API request comes through here: one indexed query for the live token, its user and roles."""
    with ctx.db.transaction(read_only=True) as session:
        rows = session.execute(
            select(User.id, User.username, User.full_name, User.agency_id, User.unit_id, UserRole.role)
            .join(ApiToken, ApiToken.user_id == User.id).outerjoin(UserRole, UserRole.user_id == User.id)
            .where(ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None), User.active.is_(True))
        ).all()
    if not rows:
        raise AuthenticationFailed("Mã truy cập không hợp lệ.", message_en="Invalid API token.")
    user_id, username, full_name, agency_id, unit_id, _ = rows[0]
    return Actor(id=user_id, username=username, full_name=full_name, agency_id=agency_id, unit_id=unit_id,
                 roles=frozenset(Role(r.role) for r in rows if r.role is not None))


def load_actor(ctx: EngineContext, user_id: int) -> Actor:
    with ctx.db.transaction(read_only=True) as session:
        user = session.get(User, user_id)
        if user is None or not user.active:
            raise AuthenticationFailed("Tài khoản không còn hiệu lực.", message_en="The account is no longer active.")
        return Actor.of(user)


def set_calendar_day(ctx: EngineContext, day: date, working: bool, note: str = "", actor: Actor | None = None) -> None:
    """Configure an extra holiday (working=False) or an extra working day (working=True)."""
    _require_admin(actor)
    with ctx.db.transaction() as session:
        row = session.get(CalendarDay, day)
        if row is None:
            session.add(CalendarDay(day=day, working=working, note=note, revision=0))
        else:
            row.working, row.note, row.revision = working, note, row.revision + 1
        audit(session, ctx, actor, "calendar_day_set", day.isoformat(), working=working, note=note)
    ctx.invalidate_calendar()


def clear_calendar_day(ctx: EngineContext, day: date, actor: Actor | None = None) -> None:
    _require_admin(actor)
    with ctx.db.transaction() as session:
        row = session.get(CalendarDay, day)
        if row is None:
            raise NotFound(f"Ngày {day.isoformat()} chưa được cấu hình.", message_en=f"{day.isoformat()} is not configured.")
        session.delete(row)
        audit(session, ctx, actor, "calendar_day_cleared", day.isoformat())
    ctx.invalidate_calendar()


