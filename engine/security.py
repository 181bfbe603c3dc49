"""Secrets: password hashes (argon2), API tokens and lookup PINs. Nothing secret is ever stored plain."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

PIN_DIGITS = 6
TOKEN_BYTES = 32
TOKEN_PREFIX_CHARS = 8
MIN_PASSWORD_LENGTH = 8

_hasher = PasswordHasher()
# PINs are short and looked up by dossier code (rate-limited at the edge), so a cheaper argon2 is enough.
_pin_hasher = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _verify(hasher: PasswordHasher, stored: str, secret: str) -> bool:
    try:
        return hasher.verify(stored, secret)
    except (VerificationError, InvalidHashError):
        return False


def verify_password(password_hash: str, password: str) -> bool:
    return _verify(_hasher, password_hash, password)


def new_pin() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(PIN_DIGITS))


def hash_pin(pin: str) -> str:
    return _pin_hasher.hash(pin)


@lru_cache(maxsize=1)
def decoy_pin_hash() -> str:
    return hash_pin(new_pin())


def verify_pin(pin_hash: str, pin: str) -> bool:
    return _verify(_pin_hasher, pin_hash, pin)


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    """Tokens carry 256 random bits, so a fast hash is safe and lets us look them up by hash."""
    return hashlib.sha256(token.encode()).hexdigest()


def constant_time_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
