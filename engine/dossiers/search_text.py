"""The text of the dossier search, in one place: how text is folded (diacritics and case removed, so
``tran thi hoa`` finds ``Trần Thị Hoa``), what a dossier contributes to the index, and how a query becomes the
literal substrings every database searches for. Pure functions: no database, no SQL, no query syntax.

Both databases index the folded text with trigrams (SQLite FTS5 ``trigram``, PostgreSQL ``pg_trgm``), so a
search term matches any part of a word, a code, an ID or a phone number; terms shorter than a trigram are kept
with a neighbour as one phrase (``le van an`` searches ``le van an``, not ``an`` anywhere).
"""

from __future__ import annotations

import re

from engine.inputs.textfold import fold as fold_letters

MAX_QUERY = 200  # characters of a search: a name, a code, an ID number, a phone number (and a few of them)
MIN_TERM = 3  # a trigram: the shortest text a trigram index can look up
MAX_TERMS = 8  # literal phrases per search: each is one index lookup
SOURCE_DOSSIER = "dossier"  # the index row of the dossier's own data; other sources (OCR'd documents) add rows

# Letters and digits carry meaning, and the punctuation of codes, e-mail addresses and phone numbers
# (000.00.31.H11-261121-0007, an@example.vn, +84 912…); everything else separates terms.
_SEPARATORS = re.compile(r"[^\w.\-@+/]+|_+")


def fold(text: str | None) -> str:
    """The shared folding (engine.inputs.textfold: lower case, no diacritics, đ → d), then punctuation other than
    . - @ + / turned into single spaces."""
    return " ".join(_SEPARATORS.sub(" ", fold_letters(text)).split())


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def dossier_text(code: str, applicant: dict | None) -> str:
    """What a dossier's own index row holds: the applicant's name first (best match when it begins the row), the
    code, the ID number, the phone (as written and digits only) and e-mail, folded; `` | `` between fields keeps a
    phrase from running across two of them."""
    applicant = applicant or {}
    phone = str(applicant.get("phone") or "")
    parts = [applicant.get("name"), code, applicant.get("id_number"), phone,
             _digits(phone) if _digits(phone) != phone else "", applicant.get("email")]
    return " | ".join(folded for part in parts if (folded := fold(str(part or ""))))


def phrases(query: str) -> list[str]:
    """The literal phrases a query asks for (all must match, in any field): folded words, a word shorter than a
    trigram joined to its neighbour. Empty when the query holds nothing to search; a phrase can still be shorter
    than a trigram when the whole query is (the caller refuses it)."""
    words = fold(query).split()
    chunks: list[str] = []
    for word in words:
        if chunks and len(chunks[-1]) < MIN_TERM:
            chunks[-1] += " " + word
        else:
            chunks.append(word)
    if len(chunks) > 1 and len(chunks[-1]) < MIN_TERM:
        last = chunks.pop()
        chunks[-1] += " " + last
    return chunks
