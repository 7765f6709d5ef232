"""The 2-D matrix grid is laid out by mathdrill, and must stay byte-identical to sympy's layout."""

from __future__ import annotations

import random
from typing import Any

import pytest
import sympy
from sympy.printing.pretty.pretty import PrettyPrinter
from sympy.printing.pretty.pretty_symbology import pretty_use_unicode

from mathdrill.mathlang import Sequence, to_pretty
from mathdrill.mathlang import render as render_module

x, y, lam = sympy.symbols("x y lambda")
SETTINGS = (
    {"use_unicode": True},
    {"use_unicode": True, "wrap_line": False},
    {"use_unicode": False},
    {"use_unicode": True, "num_columns": 24},  # sympy wraps wide grids into screens
)


class _SympyLayout(render_module._Pretty):
    """The same printer with sympy's own grid layout: the reference output."""

    _print_MatrixBase = PrettyPrinter._print_MatrixBase


def _entry(rng: random.Random) -> Any:
    kind = rng.randrange(11)
    if kind == 0:  # wide columns, negative numbers
        return sympy.Integer(rng.randint(-(10 ** rng.randint(0, 9)), 10 ** rng.randint(0, 9)))
    if kind == 1:  # stacked fractions: three lines, baseline in the middle
        return sympy.Rational(rng.randint(-60, 60), rng.randint(1, 40))
    if kind == 2:
        return x ** rng.randint(2, 4) / rng.randint(2, 9)  # a power over a fraction bar
    if kind == 3:
        return sympy.sqrt(rng.randint(2, 30)) / rng.randint(1, 5)
    if kind == 4:
        return rng.choice([x, y, lam, -x, x + 1, 2 * lam])
    if kind == 5:  # tall: a fraction with a root and an exponential
        return sympy.exp(-(x**2) / 2) / sympy.sqrt(2 * sympy.pi)
    if kind == 6:
        return sympy.Float(rng.uniform(-100, 100))
    if kind == 7:  # a matrix inside a matrix
        return sympy.ImmutableMatrix([[1, sympy.Rational(1, 3)], [x, -4]])
    if kind == 8:
        return sympy.Symbol("x̂") + 1  # a combining accent: its width is not its length
    if kind == 9:
        return (x + 1) ** sympy.Rational(rng.randint(1, 5), rng.randint(2, 5))
    return sympy.Integer(rng.randint(-9, 9))


def _matrices() -> list[Any]:
    rng = random.Random(20261121)
    found = []
    for _ in range(150):
        rows, cols = rng.randint(1, 4), rng.randint(1, 4)
        entries = [_entry(rng) for _ in range(rows * cols)]
        found.append(sympy.ImmutableMatrix(rows, cols, entries))
    return found


@pytest.mark.parametrize("settings", SETTINGS)
def test_grids_are_sympys_layout(settings: dict[str, Any]) -> None:
    ours, theirs = render_module._Pretty(settings), _SympyLayout(settings)
    for matrix in _matrices():
        square = matrix.rows == matrix.cols
        determinant = [sympy.Determinant(matrix)] if square else []  # drawn with | |
        for value in [matrix, sympy.Matrix(matrix), *determinant]:
            assert ours.doprint(value) == theirs.doprint(value), value


def test_grid_edge_cases_are_sympys_layout() -> None:
    settings = {"use_unicode": True}
    cases = [
        sympy.Matrix(0, 3, []),
        sympy.Matrix(2, 0, []),
        sympy.ImmutableMatrix([[x]]),
        sympy.ImmutableMatrix([[sympy.Rational(1, 2)]]),
        sympy.ImmutableMatrix([[1, -2, 3]]),
        sympy.ImmutableMatrix([[1], [sympy.Rational(-22, 7)], [x**2]]),
        sympy.ImmutableMatrix([[123456789, 1], [-1, sympy.Rational(1, 123456)]]),
    ]
    for value in cases:
        expected = _SympyLayout(settings).doprint(value)
        assert render_module._Pretty(settings).doprint(value) == expected


def test_entry_pictures_are_remembered_per_printer_setting() -> None:
    # √2 and π are drawn in unicode when the printer's setting or sympy's global switch asks
    # for it, else in ASCII: a cache keyed by the entry alone would hand one printer the
    # other's picture.
    matrix = sympy.ImmutableMatrix([[sympy.sqrt(2), 1], [sympy.pi, -lam]])
    texts = []
    previous = pretty_use_unicode(True)
    try:
        for switch, settings in [
            (True, {"use_unicode": False}),
            (False, {"use_unicode": False}),  # only the global switch differs
            (False, {"use_unicode": True}),  # only the setting differs
            (False, {"use_unicode": False}),
        ]:
            pretty_use_unicode(switch)
            expected = _SympyLayout(settings).doprint(matrix)
            assert render_module._Pretty(settings).doprint(matrix) == expected
            texts.append(expected)
    finally:
        pretty_use_unicode(previous)
    assert "√" in texts[0]
    assert "√" not in texts[1]
    assert "√" in texts[2]
    assert texts[1] == texts[3]


def test_a_returned_grid_picture_can_be_changed_without_changing_the_next_one() -> None:
    matrix = sympy.ImmutableMatrix([[x**2, 1], [2, 3]])
    printer = render_module._Pretty({"use_unicode": True})
    first = printer._print(matrix)
    text = "\n".join(first.picture)
    first.picture[0] = "changed"  # sympy pictures are mutable lists
    first.baseline = 0
    assert printer.doprint(matrix) == text == _SympyLayout({"use_unicode": True}).doprint(matrix)


def test_to_pretty_grid_of_rows_is_sympys_layout() -> None:
    rows = Sequence(
        (
            Sequence((sympy.Integer(-12), sympy.Rational(3, 4)), "["),
            Sequence((x**2, sympy.Integer(5)), "["),
        ),
        "[",
    )
    expected = _SympyLayout({"use_unicode": True}).doprint(
        sympy.Matrix([[-12, sympy.Rational(3, 4)], [x**2, 5]])
    )
    assert to_pretty(rows) == expected
    assert expected.splitlines()[0].startswith("⎡")
