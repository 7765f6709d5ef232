"""Independent cross-checks of the built-in ``numerics`` deck (decks/numerics.yaml).

Every template is generated over 30 well-spread seeds with the decks API. Only the *problem data*
(the numbers the prompt shows: x, N, bits, the vector of logits, the matrix …) is read from the
instance; the answer is recomputed with real machine arithmetic or exact rational arithmetic,
never with the template's own sympy expressions:

* float facts with numpy float32/float64 themselves: ``np.spacing``, ``np.float32`` rounding,
  float32 additions, ``np.exp`` overflow under ``np.errstate``, the naive softmax's nan count, a
  gradient multiplied layer by layer until it is exactly 0;
* stable softmax / log-sum-exp with shifted float64 arithmetic and ``np.logaddexp.reduce`` (and
  the prompts' claims that the naive forms return nan / inf, checked by running them);
* cancellation by exact worst-case enumeration with ``fractions.Fraction`` and 50-digit
  ``decimal`` square roots (plus the prompt's claim that float32 returns exactly 0);
* condition numbers with ``np.linalg.cond`` and by solving perturbed systems;
* finite differences by evaluating the difference quotients exactly; the optimal step by a
  numeric minimisation of the error bound;
* the depth-variance factor by a Monte Carlo ReLU layer (which must agree with n·σ²/2 within a
  few percent) raised to the depth exactly.

A second test proves the authored mistakes are really wrong: each mistake value differs from the
independent answer on every sampled instance.
"""

from __future__ import annotations

import decimal
import functools
import math
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np
import sympy

from mathdrill.answers.forms import IntervalValue
from mathdrill.decks.generate import Instance
from mathdrill.mathlang.values import Sequence
from tests.deck_content.deckkit import by_seed, cross_check_tests, deck_loader, frac, mat, num, vec

SEEDS = tuple(range(0, 30 * 7919, 7919))  # 30 well-spread seeds per template
RTOL = 1e-9  # references are exact; float64 recomputations agree to ~1e-13
MISTAKE_RTOL = 1e-12  # a mistake must really differ (relative), or by more than the atol
# A numeric minimiser finds the flat minimum of a smooth function only to ~√(machine ε).
LOOSER_RTOL = {"finite-difference-optimal-step": 1e-7}

Interval = tuple[tuple[float, float, bool, bool], ...]
Answer = float | bool | np.ndarray | Interval


_deck, _instances = deck_loader("numerics", SEEDS)


# ----------------------------------------------------------------------------- value conversion


def as_answer(value: Any) -> Answer:
    """A reference or mistake value of any kind used here, in the comparable form."""
    if isinstance(value, bool):
        return value
    if isinstance(value, IntervalValue):
        return tuple((num(p.lo), num(p.hi), p.lo_closed, p.hi_closed) for p in value.pieces)
    if isinstance(value, Sequence | sympy.MatrixBase):
        return vec(value)
    return num(value)


def close(a: Answer, b: Answer, rtol: float, atol: float = 0.0) -> bool:
    """Equal answers: same kind, numbers within atol + rtol·|b|, intervals with equal brackets."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, tuple) or isinstance(b, tuple):
        assert isinstance(a, tuple)
        assert isinstance(b, tuple)
        return len(a) == len(b) and all(
            pa[2:] == pb[2:] and close(pa[0], pb[0], rtol, atol) and close(pa[1], pb[1], rtol, atol)
            for pa, pb in zip(a, b, strict=True)
        )
    a_arr, b_arr = np.atleast_1d(np.asarray(a, float)), np.atleast_1d(np.asarray(b, float))
    return a_arr.shape == b_arr.shape and bool(
        np.all(np.abs(a_arr - b_arr) <= atol + rtol * np.abs(b_arr))
    )


def float_type(inst: Instance) -> type[np.floating[Any]]:
    """The numpy type named by the instance's ``bits``."""
    bits = int(inst.values["bits"])
    assert bits in (32, 64)
    return np.float32 if bits == 32 else np.float64


# ----------------------------------------------------------------------------- representable values


def check_spacing(inst: Instance) -> Answer:
    """np.spacing of the float32 x (which must itself be exactly representable)."""
    x = frac(inst.values["x"])
    x32 = np.float32(float(x))
    assert Fraction(float(x32)) == x, "x must be an exact float32"
    return float(np.spacing(x32))


def check_round_integer(inst: Instance) -> Answer:
    """What np.float32 really stores for N."""
    n = int(inst.values["N"])
    stored = np.float32(n)
    assert float(stored) != n, "N must not be representable"
    return float(stored)


def check_absorption(inst: Instance) -> Answer:
    """A real float32 addition x + y compared with x."""
    m, c, ey = (int(inst.values[k]) for k in ("m", "c", "ey"))
    x, y = np.float32(2.0**m), np.float32(c * 2.0**ey)
    assert float(y) == c * 2.0**ey, "y must be an exact float32"
    return bool(x + y == x)


# ----------------------------------------------------------------------------- overflow, softmax


def check_exp_overflow(inst: Instance) -> Answer:
    """np.exp in the named precision, overflow silenced and detected as inf."""
    dtype = float_type(inst)
    with np.errstate(over="ignore"):
        return bool(np.isinf(np.exp(dtype(int(inst.values["x"])))))


def check_naive_softmax_nan(inst: Instance) -> Answer:
    """Run the naive softmax in the named precision and count the nan entries."""
    x = np.array(vec(inst.values["x"]), dtype=float_type(inst))
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(x)
        out = e / np.sum(e)
    return float(np.count_nonzero(np.isnan(out)))


def check_softmax_shift(inst: Instance) -> Answer:
    """Stable float64 softmax (after checking that the naive one really gives nan)."""
    x = vec(inst.values["x"])
    with np.errstate(over="ignore", invalid="ignore"):
        naive = np.exp(x) / np.sum(np.exp(x))
    assert np.all(np.isnan(naive)), "the prompt says the naive softmax returns nan"
    z = np.exp(x - x.max())
    return float(z[0] / z.sum())


def check_logsumexp(inst: Instance) -> Answer:
    """np.logaddexp.reduce (after checking that the naive formula really gives inf)."""
    x = vec(inst.values["x"])
    with np.errstate(over="ignore"):
        naive = np.log(np.sum(np.exp(x)))
    assert np.isinf(naive), "the prompt says the naive formula returns inf"
    return float(np.logaddexp.reduce(x))


def check_logsumexp_bounds(inst: Instance) -> Answer:
    """The range of LSE over many vectors with the given maximum, measured.

    Random vectors (the maximum M plus n − 1 entries M − Exp(1)·scale), vectors whose other
    entries are far below M (LSE → M from above), and the all-equal vector. The lower end is
    open because no sample reaches M; the upper end is closed because the all-equal vector
    attains the largest value and no sample exceeds it.
    """
    n, top = int(inst.values["n"]), num(inst.values["M"])
    rng = np.random.default_rng(n)
    others = top - rng.exponential(size=(2000, n - 1)) * rng.choice([0.1, 1.0, 3.0], (2000, 1))
    far = np.full((1, n - 1), top - 20.0)  # others 20 below: LSE − M ≈ (n − 1)·e^-20 > 0
    equal = np.full((1, n - 1), top)
    vectors = np.hstack([np.full((2002, 1), top), np.vstack([others, far, equal])])
    values = np.logaddexp.reduce(vectors, axis=1)
    assert np.all(values > top), "LSE must exceed the maximum entry"
    assert values[-2] - top < 1e-6, "LSE approaches the maximum when the others go to −∞"
    hi = float(values.max())
    assert hi == values[-1], "the all-equal vector gives the largest LSE"
    return ((top, hi, False, True),)


# ----------------------------------------------------------------------------- cancellation


def check_cancellation_amplification(inst: Instance) -> Answer:
    """Worst case over the signs of the two relative errors, in exact arithmetic, in units of u."""
    a, b = frac(inst.values["a"]), frac(inst.values["b"])
    assert max(a, b) < 2**24, "a and b must be exact float32 integers"
    worst = max(abs(a * s1 - b * s2) for s1 in (1, -1) for s2 in (1, -1))
    return float(worst / abs(a - b))


def check_cancellation_rewrite(inst: Instance) -> Answer:
    """The float32 claim (exactly 0.0) and the true value from a 50-digit decimal square root."""
    x, c = int(inst.values["x"]), int(inst.values["c"])
    x32 = np.float32(x)
    assert np.sqrt(x32 * x32 + np.float32(c)) - x32 == 0, "the prompt says float32 returns 0.0"
    with decimal.localcontext() as ctx:
        ctx.prec = 50
        return float(decimal.Decimal(x * x + c).sqrt() - decimal.Decimal(x))


# ----------------------------------------------------------------------------- conditioning


def check_condition_spd(inst: Instance) -> Answer:
    """np.linalg.cond of the shown matrix (and it must be symmetric positive definite)."""
    s = mat(inst.values["S"])
    assert np.allclose(s, s.T)
    assert np.all(np.linalg.eigvalsh(s) > 0)
    return float(np.linalg.cond(s, 2))


def check_condition_2x2(inst: Instance) -> Answer:
    """np.linalg.cond of the shown (non-symmetric) matrix."""
    a = mat(inst.values["A"])
    assert not np.allclose(a, a.T)
    return float(np.linalg.cond(a, 2))


def check_error_amplification(inst: Instance) -> Answer:
    """Solve the original and the perturbed systems and measure the relative change."""
    s, b, db = mat(inst.values["S"]), vec(inst.values["b"]), vec(inst.values["db"])
    x = np.linalg.solve(s, b)
    assert np.allclose(x, vec(inst.values["v"]), atol=1e-12), "the shown solution must solve Sx=b"
    dx = np.linalg.solve(s, b + db) - x
    return float(np.linalg.norm(dx) / np.linalg.norm(x))


# ----------------------------------------------------------------------------- finite differences


def check_fd_errors(inst: Instance) -> Answer:
    """Evaluate both difference quotients of the cubic exactly and subtract f'(x0)."""
    a, b, x0, h = (frac(inst.values[k]) for k in ("a", "b", "x0", "h"))

    def f(t: Fraction) -> Fraction:
        return a * t**3 + b * t**2

    exact_derivative = 3 * a * x0**2 + 2 * b * x0
    forward = (f(x0 + h) - f(x0)) / h
    central = (f(x0 + h) - f(x0 - h)) / (2 * h)
    return np.array([float(forward - exact_derivative), float(central - exact_derivative)])


def check_fd_optimal_step(inst: Instance) -> Answer:
    """Minimise E(h) = M·h/2 + 2δ/h numerically (golden-section search on log h)."""
    m = float(frac(inst.values["M"]))
    delta = 10.0 ** -int(inst.values["tw"])

    def bound(log_h: float) -> float:
        h = math.exp(log_h)
        return m * h / 2 + 2 * delta / h

    lo, hi = math.log(1e-20), math.log(1.0)
    ratio = (math.sqrt(5) - 1) / 2
    for _ in range(200):
        m1, m2 = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
        if bound(m1) < bound(m2):
            hi = m2
        else:
            lo = m1
    return math.exp((lo + hi) / 2)


# ----------------------------------------------------------------------------- depth


def check_underflow_depth(inst: Instance) -> Answer:
    """Multiply 1.0 by 2^-j in the named precision until it is exactly 0; count the layers."""
    dtype = float_type(inst)
    factor = dtype(2.0 ** -int(inst.values["j"]))
    value, layers = dtype(1.0), 0
    while value != 0:
        value = dtype(value * factor)
        layers += 1
        assert layers < 5000
    return float(layers)


@functools.cache
def monte_carlo_relu_factor(n: int, variance: float) -> float:
    """E[relu(Wh)²]/E[h²] for one random ReLU layer of width n, estimated by simulation."""
    rng = np.random.default_rng(n)
    ratios = []
    # 256 output units (rows of W) × 16 independent inputs × 4 draws: about 16k pre-activations,
    # so the relative standard error of the ratio is near 2 %.
    for _ in range(4):
        w = rng.normal(0.0, math.sqrt(variance), size=(256, n))
        h = rng.normal(size=(n, 16))
        z = w @ h
        ratios.append(np.mean(np.maximum(z, 0) ** 2) / np.mean(h**2))
    return float(np.mean(ratios))


def check_activation_variance(inst: Instance) -> Answer:
    """The per-layer factor n·σ²/2, confirmed by a Monte Carlo layer, to the power L (exact)."""
    n, variance, depth = int(inst.values["n"]), frac(inst.values["s2"]), int(inst.values["L"])
    per_layer = n * variance / 2
    simulated = monte_carlo_relu_factor(n, float(variance))
    assert abs(simulated / float(per_layer) - 1) < 0.08, (simulated, per_layer)
    return float(per_layer**depth)


# ----------------------------------------------------------------------------- the tests

CHECKS: dict[str, Callable[[Instance], Answer]] = {
    "float32-spacing": check_spacing,
    "float32-round-integer": check_round_integer,
    "float32-absorption": check_absorption,
    "exp-overflow": check_exp_overflow,
    "softmax-naive-nan": check_naive_softmax_nan,
    "softmax-shift": check_softmax_shift,
    "logsumexp-stable": check_logsumexp,
    "logsumexp-bounds": check_logsumexp_bounds,
    "cancellation-amplification": check_cancellation_amplification,
    "cancellation-rewrite": check_cancellation_rewrite,
    "condition-number-spd": check_condition_spd,
    "condition-number-2x2": check_condition_2x2,
    "condition-error-amplification": check_error_amplification,
    "finite-difference-errors": check_fd_errors,
    "finite-difference-optimal-step": check_fd_optimal_step,
    "gradient-underflow-depth": check_underflow_depth,
    "activation-variance-depth": check_activation_variance,
}


# The independent answer of an instance, computed once for the reference and mistake tests.
_truth = by_seed(lambda inst: CHECKS[inst.template](inst))


def check_reference(inst: Instance) -> None:
    """The reference equals the independent computation."""
    rtol = LOOSER_RTOL.get(inst.template, RTOL)
    reference, truth = as_answer(inst.spec.expected), _truth(inst)
    assert close(reference, truth, rtol, 1e-15), f"reference {reference} != independent {truth}"


def accepts(inst: Instance, value: Any) -> None:
    """A mistake counts as right within ten times the reference's tolerance (and the atol)."""
    atol = float(_deck().template(inst.template).answer.atol or 0.0)
    rtol = max(MISTAKE_RTOL, 10 * LOOSER_RTOL.get(inst.template, 0.0))
    wrong, truth = as_answer(value), _truth(inst)
    assert close(wrong, truth, rtol, atol), f"{wrong} != independent {truth}"


_shared = cross_check_tests(
    _deck, _instances, dict.fromkeys(CHECKS, check_reference), accepts=accepts, min_mistakes=1
)
test_every_template_is_cross_checked = _shared.every_template_is_cross_checked
test_reference_agrees_with_machine_arithmetic = _shared.reference_agrees
test_mistakes_are_wrong = _shared.every_mistake_is_wrong


def test_instances_vary() -> None:
    """The seeds really draw different problems (the checks above are not one case 30 times)."""
    for template_id in CHECKS:
        keys = {inst.key for inst in _instances(template_id)}
        assert len(keys) >= 8, f"{template_id}: only {len(keys)} distinct instances"


def test_checks_can_fail() -> None:
    """The comparison rejects a wrong reference: a reference off by one ulp of its value."""
    inst = _instances("float32-spacing")[0]
    truth = check_spacing(inst)
    assert close(as_answer(inst.spec.expected), truth, RTOL)
    assert not close(truth * (1 + 1e-7), truth, RTOL)
    assert not close(((0.0, 1.0, True, True),), ((0.0, 1.0, False, True),), RTOL)
    assert not close(True, False, RTOL)
