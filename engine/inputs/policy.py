"""The input policy, in one place: what text, numbers, dates and data the engine accepts from anyone.

- Text carries no control characters (a NUL byte cannot be stored by PostgreSQL, and none belongs in a name, a
  code or a PIN); multi-line text (a reason, a note) may carry tab and line breaks.
- Numbers are finite: NaN and ±Infinity (``1e999`` read as a float) are not JSON and cannot be stored.
- Dates lie within ``EARLIEST_DATE`` .. ``LATEST_DATE``: a date near year 1 or 9999 overflows as soon as a
  time zone or a day is added to it, and no dossier is dated outside that range.
- Free-form data (a step's form, an applicant's extra fields) obeys the same rules at every depth, within
  ``MAX_DATA_BYTES``.

The marshmallow fields below carry the policy into every request schema (engine.inputs.schemas and the API's), the
web layer applies the same checks to paths, query strings, forms and JSON bodies, and the engine's own
filters parse dates through ``parse_day``. Every refusal is ``InvalidInput``, Vietnamese first.
"""

from __future__ import annotations

import json
import math
import re
from datetime import date, datetime

from marshmallow import ValidationError, fields

from engine.errors import InvalidInput

EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2100, 12, 31)
MAX_DATA_BYTES = 256 * 1024
MAX_DATA_DEPTH = 32
ISO_DAY = "%Y-%m-%d"

# C0 controls and DEL; multi-line text keeps tab, line feed and carriage return.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_MULTILINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

CONTROL_VI = "có ký tự điều khiển không được phép"
CONTROL_EN = "contains a control character that is not allowed"
NOT_FINITE_VI = "số không hữu hạn (NaN, Infinity) không được phép"
NOT_FINITE_EN = "a number that is not finite (NaN, Infinity) is not allowed"


def bilingual(vi: str, en: str) -> str:
    """A field message for the schemas' lists of problems: Vietnamese, then English."""
    return f"{vi} / {en}"


# ------------------------------------------------------------------ text


def text_ok(value: str, multiline: bool = False) -> bool:
    return (_CONTROL_MULTILINE if multiline else _CONTROL).search(value) is None


def check_text(value: str, field: str, multiline: bool = False) -> str:
    if not text_ok(value, multiline):
        raise InvalidInput(f"'{field}' {CONTROL_VI}.", message_en=f"'{field}' {CONTROL_EN}.",
                           details={field: [bilingual(CONTROL_VI, CONTROL_EN)]})
    return value


# ------------------------------------------------------------------ numbers and data


def finite_float(text: str) -> float:
    """``parse_float`` for json.loads: ``1e999`` is refused instead of becoming Infinity."""
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{text} is not a finite number")
    return number


def refuse_constant(name: str):
    """``parse_constant`` for json.loads: NaN, Infinity and -Infinity are not JSON."""
    raise ValueError(f"{name} is not JSON")


def strict_json_loads(text: str | bytes):
    """JSON as the engine stores it: no NaN / Infinity, no number that overflows to infinity."""
    return json.loads(text, parse_constant=refuse_constant, parse_float=finite_float)


def data_problem(value) -> tuple[str, str] | None:
    """(Vietnamese, English) of the first thing in free-form data the policy refuses, else None."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DATA_DEPTH:
            return (f"dữ liệu lồng sâu quá {MAX_DATA_DEPTH} mức", f"data nested deeper than {MAX_DATA_DEPTH} levels")
        if isinstance(item, float) and not math.isfinite(item):
            return NOT_FINITE_VI, NOT_FINITE_EN
        if isinstance(item, str) and not text_ok(item, multiline=True):
            return CONTROL_VI, CONTROL_EN
        if isinstance(item, dict):
            for key, child in item.items():
                if isinstance(key, str) and not text_ok(key):
                    return f"tên trường {CONTROL_VI}", f"a field name {CONTROL_EN}"
                stack.append((child, depth + 1))
        elif isinstance(item, (list, tuple)):
            stack.extend((child, depth + 1) for child in item)
    try:
        size = len(json.dumps(value, ensure_ascii=False, allow_nan=False).encode("utf-8"))
    except (TypeError, ValueError):
        return "dữ liệu không biểu diễn được bằng JSON", "data that cannot be written as JSON"
    if size > MAX_DATA_BYTES:
        return (f"dữ liệu lớn quá {MAX_DATA_BYTES // 1024} KB", f"data larger than {MAX_DATA_BYTES // 1024} KB")
    return None


def check_data(value, field: str = "data"):
    problem = data_problem(value)
    if problem is not None:
        vi, en = problem
        raise InvalidInput(f"'{field}': {vi}.", message_en=f"'{field}': {en}.", details={field: [bilingual(vi, en)]})
    return value


# ------------------------------------------------------------------ dates


def _range_text() -> tuple[str, str]:
    vi = f"ngày phải trong khoảng {EARLIEST_DATE:%d/%m/%Y} đến {LATEST_DATE:%d/%m/%Y}"
    en = f"the date must be between {EARLIEST_DATE.isoformat()} and {LATEST_DATE.isoformat()}"
    return vi, en


def date_ok(day: date) -> bool:
    if isinstance(day, datetime):
        day = day.date()
    return EARLIEST_DATE <= day <= LATEST_DATE


def check_date(day: date, field: str) -> date:
    if not date_ok(day):
        vi, en = _range_text()
        raise InvalidInput(f"'{field}': {vi}.", message_en=f"'{field}': {en}.", details={field: [bilingual(vi, en)]})
    return day


def parse_day(text: str, field: str, formats: tuple[str, ...] = (ISO_DAY,)) -> date:
    """A calendar day typed in a filter, in one of ``formats`` and within the policy's range."""
    cleaned = text.strip()
    if text_ok(cleaned):
        for fmt in formats:
            try:
                return check_date(datetime.strptime(cleaned, fmt).date(), field)
            except ValueError:
                continue
    shown = ", ".join(f.replace("%Y", "YYYY").replace("%m", "MM").replace("%d", "DD") for f in formats)
    printable = "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in cleaned)[:40]
    raise InvalidInput(f"Ngày '{printable}' không hợp lệ (dạng {shown}).",
                       message_en=f"Invalid date '{printable}' (use {shown}).", details={field: ["invalid date"]})


# ------------------------------------------------------------------ marshmallow fields


class Text(fields.String):
    """A string under the text policy; ``multiline`` for reasons and notes."""

    def __init__(self, *args, multiline: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.multiline = multiline

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if not text_ok(text, self.multiline):
            raise ValidationError(bilingual(CONTROL_VI, CONTROL_EN))
        return text


class Instant(fields.AwareDateTime):
    """An instant with its offset, on a day within the policy's range."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and not text_ok(value):
            raise ValidationError(bilingual(CONTROL_VI, CONTROL_EN))
        instant = super()._deserialize(value, attr, data, **kwargs)
        if not date_ok(instant):
            raise ValidationError(bilingual(*_range_text()))
        return instant


class Data(fields.Dict):
    """Free-form data (string keys) under the data policy."""

    def __init__(self, **kwargs):
        super().__init__(keys=fields.String(), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        result = super()._deserialize(value, attr, data, **kwargs)
        problem = data_problem(result)
        if problem is not None:
            raise ValidationError(bilingual(*problem))
        return result
