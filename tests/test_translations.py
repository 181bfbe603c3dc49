"""The English switch covers the whole interface: every Vietnamese string a template passes to t(…) or a view
to translate(…) has its English in web/translations/en.toml."""

from __future__ import annotations

import re
from pathlib import Path

from web.i18n import EN

WEB = Path(__file__).resolve().parent.parent / "web"
LITERAL = r"""\(\s*(?:"([^"]+)"|'([^']+)')"""
CALLS = {"templates": (re.compile(r"\bt" + LITERAL), "*.html"), ".": (re.compile(r"\btranslate" + LITERAL), "*.py")}


def _used() -> set[tuple[str, str]]:
    found = set()
    for folder, (pattern, glob) in CALLS.items():
        for path in (WEB / folder).rglob(glob):
            for match in pattern.finditer(path.read_text("utf-8")):
                found.add((str(path.relative_to(WEB)), match.group(1) or match.group(2)))
    return found


def test_every_interface_string_has_its_english():
    used = _used()
    assert len(used) > 300  # the scan does find the templates' strings
    assert sorted(text for text in used if text[1] not in EN) == []


def test_the_table_is_text_to_text():
    assert all(isinstance(k, str) and isinstance(v, str) and k and v for k, v in EN.items())


def test_every_event_kind_has_a_vietnamese_label_with_its_english():
    """The dossier timeline never shows a raw event code (``file_attached``) to an officer or a citizen."""
    from engine.enums import EventKind
    from web.display import EVENT_LABELS_VI

    assert set(EVENT_LABELS_VI) == set(EventKind)
    assert [label for label in EVENT_LABELS_VI.values() if label not in EN] == []
