"""Independent cross-checks of the built-in ``information`` deck (decks/information.yaml).

Every template is generated over 30 well-spread seeds with the decks API. Only the *problem data*
(the numbers the prompt shows: the distributions, counts, probabilities, labels, losses) is read
from the instance; each answer is recomputed from the definitions, never with the template's own
sympy expressions:

* entropies, cross-entropies and KL divergences in bits with exact ``fractions.Fraction``
  arithmetic (the distributions are dyadic, so every log2 is a whole number read off the
  denominator), and in nats with numpy sums of ``p·log p``;
* entropy of independent dice from the number of equally likely sequences and, separately, by
  summing the per-face terms of every die;
* whether a KL divergence is infinite by scanning the outcomes for positive weight on zero mass;
* the VAE's Gaussian KL term by numeric integration of q·log(q/p) on a grid;
* mutual information as KL(joint ‖ product of marginals) of the empirical table;
* perplexity as exp of the mean negative natural-log probability;
* log-losses summed with numpy (a logistic model's as a function of the logit at fixed points);
  the best bias by bisection on the sign of the loss's complex-step derivative, the smallest
  soft-label loss by a ternary search.

A second test proves the authored mistakes are really wrong: each mistake value differs from the
independent answer on every sampled instance.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
import sympy

from mathdrill.decks.generate import Instance
from mathdrill.mathlang.values import Sequence, SetLiteral
from tests.deck_content.deckkit import by_seed, cross_check_tests, deck_loader, frac, num

SEEDS = tuple(range(0, 30 * 7919, 7919))  # 30 well-spread seeds per template
RTOL = 1e-9  # references are exact; float64 recomputations agree to ~1e-13
MISTAKE_RTOL = 1e-6  # a mistake must differ by more than any rounding of the recomputation
# Numeric integration is accurate to ~1e-10 relative, not to 1e-13.
LOOSER_RTOL = {"kl-gaussian-vae": 1e-7}
# An expression answer is compared through its values at these points of its symbol.
EXPRESSION_POINTS = {"bce-logit-form": ("z", (-2.5, -1.0, -0.3, 0.0, 0.4, 1.0, 2.2))}

Answer = float | np.ndarray | Fraction | frozenset[int]


_deck, _instances = deck_loader("information", SEEDS)


# ----------------------------------------------------------------------------- value conversion


def fractions_of(value: Any) -> list[Fraction]:
    """A list shown in the prompt (a Sequence of exact rationals) as Fractions."""
    assert isinstance(value, Sequence), f"expected a list, got {value!r}"
    return [frac(v) for v in value.items]


def floats_of(value: Any) -> np.ndarray:
    """A list shown in the prompt as a float vector."""
    assert isinstance(value, Sequence), f"expected a list, got {value!r}"
    return np.array([num(v) for v in value.items])


def as_answer(template_id: str, value: Any) -> Answer:
    """A reference or mistake value in the form the checks return.

    Exact rationals stay Fractions (so dyadic answers are compared exactly), sets become frozen
    sets of ints, expressions become their values at :data:`EXPRESSION_POINTS`, anything else a
    float or a float vector.
    """
    if template_id in EXPRESSION_POINTS:
        name, points = EXPRESSION_POINTS[template_id]
        symbol = sympy.Symbol(name)
        return np.array([num(value.subs(symbol, sympy.Float(x, 30))) for x in points])
    if isinstance(value, SetLiteral):
        return frozenset(int(v) for v in value.items)
    if isinstance(value, Sequence):
        return np.array([num(v) for v in value.items])
    if isinstance(value, sympy.Rational):
        return frac(value)
    return num(value)


def close(a: Answer, b: Answer, rtol: float) -> bool:
    """Equal answers: exact for Fractions and sets, within rtol (relative, 1e-12 absolute) else."""
    if isinstance(a, frozenset) or isinstance(b, frozenset):
        return a == b
    if isinstance(a, Fraction) and isinstance(b, Fraction):
        return a == b
    a_arr = np.atleast_1d(np.asarray(a, dtype=float))
    b_arr = np.atleast_1d(np.asarray(b, dtype=float))
    return a_arr.shape == b_arr.shape and bool(
        np.all(np.abs(a_arr - b_arr) <= 1e-12 + rtol * np.abs(b_arr))
    )


# ----------------------------------------------------------------------------- helpers


def dyadic_bits(p: Fraction) -> int:
    """−log2 p for p = 1/2^k, read off the denominator (and proven to be a power of 2)."""
    assert p.numerator == 1, f"{p} is not 1/2^k"
    assert p.denominator & (p.denominator - 1) == 0, f"{p} is not 1/2^k"
    return p.denominator.bit_length() - 1


def distribution(values: list[Fraction]) -> list[Fraction]:
    """The list, after checking that it is a probability distribution."""
    assert all(v >= 0 for v in values), f"{values} has a negative entry"
    assert sum(values) == 1, f"{values} does not sum to 1"
    return values


def kl_nats(p: np.ndarray, q: np.ndarray) -> float:
    """KL(p ‖ q) = Σ p·ln(p/q) over the outcomes with p > 0 (q > 0 there)."""
    mask = p > 0
    assert np.all(q[mask] > 0)
    return float(np.sum(p[mask] * np.log(p[mask] / q[mask])))


def ternary_min(f: Callable[[float], float], lo: float, hi: float) -> float:
    """The minimiser of a strictly convex function on [lo, hi] by comparing values.

    Accurate to ~√ε relative in the argument (the function is flat at its minimum), which is
    plenty for the minimum *value*.
    """
    for _ in range(200):
        m1, m2 = lo + (hi - lo) / 3, hi - (hi - lo) / 3
        if f(m1) < f(m2):
            hi = m2
        else:
            lo = m1
    return (lo + hi) / 2


def argmin_convex(f: Callable[[complex], complex], lo: float, hi: float) -> float:
    """The minimiser of a smooth strictly convex function, to machine precision.

    Bisection on the sign of the derivative, taken by the complex-step rule
    f'(x) = Im f(x + ih)/h (no cancellation, so exact to rounding even at the flat minimum).
    """
    h = 1e-30
    for _ in range(200):
        mid = (lo + hi) / 2
        if (f(complex(mid, h)).imag / h) > 0:
            hi = mid
        else:
            lo = mid
    return (lo + hi) / 2


# ----------------------------------------------------------------------------- entropy


def check_entropy_uniform(inst: Instance) -> Answer:
    """log2 of the number of equally likely sequences, and the same by summing every face."""
    k, m = int(inst.values["k"]), int(inst.values["m"])
    from_count = math.log2(k**m)
    die = np.full(k, 1 / k)
    by_faces = m * float(-np.sum(die * np.log2(die)))  # independent dice: entropies add
    assert abs(from_count - by_faces) < 1e-9 * from_count
    return from_count


def check_entropy_dyadic(inst: Instance) -> Answer:
    """H = Σ p·(−log2 p), exactly."""
    p = distribution(fractions_of(inst.values["p"]))
    return sum((pi * dyadic_bits(pi) for pi in p), Fraction(0))


def check_entropy_binary(inst: Instance) -> Answer:
    """[H in nats, H in bits], each by its own logarithm."""
    p = num(inst.values["p"])
    probs = np.array([p, 1 - p])
    return np.array([-np.sum(probs * np.log(probs)), -np.sum(probs * np.log2(probs))])


def check_cross_entropy(inst: Instance) -> Answer:
    """H(p, q) = Σ p·(−log2 q), exactly (q is dyadic)."""
    p = distribution(fractions_of(inst.values["p"]))
    q = distribution(fractions_of(inst.values["q"]))
    assert p != q
    return sum((pi * dyadic_bits(qi) for pi, qi in zip(p, q, strict=True)), Fraction(0))


def check_kl_bits(inst: Instance) -> Answer:
    """KL(p ‖ q) = Σ p·log2(p/q), exactly (p/q is a power of 2)."""
    p = distribution(fractions_of(inst.values["p"]))
    q = distribution(fractions_of(inst.values["q"]))
    assert p != q
    return sum(
        (pi * (dyadic_bits(qi) - dyadic_bits(pi)) for pi, qi in zip(p, q, strict=True)),
        Fraction(0),
    )


def check_kl_asymmetry(inst: Instance) -> Answer:
    """[KL(P ‖ Q), KL(Q ‖ P)] for the two Bernoullis, in nats."""
    a, b = num(inst.values["a"]), num(inst.values["b"])
    P, Q = np.array([a, 1 - a]), np.array([b, 1 - b])
    return np.array([kl_nats(P, Q), kl_nats(Q, P)])


def check_kl_support(inst: Instance) -> Answer:
    """The labels of the infinite divergences: some outcome has weight > 0 and mass 0."""
    p = distribution(fractions_of(inst.values["p"]))
    q = distribution(fractions_of(inst.values["q"]))

    def infinite(first: list[Fraction], second: list[Fraction]) -> bool:
        return any(a > 0 and b == 0 for a, b in zip(first, second, strict=True))

    return frozenset(label for label, inf in ((1, infinite(p, q)), (2, infinite(q, p))) if inf)


def check_kl_gaussian(inst: Instance) -> Answer:
    """Σ over coordinates of ∫ q·ln(q/p) dz with q = N(μ, e^(log σ²)), p = N(0, 1), on a grid."""
    mu, log_var = floats_of(inst.values["mu"]), floats_of(inst.values["lv"])
    total = 0.0
    for m, lv in zip(mu, log_var, strict=True):
        s = math.exp(lv / 2)
        z = np.linspace(m - 14 * s, m + 14 * s, 400_001)
        log_q = -((z - m) ** 2) / (2 * s * s) - math.log(s) - 0.5 * math.log(2 * math.pi)
        log_p = -(z**2) / 2 - 0.5 * math.log(2 * math.pi)
        integrand = np.exp(log_q) * (log_q - log_p)
        total += float(np.sum((integrand[1:] + integrand[:-1]) / 2) * (z[1] - z[0]))
    return total


# ----------------------------------------------------------------------------- mutual information


def check_mutual_information(inst: Instance) -> Answer:
    """KL(joint ‖ product of marginals) of the empirical table, in bits."""
    counts = np.array(inst.values["C"].tolist(), dtype=float)
    assert counts.sum() == int(inst.values["tot"])
    joint = counts / counts.sum()
    product = np.outer(joint.sum(axis=1), joint.sum(axis=0))
    return kl_nats(joint.ravel(), product.ravel()) / math.log(2)


# ----------------------------------------------------------------------------- perplexity


def check_perplexity(inst: Instance) -> Answer:
    """exp of the mean negative natural-log probability per token."""
    probs = floats_of(inst.values["probs"])
    return float(np.exp(-np.mean(np.log(probs))))


def check_perplexity_from_loss(inst: Instance) -> Answer:
    """[e^loss, loss·log2(e)]; and 2^(bits) must give the same perplexity."""
    loss = num(inst.values["h"])
    perplexity, bits = math.exp(loss), loss * math.log2(math.e)
    assert abs(2**bits - perplexity) < 1e-9 * perplexity
    return np.array([perplexity, bits])


# ----------------------------------------------------------------------------- log-loss


def check_bce_batch(inst: Instance) -> Answer:
    """−mean[y·ln p̂ + (1 − y)·ln(1 − p̂)] over the batch, from the shown predictions."""
    q, y = floats_of(inst.values["shown"]), floats_of(inst.values["y"])
    assert set(y) <= {0.0, 1.0}
    assert np.all((q > 0) & (q < 1))
    return float(-np.mean(y * np.log(q) + (1 - y) * np.log(1 - q)))


def total_log_loss(m1: int, m0: int, z: Any) -> Any:
    """Total log-loss of m1 positives and m0 negatives that all get p̂ = σ(z) (z may be complex)."""
    p = 1 / (1 + np.exp(-np.asarray(z)))
    return -(m1 * np.log(p) + m0 * np.log(1 - p))


def check_bce_logit(inst: Instance) -> Answer:
    """The total loss as a function of z, at the fixed test points."""
    m1, m0 = int(inst.values["m1"]), int(inst.values["m0"])
    _, points = EXPRESSION_POINTS["bce-logit-form"]
    return np.asarray(total_log_loss(m1, m0, np.array(points)))


def check_bce_bias(inst: Instance) -> Answer:
    """The logit minimising the total log-loss (bisection on the sign of its derivative)."""
    m1, m0 = int(inst.values["m1"]), int(inst.values["m0"])
    return argmin_convex(lambda z: complex(total_log_loss(m1, m0, z)), -10.0, 10.0)


def check_soft_label(inst: Instance) -> Answer:
    """[min over p̂ of ℓ, ℓ(q) − min], with the minimum found by a ternary search."""
    t, q = num(inst.values["t"]), num(inst.values["q"])

    def loss(p: float) -> float:
        return -(t * math.log(p) + (1 - t) * math.log(1 - p))

    best = loss(ternary_min(loss, 1e-9, 1 - 1e-9))
    return np.array([best, loss(q) - best])


CHECKS: dict[str, Callable[[Instance], Answer]] = {
    "entropy-uniform-bits": check_entropy_uniform,
    "entropy-dyadic-bits": check_entropy_dyadic,
    "entropy-binary-nats-bits": check_entropy_binary,
    "cross-entropy-bits": check_cross_entropy,
    "kl-divergence-bits": check_kl_bits,
    "kl-asymmetry": check_kl_asymmetry,
    "kl-support": check_kl_support,
    "kl-gaussian-vae": check_kl_gaussian,
    "mutual-information-table": check_mutual_information,
    "perplexity-from-probs": check_perplexity,
    "perplexity-from-loss": check_perplexity_from_loss,
    "bce-batch-mean": check_bce_batch,
    "bce-logit-form": check_bce_logit,
    "bce-bias-optimum": check_bce_bias,
    "bce-soft-label-decomposition": check_soft_label,
}


# The independent answer of an instance, computed once for the reference and mistake tests.
_truth = by_seed(lambda inst: CHECKS[inst.template](inst))


def check_reference(inst: Instance) -> None:
    """The reference equals the recomputation from the problem data."""
    rtol = LOOSER_RTOL.get(inst.template, RTOL)
    reference, truth = as_answer(inst.template, inst.spec.expected), _truth(inst)
    assert close(reference, truth, rtol), f"reference {reference} != independent {truth}"


def accepts(inst: Instance, value: Any) -> None:
    """A mistake counts as right within MISTAKE_RTOL of the independent answer."""
    wrong, truth = as_answer(inst.template, value), _truth(inst)
    assert close(wrong, truth, MISTAKE_RTOL), f"{wrong} != independent {truth}"


_shared = cross_check_tests(
    _deck, _instances, dict.fromkeys(CHECKS, check_reference), accepts=accepts, min_mistakes=2
)
test_every_template_is_cross_checked = _shared.every_template_is_cross_checked
test_reference_agrees_with_independent_computation = _shared.reference_agrees
test_mistakes_are_wrong = _shared.every_mistake_is_wrong


def test_instances_vary() -> None:
    """The seeds really draw different problems (the checks above are not one case 30 times)."""
    for template_id in CHECKS:
        keys = {inst.key for inst in _instances(template_id)}
        assert len(keys) >= 6, f"{template_id}: only {len(keys)} distinct instances in 30 seeds"


def test_dyadic_answers_are_exact() -> None:
    """The bits templates promise an exact fraction: their references are rationals."""
    for template_id in ("entropy-dyadic-bits", "cross-entropy-bits", "kl-divergence-bits"):
        for inst in _instances(template_id):
            assert isinstance(inst.spec.expected, sympy.Rational), (template_id, inst.seed)


def test_checks_can_fail() -> None:
    """The comparison is discriminating: another instance's answer fails it, bad data is refused."""
    for template_id in CHECKS:
        instances = _instances(template_id, "first")
        truths = tuple(_truth(inst) for inst in instances)
        shifted = truths[1:] + truths[:1]  # each reference against the next seed's answer
        assert any(
            not close(as_answer(template_id, inst.spec.expected), other, RTOL)
            for inst, other in zip(instances, shifted, strict=True)
        ), template_id
    with pytest.raises(AssertionError):
        distribution([Fraction(1, 2), Fraction(1, 4)])  # does not sum to 1
    with pytest.raises(AssertionError):
        dyadic_bits(Fraction(1, 3))
