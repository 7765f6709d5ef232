"""Independent numeric cross-checks of the built-in ``eigen`` deck.

Every template of ``decks/eigen.yaml`` is generated over many seeds with the decks API, its
reference answer is converted to floats, and the claim it makes is verified with numpy alone —
``numpy.linalg.eigvals``/``eigh``/``svd``/``matrix_rank``/``matrix_power`` and residuals
‖Av − λv‖ — never with the template's own sympy expressions. Only the *problem data* (the matrix
shown to the learner, the eigenvalue named in the prompt) is taken from the instance.

Tolerances: all matrices have small integer (or simple rational) entries and at most 3 rows, so
LAPACK's backward error is ~1e-15·‖A‖; 1e-8 absolute leaves many orders of magnitude of headroom
while still catching any wrong reference (those are off by at least a rational step of 1/100).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np
import pytest

from mathdrill.decks.generate import Instance
from mathdrill.mathlang.values import Sequence, SetLiteral
from tests.deck_content.deckkit import cross_check_tests, deck_loader, mat, num, vec

SEEDS = tuple(range(0, 50 * 7919, 7919))  # 50 well-spread seeds per template
TOL = 1e-8


_deck, _instances = deck_loader("eigen", SEEDS)


# ----------------------------------------------------------------------------- value conversion


def same_multiset(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal as multisets of (possibly complex) numbers, up to TOL."""
    key = lambda z: (round(z.real, 6), round(z.imag, 6))  # noqa: E731 - a sort key
    a = sorted(np.asarray(a, dtype=complex), key=key)
    b = sorted(np.asarray(b, dtype=complex), key=key)
    return len(a) == len(b) and all(abs(x - y) < 1e-6 for x, y in zip(a, b, strict=True))


def assert_eigvec(a: np.ndarray, v: np.ndarray, lam: float) -> None:
    """v is a nonzero eigenvector of a for lam, and lam is an eigenvalue by numpy."""
    assert np.linalg.norm(v) > 0.5, "eigenvector must be nonzero"
    assert np.linalg.norm(a @ v - lam * v) < TOL * (1 + np.linalg.norm(a)) * np.linalg.norm(v)
    assert np.min(np.abs(np.linalg.eigvals(a) - lam)) < 1e-6


def eigenspace_dim(a: np.ndarray, lam: float) -> int:
    """Geometric multiplicity of lam by numpy's rank."""
    n = a.shape[0]
    return n - int(np.linalg.matrix_rank(a - lam * np.eye(n), tol=1e-9))


def with_eigenvalues(values: list[float], seed: int) -> np.ndarray:
    """A random (non-symmetric) real matrix with the given eigenvalues, built numerically."""
    rng = np.random.default_rng(seed)
    q = rng.normal(size=(len(values), len(values))) + 3 * np.eye(len(values))
    return q @ np.diag(values) @ np.linalg.inv(q)


# ----------------------------------------------------------------------------- per-template checks


def check_eigenvalue_from_eigenvector(inst: Instance) -> None:
    """The stated v is an eigenvector of A for the reference eigenvalue."""
    a, v = mat(inst.values["A"]), vec(inst.values["v"])
    assert_eigvec(a, v, num(inst.spec.expected))


def check_trace_det(inst: Instance) -> None:
    """[sum, product] equal the sum and product of numpy's eigenvalues."""
    a = mat(inst.values["A"])
    total, product = vec(inst.spec.expected)
    eig = np.linalg.eigvals(a)
    assert abs(eig.sum() - total) < TOL
    assert abs(np.prod(eig) - product) < 1e-6


def check_charpoly(inst: Instance) -> None:
    """The reference polynomial agrees with numpy.poly(A) at several points."""
    a = mat(inst.values["A"])
    coefficients = np.poly(a)  # monic det(λI − A), from numpy's eigenvalues
    (lam,) = inst.spec.expected.free_symbols
    for t in (-3.5, -1.0, 0.0, 0.7, 2.0, 4.25):
        assert abs(num(inst.spec.expected.subs(lam, t)) - np.polyval(coefficients, t)) < 1e-6


def check_eigenvalues(inst: Instance) -> None:
    """The reference multiset equals numpy.linalg.eigvals(A)."""
    a = mat(inst.values["A"])
    assert same_multiset(vec(inst.spec.expected), np.linalg.eigvals(a))


def check_eigenvector_2x2(inst: Instance) -> None:
    """The reference direction is the (unique) eigenvector for the prompt's eigenvalue."""
    a, lam = mat(inst.values["A"]), num(inst.values["mu"])
    assert eigenspace_dim(a, lam) == 1, "the direction must be unique"
    assert_eigvec(a, vec(inst.spec.expected), lam)


def check_eigenpairs(inst: Instance) -> None:
    """The solution's pairs are all of A's eigenpairs; the mistake matrices encode the slips."""
    # The reference of the eigenpairs kind is the matrix itself; the pairs the solution shows
    # (l1, v1), (l2, v2) must be eigenpairs and all of them; the "swapped" mistake matrix has them
    # the other way round, which is what makes it recognise the pairing slip.
    a = mat(inst.spec.expected)
    l1, l2 = num(inst.values["l1"]), num(inst.values["l2"])
    v1, v2 = vec(inst.values["v1"]), vec(inst.values["v2"])
    assert_eigvec(a, v1, l1)
    assert_eigvec(a, v2, l2)
    assert same_multiset(np.array([l1, l2]), np.linalg.eigvals(a))
    swapped = mat(inst.values["swapped"])
    assert np.linalg.norm(swapped @ v1 - l2 * v1) < TOL
    assert np.linalg.norm(swapped @ v2 - l1 * v2) < TOL
    at = mat(inst.values["At"])
    assert np.linalg.norm(at @ v1 - l1 * v1) > 1e-3, "Aᵀ must not share A's eigenvectors"


def check_eigenvector_3x3(inst: Instance) -> None:
    """The reference direction spans the eigenspace of the prompt's eigenvalue."""
    a, lam = mat(inst.values["A"]), num(inst.values["d3"])
    assert eigenspace_dim(a, lam) == 1
    assert_eigvec(a, vec(inst.spec.expected), lam)


def check_det_scaled(inst: Instance) -> None:
    """det(cA) of a numeric matrix with the stated eigenvalues equals the reference."""
    values = [num(inst.values[k]) for k in ("l1", "l2", "l3")]
    c = num(inst.values["c"])
    a = with_eigenvalues(values, inst.seed % 2**32)
    assert abs(np.linalg.det(c * a) - num(inst.spec.expected)) < 1e-6 * (1 + abs(c) ** 3 * 27)


def check_trace_of_square(inst: Instance) -> None:
    """tr(A²) of a numeric matrix with the stated eigenvalues equals the reference."""
    values = [num(inst.values[k]) for k in ("l1", "l2", "l3")]
    a = with_eigenvalues(values, inst.seed % 2**32)
    assert abs(np.trace(a @ a) - num(inst.spec.expected)) < 1e-6


def check_inverse_shift(inst: Instance) -> None:
    """The reference equals the eigenvalues of inv(A − sI) computed by numpy."""
    a, s = mat(inst.values["A"]), num(inst.values["s"])
    shifted_inverse = np.linalg.inv(a - s * np.eye(2))
    assert same_multiset(vec(inst.spec.expected), np.linalg.eigvals(shifted_inverse))


def check_matrix_power(inst: Instance) -> None:
    """The stated factorisation holds and the reference is numpy's matrix_power."""
    a, k = mat(inst.values["A"]), int(inst.values["k"])
    p, p_inv, d = mat(inst.values["P"]), mat(inst.values["Pi"]), mat(inst.values["D"])
    # The factorisation shown in the prompt is true …
    assert np.allclose(p @ p_inv, np.eye(2), atol=TOL)
    assert np.allclose(p @ d @ p_inv, a, atol=TOL)
    # … and the reference is A^k computed by repeated multiplication.
    assert np.allclose(mat(inst.spec.expected), np.linalg.matrix_power(a, k), atol=TOL)


def check_symmetric_other_eigenvector(inst: Instance) -> None:
    """The reference is orthogonal to v and an eigenvector for the other eigenvalue."""
    s = mat(inst.values["S"])
    assert np.allclose(s, s.T)
    v, big = vec(inst.values["v"]), num(inst.values["big"])
    assert_eigvec(s, v, big)  # the eigenpair the prompt states is true
    w = vec(inst.spec.expected)
    assert abs(w @ v) < TOL, "eigenvectors of a symmetric matrix are orthogonal"
    mu = (w @ s @ w) / (w @ w)  # Rayleigh quotient: the other eigenvalue
    assert abs(mu - big) > 0.5
    assert_eigvec(s, w, mu)


def check_symmetric_from_eigenpairs(inst: Instance) -> None:
    """The reference matrix is symmetric and has both stated eigenpairs."""
    s = mat(inst.spec.expected)
    assert np.allclose(s, s.T)
    assert_eigvec(s, vec(inst.values["v"]), num(inst.values["big"]))
    assert_eigvec(s, vec(inst.values["wv"]), num(inst.values["m"]))


def check_pd_interval(inst: Instance) -> None:
    """Inside the open interval S is positive definite, at its ends singular, outside not."""
    a, c = num(inst.values["a"]), num(inst.values["c"])
    (piece,) = inst.spec.expected.pieces
    lo, hi = num(piece.lo), num(piece.hi)
    assert not piece.lo_closed
    assert not piece.hi_closed

    def min_eig(t: float) -> float:
        return float(np.linalg.eigvalsh(np.array([[a, t], [t, c]]))[0])

    for t in np.linspace(lo, hi, 41)[1:-1]:
        assert min_eig(t) > 0, f"t = {t} lies inside the interval but is not positive definite"
    for t in (lo, hi):
        assert abs(min_eig(t)) < 1e-9, "at an endpoint the matrix is only semidefinite"
    for t in (lo - 1e-3, hi + 1e-3, lo - 5, hi + 5):
        assert min_eig(t) < 0


def check_pd_minors(inst: Instance) -> None:
    """The reference [Δ₁, Δ₂] are S's leading minors by numpy, and their signs decide
    positive definiteness as eigvalsh does (Sylvester's criterion on this instance)."""
    s = mat(inst.values["S"])
    minor1, minor2 = vec(inst.spec.expected)
    assert abs(minor1 - s[0, 0]) < TOL
    assert abs(minor2 - np.linalg.det(s)) < 1e-6
    assert (minor1 > 0 and minor2 > 0) == bool(np.all(np.linalg.eigvalsh(s) > 0))


def check_singular_values(inst: Instance) -> None:
    """The reference multiset equals numpy.linalg.svd's singular values (of S or of A)."""
    s = mat(inst.values["S"] if "S" in inst.values else inst.values["A"])
    assert same_multiset(vec(inst.spec.expected), np.linalg.svd(s, compute_uv=False))


def check_rank_one_singular_values(inst: Instance) -> None:
    """A has rank one and the reference equals numpy's singular values."""
    assert np.linalg.matrix_rank(mat(inst.values["A"])) == 1
    check_singular_values(inst)


def check_spectral_norm(inst: Instance) -> None:
    """The reference equals numpy.linalg.norm(A, 2)."""
    a = mat(inst.values["A"])
    assert abs(num(inst.spec.expected) - np.linalg.norm(a, 2)) < TOL


def check_pca_direction(inst: Instance) -> None:
    """The reference is parallel to eigh's eigenvector of the largest eigenvalue."""
    cov = mat(inst.values["C"])
    values, vectors = np.linalg.eigh(cov)
    assert values[1] - values[0] > 0.5, "distinct eigenvalues: the direction is unique"
    v = vec(inst.spec.expected)
    cosine = abs(v @ vectors[:, 1]) / np.linalg.norm(v)
    assert abs(cosine - 1) < TOL


def check_pca_fraction(inst: Instance) -> None:
    """The reference equals λ_max / tr C from eigvalsh."""
    values = np.linalg.eigvalsh(mat(inst.values["C"]))
    assert abs(num(inst.spec.expected) - values[-1] / values.sum()) < TOL


def check_null_space(inst: Instance) -> None:
    """A has a one-dimensional null space and the reference spans it."""
    a = mat(inst.values["A"])
    n = a.shape[1]
    assert np.linalg.matrix_rank(a) == n - 1, "a one-dimensional null space"
    v = vec(inst.spec.expected)
    assert np.linalg.norm(v) > 0.5
    assert np.linalg.norm(a @ v) < TOL


def check_rank(inst: Instance) -> None:
    """The reference equals numpy.linalg.matrix_rank(A)."""
    assert np.linalg.matrix_rank(mat(inst.values["A"])) == int(inst.spec.expected)


CHECKS: dict[str, Callable[[Instance], None]] = {
    "eigenvalue-from-eigenvector": check_eigenvalue_from_eigenvector,
    "trace-det-eigenvalues": check_trace_det,
    "characteristic-polynomial-2x2": check_charpoly,
    "eigenvalues-triangular": check_eigenvalues,
    "eigenvalues-2x2": check_eigenvalues,
    "eigenvector-2x2": check_eigenvector_2x2,
    "eigenpairs-2x2": check_eigenpairs,
    "eigenvalues-surd-2x2": check_eigenvalues,
    "eigenvalues-3x3-block": check_eigenvalues,
    "eigenvector-3x3": check_eigenvector_3x3,
    "det-of-scaled-matrix": check_det_scaled,
    "trace-of-square": check_trace_of_square,
    "eigen-inverse-shift": check_inverse_shift,
    "matrix-power-diagonalization": check_matrix_power,
    "symmetric-orthogonal-eigenvector": check_symmetric_other_eigenvector,
    "symmetric-from-eigenpairs": check_symmetric_from_eigenpairs,
    "positive-definite-interval": check_pd_interval,
    "positive-definite-2x2": check_pd_minors,
    "singular-values-symmetric": check_singular_values,
    "singular-values-orthogonal-columns": check_singular_values,
    "singular-values-rank-one": check_rank_one_singular_values,
    "spectral-norm-2x2": check_spectral_norm,
    "pca-first-component": check_pca_direction,
    "pca-explained-variance": check_pca_fraction,
    "null-space-2x2": check_null_space,
    "rank-of-matrix": check_rank,
    "null-space-3x3": check_null_space,
}


_shared = cross_check_tests(_deck, _instances, CHECKS, min_mistakes=1)
test_every_template_is_cross_checked = _shared.every_template_is_cross_checked
test_reference_agrees_with_numpy = _shared.reference_agrees
test_every_mistake_is_wrong = _shared.every_mistake_is_wrong


def test_checks_can_fail() -> None:
    """The checkers reject a wrong reference (guards against checks that assert nothing)."""
    inst = _instances("eigenvalues-2x2")[0]
    wrong = SetLiteral(tuple(v + 1 for v in inst.spec.expected.items))
    with pytest.raises(AssertionError):
        check_eigenvalues(replace(inst, spec=replace(inst.spec, expected=wrong)))
    inst = _instances("eigenvector-2x2")[0]
    other = Sequence(tuple(inst.values["other"].items), "[")
    with pytest.raises(AssertionError):
        check_eigenvector_2x2(replace(inst, spec=replace(inst.spec, expected=other)))
