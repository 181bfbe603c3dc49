"""Whole numbers from the environment (MOTCUA_*): one parse and one clear error for a bad value, instead of a
traceback from int() when a server starts."""

from __future__ import annotations

import os
from typing import Mapping

from engine.errors import InvalidInput


def env_int(name: str, default: int, *, minimum: int = 1, env: Mapping[str, str] | None = None) -> int:
    """``env[name]`` as an integer of at least ``minimum``; ``default`` when unset or empty."""
    raw = ((os.environ if env is None else env).get(name) or "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < minimum:
        raise InvalidInput(f"{name} phải là số nguyên ≥ {minimum}, nhận được '{raw}'.",
                           message_en=f"{name} must be a whole number ≥ {minimum}, got '{raw}'.")
    return int(raw)
