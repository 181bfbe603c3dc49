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
    """The session keeps "<user id>:<session generation>": a sign-out, a deactivation (anything that bumps the
    user's generation on the server) ends every session still holding the old one."""

    def __init__(self, actor: Actor, session_generation: int):
        self.actor = actor
        self.session_generation = session_generation
        self.id = f"{actor.id}:{session_generation}"


@login_manager.user_loader
def _load(session_id: str) -> SessionUser | None:
    user_id, sep, generation = session_id.partition(":")
    if not sep:
        return None  # a session from before generations: signed out
    try:
        return SessionUser(org.load_actor(engine_context(), int(user_id), int(generation)), int(generation))
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
