"""Lookup PINs: keyed by the server secret and bound to the dossier code; legacy argon2 hashes still verify."""

from __future__ import annotations

from argon2 import PasswordHasher

from engine.org import security
from engine.org.security import PIN_HASH_PREFIX, decoy_pin_hash, hash_pin, verify_pin


def test_pin_hash_is_keyed_and_bound_to_the_code(monkeypatch):
    stored = hash_pin("000.00.31.H99-261207-0001", "123456")
    assert stored.startswith(PIN_HASH_PREFIX) and "123456" not in stored
    assert verify_pin(stored, "000.00.31.H99-261207-0001", "123456")
    assert not verify_pin(stored, "000.00.31.H99-261207-0001", "123457")
    assert not verify_pin(stored, "000.00.31.H99-261207-0002", "123456")  # same PIN, another dossier
    assert hash_pin("000.00.31.H99-261207-0002", "123456") != stored
    monkeypatch.setenv("MOTCUA_SECRET_KEY", "another deployment")
    assert not verify_pin(stored, "000.00.31.H99-261207-0001", "123456")  # without the key, no match


def test_decoy_matches_no_pin():
    assert not verify_pin(decoy_pin_hash(), "X", "000000")


def test_pins_hashed_with_argon2_before_the_change_still_verify():
    legacy = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash("654321")
    assert legacy.startswith(security.LEGACY_PIN_PREFIX)
    assert verify_pin(legacy, "any-code", "654321")
    assert not verify_pin(legacy, "any-code", "654320")
