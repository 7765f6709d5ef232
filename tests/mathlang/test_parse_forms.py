"""Table-driven tests: every documented learner spelling reads as the expected sympy value."""

from __future__ import annotations

import pytest
import sympy
from sympy import E, I, Integer, Max, Rational, exp, log, oo, pi, sqrt, symbols

from mathdrill.mathlang import Sequence, SetLiteral, parse

x, y, n, k, lam, x1, a, b, c = symbols("x y n k lambda x_1 a b c")
SYMS = ("x", "y", "n", "k", "lambda", "x_1", "a", "b", "c")

FORMS = [
    ("2x", 2 * x),
    ("x y", x * y),
    ("xy", x * y),
    ("3(x+1)", 3 * (x + 1)),
    ("(x+1)(x-1)", (x + 1) * (x - 1)),
    ("x^2", x**2),
    ("x**2", x**2),
    ("2^3^2", Integer(512)),
    ("-x^2", -(x**2)),
    ("e^x", exp(x)),
    ("exp(x)", exp(x)),
    ("ln x", log(x)),
    ("log(x)", log(x)),
    ("log(8, 2)", Integer(3)),
    ("log2(x)", log(x, 2)),
    ("log10 x", log(x, 10)),
    ("log_2(x)", log(x, 2)),
    ("log_10 x", log(x, 10)),
    ("sin x^2", sympy.sin(x**2)),
    ("sin^2 x", sympy.sin(x) ** 2),
    ("sin²x", sympy.sin(x) ** 2),
    ("sin^2(x)", sympy.sin(x) ** 2),
    ("sin 2x", sympy.sin(2 * x)),
    ("2 sin x cos x", 2 * sympy.sin(x) * sympy.cos(x)),
    ("sin(x)cos(x)", sympy.sin(x) * sympy.cos(x)),
    ("sin -x", sympy.sin(-x)),
    ("ln ln x", log(log(x))),
    ("sqrt(2)/2", sqrt(2) / 2),
    ("√2", sqrt(2)),
    ("√(x+1)", sqrt(x + 1)),
    ("√2/2", sqrt(2) / 2),
    ("1/2x", x / 2),
    ("π", pi),
    ("pi r", None),  # r undeclared: checked in the error table
    ("2π", 2 * pi),
    ("2·x", 2 * x),
    ("2×x", 2 * x),
    ("x−1", x - 1),
    ("x÷2", x / 2),
    ("x²", x**2),
    ("x³", x**3),
    ("x¹⁰", x**10),
    ("x⁻¹", 1 / x),
    ("(x+1)²", (x + 1) ** 2),
    ("oo", oo),
    ("inf", oo),
    ("∞", oo),
    ("-oo", -oo),
    ("sigmoid(x)", 1 / (1 + exp(-x))),
    ("σ(x)", 1 / (1 + exp(-x))),
    ("relu(x)", Max(0, x)),
    ("softplus(x)", log(1 + exp(x))),
    ("tanh x", sympy.tanh(x)),
    ("arcsin x", sympy.asin(x)),
    ("asin(x)", sympy.asin(x)),
    ("arctan(x)", sympy.atan(x)),
    ("cosh(x)", sympy.cosh(x)),
    ("abs(x)", sympy.Abs(x)),
    ("|x|", sympy.Abs(x)),
    ("2|x-1|", 2 * sympy.Abs(x - 1)),
    ("|x||y|", sympy.Abs(x) * sympy.Abs(y)),
    ("max(x, 2)", Max(x, 2)),
    ("min(1, 2, 3)", Integer(1)),
    ("factorial(5)", Integer(120)),
    ("5!", Integer(120)),
    ("n!", sympy.factorial(n)),
    ("(n+1)!", sympy.factorial(n + 1)),
    ("binomial(5, 2)", Integer(10)),
    ("C(5, 2)", Integer(10)),
    ("λ x", lam * x),
    ("lambda x", lam * x),
    ("x_1 + 1", x1 + 1),
    ("x₁ + 1", x1 + 1),
    ("15%", Rational(3, 20)),
    ("2e-3", Rational(1, 500)),
    ("2E-3", Rational(1, 500)),
    ("2.5e3", Integer(2500)),
    ("0.333", Rational(333, 1000)),
    (".5", Rational(1, 2)),
    ("2e", 2 * E),
    ("e", E),
    ("E", E),
    ("1/(1+e^-x)", 1 / (1 + exp(-x))),
    ("2x*cos(x^2+1)", 2 * x * sympy.cos(x**2 + 1)),
    ("x/y", x / y),
    ("-(x+1)", -(x + 1)),
    ("+x", x),
    ("2^-1", Rational(1, 2)),
    ("cot(x) + sec(x) + csc(x)", sympy.cot(x) + sympy.sec(x) + sympy.csc(x)),
    ("abc", a * b * c),
    ("  2x  ", 2 * x),
    ("2\u00a0x", 2 * x),
]


@pytest.mark.parametrize(("text", "expected"), [f for f in FORMS if f[1] is not None])
def test_form_reads_as_expected_value(text: str, expected: sympy.Expr) -> None:
    value = parse(text, symbols=SYMS).value
    assert value == expected or sympy.simplify(value - expected) == 0, (text, value)


def test_e_is_a_symbol_when_declared() -> None:
    assert parse("e^x", symbols=("e", "x")).value == sympy.Symbol("e") ** x


def test_declared_symbol_wins_over_function_name() -> None:
    C = sympy.Symbol("C")
    assert parse("x^2/2 + C", symbols=("x", "C")).value == x**2 / 2 + C
    assert parse("C(x+1)", symbols=("x", "C")).value == C * (x + 1)


def test_greek_declared_as_character_matches_typed_name() -> None:
    value = parse("lambda + λ", symbols=("λ",)).value
    assert value == 2 * sympy.Symbol("λ")


def test_sigma_is_a_symbol_when_declared() -> None:
    sigma = sympy.Symbol("sigma")
    assert parse("σ^2", symbols=("sigma",)).value == sigma**2


def test_imaginary_unit_when_allowed() -> None:
    assert parse("2i + 1", allow_imaginary=True).value == 2 * I + 1
    assert parse("j^2", allow_imaginary=True).value == -1


def test_xy_is_one_name_when_declared() -> None:
    xy = sympy.Symbol("xy")
    assert parse("xy", symbols=("x", "y", "xy")).value == xy


def test_xy_split_adds_a_note() -> None:
    parsed = parse("xy", symbols=("x", "y"))
    assert parsed.value == x * y
    assert parsed.notes == ("xy was read as x·y",)


def test_one_over_2x_note() -> None:
    parsed = parse("1/2x", symbols=("x",))
    assert parsed.value == x / 2
    assert parsed.notes == ("1/2x was read as (1/2)·x; write 1/(2x) for the other reading",)
    assert parse("1/(2x)", symbols=("x",)).notes == ()
    assert parse("1/(2x)", symbols=("x",)).value == 1 / (2 * x)


def test_collections() -> None:
    one, two, three, four = (Integer(v) for v in (1, 2, 3, 4))
    assert parse("[1, 2]").value == Sequence((one, two), "[")
    assert parse("(1, 2)").value == Sequence((one, two), "(")
    assert parse("1, 3").value == Sequence((one, three), "")
    assert parse("(1), 3").value == Sequence((one, three), "")
    assert parse("[[1,2],[3,4]]").value == Sequence(
        (Sequence((one, two), "["), Sequence((three, four), "[")), "["
    )
    assert parse("{1, 3}").value == SetLiteral((one, three))
    assert parse("{3, 1, 1}").value == SetLiteral((three, one, one))
    assert parse("{}").value == SetLiteral(())
    assert parse("[]").value == Sequence((), "[")
    assert parse("(x + 1)", symbols=("x",)).value == x + 1


def test_softmax_returns_a_sequence() -> None:
    value = parse("softmax([a, b, c])", symbols=SYMS).value
    assert isinstance(value, Sequence)
    total = exp(a) + exp(b) + exp(c)
    for got, want in zip(value.items, (exp(a), exp(b), exp(c)), strict=True):
        assert sympy.simplify(got - want / total) == 0


def test_scaled_vector_is_elementwise() -> None:
    assert parse("2[1, 2]").value == Sequence((Integer(2), Integer(4)), "[")
    assert parse("[1, 2] + [3, 4]").value == Sequence((Integer(4), Integer(6)), "[")


def test_numbers_and_single_number() -> None:
    parsed = parse("-0.333")
    assert parsed.single_number
    assert parsed.value == Rational(-333, 1000)
    (lit,) = parsed.numbers
    assert lit.text == "0.333"
    assert lit.start == 1
    assert not parse("2x", symbols=("x",)).single_number
    assert not parse("1/3").single_number
    assert [lit.text for lit in parse("2x + 3.5 - 1e3", symbols=("x",)).numbers] == [
        "2",
        "3.5",
        "1e3",
    ]
    # Superscript exponents are not typed literals.
    assert parse("x²", symbols=("x",)).numbers == ()


@pytest.mark.parametrize(
    ("text", "value", "sig", "unit", "is_decimal"),
    [
        ("0.333", Rational(333, 1000), 3, Rational(1, 1000), True),
        ("0.0330", Rational(33, 1000), 3, Rational(1, 10000), True),
        ("1200", Integer(1200), 2, Integer(1), False),
        ("1200.", Integer(1200), 4, Integer(1), True),
        ("2e-3", Rational(2, 1000), 1, Rational(1, 1000), True),
        ("2.50e2", Integer(250), 3, Integer(1), True),
        ("15%", Rational(3, 20), 2, Rational(1, 100), True),
        ("33.3%", Rational(333, 1000), 3, Rational(1, 1000), True),
        ("0", Integer(0), 1, Integer(1), False),
        ("0.00", Integer(0), 2, Rational(1, 100), True),
        ("7", Integer(7), 1, Integer(1), False),
    ],
)
def test_number_literal_fields(
    text: str, value: Rational, sig: int, unit: Rational, is_decimal: bool
) -> None:
    parsed = parse(text)
    assert parsed.single_number
    (lit,) = parsed.numbers
    assert lit.text == text
    assert lit.value == value
    assert parsed.value == value
    assert lit.significant_figures == sig
    assert lit.last_digit_unit == unit
    assert lit.is_decimal is is_decimal
