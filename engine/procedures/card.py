"""The procedure card (``procedure.toml``) and the loading of a whole package from a folder or a zip's files.

Loading collects every problem instead of stopping at the first, because designers fix packages in
one pass; the same checks run for a folder on disk and for the files of an uploaded zip.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path, PurePosixPath
from typing import Any, Mapping

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from engine.clock.durations import WorkDuration, parse_duration
from engine.enums import AgencyLevel, Role
from engine.errors import InvalidDuration, PackageError
from engine.procedures.bpmn import MAX_BPMN_BYTES, parse_bpmn_xml
from engine.procedures.parts import DEFAULT_RESULT_TYPES, Part, legacy_parts, parse_parts
from engine.procedures.problems import ERROR, WARNING, Problem, errors

CARD_FILE = "procedure.toml"
FORMS_DIR = "forms"
MAX_CARD_BYTES = 64 * 1024
MAX_FORM_BYTES = 256 * 1024
MAX_FILES = 200
LANE_ROLES = (Role.DESK, Role.SPECIALIST, Role.UNIT_HEAD, Role.LEADER)  # roles that work on dossiers
_IDENT = re.compile(r"^[A-Za-z_][\w.\-]*$")
_CARD_KEYS = {"code", "name", "process", "level", "field", "statutory_duration", "cutoff", "pause_on_supplement",
              "fee", "result", "required_documents", "parts", "results", "lanes"}


@dataclass(frozen=True)
class LaneRule:
    """Who works in a lane: a role, optionally at an agency level and in a unit (by unit code)."""

    role: Role
    level: str | None = None
    unit: str | None = None


@dataclass(frozen=True)
class ProcedureCard:
    code: str
    name: str
    process: str
    level: str
    field: str
    statutory_duration: WorkDuration
    cutoff: time | None
    pause_on_supplement: bool
    fee: int
    result: str
    required_documents: tuple[str, ...]  # the names of the parts: the desk's checklist
    lanes: dict[str, LaneRule]
    parts: tuple[Part, ...] = ()  # [[parts]], or required_documents as required parts (engine.procedures.parts)
    results: tuple[Part, ...] = ()  # [[results]]: the result documents


@dataclass(frozen=True)
class ProcedurePackage:
    slug: str
    path: Path | None
    card: ProcedureCard
    bpmn_filename: str
    bpmn_xml: bytes
    forms: dict[str, dict]
    content_hash: str
    warnings: tuple[Problem, ...] = ()
    card_bytes: bytes = b""  # the files as given, so a stored version reproduces its content hash
    form_bytes: dict[str, bytes] = field(default_factory=dict)


@dataclass
class PackageParts:
    """What could be read from a package, even when it has problems (the validator goes on from here)."""

    slug: str
    path: Path | None = None
    card: ProcedureCard | None = None
    card_bytes: bytes = b""
    bpmn_filename: str | None = None
    bpmn_xml: bytes | None = None
    forms: dict[str, dict] = field(default_factory=dict)
    form_bytes: dict[str, bytes] = field(default_factory=dict)


def _problem(file: str, element: str | None, vi: str, fix: str, en: str, fix_en: str = "", severity: str = ERROR):
    return Problem(file, element, vi, fix, en, severity, fix_en)


def parse_card(data: bytes) -> tuple[ProcedureCard | None, list[Problem]]:
    """Parse and check ``procedure.toml``; the card is None when any error was found."""
    out: list[Problem] = []

    def bad(key: str | None, vi: str, fix: str, en: str, severity: str = ERROR) -> None:
        out.append(_problem(CARD_FILE, key, vi, fix, en, severity=severity))

    if len(data) > MAX_CARD_BYTES:
        bad(None, f"Tệp quá lớn ({len(data)} byte).", f"Rút gọn dưới {MAX_CARD_BYTES} byte.", "Card file too large.")
        return None, out
    try:
        raw = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        bad(None, "Tệp không phải UTF-8.", "Lưu lại tệp với mã hoá UTF-8.", "File is not UTF-8.")
        return None, out
    except tomllib.TOMLDecodeError as exc:
        bad(None, f"Sai cú pháp TOML: {exc}.", "Sửa dòng được chỉ ra theo cú pháp TOML (chuỗi đặt trong dấu nháy).",
            f"Malformed TOML: {exc}.")
        return None, out

    def text(key: str, required: bool = True) -> str | None:
        value = raw.get(key)
        if value is None:
            if required:
                bad(key, f"Thiếu trường '{key}'.", f"Thêm dòng {key} = \"...\".", f"Missing field '{key}'.")
            return None
        if not isinstance(value, str) or not value.strip():
            bad(key, f"Trường '{key}' phải là chuỗi không rỗng (đang là {value!r}).",
                f"Ghi {key} = \"...\".", f"Field '{key}' must be a non-empty string.")
            return None
        return value.strip()

    for key in sorted(set(raw) - _CARD_KEYS):
        bad(key, f"Trường '{key}' không được dùng (gõ nhầm?).", f"Xoá hoặc sửa tên; các trường: {', '.join(sorted(_CARD_KEYS))}.",
            f"Unknown field '{key}'.", WARNING)
    code, name, result, fld = text("code"), text("name"), text("result"), text("field")
    process = text("process")
    if process and not _IDENT.match(process):
        bad("process", f"Mã quy trình '{process}' không hợp lệ.", "Dùng mã id của bpmn:process (chữ, số, _).",
            f"Invalid process id '{process}'.")
    level = text("level")
    if level and level not in set(AgencyLevel):
        bad("level", f"Cấp '{level}' không có.", f"Dùng một trong: {', '.join(AgencyLevel)}.", f"Unknown level '{level}'.")
    duration = None
    if (dtext := text("statutory_duration")) is not None:
        try:
            duration = parse_duration(dtext)
            if duration.budget_minutes <= 0:
                bad("statutory_duration", "Thời hạn giải quyết bằng 0.", "Ghi thời hạn dương, ví dụ P3D.", "Zero duration.")
        except InvalidDuration as exc:
            bad("statutory_duration", exc.message, "Ví dụ: same_day, P3D, PT24H.", exc.message_en)
    cutoff = _cutoff(raw.get("cutoff"), bad)
    pause = raw.get("pause_on_supplement", True)
    if not isinstance(pause, bool):
        bad("pause_on_supplement", "pause_on_supplement phải là true hoặc false.", "Ghi true hoặc false (không nháy).",
            "pause_on_supplement must be a boolean.")
    fee = raw.get("fee", 0)
    if isinstance(fee, bool) or not isinstance(fee, int) or fee < 0:
        bad("fee", f"Lệ phí phải là số nguyên VND ≥ 0 (đang là {fee!r}).", "Ví dụ: fee = 50000.", "fee must be an integer ≥ 0.")
    docs = raw.get("required_documents", [])
    if not isinstance(docs, list) or not all(isinstance(d, str) and d.strip() for d in docs):
        bad("required_documents", "required_documents phải là danh sách tên giấy tờ.", 'Ví dụ: ["Tờ khai", "Giấy chứng sinh"].',
            "required_documents must be a list of non-empty strings.")
        docs = []
    lanes = _lanes(raw.get("lanes"), bad)
    parts = parse_parts(raw.get("parts"), "parts", bad)
    results = parse_parts(raw.get("results"), "results", bad, DEFAULT_RESULT_TYPES)
    if "parts" in raw and docs:
        bad("required_documents", "Phiếu có cả [[parts]] và required_documents.",
            "Bỏ required_documents: mỗi giấy tờ là một [[parts]].", "The card has both [[parts]] and required_documents.")
    if not parts and "parts" not in raw:
        parts = legacy_parts([d.strip() for d in docs])
    if any(p.is_error for p in out):
        return None, out
    card = ProcedureCard(code, name, process, level, fld, duration, cutoff, pause, fee, result,
                         tuple(p.name for p in parts), lanes, parts, results)
    return card, out


def _cutoff(value: Any, bad) -> time | None:
    if value is None:
        return None
    if isinstance(value, time):
        return value
    if isinstance(value, str) and (m := re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", value.strip())):
        return time(int(m.group(1)), int(m.group(2)))
    bad("cutoff", f"Giờ chốt '{value}' không hợp lệ.", 'Ghi dạng "HH:MM", ví dụ cutoff = "15:00".', "cutoff must be HH:MM.")
    return None


def _lanes(value: Any, bad) -> dict[str, LaneRule]:
    if not isinstance(value, dict) or not value:
        bad("lanes", "Thiếu bảng [lanes] ánh xạ làn (lane) sang vai trò.",
            'Thêm [lanes] với mỗi dòng "Tên làn" = "vai_trò".', "Missing [lanes] table mapping lanes to roles.")
        return {}
    lanes: dict[str, LaneRule] = {}
    allowed = ", ".join(LANE_ROLES)
    for lane, spec in value.items():
        key = f"lanes.{lane}"
        if isinstance(spec, str):
            role, _, level = spec.strip().partition("@")
            spec = {"role": role, **({"level": level} if level else {})}
        if not isinstance(spec, dict):
            bad(key, f"Làn '{lane}' phải ánh xạ sang \"vai_trò\", \"vai_trò@cấp\" hoặc bảng {{ role = ... }}.",
                'Ví dụ: "Bộ phận Một cửa" = "desk".', f"Lane '{lane}' must map to a role string or inline table.")
            continue
        for extra in sorted(set(spec) - {"role", "level", "unit"}):
            bad(key, f"Khoá '{extra}' trong làn '{lane}' không được dùng.", "Chỉ dùng role, level, unit.",
                f"Unknown key '{extra}' in lane '{lane}'.")
        role, level, unit = spec.get("role"), spec.get("level"), spec.get("unit")
        ok = True
        if role not in set(Role):
            bad(key, f"Vai trò '{role}' của làn '{lane}' không tồn tại.", f"Dùng một trong: {allowed}.",
                f"Unknown role '{role}' for lane '{lane}'.")
            ok = False
        elif role not in LANE_ROLES:
            bad(key, f"Vai trò '{role}' không xử lý hồ sơ nên không gán làn được.", f"Dùng một trong: {allowed}.",
                f"Role '{role}' does not work on dossiers.")
            ok = False
        if level is not None and level not in set(AgencyLevel):
            bad(key, f"Cấp '{level}' của làn '{lane}' không có.", f"Dùng một trong: {', '.join(AgencyLevel)}.",
                f"Unknown level '{level}' for lane '{lane}'.")
            ok = False
        if unit is not None and (not isinstance(unit, str) or not unit.strip()):
            bad(key, f"Mã đơn vị của làn '{lane}' phải là chuỗi không rỗng.", 'Ví dụ: unit = "QLXD".',
                f"Unit of lane '{lane}' must be a non-empty string.")
            ok = False
        if ok:
            lanes[lane] = LaneRule(Role(role), level, unit.strip() if unit else None)
    return lanes


def _normalise_files(files: Mapping[str, bytes], out: list[Problem]) -> dict[str, bytes]:
    """Posix relative paths only; strip one shared top folder (zips usually wrap the package in one)."""
    clean: dict[str, bytes] = {}
    for name, data in files.items():
        path = PurePosixPath(name.replace("\\", "/"))
        if path.is_absolute() or ".." in path.parts or not path.parts:
            out.append(_problem(name, None, f"Đường dẫn '{name}' không hợp lệ.", "Đóng gói lại, không dùng '..' hay '/' đầu.",
                                f"Unsafe path '{name}'."))
            continue
        if any(part.startswith(".") or part == "__MACOSX" for part in path.parts):
            continue
        clean[str(path)] = bytes(data)
    tops = {PurePosixPath(n).parts[0] for n in clean}
    if CARD_FILE not in clean and len(tops) == 1 and all(len(PurePosixPath(n).parts) > 1 for n in clean):
        clean = {str(PurePosixPath(*PurePosixPath(n).parts[1:])): d for n, d in clean.items()}
    return clean


def collect_package(files: Mapping[str, bytes], slug: str, path: Path | None = None) -> tuple[PackageParts, list[Problem]]:
    """Read card, BPMN bytes and forms from ``files`` (relative path -> bytes), collecting every problem."""
    out: list[Problem] = []
    if len(files) > MAX_FILES:
        out.append(_problem("", None, f"Gói có quá nhiều tệp ({len(files)}).", f"Tối đa {MAX_FILES} tệp.", "Too many files."))
        return PackageParts(slug, path), out
    files = _normalise_files(files, out)
    parts = PackageParts(slug, path)
    if CARD_FILE in files:
        parts.card_bytes = files[CARD_FILE]
        parts.card, card_problems = parse_card(parts.card_bytes)
        out.extend(card_problems)
    else:
        out.append(_problem(CARD_FILE, None, "Thiếu tệp procedure.toml.", "Thêm phiếu thủ tục procedure.toml (DOMAIN §6).",
                            "Missing procedure.toml."))
    bpmns = sorted(n for n in files if "/" not in n and n.endswith(".bpmn"))
    if not bpmns:
        out.append(_problem(f"{slug}.bpmn", None, "Thiếu tệp quy trình .bpmn.", f"Thêm tệp {slug}.bpmn.", "Missing .bpmn file."))
    elif len(bpmns) > 1:
        out.append(_problem(bpmns[1], None, f"Gói có nhiều tệp .bpmn: {', '.join(bpmns)}.", "Chỉ giữ một tệp .bpmn.",
                            "More than one .bpmn file."))
    else:
        parts.bpmn_filename = bpmns[0]
        data = files[bpmns[0]]
        if len(data) > MAX_BPMN_BYTES:
            out.append(_problem(bpmns[0], None, f"Tệp BPMN quá lớn ({len(data)} byte, tối đa {MAX_BPMN_BYTES}).",
                                "Bỏ bớt phần thừa (ảnh nhúng, chú thích dài).", "BPMN file too large."))
        else:
            parts.bpmn_xml = data
        if bpmns[0] != f"{slug}.bpmn":
            out.append(_problem(bpmns[0], None, f"Tên tệp BPMN nên là {slug}.bpmn.", f"Đổi tên thành {slug}.bpmn.",
                                f"The BPMN file should be named {slug}.bpmn.", severity=WARNING))
    for name in sorted(files):
        if name.startswith(FORMS_DIR + "/"):
            _read_form(name, files[name], parts, out)
        elif name != CARD_FILE and name not in bpmns and not name.lower().endswith((".md", ".txt")):
            out.append(_problem(name, None, "Tệp lạ trong gói, bị bỏ qua.", "Xoá tệp nếu không cần.", "Unexpected file ignored.",
                                severity=WARNING))
    return parts, out


def _read_form(name: str, data: bytes, parts: PackageParts, out: list[Problem]) -> None:
    stem = name[len(FORMS_DIR) + 1:]
    if "/" in stem or not stem.endswith(".json"):
        out.append(_problem(name, None, "Tệp trong forms/ không phải <mã_bước>.json, bị bỏ qua.",
                            "Đặt biểu mẫu ở forms/<mã userTask>.json.", "Not a forms/<task_id>.json file.", severity=WARNING))
        return
    task_id = stem[:-5]

    def bad(vi: str, fix: str, en: str) -> None:
        out.append(_problem(name, task_id, vi, fix, en))

    if len(data) > MAX_FORM_BYTES:
        return bad(f"Biểu mẫu quá lớn ({len(data)} byte).", f"Tối đa {MAX_FORM_BYTES} byte.", "Form too large.")
    try:
        schema = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, RecursionError):
        return bad("Biểu mẫu không đọc được (UTF-8, độ sâu).", "Lưu lại với UTF-8.", "Form is unreadable.")
    except json.JSONDecodeError as exc:
        return bad(f"JSON sai ở dòng {exc.lineno}, cột {exc.colno}: {exc.msg}.", "Sửa cú pháp JSON tại vị trí đó.",
                   f"Invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}.")
    if not isinstance(schema, dict):
        return bad("Biểu mẫu phải là một JSON Schema dạng đối tượng.", 'Bắt đầu bằng { "type": "object", ... }.',
                   "A form must be a JSON Schema object.")
    try:
        Draft202012Validator.check_schema(schema)
    except RecursionError:
        return bad("Biểu mẫu lồng quá sâu.", "Giảm độ lồng của JSON Schema.", "Form schema nested too deeply.")
    except SchemaError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "(gốc)"
        return bad(f"JSON Schema không hợp lệ tại {where}: {exc.message}.", "Sửa theo JSON Schema Draft 2020-12.",
                   f"Invalid JSON Schema at {where}: {exc.message}.")
    if schema.get("type", "object") != "object":
        return bad("Biểu mẫu phải có \"type\": \"object\" (dữ liệu bước là một bản ghi).", 'Đặt "type": "object".',
                   'A form schema must have "type": "object".')
    parts.forms[task_id] = schema
    parts.form_bytes[task_id] = data


def content_hash(card_bytes: bytes, bpmn_xml: bytes, form_bytes: Mapping[str, bytes]) -> str:
    """sha256 over length-framed parts: card, BPMN, then forms sorted by name (file names do not count)."""
    digest = hashlib.sha256()
    items = [("procedure.toml", card_bytes), ("process.bpmn", bpmn_xml)]
    items += [(f"forms/{k}.json", form_bytes[k]) for k in sorted(form_bytes)]
    for name, data in items:
        digest.update(f"{name}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()


def read_package_dir(path: Path | str) -> dict[str, bytes]:
    """Files of a package folder; reads at most one byte past each limit so huge files are refused cheaply."""
    root = Path(path)
    files: dict[str, bytes] = {}
    for file in sorted(root.rglob("*")):
        rel = file.relative_to(root).as_posix()
        if not file.is_file() or any(p.startswith(".") or p == "__pycache__" for p in rel.split("/")):
            continue
        if len(files) > MAX_FILES:
            break
        with file.open("rb") as fh:
            files[rel] = fh.read(max(MAX_BPMN_BYTES, MAX_FORM_BYTES, MAX_CARD_BYTES) + 1)
    return files


def build_package(parts: PackageParts, problems: list[Problem]) -> ProcedurePackage:
    """Turn collected parts into a package, or raise PackageError listing every error."""
    if errors(problems) or parts.card is None or parts.bpmn_xml is None:
        errs = errors(problems)
        raise PackageError(
            f"Gói thủ tục '{parts.slug}' có {len(errs)} lỗi: " + "; ".join(str(p) for p in errs[:5]),
            message_en=f"Procedure package '{parts.slug}' has {len(errs)} error(s).",
            details=[p.to_dict() for p in errs],
        )
    return ProcedurePackage(parts.slug, parts.path, parts.card, parts.bpmn_filename, parts.bpmn_xml, dict(parts.forms),
                            content_hash(parts.card_bytes, parts.bpmn_xml, parts.form_bytes),
                            tuple(p for p in problems if not p.is_error), parts.card_bytes, dict(parts.form_bytes))


def load_package_from_files(files: Mapping[str, bytes], slug: str) -> ProcedurePackage:
    """Load a package from in-memory files (zip import); PackageError(details=[problems]) if anything is wrong."""
    parts, problems = collect_package(files, slug)
    _check_xml(parts, problems)
    return build_package(parts, problems)


def load_package(path: Path | str) -> ProcedurePackage:
    """Load ``processes/<slug>/``; PackageError(details=[problems]) if anything is wrong."""
    path = Path(path)
    parts, problems = collect_package(read_package_dir(path), path.name, path)
    _check_xml(parts, problems)
    return build_package(parts, problems)


def _check_xml(parts: PackageParts, problems: list[Problem]) -> None:
    """Loading already refuses unsafe or broken XML; full BPMN checks are the validator's job."""
    if parts.bpmn_xml is None:
        return
    try:
        parse_bpmn_xml(parts.bpmn_xml, parts.bpmn_filename)
    except PackageError as exc:
        problems.append(_problem(parts.bpmn_filename, None, exc.message, "Lưu lại tệp từ trình vẽ BPMN, không sửa tay.",
                                 exc.message_en))
        parts.bpmn_xml = None
