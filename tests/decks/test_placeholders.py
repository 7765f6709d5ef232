"""Placeholder rendering: forms, escaped braces, and grids on lines of their own."""

from __future__ import annotations

from mathdrill.decks.placeholders import render

GRID = "⎡1  2⎤\n⎢    ⎥\n⎣3  4⎦"


def _values(table: dict[tuple[str, str], str]):
    def value_of(name: str, form: str) -> str:
        return table[name, form]

    return value_of


def test_a_text_renders_with_the_values_of_each_call() -> None:
    text = "Find {a}·{b:latex} with {{a}} and {a:plain}."
    first = _values({("a", "unicode"): "2", ("b", "latex"): r"\frac{1}{2}", ("a", "plain"): "2"})
    second = _values({("a", "unicode"): "−5", ("b", "latex"): "x^{2}", ("a", "plain"): "-5"})
    assert render(text, first) == r"Find 2·\frac{1}{2} with {a} and 2."
    assert render(text, second) == "Find −5·x^{2} with {a} and -5."
    assert render(text, first) == r"Find 2·\frac{1}{2} with {a} and 2."


def test_adjacent_and_escaped_placeholders() -> None:
    value_of = _values({("a", "unicode"): "A", ("ab", "unicode"): "AB", ("b", "unicode"): "B"})
    assert render("{a}{b}", value_of) == "AB"
    assert render("{ab}", value_of) == "AB"
    assert render("{a} {b}", value_of) == "A B"
    assert render("{a}} {b}", value_of) == "A} B"  # a lone } is literal text
    assert render("{{a}} {b}", value_of) == "{a} B"
    # Same length, different tokens.
    assert render("{a}-{b}", value_of) == "A-B"
    assert render("{b}-{a}", value_of) == "B-A"
    assert render("{ab}{a}", value_of) == "ABA"


def test_a_grid_then_more_placeholders_after_it() -> None:
    value_of = _values({("A", "unicode"): GRID, ("n", "unicode"): "2", ("n", "latex"): "2"})
    text = "So A = {A}, and   {n} rows {{n}} = {n:latex}."
    expected = "So A =\n  ⎡1  2⎤\n  ⎢    ⎥\n  ⎣3  4⎦,\nand   2 rows {n} = 2."
    assert render(text, value_of) == expected
