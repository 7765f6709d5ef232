"""Independent cross-checks of the duality deck (decks/duality.yaml).

Every test draws real instances through the deck generator (``generate(template, seed)``), takes
the sampled parameters from ``Instance.values`` and recomputes the answer WITHOUT the template's
sympy path: LPs by enumerating vertices (basic feasible solutions) with numpy, convex conjugates by
a numeric supremum over a grid, dual functions by minimising the Lagrangian treated as a black box,
KKT points by a one-dimensional search along the boundary, Hessians by central differences and
convexity by eigenvalues. Only the reference value of the instance is read from the deck; it is
then compared with the independent number.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np
import pytest
import sympy

from mathdrill.decks.generate import Instance
from tests.deck_content.deckkit import cross_check_tests, deck_loader

SEEDS = tuple(7919 * k + 3 for k in range(25))


_deck, _instances = deck_loader("duality", SEEDS)


def _num(value: object) -> float:
    """A sympy number (or int) as a float."""
    return float(value)  # type: ignore[arg-type]


def _p(inst: Instance, *names: str) -> list[float]:
    """The named parameter/let values of an instance as floats."""
    return [_num(inst.values[name]) for name in names]


def _ref_vector(inst: Instance) -> np.ndarray:
    """The reference of a vector/matrix answer as a float array."""
    expected = inst.spec.expected
    if isinstance(expected, sympy.MatrixBase):
        return np.array(expected.tolist(), dtype=float)
    return np.array([_num(v) for v in expected.items], dtype=float)


def _ref_function(inst: Instance, symbol: str) -> Callable[[float], float]:
    """The reference expression of an expression answer as a numeric function of one symbol."""
    expr = inst.spec.expected
    sym = sympy.Symbol(symbol)
    free = {s.name for s in expr.free_symbols}
    assert free <= {symbol}, f"reference {expr} depends on {free}"
    return lambda v: float(expr.subs(sym, v))


# --------------------------------------------------------------------------- numeric tools


def numeric_conjugate(f: Callable[[np.ndarray], np.ndarray], xs: np.ndarray, y: float) -> float:
    """sup over the grid xs of x·y − f(x)."""
    return float(np.max(xs * y - f(xs)))


def lp_vertices(g: np.ndarray, h: np.ndarray) -> list[np.ndarray]:
    """All vertices of {x : g x ≤ h}: feasible points where n independent constraints are tight."""
    n = g.shape[1]
    found: list[np.ndarray] = []
    for rows in itertools.combinations(range(g.shape[0]), n):
        sub = g[list(rows)]
        if abs(np.linalg.det(sub)) < 1e-9:
            continue
        x = np.linalg.solve(sub, h[list(rows)])
        if np.all(g @ x <= h + 1e-9) and not any(np.allclose(x, v) for v in found):
            found.append(x)
    return found


def lp_max(c: np.ndarray, g: np.ndarray, h: np.ndarray) -> tuple[float, list[np.ndarray]]:
    """Maximise cᵀx over {g x ≤ h} by vertex enumeration; returns the value and optimal vertices.

    Valid when the region is pointed (it contains x ≥ 0 or y ≥ 0 rows here) and the objective is
    bounded on it, which every caller checks or guarantees (bounded region, or an objective with
    a sign that bounds it on the orthant).
    """
    vertices = lp_vertices(g, h)
    assert vertices, "LP has no vertex: infeasible"
    values = [float(c @ v) for v in vertices]
    best = max(values)
    return best, [v for v, val in zip(vertices, values, strict=True) if val > best - 1e-9]


def orthant(n: int) -> tuple[np.ndarray, np.ndarray]:
    """The rows −x ≤ 0 in g x ≤ h form."""
    return -np.eye(n), np.zeros(n)


def inf_of_quadratic(func: Callable[[np.ndarray], float], n: int) -> float:
    """Minimum of a convex quadratic given only as a black-box function of x ∈ ℝⁿ.

    Its gradient at 0 and Hessian are read off by central differences (exact for quadratics up to
    rounding: the third derivative vanishes), then the stationarity system is solved with numpy.
    """
    step = 1.0
    eye = np.eye(n)
    grad = np.array([(func(step * eye[i]) - func(-step * eye[i])) / (2 * step) for i in range(n)])
    hess = np.empty((n, n))
    for i in range(n):
        for j in range(n):
            ei, ej = step * eye[i], step * eye[j]
            hess[i, j] = (func(ei + ej) - func(ei - ej) - func(-ei + ej) + func(-ei - ej)) / (
                4 * step * step
            )
    assert np.all(np.linalg.eigvalsh(hess) > 0), "Lagrangian is not strictly convex in x"
    x = np.linalg.solve(hess, -grad)
    return func(x)


def min_on_line(
    f: Callable[[np.ndarray], float], point: np.ndarray, direction: np.ndarray
) -> np.ndarray:
    """Minimise a convex f along the line point + τ·direction by ternary search."""
    lo, hi = -100.0, 100.0
    for _ in range(200):
        m1, m2 = lo + (hi - lo) / 3, hi - (hi - lo) / 3
        if f(point + m1 * direction) < f(point + m2 * direction):
            hi = m2
        else:
            lo = m1
    return point + (lo + hi) / 2 * direction


# --------------------------------------------------------------------------- conjugates

# Grids: spacing h bounds the error of a grid supremum of a smooth concave function by
# max|f''|·h²/8 at the maximiser; each tolerance below is an order of magnitude above that.
YS = [-3.0, -1.7, -0.4, 0.0, 0.9, 2.2, 3.0]


def check_conj_quadratic_matches_grid_supremum(inst: Instance) -> None:
    xs = np.linspace(-30, 30, 600_001)  # h = 1e-4; maximiser |y|/a ≤ 1.5
    (a,) = _p(inst, "a")
    ref = _ref_function(inst, "y")
    for y in YS:
        assert ref(y) == pytest.approx(
            numeric_conjugate(lambda x: a * x**2 / 2, xs, y),
            abs=1e-6,
        )


def check_conj_quadratic_affine_matches_grid_supremum(inst: Instance) -> None:
    xs = np.linspace(-30, 30, 600_001)  # maximiser (y − b)/a, |·| ≤ 9
    a, b, c = _p(inst, "a", "b", "c")
    ref = _ref_function(inst, "y")
    for y in YS:
        grid = numeric_conjugate(lambda x: a * x**2 / 2 + b * x + c, xs, y)
        assert ref(y) == pytest.approx(grid, abs=1e-6)


def check_conj_exp_matches_grid_supremum_on_its_domain(inst: Instance) -> None:
    xs = np.linspace(-12, 6, 360_001)  # maximiser log(y/c) ∈ [−3.5, 1] for y ∈ [0.3, 5]
    (c,) = _p(inst, "c")
    assert inst.spec.variables["y"][0] > 0, "conj-exp must be sampled at y > 0 only"
    ref = _ref_function(inst, "y")
    for y in [0.3, 0.8, 1.0, 2.5, 5.0]:
        grid = numeric_conjugate(lambda x: c * np.exp(x), xs, y)
        assert ref(y) == pytest.approx(grid, abs=1e-6)


def check_conj_neglog_matches_grid_supremum_on_its_domain(inst: Instance) -> None:
    xs = np.linspace(1e-3, 60, 600_000)  # maximiser −a/y ∈ [0.4, 23.4] for y ∈ [−5, −0.3]
    (a,) = _p(inst, "a")
    assert inst.spec.variables["y"][1] < 0, "conj-neglog must be sampled at y < 0 only"
    ref = _ref_function(inst, "y")
    for y in [-5.0, -2.0, -1.0, -0.6, -0.3]:
        grid = numeric_conjugate(lambda x: -a * np.log(x), xs, y)
        assert ref(y) == pytest.approx(grid, abs=1e-4)


def check_conj_abs_interval_is_where_the_supremum_stays_finite(inst: Instance) -> None:
    small, large = np.linspace(-10, 10, 20_001), np.linspace(-1000, 1000, 200_001)
    (c,) = _p(inst, "c")
    (piece,) = inst.spec.expected.pieces
    lo, hi = _num(piece.lo), _num(piece.hi)
    for y in np.linspace(-c - 2, c + 2, 4 * int(c) + 9):  # hits ±c exactly
        sup_small = numeric_conjugate(lambda x: c * np.abs(x), small, y)
        sup_large = numeric_conjugate(lambda x: c * np.abs(x), large, y)
        finite = sup_large <= sup_small + 1e-9  # unbounded sups grow with the grid
        inside = (lo < y < hi) or (y == lo and piece.lo_closed) or (y == hi and piece.hi_closed)
        assert finite == inside, (c, y, piece)
        if finite:
            assert sup_large == pytest.approx(0.0, abs=1e-12)


def check_conj_indicator_is_the_support_function(inst: Instance) -> None:
    lo, hi, y0 = _p(inst, "l", "u", "y0")
    xs = np.linspace(lo, hi, 10_001)
    assert _num(inst.spec.expected) == pytest.approx(float(np.max(xs * y0)), abs=1e-9)


def check_fenchel_young_gap_with_numeric_conjugate(inst: Instance) -> None:
    xs = np.linspace(-30, 30, 600_001)
    a, x0, y0 = _p(inst, "a", "x0", "y0")
    conj = numeric_conjugate(lambda x: a * x**2 / 2, xs, y0)
    gap = a * x0**2 / 2 + conj - x0 * y0
    assert gap > 0
    assert _num(inst.spec.expected) == pytest.approx(gap, abs=1e-6)


# --------------------------------------------------------------------------- linear programs


def _primal_2x2(inst: Instance, b_names: tuple[str, str], c_names: tuple[str, str]):
    a = np.array(_p(inst, "a11", "a12", "a21", "a22")).reshape(2, 2)
    return a, np.array(_p(inst, *b_names)), np.array(_p(inst, *c_names))


def _solve_max_primal(a: np.ndarray, b: np.ndarray, c: np.ndarray):
    """max cᵀx s.t. a x ≤ b, x ≥ 0 (a > 0 entrywise, so the region is bounded)."""
    assert np.all(a > 0)
    g0, h0 = orthant(a.shape[1])
    return lp_max(c, np.vstack([a, g0]), np.concatenate([b, h0]))


def _solve_min_dual(m: np.ndarray, b: np.ndarray, c: np.ndarray):
    """min bᵀy s.t. m y ≥ c, y ≥ 0 (b > 0, so bᵀy ≥ 0 is bounded below on y ≥ 0)."""
    assert np.all(b > 0)
    g0, h0 = orthant(m.shape[1])
    value, optima = lp_max(-b, np.vstack([-m, g0]), np.concatenate([-c, h0]))
    return -value, optima


def check_lp_dual_write_has_zero_gap_when_solved_separately(inst: Instance) -> None:
    a, b, c = _primal_2x2(inst, ("b1", "b2"), ("c1", "c2"))
    m = _ref_vector(inst)
    primal, _ = _solve_max_primal(a, b, c)
    dual, _ = _solve_min_dual(m, b, c)
    assert dual == pytest.approx(primal, abs=1e-9)


def check_lp_weak_duality_gap_brackets_the_optimum(inst: Instance) -> None:
    a, b, c = _primal_2x2(inst, ("b1", "b2"), ("c1", "c2"))
    xh, yh = np.array(_p(inst, "u1", "u2")), np.array(_p(inst, "v1", "v2"))
    assert np.all(a @ xh <= b), "x̂ must be primal feasible"
    assert np.all(xh >= 0), "x̂ must be primal feasible"
    assert np.all(a.T @ yh >= c), "ŷ must be dual feasible"
    assert np.all(yh >= 0), "ŷ must be dual feasible"
    opt, _ = _solve_max_primal(a, b, c)
    assert c @ xh <= opt + 1e-9 <= b @ yh + 2e-9
    assert _num(inst.spec.expected) == pytest.approx(b @ yh - c @ xh, abs=1e-12)


def check_lp_dual_from_cs_matches_vertex_enumeration(inst: Instance) -> None:
    a, b, c = _primal_2x2(inst, ("b1", "b2"), ("c1", "c2"))
    primal, primal_opt = _solve_max_primal(a, b, c)
    dual, dual_opt = _solve_min_dual(a.T, b, c)
    assert primal == pytest.approx(dual, abs=1e-9)
    assert len(primal_opt) == 1
    assert np.allclose(primal_opt[0], _p(inst, "u1", "u2"))
    assert len(dual_opt) == 1, "the dual optimum must be unique for a vector answer"
    assert np.allclose(dual_opt[0], _ref_vector(inst))


def check_lp_cs_zero_multipliers_match_every_dual_optimum(inst: Instance) -> None:
    a = np.array(_p(inst, "a11", "a12", "a21", "a22", "a31", "a32")).reshape(3, 2)
    b, c = np.array(_p(inst, "b1", "b2", "b3")), np.array(_p(inst, "c1", "c2"))
    xs = np.array(_p(inst, "u1", "u2"))
    primal, _ = _solve_max_primal(a, b, c)
    assert primal == pytest.approx(c @ xs, abs=1e-9), "x* must be optimal"
    dual, dual_opt = _solve_min_dual(a.T, b, c)
    assert dual == pytest.approx(primal, abs=1e-9)
    zero = {i + 1 for i in range(3) if all(abs(y[i]) < 1e-9 for y in dual_opt)}
    assert zero == {int(v) for v in inst.spec.expected.items}


def check_lp_solve_via_dual_matches_both_sides(inst: Instance) -> None:
    a = np.array(_p(inst, "a11", "a12", "a13", "a14", "a21", "a22", "a23", "a24")).reshape(2, 4)
    b, c = np.array(_p(inst, "b1", "b2")), np.array(_p(inst, "c1", "c2", "c3", "c4"))
    # Dual: max bᵀy s.t. Aᵀy ≤ c, y ≥ 0 — bounded because A > 0.
    g0, h0 = orthant(2)
    dual, dual_opt = lp_max(b, np.vstack([a.T, g0]), np.concatenate([c, h0]))
    assert len(dual_opt) == 1
    assert np.allclose(dual_opt[0], _ref_vector(inst))
    # Primal: min cᵀx s.t. Ax ≥ b, x ≥ 0 — c > 0 bounds it below on x ≥ 0.
    g0, h0 = orthant(4)
    neg, _ = lp_max(-c, np.vstack([-a, g0]), np.concatenate([-b, h0]))
    assert -neg == pytest.approx(dual, abs=1e-9), "strong duality: zero gap"


# --------------------------------------------------------------------------- Lagrangian duality

NUS = [-2.5, -1.0, -0.3, 0.0, 0.7, 1.9]


def check_least_norm_dual_function_by_black_box_minimisation(inst: Instance) -> None:
    a1, a2, b = _p(inst, "a1", "a2", "b")
    ref = _ref_function(inst, "nu")
    for nu in NUS:

        def lag(x: np.ndarray, nu: float = nu) -> float:
            return float(x @ x + nu * (a1 * x[0] + a2 * x[1] - b))

        assert ref(nu) == pytest.approx(inf_of_quadratic(lag, 2), abs=1e-8)


def check_least_norm_solution_is_the_pseudoinverse_solution(inst: Instance) -> None:
    rng = np.random.default_rng(0)
    a1, a2, b = _p(inst, "a1", "a2", "b")
    row = np.array([[a1, a2]])
    x_star = (np.linalg.pinv(row) @ np.array([b])).ravel()
    assert np.allclose(_ref_vector(inst), x_star)
    # No other point of the constraint line is shorter.
    along = np.array([-a2, a1])
    for tau in rng.normal(size=20):
        assert np.linalg.norm(x_star + tau * along) >= np.linalg.norm(x_star)


def check_qp_dual_function_by_black_box_minimisation(inst: Instance) -> None:
    p1, p2, q1, q2, a1, a2, b = _p(inst, "p1", "p2", "q1", "q2", "a1", "a2", "b")
    ref = _ref_function(inst, "nu")
    for nu in NUS:

        def lag(x: np.ndarray, nu: float = nu) -> float:
            f = (p1 * x[0] ** 2 + p2 * x[1] ** 2) / 2 + q1 * x[0] + q2 * x[1]
            return float(f + nu * (a1 * x[0] + a2 * x[1] - b))

        assert ref(nu) == pytest.approx(inf_of_quadratic(lag, 2), abs=1e-8)


# --------------------------------------------------------------------------- KKT


def check_kkt_active_check_by_brute_force_grid(inst: Instance) -> None:
    grid = np.linspace(-12, 12, 1201)  # spacing 0.02, contains every integer point
    x1, x2 = np.meshgrid(grid, grid)
    a1, a2, c1, c2, s = _p(inst, "a1", "a2", "c1", "c2", "s")
    feasible = a1 * x1 + a2 * x2 <= s + 1e-12
    best = float(np.min(np.where(feasible, (x1 - c1) ** 2 + (x2 - c2) ** 2, np.inf)))
    # Inactive: the integer point c is feasible and on the grid, so the minimum is exactly 0.
    # Active: c is at distance ≥ 1/‖a‖ ≥ 1/√18 from the boundary, so the minimum is ≥ 1/18.
    active = best > 0.01
    assert inst.spec.expected is active


def _halfspace(inst: Instance) -> tuple[np.ndarray, np.ndarray, float]:
    a = np.array(_p(inst, "a1", "a2"))
    c = np.array(_p(inst, "c1", "c2"))
    return a, c, _num(inst.values["s"])


def _project_by_search(a: np.ndarray, c: np.ndarray, s: float) -> np.ndarray:
    """Minimise ‖x − c‖² over aᵀx ≤ s for an infeasible c: search along the boundary line."""
    assert a @ c > s
    on_line = a * s / (a @ a)
    return min_on_line(lambda x: float((x - c) @ (x - c)), on_line, np.array([-a[1], a[0]]))


def check_kkt_multiplier_is_the_sensitivity_of_the_optimal_value(inst: Instance) -> None:
    a, c, s = _halfspace(inst)
    h = 1e-3

    def value(bound: float, a: np.ndarray = a, c: np.ndarray = c) -> float:
        x = _project_by_search(a, c, bound)
        return float((x - c) @ (x - c))

    mu = -(value(s + h) - value(s - h)) / (2 * h)  # p*(s) is quadratic in s: exact
    assert _num(inst.spec.expected) == pytest.approx(mu, abs=1e-5)


def check_kkt_projection_matches_boundary_search(inst: Instance) -> None:
    rng = np.random.default_rng(1)
    a, c, s = _halfspace(inst)
    x_star = _project_by_search(a, c, s)
    assert np.allclose(_ref_vector(inst), x_star, atol=1e-7)
    # No random feasible point is closer to c.
    points = rng.uniform(-15, 15, size=(2000, 2))
    points = points[points @ a <= s]
    assert np.all(np.sum((points - c) ** 2, axis=1) >= (x_star - c) @ (x_star - c) - 1e-9)


# --------------------------------------------------------------------------- convexity


def fd_hessian(
    f: Callable[[float, float], float], x: float, y: float, h: float = 1e-3
) -> np.ndarray:
    """Central-difference Hessian; exact up to rounding for polynomials of degree ≤ 3."""
    fxx = (f(x + h, y) - 2 * f(x, y) + f(x - h, y)) / h**2
    fyy = (f(x, y + h) - 2 * f(x, y) + f(x, y - h)) / h**2
    fxy = (f(x + h, y + h) - f(x + h, y - h) - f(x - h, y + h) + f(x - h, y - h)) / (4 * h * h)
    return np.array([[fxx, fxy], [fxy, fyy]])


def check_convexity_hessian_matches_finite_differences(inst: Instance) -> None:
    a, b, c, x0, y0 = _p(inst, "a", "b", "c", "x0", "y0")

    def f(x: float, y: float, a: float = a, b: float = b, c: float = c) -> float:
        return a * x**3 + b * x**2 * y + c * y**2

    # Rounding error ~ 1e-16·|f|/h² ≈ 1e-8 here; 1e-4 leaves a wide margin.
    assert np.allclose(_ref_vector(inst), fd_hessian(f, x0, y0), atol=1e-4)


def check_convexity_quadratic_by_eigenvalues(inst: Instance) -> None:
    a, b, c, d = _p(inst, "a", "b", "c", "d")

    def f(x: float, y: float, a: float = a, b: float = b, c: float = c, d: float = d) -> float:
        return a * x**2 + b * x * y + c * y**2 + d * x

    smallest = float(np.min(np.linalg.eigvalsh(fd_hessian(f, 0.3, -0.7))))
    assert abs(smallest) > 1e-3, "boundary instances (singular Hessian) are excluded"
    assert inst.spec.expected is (smallest > 0)


def check_convexity_interval_by_eigenvalues(inst: Instance) -> None:
    a, c = _p(inst, "a", "c")
    (piece,) = inst.spec.expected.pieces
    lo, hi = _num(piece.lo), _num(piece.hi)
    assert piece.lo_closed
    assert piece.hi_closed
    for t in np.linspace(2 * lo, 2 * hi, 41):  # hits lo and hi exactly
        smallest = float(np.min(np.linalg.eigvalsh(np.array([[2 * a, t], [t, 2 * c]]))))
        assert (smallest >= -1e-9) == (lo <= t <= hi), (a, c, t)


CHECKS: dict[str, Callable[[Instance], None]] = {
    "conj-quadratic": check_conj_quadratic_matches_grid_supremum,
    "conj-quadratic-affine": check_conj_quadratic_affine_matches_grid_supremum,
    "conj-exp": check_conj_exp_matches_grid_supremum_on_its_domain,
    "conj-neglog": check_conj_neglog_matches_grid_supremum_on_its_domain,
    "conj-abs": check_conj_abs_interval_is_where_the_supremum_stays_finite,
    "conj-indicator-interval": check_conj_indicator_is_the_support_function,
    "fenchel-young-gap": check_fenchel_young_gap_with_numeric_conjugate,
    "lp-dual-write": check_lp_dual_write_has_zero_gap_when_solved_separately,
    "lp-weak-duality-gap": check_lp_weak_duality_gap_brackets_the_optimum,
    "lp-dual-from-cs": check_lp_dual_from_cs_matches_vertex_enumeration,
    "lp-cs-zero-multipliers": check_lp_cs_zero_multipliers_match_every_dual_optimum,
    "lp-solve-via-dual": check_lp_solve_via_dual_matches_both_sides,
    "lagrangian-least-norm": check_least_norm_dual_function_by_black_box_minimisation,
    "least-norm-solution": check_least_norm_solution_is_the_pseudoinverse_solution,
    "dual-function-qp": check_qp_dual_function_by_black_box_minimisation,
    "kkt-active-check": check_kkt_active_check_by_brute_force_grid,
    "kkt-halfspace-multiplier": check_kkt_multiplier_is_the_sensitivity_of_the_optimal_value,
    "kkt-halfspace-projection": check_kkt_projection_matches_boundary_search,
    "convexity-hessian": check_convexity_hessian_matches_finite_differences,
    "convexity-quadratic": check_convexity_quadratic_by_eigenvalues,
    "convexity-interval": check_convexity_interval_by_eigenvalues,
}


# The check of lp-dual-write (zero duality gap) cannot tell M = A from M = Aᵀ on every
# instance (some LPs have the same optimum either way), so its mistakes are not checked here.
_shared = cross_check_tests(
    _deck, _instances, CHECKS, mistakes_of=sorted(set(CHECKS) - {"lp-dual-write"})
)
test_every_template_is_cross_checked = _shared.every_template_is_cross_checked
test_reference_agrees_with_independent_computation = _shared.reference_agrees
test_every_mistake_is_wrong = _shared.every_mistake_is_wrong
