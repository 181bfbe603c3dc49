"""Safe evaluator for gateway conditions (DOMAIN §6): no Python code from a BPMN file ever runs.

Expressions are parsed with ``ast`` and checked against a whitelist at compile time; evaluation walks
the checked tree itself (``eval``/``exec`` are never called), so nothing outside the whitelist can be
reached at runtime. Size limits at both stages keep a hostile expression from exhausting CPU or memory.
"""

from __future__ import annotations

import ast
import math
import operator
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from engine.errors import ExpressionError, UnsafeExpression

MAX_LENGTH = 2000  # characters of expression text
MAX_NODES = 400  # AST nodes
MAX_DEPTH = 100  # nesting depth (keeps the recursive evaluator far from the recursion limit)
MAX_NUMBER = 10**18  # absolute value of any arithmetic result
MAX_SEQUENCE = 100_000  # length of any str/list/tuple an expression builds

FUNCTIONS = {
    "len": len, "min": min, "max": max, "abs": abs, "round": round, "int": int,
    "float": float, "str": str, "bool": bool, "any": any, "all": all, "sum": sum,
}
# JavaScript/JSON spellings designers type by habit; refusing them beats a confusing runtime error.
_FOREIGN_NAMES = {"true": "True", "false": "False", "null": "None", "undefined": "None"}

_BINOPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
           ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod}
_CMPOPS = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
           ast.Gt: operator.gt, ast.GtE: operator.ge, ast.In: lambda a, b: a in b,
           ast.NotIn: lambda a, b: a not in b, ast.Is: operator.is_, ast.IsNot: operator.is_not}
_REFUSED = {  # node type -> (Vietnamese, English) name of the construct
    ast.Lambda: ("hàm lambda", "lambda"), ast.ListComp: ("list comprehension", "list comprehension"),
    ast.SetComp: ("set comprehension", "set comprehension"), ast.DictComp: ("dict comprehension", "dict comprehension"),
    ast.GeneratorExp: ("generator", "generator expression"), ast.NamedExpr: ("toán tử gán ':='", "walrus operator ':='"),
    ast.Await: ("await", "await"), ast.Yield: ("yield", "yield"), ast.YieldFrom: ("yield from", "yield from"),
    ast.Starred: ("toán tử giải nén '*'", "unpacking '*'"), ast.Slice: ("cắt lát [a:b]", "slice [a:b]"),
}
_OP_NAMES = {ast.Pow: "**", ast.BitAnd: "&", ast.BitOr: "|", ast.BitXor: "^", ast.LShift: "<<", ast.RShift: ">>",
             ast.MatMult: "@", ast.Invert: "~"}


def _unsafe(text: str, vi: str, en: str, construct: str) -> UnsafeExpression:
    return UnsafeExpression(
        f"Biểu thức '{_clip(text)}' không an toàn: {vi}. Điều kiện chỉ được là biểu thức logic trên dữ liệu hồ sơ.",
        message_en=f"Expression '{_clip(text)}' is not safe: {en}. Conditions must be boolean expressions over dossier data.",
        details={"expression": _clip(text), "construct": construct},
    )


def _clip(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


@dataclass(frozen=True, eq=False)
class SafeExpression:
    """A whitelisted, compiled expression; immutable and shareable between threads."""

    text: str
    names: frozenset[str]
    tree: ast.Expression

    @property
    def maybe_boolean(self) -> bool:
        """False when the top of the tree can only yield a number, string or collection (not a condition)."""
        body = self.tree.body
        if isinstance(body, ast.Constant):
            return isinstance(body.value, bool)
        if isinstance(body, ast.Call) and isinstance(body.func, ast.Name):
            return body.func.id in ("bool", "any", "all", "min", "max")
        return not isinstance(body, (ast.BinOp, ast.List, ast.Tuple, ast.Set, ast.Dict, ast.JoinedStr))

    def evaluate(self, data: Mapping[str, Any]) -> Any:
        """Evaluate over ``data``; every failure (unknown name, wrong types, limits) is an ExpressionError."""
        try:
            return _Evaluator(self.text, data).eval(self.tree.body)
        except ExpressionError:
            raise
        except Exception as exc:  # noqa: BLE001 - the contract is: only ExpressionError escapes
            raise _expr_error(self.text, f"lỗi khi tính: {_describe(exc)}", f"evaluation failed: {_describe(exc)}") from exc


def _describe(exc: BaseException) -> str:
    if isinstance(exc, ZeroDivisionError):
        return "chia cho 0 / division by zero"
    if isinstance(exc, TypeError):
        return f"kiểu dữ liệu không phù hợp / wrong types ({exc})"
    return f"{type(exc).__name__}: {exc}"[:200]


def _expr_error(text: str, vi: str, en: str, **details: Any) -> ExpressionError:
    return ExpressionError(f"Biểu thức '{_clip(text)}': {vi}.", message_en=f"Expression '{_clip(text)}': {en}.",
                           details={"expression": _clip(text), **details})


def _compile(text: str) -> SafeExpression:
    if not isinstance(text, str):
        raise _unsafe(str(text), "biểu thức phải là chuỗi ký tự", "expression must be a string", "type")
    if len(text) > MAX_LENGTH:
        raise _unsafe(text, f"dài quá {MAX_LENGTH} ký tự", f"longer than {MAX_LENGTH} characters", "length")
    # Modellers wrap long conditions over several lines; a condition is one expression, so lines are joined.
    source = text.replace("\r", " ").replace("\n", " ").strip()
    if not source:
        raise _unsafe(text, "biểu thức trống", "empty expression", "empty")
    try:
        with warnings.catch_warnings():  # e.g. "invalid decimal literal": designer text, not server faults
            warnings.simplefilter("ignore", SyntaxWarning)
            tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        hint_vi = hint_en = ""
        if any(tok in source for tok in ("&&", "||", "===", "!==")) or re.search(r"(^|[^=!<>])!(?!=)", source):
            hint_vi, hint_en = " (dùng and / or / not, == và != như Python)", " (use and / or / not, == and != as in Python)"
        raise _unsafe(text, f"sai cú pháp ở cột {exc.offset}{hint_vi}", f"syntax error at column {exc.offset}{hint_en}",
                      "syntax") from None
    except (ValueError, RecursionError, MemoryError):
        raise _unsafe(text, "không phân tích được (lồng quá sâu hoặc ký tự lạ)",
                      "cannot be parsed (too deeply nested or invalid characters)", "syntax") from None
    names: set[str] = set()
    count = 0
    stack: list[tuple[ast.AST, int]] = [(tree.body, 1)]
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise _unsafe(text, f"quá phức tạp (hơn {MAX_NODES} nút)", f"too complex (more than {MAX_NODES} nodes)", "size")
        if depth > MAX_DEPTH:
            raise _unsafe(text, f"lồng quá sâu (hơn {MAX_DEPTH} mức)", f"nested deeper than {MAX_DEPTH} levels", "depth")
        children = _check(text, node, names)
        # Reverse so that the left-most offending construct is reported first.
        stack.extend((child, depth + 1) for child in reversed(children))
    return SafeExpression(text=text, names=frozenset(names), tree=tree)


def _check(text: str, node: ast.AST, names: set[str]) -> list[ast.AST]:
    """Refuse ``node`` unless whitelisted; return the children to check next."""
    if isinstance(node, ast.Constant):
        if node.value is None or isinstance(node.value, (bool, int, float, str)):
            return []
        raise _unsafe(text, f"hằng số kiểu {type(node.value).__name__} không được phép",
                      f"constant of type {type(node.value).__name__} is not allowed", "constant")
    if isinstance(node, ast.Name):
        if node.id.startswith("_"):
            raise _unsafe(text, f"tên '{node.id}' bắt đầu bằng '_' không được phép",
                          f"name '{node.id}' starting with '_' is not allowed", node.id)
        if node.id in _FOREIGN_NAMES:
            good = _FOREIGN_NAMES[node.id]
            raise _unsafe(text, f"'{node.id}' không phải giá trị Python, hãy viết {good}",
                          f"'{node.id}' is not a Python value, write {good}", node.id)
        if not isinstance(node.ctx, ast.Load):
            raise _unsafe(text, "không được gán giá trị", "assignment is not allowed", "assignment")
        names.add(node.id)
        return []
    if isinstance(node, ast.Attribute):
        raise _unsafe(text, f"thuộc tính '{node.attr}' không được phép (không dùng dấu chấm)",
                      f"attribute '{node.attr}' is not allowed (no dot access)", node.attr)
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name):
            return [node.func]  # report what the callee is made of (usually an attribute)
        fname = node.func.id
        if fname not in FUNCTIONS:
            raise _unsafe(text, f"không được gọi hàm '{fname}' (chỉ được: {', '.join(sorted(FUNCTIONS))})",
                          f"calling '{fname}' is not allowed (allowed: {', '.join(sorted(FUNCTIONS))})", fname)
        if node.keywords:
            raise _unsafe(text, f"không dùng tham số có tên khi gọi '{fname}'",
                          f"keyword arguments to '{fname}' are not allowed", fname)
        return list(node.args)
    if isinstance(node, ast.BinOp):
        if type(node.op) not in _BINOPS:
            sym = _OP_NAMES.get(type(node.op), type(node.op).__name__)
            raise _unsafe(text, f"toán tử '{sym}' không được phép", f"operator '{sym}' is not allowed", sym)
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp):
        if isinstance(node.op, ast.Invert):
            raise _unsafe(text, "toán tử '~' không được phép", "operator '~' is not allowed", "~")
        return [node.operand]
    if isinstance(node, ast.BoolOp):
        return list(node.values)
    if isinstance(node, ast.Compare):
        operands = [node.left, *node.comparators]
        for i, op in enumerate(node.ops):
            if isinstance(op, (ast.Is, ast.IsNot)) and not any(
                isinstance(o, ast.Constant) and o.value is None for o in operands[i:i + 2]
            ):
                raise _unsafe(text, "'is' / 'is not' chỉ dùng để so với None (dùng == để so giá trị)",
                              "'is' / 'is not' may only compare with None (use == for values)", "is")
        return operands
    if isinstance(node, ast.IfExp):
        return [node.test, node.body, node.orelse]
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return list(node.elts)
    if isinstance(node, ast.Dict):
        if any(k is None for k in node.keys):
            raise _unsafe(text, "toán tử giải nén '**' không được phép", "unpacking '**' is not allowed", "**")
        return [*node.keys, *node.values]
    if isinstance(node, ast.Subscript):
        key = node.slice
        is_key = isinstance(key, (ast.Constant, ast.Name)) or (
            isinstance(key, ast.UnaryOp) and isinstance(key.op, ast.USub) and isinstance(key.operand, ast.Constant)
        )
        if not is_key:
            raise _unsafe(text, "chỉ số [ ] chỉ được là hằng số hoặc tên biến",
                          "a subscript [ ] may only be a constant or a variable name", "subscript")
        return [node.value, key]
    if isinstance(node, ast.JoinedStr):
        for part in node.values:
            if isinstance(part, ast.FormattedValue) and (part.conversion != -1 or part.format_spec is not None):
                raise _unsafe(text, "f-string chỉ được dạng đơn giản {x}", "f-strings may only use plain {x}", "f-string")
        return [p.value if isinstance(p, ast.FormattedValue) else p for p in node.values]
    vi, en = _REFUSED.get(type(node), (f"cấu trúc {type(node).__name__}", f"construct {type(node).__name__}"))
    raise _unsafe(text, f"{vi} không được phép", f"{en} is not allowed", type(node).__name__)


class _Evaluator:
    """Walks a tree already checked by ``_check``; enforces runtime size limits."""

    def __init__(self, text: str, data: Mapping[str, Any]):
        self.text = text
        self.data = data

    def err(self, vi: str, en: str, **details: Any) -> ExpressionError:
        return _expr_error(self.text, vi, en, **details)

    def eval(self, node: ast.AST) -> Any:
        method = getattr(self, "_" + type(node).__name__)
        return method(node)

    def _Constant(self, node: ast.Constant) -> Any:
        return node.value

    def _Name(self, node: ast.Name) -> Any:
        try:
            return self.data[node.id]
        except (KeyError, TypeError):
            raise self.err(f"không có biến '{node.id}' trong dữ liệu hồ sơ",
                           f"unknown variable '{node.id}' (not in the dossier data)", name=node.id) from None

    def _UnaryOp(self, node: ast.UnaryOp) -> Any:
        value = self.eval(node.operand)
        if isinstance(node.op, ast.Not):
            return not value
        self._number(value, "-" if isinstance(node.op, ast.USub) else "+")
        return -value if isinstance(node.op, ast.USub) else +value

    def _BinOp(self, node: ast.BinOp) -> Any:
        left, right = self.eval(node.left), self.eval(node.right)
        sym = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%"}[type(node.op)]
        if isinstance(node.op, ast.Add) and type(left) is type(right) and isinstance(left, (str, list, tuple)):
            if len(left) + len(right) > MAX_SEQUENCE:
                raise self.err(f"kết quả dài quá {MAX_SEQUENCE}", f"result longer than {MAX_SEQUENCE}")
            return left + right
        self._number(left, sym)
        self._number(right, sym)
        return self._bounded(_BINOPS[type(node.op)](left, right))

    def _number(self, value: Any, sym: str) -> None:
        if not isinstance(value, (int, float)):
            raise self.err(f"toán tử '{sym}' chỉ dùng cho số (gặp {type(value).__name__})",
                           f"operator '{sym}' works on numbers only (got {type(value).__name__})")

    def _bounded(self, value: Any) -> Any:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if isinstance(value, float) and math.isnan(value):
                return value
            if not abs(value) <= MAX_NUMBER:
                raise self.err(f"số vượt giới hạn {MAX_NUMBER:.0e}", f"number exceeds the limit {MAX_NUMBER:.0e}")
        return value

    def _BoolOp(self, node: ast.BoolOp) -> Any:
        is_and = isinstance(node.op, ast.And)
        value = None
        for child in node.values:
            value = self.eval(child)
            if bool(value) != is_and:
                return value
        return value

    def _Compare(self, node: ast.Compare) -> bool:
        left = self.eval(node.left)
        for op, comp in zip(node.ops, node.comparators):
            right = self.eval(comp)
            try:
                ok = _CMPOPS[type(op)](left, right)
            except TypeError:
                raise self.err(f"không so sánh được {type(left).__name__} với {type(right).__name__}",
                               f"cannot compare {type(left).__name__} with {type(right).__name__}") from None
            if not ok:
                return False
            left = right
        return True

    def _IfExp(self, node: ast.IfExp) -> Any:
        return self.eval(node.body) if self.eval(node.test) else self.eval(node.orelse)

    def _List(self, node: ast.List) -> list:
        return [self.eval(e) for e in node.elts]

    def _Tuple(self, node: ast.Tuple) -> tuple:
        return tuple(self.eval(e) for e in node.elts)

    def _Set(self, node: ast.Set) -> set:
        return {self.eval(e) for e in node.elts}

    def _Dict(self, node: ast.Dict) -> dict:
        return {self.eval(k): self.eval(v) for k, v in zip(node.keys, node.values)}

    def _Subscript(self, node: ast.Subscript) -> Any:
        container, key = self.eval(node.value), self.eval(node.slice)
        if not isinstance(container, (Mapping, list, tuple, str)):
            raise self.err(f"không lấy phần tử [ ] của {type(container).__name__}",
                           f"cannot index into {type(container).__name__}")
        try:
            return container[key]
        except (KeyError, IndexError, TypeError):
            raise self.err(f"không có phần tử [{key!r}]", f"no element [{key!r}]", key=repr(key)[:80]) from None

    def _JoinedStr(self, node: ast.JoinedStr) -> str:
        out = "".join(str(self.eval(p.value)) if isinstance(p, ast.FormattedValue) else p.value for p in node.values)
        if len(out) > MAX_SEQUENCE:
            raise self.err(f"kết quả dài quá {MAX_SEQUENCE}", f"result longer than {MAX_SEQUENCE}")
        return out

    def _Call(self, node: ast.Call) -> Any:
        fname = node.func.id  # type: ignore[attr-defined]  # guaranteed by _check
        args = [self.eval(a) for a in node.args]
        if fname == "round" and len(args) == 2 and not (isinstance(args[1], int) and -20 <= args[1] <= 20):
            raise self.err("round(x, n) cần n là số nguyên từ -20 đến 20", "round(x, n) needs an integer n in -20..20")
        if fname == "sum" and len(args) != 1:
            raise self.err("sum() chỉ nhận một danh sách", "sum() takes exactly one list")
        if fname in ("int", "float") and args and isinstance(args[0], str) and len(args[0]) > 50:
            raise self.err("chuỗi số quá dài", "numeric string too long")
        if fname == "str" and args and not isinstance(args[0], (str, int, float, bool, type(None))):
            raise self.err("str() chỉ dùng cho số, chuỗi, logic", "str() takes numbers, strings or booleans only")
        if fname in ("min", "max", "sum", "any", "all") and len(args) == 1 and not isinstance(
            args[0], (list, tuple, set, frozenset, str, Mapping)
        ):
            raise self.err(f"{fname}() cần một danh sách", f"{fname}() needs a list")
        return self._bounded(FUNCTIONS[fname](*args))


@lru_cache(maxsize=1024)
def _cached_compile(text: str) -> SafeExpression:
    return _compile(text)


def compile_expression(text: str) -> SafeExpression:
    """Check ``text`` against the whitelist; raise UnsafeExpression naming the offending construct."""
    if isinstance(text, str) and len(text) <= MAX_LENGTH:
        return _cached_compile(text)
    return _compile(text)


def evaluate(text: str, data: Mapping[str, Any]) -> Any:
    """Compile (cached) and evaluate ``text`` over ``data``."""
    return compile_expression(text).evaluate(data)
