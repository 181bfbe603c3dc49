"""Editing ``procedure.toml`` from the designer's form without losing what the form does not show.

The card carries comments citing the legal basis of each value ("15 ngày làm việc … Luật Xây dựng, Điều
102"); tomlkit rewrites only the values that changed and keeps every comment and layout choice. Values are
written as given: whether they are valid is the validator's job, so a half-finished card can be saved.
"""

from __future__ import annotations

import tomllib
from typing import Any

import tomlkit
from tomlkit.exceptions import TOMLKitError

from engine.errors import InvalidInput

SCALAR_FIELDS = ("code", "name", "process", "level", "field", "statutory_duration", "cutoff", "pause_on_supplement",
                 "fee", "result")
EDITABLE = (*SCALAR_FIELDS, "required_documents", "parts", "results", "lanes")
PART_LISTS = ("parts", "results")  # [[parts]] and [[results]] (engine.procedures.parts), written as arrays of tables


def lane_rule_dict(spec: Any) -> dict:
    """A [lanes] value ("role", "role@level" or an inline table) as {role, level, unit}."""
    if isinstance(spec, str):
        role, _, level = spec.strip().partition("@")
        return {"role": role, "level": level or None, "unit": None}
    if isinstance(spec, dict):
        return {"role": spec.get("role"), "level": spec.get("level") or None, "unit": spec.get("unit") or None}
    return {"role": None, "level": None, "unit": None}


def card_fields(card_toml: bytes) -> tuple[dict, str | None]:
    """The card's editable fields for the form, and the TOML error when the file cannot be read."""
    try:
        raw = tomllib.loads(card_toml.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return {"lanes": {}, "required_documents": [], "parts": [], "results": []}, str(exc)
    fields = {key: raw.get(key) for key in SCALAR_FIELDS}
    docs = raw.get("required_documents")
    fields["required_documents"] = [d for d in docs if isinstance(d, str)] if isinstance(docs, list) else []
    for key in PART_LISTS:
        value = raw.get(key)
        fields[key] = [p for p in value if isinstance(p, dict)] if isinstance(value, list) else []
    lanes = raw.get("lanes")
    fields["lanes"] = {str(k): lane_rule_dict(v) for k, v in lanes.items()} if isinstance(lanes, dict) else {}
    return fields, None


def _lane_value(rule: dict):
    role, level, unit = rule.get("role"), rule.get("level"), rule.get("unit")
    if not unit:
        return f"{role}@{level}" if level else role
    table = tomlkit.inline_table()
    table.update({"role": role, **({"unit": unit} if unit else {}), **({"level": level} if level else {})})
    return table


def _check_shape(changes: dict) -> None:
    def bad(key: str, vi: str, en: str) -> InvalidInput:
        return InvalidInput(f"Trường '{key}' {vi}.", message_en=f"Field '{key}' {en}.", details={key: [en]})

    for key, value in changes.items():
        if key not in EDITABLE:
            raise bad(key, "không có trong phiếu thủ tục", "is not a card field")
        if key == "lanes":
            if not isinstance(value, dict) or not all(
                    isinstance(k, str) and k.strip() and isinstance(v, dict) and isinstance(v.get("role"), str)
                    and all(isinstance(v.get(x), (str, type(None))) for x in ("level", "unit")) for k, v in value.items()):
                raise bad(key, "phải là bảng tên làn → {role, level, unit}", "must map lane names to {role, level, unit}")
        elif key == "required_documents":
            if not isinstance(value, list) or not all(isinstance(d, str) for d in value):
                raise bad(key, "phải là danh sách chuỗi", "must be a list of strings")
        elif key in PART_LISTS:
            if not isinstance(value, list) or not all(isinstance(p, dict) and all(isinstance(k, str) for k in p)
                                                      for p in value):
                raise bad(key, "phải là danh sách bảng {code, name, required, …}",
                          "must be a list of tables {code, name, required, …}")
        elif key == "pause_on_supplement":
            if not isinstance(value, bool):
                raise bad(key, "phải là true/false", "must be a boolean")
        elif key == "fee":
            if isinstance(value, bool) or not isinstance(value, int):
                raise bad(key, "phải là số nguyên", "must be an integer")
        elif value is not None and not isinstance(value, str):
            raise bad(key, "phải là chuỗi", "must be a string")


def update_card(card_toml: bytes, changes: dict) -> bytes:
    """``card_toml`` with ``changes`` applied (None removes an optional key); comments and order are kept."""
    _check_shape(changes)
    try:
        doc = tomlkit.parse(card_toml.decode("utf-8"))
    except (UnicodeDecodeError, TOMLKitError):
        doc = tomlkit.document()  # unreadable card: rebuilt from the form
    current, _ = card_fields(card_toml)
    for key in SCALAR_FIELDS:
        if key not in changes or changes[key] == current.get(key):
            continue
        value = changes[key]
        if value is None or (isinstance(value, str) and not value.strip() and key == "cutoff"):
            doc.pop(key, None)
        else:
            doc[key] = value.strip() if isinstance(value, str) else value
    if "required_documents" in changes and changes["required_documents"] != current["required_documents"]:
        docs = tomlkit.array()
        docs.extend(d.strip() for d in changes["required_documents"] if d.strip())
        docs.multiline(len(docs) > 1)
        doc["required_documents"] = docs
    for key in PART_LISTS:
        if key in changes and changes[key] != current[key]:
            _update_parts(doc, key, changes[key])
    if "lanes" in changes:
        _update_lanes(doc, current["lanes"], changes["lanes"])
    return tomlkit.dumps(doc).encode("utf-8")


def _update_lanes(doc, current: dict, wanted: dict) -> None:
    lanes = doc.get("lanes")
    if not isinstance(lanes, dict):
        doc.pop("lanes", None)
        lanes = tomlkit.table()
        doc["lanes"] = lanes
    for name in [k for k in list(lanes.keys()) if k not in wanted]:
        del lanes[name]
    for name, rule in wanted.items():
        clean = {"role": rule["role"].strip(), "level": (rule.get("level") or "").strip() or None,
                 "unit": (rule.get("unit") or "").strip() or None}
        if current.get(name) != clean:
            lanes[name.strip()] = _lane_value(clean)


def _update_parts(doc, key: str, wanted: list[dict]) -> None:
    """[[parts]] / [[results]] rewritten whole (values as given: the validator judges them); an empty list removes
    the key. A card moving to parts drops its required_documents (the validator refuses both)."""
    doc.pop(key, None)
    if key == "parts":
        doc.pop("required_documents", None)
    if not wanted:
        return
    tables = tomlkit.aot()
    for part in wanted:
        table = tomlkit.table()
        for name, value in part.items():
            if value is not None:
                table[name] = value
        tables.append(table)
    lanes = doc.pop("lanes", None)  # keep [lanes] last: a table after the arrays
    doc[key] = tables
    if lanes is not None:
        doc["lanes"] = lanes
