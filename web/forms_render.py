"""A step's JSON Schema form as HTML fields, and the posted fields back as typed data.

Only the shape is handled here (which widget, which Python type); every rule — required fields,
conditional ``if``/``then`` requirements, bounds, patterns — is the engine's, which validates the data
against the same schema when the step is completed. A value that cannot be converted is passed on
as text so that the engine reports it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Mapping

FIELD_PREFIX = "data."
TEXTAREA_ABOVE = 255  # strings longer than this (or unbounded) get a textarea
_REQUIRED = re.compile(r"^'([^']+)' is a required property$")


@dataclass
class Field:
    name: str  # the property name in the schema
    input_name: str  # the HTML name
    kind: str  # radio_bool | select | text | textarea | number | integer | date | email | json
    label: str
    description: str = ""
    required: bool = False
    options: list[tuple[str, str]] = field(default_factory=list)  # (value, label)
    value: str = ""  # what the input shows, as text
    error: str = ""
    attrs: dict[str, Any] = field(default_factory=dict)  # extra HTML attributes (min, max, maxlength …)


def _kind(spec: Mapping) -> str:
    kind = spec.get("type")
    if isinstance(kind, list):  # ["string", "null"] and the like: the first non-null type decides
        kind = next((k for k in kind if k != "null"), "string")
    if "enum" in spec:
        return "select"
    if kind == "boolean":
        return "radio_bool"
    if kind == "integer":
        return "integer"
    if kind == "number":
        return "number"
    if kind in ("object", "array"):
        return "json"
    if spec.get("format") in ("date", "email"):
        return spec["format"]
    max_length = spec.get("maxLength")
    if spec.get("pattern") or (max_length is not None and max_length <= TEXTAREA_ABOVE):
        return "text"
    return "textarea"


def _options(spec: Mapping, kind: str, yes: str, no: str) -> list[tuple[str, str]]:
    if kind == "radio_bool":
        return [("true", yes), ("false", no)]
    if kind == "select":
        names = spec.get("x-enumNames") or spec.get("enumNames") or []
        return [(_text(v), str(names[i]) if i < len(names) else _text(v)) for i, v in enumerate(spec["enum"])]
    return []


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _attrs(spec: Mapping, kind: str) -> dict[str, Any]:
    attrs: dict[str, Any] = {}
    if kind in ("number", "integer"):
        attrs["step"] = "1" if kind == "integer" else "any"
        for key, attr in (("minimum", "min"), ("maximum", "max")):
            if key in spec:
                attrs[attr] = spec[key]
    if kind in ("text", "textarea", "email"):
        for key, attr in (("minLength", "minlength"), ("maxLength", "maxlength")):
            if key in spec:
                attrs[attr] = spec[key]
    return attrs


def fields(schema: Mapping | None, values: Mapping[str, str] | None = None, errors: Mapping[str, str] | None = None,
           *, yes: str = "Có", no: str = "Không") -> list[Field]:
    """The fields of a form, in the schema's order. ``values`` are raw texts (a re-shown form) keyed by property."""
    if not schema:
        return []
    values, errors = values or {}, errors or {}
    required = set(schema.get("required") or [])
    out = []
    for name, spec in (schema.get("properties") or {}).items():
        if not isinstance(spec, Mapping):
            continue
        kind = _kind(spec)
        value = values.get(name)
        if value is None and "default" in spec:
            value = _text(spec["default"])
        out.append(Field(
            name=name, input_name=FIELD_PREFIX + name, kind=kind, label=str(spec.get("title") or name),
            description=str(spec.get("description") or ""), required=name in required,
            options=_options(spec, kind, yes, no), value=value or "", error=errors.get(name, ""),
            attrs=_attrs(spec, kind),
        ))
    return out


def raw_values(schema: Mapping | None, form: Mapping[str, str]) -> dict[str, str]:
    """The posted texts of the schema's properties (to show a rejected form again as it was filled)."""
    names = (schema or {}).get("properties") or {}
    return {name: form.get(FIELD_PREFIX + name, "") for name in names}


def _number(text: str, integer: bool) -> Any:
    try:
        if integer:
            number = float(text) if re.search(r"[.eE]", text) else int(text)
            return int(number) if isinstance(number, float) and number.is_integer() else number
        return int(text) if re.fullmatch(r"[+-]?\d+", text) else float(text)
    except (ValueError, OverflowError):
        return text  # the engine reports "is not of type …"


def parse(schema: Mapping | None, form: Mapping[str, str]) -> dict[str, Any]:
    """Typed data for the schema's properties; an empty input is left out (so "required" can speak)."""
    data: dict[str, Any] = {}
    for name, spec in ((schema or {}).get("properties") or {}).items():
        if not isinstance(spec, Mapping):
            continue
        text = (form.get(FIELD_PREFIX + name) or "").strip()
        if text == "":
            continue
        kind = _kind(spec)
        if kind == "radio_bool":
            if text in ("true", "false"):
                data[name] = text == "true"
            else:
                data[name] = text
        elif kind == "select":
            data[name] = next((v for v in spec["enum"] if _text(v) == text), text)
        elif kind in ("number", "integer"):
            data[name] = _number(text, kind == "integer")
        elif kind == "json":
            try:
                data[name] = json.loads(text)
            except ValueError:
                data[name] = text
        else:
            data[name] = text
    return data


def field_errors(details, required_message: str = "Bắt buộc nhập mục này.") -> dict[str, str]:
    """Per-field messages from the engine's FormValidationError details ([{field, message}, …])."""
    errors: dict[str, str] = {}
    if not isinstance(details, list):
        return errors
    for item in details:
        if not isinstance(item, Mapping):
            continue
        message = str(item.get("message") or "")
        name = item.get("field")
        missing = _REQUIRED.match(message)
        if missing:
            name, message = (name + "/" if name else "") + missing.group(1), required_message
        if name:
            errors.setdefault(str(name).split("/")[0], message)
    return errors


def all_placed(details) -> bool:
    """Whether every error of the engine's details belongs to a field (so the fields can tell it all)."""
    if not isinstance(details, list) or not details:
        return False
    return all(isinstance(item, Mapping) and (item.get("field") or _REQUIRED.match(str(item.get("message") or "")))
               for item in details)


def readable(schema: Mapping | None, data: Mapping[str, Any] | None, *, yes: str = "Có",
             no: str = "Không") -> list[tuple[str, str]]:
    """A step's recorded data as (field title, value) for reading: the schema's order and titles, a yes / no
    for booleans, an option's name for a choice, dd/mm/yyyy for a date; keys the form does not describe follow
    under their own name."""
    data = dict(data or {})
    out = []
    properties = (schema or {}).get("properties") or {}
    for name, spec in properties.items():
        if name not in data or not isinstance(spec, Mapping):
            continue
        out.append((str(spec.get("title") or name), _shown(spec, data.pop(name), yes, no)))
    out += [(name, _shown({}, value, yes, no)) for name, value in data.items()]
    return out


def _shown(spec: Mapping, value: Any, yes: str, no: str) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return yes if value else no
    kind = _kind(spec) if spec else ""
    if kind == "select":
        return dict(_options(spec, kind, yes, no)).get(_text(value), _text(value))
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return f"{value[8:10]}/{value[5:7]}/{value[0:4]}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return "; ".join(_shown({}, item, yes, no) for item in value)
    return _text(value)
