"""Secrets: password hashes (argon2), API tokens, lookup PINs and the server key. Nothing secret is ever
stored plain."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import time
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

PIN_DIGITS = 8  # 26.6 bits (6 until 2026-11: those PINs still verify, any length does)
TOKEN_BYTES = 32
TOKEN_PREFIX_CHARS = 8

SECRET_FILE = Path("var") / "secret_key"
PIN_HASH_PREFIX = "pin1$"
LEGACY_PIN_PREFIX = "$argon2"

_hasher = PasswordHasher()
_legacy_pin_hasher = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)


def server_secret() -> str:
    """MOTCUA_SECRET_KEY, else a key generated once and kept under var/ (never in the repository). Every server,
    worker and CLI of one deployment must share it: it signs sessions and keys the PIN hashes."""
    if key := os.environ.get("MOTCUA_SECRET_KEY"):
        return key
    SECRET_FILE.parent.mkdir(parents=True, exist_ok=True)
    try:  # O_EXCL: several worker processes starting at once agree on the first key written
        fd = os.open(SECRET_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    for _ in range(50):  # another process may have created the file and not yet written it
        if key := SECRET_FILE.read_text().strip():
            return key
        time.sleep(0.01)
    raise RuntimeError(f"{SECRET_FILE} is empty")


@lru_cache(maxsize=4)
def _pin_key(secret: str) -> bytes:
    return hmac.new(secret.encode(), b"motcua lookup PIN v1", hashlib.sha256).digest()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _verify(hasher: PasswordHasher, stored: str, secret: str) -> bool:
    try:
        return hasher.verify(stored, secret)
    except (VerificationError, InvalidHashError):
        return False


def verify_password(password_hash: str, password: str) -> bool:
    return _verify(_hasher, password_hash, password)


@lru_cache(maxsize=1)
def _dummy_password_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(24))


def verify_password_or_dummy(password_hash: str | None, password: str) -> bool:
    """The same argon2 work whether or not the user exists (``password_hash`` None): a wrong user name and a
    wrong password take equally long, so timing does not list user names."""
    if password_hash is None:
        _verify(_hasher, _dummy_password_hash(), password)
        return False
    return _verify(_hasher, password_hash, password)


def new_pin() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(PIN_DIGITS))


def hash_pin(code: str, pin: str) -> str:
    """A PIN has 20 bits: no slow hash keeps it from an offline guesser holding the database, a key held outside
    the database does. So: HMAC-SHA256 under a key derived from the server secret, bound to the dossier code
    (equal PINs hash apart); online guessing is stopped by the lookup rate limit. Microseconds, not the
    milliseconds argon2 spent on every citizen lookup."""
    digest = hmac.new(_pin_key(server_secret()), f"{code}:{pin}".encode(), hashlib.sha256).hexdigest()
    return PIN_HASH_PREFIX + digest


def decoy_pin_hash() -> str:
    return PIN_HASH_PREFIX + "0" * 64


def verify_pin(pin_hash: str, code: str, pin: str) -> bool:
    if pin_hash.startswith(LEGACY_PIN_PREFIX):  # dossiers received before keyed PIN hashes
        return _verify(_legacy_pin_hasher, pin_hash, pin)
    return hmac.compare_digest(pin_hash, hash_pin(code, pin))


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    """Tokens carry 256 random bits, so a fast hash is safe and lets us look them up by hash."""
    return hashlib.sha256(token.encode()).hexdigest()


def constant_time_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
