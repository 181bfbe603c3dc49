"""The one rule of the hash chains (the dossiers' event logs, engine.dossiers.events, and the security audit log,
engine.org.auditchain): each link's hash is SHA-256 over a canonical JSON array of the previous link's hash and
the link's content, so editing, removing or inserting a link breaks the chain at a point a verifier names."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone

GENESIS_HASH = "0" * 64  # the "previous hash" of every chain's first link
HASH_LENGTH = len(GENESIS_HASH)


def canonical_json(value) -> str:
    """The exact text hashed: keys sorted, no spaces, UTF-8 as is, anything else by its ``str``."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def as_stored(value):
    """A JSON value as the database hands it back (a link is hashed on what verification will read)."""
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


def instant(at: datetime, *, utc: bool = False) -> str:
    """An instant as hashed, to the microsecond (``utc``: normalised first; the event log hashes the instant
    it was given, which the engine's clock already gives in UTC)."""
    return (at.astimezone(timezone.utc) if utc else at).isoformat(timespec="microseconds")


def chain_hash(prev_hash: str, *content) -> str:
    return hashlib.sha256(canonical_json([prev_hash, *content]).encode()).hexdigest()


def digest_lines(lines) -> str:
    """One SHA-256 over many lines of text, streamed (the daily digest of every dossier's chain head)."""
    hasher = hashlib.sha256()
    for line in lines:
        hasher.update(line.encode())
        hasher.update(b"\n")
    return hasher.hexdigest()
