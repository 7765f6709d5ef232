"""Independent cross-checks of the built-in ``optimization`` deck (decks/optimization.yaml).

Every template is generated over 30 well-spread seeds with the decks API. Only the *problem data*
(the function's coefficients, the matrix, the iterates, the step sizes the prompt shows) is read
from the instance; the answer is recomputed without the template's sympy expressions:

* update rules (gradient descent, heavy ball, Nesterov, projected gradient) are *run* in exact
  rational arithmetic, with gradients taken by central differences of the objective — exact for
  quadratics, so no derivative formula is reused;
* Newton steps use ``numpy.polynomial`` derivatives (1-D) or ``numpy.linalg.solve`` (2-D);
* step-size limits from the spectral radius of the iteration matrix I − ηS (``np.linalg.eigvals``)
  by bisection — confirmed by running the iteration just inside and just outside the limit — and
  the optimal step by a golden-section search of the contraction factor;
* convexity from second differences on a grid (and the claimed infimum of h″ from the same grid),
  the sigmoid's convex region by bisection on the sign of its second difference;
* Lipschitz/smoothness constants from the largest slope on a grid or a golden-section search, and
  from numeric Hessians of the logistic loss at w = 0 and at random points;
* projections by a search over the disc's boundary, the sort-based simplex algorithm, and
  variational inequalities (x − P(x))·(y − P(x)) ≤ 0 over random feasible points y.

A second test proves the authored mistakes are really wrong: each mistake value differs from the
independent answer on every sampled instance.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np
import sympy

from mathdrill.answers.forms import IntervalValue
from mathdrill.decks.generate import Instance
from mathdrill.mathlang.values import Sequence
from tests.deck_content.deckkit import by_seed, cross_check_tests, deck_loader, frac, num

SEEDS = tuple(range(0, 30 * 7919, 7919))  # 30 well-spread seeds per template
RTOL = 1e-9  # exact recomputations; float searches have their own tolerance below
MISTAKE_RTOL = 1e-12  # a mistake must really differ from the truth
ATOL = 1e-12
# Numeric searches and finite-difference Hessians are accurate to about these (rtol, atol); a
# golden-section search pins a smooth minimum only to ~√(machine ε).
LOOSER = {
    "gd-stable-step": (1e-9, ATOL),
    "gd-optimal-step": (1e-8, ATOL),
    "convexity-region-sigmoid": (1e-7, ATOL),
    "lipschitz-sigmoid-unit": (1e-7, ATOL),
    "logistic-smoothness": (1e-5, ATOL),
    "projection-disc": (0.0, 1e-6),
}

Interval = tuple[tuple[float, float, bool, bool], ...]
Answer = float | bool | np.ndarray | Interval


_deck, _instances = deck_loader("optimization", SEEDS)


# ----------------------------------------------------------------------------- value conversion


def fvec(value: Any) -> list[Fraction]:
    """A Sequence of exact rationals as Fractions."""
    assert isinstance(value, Sequence)
    return [frac(v) for v in value.items]


def fmat(value: Any) -> list[list[Fraction]]:
    """A sympy matrix of exact rationals as rows of Fractions."""
    return [[frac(v) for v in row] for row in value.tolist()]


def as_answer(value: Any) -> Answer:
    """A reference or mistake value of any kind used here, in the comparable form."""
    if isinstance(value, bool):
        return value
    if isinstance(value, IntervalValue):
        return tuple((num(p.lo), num(p.hi), p.lo_closed, p.hi_closed) for p in value.pieces)
    if isinstance(value, Sequence):
        return np.array([num(v) for v in value.items])
    if isinstance(value, sympy.MatrixBase):
        return np.array([num(v) for v in value], dtype=float)
    return num(value)


def close(a: Answer, b: Answer, rtol: float, atol: float = 0.0) -> bool:
    """Equal answers: same kind, numbers within atol + rtol·|b| (equal infinities match)."""
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
    return a_arr.shape == b_arr.shape and bool(np.all(np.isclose(a_arr, b_arr, rtol, atol)))


# ----------------------------------------------------------------------------- numeric tools

Vector = list[Fraction]


def quadratic(a: list[list[Fraction]], b: Vector) -> Callable[[Vector], Fraction]:
    """f(x) = ½xᵀAx − bᵀx as a black-box function of a rational vector."""

    def f(x: Vector) -> Fraction:
        n = len(x)
        quad = sum(x[i] * a[i][j] * x[j] for i in range(n) for j in range(n))
        return quad / 2 - sum(bi * xi for bi, xi in zip(b, x, strict=True))

    return f


def gradient(f: Callable[[Vector], Fraction], x: Vector) -> Vector:
    """Central differences with step 1: exact for any quadratic (the third derivative is 0)."""
    grad = []
    for i in range(len(x)):
        up = [xj + (1 if j == i else 0) for j, xj in enumerate(x)]
        down = [xj - (1 if j == i else 0) for j, xj in enumerate(x)]
        grad.append((f(up) - f(down)) / 2)
    return grad


def axpy(alpha: Fraction, x: Vector, y: Vector) -> Vector:
    """alpha·x + y."""
    return [alpha * xi + yi for xi, yi in zip(x, y, strict=True)]


def golden_min(func: Callable[[float], float], lo: float, hi: float, steps: int = 200) -> float:
    """The minimiser of a unimodal function on [lo, hi] by golden-section search."""
    ratio = (math.sqrt(5) - 1) / 2
    for _ in range(steps):
        m1, m2 = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
        if func(m1) < func(m2):
            hi = m2
        else:
            lo = m1
    return (lo + hi) / 2


def to_array(x: Vector) -> np.ndarray:
    """A rational vector as a float array."""
    return np.array([float(v) for v in x])


# ----------------------------------------------------------------------------- gradient descent


def check_gd_step_1d(inst: Instance) -> Answer:
    """One step of x ← x − η·f′(x), f′ by an exact central difference of f = a·x² + b·x."""
    a, b, x0, eta = (frac(inst.values[k]) for k in ("a", "b", "x0", "eta"))

    def f(x: Vector) -> Fraction:
        return a * x[0] ** 2 + b * x[0]

    return float(x0 - eta * gradient(f, [x0])[0])


def check_gd_step_2d(inst: Instance) -> Answer:
    """One gradient step on the black-box quadratic."""
    f = quadratic(fmat(inst.values["A"]), fvec(inst.values["b"]))
    x0, eta = fvec(inst.values["x0"]), frac(inst.values["eta"])
    return to_array(axpy(-eta, gradient(f, x0), x0))


def spectral_radius(m: np.ndarray) -> float:
    """The largest |eigenvalue| of m, by numpy."""
    return float(np.max(np.abs(np.linalg.eigvals(m))))


def check_gd_stable_step(inst: Instance) -> Answer:
    """The largest η with spectral radius of I − ηS below 1, by bisection; confirmed by running.

    Gradient descent on ½xᵀSx is the linear iteration x ← (I − ηS)x, which converges from every
    start iff its spectral radius is < 1. Small η converge, so the set is an interval (0, η_max);
    at η_max itself the radius is exactly 1 (no convergence), so the end is open.
    """
    s = np.array(fmat(inst.values["S"]), dtype=float)
    eye = np.eye(2)
    lo, hi = 1e-9, 10.0
    assert spectral_radius(eye - lo * s) < 1 <= spectral_radius(eye - hi * s)
    for _ in range(64):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if spectral_radius(eye - mid * s) < 1 else (lo, mid)
    limit = (lo + hi) / 2
    assert abs(spectral_radius(eye - limit * s) - 1) < 1e-9, "the end is a radius-1 step"
    rng = np.random.default_rng(0)
    x_in = x_out = rng.normal(size=2)
    for _ in range(1000):
        x_in = x_in - 0.98 * limit * (s @ x_in)
        x_out = x_out - 1.02 * limit * (s @ x_out)
    assert np.linalg.norm(x_in) < 1e-6 < 1e6 < np.linalg.norm(x_out)
    return ((0.0, limit, False, False),)


def check_gd_optimal_step(inst: Instance) -> Answer:
    """Minimise the spectral radius of I − η·diag(μ, L) over η by golden section."""
    mu, big = num(inst.values["mu"]), num(inst.values["L"])
    hessian = np.diag([mu, big])

    def rho(eta: float) -> float:
        return spectral_radius(np.eye(2) - eta * hessian)

    best = golden_min(rho, 0.0, 2 / big, steps=100)
    return np.array([best, rho(best)])


def check_gd_oscillation(inst: Instance) -> Answer:
    """Run n exact gradient steps on f = c·x²."""
    c, eta, x = frac(inst.values["c"]), frac(inst.values["eta"]), frac(inst.values["x0"])

    def f(v: Vector) -> Fraction:
        return c * v[0] ** 2

    for _ in range(int(inst.values["n"])):
        x = x - eta * gradient(f, [x])[0]
    return float(x)


# ----------------------------------------------------------------------------- momentum


def check_heavy_ball(inst: Instance) -> Answer:
    """x_(k+1) = x_k − η∇f(x_k) + β(x_k − x_(k−1)), run exactly."""
    f = quadratic(fmat(inst.values["A"]), fvec(inst.values["b"]))
    xp, xk = fvec(inst.values["xp"]), fvec(inst.values["xk"])
    eta, beta = frac(inst.values["eta"]), frac(inst.values["beta"])
    momentum = [beta * (k - p) for k, p in zip(xk, xp, strict=True)]
    return to_array(axpy(Fraction(1), momentum, axpy(-eta, gradient(f, xk), xk)))


def check_nesterov(inst: Instance) -> Answer:
    """y = x_k + β(x_k − x_(k−1)); x_(k+1) = y − η f′(y), with f′ by central differences."""
    c, d = frac(inst.values["c"]), frac(inst.values["d"])
    xp, xk = frac(inst.values["xp"]), frac(inst.values["xk"])
    eta, beta = frac(inst.values["eta"]), frac(inst.values["beta"])

    def f(v: Vector) -> Fraction:
        return c * v[0] ** 2 + d * v[0]

    y = xk + beta * (xk - xp)
    return float(y - eta * gradient(f, [y])[0])


# ----------------------------------------------------------------------------- Newton


def check_newton_1d(inst: Instance) -> Answer:
    """x₀ − f′(x₀)/f″(x₀) with the derivatives from numpy.polynomial, evaluated exactly."""
    a, b, x0 = (int(inst.values[k]) for k in ("a", "b", "x0"))
    poly = np.polynomial.Polynomial([0, b, a, 0, 1])  # x⁴ + a·x² + b·x
    d1, d2 = poly.deriv(1), poly.deriv(2)

    def at(p: np.polynomial.Polynomial, x: Fraction) -> Fraction:
        return sum(Fraction(round(float(c))) * x**i for i, c in enumerate(p.coef))

    x = Fraction(x0)
    assert at(d2, x) > 0, "f must be locally convex for a minimising Newton step"
    return float(x - at(d1, x) / at(d2, x))


def check_newton_quadratic(inst: Instance) -> Answer:
    """x₁ = x₀ − H⁻¹∇f(x₀) with H and ∇f from numpy; it must also be the minimiser A⁻¹b."""
    a = np.array(fmat(inst.values["A"]), dtype=float)
    b, x0 = to_array(fvec(inst.values["b"])), to_array(fvec(inst.values["x0"]))
    x1 = x0 - np.linalg.solve(a, a @ x0 - b)
    assert np.allclose(x1, np.linalg.solve(a, b))
    return x1


# ----------------------------------------------------------------------------- convexity

# The twelve functions of convexity-composition, written independently with numpy.
CONVEXITY_CASES: dict[int, Callable[[np.ndarray, float], np.ndarray]] = {
    0: lambda x, a: np.exp(a * x**2),
    1: lambda x, a: np.exp(-a * x**2),
    2: lambda x, a: np.logaddexp(0, a * x),
    3: lambda x, a: (x**2 - a) ** 2,
    4: lambda x, a: np.sqrt(x**2 + a),
    5: lambda x, a: np.log(x**2 + a),
    6: lambda x, a: 1 / (1 + np.exp(-a * x)),
    7: lambda x, a: x**4 + a * x**2,
    8: lambda x, a: x**4 - a * x**2,
    9: lambda x, a: np.exp(a * x) + np.exp(-a * x),
    10: lambda x, a: 1 / (x**2 + a),
    11: lambda x, a: np.logaddexp(x, -a * x),
}
# Cases whose h″ tends to 0 far out without reaching it: the infimum 0 is not attained.
ASYMPTOTIC_ZERO = {2, 4, 11}


def second_difference(func: Callable[[np.ndarray], np.ndarray], x: np.ndarray) -> np.ndarray:
    """Central second differences (f(x + s) − 2f(x) + f(x − s))/s² with s = 10⁻³."""
    step = 1e-3
    return (func(x + step) - 2 * func(x) + func(x - step)) / step**2


def check_convexity_composition(inst: Instance) -> Answer:
    """Convex iff the second differences are ≥ 0 on a grid; also checks the solution's inf h″."""
    case, a = int(inst.values["c"]), float(inst.values["a"])

    def h(x: np.ndarray) -> np.ndarray:
        return CONVEXITY_CASES[case](x, a)

    grid = np.linspace(-4, 4, 8001)
    h2 = second_difference(h, grid)
    scale = 1 + np.abs(h2)
    claimed_inf = num(inst.values["hinf"])
    if case in ASYMPTOTIC_ZERO:
        tail = second_difference(h, np.array([-1000.0, 1000.0]))
        assert np.all(h2 > 0)
        assert np.all(np.abs(tail) < 1e-6)
        assert claimed_inf == 0
    else:
        assert abs(h2.min() - claimed_inf) < 1e-4 * (1 + abs(claimed_inf)), (h2.min(), claimed_inf)
    return bool(np.all(h2 >= -1e-6 * scale))


def check_convexity_region_sigmoid(inst: Instance) -> Answer:
    """The set {f″ ≥ 0} for f = σ(a·x + b): sign of second differences, boundary by bisection."""
    a, b = float(inst.values["a"]), float(inst.values["b"])

    def f(x: np.ndarray) -> np.ndarray:
        return 1 / (1 + np.exp(-(a * x + b)))

    def f2(x: float) -> float:
        return float(second_difference(f, np.array([x]))[0])

    # Where |a·x + b| ≤ 15, f″ ≥ a²·3·10⁻⁷ dwarfs the rounding noise of the differences (~1e-10);
    # further out the sigmoid is flat to machine precision and the sign is noise.
    grid = np.linspace((-15 - b) / a, (15 - b) / a, 3001)
    signs = second_difference(f, grid) >= 0
    changes = np.flatnonzero(signs[:-1] != signs[1:])
    assert len(changes) == 1, "f″ changes sign exactly once"
    assert signs[0], "f″ ≥ 0 on the left (unbounded below)"
    assert not signs[-1]
    lo, hi = grid[changes[0]], grid[changes[0] + 1]
    for _ in range(100):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if f2(mid) >= 0 else (lo, mid)
    boundary = (lo + hi) / 2
    assert abs(f2(boundary)) < 1e-6, "f″ = 0 at the boundary, so it belongs to {f″ ≥ 0}"
    return ((-math.inf, boundary, False, True),)


# ----------------------------------------------------------------------------- Lipschitz constants


def check_lipschitz_quadratic(inst: Instance) -> Answer:
    """Largest |slope| over a grid with both ends, from exact central differences of f."""
    a, b, r = frac(inst.values["a"]), frac(inst.values["b"]), frac(inst.values["r"])

    def f(v: Vector) -> Fraction:
        return a * v[0] ** 2 + b * v[0]

    points = [-r + 2 * r * Fraction(i, 40) for i in range(41)]
    slopes = [abs(gradient(f, [x])[0]) for x in points]
    best = max(slopes)
    rng = np.random.default_rng(1)
    x, y = rng.uniform(-float(r), float(r), size=(2, 500))
    fx, fy = float(a) * x**2 + float(b) * x, float(a) * y**2 + float(b) * y
    assert np.all(np.abs(fx - fy) <= float(best) * np.abs(x - y) + 1e-9)
    return float(best)


def check_lipschitz_sigmoid(inst: Instance) -> Answer:
    """sup |h′| by golden section on the numeric derivative of h = a·σ(b·x + c)."""
    a, b, c = (float(inst.values[k]) for k in ("a", "b", "c"))

    def slope(x: float) -> float:
        step = 1e-6

        def h(t: float) -> float:
            return a / (1 + math.exp(-(b * t + c)))

        return abs(h(x + step) - h(x - step)) / (2 * step)

    grid = np.linspace(-10, 10, 2001)
    start = float(grid[np.argmax([slope(x) for x in grid])])
    peak = golden_min(lambda x: -slope(x), start - 0.02, start + 0.02)
    return slope(peak)


def check_logistic_smoothness(inst: Instance) -> Answer:
    """Largest Hessian eigenvalue of the average logistic loss; the supremum is at w = 0."""
    xs = np.array(
        [[num(v) for v in inst.values[k].items] for k in ("x1", "x2")]
    )  # the two examples
    ys = np.array([num(inst.values["y1"]), num(inst.values["y2"])])

    def loss(w: np.ndarray) -> float:
        return float(np.mean(np.logaddexp(0, -ys * (xs @ w))))

    def hessian(w: np.ndarray) -> np.ndarray:
        step = 1e-4
        eye = np.eye(2) * step
        return np.array(
            [
                [
                    (
                        loss(w + eye[i] + eye[j])
                        - loss(w + eye[i] - eye[j])
                        - loss(w - eye[i] + eye[j])
                        + loss(w - eye[i] - eye[j])
                    )
                    / (4 * step**2)
                    for j in range(2)
                ]
                for i in range(2)
            ]
        )

    at_zero = float(np.max(np.linalg.eigvalsh(hessian(np.zeros(2)))))
    rng = np.random.default_rng(2)
    for w in rng.normal(scale=0.3, size=(20, 2)):
        assert np.max(np.linalg.eigvalsh(hessian(w))) <= at_zero * (1 + 1e-5)
    return at_zero


# ----------------------------------------------------------------------------- projections


def check_projection_disc(inst: Instance) -> Answer:
    """Closest boundary point by a search over the angle (z is outside), plus the VI."""
    z, c = to_array(fvec(inst.values["z"])), to_array(fvec(inst.values["c"]))
    rad = float(inst.values["rad"])
    assert np.linalg.norm(z - c) > rad, "z must be outside the disc"

    def point(theta: float) -> np.ndarray:
        return c + rad * np.array([math.cos(theta), math.sin(theta)])

    def dist(theta: float) -> float:
        return float(np.linalg.norm(point(theta) - z))

    grid = np.linspace(0, 2 * math.pi, 721)
    start = float(grid[np.argmin([dist(t) for t in grid])])
    best = point(golden_min(dist, start - 0.01, start + 0.01, steps=80))
    rng = np.random.default_rng(3)
    for y in c + rad * np.sqrt(rng.uniform(size=(50, 1))) * rng.normal(size=(50, 2)) / 3:
        if np.linalg.norm(y - c) <= rad:
            assert (z - best) @ (y - best) <= 1e-6
    return best


def simplex_projection(x: np.ndarray) -> np.ndarray:
    """Euclidean projection onto the probability simplex (sort-based, Duchi et al. 2008)."""
    u = np.sort(x)[::-1]
    cumulative = np.cumsum(u) - 1
    rho = np.nonzero(u - cumulative / np.arange(1, len(x) + 1) > 0)[0][-1]
    tau = cumulative[rho] / (rho + 1)
    return np.maximum(x - tau, 0)


def check_projection_simplex(inst: Instance) -> Answer:
    """The sort-based projection, verified by the variational inequality on random points."""
    x = to_array(fvec(inst.values["x"]))
    p = simplex_projection(x)
    rng = np.random.default_rng(4)
    for y in rng.dirichlet(np.ones(3), size=100):
        assert (x - p) @ (y - p) <= 1e-12
    return p


def check_projected_gradient_box(inst: Instance) -> Answer:
    """Exact gradient step, then the box projection (verified by the variational inequality)."""
    f = quadratic(fmat(inst.values["A"]), fvec(inst.values["b"]))
    x0, eta, top = fvec(inst.values["x0"]), frac(inst.values["eta"]), float(inst.values["hv"])
    z = to_array(axpy(-eta, gradient(f, x0), x0))
    assert np.any((z < 0) | (z > top)), "the gradient step must leave the box"
    p = np.clip(z, 0.0, top)
    rng = np.random.default_rng(5)
    for y in rng.uniform(0, top, size=(100, 2)):
        assert (z - p) @ (y - p) <= 1e-12
    return p


# ----------------------------------------------------------------------------- the tests

CHECKS: dict[str, Callable[[Instance], Answer]] = {
    "gd-step-1d": check_gd_step_1d,
    "gd-step-quadratic-2d": check_gd_step_2d,
    "gd-stable-step": check_gd_stable_step,
    "gd-optimal-step": check_gd_optimal_step,
    "gd-oscillation": check_gd_oscillation,
    "heavy-ball-step": check_heavy_ball,
    "nesterov-step": check_nesterov,
    "newton-step-1d": check_newton_1d,
    "newton-quadratic": check_newton_quadratic,
    "convexity-composition": check_convexity_composition,
    "convexity-region-sigmoid": check_convexity_region_sigmoid,
    "lipschitz-quadratic-interval": check_lipschitz_quadratic,
    "lipschitz-sigmoid-unit": check_lipschitz_sigmoid,
    "logistic-smoothness": check_logistic_smoothness,
    "projection-disc": check_projection_disc,
    "projection-simplex": check_projection_simplex,
    "projected-gradient-box": check_projected_gradient_box,
}


# The independent answer of an instance, computed once for the reference and mistake tests.
_truth = by_seed(lambda inst: CHECKS[inst.template](inst))


def check_reference(inst: Instance) -> None:
    """The reference equals the independent computation."""
    rtol, atol = LOOSER.get(inst.template, (RTOL, ATOL))
    reference, truth = as_answer(inst.spec.expected), _truth(inst)
    assert close(reference, truth, rtol, atol), f"reference {reference} != independent {truth}"


def accepts(inst: Instance, value: Any) -> None:
    """A mistake counts as right within ten times the reference's tolerance."""
    looser_rtol, looser_atol = LOOSER.get(inst.template, (0.0, ATOL))
    rtol, atol = max(MISTAKE_RTOL, 10 * looser_rtol), 10 * looser_atol
    wrong, truth = as_answer(value), _truth(inst)
    assert close(wrong, truth, rtol, atol), f"{wrong} != independent {truth}"


_shared = cross_check_tests(
    _deck, _instances, dict.fromkeys(CHECKS, check_reference), accepts=accepts, min_mistakes=1
)
test_every_template_is_cross_checked = _shared.every_template_is_cross_checked
test_reference_agrees_with_independent_computation = _shared.reference_agrees
test_mistakes_are_wrong = _shared.every_mistake_is_wrong


def test_instances_vary() -> None:
    """The seeds really draw different problems (the checks above are not one case 30 times)."""
    for template_id in CHECKS:
        keys = {inst.key for inst in _instances(template_id)}
        assert len(keys) >= 8, f"{template_id}: only {len(keys)} distinct instances"


def test_checks_can_fail() -> None:
    """The comparison rejects near misses: a slightly different number, an endpoint's bracket."""
    inst = _instances("gd-step-1d")[0]
    truth = check_gd_step_1d(inst)
    assert close(as_answer(inst.spec.expected), truth, RTOL)
    assert not close(truth + 1e-6, truth, RTOL)
    assert not close(((-math.inf, 1.0, False, True),), ((-math.inf, 1.0, False, False),), RTOL)
    assert close(((-math.inf, 1.0, False, True),), ((-math.inf, 1.0, False, True),), RTOL)
