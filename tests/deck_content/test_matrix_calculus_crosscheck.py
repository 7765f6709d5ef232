"""Independent numeric cross-checks of the built-in ``matrix-calculus`` deck.

Every template of ``decks/matrix-calculus.yaml`` is generated over many seeds with the decks API.
From the problem data shown in the prompt, the test writes the *function* the prompt describes as
plain NumPy code — a composition of maps, a network's forward pass, a loss — and differentiates it
by central finite differences, entry by entry, never with the template's own sympy expressions.
Log-determinants go through ``np.linalg.slogdet``; the one shape question is answered by building
the full Jacobian array numerically. For every instance the reference must agree with the
numerical derivative and every authored mistake must disagree with it: the second half proves that
each mistake is wrong mathematics, independently of the answer checker ``deck check`` exercises.

Tolerances: the functions are smooth near the points used (ReLU pre-activations are nonzero
integers, so a step of 1e-6 never crosses a kink) and of size O(100) at most, so a central
difference with h = 1e-6 is accurate to ~1e-8. References must agree within 1e-5; mistakes must
differ by more than 1e-3 (they are off by rational amounts of at least ~1/100).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
import pytest
import sympy

from mathdrill.answers.forms import ShapeValue
from mathdrill.decks.generate import Instance
from mathdrill.mathlang import to_plain, to_unicode
from mathdrill.mathlang.values import Sequence
from tests.deck_content.deckkit import by_seed, cross_check_tests, deck_loader, num

SEEDS = tuple(range(0, 30 * 7919, 7919))  # 30 well-spread seeds per template
STEP = 1e-6
AGREE = 1e-5
DIFFER = 1e-3


_deck, _instances = deck_loader("matrix-calculus", SEEDS)


# ----------------------------------------------------------------------------- value conversion


def arr(value: Any) -> np.ndarray:
    """A Sequence (possibly of rows) or a sympy matrix as a float array."""
    if isinstance(value, Sequence):
        return np.array([arr(v) if isinstance(v, Sequence) else num(v) for v in value.items])
    if isinstance(value, sympy.MatrixBase):
        return np.array([[num(v) for v in row] for row in value.tolist()], dtype=float)
    return np.array(num(value))


def data(inst: Instance, name: str, *, plain: bool = True) -> np.ndarray:
    """Problem data by name; with ``plain`` it is checked to appear in the prompt on one line.

    Matrices shown as grids (``plain=False``) are not searched for: the grid spans lines.
    """
    value = inst.values[name]
    if plain:
        # {name} renders in unicode, {name:plain} as typed text: either must be in the prompt
        forms = (to_unicode(value), to_plain(value))
        assert any(form in inst.prompt for form in forms), f"{name} = {forms[1]} not shown"
    return arr(value)


def as_answer(value: Any) -> Any:
    """A reference or mistake value as a float array, or a shape tuple for the shape kind."""
    if isinstance(value, ShapeValue):
        return ("error",) if value.error else tuple(value.dims)
    return arr(value)


# ----------------------------------------------------------------------------- finite differences


def gradient(f: Callable[[np.ndarray], float], x: np.ndarray) -> np.ndarray:
    """Central-difference gradient of a scalar function of an array (any shape)."""
    x = np.asarray(x, dtype=float)
    out = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[index] = STEP
        out[index] = (f(x + step) - f(x - step)) / (2 * STEP)
    return out


def jacobian(f: Callable[[np.ndarray], np.ndarray], x: np.ndarray) -> np.ndarray:
    """Central-difference Jacobian, outputs on rows: J[i, j] = ∂fᵢ/∂xⱼ (x a vector)."""
    x = np.asarray(x, dtype=float)
    columns = []
    for j in range(x.size):
        step = np.zeros_like(x)
        step[j] = STEP
        columns.append((np.asarray(f(x + step)) - np.asarray(f(x - step))) / (2 * STEP))
    return np.stack(columns, axis=-1)


def relu(z: np.ndarray) -> np.ndarray:
    """ReLU, elementwise."""
    return np.maximum(z, 0.0)


def softmax(z: np.ndarray) -> np.ndarray:
    """Softmax of a vector."""
    e = np.exp(z - z.max())
    return e / e.sum()


# ----------------------------------------------------------------------------- per-template truths


def truth_jacobian_shape(inst: Instance) -> Any:
    """Build ∂yᵢ/∂Wⱼₖ for y = Wx numerically, indexed (i, j, k); return its shape."""
    m, n = int(inst.values["m"]), int(inst.values["n"])
    assert f"({m}, {n})" in inst.prompt
    rng = np.random.default_rng(inst.seed)
    w0, x = rng.normal(size=(m, n)), rng.normal(size=n)
    full = np.stack(
        [gradient(lambda w, i=i: float((w @ x)[i]), w0) for i in range(m)]
    )  # full[i, j, k] = ∂yᵢ/∂Wⱼₖ
    # It is δᵢⱼ·xₖ, as the solution says.
    assert np.allclose(full, np.einsum("ij,k->ijk", np.eye(m), x), atol=AGREE)
    return full.shape


def truth_chain_rule(inst: Instance) -> Any:
    """Finite-difference Jacobian of g∘f for nonlinear f, g with the stated Jacobians at x₀."""
    jf, jg = data(inst, "Jf", plain=False), data(inst, "Jg", plain=False)
    x0 = np.array([0.3, -0.7])
    y0 = np.array([1.0, 2.0, -1.0])  # f(x₀)

    def f(x: np.ndarray) -> np.ndarray:
        # nonlinear, but with Jacobian J_f at x₀: the quadratic part has zero derivative there
        return y0 + jf @ (x - x0) + np.sum((x - x0) ** 2) * np.array([1.0, -2.0, 0.5])

    def g(y: np.ndarray) -> np.ndarray:
        return jg @ y + np.sin(np.sum((y - y0) ** 2)) * np.array([3.0, 1.0])

    assert np.allclose(jacobian(f, x0), jf, atol=AGREE)
    assert np.allclose(jacobian(g, y0), jg, atol=AGREE)
    return jacobian(lambda x: g(f(x)), x0)


def truth_jvp(inst: Instance) -> Any:
    """Directional derivative of the prompt's f at p along v, by central differences."""
    a, b, c = (num(inst.values[k]) for k in ("a", "b", "c"))
    p, v = data(inst, "pt"), data(inst, "v")

    def f(q: np.ndarray) -> np.ndarray:
        x, y = q
        return np.array([a * x**2 + b * x * y, x * y + c * y**2])

    return (f(p + STEP * v) - f(p - STEP * v)) / (2 * STEP)


def truth_vjp(inst: Instance) -> Any:
    """Gradient of u·f(x) at p for the prompt's f, by central differences."""
    a, b = num(inst.values["a"]), num(inst.values["b"])
    p, u = data(inst, "pt"), data(inst, "u")

    def f(q: np.ndarray) -> np.ndarray:
        x1, x2, x3 = q
        return np.array([a * x1 * x2 + x3**2, x1 + b * x2 * x3])

    return gradient(lambda q: float(u @ f(q)), p)


def linear_layer_loss(x: np.ndarray, g: np.ndarray) -> Callable[[np.ndarray, np.ndarray], float]:
    """A loss with ∂L/∂Y = G for Y = XWᵀ + b (PyTorch convention, b broadcast over rows)."""

    def loss(w: np.ndarray, b: np.ndarray) -> float:
        return float(np.sum(g * (x @ w.T + b)))

    return loss


def truth_batch_weight_gradient(inst: Instance) -> Any:
    """∂L/∂W of Σ G ⊙ (XWᵀ + b) at a random W, by central differences."""
    x, g = data(inst, "X", plain=False), data(inst, "G", plain=False)
    rng = np.random.default_rng(inst.seed)
    w0, b0 = rng.normal(size=(g.shape[1], x.shape[1])), rng.normal(size=g.shape[1])
    loss = linear_layer_loss(x, g)
    return gradient(lambda w: loss(w, b0), w0)


def truth_bias_gradient(inst: Instance) -> Any:
    """∂L/∂b of Σ G ⊙ (XWᵀ + b) with NumPy broadcasting b over the batch."""
    g = data(inst, "G", plain=False)
    rng = np.random.default_rng(inst.seed)
    x, w0 = rng.normal(size=(g.shape[0], 3)), rng.normal(size=(g.shape[1], 3))
    loss = linear_layer_loss(x, g)
    return gradient(lambda b: loss(w0, b), rng.normal(size=g.shape[1]))


def truth_relu_mask(inst: Instance) -> Any:
    """Gradient of g·ReLU(z) with respect to z."""
    z, g = data(inst, "z"), data(inst, "g")
    assert np.all(np.abs(z) >= 1), "no pre-activation sits on the kink"
    return gradient(lambda t: float(g @ relu(t)), z)


def logits(inst: Instance) -> np.ndarray:
    """The logits z = [log n1, log n2, log n3] the prompt shows."""
    z = data(inst, "z")
    n = np.array([num(inst.values[k]) for k in ("n1", "n2", "n3")])
    assert np.allclose(z, np.log(n))
    return z


def truth_softmax_jacobian(inst: Instance) -> Any:
    """Finite-difference Jacobian of softmax at the shown logits."""
    return jacobian(softmax, logits(inst))


def truth_softmax_backward(inst: Instance) -> Any:
    """Gradient of g·softmax(z) at the shown logits."""
    g = data(inst, "g")
    return gradient(lambda z: float(g @ softmax(z)), logits(inst))


def truth_ridge(inst: Instance) -> Any:
    """Gradient of ½‖Ax − b‖² + (λ/2)‖x‖² at the shown point."""
    a, b = data(inst, "A", plain=False), data(inst, "b")
    lam, x0 = num(inst.values["lam"]), data(inst, "x0")

    def loss(x: np.ndarray) -> float:
        return 0.5 * float(np.sum((a @ x - b) ** 2)) + lam / 2 * float(x @ x)

    return gradient(loss, x0)


def logabsdet(x: np.ndarray) -> float:
    """log|det X| by LAPACK (slogdet)."""
    sign, value = np.linalg.slogdet(x)
    assert sign != 0
    return float(value)


def truth_logdet_gradient(inst: Instance) -> Any:
    """Entrywise central differences of log|det X|."""
    x = data(inst, "X")
    assert 2 - 1e-9 <= abs(np.linalg.det(x)) <= 6 + 1e-9
    return gradient(logabsdet, x)


def truth_logdet_directional(inst: Instance) -> Any:
    """Derivative of log det(X + tV) at t = 0 by central differences (det X > 0)."""
    x, v = data(inst, "X"), data(inst, "V")
    assert np.linalg.det(x) > 1.5, "log det needs det X > 0"
    return np.array((logabsdet(x + STEP * v) - logabsdet(x - STEP * v)) / (2 * STEP))


def truth_trace_product(inst: Instance) -> Any:
    """Entrywise central differences of tr(AXB) at a random X."""
    a, b = data(inst, "A"), data(inst, "B")
    x0 = np.random.default_rng(inst.seed).normal(size=(2, 2))
    return gradient(lambda x: float(np.trace(a @ x @ b)), x0)


def truth_mlp_first_layer(inst: Instance) -> Any:
    """∂L/∂W₁ of the prompt's network, by central differences of its forward pass."""
    w1, x, b1 = data(inst, "W1"), data(inst, "x"), data(inst, "bb")
    w2, y = data(inst, "w2"), num(inst.values["y"])
    z = w1 @ x + b1
    assert np.all(np.abs(z) >= 1), "no pre-activation sits on the kink"
    assert (z > 0).sum() == 1, "exactly one active hidden unit"

    def loss(w: np.ndarray) -> float:
        return 0.5 * float((w2 @ relu(w @ x + b1) - y) ** 2)

    return gradient(loss, w1)


def truth_mlp_softmax(inst: Instance) -> Any:
    """∂L/∂W₂ at a W₂ that reproduces the stated p, by central differences of the loss."""
    w1, x, p = data(inst, "W1"), data(inst, "x"), data(inst, "p")
    k = int(inst.values["k"])
    assert f"the true class is {k}" in inst.prompt
    h = relu(w1 @ x)
    (active,) = np.flatnonzero(h)  # exactly one hidden unit is on
    rng = np.random.default_rng(inst.seed)
    w2 = rng.normal(size=(3, 2))
    w2[:, active] = np.log(p) / h[active]  # then softmax(W₂h) = p
    assert np.allclose(softmax(w2 @ h), p)
    return gradient(lambda w: -float(np.log(softmax(w @ h)[k - 1])), w2)


TRUTHS: dict[str, Callable[[Instance], Any]] = {
    "jacobian-wrt-weights-shape": truth_jacobian_shape,
    "vector-chain-rule": truth_chain_rule,
    "jvp-forward-mode": truth_jvp,
    "vjp-reverse-mode": truth_vjp,
    "linear-layer-batch-weight-gradient": truth_batch_weight_gradient,
    "linear-layer-bias-gradient": truth_bias_gradient,
    "relu-mask-backward": truth_relu_mask,
    "softmax-jacobian": truth_softmax_jacobian,
    "softmax-backward": truth_softmax_backward,
    "ridge-gradient": truth_ridge,
    "trace-product-gradient": truth_trace_product,
    "logdet-gradient": truth_logdet_gradient,
    "logdet-directional": truth_logdet_directional,
    "mlp-backward-first-layer": truth_mlp_first_layer,
    "mlp-softmax-output-layer": truth_mlp_softmax,
}


def agrees(value: Any, truth: Any) -> bool:
    """Same shape tuple, or arrays of the same shape within AGREE."""
    if isinstance(truth, tuple) or isinstance(value, tuple):
        return value == truth
    truth = np.asarray(truth)
    return value.shape == truth.shape and bool(np.allclose(value, truth, atol=AGREE, rtol=0))


def differs(value: Any, truth: Any) -> bool:
    """A different shape, or some entry off by more than DIFFER."""
    if isinstance(truth, tuple) or isinstance(value, tuple):
        return value != truth
    truth = np.asarray(truth)
    return value.shape != truth.shape or bool(np.max(np.abs(value - truth)) > DIFFER)


_truth = by_seed(lambda inst: TRUTHS[inst.template](inst))


def check_reference(inst: Instance) -> None:
    """The reference agrees with the numerical derivative."""
    truth = _truth(inst)
    assert agrees(as_answer(inst.spec.expected), truth), f"reference ≠ numerical {truth}"


def test_there_are_at_least_ten_templates() -> None:
    assert len(TRUTHS) >= 10


def accepts(inst: Instance, value: Any) -> None:
    """A mistake counts as right unless it differs from the numerical answer by more than DIFFER."""
    assert not differs(as_answer(value), _truth(inst))


_shared = cross_check_tests(
    _deck,
    _instances,
    dict.fromkeys(TRUTHS, check_reference),
    accepts=accepts,
    min_mistakes=2,
)
test_every_template_is_cross_checked = _shared.every_template_is_cross_checked
test_reference_agrees_with_finite_differences = _shared.reference_agrees
test_every_mistake_is_wrong = _shared.every_mistake_is_wrong


def test_checks_can_fail() -> None:
    """A wrong reference is rejected: an authored mistake, a transposed matrix, a nudged entry."""
    for template_id in ("logdet-gradient", "mlp-backward-first-layer", "softmax-backward"):
        inst = _instances(template_id)[0]
        for mistake in inst.spec.mistakes:
            wrong = replace(inst, spec=replace(inst.spec, expected=mistake.value))
            with pytest.raises(AssertionError):
                check_reference(wrong)
    inst = _instances("trace-product-gradient")[0]
    transposed = inst.spec.expected.T
    with pytest.raises(AssertionError):
        check_reference(replace(inst, spec=replace(inst.spec, expected=transposed)))
    inst = _instances("logdet-directional")[0]
    nudged = inst.spec.expected + sympy.Rational(1, 100)
    with pytest.raises(AssertionError):
        check_reference(replace(inst, spec=replace(inst.spec, expected=nudged)))
    inst = _instances("jacobian-wrt-weights-shape")[0]
    with pytest.raises(AssertionError):
        check_reference(replace(inst, spec=replace(inst.spec, expected=ShapeValue((2, 3)))))
