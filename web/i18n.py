"""Vietnamese first, English on request: UI strings are written in Vietnamese in the templates and
looked up for the English switch in one table, web/translations/en.toml, where translators work."""

from __future__ import annotations

import tomllib
from pathlib import Path

from flask import session

LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"
EN: dict[str, str] = tomllib.loads((Path(__file__).parent / "translations" / "en.toml").read_text("utf-8"))


def current_language() -> str:
    """Vietnamese unless the user chose English with the switch (the users' language comes first)."""
    lang = session.get("lang", DEFAULT_LANGUAGE)
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def translate(text: str) -> str:
    """The English text when the user chose English and a translation exists; otherwise Vietnamese."""
    if current_language() == "en":
        return EN.get(text, text)
    return text


def message_of(error) -> str:
    """A domain error's message in the user's language."""
    return error.message_en if current_language() == "en" else error.message
