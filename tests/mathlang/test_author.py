"""The author table: deck bindings, extra callables, linear algebra, calculus, logic, indexing."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
import pytest
import sympy
from sympy import ImmutableMatrix, Integer, Rational, cos, pi, sin, symbols

from mathdrill.errors import DeckError, LimitExceededError, MathSyntaxError
from mathdrill.mathlang import Sequence, parse, parse_author

x, y = symbols("x y")
A = ImmutableMatrix([[2, 1], [1, 2]])
V = Sequence((Integer(1), Integer(2)), "[")
NAMES: dict[str, Any] = {"a": Integer(3), "b": Integer(-2), "A": A, "v": V, "f": sin(x)}


def author(text: str, **kwargs: Any) -> Any:
    kwargs.setdefault("names", NAMES)
    kwargs.setdefault("symbols", ("x", "y"))
    return parse_author(text, **kwargs).value


CASES = [
    ("diff(sin(a*x**2 + b*x), x)", cos(3 * x**2 - 2 * x) * (6 * x - 2)),
    ("diff(x^3, x, 2)", 6 * x),
    ("integrate(x^2, x)", x**3 / 3),
    ("integrate(x^2, (x, 0, 1))", Rational(1, 3)),
    ("simplify(sin(x)^2 + cos(x)^2)", Integer(1)),
    ("expand((x+1)^2)", x**2 + 2 * x + 1),
    ("factor(x^2 - 1)", (x - 1) * (x + 1)),
    ("subs(f, x, pi/2)", Integer(1)),
    ("limit(sin(x)/x, x, 0)", Integer(1)),
    ("Rational(1, 3)", Rational(1, 3)),
    ("det(A)", Integer(3)),
    ("trace(A)", Integer(4)),
    ("rank(A)", Integer(2)),
    ("norm(v)", sympy.sqrt(5)),
    ("dot(v, v)", Integer(5)),
    ("sum(v)", Integer(3)),
    ("len(v)", Integer(2)),
    ("round(7/3, 2)", Rational(233, 100)),
    ("floor(7/2)", Integer(3)),
    ("ceiling(7/2)", Integer(4)),
    ("Max(a, b)", Integer(3)),
    ("Heaviside(a)", Integer(1)),
    ("v[0]", Integer(1)),
    ("v[-1]", Integer(2)),
    ("A[0, 1]", Integer(1)),
    ("i^2", Integer(-1)),
    ("a * pi", 3 * pi),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_author_expression(text: str, expected: Any) -> None:
    value = author(text)
    assert value == expected or sympy.simplify(value - expected) == 0, (text, value)


def test_matrix_functions() -> None:
    assert author("Matrix([[1, 2], [3, 4]])") == ImmutableMatrix([[1, 2], [3, 4]])
    assert author("inv(A)") == A.inv()
    assert author("transpose(Matrix([[1, 2], [3, 4]]))") == ImmutableMatrix([[1, 3], [2, 4]])
    assert author("T(A)") == A
    assert author("A^2") == A**2
    assert author("A*v") == Sequence((Integer(4), Integer(5)), "[")
    assert author("eye(2)") == ImmutableMatrix.eye(2)


def test_eigen_functions() -> None:
    assert author("eigenvals(A)") == Sequence((Integer(1), Integer(3)), "[")
    assert author("eigenvals(Matrix([[2, 0], [0, 2]]))") == Sequence((Integer(2), Integer(2)))
    vects = author("eigenvects(A)")
    assert [item.items[0] for item in vects.items] == [Integer(1), Integer(3)]
    for value, mult, basis in (item.items for item in vects.items):
        assert mult == 1
        (vec,) = basis.items
        assert A * ImmutableMatrix(vec.items) == value * ImmutableMatrix(vec.items)
    (null,) = author("nullspace(Matrix([[1, 1], [1, 1]]))").items
    assert null == Sequence((Integer(-1), Integer(1)), "[")


def test_calculus_vectors() -> None:
    assert author("gradient(x^2*y, [x, y])") == Sequence((2 * x * y, x**2), "[")
    hess = author("hessian(x^2*y, [x, y])")
    assert [row.items for row in hess.items] == [(2 * y, 2 * x), (2 * x, Integer(0))]
    jac = author("jacobian([x*y, x + y], [x, y])")
    assert [row.items for row in jac.items] == [(y, x), (Integer(1), Integer(1))]
    assert author("cross([1, 0, 0], [0, 1, 0])") == Sequence(
        (Integer(0), Integer(0), Integer(1)), "["
    )
    assert author("solve(x^2 - 4, x)") == Sequence((Integer(-2), Integer(2)), "[")


def test_comparisons_and_logic() -> None:
    assert author("a != abs(b)") is sympy.true
    assert author("a == 3") is sympy.true
    assert author("1 < a < 5") is sympy.true
    assert author("1 < a < 2") is sympy.false
    assert author("a > 0 and b > 0") is sympy.false
    assert author("a > 0 or b > 0") is sympy.true
    assert author("not a == 3") is sympy.false
    assert author("v == [1, 2]") is sympy.true
    assert author("Piecewise((x, x > 0), (0, True))") == sympy.Piecewise((x, x > 0), (0, True))


def test_deck_functions_get_walked_args_and_flags() -> None:
    calls = []

    def integer(lo: Any, hi: Any, *flags: Any, **kw: Any) -> Any:
        calls.append((lo, hi, flags, kw))
        return Integer(7)

    value = author(
        "integer(2, 9, nonzero) + integer(1, 3, step=2)",
        names={"nonzero": "NONZERO"},
        functions={"integer": integer},
    )
    assert value == 14
    assert calls == [(2, 9, ("NONZERO",), {}), (1, 3, (), {"step": 2})]


def test_deck_function_errors() -> None:
    def broken(*args: Any) -> Any:
        raise ValueError("boom")

    def refusing(*args: Any) -> Any:
        raise DeckError("no value satisfies the constraints")

    def syntax(*args: Any) -> Any:
        raise MathSyntaxError("bad flag")

    with pytest.raises(MathSyntaxError) as info:
        author("1 + broken(1)", functions={"broken": broken})
    assert "could not compute broken" in info.value.message
    assert (info.value.start, info.value.end) == (4, 13)
    with pytest.raises(DeckError):
        author("refusing()", functions={"refusing": refusing})
    with pytest.raises(MathSyntaxError) as info2:
        author("x + syntax()", functions={"syntax": syntax})
    assert (info2.value.message, info2.value.start) == ("bad flag", 4)


def test_keyword_arguments_only_for_deck_functions() -> None:
    with pytest.raises(MathSyntaxError, match="takes no keyword arguments"):
        author("sin(x=1)")
    with pytest.raises(MathSyntaxError, match="'=' is not accepted"):
        parse("sin(n=2)", symbols=("n",))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("f(x)", "is a value, not a function"),
        ("A.T", "attributes"),
        ("v[5]", "out of range"),
        ("v[x]", "index must be an integer"),
        ("inv(Matrix([[1, 1], [1, 1]]))", "singular"),
        ("det(Matrix([[1, 2]]))", "square matrix"),
        ("Matrix([[1, 2], [3]])", "same length"),
        ("x if x else 1", "'if' is not allowed"),
        ("[x for x in v]", "'for' is not allowed"),
        ("a and", "needs something after it"),
        ("dot([1, 2], [1, 2, 3])", "same length"),
        ("a = 2", "'=' only names a keyword argument"),
        ("[a=2]", "'=' only names a keyword argument"),
    ],
)
def test_author_errors(text: str, message: str) -> None:
    with pytest.raises(MathSyntaxError) as info:
        author(text)
    assert message in info.value.message


def test_indexing_matrices_and_nested_lists() -> None:
    m = ImmutableMatrix([[1, 2], [3, 4]])
    column = ImmutableMatrix([5, 6])
    rows = Sequence((Sequence((Integer(1), Integer(2))), Sequence((Integer(3), Integer(4)))))
    names = {"M": m, "c": column, "w": rows}
    assert author("M[0, 1]", names=names) == 2
    assert author("M[-1, -1]", names=names) == 4
    assert author("M[1]", names=names) == Sequence((Integer(3), Integer(4)), "[")
    assert author("M[1][0]", names=names) == 3
    assert author("c[1]", names=names) == 6
    assert author("w[1][0]", names=names) == 3
    assert author("w[0, 1]", names=names) == 2
    with pytest.raises(MathSyntaxError, match="out of range for a 2×2 matrix"):
        author("M[2, 0]", names=names)
    with pytest.raises(MathSyntaxError, match="at most two indices"):
        author("M[0, 0, 0]", names=names)


def test_author_matrix_limits() -> None:
    with pytest.raises(LimitExceededError):
        author("eye(50)")
    with pytest.raises(LimitExceededError):
        author("A^1000")


def test_learner_table_has_no_author_functions() -> None:
    with pytest.raises(MathSyntaxError, match="unknown function 'diff'"):
        parse("diff(x, x)", symbols=("x",))
    with pytest.raises(MathSyntaxError, match="unknown function 'Matrix'"):
        parse("Matrix([[1]])")


def test_bound_names_win_and_python_values_are_coerced() -> None:
    value = author("e * n * w", names={"e": Integer(2), "n": 3, "w": [1, 2]})
    # e is bound (not Euler's e); a Python int and a list become sympy values.
    assert value == Sequence((Integer(6), Integer(12)), "[")
    assert author("h", names={"h": 0.5}) == sympy.Float(0.5)
    assert author("k + 1", names={"k": np.int64(4)}) == 5
    assert author("q", names={"q": Fraction(1, 3)}) == Rational(1, 3)
    assert author("g(2) + 1", functions={"g": lambda v: np.int64(v) * 2}) == 5
    assert author("t", names={"t": True}) is sympy.true


@pytest.mark.parametrize(
    "value",
    [
        Rational(3, 7),
        Rational(1, 7),
        Integer(8),
        Integer(1),
        Integer(2),
        Rational(7, 3),
        Rational(2**61 + 1, 3**30),
        Rational(-3, 7),
        Integer(0),
    ],
)
def test_log_of_a_number_is_sympys_log_in_every_case(value: Any) -> None:
    # Positive rationals take a shortcut past sympy's evaluation; the value must not change.
    for text in ("log(r)", "ln(r)"):
        ours = author(text, names={"r": value}, allow_imaginary=True)
        assert sympy.srepr(ours) == sympy.srepr(sympy.log(value))
    typed = parse(f"log({value})", allow_imaginary=True).value  # the learner table too
    assert sympy.srepr(typed) == sympy.srepr(sympy.log(value))
