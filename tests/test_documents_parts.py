"""Dossier parts in procedure.toml (issue 18): [[parts]] and [[results]], required_documents as required parts, every
bad value a problem naming the part, the designer's card edit and the version diff by part."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.procedures.card import load_package, parse_card
from engine.procedures.card_edit import card_fields, update_card
from engine.procedures.diff import _card_changes
from engine.procedures.parts import DEFAULT_MAX_MB, FILE_TYPES

PROCESSES = Path(__file__).resolve().parent.parent / "processes"
BASE = b'''code = "9.9"
name = "Thu tuc"
process = "p"
level = "commune"
field = "X"
statutory_duration = "P1D"
result = "Giay"
'''
LANES = b'\n[lanes]\n"Mot cua" = "desk"\n'


def card(extra: bytes):
    return parse_card(BASE + extra + LANES)


@pytest.mark.parametrize("slug", sorted(p.name for p in PROCESSES.iterdir() if p.is_dir()))
def test_every_procedure_lists_its_real_parts_and_a_result(slug):
    package = load_package(PROCESSES / slug)
    assert package.card.parts and any(p.required for p in package.card.parts)
    assert [r.code for r in package.card.results] == ["ket_qua"] and package.card.results[0].types == ("pdf",)
    assert package.card.required_documents == tuple(p.name for p in package.card.parts)


def test_required_documents_load_as_required_parts():
    parsed, problems = card(b'required_documents = ["To khai", "Giay chung sinh"]\n')
    assert problems == []
    assert [(p.code, p.name, p.required, p.types, p.max_mb) for p in parsed.parts] == [
        ("tp1", "To khai", True, FILE_TYPES, DEFAULT_MAX_MB), ("tp2", "Giay chung sinh", True, FILE_TYPES, DEFAULT_MAX_MB)]


def test_parts_with_their_options():
    parsed, problems = card(b'[[parts]]\ncode = "ban_ve"\nname = "Ban ve"\nmultiple = true\nmax_mb = 50\n'
                            b'types = ["pdf"]\ntemplate = "templates/ban_ve.pdf"\n'
                            b'[[parts]]\ncode = "uy_quyen"\nname = "Uy quyen"\nrequired = false\n')
    assert problems == []
    first, second = parsed.parts
    assert first.multiple and first.max_mb == 50 and first.types == ("pdf",) and first.template == "templates/ban_ve.pdf"
    assert not second.required and second.types == FILE_TYPES


@pytest.mark.parametrize("bad,needle", [
    (b'[[parts]]\ncode = "Bad Code"\nname = "X"\n', "Bad Code"),
    (b'[[parts]]\ncode = "a"\nname = ""\n', "Tên thành phần"),
    (b'[[parts]]\ncode = "a"\nname = "X"\ntypes = ["exe"]\n', "exe"),
    (b'[[parts]]\ncode = "a"\nname = "X"\nmax_mb = 500\n', "500"),
    (b'[[parts]]\ncode = "a"\nname = "X"\nrequired = "yes"\n', "required"),
    (b'[[parts]]\ncode = "a"\nname = "X"\ntemplate = "../../etc/passwd"\n', "passwd"),
    (b'[[parts]]\ncode = "a"\nname = "X"\n[[parts]]\ncode = "a"\nname = "Y"\n', "trùng"),
    (b'[[parts]]\ncode = "a"\nname = "X"\ncolour = "red"\n', "colour"),
])
def test_bad_parts_are_problems_naming_the_value(bad, needle):
    parsed, problems = card(bad)
    assert parsed is None and any(needle in p.message for p in problems), problems


def test_parts_and_required_documents_together_are_refused():
    parsed, problems = card(b'required_documents = ["A"]\n[[parts]]\ncode = "a"\nname = "A"\n')
    assert parsed is None and any("required_documents" in p.message for p in problems)


def test_the_designer_edits_parts_and_the_diff_names_them():
    source = (PROCESSES / "chung_thuc_ban_sao" / "procedure.toml").read_bytes()
    fields, _ = card_fields(source)
    fields["parts"][1]["max_mb"] = 20
    edited = update_card(source, {"parts": fields["parts"]})
    parsed, problems = parse_card(edited)
    assert problems == [] and parsed.parts[1].max_mb == 20 and b"# " in edited  # comments kept
    old = {"parts": [p.to_dict() for p in load_package(PROCESSES / "chung_thuc_ban_sao").card.parts]}
    new = {"parts": [p.to_dict() for p in parsed.parts]}
    assert [c.field for c in _card_changes(old, new)] == ["parts.ban_sao"]
