"""Who is calling: a browser session (Flask-Login) or an API bearer token. Authority itself is the
engine's business (engine.org.authz); the web layer only establishes identity."""

from __future__ import annotations

from flask import current_app, g, request
from flask_login import UserMixin, current_user

from engine.errors import AuthenticationFailed
from engine.org import directory as org
from engine.org.actors import Actor
from web.extensions import login_manager


class SessionUser(UserMixin):
    def __init__(self, actor: Actor):
        self.actor = actor
        self.id = str(actor.id)


@login_manager.user_loader
def _load(user_id: str) -> SessionUser | None:
    try:
        return SessionUser(org.load_actor(engine_context(), int(user_id)))
    except (AuthenticationFailed, ValueError):
        return None


def engine_context():
    return current_app.extensions["motcua"]


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def current_actor() -> Actor:
    """The authenticated actor, or AuthenticationFailed (401)."""
    if "actor" in g:
        return g.actor
    token = bearer_token()
    if token:
        g.actor = org.authenticate_token(engine_context(), token)
    elif current_user.is_authenticated:
        g.actor = current_user.actor
    else:
        raise AuthenticationFailed("Cần đăng nhập.", message_en="Authentication required.")
    return g.actor


def optional_actor() -> Actor | None:
    try:
        return current_actor()
    except AuthenticationFailed:
        return None
