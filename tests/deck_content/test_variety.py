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
SHORT: dict[str, int] = {
    "bayes/diagnostic-negative": 34,
    "bayes/diagnostic-posterior": 36,
    "bayes/gamma-poisson-predictive-zero": 26,
    "bayes/normal-normal-variance": 47,
    "bayes/odds-two-tests": 25,
    "bayes/sequential-positive-negative": 28,
    "bayes/sequential-two-positives": 24,
    "bayes/total-probability-positive": 44,
    "bayes/two-coins-predictive": 22,
    "derivatives/hessian-2var": 48,
    "derivatives/log-chain": 36,
    "derivatives/product-rule-exp": 16,
    "derivatives/relu-two-units": 12,
    "derivatives/sigmoid-chain": 35,
    "derivatives/tanh-derivative": 35,
    "derivatives/taylor-second-order": 36,
    "duality/conj-abs": 6,
    "duality/conj-exp": 8,
    "duality/conj-indicator-interval": 28,
    "duality/conj-neglog": 6,
    "duality/conj-quadratic": 8,
    "duality/convexity-interval": 10,
    "duality/convexity-quadratic": 2,
    "duality/fenchel-young-gap": 44,
    "duality/kkt-active-check": 2,
    "duality/kkt-halfspace-multiplier": 3,
    "duality/kkt-halfspace-projection": 49,
    "duality/lp-cs-zero-multipliers": 3,
    "duality/lp-dual-from-cs": 9,
    "duality/lp-solve-via-dual": 6,
    "duality/lp-weak-duality-gap": 18,
    "estimation/bernoulli-log-likelihood": 40,
    "estimation/least-squares-line": 42,
    "estimation/logistic-log-likelihood": 37,
    "estimation/mle-bernoulli": 6,
    "estimation/mle-poisson-zero-prob": 15,
    "estimation/mle-variance-bias": 32,
    "estimation/ridge-2d": 48,
    "information/bce-logit-form": 30,
    "information/bce-soft-label-decomposition": 14,
    "information/cross-entropy-bits": 12,
    "information/entropy-binary-nats-bits": 5,
    "information/entropy-dyadic-bits": 3,
    "information/entropy-uniform-bits": 31,
    "information/kl-asymmetry": 18,
    "information/kl-divergence-bits": 6,
    "information/kl-support": 2,
    "information/perplexity-from-loss": 31,
    "numerics/activation-variance-depth": 17,
    "numerics/cancellation-rewrite": 18,
    "numerics/condition-error-amplification": 8,
    "numerics/condition-number-2x2": 10,
    "numerics/condition-number-spd": 12,
    "numerics/exp-overflow": 2,
    "numerics/finite-difference-optimal-step": 26,
    "numerics/float32-absorption": 2,
    "numerics/float32-spacing": 35,
    "numerics/gradient-underflow-depth": 12,
    "numerics/softmax-naive-nan": 3,
    "numerics/softmax-shift": 42,
    "optimization/convexity-composition": 2,
    "optimization/convexity-region-sigmoid": 32,
    "optimization/gd-stable-step": 11,
    "optimization/lipschitz-quadratic-interval": 22,
    "optimization/lipschitz-sigmoid-unit": 7,
    "optimization/logistic-smoothness": 11,
    "optimization/newton-quadratic": 49,
    "optimization/projection-simplex": 24,
    "shapes/broadcast-column-minus-vector": 12,
    "shapes/broadcast-compatible": 2,
    "shapes/conv-pool-flatten-features": 37,
    "shapes/einsum-quadratic-forms": 8,
    "shapes/matmul-with-vector": 8,
    "shapes/param-count-attention": 5,
    "shapes/reshape-possible": 2,
    "svd-pca/right-singular-vector-2x2": 18,
}


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
