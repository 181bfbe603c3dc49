"""What every officer view shares: the engine context, the acting officer, and how a POST reports back."""

from __future__ import annotations

from typing import Callable

from flask import current_app, flash, redirect, request, url_for

from engine.errors import MotcuaError, NotAuthorized
from engine.org.actors import Actor
from web.auth import current_actor
from web.i18n import message_of, translate


def ctx():
    return current_app.extensions["motcua"]


def actor() -> Actor:
    return current_actor()


def safe_next(target: str | None, default: str) -> str:
    """Only a path on this site (never another host) may be a redirect target."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


def attempt(call: Callable[[], object]) -> tuple[bool, object]:
    """Run ONE engine use case for a POST: (True, its result), or (False, None) with its error flashed in the
    user's language. NotAuthorized is not a flash: it becomes the 403 page."""
    try:
        return True, call()
    except NotAuthorized:
        raise
    except MotcuaError as error:
        flash(message_of(error), "error")
        return False, None


def run_action(call: Callable[[], object], success: str | Callable[[object], str], back: str):
    """``attempt`` the use case, flash its result and go back."""
    done, result = attempt(call)
    if done:
        flash(success(result) if callable(success) else translate(success), "success")
    return redirect(back)


def back_to_dossier(code: str) -> str:
    return url_for("officer.dossier", code=code)


def form_text(name: str) -> str:
    return (request.form.get(name) or "").strip()
