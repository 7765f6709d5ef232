"""Independent numeric cross-checks of the built-in ``svd-pca`` deck.

Every template of ``decks/svd-pca.yaml`` is generated over 40 well-spread seeds with the decks
API. Only the *problem data* the learner sees (the matrix, the singular values, the mean and
directions, the point) is taken from the instance; the answer is recomputed with numpy alone —
``numpy.linalg.svd``/``pinv``/``lstsq``/``eigh``/``cond``/``norm``, synthetic data sets whose
sample covariance is computed by ``numpy.cov`` — and compared with the deck's reference.

Second, every authored mistake is fed to the same check in place of the reference and must be
rejected: this proves independently that each mistake is mathematically wrong for every sampled
instance (and that the checks can fail at all).

Tolerances: the matrices are at most 3×3 with small integer or simple rational entries (the
synthetic data sets are 50×4 at most), so LAPACK's errors are ~1e-13; 1e-8 leaves ample headroom
while every wrong answer the deck could produce is off by at least a rational step of 1/100.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from mathdrill.answers.forms import ShapeValue
from mathdrill.decks.generate import Instance
from tests.deck_content.deckkit import cross_check_tests, deck_loader, mat, num, vec

SEEDS = tuple(range(11, 40 * 7919, 7919))  # 40 well-spread seeds per template
TOL = 1e-8


_deck, _instances = deck_loader("svd-pca", SEEDS)


# ----------------------------------------------------------------------------- value conversion


def expected(inst: Instance) -> Any:
    """The reference answer of an instance (or the mistake swapped in for it)."""
    return inst.spec.expected


def same_multiset(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal as multisets of real numbers, up to TOL."""
    return len(a) == len(b) and bool(np.allclose(np.sort(a), np.sort(b), atol=TOL))


def parallel(a: np.ndarray, b: np.ndarray) -> bool:
    """Nonzero and parallel (either orientation)."""
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    return bool(na > 1e-9 and nb > 1e-9 and abs(abs(a @ b) / (na * nb) - 1) < TOL)


def random_orthonormal(rows: int, cols: int, seed: int, centered: bool = False) -> np.ndarray:
    """A rows×cols matrix with orthonormal columns (orthogonal to the ones vector if centered)."""
    rng = np.random.default_rng(seed)
    g = rng.normal(size=(rows, cols + 1))
    if centered:
        g[:, 0] = 1.0  # QR keeps column 0 ∝ ones; the others become orthogonal to it
        return np.linalg.qr(g)[0][:, 1:]
    return np.linalg.qr(g)[0][:, :cols]


def data_with_singular_values(n: int, sigmas: list[float], seed: int) -> np.ndarray:
    """A centered n×d data matrix whose singular values are exactly ``sigmas``."""
    d = len(sigmas)
    u = random_orthonormal(n, d, seed, centered=True)
    v = random_orthonormal(d, d, seed + 1)
    x = u @ np.diag(sigmas) @ v.T
    assert np.allclose(x.mean(axis=0), 0, atol=1e-12)
    return x


# ----------------------------------------------------------------------------- per-template checks


def check_truncated_shapes(inst: Instance) -> None:
    """V_kᵀ of a rank-k factorisation computed by numpy (QR + small SVD) has the reference shape."""
    m, n, k = (int(inst.values[name]) for name in ("m", "n", "k"))
    ref = expected(inst)
    assert isinstance(ref, ShapeValue)
    assert ref.dims is not None
    rng = np.random.default_rng(inst.seed % 2**32)
    left, right = rng.normal(size=(m, k)), rng.normal(size=(k, n))
    w = left @ right  # an m×n matrix of rank k: its rank-k truncated SVD is exact
    q, r = np.linalg.qr(left)
    small_u, s, vt = np.linalg.svd(r @ right, full_matrices=False)
    u = q @ small_u
    assert np.allclose((u * s) @ vt, w, atol=1e-8 * np.abs(w).max())
    assert np.allclose(vt @ vt.T, np.eye(k), atol=1e-10), "rows of V_kᵀ are orthonormal"
    assert tuple(ref.dims) == vt.shape


def _svd(inst: Instance) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return np.linalg.svd(mat(inst.values["A"]))


def check_singular_values(inst: Instance) -> None:
    """The reference multiset equals numpy's singular values of A."""
    s = np.linalg.svd(mat(inst.values["A"]), compute_uv=False)
    assert same_multiset(vec(expected(inst)), s)


def check_right_singular_vector(inst: Instance) -> None:
    """The reference is parallel to numpy's first right singular vector; σ₁ > σ₂ makes it unique."""
    _u, s, vt = _svd(inst)
    assert s[0] - s[1] > 0.1
    assert np.allclose(s, [num(inst.values["sig1"]), num(inst.values["sig2"])])
    assert parallel(vec(expected(inst)), vt[0])


def check_left_singular_vector(inst: Instance) -> None:
    """The reference is unit, equals ±numpy's u₁ with the sign fixed by the given v₁."""
    a = mat(inst.values["A"])
    v1 = vec(inst.values["v1"])  # given in the prompt
    u, s, vt = np.linalg.svd(a)
    assert abs(np.linalg.norm(v1) - 1) < TOL
    assert parallel(v1, vt[0]), "the prompt's v₁ is a right singular vector for σ₁"
    assert abs(num(inst.values["sig1"]) - s[0]) < TOL
    sign = np.sign(v1 @ vt[0])  # numpy's (u₁, v₁) pair may be flipped as a whole
    ref = vec(expected(inst))
    assert np.allclose(ref, sign * u[:, 0], atol=TOL)


def check_best_rank_one(inst: Instance) -> None:
    """The reference equals numpy's truncated SVD σ₁u₁v₁ᵀ and has rank one."""
    a = mat(inst.values["A"])
    u, s, vt = np.linalg.svd(a)
    best = s[0] * np.outer(u[:, 0], vt[0])
    ref = mat(expected(inst))
    assert np.allclose(ref, best, atol=TOL)
    assert np.linalg.matrix_rank(ref) == 1
    assert abs(np.linalg.norm(a - ref, 2) - s[1]) < TOL


def check_condition_numbers(inst: Instance) -> None:
    """[κ(A), κ(AᵀA)] equals numpy.linalg.cond of both."""
    a = mat(inst.values["A"])
    ref = vec(expected(inst))
    assert np.allclose(ref, [np.linalg.cond(a), np.linalg.cond(a.T @ a)], atol=1e-7)


def check_eckart_young(inst: Instance) -> None:
    """A random m×5 matrix with the stated singular values, truncated by numpy's SVD."""
    sigmas = [num(inst.values[f"g{i}"]) for i in range(1, 6)]
    m, k = int(inst.values["m"]), int(inst.values["k"])
    u = random_orthonormal(m, 5, inst.seed % 2**32)
    v = random_orthonormal(5, 5, inst.seed % 2**32 + 7)
    a = u @ np.diag(sigmas) @ v.T
    uu, s, vt = np.linalg.svd(a, full_matrices=False)
    a_k = (uu[:, :k] * s[:k]) @ vt[:k]
    errors = [np.linalg.norm(a - a_k, 2), np.linalg.norm(a - a_k, "fro")]
    assert np.allclose(vec(expected(inst)), errors, atol=1e-7)


def check_pca_variances(inst: Instance) -> None:
    """Eigenvalues of numpy.cov of a centered data set with the stated n and singular values."""
    n = int(inst.values["n"])
    sigmas = [num(inst.values["sig1"]), num(inst.values["sig2"])]
    x = data_with_singular_values(n, sigmas, inst.seed % 2**32)
    variances = np.linalg.eigvalsh(np.cov(x, rowvar=False))[::-1]
    assert np.allclose(vec(expected(inst)), variances, atol=1e-7)


def check_explained_variance(inst: Instance) -> None:
    """PCA of a synthetic centered data set: share of the top-j eigenvalues of numpy.cov."""
    n, j = int(inst.values["n"]), int(inst.values["j"])
    sigmas = [num(inst.values[f"h{i}"]) for i in range(1, 5)]
    x = data_with_singular_values(n, sigmas, inst.seed % 2**32)
    variances = np.linalg.eigvalsh(np.cov(x, rowvar=False))[::-1]
    assert abs(num(expected(inst)) - variances[:j].sum() / variances.sum()) < 1e-9


def _pca_setup(inst: Instance) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(μ, Q = [q₁ q₂], x) from the prompt; q₂ = q₁ rotated by 90° where only q₁ is shown."""
    mu, x = vec(inst.values["mu"]), vec(inst.values["x"])
    q1 = vec(inst.values["q1"])
    q2 = vec(inst.values["q2"]) if "q2" in inst.values else np.array([-q1[1], q1[0]])
    q = np.column_stack([q1, q2])
    assert np.allclose(q.T @ q, np.eye(2), atol=1e-12), "orthonormal directions"
    return mu, q, x


def check_pca_scores(inst: Instance) -> None:
    """Scores solve Q·z = x − μ (numpy.linalg.solve)."""
    mu, q, x = _pca_setup(inst)
    assert np.allclose(vec(expected(inst)), np.linalg.solve(q, x - mu), atol=TOL)


def check_pca_reconstruction(inst: Instance) -> None:
    """The reference is the orthogonal projection of x onto the line μ + t·q₁ (least squares)."""
    mu, q, x = _pca_setup(inst)
    t, *_ = np.linalg.lstsq(q[:, :1], x - mu, rcond=None)
    projection = mu + q[:, 0] * t[0]
    ref = vec(expected(inst))
    assert np.allclose(ref, projection, atol=TOL)
    assert abs((x - ref) @ q[:, 0]) < TOL, "the residual is orthogonal to q₁"


def check_zca(inst: Instance) -> None:
    """The reference equals C^(−1/2) from numpy.linalg.eigh, and whitens C."""
    c = mat(inst.values["C"])
    lam, vecs = np.linalg.eigh(c)
    assert np.all(lam > 0)
    w = vecs @ np.diag(lam**-0.5) @ vecs.T
    ref = mat(expected(inst))
    assert np.allclose(ref, w, atol=TOL)
    assert np.allclose(ref @ c @ ref.T, np.eye(2), atol=TOL)


def check_pca_whitening(inst: Instance) -> None:
    """z = Λ^(−1/2)Qᵀ(x − μ) with C rebuilt from the stated eigenpairs; Cov(z) = I on samples."""
    mu, q, x = _pca_setup(inst)
    lam = np.array([num(inst.values["l1"]), num(inst.values["l2"])])
    c = q @ np.diag(lam) @ q.T
    evals, evecs = np.linalg.eigh(c)
    assert np.allclose(np.sort(evals), np.sort(lam))
    order = np.argsort(evals)[::-1]
    evals, evecs = evals[order], evecs[:, order]
    signs = np.sign(np.sum(evecs * q, axis=0))  # align eigh's signs with the stated directions
    whiten = np.diag(evals**-0.5) @ (evecs * signs).T
    ref = vec(expected(inst))
    assert np.allclose(ref, whiten @ (x - mu), atol=TOL)
    assert np.allclose(whiten @ c @ whiten.T, np.eye(2), atol=TOL)


def check_pinv(inst: Instance) -> None:
    """The reference equals numpy.linalg.pinv(A)."""
    a = mat(inst.values["A"])
    ref = mat(expected(inst))
    assert ref.shape == (a.shape[1], a.shape[0])
    assert np.allclose(ref, np.linalg.pinv(a), atol=TOL)


def check_min_norm(inst: Instance) -> None:
    """The reference equals lstsq's minimum-norm solution and pinv(A)·y, and solves Ax = y."""
    a, y = mat(inst.values["A"]), vec(inst.values["y"])
    x, *_ = np.linalg.lstsq(a, y, rcond=None)
    ref = vec(expected(inst))
    assert np.allclose(ref, x, atol=TOL)
    assert np.allclose(ref, np.linalg.pinv(a) @ y, atol=TOL)
    assert np.allclose(a @ ref, y, atol=TOL)


CHECKS: dict[str, Callable[[Instance], None]] = {
    "truncated-svd-shapes": check_truncated_shapes,
    "singular-values-2x2": check_singular_values,
    "right-singular-vector-2x2": check_right_singular_vector,
    "left-singular-vector": check_left_singular_vector,
    "best-rank-one-approximation": check_best_rank_one,
    "condition-number-2x2": check_condition_numbers,
    "eckart-young-errors": check_eckart_young,
    "pca-variances-from-svd": check_pca_variances,
    "explained-variance-ratio": check_explained_variance,
    "pca-scores": check_pca_scores,
    "pca-reconstruction": check_pca_reconstruction,
    "zca-whitening-matrix": check_zca,
    "pca-whitening-point": check_pca_whitening,
    "pseudo-inverse-rank-one": check_pinv,
    "minimum-norm-solution": check_min_norm,
}


_shared = cross_check_tests(_deck, _instances, CHECKS, min_mistakes=2)
test_every_template_is_cross_checked = _shared.every_template_is_cross_checked
test_reference_agrees_with_numpy = _shared.reference_agrees
test_every_mistake_is_wrong = _shared.every_mistake_is_wrong
