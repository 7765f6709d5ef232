"""Independent numeric cross-checks of the built-in ``odes`` deck.

Every template of ``decks/odes.yaml`` is generated over 40 well-spread seeds with the decks API.
Only the *problem data* the learner sees (rates, initial values, the matrix, the step size) is
taken from the instance; the claim the reference makes is then verified numerically:

* scalar initial-value problems by a classical fourth-order Runge–Kutta integrator written here
  (``rk4``), compared with the reference formula at several times;
* linear systems by the matrix exponential e^(At) = V·e^(Λt)·V⁻¹ from ``numpy.linalg.eig``, itself
  checked against ``rk4`` on the same system;
* stability by numpy eigenvalues on a grid of parameters, and Euler / gradient-descent limits by
  running the iterations in floating point just inside and just outside the claimed bound.

Second, every authored mistake is put in place of the reference and must fail the same check: an
independent proof that each mistake is mathematically wrong for every sampled instance.

Tolerances: RK4 with step 1e-3 on these smooth, moderately stiff problems (rates ≤ 5, horizons
≤ 1.5) has global error below 1e-9 relative; 1e-6 relative leaves headroom while every authored
mistake differs by O(1).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import sympy

from mathdrill.decks.generate import Instance
from mathdrill.mathlang.values import Sequence
from tests.deck_content.deckkit import cross_check_tests, deck_loader, mat, num, vec

SEEDS = tuple(range(5, 40 * 7919, 7919))  # 40 well-spread seeds per template
TIMES = (0.0, 0.3, 0.7, 1.1, 1.5)  # where formulas are compared with the integrator
RTOL = 1e-6


_deck, _instances = deck_loader("odes", SEEDS)


# ----------------------------------------------------------------------------- numeric tools


def p(inst: Instance, name: str) -> float:
    """One parameter (or let value) shown in the prompt, as a float."""
    return num(inst.values[name])


def at(expr: Any, t: float) -> float:
    """A reference formula in the symbol t evaluated at a time."""
    if not isinstance(expr, sympy.Basic):
        raise AssertionError(f"not a formula: {expr!r}")
    symbols = {s for s in expr.free_symbols if s.name == "t"}
    return num(expr.subs({s: t for s in symbols}))


def rk4(f: Callable[[float, Any], Any], y0: Any, times: tuple[float, ...], h: float = 1e-3) -> list:
    """Classical fourth-order Runge–Kutta from t = 0; the state at each of ``times`` (sorted).

    The state is a float (scalar equations, kept in plain Python for speed) or a numpy vector.
    """
    y = y0 if isinstance(y0, float) else np.asarray(y0, dtype=float)
    t, out = 0.0, []
    for target in times:
        while t < target - 1e-12:
            step = min(h, target - t)
            k1 = f(t, y)
            k2 = f(t + step / 2, y + step / 2 * k1)
            k3 = f(t + step / 2, y + step / 2 * k2)
            k4 = f(t + step, y + step * k3)
            y = y + step / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
            t += step
        out.append(y if isinstance(y, float) else y.copy())
    return out


def expm(a: np.ndarray, t: float) -> np.ndarray:
    """e^(At) through numpy's eigendecomposition (A diagonalizable)."""
    lam, v = np.linalg.eig(a)
    return (v @ np.diag(np.exp(lam * t)) @ np.linalg.inv(v)).real


def close(a: float, b: float) -> bool:
    """Equal up to RTOL relative to the larger magnitude (absolute near 0)."""
    return abs(a - b) <= RTOL * max(1.0, abs(a), abs(b))


@functools.cache
def scalar_solution(rhs: str, *args: float) -> tuple[float, ...]:
    """RK4 values at TIMES of a scalar problem (cached: mistakes reuse the reference's run).

    Args:
        rhs: ``decay`` (y' = −a·y), ``relax`` (y' = b − a·y), ``forced`` (y' = −a·y + e^(ct))
            or ``power`` (y' = c·tⁿ·y).
        *args: The problem data, the initial value last.
    """
    *data, y0 = args
    f: Callable[[float, float], float]
    if rhs == "decay":
        (a,) = data
        f = lambda t, y: -a * y  # noqa: E731
    elif rhs == "relax":
        a, b = data
        f = lambda t, y: b - a * y  # noqa: E731
    elif rhs == "forced":
        a, c = data
        f = lambda t, y: -a * y + math.exp(c * t)  # noqa: E731
    else:
        c, n = data
        f = lambda t, y: c * t**n * y  # noqa: E731
    return tuple(rk4(f, y0, TIMES))


def assert_formula_matches(expr: Any, numeric: tuple[float, ...]) -> None:
    """The formula agrees with the integrator at every time of TIMES."""
    for t, y in zip(TIMES, numeric, strict=True):
        assert close(at(expr, t), y), f"y({t}) = {at(expr, t)} ≠ numeric {y}"


# ----------------------------------------------------------------------------- per-template checks


def check_decay_ivp(inst: Instance) -> None:
    """y' = −k·y, y(0) = y0 integrated by RK4."""
    numeric = scalar_solution("decay", p(inst, "k"), p(inst, "y0"))
    assert_formula_matches(inst.spec.expected, numeric)


def check_half_life(inst: Instance) -> None:
    """Integrating A' = −k·A from 1 up to the reference time leaves exactly one half."""
    k = p(inst, "k")
    t_half = num(inst.spec.expected)
    assert t_half > 0
    (a,) = rk4(lambda t, y: -k * y, 1.0, (t_half,), h=t_half / 2000)
    assert close(a, 0.5)


def check_growth_rate(inst: Instance) -> None:
    """With the reference rate, y' = r·y carries y(0) to the stated y(T)."""
    y0, y1, horizon = p(inst, "y0"), p(inst, "y1"), p(inst, "T")
    r = num(inst.spec.expected)
    (y,) = rk4(lambda t, y: r * y, y0, (horizon,), h=horizon / 2000)
    assert close(y, y1)


def check_constant_input(inst: Instance) -> None:
    """y' = b − a·y, y(0) = y0 integrated by RK4."""
    numeric = scalar_solution("relax", p(inst, "a"), p(inst, "b"), p(inst, "y0"))
    assert_formula_matches(inst.spec.expected, numeric)


def check_integrating_factor(inst: Instance) -> None:
    """y' = −a·y + e^(ct), y(0) = y0 integrated by RK4."""
    numeric = scalar_solution("forced", p(inst, "a"), p(inst, "c"), p(inst, "y0"))
    assert_formula_matches(inst.spec.expected, numeric)


def check_variable_coefficient(inst: Instance) -> None:
    """y' = c·tⁿ·y, y(0) = y0 integrated by RK4."""
    numeric = scalar_solution("power", p(inst, "c"), p(inst, "n"), p(inst, "y0"))
    assert_formula_matches(inst.spec.expected, numeric)


@functools.cache
def _expm_agrees_with_rk4(entries: tuple[float, ...], start: tuple[float, ...]) -> bool:
    """e^(A/2)·x(0) from eig equals RK4 on x' = Ax (once per system: mistakes reuse it)."""
    a, x0 = np.array(entries).reshape(2, 2), np.array(start)
    (numeric,) = rk4(lambda t, x: a @ x, x0, (0.5,), h=2e-3)
    return bool(np.allclose(expm(a, 0.5) @ x0, numeric, rtol=1e-7, atol=1e-9))


def _system(inst: Instance) -> tuple[np.ndarray, np.ndarray]:
    """(A, x(0)) from the prompt, with e^(At) from eig checked against RK4."""
    a, x0 = mat(inst.values["A"]), vec(inst.values["x0"])
    assert _expm_agrees_with_rk4(tuple(a.flatten()), tuple(x0))
    return a, x0


def check_eigenvector_ivp(inst: Instance) -> None:
    """Both components of the reference equal e^(At)·x(0)."""
    a, x0 = _system(inst)
    ref = inst.spec.expected
    assert isinstance(ref, Sequence)
    assert len(ref.items) == 2
    for t in TIMES:
        exact = expm(a, t) @ x0
        for entry, value in zip(ref.items, exact, strict=True):
            assert close(at(entry, t), float(value)), f"x({t}) differs"


def check_system_component(inst: Instance) -> None:
    """The reference equals the first component of e^(At)·x(0)."""
    a, x0 = _system(inst)
    for t in TIMES:
        assert close(at(inst.spec.expected, t), float((expm(a, t) @ x0)[0])), f"x₁({t}) differs"


def check_stability_interval(inst: Instance) -> None:
    """max Re λ(A(k)) < 0 exactly on the reference interval (numpy.linalg.eigvals on a grid)."""
    b, c, d = p(inst, "b"), p(inst, "c"), p(inst, "d")

    def abscissa(k: float) -> float:
        return float(np.max(np.linalg.eigvals(np.array([[k, b], [-c, -d]])).real))

    (piece,) = inst.spec.expected.pieces
    lo, hi = num(piece.lo), num(piece.hi)
    assert lo == -math.inf, "stable for every sufficiently negative k"
    assert not piece.hi_closed
    for k in np.linspace(hi - 12, hi, 49)[:-1]:
        assert abscissa(k) < 0, f"k = {k} lies inside the interval but is not stable"
    assert abs(abscissa(hi)) < 1e-9, "at the endpoint an eigenvalue reaches 0"
    for k in (hi + 1e-3, hi + 0.5, hi + 5):
        assert abscissa(k) > 0


def check_long_time_direction(inst: Instance) -> None:
    """x(T)/‖x(T)‖ for a large T (matrix exponential) is parallel to the reference."""
    a, x0 = _system(inst)
    x = expm(a, 25.0) @ x0
    ref = vec(inst.spec.expected)
    cosine = abs(ref @ x) / (np.linalg.norm(ref) * np.linalg.norm(x))
    assert abs(cosine - 1) < 1e-9


def check_euler_step(inst: Instance) -> None:
    """One forward Euler step in floating point: x₀ + h·(A·x₀)."""
    a, x0, h = mat(inst.values["A"]), vec(inst.values["x0"]), p(inst, "h")
    step = x0 + h * (a @ x0)
    assert np.allclose(vec(inst.spec.expected), step, rtol=0, atol=1e-12)


def check_euler_two_steps(inst: Instance) -> None:
    """Two forward Euler steps of y' = α·t + β·y in floating point."""
    al, be, t, y, h = (p(inst, name) for name in ("al", "be", "t0", "y0", "h"))
    for _ in range(2):
        y, t = y + h * (al * t + be * y), t + h
    assert abs(num(inst.spec.expected) - y) < 1e-12


def _euler_factor_after(lam: float, h: float, steps: int = 4000) -> float:
    """|yₙ/y₀| after ``steps`` explicit Euler steps on y' = −λy, iterated (not a formula)."""
    y = 1.0
    for _ in range(steps):
        y = y + h * (-lam * y)
    return abs(y)


def check_euler_stability(inst: Instance) -> None:
    """Iterates decay for h inside the open interval, not at its end, and blow up beyond it."""
    lam = p(inst, "lam")
    (piece,) = inst.spec.expected.pieces
    lo, hi = num(piece.lo), num(piece.hi)
    assert lo == 0
    assert not piece.lo_closed
    assert not piece.hi_closed
    for fraction in (0.01, 0.3, 0.5, 0.8, 0.99):
        assert _euler_factor_after(lam, fraction * hi) < 1e-6
    assert abs(_euler_factor_after(lam, hi) - 1) < 1e-9, "at the end |1 − λh| = 1"
    assert _euler_factor_after(lam, 1.01 * hi) > 1e3


def check_gd_step_limit(inst: Instance) -> None:
    """Gradient descent on ½θᵀHθ converges at 0.98·η_max and diverges at 1.02·η_max."""
    hess = mat(inst.values["H"])
    eta_max = num(inst.spec.expected)
    rng = np.random.default_rng(inst.seed % 2**32)
    start = rng.normal(size=2)

    def final_norm(eta: float, steps: int = 700) -> float:
        theta = start.copy()
        for _ in range(steps):
            theta = theta - eta * (hess @ theta)
            if np.abs(theta).max() > 1e12:  # diverged: stop before overflowing
                break
        return float(np.linalg.norm(theta))

    assert final_norm(0.98 * eta_max) < 1e-8 * np.linalg.norm(start)
    assert final_norm(1.02 * eta_max) > 1e6 * np.linalg.norm(start)


CHECKS: dict[str, Callable[[Instance], None]] = {
    "exponential-decay-ivp": check_decay_ivp,
    "half-life": check_half_life,
    "growth-rate-from-two-values": check_growth_rate,
    "linear-ode-constant-input": check_constant_input,
    "integrating-factor": check_integrating_factor,
    "variable-coefficient": check_variable_coefficient,
    "eigenvector-initial-value": check_eigenvector_ivp,
    "system-solution-component": check_system_component,
    "stability-interval": check_stability_interval,
    "long-time-direction": check_long_time_direction,
    "euler-step-system": check_euler_step,
    "euler-two-steps": check_euler_two_steps,
    "euler-stability-interval": check_euler_stability,
    "gradient-descent-step-limit": check_gd_step_limit,
}


_shared = cross_check_tests(_deck, _instances, CHECKS, min_mistakes=2)
test_every_template_is_cross_checked = _shared.every_template_is_cross_checked
test_reference_agrees_with_numerics = _shared.reference_agrees
test_every_mistake_is_wrong = _shared.every_mistake_is_wrong


def test_rk4_is_fourth_order() -> None:
    """The test's own integrator: y' = y to t = 1 is e within 1e-12 at h = 1e-3."""
    (y,) = rk4(lambda t, y: y, 1.0, (1.0,))
    assert abs(y - math.e) < 1e-12
    (v,) = rk4(lambda t, x: np.array([x[1], -x[0]]), np.array([1.0, 0.0]), (1.0,))
    assert np.allclose(v, [math.cos(1), -math.sin(1)], atol=1e-12)
