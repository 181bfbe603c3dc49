"""The parts of a dossier (thành phần hồ sơ, DOMAIN §9) and its result documents, as a procedure card declares them:

    [[parts]]
    code = "to_khai"                 # unique in the card: files are attached to a part by this code
    name = "Tờ khai đăng ký khai sinh (theo mẫu)"
    required = true                  # default true
    multiple = false                 # several files for this part (default false: a new file replaces the last)
    types = ["pdf", "jpeg", "png"]   # the default
    max_mb = 10                      # the default; at most MAX_PART_MB
    template = "templates/to_khai.pdf"   # optional: a blank form the citizen downloads from the catalogue

    [[results]]                      # the result documents (same keys; types default to pdf)

A card that still lists ``required_documents`` (names only) loads them as required parts coded ``tp1``, ``tp2``…
Pure: no database, no files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

FILE_TYPES = ("pdf", "jpeg", "png")  # the vocabulary of accepted types (engine.documents.policy knows their bytes)
DEFAULT_PART_TYPES = FILE_TYPES
DEFAULT_RESULT_TYPES = ("pdf",)
DEFAULT_MAX_MB = 10
MAX_PART_MB = 50  # what a card may allow for one file
MAX_PARTS = 40
LEGACY_CODE_PREFIX = "tp"  # parts made from a card's required_documents: tp1, tp2 …
_CODE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_PART_KEYS = {"code", "name", "required", "multiple", "types", "max_mb", "template"}
_TEMPLATE = re.compile(r"^templates/[A-Za-z0-9_.\-]+\.(pdf|docx|doc|odt)$")


@dataclass(frozen=True)
class Part:
    code: str
    name: str
    required: bool = True
    multiple: bool = False
    types: tuple[str, ...] = DEFAULT_PART_TYPES
    max_mb: int = DEFAULT_MAX_MB
    template: str | None = None

    @property
    def max_bytes(self) -> int:
        return self.max_mb * 1024 * 1024

    def to_dict(self) -> dict:
        return {"code": self.code, "name": self.name, "required": self.required, "multiple": self.multiple,
                "types": list(self.types), "max_mb": self.max_mb, "template": self.template}

    @classmethod
    def from_dict(cls, data: dict) -> Part:
        return cls(data["code"], data["name"], bool(data.get("required", True)), bool(data.get("multiple", False)),
                   tuple(data.get("types") or DEFAULT_PART_TYPES), int(data.get("max_mb") or DEFAULT_MAX_MB),
                   data.get("template"))


Bad = Callable[[str, str, str, str], None]  # (key, vi, fix, en)


def legacy_parts(names: tuple[str, ...] | list[str]) -> tuple[Part, ...]:
    """``required_documents`` of an older card: each a required part of one file, default types and size."""
    return tuple(Part(f"{LEGACY_CODE_PREFIX}{i}", name) for i, name in enumerate(names, start=1))


def parse_parts(value: Any, key: str, bad: Bad, default_types: tuple[str, ...] = DEFAULT_PART_TYPES) -> tuple[Part, ...]:
    """``[[parts]]`` or ``[[results]]`` of a card; every problem reported through ``bad``."""
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        bad(key, f"'{key}' phải là danh sách bảng [[{key}]].", f"Viết mỗi thành phần dưới một dòng [[{key}]].",
            f"'{key}' must be an array of tables [[{key}]].")
        return ()
    if len(value) > MAX_PARTS:
        bad(key, f"Quá nhiều thành phần ({len(value)}, tối đa {MAX_PARTS}).", "Gộp bớt thành phần.", "Too many parts.")
        return ()
    parts: list[Part] = []
    seen: set[str] = set()
    for index, raw in enumerate(value, start=1):
        part = _parse_one(raw, f"{key}[{index}]", bad, default_types)
        if part is None:
            continue
        if part.code in seen:
            bad(f"{key}[{index}]", f"Mã thành phần '{part.code}' bị trùng.", "Đặt mã khác cho mỗi thành phần.",
                f"Duplicate part code '{part.code}'.")
            continue
        seen.add(part.code)
        parts.append(part)
    return tuple(parts)


def _parse_one(raw: dict, where: str, bad: Bad, default_types: tuple[str, ...]) -> Part | None:
    ok = True

    def fail(vi: str, fix: str, en: str) -> None:
        nonlocal ok
        ok = False
        bad(where, vi, fix, en)

    for extra in sorted(set(raw) - _PART_KEYS):
        fail(f"Khoá '{extra}' không được dùng trong thành phần.", f"Chỉ dùng: {', '.join(sorted(_PART_KEYS))}.",
             f"Unknown key '{extra}' in a part.")
    code, name = raw.get("code"), raw.get("name")
    if not isinstance(code, str) or not _CODE.match(code):
        fail(f"Mã thành phần {code!r} không hợp lệ.", 'Chữ thường không dấu, số, gạch dưới; ví dụ code = "to_khai".',
             f"Invalid part code {code!r} (lowercase ASCII letters, digits, underscore).")
    if not isinstance(name, str) or not name.strip() or len(name) > 500:
        fail("Tên thành phần phải là chuỗi không rỗng (tối đa 500 ký tự).", 'Ví dụ: name = "Tờ khai (theo mẫu)".',
             "A part's name must be a non-empty string (at most 500 characters).")
    required, multiple = raw.get("required", True), raw.get("multiple", False)
    for flag, label in ((required, "required"), (multiple, "multiple")):
        if not isinstance(flag, bool):
            fail(f"'{label}' phải là true hoặc false.", f"Ghi {label} = true hoặc false (không nháy).",
                 f"'{label}' must be a boolean.")
    types = raw.get("types", list(default_types))
    if (not isinstance(types, list) or not types or not all(t in FILE_TYPES for t in types)
            or len(set(types)) != len(types)):
        fail(f"Loại tệp {types!r} không hợp lệ.", f"Chọn trong: {', '.join(FILE_TYPES)}.",
             f"Invalid types {types!r}; use some of: {', '.join(FILE_TYPES)}.")
    max_mb = raw.get("max_mb", DEFAULT_MAX_MB)
    if isinstance(max_mb, bool) or not isinstance(max_mb, int) or not 1 <= max_mb <= MAX_PART_MB:
        fail(f"Dung lượng tối đa {max_mb!r} MB không hợp lệ.", f"Số nguyên từ 1 đến {MAX_PART_MB}.",
             f"max_mb must be an integer from 1 to {MAX_PART_MB}.")
    template = raw.get("template")
    if template is not None and (not isinstance(template, str) or not _TEMPLATE.match(template)):
        fail(f"Mẫu đơn {template!r} không hợp lệ.", 'Ví dụ: template = "templates/to_khai.pdf".',
             "template must be a file under templates/ (.pdf, .docx, .doc, .odt).")
    if not ok:
        return None
    return Part(code, name.strip(), required, multiple, tuple(types), max_mb, template)


def find_part(parts: tuple[Part, ...] | list[Part], code: str) -> Part | None:
    return next((p for p in parts if p.code == code), None)
