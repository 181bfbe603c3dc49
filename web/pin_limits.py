"""The request budgets of every route that tests a citizen's lookup PIN, configured once: one budget per client
address and one per dossier code, each SHARED by all those routes (the lookup page and API, online
supplementation by page and API), so guessing cannot add up the budgets of several routes. The lock-out after
consecutive wrong PINs on one code is the engine's (engine.dossiers.pin_guard)."""

from __future__ import annotations

import hashlib
from typing import Callable

from flask import current_app, request
from flask_limiter.util import get_remote_address

from web.extensions import limiter

ADDRESS_SCOPE = "pin-address"
CODE_SCOPE = "pin-code"


def _code_key() -> str:
    """The dossier code the request tests a PIN on (path, query or form), hashed: any text makes a safe key."""
    code = (request.view_args or {}).get("code") or request.values.get("code") or ""
    return "code:" + hashlib.sha256(code.strip().encode("utf-8", "replace")).hexdigest()[:32]


_by_address = limiter.shared_limit(lambda: current_app.config["LOOKUP_RATE_LIMIT"], scope=ADDRESS_SCOPE,
                                   key_func=get_remote_address)
_by_code = limiter.shared_limit(lambda: current_app.config["PIN_CODE_RATE_LIMIT"], scope=CODE_SCOPE,
                                key_func=_code_key)


def pin_limited(view: Callable) -> Callable:
    """Both shared budgets on a view that tests a PIN."""
    return _by_address(_by_code(view))

