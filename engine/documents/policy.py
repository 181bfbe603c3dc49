"""What a file must be to enter a dossier: the ONE place for types (by content, never by name or client header),
sizes, pixel and page limits, and the display name. Pure: bytes in, a verdict or a bilingual error out.

Every refusal names the part and the limit, in Vietnamese first (engine.errors)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath

from engine.errors import InvalidInput, TooLarge
from engine.procedures.parts import Part
from engine.settings import env_int

MB = 1024 * 1024
MAX_DOSSIER_MB = env_int("MOTCUA_MAX_DOSSIER_MB", 200)  # every current file of one dossier together
MAX_UPLOAD_MB = 50  # one request's body, before any part is known (web layer: MAX_CONTENT_LENGTH)
MAX_PAGES_PER_FILE = 50  # pages scanned into one file of a part (images joined into one PDF)
MAX_PDF_PAGES = 500
MAX_IMAGE_PIXELS = 40_000_000  # ≈ A3 at 600 dpi; beyond that a decompression bomb, not a scan
MAX_DISPLAY_NAME = 120
DEFAULT_DISPLAY_NAME = "tep"

# Magic bytes: the type is what the content says (a PDF may start after a little junk, as readers accept).
PDF, JPEG, PNG = "pdf", "jpeg", "png"
MEDIA_TYPES = {PDF: "application/pdf", JPEG: "image/jpeg", PNG: "image/png"}
EXTENSIONS = {PDF: ".pdf", JPEG: ".jpg", PNG: ".png"}
TYPE_LABELS_VI = {PDF: "PDF", JPEG: "ảnh JPEG", PNG: "ảnh PNG"}
PDF_MAGIC_WINDOW = 1024


def sniff(data: bytes) -> str | None:
    """The file's type by its first bytes: pdf, jpeg, png, or None for anything else (HTML, SVG, ZIP, EXE …)."""
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if b"%PDF-" in data[:PDF_MAGIC_WINDOW]:
        return PDF
    return None


@dataclass(frozen=True)
class Upload:
    """One file as the client sent it: bytes and the name it gave (a label only, never a path)."""

    filename: str
    data: bytes


def display_name(filename: str | None, kind: str) -> str:
    """The client's file name as a display label: its last component only (both separators), no control or
    format characters, NFC, shortened, with the extension of the type found in the content."""
    raw = (filename or "").strip()
    base = PureWindowsPath(PurePosixPath(raw).name).name  # "../../x.pdf" and "C:\\a\\x.pdf" → "x.pdf"
    base = "".join(c for c in unicodedata.normalize("NFC", base) if unicodedata.category(c)[0] not in "CZ" or c == " ")
    stem = base.rsplit(".", 1)[0].strip(" .") if "." in base else base.strip(" .")
    stem = stem[:MAX_DISPLAY_NAME] or DEFAULT_DISPLAY_NAME
    return stem + EXTENSIONS[kind]


def part_label(part: Part) -> str:
    return f"'{part.name}' ({part.code})"


def check_type(part: Part, upload: Upload) -> str:
    """The upload's type, if the part accepts it; else InvalidInput naming the part and the accepted types."""
    kind = sniff(upload.data)
    accepted = ", ".join(TYPE_LABELS_VI[t] for t in part.types)
    if kind is None or kind not in part.types:
        found = TYPE_LABELS_VI[kind] if kind else "không nhận dạng được"
        raise InvalidInput(
            f"Tệp '{display_name(upload.filename, kind or PDF)}' của thành phần {part_label(part)} không đúng loại "
            f"(nội dung: {found}); chỉ nhận {accepted}.",
            message_en=f"File for part '{part.code}' is not of an accepted type (content: {kind or 'unknown'}); "
                       f"accepted: {', '.join(part.types)}.",
            details={"part": part.code, "types": list(part.types), "found": kind})
    return kind


def check_size(part: Part, size: int) -> None:
    if size > part.max_bytes:
        raise TooLarge(
            f"Tệp của thành phần {part_label(part)} quá lớn ({size / MB:.1f} MB); tối đa {part.max_mb} MB.",
            message_en=f"File for part '{part.code}' is too large ({size / MB:.1f} MB); at most {part.max_mb} MB.",
            details={"part": part.code, "max_mb": part.max_mb, "size": size})
    if size == 0:
        raise InvalidInput(f"Tệp của thành phần {part_label(part)} rỗng.",
                           message_en=f"The file for part '{part.code}' is empty.", details={"part": part.code})


def check_pages(part: Part, count: int) -> None:
    if count > MAX_PAGES_PER_FILE:
        raise TooLarge(f"Thành phần {part_label(part)}: {count} trang trong một lần tải; tối đa {MAX_PAGES_PER_FILE}.",
                       message_en=f"Part '{part.code}': {count} pages in one upload; at most {MAX_PAGES_PER_FILE}.",
                       details={"part": part.code, "max_pages": MAX_PAGES_PER_FILE})


def check_dossier_total(part: Part, current_total: int, adding: int) -> None:
    """Every current file of the dossier together stays under MAX_DOSSIER_MB."""
    if current_total + adding > MAX_DOSSIER_MB * MB:
        raise TooLarge(
            f"Hồ sơ vượt dung lượng cho phép khi thêm tệp vào thành phần {part_label(part)}: "
            f"{(current_total + adding) / MB:.1f} MB; tối đa {MAX_DOSSIER_MB} MB cho cả hồ sơ.",
            message_en=f"Adding to part '{part.code}' would bring the dossier to {(current_total + adding) / MB:.1f} MB; "
                       f"at most {MAX_DOSSIER_MB} MB per dossier.",
            details={"part": part.code, "max_dossier_mb": MAX_DOSSIER_MB})


def refuse_content(part: Part, reason_vi: str, reason_en: str, **details) -> InvalidInput:
    """A file whose content cannot be accepted (encrypted, broken, a bomb): the part and the reason named."""
    return InvalidInput(f"Tệp của thành phần {part_label(part)} bị từ chối: {reason_vi}",
                        message_en=f"File for part '{part.code}' refused: {reason_en}",
                        details={"part": part.code, **details})
