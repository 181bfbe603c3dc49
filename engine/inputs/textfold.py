"""The one way to compare Vietnamese text for search (the citizens' catalogue, the officers' search): without
diacritics and case, so that "dang ky khai sinh" finds "Đăng ký khai sinh". Shared: imports nothing of the rooms."""

from __future__ import annotations

import unicodedata

# Letters NFD does not decompose: đ is a letter of its own in Vietnamese; the rest are what a foreign name may hold.
_SPECIAL = str.maketrans({"đ": "d", "Đ": "d", "ð": "d", "Ð": "d", "ø": "o", "Ø": "o", "ł": "l", "Ł": "l", "ß": "ss",
                          "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe"})


def fold(text: str | None) -> str:
    """Lower case, without marks (NFD, combining marks dropped), đ → d, runs of white space as one space."""
    decomposed = unicodedata.normalize("NFD", (text or "").translate(_SPECIAL))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(unicodedata.normalize("NFC", bare).casefold().split())


def words(text: str | None) -> list[str]:
    """The folded words of a query (each must occur in what it searches)."""
    return fold(text).split()
