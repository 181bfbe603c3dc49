"""The gate in front of the procedure store: what never enters a draft or an import, whoever sends it.

The validator reports everything wrong with a package so a designer can fix it; the gate is narrower and
absolute. A file that is not safe XML (too large, DOCTYPE/ENTITY: XXE and billion laughs, broken, not
BPMN), a construct that would carry code (script and service tasks, SpiffWorkflow pre/post scripts, vendor
extensions naming classes or scripts, conditions in another language) or an expression the safe evaluator
refuses (gateway conditions, timer values) is refused outright: nothing is stored, nothing is parsed by
SpiffWorkflow, nothing runs. Each refusal is a Problem naming the element, so the modeler can mark it.
"""

from __future__ import annotations

from lxml import etree

from engine.errors import PackageError, UnsafeExpression
from engine.procedures.bpmn import (
    _SPIFF_CODE,
    _VENDOR_CODE_ATTRS,
    _VENDOR_NS,
    BPMN_NS,
    MAX_BPMN_BYTES,
    REFUSED_TAGS,
    SPIFF_NS,
    _owner_id,
    _timer_literal,
    parse_bpmn_xml,
)
from engine.procedures.expressions import compile_expression
from engine.procedures.problems import Problem

_FIX = ("Xoá phần tử này. Máy chủ không chạy mã từ tệp BPMN: công việc của cán bộ là userTask; rẽ nhánh dùng "
        "exclusiveGateway với điều kiện là biểu thức logic trên dữ liệu hồ sơ.")
_FIX_EN = ("Remove it. The server runs no code from a BPMN file: officers' work is a userTask; branching uses an "
           "exclusiveGateway whose conditions are boolean expressions over the dossier data.")
_EXPR_FIX = "Viết biểu thức logic trên dữ liệu hồ sơ, ví dụ approved == True hoặc area_m2 > 250."
_EXPR_FIX_EN = "Write a boolean expression over the dossier data, e.g. approved == True or area_m2 > 250."


def _problem(filename: str, element: str | None, vi: str, en: str, fix: str = _FIX, fix_en: str = _FIX_EN) -> Problem:
    return Problem(filename, element, vi, fix, en, fix_en=fix_en)


def bpmn_refusals(data: bytes, filename: str = "process.bpmn") -> list[Problem]:
    """Every reason to refuse these BPMN bytes outright (empty list: the file may be stored and validated)."""
    if not isinstance(data, (bytes, bytearray)):
        return [_problem(filename, None, "Nội dung BPMN phải là văn bản XML.", "BPMN content must be XML text.")]
    if len(data) > MAX_BPMN_BYTES:  # before any parsing
        return [_problem(filename, None, f"Tệp {filename} quá lớn ({len(data)} byte, tối đa {MAX_BPMN_BYTES} byte): "
                         "bị từ chối trước khi đọc.", f"{filename} is too large ({len(data)} bytes, at most "
                         f"{MAX_BPMN_BYTES}): refused before parsing.", "Bỏ phần thừa (ảnh nhúng, chú thích dài).",
                         "Remove what is not needed (embedded images, long notes).")]
    try:
        root = parse_bpmn_xml(bytes(data), filename)
    except PackageError as exc:
        return [_problem(filename, None, exc.message, exc.message_en, "Lưu lại tệp từ trình vẽ BPMN, không sửa tay.",
                         "Save the file again from a BPMN modeller.")]
    return _code_constructs(root, filename)


def _code_constructs(root: etree._Element, filename: str) -> list[Problem]:
    out: list[Problem] = []
    for el in root.iter(etree.Element):
        q = etree.QName(el)
        ns, tag = q.namespace, q.localname
        owner = _owner_id(el)
        if ns == BPMN_NS and tag in REFUSED_TAGS and REFUSED_TAGS[tag][2]:
            vi, en, _ = REFUSED_TAGS[tag]
            out.append(_problem(filename, owner, f"Không được dùng {tag}: {vi}. Không cho phép script; điều kiện phải là "
                                "biểu thức logic.", f"{tag} is refused: {en}. Scripts are not allowed; conditions "
                                "must be boolean expressions."))
        elif ns == SPIFF_NS and tag in _SPIFF_CODE:
            out.append(_problem(filename, owner, f"Không được dùng spiffworkflow:{tag}: phần mở rộng này chạy mã.",
                                f"spiffworkflow:{tag} runs code: not allowed."))
        elif ns and _VENDOR_NS.search(ns):
            out.append(_problem(filename, owner, f"Phần mở rộng của hãng khác '{tag}' ({ns}) có thể chứa mã: không được "
                                "phép.", f"Vendor extension '{tag}' ({ns}) may carry code: not allowed."))
        elif ns == BPMN_NS and tag == "conditionExpression":
            out.extend(_condition(el, owner, filename))
        elif ns == BPMN_NS and tag in ("timeDuration", "timeDate", "timeCycle"):
            out.extend(_timer(el, owner, filename))
        for attr in el.attrib:
            a = etree.QName(attr)
            if a.namespace and _VENDOR_NS.search(a.namespace) and a.localname in _VENDOR_CODE_ATTRS:
                out.append(_problem(filename, owner, f"Thuộc tính '{a.localname}' của hãng khác chỉ định mã cần chạy: "
                                    "không được phép.", f"Vendor attribute '{a.localname}' names code to run: not allowed."))
    return out


def _condition(el, owner: str | None, filename: str) -> list[Problem]:
    lang = (el.get("language") or "").strip().lower()
    if lang and lang != "none" and "python" not in lang:
        return [_problem(filename, owner, f"Điều kiện viết bằng ngôn ngữ '{lang}': không được phép.",
                         f"Condition language '{lang}' is not allowed.", _EXPR_FIX, _EXPR_FIX_EN)]
    return expression_refusals((el.text or "").strip(), owner, filename, f"Điều kiện của luồng {owner}",
                               f"Condition of flow {owner}")


def _timer(el, owner: str | None, filename: str) -> list[Problem]:
    text = (el.text or "").strip()
    if not text or _timer_literal(text) is not None:
        return []  # a literal ISO value: the validator checks its form
    return expression_refusals(text, owner, filename, f"Hẹn giờ của {owner}", f"Timer of {owner}")


def expression_refusals(text: str, element: str | None, filename: str, where_vi: str, where_en: str) -> list[Problem]:
    """The safe evaluator's verdict on one expression, as a Problem (empty list when it compiles)."""
    if not text:
        return []
    try:
        compile_expression(text)
    except UnsafeExpression as exc:
        return [_problem(filename, element, f"{where_vi}: {exc.message}", f"{where_en}: {exc.message_en}", _EXPR_FIX,
                         _EXPR_FIX_EN)]
    return []


def refuse_if_hostile(data: bytes, filename: str = "process.bpmn") -> None:
    """Raise PackageError (details = the problems, each naming its element) when the BPMN must be refused."""
    problems = bpmn_refusals(data, filename)
    if problems:
        raise PackageError(
            f"Tệp {filename} bị từ chối ({len(problems)} lỗi): " + "; ".join(p.message for p in problems[:3]),
            message_en=f"{filename} is refused ({len(problems)} problem(s)): " + "; ".join(p.message_en for p in problems[:3]),
            details=[p.to_dict() for p in problems],
        )
