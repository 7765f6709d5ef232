"""Property tests: printing then parsing is the identity (numerically); no input crashes."""

from __future__ import annotations

import cmath

import sympy
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from mathdrill.errors import MathSyntaxError
from mathdrill.mathlang import Sequence, SetLiteral, parse, parse_author, to_plain, to_unicode

x, y = sympy.symbols("x y")
POINTS = ({x: sympy.Rational(7, 10), y: sympy.Rational(-13, 10)}, {x: 2, y: sympy.Rational(1, 3)})

leaves = st.one_of(
    st.sampled_from([x, y, sympy.pi, sympy.E]),
    st.integers(-12, 12).map(sympy.Integer),
    st.builds(lambda p, q: sympy.Rational(p, q), st.integers(-9, 9), st.integers(1, 9)),
)
UNARY = [sympy.sin, sympy.cos, sympy.exp, sympy.log, sympy.sqrt, sympy.Abs, sympy.tanh, sympy.atan]


def _extend(children: st.SearchStrategy[sympy.Expr]) -> st.SearchStrategy[sympy.Expr]:
    return st.one_of(
        st.builds(lambda f, a: f(a), st.sampled_from(UNARY), children),
        st.builds(lambda a, b: a + b, children, children),
        st.builds(lambda a, b: a - b, children, children),
        st.builds(lambda a, b: a * b, children, children),
        st.builds(lambda a, b: a / b, children, children),
        st.builds(lambda a, n: a**n, children, st.integers(-3, 4)),
    )


expressions = st.recursive(leaves, _extend, max_leaves=8)


def _value(expr: sympy.Expr, point: dict) -> complex | None:
    v = expr.evalf(15, subs=point)
    try:
        c = complex(v)
    except (TypeError, ValueError):
        return None
    if not (cmath.isfinite(c)) or abs(c) > 1e12:
        return None
    return c


def _equivalent(a: sympy.Expr, b: sympy.Expr) -> bool:
    checked = 0
    for point in POINTS:
        va, vb = _value(a, point), _value(b, point)
        if va is None or vb is None:
            continue
        checked += 1
        if abs(va - vb) > 1e-9 * max(1.0, abs(va)):
            return False
    assume(checked > 0)
    return True


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expressions)
def test_to_plain_round_trips(expr: sympy.Expr) -> None:
    # atan(zoo) evaluates to AccumBounds(-pi/2, pi/2): a range of values, not an expression
    assume(not expr.has(sympy.zoo, sympy.nan, sympy.AccumBounds))
    text = to_plain(expr)
    parsed = parse(text, symbols=("x", "y"), allow_imaginary=True)
    assert _equivalent(parsed.value, expr), (text, parsed.value)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expressions)
def test_to_unicode_reads_back(expr: sympy.Expr) -> None:
    # The "read as" echo is itself valid input: a learner can copy it back.
    # atan(zoo) evaluates to AccumBounds(-pi/2, pi/2): a range of values, not an expression
    assume(not expr.has(sympy.zoo, sympy.nan, sympy.AccumBounds))
    text = to_unicode(expr)
    parsed = parse(text, symbols=("x", "y"), allow_imaginary=True)
    assert _equivalent(parsed.value, expr), (text, parsed.value)


def _error_of(reader: object, text: str) -> MathSyntaxError | None:
    """The MathSyntaxError the reader raises (any other exception propagates and fails)."""
    try:
        reader(text, symbols=("x", "y"))  # type: ignore[operator]
    except MathSyntaxError as err:
        return err
    return None


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_any_text_only_raises_math_syntax_error(text: str) -> None:
    err = _error_of(parse, text)
    if err is not None:
        assert 0 <= err.start < err.end <= max(len(text), err.start + 1)
        # The catch-all message would mean an internal exception was hidden.
        assert "could not read this input (" not in err.message, err.message


MATH_ALPHABET = [
    *"0123456789xyen+-*/^()[]{},.|!% ²³⁻¹√π·×−÷∞αλσ=<>&_",
    "sin", "cos", "ln", "log", "exp", "sqrt", "pi", "oo", "C", "max", "softmax", "relu",
    "\\frac", "\\sqrt", "^{", "\\left(", "\\right)", "\\cdot", "\\\\", "\\begin{bmatrix}",
    "\\end{bmatrix}", "1e5", "2.5", " ", "and", "not", "[0]", "**", "\\{", "\\}", "\\%",
]  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(MATH_ALPHABET), max_size=14).map("".join))
def test_math_alphabet_text_only_raises_math_syntax_error(text: str) -> None:
    for reader in (parse, parse_author):
        err = _error_of(reader, text)
        if err is not None:
            assert 0 <= err.start < err.end
            assert "could not read this" not in err.message, err.message


collections = st.recursive(
    leaves,
    lambda children: st.one_of(
        st.builds(
            lambda items, br: Sequence(tuple(items), br),
            st.lists(children, min_size=2, max_size=4),
            st.sampled_from(["[", "("]),
        ),
        st.builds(lambda items: SetLiteral(tuple(items)), st.lists(children, max_size=4)),
    ),
    max_leaves=10,
)


@settings(max_examples=100, deadline=None)
@given(collections)
def test_collections_round_trip_exactly(value: object) -> None:
    assert parse(to_plain(value), symbols=("x", "y")).value == value


def test_abs_of_exp_round_trips() -> None:
    # Regression (found by the property above): sympy writes |e^x| as exp(re(x)) for a complex
    # symbol, so the learner table must read re/im/conjugate back.
    expr = sympy.Abs(sympy.exp(x))
    assert to_plain(expr) == "exp(re(x))"
    parsed = parse(to_plain(expr), symbols=("x", "y"), allow_imaginary=True)
    for point in POINTS:
        assert abs(_value(parsed.value, point) - _value(expr, point)) < 1e-12
