"""Step forms (JSON Schema 2020-12) are self-contained and run in bounded time.

A form is one document: every ``$ref`` / ``$dynamicRef`` points inside it (``#…``), no subschema declares
an ``$id`` of its own, and no reference is ever retrieved (the registry refuses every lookup outside the
document, at run time too). Regular expressions (``pattern``, ``patternProperties``, ``format: regex``)
run on RE2, whose matching time is linear in the input: a designer's ``^(a+)+$`` cannot stall the server.
The validator refuses what RE2 cannot run (look-arounds, back-references), so what is published is what
runs.
"""

from __future__ import annotations

from functools import lru_cache

import re2
from jsonschema import Draft202012Validator, FormatChecker, ValidationError, validators
from referencing import Registry
from referencing.exceptions import NoSuchResource, Unresolvable
from referencing.jsonschema import DRAFT202012

from engine.procedures import ERROR, Problem

REF_KEYWORDS = ("$ref", "$dynamicRef")
LOCAL_REF_PREFIX = "#"
PATTERN = "pattern"
PATTERN_PROPERTIES = "patternProperties"
UNEVALUATED_PROPERTIES = "unevaluatedProperties"
REGEX_FORMAT = "regex"
# RE2's memory budget per compiled pattern (its default): a larger automaton is refused, not built.
RE2_MAX_MEM = 8 << 20


class UnsupportedPattern(ValueError):
    """A pattern RE2 cannot compile (look-around, back-reference, huge repetition) or not valid at all."""


def _options() -> re2.Options:
    options = re2.Options()
    options.log_errors = False
    options.max_mem = RE2_MAX_MEM
    return options


_OPTIONS = _options()


@lru_cache(maxsize=4096)
def compile_pattern(pattern: str):
    """The pattern compiled by RE2 (cached: a version's patterns never change); UnsupportedPattern if not."""
    try:
        return re2.compile(pattern, _OPTIONS)
    except (re2.error, TypeError, ValueError) as exc:
        reason = exc.args[0] if exc.args else exc
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise UnsupportedPattern(str(reason)) from None


def pattern_search(pattern: str, text: str) -> bool:
    return compile_pattern(pattern).search(text) is not None


def _refuse_retrieval(uri: str):
    """Nothing outside the form is ever read: no file, no URL, no other schema."""
    raise NoSuchResource(ref=uri)


# The registry every form validator resolves references with: only the form itself is known.
SELF_CONTAINED = Registry(retrieve=_refuse_retrieval)


# ------------------------------------------------------------------ run time: keywords on RE2


def _unsupported(pattern: str) -> ValidationError:
    return ValidationError(f"pattern {pattern!r} is not supported by the form engine")


def _pattern(validator, pattern, instance, schema):
    if not validator.is_type(instance, "string"):
        return
    try:
        if not pattern_search(pattern, instance):
            yield ValidationError(f"{instance!r} does not match {pattern!r}")
    except UnsupportedPattern:
        yield _unsupported(pattern)


def _pattern_properties(validator, pattern_properties, instance, schema):
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in pattern_properties.items():
        try:
            compiled = compile_pattern(pattern)
        except UnsupportedPattern:
            yield _unsupported(pattern)
            continue
        for key, value in instance.items():
            if compiled.search(key) is not None:
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


def _additional(instance: dict, schema: dict) -> list[str]:
    properties = schema.get("properties", {})
    patterns = []
    for pattern in schema.get(PATTERN_PROPERTIES, {}):
        try:
            patterns.append(compile_pattern(pattern))
        except UnsupportedPattern:
            continue
    return [key for key in instance
            if key not in properties and not any(p.search(key) is not None for p in patterns)]


def _additional_properties(validator, additional, instance, schema):
    """As jsonschema's own, with the property patterns matched by RE2."""
    if not validator.is_type(instance, "object"):
        return
    extras = _additional(instance, schema)
    if validator.is_type(additional, "object"):
        for extra in extras:
            yield from validator.descend(instance[extra], additional, path=extra)
    elif not additional and extras:
        if PATTERN_PROPERTIES in schema:
            verb = "does" if len(extras) == 1 else "do"
            joined = ", ".join(repr(e) for e in sorted(extras))
            patterns = ", ".join(repr(p) for p in sorted(schema[PATTERN_PROPERTIES]))
            yield ValidationError(f"{joined} {verb} not match any of the regexes: {patterns}")
        else:
            listed = ", ".join(repr(e) for e in extras)
            was = "was" if len(extras) == 1 else "were"
            yield ValidationError(f"Additional properties are not allowed ({listed} {was} unexpected)")


FORM_FORMATS = FormatChecker()


@FORM_FORMATS.checks(REGEX_FORMAT, raises=UnsupportedPattern)
def _is_regex(instance) -> bool:
    if isinstance(instance, str):
        compile_pattern(instance)
    return True


FormValidator = validators.extend(Draft202012Validator, {
    PATTERN: _pattern, PATTERN_PROPERTIES: _pattern_properties, "additionalProperties": _additional_properties,
})


def form_validator(schema: dict):
    """How a step's form data is checked: JSON Schema 2020-12, formats enforced, patterns on RE2, and no
    reference resolved outside the form."""
    return FormValidator(schema, format_checker=FORM_FORMATS, registry=SELF_CONTAINED)


def unresolvable(exc: BaseException) -> bool:
    """True for the error a reference that cannot be resolved raises while validating (a version stored
    before forms were checked for it)."""
    return isinstance(exc, Unresolvable)


# ------------------------------------------------------------------ publish time: the problems of one form


def form_problems(task_id: str, schema: dict) -> list[Problem]:
    """Every reference leaving the document, every nested ``$id``, every pattern RE2 cannot run."""
    file = f"forms/{task_id}.json"
    out: list[Problem] = []

    def bad(vi: str, fix: str, en: str, fix_en: str) -> None:
        out.append(Problem(file, task_id, vi, fix, en, ERROR, fix_en))

    root = DRAFT202012.create_resource(schema)
    for resource, is_root in _schemas(root):
        contents = resource.contents
        if not isinstance(contents, dict):
            continue
        for keyword in REF_KEYWORDS:
            ref = contents.get(keyword)
            if isinstance(ref, str) and not ref.startswith(LOCAL_REF_PREFIX):
                bad(f"Biểu mẫu tham chiếu ra ngoài ({keyword}: '{ref[:200]}'): biểu mẫu phải tự chứa đủ, máy chủ không "
                    "đọc tệp hay địa chỉ nào khác.",
                    "Chép định nghĩa vào chính biểu mẫu ($defs) và tham chiếu bằng '#/$defs/…'.",
                    f"The form refers outside itself ({keyword}: '{ref[:200]}'): a form must be self-contained; the "
                    "server reads no other file or address.",
                    "Copy the definition into the form ($defs) and refer to it as '#/$defs/…'.")
        if not is_root and "$id" in contents:
            bad(f"Lược đồ con khai báo $id riêng ('{str(contents['$id'])[:200]}'): biểu mẫu là một tài liệu duy nhất.",
                "Xoá $id khỏi lược đồ con; dùng $defs và '#/$defs/…'.",
                f"A subschema declares its own $id ('{str(contents['$id'])[:200]}'): a form is one document.",
                "Remove $id from subschemas; use $defs and '#/$defs/…'.")
        patterns = []
        if isinstance(contents.get(PATTERN), str):
            patterns.append((PATTERN, contents[PATTERN]))
        if isinstance(contents.get(PATTERN_PROPERTIES), dict):
            patterns += [(PATTERN_PROPERTIES, p) for p in contents[PATTERN_PROPERTIES]]
            if UNEVALUATED_PROPERTIES in contents:
                bad("Không dùng patternProperties cùng unevaluatedProperties trong một lược đồ.",
                    "Dùng additionalProperties thay cho unevaluatedProperties.",
                    "patternProperties cannot be combined with unevaluatedProperties in one schema.",
                    "Use additionalProperties instead of unevaluatedProperties.")
        for keyword, pattern in patterns:
            try:
                compile_pattern(pattern)
            except UnsupportedPattern as exc:
                bad(f"Biểu thức chính quy {keyword} '{pattern[:200]}' không dùng được ({exc}): chỉ hỗ trợ cú pháp "
                    "RE2, chạy trong thời gian tuyến tính (không có look-ahead/look-behind, tham chiếu ngược).",
                    "Viết lại biểu thức không dùng (?=…), (?!…), (?<=…), \\1; hoặc kiểm tra bằng enum/minLength.",
                    f"Regular expression {keyword} '{pattern[:200]}' cannot be used ({exc}): only RE2 syntax, which "
                    "runs in linear time, is supported (no look-around, no back-references).",
                    "Rewrite it without (?=…), (?!…), (?<=…), \\1; or check with enum/minLength.")
    if not out:
        out.extend(_dangling(file, task_id, schema))
    return out


def _schemas(root):
    stack = [(root, True)]
    while stack:
        resource, is_root = stack.pop()
        yield resource, is_root
        try:
            stack.extend((sub, False) for sub in resource.subresources())
        except (AttributeError, TypeError):
            continue


def _dangling(file: str, task_id: str, schema: dict) -> list[Problem]:
    """Local references that point at nothing: refused now rather than failing when an officer completes the step."""
    out = []
    root = DRAFT202012.create_resource(schema)
    base = schema.get("$id") if isinstance(schema.get("$id"), str) else ""
    resolver = SELF_CONTAINED.with_resource(base, root).crawl().resolver(base_uri=base)
    for resource, _ in _schemas(root):
        contents = resource.contents
        if not isinstance(contents, dict):
            continue
        for keyword in REF_KEYWORDS:
            ref = contents.get(keyword)
            if not isinstance(ref, str):
                continue
            try:
                resolver.lookup(ref)
            except Unresolvable:
                out.append(Problem(file, task_id, f"Tham chiếu {keyword} '{ref[:200]}' không trỏ tới phần nào của biểu mẫu.",
                                   "Sửa đường dẫn, ví dụ '#/$defs/ten_dinh_nghia'.",
                                   f"Reference {keyword} '{ref[:200]}' points at nothing in the form.", ERROR,
                                   "Fix the path, e.g. '#/$defs/definition_name'."))
    return out
