"""Procedure packages as zip files (import and export).

An uploaded zip is untrusted: its size is checked before it is opened, each member's declared size before
it is read, and every read is capped (a header may lie), so a zip bomb costs nothing. Path traversal and
unsafe names are refused by ``card.collect_package``. Exports are deterministic (fixed timestamps, sorted
members) so exporting the same version twice gives the same bytes.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import PurePosixPath

from engine.errors import PackageError, TooLarge
from engine.procedures.bpmn import MAX_BPMN_BYTES
from engine.procedures.card import CARD_FILE, FORMS_DIR, MAX_CARD_BYTES, MAX_FILES, MAX_FORM_BYTES

MAX_ZIP_BYTES = 4 * 1024 * 1024  # the upload itself
MAX_UNPACKED_BYTES = 16 * 1024 * 1024  # all members together
MAX_MEMBER_BYTES = max(MAX_BPMN_BYTES, MAX_FORM_BYTES, MAX_CARD_BYTES)
_EPOCH = (2000, 1, 1, 0, 0, 0)
SLUG = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,119}$")


def _bad(vi: str, en: str) -> PackageError:
    return PackageError(vi, message_en=en)


def too_large(size: int, limit: int, what_vi: str = "Tệp tải lên", what_en: str = "The upload") -> TooLarge:
    return TooLarge(f"{what_vi} quá lớn ({size:,} byte, tối đa {limit:,} byte): bị từ chối trước khi đọc.".replace(",", "."),
                    message_en=f"{what_en} is too large ({size} bytes, at most {limit}): refused before reading.",
                    details={"size": size, "limit": limit})


def read_zip(data: bytes) -> dict[str, bytes]:
    """Members of a package zip (relative path -> bytes); PackageError/TooLarge for anything unsafe."""
    if len(data) > MAX_ZIP_BYTES:
        raise too_large(len(data), MAX_ZIP_BYTES)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, EOFError):
        raise _bad("Tệp tải lên không phải tệp .zip hợp lệ.", "The upload is not a valid .zip file.") from None
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        if len(members) > MAX_FILES:
            raise _bad(f"Tệp zip có quá nhiều tệp ({len(members)}, tối đa {MAX_FILES}).", "Too many files in the zip.")
        if sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
            raise too_large(sum(m.file_size for m in members), MAX_UNPACKED_BYTES, "Nội dung giải nén", "The unpacked content")
        files: dict[str, bytes] = {}
        for member in members:
            if member.flag_bits & 0x1:
                raise _bad(f"Tệp '{member.filename}' trong zip bị mã hoá.", f"'{member.filename}' is encrypted.")
            if member.file_size > MAX_MEMBER_BYTES:
                raise too_large(member.file_size, MAX_MEMBER_BYTES, f"Tệp '{member.filename}'", f"'{member.filename}'")
            try:
                with archive.open(member) as fh:
                    content = fh.read(MAX_MEMBER_BYTES + 1)
            except (zipfile.BadZipFile, NotImplementedError, RuntimeError, EOFError, OSError, ValueError):
                raise _bad(f"Không đọc được '{member.filename}' trong zip.", f"Cannot read '{member.filename}'.") from None
            if len(content) > MAX_MEMBER_BYTES:
                raise too_large(len(content), MAX_MEMBER_BYTES, f"Tệp '{member.filename}'", f"'{member.filename}'")
            files[member.filename] = content
    if not files:
        raise _bad("Tệp zip rỗng.", "The zip is empty.")
    return files


def guess_slug(files: dict[str, bytes]) -> str | None:
    """The package's folder name: the zip's single top folder, else the .bpmn file's stem."""
    tops = {PurePosixPath(n.replace("\\", "/")).parts[0] for n in files if n.strip("/")}
    nested = all(len(PurePosixPath(n.replace("\\", "/")).parts) > 1 for n in files)
    if len(tops) == 1 and nested:
        candidate = next(iter(tops))
    else:
        bpmns = [PurePosixPath(n).stem for n in files if n.endswith(".bpmn") and "/" not in n.strip("/")]
        candidate = bpmns[0] if len(bpmns) == 1 else None
    return candidate if candidate and SLUG.match(candidate) else None


def write_zip(slug: str, card_toml: bytes, bpmn_filename: str, bpmn_xml: bytes, forms: dict[str, bytes]) -> bytes:
    """A package zip with one top folder ``<slug>/`` (byte-exact files, so the content hash survives)."""
    buffer = io.BytesIO()
    entries = [(CARD_FILE, card_toml), (bpmn_filename, bpmn_xml)]
    entries += [(f"{FORMS_DIR}/{task_id}.json", forms[task_id]) for task_id in sorted(forms)]
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries:
            info = zipfile.ZipInfo(f"{slug}/{name}", date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, content)
    return buffer.getvalue()
