"""Independent cross-checks of the built-in ``bayes`` deck.

Every template of ``decks/bayes.yaml`` is generated over many seeds with the decks API and its
reference answer is recomputed *without* the template's formulas:

* discrete problems (base rates, sequential tests, odds, naive Bayes, urns, two coins) by
  brute-force enumeration of the full joint table with exact :class:`fractions.Fraction`
  arithmetic, conditioning by summing the matching cells — the answer must be *exactly* equal;
* the two-coin predictive also by a seeded Monte Carlo simulation;
* conjugate updates (Beta–Binomial, Gamma–Poisson, Normal–Normal) by numeric integration of
  prior × likelihood on a fine grid, comparing moments, modes and predictive probabilities.

Only the problem data (the numbers shown in the prompt) is read from the instance.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import replace
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
import sympy

from mathdrill.decks.generate import Instance
from mathdrill.mathlang.values import Sequence
from tests.deck_content.deckkit import cross_check_tests, deck_loader, frac

SEEDS = tuple(range(0, 50 * 7919, 7919))  # 50 well-spread seeds per template


_deck, _instances = deck_loader("bayes", SEEDS)


# ----------------------------------------------------------------------------- helpers


def param(inst: Instance, name: str) -> Fraction:
    """A parameter shown in the prompt, as a Fraction."""
    return frac(inst.values[name])


def expected_fraction(inst: Instance) -> Fraction:
    """The reference answer as an exact Fraction."""
    return frac(inst.spec.expected)


def expected_floats(inst: Instance) -> list[float]:
    """The reference answer (a number or a vector) as floats."""
    value = inst.spec.expected
    items = value.items if isinstance(value, Sequence) else (value,)
    return [float(sympy.N(v, 30)) for v in items]


Joint = dict[tuple[Any, ...], Fraction]


def joint_table(prior: dict[Any, Fraction], tests: list[dict[Any, Fraction]]) -> Joint:
    """Every cell (hypothesis, outcome₁, …) of a model with conditionally independent binary tests.

    Args:
        prior: P(h) for each hypothesis h.
        tests: For each test, P(test positive | h).

    Returns:
        The joint probability of every cell, outcomes written as True (positive) / False.
    """
    table: Joint = {}
    for h, p_h in prior.items():
        for outcomes in itertools.product((True, False), repeat=len(tests)):
            p = p_h
            for test, positive in zip(tests, outcomes, strict=True):
                p *= test[h] if positive else 1 - test[h]
            table[(h, *outcomes)] = p
    assert sum(table.values()) == 1
    return table


def probability(table: Joint, event: Callable[[tuple[Any, ...]], bool]) -> Fraction:
    """P(event) by summing the matching cells."""
    return sum((p for cell, p in table.items() if event(cell)), Fraction(0))


def conditional(
    table: Joint,
    event: Callable[[tuple[Any, ...]], bool],
    given: Callable[[tuple[Any, ...]], bool],
) -> Fraction:
    """P(event | given) by enumeration."""
    return probability(table, lambda c: event(c) and given(c)) / probability(table, given)


def disease_model(inst: Instance, tests: int, prev: Fraction | None = None) -> Joint:
    """The joint table of disease status and ``tests`` repetitions of the prompt's test."""
    prev = param(inst, "prev") if prev is None else prev
    sens, fpr = param(inst, "sens"), param(inst, "fpr")
    return joint_table({"ill": prev, "healthy": 1 - prev}, [{"ill": sens, "healthy": fpr}] * tests)


def ill(cell: tuple[Any, ...]) -> bool:
    """The cell's hypothesis is 'ill'."""
    return cell[0] == "ill"


def grid_moments(log_density: np.ndarray, grid: np.ndarray) -> tuple[float, float]:
    """Mean and variance of a density given by its log on a uniform grid (midpoint rule)."""
    weights = np.exp(log_density - log_density.max())
    weights /= weights.sum()
    mean = float(weights @ grid)
    return mean, float(weights @ (grid - mean) ** 2)


def xlogy(x: float, y: np.ndarray) -> np.ndarray:
    """x·log(y) with 0·log(0) = 0 (a likelihood factor with exponent 0 is 1 everywhere)."""
    if x == 0:
        return np.zeros_like(y)
    with np.errstate(divide="ignore"):
        return x * np.log(y)


THETA = (np.arange(200_000) + 0.5) / 200_000  # midpoints of (0, 1): spacing 5e-6
GRID_TOL = 1e-6  # midpoint-rule error h²·max|f''|/24 is below 1e-8 for these smooth densities


# ----------------------------------------------------------------------------- discrete checks


def check_urn(inst: Instance) -> None:
    """P(A | red) by enumerating every ball."""
    balls = {"A": (int(inst.values["ra"]), int(inst.values["ba"])),
             "B": (int(inst.values["rb"]), int(inst.values["bb"]))}  # fmt: skip
    # One cell per physical ball: the urn is chosen by a fair coin, then a ball uniformly.
    table: Joint = {}
    for urn, (red, blue) in balls.items():
        for index in range(red + blue):
            table[(urn, "red" if index < red else "blue", index)] = Fraction(1, 2 * (red + blue))
    answer = conditional(table, lambda c: c[0] == "A", lambda c: c[1] == "red")
    assert expected_fraction(inst) == answer


def check_total_positive(inst: Instance) -> None:
    """P(+) by enumerating the disease × test table."""
    table = disease_model(inst, 1)
    assert expected_fraction(inst) == probability(table, lambda c: c[1])


def check_posterior_positive(inst: Instance) -> None:
    """P(ill | +) by enumeration."""
    table = disease_model(inst, 1)
    assert expected_fraction(inst) == conditional(table, ill, lambda c: c[1])


def check_posterior_negative(inst: Instance) -> None:
    """P(ill | −) by enumeration."""
    table = disease_model(inst, 1)
    assert expected_fraction(inst) == conditional(table, ill, lambda c: not c[1])


def check_two_positives(inst: Instance) -> None:
    """P(ill | +, +) by enumerating two conditionally independent tests."""
    table = disease_model(inst, 2)
    assert expected_fraction(inst) == conditional(table, ill, lambda c: c[1] and c[2])


def check_positive_then_negative(inst: Instance) -> None:
    """P(ill | +, −) by enumeration."""
    table = disease_model(inst, 2)
    assert expected_fraction(inst) == conditional(table, ill, lambda c: c[1] and not c[2])


def check_likelihood_ratio(inst: Instance) -> None:
    """LR+ = P(+ | ill)/P(+ | healthy) from the joint table."""
    # Any prevalence gives the same LR; enumerate with a deliberately odd one.
    table = disease_model(inst, 1, prev=Fraction(3, 7))
    p_pos_ill = conditional(table, lambda c: c[1], ill)
    p_pos_healthy = conditional(table, lambda c: c[1], lambda c: not ill(c))
    assert expected_fraction(inst) == p_pos_ill / p_pos_healthy


def check_posterior_odds(inst: Instance) -> None:
    """Posterior odds P(ill | +)/P(healthy | +) by enumeration."""
    prev = Fraction(1, int(inst.values["n"]) + 1)
    table = disease_model(inst, 1, prev=prev)
    odds = conditional(table, ill, lambda c: c[1]) / conditional(
        table, lambda c: not ill(c), lambda c: c[1]
    )
    assert expected_fraction(inst) == odds


def check_odds_two_tests(inst: Instance) -> None:
    """Posterior probability in a concrete model with the stated prior odds and LRs."""
    # A concrete model with the stated prior odds 1 : n and likelihood ratios lr1, lr2:
    # P(Eᵢ | H) = 1/2, P(Eᵢ | ¬H) = 1/(2·lrᵢ).
    n = int(inst.values["n"])
    lr1, lr2 = param(inst, "lr1"), param(inst, "lr2")
    table = joint_table(
        {"H": Fraction(1, n + 1), "not H": Fraction(n, n + 1)},
        [
            {"H": Fraction(1, 2), "not H": 1 / (2 * lr1)},
            {"H": Fraction(1, 2), "not H": 1 / (2 * lr2)},
        ],
    )
    assert expected_fraction(inst) == conditional(
        table, lambda c: c[0] == "H", lambda c: c[1] and c[2]
    )


def check_naive_bayes(inst: Instance) -> None:
    """P(spam | word 1, not word 2) by enumerating class × word × word."""
    ps = param(inst, "ps")
    table = joint_table(
        {"spam": ps, "ham": 1 - ps},
        [
            {"spam": param(inst, "a1"), "ham": param(inst, "b1")},
            {"spam": param(inst, "a2"), "ham": param(inst, "b2")},
        ],
    )
    answer = conditional(table, lambda c: c[0] == "spam", lambda c: c[1] and not c[2])
    assert expected_fraction(inst) == answer


def check_two_coins(inst: Instance) -> None:
    """P(H₂ | H₁) by enumeration and by a seeded Monte Carlo simulation."""
    h, r = param(inst, "h"), param(inst, "r")
    coin_heads = {"biased": h, "fair": Fraction(1, 2)}
    table = joint_table({"biased": r, "fair": 1 - r}, [coin_heads, coin_heads])
    exact = conditional(table, lambda c: c[2], lambda c: c[1])
    assert expected_fraction(inst) == exact
    # Monte Carlo: draw coins and two flips. With N = 400 000 draws, at least 35% show heads
    # first (P(H₁) ≥ min(h, 1/2) ≥ 1/5 … here ≥ 0.35 for every option), so the standard error of
    # the conditional frequency is ≤ 0.5/√140 000 ≈ 0.0013; 5 standard errors is 0.0067.
    rng = np.random.default_rng(inst.seed % 2**32)
    draws = 400_000
    biased = rng.random(draws) < float(r)
    p_heads = np.where(biased, float(h), 0.5)
    first = rng.random(draws) < p_heads
    second = rng.random(draws) < p_heads
    estimate = second[first].mean()
    assert abs(estimate - float(expected_fraction(inst))) < 0.0067


# ----------------------------------------------------------------------------- conjugate checks


def beta_log_posterior(inst: Instance) -> np.ndarray:
    """log prior + log likelihood of the Beta–Binomial templates on THETA (k successes in n)."""
    a, b = int(inst.values["a"]), int(inst.values["b"])
    n, k = int(inst.values["n"]), int(inst.values["k"])
    log_prior = xlogy(a - 1, THETA) + xlogy(b - 1, 1 - THETA)
    log_likelihood = xlogy(k, THETA) + xlogy(n - k, 1 - THETA)
    return log_prior + log_likelihood


def check_beta_update(inst: Instance) -> None:
    """Grid posterior moments equal those of Beta(α, β) from the reference."""
    alpha, beta = expected_floats(inst)
    mean, var = grid_moments(beta_log_posterior(inst), THETA)
    assert abs(mean - alpha / (alpha + beta)) < GRID_TOL
    assert abs(var - alpha * beta / ((alpha + beta) ** 2 * (alpha + beta + 1))) < GRID_TOL


def check_beta_mean(inst: Instance) -> None:
    """Grid posterior mean equals the reference."""
    (answer,) = expected_floats(inst)
    mean, _ = grid_moments(beta_log_posterior(inst), THETA)
    assert abs(mean - answer) < GRID_TOL


def check_beta_map_mle(inst: Instance) -> None:
    """Grid argmax of likelihood and posterior equal the reference [MLE, MAP]."""
    mle, map_ = expected_floats(inst)
    a, b = int(inst.values["a"]), int(inst.values["b"])
    n, k = int(inst.values["n"]), int(inst.values["k"])
    grid = np.linspace(0, 1, 1_000_001)  # endpoints included: the MLE may be 0 or 1
    log_likelihood = xlogy(k, grid) + xlogy(n - k, 1 - grid)
    log_posterior = log_likelihood + xlogy(a - 1, grid) + xlogy(b - 1, 1 - grid)
    assert abs(grid[np.argmax(log_likelihood)] - mle) <= 1e-6
    assert abs(grid[np.argmax(log_posterior)] - map_) <= 1e-6


def check_beta_predictive(inst: Instance) -> None:
    """Grid E[θ²] under the posterior equals the reference."""
    (answer,) = expected_floats(inst)
    weights = np.exp(beta_log_posterior(inst) - beta_log_posterior(inst).max())
    weights /= weights.sum()
    assert abs(float(weights @ THETA**2) - answer) < GRID_TOL


LAMBDA = (np.arange(400_000) + 0.5) * (80 / 400_000)  # midpoints of (0, 80)


def check_gamma_update(inst: Instance) -> None:
    """Grid posterior moments equal those of Gamma(α, β) from the reference."""
    alpha, beta = expected_floats(inst)
    al, be = int(inst.values["al"]), int(inst.values["be"])
    log_density = xlogy(al - 1, LAMBDA) - be * LAMBDA
    for name in ("x1", "x2", "x3"):  # one Poisson likelihood factor per observed hour
        log_density = log_density + xlogy(int(inst.values[name]), LAMBDA) - LAMBDA
    mean, var = grid_moments(log_density, LAMBDA)
    assert abs(mean - alpha / beta) < GRID_TOL * 10
    assert abs(var - alpha / beta**2) < GRID_TOL * 10


def check_gamma_mean(inst: Instance) -> None:
    """Grid posterior mean of λ equals the reference."""
    (answer,) = expected_floats(inst)
    al, be = int(inst.values["al"]), int(inst.values["be"])
    n, total = int(inst.values["n"]), int(inst.values["sx"])
    # n Poisson counts with this total: the likelihood is λ^total·e^(−nλ) up to a constant.
    log_density = xlogy(al - 1 + total, LAMBDA) - (be + n) * LAMBDA
    mean, _ = grid_moments(log_density, LAMBDA)
    assert abs(mean - answer) < GRID_TOL * 10


def check_gamma_predictive_zero(inst: Instance) -> None:
    """Grid E[P(0 events | λ)] = E[e^(−λ)] under the posterior equals the reference."""
    (answer,) = expected_floats(inst)
    al, be = int(inst.values["al"]), int(inst.values["be"])
    log_density = xlogy(al - 1, LAMBDA) - be * LAMBDA
    for name in ("x1", "x2"):
        log_density = log_density + xlogy(int(inst.values[name]), LAMBDA) - LAMBDA
    weights = np.exp(log_density - log_density.max())
    weights /= weights.sum()
    assert abs(float(weights @ np.exp(-LAMBDA)) - answer) < GRID_TOL * 10


def normal_posterior(m0: float, t2: float, s2: float, data: Iterable[float]) -> tuple[float, float]:
    """Posterior mean and variance of μ by grid integration of N(μ; m0, t2)·Π N(xᵢ; μ, s2)."""
    grid = np.linspace(m0 - 40, m0 + 40, 800_001)
    log_density = -((grid - m0) ** 2) / (2 * t2)
    for x in data:
        log_density = log_density - (x - grid) ** 2 / (2 * s2)
    return grid_moments(log_density, grid)


def synthetic_sample(n: int, mean: float) -> list[float]:
    """n observations with the given sample mean (spread ±1, ±2 … so they are not all equal)."""
    offsets = [float(i) - (n - 1) / 2 for i in range(n)]
    return [mean + d for d in offsets]


def check_normal_mean(inst: Instance) -> None:
    """Grid posterior mean of μ equals the reference."""
    (answer,) = expected_floats(inst)
    m0, t2, s2 = (float(inst.values[k]) for k in ("m0", "t2", "s2"))
    data = synthetic_sample(int(inst.values["n"]), float(inst.values["xb"]))
    mean, _ = normal_posterior(m0, t2, s2, data)
    assert abs(mean - answer) < GRID_TOL * 10


def check_normal_variance(inst: Instance) -> None:
    """Grid posterior variance of μ equals the reference."""
    (answer,) = expected_floats(inst)
    t2, s2 = float(inst.values["t2"]), float(inst.values["s2"])
    _, var = normal_posterior(0.0, t2, s2, synthetic_sample(int(inst.values["n"]), 1.5))
    assert abs(var - answer) < GRID_TOL * 10


CHECKS: dict[str, Callable[[Instance], None]] = {
    "urn-posterior": check_urn,
    "total-probability-positive": check_total_positive,
    "diagnostic-posterior": check_posterior_positive,
    "diagnostic-negative": check_posterior_negative,
    "sequential-two-positives": check_two_positives,
    "sequential-positive-negative": check_positive_then_negative,
    "likelihood-ratio": check_likelihood_ratio,
    "posterior-odds": check_posterior_odds,
    "odds-two-tests": check_odds_two_tests,
    "naive-bayes-two-features": check_naive_bayes,
    "beta-binomial-update": check_beta_update,
    "beta-posterior-mean": check_beta_mean,
    "beta-map-vs-mle": check_beta_map_mle,
    "beta-predictive": check_beta_predictive,
    "gamma-poisson-update": check_gamma_update,
    "gamma-poisson-mean": check_gamma_mean,
    "gamma-poisson-predictive-zero": check_gamma_predictive_zero,
    "normal-normal-mean": check_normal_mean,
    "normal-normal-variance": check_normal_variance,
    "two-coins-predictive": check_two_coins,
}


_shared = cross_check_tests(_deck, _instances, CHECKS, min_mistakes=1)
test_every_template_is_cross_checked = _shared.every_template_is_cross_checked
test_reference_agrees_with_independent_computation = _shared.reference_agrees
test_every_mistake_is_wrong = _shared.every_mistake_is_wrong


def test_checks_can_fail() -> None:
    """The checkers reject wrong references: each authored mistake of two templates."""
    for template_id, check in (
        ("diagnostic-posterior", check_posterior_positive),
        ("beta-map-vs-mle", check_beta_map_mle),
        ("normal-normal-variance", check_normal_variance),
    ):
        inst = _instances(template_id)[0]
        for mistake in inst.spec.mistakes:
            wrong = replace(inst, spec=replace(inst.spec, expected=mistake.value))
            with pytest.raises(AssertionError):
                check(wrong)
