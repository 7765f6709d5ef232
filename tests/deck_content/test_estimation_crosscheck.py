"""Independent cross-checks of the built-in ``estimation`` deck (decks/estimation.yaml).

Every template is generated over 30 well-spread seeds with the decks API. Only the *problem data*
(the samples, counts, exposures, design values, Gram matrix, λ, labels) is read from the
instance; each answer is recomputed from the definitions, never with the template's own sympy
expressions:

* maximum-likelihood estimates by maximising the log-likelihood numerically — bisection on the
  sign of its complex-step derivative (exact to rounding), the Gaussian's σ² on the profile
  likelihood — and the invariance answer by evaluating the Poisson pmf at the numeric λ̂;
* log-likelihoods as functions by summing the per-observation log-probabilities of an explicit
  sequence at fixed points;
* bias and variance of σ̂² from the moments of a Gaussian quadratic form (traces of the centring
  matrix), confirmed by a seeded simulation; the shrunken mean's bias, variance and MSE exactly,
  by enumerating every outcome of a two-point distribution with the given mean and variance;
* inverse-variance weights by minimising the variance numerically;
* XᵀX with numpy, least squares and ridge with ``numpy.linalg.lstsq`` (ridge as least squares on
  the system augmented with √λ·I; for the two-feature problem a design X is rebuilt from XᵀX by a
  Cholesky factorisation);
* the logistic log-likelihood by direct summation and its gradient by complex-step
  differentiation.

A second test proves the authored mistakes are really wrong: each mistake value differs from the
independent answer on every sampled instance.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
import sympy

from mathdrill.decks.generate import Instance
from mathdrill.mathlang.values import Sequence
from tests.deck_content.deckkit import by_seed, cross_check_tests, deck_loader, num

SEEDS = tuple(range(0, 30 * 7919, 7919))  # 30 well-spread seeds per template
RTOL = 1e-9  # references are exact; float64 recomputations agree to ~1e-12
MISTAKE_RTOL = 1e-6  # a mistake must differ by more than any rounding of the recomputation
# An expression answer is compared through its values at these points of its symbol.
EXPRESSION_POINTS = {
    "bernoulli-log-likelihood": ("p", (0.07, 0.2, 0.35, 0.5, 0.66, 0.81, 0.93)),
}

Answer = float | np.ndarray


_deck, _instances = deck_loader("estimation", SEEDS)


# ----------------------------------------------------------------------------- value conversion


def ints_of(value: Any) -> list[int]:
    """A list of whole numbers shown in the prompt."""
    assert isinstance(value, Sequence), f"expected a list, got {value!r}"
    assert all(isinstance(v, sympy.Integer) for v in value.items), value
    return [int(v) for v in value.items]


def floats_of(value: Any) -> np.ndarray:
    """A list shown in the prompt as a float vector."""
    assert isinstance(value, Sequence), f"expected a list, got {value!r}"
    return np.array([num(v) for v in value.items])


def as_answer(template_id: str, value: Any) -> Answer:
    """A reference or mistake value as a float, a float vector or a float matrix.

    Expressions become their values at :data:`EXPRESSION_POINTS`; lists of rows become 2-D
    arrays (so a 4×4 "XXᵀ" never equals a 2×2 XᵀX).
    """
    if template_id in EXPRESSION_POINTS:
        name, points = EXPRESSION_POINTS[template_id]
        symbol = sympy.Symbol(name)
        return np.array([num(value.subs(symbol, sympy.Float(x, 30))) for x in points])
    if isinstance(value, Sequence):
        if value.items and isinstance(value.items[0], Sequence):
            return np.array([[num(v) for v in row.items] for row in value.items])
        return np.array([num(v) for v in value.items])
    if isinstance(value, sympy.MatrixBase):
        return np.array(value.tolist(), dtype=float)
    return num(value)


def close(a: Answer, b: Answer, rtol: float) -> bool:
    """Equal answers: same shape, entries within rtol (relative) plus 1e-12 (absolute)."""
    a_arr = np.atleast_1d(np.asarray(a, dtype=float))
    b_arr = np.atleast_1d(np.asarray(b, dtype=float))
    return a_arr.shape == b_arr.shape and bool(
        np.all(np.abs(a_arr - b_arr) <= 1e-12 + rtol * np.abs(b_arr))
    )


# ----------------------------------------------------------------------------- numeric helpers


def argmin_unimodal(f: Callable[[complex], complex], lo: float, hi: float) -> float:
    """The minimiser of a smooth function whose derivative changes sign once on [lo, hi].

    Bisection on the sign of the complex-step derivative f'(x) = Im f(x + ih)/h, which has no
    cancellation, so the minimiser is found to rounding even where f is flat.
    """
    h = 1e-30
    assert f(complex(lo, h)).imag < 0 < f(complex(hi, h)).imag, "no sign change in the bracket"
    for _ in range(200):
        mid = (lo + hi) / 2
        if f(complex(mid, h)).imag > 0:
            hi = mid
        else:
            lo = mid
    return (lo + hi) / 2


def log_sigmoid(z: Any) -> Any:
    """ln σ(z) = −ln(1 + e^(−z)), for real or complex z."""
    return -np.log(1 + np.exp(-z))


# ----------------------------------------------------------------------------- maximum likelihood


def check_mle_bernoulli(inst: Instance) -> Answer:
    """argmax of Σ [x·ln θ + (1 − x)·ln(1 − θ)] over θ."""
    x = np.array(ints_of(inst.values["xs"]))
    assert set(x) <= {0, 1}

    def nll(t: complex) -> complex:
        return -np.sum(x * np.log(t) + (1 - x) * np.log(1 - t))

    return argmin_unimodal(nll, 1e-9, 1 - 1e-9)


def check_bernoulli_log_likelihood(inst: Instance) -> Answer:
    """Σ ln P(xᵢ | p) of an explicit sequence with the stated counts, at the test points."""
    n, k = int(inst.values["n"]), int(inst.values["k"])
    assert 0 < k < n
    sequence = np.random.default_rng(inst.seed % 2**32).permutation([1] * k + [0] * (n - k))
    _, points = EXPRESSION_POINTS["bernoulli-log-likelihood"]
    return np.array([float(np.sum(np.log(np.where(sequence == 1, p, 1 - p)))) for p in points])


def check_mle_poisson_exposure(inst: Instance) -> Answer:
    """argmax of Σ [cᵢ·ln(λ·tᵢ) − λ·tᵢ] over λ."""
    c, t = np.array(ints_of(inst.values["cl"])), np.array(ints_of(inst.values["tl"]))
    assert np.all(t > 0)
    assert c.sum() > 0

    def nll(lam: complex) -> complex:
        return -np.sum(c * np.log(lam * t) - lam * t)

    return argmin_unimodal(nll, 1e-6, 100.0)


def check_mle_poisson_zero(inst: Instance) -> Answer:
    """The Poisson pmf at 0 evaluated at the numerically maximised λ̂ (invariance)."""
    x = np.array(ints_of(inst.values["xs"]))
    assert x.sum() > 0

    def nll(lam: complex) -> complex:
        return -np.sum(x * np.log(lam) - lam)

    lam_hat = argmin_unimodal(nll, 1e-6, 100.0)
    return lam_hat**0 * math.exp(-lam_hat) / math.factorial(0)


def check_mle_gaussian(inst: Instance) -> Answer:
    """[μ̂, σ̂²]: μ̂ minimises Σ(x − μ)²; σ̂² maximises the profile log-likelihood in s = σ²."""
    x = floats_of(inst.values["xs"])
    n = len(x)
    mu = argmin_unimodal(lambda m: np.sum((x - m) ** 2), float(x.min()) - 1, float(x.max()) + 1)
    ss = float(np.sum((x - mu) ** 2))

    def nll(s: complex) -> complex:
        return n / 2 * np.log(s) + ss / (2 * s)

    var = argmin_unimodal(nll, 1e-6, 10 * ss + 1)
    assert abs(var - np.var(x)) <= 1e-9 * max(1.0, var)  # numpy's ddof=0 variance agrees
    return np.array([mu, var])


# ----------------------------------------------------------------------------- bias and variance


def quadratic_form_moments(n: int, s2: float) -> tuple[float, float]:
    """E and Var of σ̂² = xᵀMx/n for x ~ N(μ1, s2·I), M = I − 11ᵀ/n (M1 = 0 removes μ).

    For Gaussian x with covariance s2·I: E[xᵀMx] = s2·tr M and Var[xᵀMx] = 2·s2²·tr(M²).
    """
    centring = np.eye(n) - np.ones((n, n)) / n
    return s2 * np.trace(centring) / n, 2 * s2**2 * np.trace(centring @ centring) / n**2


def check_mle_variance_bias(inst: Instance) -> Answer:
    """[E σ̂² − σ², Var σ̂²] from the quadratic-form moments."""
    n, s2 = int(inst.values["n"]), num(inst.values["s2"])
    mean, var = quadratic_form_moments(n, s2)
    return np.array([mean - s2, var])


def check_shrinkage(inst: Instance) -> Answer:
    """[bias, variance, MSE] of c·X̄, exactly, over all 2ⁿ outcomes of Xᵢ = μ ± σ."""
    c = Fraction(str(inst.values["c"]))
    mu, s2, n = int(inst.values["mu"]), int(inst.values["s2"]), int(inst.values["n"])
    sigma = math.isqrt(s2)
    assert sigma * sigma == s2  # Xᵢ = μ ± σ (each with probability 1/2): mean μ, variance σ²
    weight = Fraction(1, 2**n)
    estimates = [
        c * Fraction(sum(signs) * sigma + n * mu, n)
        for signs in itertools.product((-1, 1), repeat=n)
    ]
    mean = sum(estimates, Fraction(0)) * weight
    var = sum(((e - mean) ** 2 for e in estimates), Fraction(0)) * weight
    mse = sum(((e - mu) ** 2 for e in estimates), Fraction(0)) * weight
    return np.array([float(mean - mu), float(var), float(mse)])


def check_inverse_variance(inst: Instance) -> Answer:
    """[w, Var] minimising Var(w·X₁ + (1 − w)·X₂) = w²·v₁ + (1 − w)²·v₂."""
    v1, v2 = num(inst.values["v1"]), num(inst.values["v2"])

    def variance(w: Any) -> Any:
        return w * w * v1 + (1 - w) * (1 - w) * v2

    w = argmin_unimodal(variance, -1.0, 2.0)
    return np.array([w, variance(w)])


# ----------------------------------------------------------------------------- least squares, ridge


def design(xs: list[int]) -> np.ndarray:
    """The design matrix with an intercept column."""
    return np.column_stack([np.ones(len(xs)), np.array(xs, dtype=float)])


def check_gram(inst: Instance) -> Answer:
    """XᵀX with numpy."""
    X = design(ints_of(inst.values["xs"]))
    return X.T @ X


def check_least_squares_line(inst: Instance) -> Answer:
    """[a, b] from numpy.linalg.lstsq on the four points."""
    X = design(ints_of(inst.values["xs"]))
    y = np.array(ints_of(inst.values["ys"]), dtype=float)
    return np.linalg.lstsq(X, y, rcond=None)[0]


def ridge(X: np.ndarray, y: np.ndarray, lam: float) -> np.ndarray:
    """argmin ‖y − Xβ‖² + λ‖β‖² as least squares on [X; √λ·I]β ≈ [y; 0]."""
    augmented = np.vstack([X, math.sqrt(lam) * np.eye(X.shape[1])])
    target = np.concatenate([y, np.zeros(X.shape[1])])
    return np.linalg.lstsq(augmented, target, rcond=None)[0]


def check_ridge_1d(inst: Instance) -> Answer:
    """The one-feature ridge minimiser."""
    x = np.array(ints_of(inst.values["xs"]), dtype=float)[:, None]
    y = np.array(ints_of(inst.values["ys"]), dtype=float)
    return float(ridge(x, y, num(inst.values["lam"]))[0])


def check_ridge_2d(inst: Instance) -> Answer:
    """Ridge on a design rebuilt from the shown XᵀX (Cholesky) and Xᵀy."""
    gram = np.array(inst.values["G"].tolist(), dtype=float)
    xty = floats_of(inst.values["bl"])
    lower = np.linalg.cholesky(gram)  # XᵀX = L·Lᵀ, so X = Lᵀ has this Gram matrix …
    X = lower.T
    y = np.linalg.solve(lower, xty)  # … and Xᵀy = L·y gives the shown Xᵀy
    assert np.allclose(X.T @ X, gram)
    assert np.allclose(X.T @ y, xty)
    return ridge(X, y, num(inst.values["lam"]))


# ----------------------------------------------------------------------------- logistic regression


def check_logistic_log_likelihood(inst: Instance) -> Answer:
    """Σ [y·ln σ(w·x) + (1 − y)·ln(1 − σ(w·x))] with w = ln k."""
    w = math.log(int(inst.values["k"]))
    x = np.array(ints_of(inst.values["xs"]), dtype=float)
    y = np.array(ints_of(inst.values["ys"]), dtype=float)
    return float(np.sum(y * log_sigmoid(w * x) + (1 - y) * log_sigmoid(-w * x)))


def check_logistic_gradient(inst: Instance) -> Answer:
    """∇ℓ(0) by complex-step differentiation of the log-likelihood of the design [1, x]."""
    X = design(ints_of(inst.values["xs"]))
    y = np.array(ints_of(inst.values["ys"]), dtype=float)

    def log_likelihood(w: np.ndarray) -> Any:
        z = X @ w
        return np.sum(y * log_sigmoid(z) + (1 - y) * log_sigmoid(-z))

    h = 1e-30
    steps = np.eye(2) * 1j * h  # perturb one weight at a time along the imaginary axis
    return np.array([log_likelihood(step).imag / h for step in steps])


CHECKS: dict[str, Callable[[Instance], Answer]] = {
    "mle-bernoulli": check_mle_bernoulli,
    "bernoulli-log-likelihood": check_bernoulli_log_likelihood,
    "mle-poisson-exposure": check_mle_poisson_exposure,
    "mle-poisson-zero-prob": check_mle_poisson_zero,
    "mle-gaussian": check_mle_gaussian,
    "mle-variance-bias": check_mle_variance_bias,
    "shrinkage-mse": check_shrinkage,
    "inverse-variance-weighting": check_inverse_variance,
    "normal-equations-gram": check_gram,
    "least-squares-line": check_least_squares_line,
    "ridge-1d": check_ridge_1d,
    "ridge-2d": check_ridge_2d,
    "logistic-log-likelihood": check_logistic_log_likelihood,
    "logistic-gradient-at-zero": check_logistic_gradient,
}


# The independent answer of an instance, computed once for the reference and mistake tests.
_truth = by_seed(lambda inst: CHECKS[inst.template](inst))


def check_reference(inst: Instance) -> None:
    """The reference equals the recomputation from the problem data."""
    reference, truth = as_answer(inst.template, inst.spec.expected), _truth(inst)
    assert close(reference, truth, RTOL), f"reference {reference} != independent {truth}"


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


def test_mle_variance_bias_by_simulation() -> None:
    """A seeded simulation agrees with the references of the bias/variance template."""
    for inst in _instances("mle-variance-bias")[:6]:
        n, s2 = int(inst.values["n"]), num(inst.values["s2"])
        bias, var = as_answer("mle-variance-bias", inst.spec.expected)
        rng = np.random.default_rng(inst.seed % 2**32)
        samples = rng.normal(3.0, math.sqrt(s2), size=(200_000, n))
        estimates = samples.var(axis=1)  # ddof=0: the MLE
        standard_error = estimates.std() / math.sqrt(len(estimates))
        assert abs((estimates.mean() - s2) - bias) < 6 * standard_error, inst.seed
        # The sample variance of 200 000 estimates is within ~1% here; 5% is > 7 standard errors.
        assert abs(estimates.var() - var) < 0.05 * var, inst.seed


def test_least_squares_residuals_are_orthogonal() -> None:
    """The data are not on the line, and the fitted residuals satisfy the normal equations."""
    for inst in _instances("least-squares-line"):
        X = design(ints_of(inst.values["xs"]))
        y = np.array(ints_of(inst.values["ys"]), dtype=float)
        residual = y - X @ as_answer("least-squares-line", inst.spec.expected)
        assert np.linalg.norm(residual) > 1  # a real fit, not an interpolation
        assert np.allclose(X.T @ residual, 0)


def test_instances_vary() -> None:
    """The seeds really draw different problems (the checks above are not one case 30 times)."""
    for template_id in CHECKS:
        keys = {inst.key for inst in _instances(template_id)}
        assert len(keys) >= 10, f"{template_id}: only {len(keys)} distinct instances in 30 seeds"


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
        argmin_unimodal(lambda x: x * x, 1.0, 2.0)  # no minimum inside the bracket
