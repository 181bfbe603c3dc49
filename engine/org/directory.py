"""Organisation use cases: agencies, units, users, tokens, authentication, calendar exceptions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine.context import EngineContext
from engine.db.models import Agency, ApiToken, CalendarDay, Unit, User, UserRole
from engine.enums import Role, TokenState
from engine.errors import (
    AlreadyExists,
    AuthenticationFailed,
    Conflict,
    InvalidInput,
    InvalidState,
    NotAuthorized,
    NotFound,
)
from engine.org.actors import Actor
from engine.org.audit import audit, guarded_transaction
from engine.org.authz import Action, check_manage_user
from engine.org.passwords import check_password
from engine.org.security import TOKEN_PREFIX_CHARS, hash_password, hash_token, new_token, verify_password_or_dummy
from engine.settings import env_int

TOKEN_DAYS_ENV = "MOTCUA_TOKEN_DAYS"
DEFAULT_TOKEN_DAYS = 90
MAX_TOKEN_DAYS = 3650


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
    check_password(password, username)
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


def token_days(days: int | None = None) -> int:
    """The lifetime of a new API token: ``days``, else MOTCUA_TOKEN_DAYS, else 90 days."""
    days = env_int(TOKEN_DAYS_ENV, DEFAULT_TOKEN_DAYS) if days is None else days
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= MAX_TOKEN_DAYS:
        raise InvalidInput(f"Thời hạn của mã truy cập phải từ 1 đến {MAX_TOKEN_DAYS} ngày.",
                           message_en=f"A token's lifetime must be 1 to {MAX_TOKEN_DAYS} days.")
    return days


def issue_token(ctx: EngineContext, username: str, actor: Actor | None = None, days: int | None = None) -> str:
    """Return a new API token, valid ``days`` (default MOTCUA_TOKEN_DAYS, 90); only its hash is kept, so it is
    shown once."""
    _require_admin(actor)
    days = token_days(days)
    token = new_token()
    with ctx.db.transaction() as session:
        user = user_by_username(session, username)
        if not user.active:
            raise InvalidState(f"Tài khoản '{username}' đã bị vô hiệu hoá.", message_en=f"User '{username}' is deactivated.")
        now = ctx.now()
        session.add(ApiToken(user_id=user.id, token_hash=hash_token(token), prefix=token[:TOKEN_PREFIX_CHARS],
                             created_at=now, expires_at=now + timedelta(days=days)))
        audit(session, ctx, actor, "token_issued", username, prefix=token[:TOKEN_PREFIX_CHARS], days=days)
    return token


@dataclass(frozen=True)
class TokenInfo:
    id: int
    username: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    state: str


def _token_state(token: ApiToken, now: datetime) -> str:
    if token.revoked_at is not None:
        return TokenState.REVOKED
    if token.expires_at is None or token.expires_at <= now:
        return TokenState.EXPIRED
    return TokenState.ACTIVE


def list_tokens(ctx: EngineContext, username: str, actor: Actor | None = None) -> list[TokenInfo]:
    """A user's API tokens, newest first (prefix only: the tokens themselves are never stored)."""
    _require_admin(actor)
    with ctx.db.transaction(read_only=True) as session:
        user = user_by_username(session, username)
        now = ctx.now()
        return [TokenInfo(t.id, username, t.prefix, t.created_at, t.expires_at, t.revoked_at, _token_state(t, now))
                for t in session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                         .order_by(ApiToken.created_at.desc(), ApiToken.id.desc()))]


def revoke_tokens(ctx: EngineContext, *, token: str | None = None, prefix: str | None = None,
                  username: str | None = None, actor: Actor | None = None) -> int:
    """Revoke one token (the token itself, or the prefix ``list_tokens`` shows, narrowed to ``username`` when
    given) or, with ``username`` alone, every live token of that user. Returns how many were revoked; NotFound
    when nothing matches, Conflict when a prefix is ambiguous."""
    _require_admin(actor)
    with ctx.db.transaction() as session:
        query = select(ApiToken).where(ApiToken.revoked_at.is_(None))
        if username:
            query = query.where(ApiToken.user_id == user_by_username(session, username).id)
        if token:
            query = query.where(ApiToken.token_hash == hash_token(token))
        elif prefix:
            query = query.where(ApiToken.prefix == prefix)
        elif not username:
            raise InvalidInput("Cần mã truy cập, tiền tố của nó hoặc tên người dùng.",
                               message_en="Give a token, its prefix or a user name.")
        rows = list(session.scalars(query))
        if not rows and (token or prefix):
            raise NotFound("Không có mã truy cập còn hiệu lực khớp với yêu cầu.", message_en="No live token matches.")
        if prefix and not token and len(rows) > 1:
            raise Conflict(f"Tiền tố '{prefix}' khớp {len(rows)} mã: hãy nêu thêm tên người dùng.",
                           message_en=f"Prefix '{prefix}' matches {len(rows)} tokens: give the user name too.")
        now = ctx.now()
        for row in rows:
            row.revoked_at = now
            audit(session, ctx, actor, "token_revoked", row.user.username, prefix=row.prefix)
        return len(rows)


def end_sessions(session: Session, user: User) -> None:
    """Every browser session of ``user`` ends at its next request (they carry the old generation)."""
    user.session_generation = (user.session_generation or 0) + 1


def sign_out(ctx: EngineContext, actor: Actor) -> None:
    """Sign-out on the server: the session cookie, even if kept, no longer signs anyone in."""
    with ctx.db.transaction() as session:
        user = session.get(User, actor.id)
        if user is not None:
            end_sessions(session, user)


def set_active(ctx: EngineContext, username: str, active: bool, actor: Actor | None = None) -> None:
    """Deactivating a user ends at once their sessions and every API token; reactivating issues nothing back."""
    action = "user_activated" if active else "user_deactivated"
    with guarded_transaction(ctx, actor, Action.MANAGE_USERS, username) as session:
        user = user_by_username(session, username)
        check_manage_user(actor, session, user.agency_id)
        now = ctx.now()
        user.active = active
        if not active:
            end_sessions(session, user)
            session.execute(update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                            .values(revoked_at=now))
        audit(session, ctx, actor, action, username)


_BAD_LOGIN = AuthenticationFailed("Sai tên đăng nhập hoặc mật khẩu.", message_en="Wrong username or password.")


@dataclass(frozen=True)
class SignedIn:
    actor: Actor
    session_generation: int


def authenticate_password(ctx: EngineContext, username: str, password: str) -> Actor:
    return sign_in(ctx, username, password).actor


def sign_in(ctx: EngineContext, username: str, password: str) -> SignedIn:
    """The actor and the session generation to keep in the session. The same argon2 work for an unknown or
    inactive user as for a wrong password: timing tells nothing."""
    with ctx.db.transaction(read_only=True) as session:
        user = session.scalar(select(User).where(User.username == username))
        matches = verify_password_or_dummy(user.password_hash if user is not None else None, password)
        if user is None or not user.active or not matches:
            raise _BAD_LOGIN
        return SignedIn(Actor.of(user), user.session_generation or 0)


def authenticate_token(ctx: EngineContext, token: str) -> Actor:
    """Every API request comes through here: one indexed query for the live token (not revoked, not expired),
    its active user and roles."""
    with ctx.db.transaction(read_only=True) as session:
        rows = session.execute(
            select(User.id, User.username, User.full_name, User.agency_id, User.unit_id, UserRole.role)
            .join(ApiToken, ApiToken.user_id == User.id).outerjoin(UserRole, UserRole.user_id == User.id)
            .where(ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None),
                   ApiToken.expires_at > ctx.now(), User.active.is_(True))
        ).all()
    if not rows:
        raise AuthenticationFailed("Mã truy cập không hợp lệ.", message_en="Invalid API token.")
    user_id, username, full_name, agency_id, unit_id, _ = rows[0]
    return Actor(id=user_id, username=username, full_name=full_name, agency_id=agency_id, unit_id=unit_id,
                 roles=frozenset(Role(r.role) for r in rows if r.role is not None))


_SESSION_ENDED = AuthenticationFailed("Phiên làm việc đã kết thúc; hãy đăng nhập lại.",
                                      message_en="The session has ended; sign in again.")


def load_actor(ctx: EngineContext, user_id: int, session_generation: int | None = None) -> Actor:
    """The actor of a browser session: the user must be active and, when ``session_generation`` is given, the
    session must be of the current generation (not signed out since, not deactivated)."""
    with ctx.db.transaction(read_only=True) as session:
        user = session.get(User, user_id)
        if user is None or not user.active:
            raise AuthenticationFailed("Tài khoản không còn hiệu lực.", message_en="The account is no longer active.")
        if session_generation is not None and session_generation != (user.session_generation or 0):
            raise _SESSION_ENDED
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


