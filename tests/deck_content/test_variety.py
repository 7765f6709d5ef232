"""The built-in templates cannot be memorised: their answers take many distinct values.

Issue #19's floor: over seeds 0 … 299 every template's reference answers take at least 50
distinct values (by an exact canonical form of the answer kind), unless :data:`EXEMPT` states why
the mathematics cannot have more. :data:`SHORT` is the ratchet of templates still below the floor
(with their count when it was last measured): a template may leave it, never silently join it.
"""

from __future__ import annotations

import pytest
import sympy

from mathdrill.mathlang.values import Sequence, SetLiteral
from tests.deck_content import variety
from tests.deck_content.variety import EXEMPT, FLOOR, SEEDS, canonical, deck_ids

#: ``deck/template`` → distinct answers in 300 seeds when last measured; still below the floor.
SHORT: dict[str, int] = {}


def test_direction_canonical_form_ignores_scale_and_sign() -> None:
    """[1, 2], [-2, -4] and [1/2, 1] are one direction; [2, 1] is another."""
    one = canonical("direction", Sequence((sympy.Integer(1), sympy.Integer(2)), "["))
    assert one == canonical("direction", Sequence((sympy.Integer(-2), sympy.Integer(-4)), "["))
    assert one == canonical("direction", Sequence((sympy.Rational(1, 2), sympy.Integer(1)), "["))
    assert one != canonical("direction", Sequence((sympy.Integer(2), sympy.Integer(1)), "["))


def test_number_and_set_canonical_forms_are_exact_values() -> None:
    """sqrt(8) and 2·sqrt(2) are one number; {1, 3} is {3, 1}; a multiset keeps repeats."""
    assert canonical("number", sympy.sqrt(8)) == canonical("number", 2 * sympy.sqrt(2))
    assert canonical("number", sympy.Rational(1, 3)) != canonical("number", sympy.Float(0.333))
    one, three = sympy.Integer(1), sympy.Integer(3)
    assert canonical("set", SetLiteral((one, three))) == canonical("set", SetLiteral((three, one)))
    assert canonical("multiset", SetLiteral((one, one, three))) != canonical(
        "multiset", SetLiteral((one, three))
    )


def test_expression_canonical_form_is_up_to_equivalence() -> None:
    """(x + 1)² and x² + 2x + 1 are one answer; with up_to_constant, x² and x² + 5 too."""
    x = sympy.Symbol("x")
    assert canonical("expression", (x + 1) ** 2) == canonical("expression", x**2 + 2 * x + 1)
    assert canonical("expression", x**2) != canonical("expression", x**2 + 5)
    assert canonical("expression", x**2, up_to_constant=True) == canonical(
        "expression", x**2 + 5, up_to_constant=True
    )


def test_exemptions_and_shortfalls_name_templates_once() -> None:
    """A template is exempt (with a one-line reason) or short, never both."""
    assert not set(EXEMPT) & set(SHORT)
    assert all(reason and "\n" not in reason for reason in EXEMPT.values())


@pytest.mark.slow
@pytest.mark.parametrize("deck_id", deck_ids())
def test_every_template_meets_the_variety_floor(deck_id: str) -> None:
    """Each template has FLOOR distinct answers in SEEDS seeds, is exempt, or is in SHORT."""
    rows = variety.measure_decks([deck_id], SEEDS)
    short = {row.card: row.answers for row in rows if row.short}
    unlisted = {card: n for card, n in short.items() if card not in SHORT}
    assert not unlisted, f"below {FLOOR} distinct answers in {SEEDS} seeds: {unlisted}"
    recovered = [card for card in SHORT if card.startswith(f"{deck_id}/") and card not in short]
    assert not recovered, f"now meet the floor, remove them from SHORT: {recovered}"
