"""What every officer view shares: the engine context, the acting officer, and how a POST reports back."""

from __future__ import annotations

import unicodedata
from typing import Callable
from urllib.parse import unquote, urlsplit

from flask import current_app, flash, redirect, request, url_for

from engine.errors import MotcuaError, NotAuthorized
from engine.org.actors import Actor
from web.auth import current_actor
from web.i18n import message_of, translate


def ctx():
    return current_app.extensions["motcua"]


def actor() -> Actor:
    return current_actor()


def _has_control(text: str) -> bool:
    return any(unicodedata.category(c).startswith("C") for c in text)  # Cc (tab, newline, NUL…), Cf, Co, Cs, Cn


def safe_next(target: str | None, default: str) -> str:
    """Only a path on this site may be a redirect target, judged on its parsed form (as well as on its
    percent-decoded form, which some servers and browsers act on): no scheme, no host, one leading "/", no
    backslash, no control character (browsers drop tabs and newlines, so "/<TAB>/evil.example" would become
    "//evil.example"). Anything else falls back to ``default``."""
    if not isinstance(target, str) or not target:
        return default
    for form in (target, unquote(target)):
        if _has_control(form) or "\\" in form or not form.startswith("/") or form.startswith("//"):
            return default
        parts = urlsplit(form)
        if parts.scheme or parts.netloc:
            return default
    return target


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
