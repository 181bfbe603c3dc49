"""The safe evaluator: whitelisted constructs work, everything else is refused with the construct named."""

from __future__ import annotations

import builtins
import math
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.errors import ExpressionError, UnsafeExpression
from engine.procedures.expressions import MAX_DEPTH, MAX_LENGTH, MAX_NODES, compile_expression, evaluate

DATA = {
    "approved": True, "area_m2": 300, "zone": "rural", "fee": 50000, "docs": {"x": 1, "y": None},
    "items": [1, 2, 3], "name": "Nguyễn Văn A", "missing": None, "ratio": 0.5, "key": "x", "long_number": "9" * 60,
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("approved == True", True),
        ('area_m2 > 250 and zone != "urban"', True),
        ("not approved or fee > 0", True),
        ("1 < area_m2 <= 300 < 301", True),
        ("1 < area_m2 < 2", False),
        ('zone in ["rural", "mountain"]', True),
        ('zone not in ("urban",)', True),
        ("missing is None and docs['y'] is None and docs is not None", True),
        ('docs["x"] == 1 and items[0] == 1 and items[-1] == 3 and docs[key] == 1', True),
        ("-fee + +fee == 0", True),
        ("fee * 2 - 1 == 99999 and fee / 4 == 12500.0 and fee // 3 == 16666 and fee % 7 == 6", True),
        ("'big' if area_m2 > 250 else 'small'", "big"),
        ("len(items) == 3 and min(items) == 1 and max(1, 5) == 5 and sum(items) == 6", True),
        ("abs(-2) + round(2.567, 1) + int('3') + float('0.5')", 8.1),
        ("str(fee) + 'đ'", "50000đ"),
        ("bool(items) and any([False, approved]) and all([])", True),
        ("{'a': 1}['a'] + len({1, 2, 2})", 3),
        ('f"{zone}-{fee}"', "rural-50000"),
        ("name + ' ' + zone", "Nguyễn Văn A rural"),
        ("approved and fee", 50000),
        ("  approved == True\n", True),
        ("approved == True\r\n    and area_m2 > 250\n    and fee > 0", True),
    ],
)
def test_whitelisted_expressions(text, expected):
    result = evaluate(text, DATA)
    assert result == pytest.approx(expected) if isinstance(expected, float) else result == expected


@pytest.mark.parametrize(
    ("text", "construct"),
    [
        ("().__class__.__base__.__subclasses__()", "__subclasses__"),
        ("items.__class__", "__class__"),
        ("__import__('os')", "__import__"),
        ("open('x')", "open"),
        ("eval('1')", "eval"),
        ("exec('1')", "exec"),
        ("getattr(items, 'x')", "getattr"),
        ("__builtins__", "__builtins__"),
        ("_private == 1", "_private"),
        ("lambda: 1", "lambda"),
        ("(lambda x: x)(1)", "lambda"),
        ("9**9**9", "**"),
        ("'a'*10**9", "**"),
        ("fee ** 2", "**"),
        ("fee & 1", "&"),
        ("fee | 1", "|"),
        ("fee ^ 1", "^"),
        ("fee << 40", "<<"),
        ("~fee", "~"),
        ("[x for x in items]", "comprehension"),
        ("{x: 1 for x in items}", "comprehension"),
        ("any(x for x in items)", "generator"),
        ("(y := 1)", ":="),
        ("items[0:2]", "subscript"),
        ("items[fee + 1]", "subscript"),
        ("max(*items)", "unpacking"),
        ("{**docs}", "**"),
        ("round(ratio, ndigits=2)", "keyword"),
        ("fee is 1", "None"),
        ('f"{fee:>1000000}"', "f-string"),
        ('f"{fee!r}"', "f-string"),
        ("b'x' == b'x'", "bytes"),
        ("1j == 1j", "complex"),
        ("approved == true", "True"),
        ("approved && fee", "and / or / not"),
        ("!approved", "and / or / not"),
        ("approved ==", "syntax"),
        ("", "empty"),
        ("x" * (MAX_LENGTH + 1), str(MAX_LENGTH)),
        ("[" + ",".join(["1"] * MAX_NODES) + "]", str(MAX_NODES)),
        ("+".join(["1"] * (MAX_DEPTH + 2)), "nested"),
        ("-" * 200 + "1", "nested"),
        ("(" * 300 + "1" + ")" * 300, "syntax"),
    ],
)
def test_refused_constructs_are_named(text, construct):
    with pytest.raises(UnsafeExpression) as info:
        compile_expression(text)
    err = info.value
    assert construct in err.message_en
    assert err.message != err.message_en  # Vietnamese text is its own
    assert err.code == "unsafe_expression"


def test_attribute_message_is_vietnamese_and_names_the_attribute():
    with pytest.raises(UnsafeExpression) as info:
        compile_expression("().__class__")
    assert "thuộc tính '__class__' không được phép" in info.value.message
    assert info.value.details["construct"] == "__class__"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("'a' * 3", "numbers only"),
        ("items * 3", "numbers only"),
        ("3 * items", "numbers only"),
        ("'%s' % zone", "numbers only"),
        ("name * fee", "numbers only"),
        ("99999999999 * 99999999999", "limit"),
        ("1e300 * 1e300", "limit"),
        ("fee / 0", "division by zero"),
        ("fee % 0", "division by zero"),
        ("1 < 'a'", "cannot compare int with str"),
        ("len(fee)", "wrong types"),
        ("docs['zz']", "no element ['zz']"),
        ("items[10]", "no element [10]"),
        ("fee[0]", "cannot index into int"),
        ("round(fee, -1000000000)", "-20..20"),
        ("int(long_number)", "too long"),
        ("float('1e400') + 0", "limit"),
        ("sum(items, 1)", "one list"),
        ("max(fee)", "needs a list"),
        ("min([])", "ValueError"),
        ("str(items)", "str() takes"),
        ("1 in fee", "cannot compare"),
        ("{[1]: 2}", "wrong types"),
    ],
)
def test_runtime_errors_are_expression_errors(text, fragment):
    with pytest.raises(ExpressionError) as info:
        evaluate(text, DATA)
    assert fragment in info.value.message_en


def test_unknown_variable_is_named():
    with pytest.raises(ExpressionError) as info:
        evaluate("approved and so_tien > 0", DATA)
    assert info.value.details["name"] == "so_tien"
    assert "'so_tien'" in info.value.message
    assert "unknown variable 'so_tien'" in info.value.message_en


def test_short_circuit_skips_unknown_names():
    assert evaluate("approved or nope", DATA) is True
    assert evaluate("not approved and nope", DATA) is False
    assert evaluate("'a' if approved else nope", DATA) == "a"


def test_names_and_cache():
    expr = compile_expression("len(items) > 0 and docs[key] == fee")
    assert expr.names == frozenset({"items", "docs", "key", "fee"})
    assert compile_expression("len(items) > 0 and docs[key] == fee") is expr
    assert compile_expression("approved == True").maybe_boolean
    assert not compile_expression("fee + 1").maybe_boolean
    assert not compile_expression("len(items)").maybe_boolean
    assert not compile_expression("'yes'").maybe_boolean


def test_never_uses_python_eval(monkeypatch):
    def boom(*args, **kwargs):
        raise AssertionError("eval/exec must never be called")

    monkeypatch.setattr(builtins, "eval", boom)
    monkeypatch.setattr(builtins, "exec", boom)
    assert evaluate("area_m2 > 250 and zone != 'urban' and len(items) == 3", DATA) is True


def test_worst_case_expressions_are_fast():
    long_sum = "+".join(["fee"] * 90)  # within the depth limit
    chain = " and ".join(["area_m2 > 1"] * 60)
    start = time.perf_counter()
    for _ in range(50):
        evaluate(long_sum, DATA)
        evaluate(chain, DATA)
    with pytest.raises(ExpressionError):
        evaluate("+".join(["items"] * 90), {"items": list(range(5000))})
    assert time.perf_counter() - start < 2


# --- property-based: nothing but ExpressionError ever escapes evaluation ---------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=5), children, max_size=5),
    max_leaves=20,
)
VALID = [
    "approved == True", "x > 250 and y != 'urban'", "x in y", "x[0] == y", "len(x) > 0", "x + y", "x - y", "x * y",
    "x / y", "x // y", "x % y", "-x", "not x", "x if y else z", "min(x)", "max(x, y)", "sum(x)", "abs(x)",
    "round(x)", "round(x, y)", "int(x)", "float(x)", "str(x)", "bool(x)", "any(x)", "all(x)", "x[y]", "x['k']",
    "x < y <= z", "x is None", "{x: y}", "[x, y] + [z]", "{x, y}", 'f"{x}{y}"', "x[-1]", "x + x + x + x",
]


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(VALID), st.dictionaries(st.sampled_from(["x", "y", "z", "approved"]), json_values))
def test_random_data_only_raises_expression_error(text, data):
    try:
        evaluate(text, data)
    except ExpressionError:
        pass


TOKENS = ["x", "y", "1", "0", "-1", "2.5", "'a'", "None", "True", "(", ")", "[", "]", "{", "}", ",", ":", "+", "-",
          "*", "/", "//", "%", "**", "==", "<", ">=", " and ", " or ", " not ", " in ", " is ", " if ", " else ",
          "len", "min", "round", "str", "int", ".", "__class__", "lambda", "[-1]", "open"]


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=15).map("".join),
       st.dictionaries(st.sampled_from(["x", "y"]), json_values))
def test_random_token_soup_is_refused_or_evaluated_safely(text, data):
    try:
        expr = compile_expression(text)
    except UnsafeExpression:
        return
    try:
        expr.evaluate(data)
    except ExpressionError:
        pass


@settings(max_examples=200)
@given(st.text(max_size=60))
def test_arbitrary_text_only_raises_unsafe_expression(text):
    try:
        compile_expression(text)
    except UnsafeExpression:
        pass


def test_numbers_stay_bounded():
    with pytest.raises(ExpressionError):
        evaluate("x * x * x", {"x": 10**7})
    assert evaluate("x * x", {"x": 10**7}) == 10**14
    assert math.isnan(evaluate("x + 1", {"x": float("nan")}))
