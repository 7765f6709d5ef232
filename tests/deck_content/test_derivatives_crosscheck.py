"""Independent cross-checks of the derivatives deck (decks/derivatives.yaml).

Every test draws real instances through the deck generator, takes the sampled parameters from
``Instance.values``, writes the function down again in numpy (never through the template's sympy
``diff``/``jacobian``/``hessian``) and compares the reference answer with central finite
differences.

Tolerances: a central difference with step h has truncation error ≈ h²·|f'''|/6 and rounding
error ≈ ε·|f|/h (ε ≈ 1e-16). With h = 1e-5 and the small parameters of the deck (|f| ≲ 1e4,
|f'''| ≲ 1e5 at the test points) both stay below ~1e-5, so ``rtol = atol = 1e-4`` is safe and
still far smaller than any authored mistake (which change values by O(1) factors). Second
differences use h = 1e-3: truncation h²·|f''''|/12, rounding ε·|f|/h² ≈ 1e-10·|f|.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import sympy

from mathdrill.decks.generate import Instance
from tests.deck_content.deckkit import cross_check_tests, deck_loader

SEEDS = tuple(104_729 * k + 11 for k in range(15))
TOL = {"rel": 1e-4, "abs": 1e-4}
H1 = 1e-5
H2 = 1e-3


_deck, _instances = deck_loader("derivatives", SEEDS)


def _p(inst: Instance, *names: str) -> list[float]:
    return [float(inst.values[name]) for name in names]


def _scalar(expr: object, point: dict[str, float]) -> float:
    """Evaluate a sympy expression of the deck's symbols at a point given by symbol names."""
    assert isinstance(expr, sympy.Basic)
    subs = {sympy.Symbol(name): value for name, value in point.items()}
    value = expr.subs(subs)
    assert not value.free_symbols, f"{expr} still has {value.free_symbols}"
    assert value.is_real is not False, f"{expr} is not real at {point}"
    return float(value)


def _reference(inst: Instance, point: dict[str, float] | None = None) -> np.ndarray:
    """The instance's reference answer evaluated at a point, as a float array."""
    expected = inst.spec.expected
    point = point or {}
    if isinstance(expected, sympy.MatrixBase):
        return np.array([[_scalar(e, point) for e in row] for row in expected.tolist()])
    if hasattr(expected, "items"):  # a Sequence: a vector, or a matrix as a Sequence of rows
        return np.array(
            [
                [_scalar(e, point) for e in row.items]
                if hasattr(row, "items")
                else _scalar(row, point)
                for row in expected.items
            ]
        )
    return np.array(_scalar(expected, point))


def d1(f: Callable[[float], float], x: float, h: float = H1) -> float:
    """Central first difference."""
    return (f(x + h) - f(x - h)) / (2 * h)


def grad(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = H1) -> np.ndarray:
    """Central-difference gradient."""
    eye = np.eye(len(x))
    return np.array([(f(x + h * e) - f(x - h * e)) / (2 * h) for e in eye])


def jac(f: Callable[[np.ndarray], np.ndarray], x: np.ndarray, h: float = H1) -> np.ndarray:
    """Central-difference Jacobian: row i = outputs, column j = inputs."""
    eye = np.eye(len(x))
    cols = [(f(x + h * e) - f(x - h * e)) / (2 * h) for e in eye]
    return np.stack(cols, axis=1)


def hess(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = H2) -> np.ndarray:
    """Central-difference Hessian."""
    n = len(x)
    eye = np.eye(n)
    out = np.empty((n, n))
    for i in range(n):
        for j in range(n):
            ei, ej = h * eye[i], h * eye[j]
            out[i, j] = (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)) / (
                4 * h * h
            )
    return out


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + np.exp(-z))


POINTS = [-1.3, -0.45, 0.2, 0.85, 1.6]


def _check_scalar_derivative(
    inst: Instance, make_f: Callable[[Instance], Callable[[float], float]], points=POINTS
) -> None:
    f = make_f(inst)
    for x in points:
        assert _reference(inst, {"x": x}) == pytest.approx(d1(f, x), **TOL), x


# --------------------------------------------------------------------------- one variable


def check_power_rule(inst: Instance) -> None:
    def make(inst: Instance) -> Callable[[float], float]:
        a, n, b = _p(inst, "a", "n", "b")
        return lambda x: a * x**n + b * x

    _check_scalar_derivative(inst, make)


def check_chain_rule_sin(inst: Instance) -> None:
    def make(inst: Instance) -> Callable[[float], float]:
        a, b = _p(inst, "a", "b")
        return lambda x: np.sin(a * x**2 + b * x)

    _check_scalar_derivative(inst, make)


def check_product_rule_exp(inst: Instance) -> None:
    def make(inst: Instance) -> Callable[[float], float]:
        n, a = _p(inst, "n", "a")
        return lambda x: x**n * np.exp(a * x)

    _check_scalar_derivative(inst, make)


def check_sigmoid_chain(inst: Instance) -> None:
    def make(inst: Instance) -> Callable[[float], float]:
        a, b = _p(inst, "a", "b")
        return lambda x: sigmoid(a * x + b)

    _check_scalar_derivative(inst, make)


def check_softplus_derivative(inst: Instance) -> None:
    def make(inst: Instance) -> Callable[[float], float]:
        a, b = _p(inst, "a", "b")
        return lambda x: np.log1p(np.exp(a * x + b))

    _check_scalar_derivative(inst, make)


def check_quotient_rule(inst: Instance) -> None:
    def make(inst: Instance) -> Callable[[float], float]:
        a, b, c = _p(inst, "a", "b", "c")
        return lambda x: (a * x + b) / (x**2 + c)

    _check_scalar_derivative(inst, make)


def check_log_chain(inst: Instance) -> None:
    def make(inst: Instance) -> Callable[[float], float]:
        a, c = _p(inst, "a", "c")
        return lambda x: np.log(a * x**2 + c)

    _check_scalar_derivative(inst, make)


def check_tanh_derivative(inst: Instance) -> None:
    def make(inst: Instance) -> Callable[[float], float]:
        a, b = _p(inst, "a", "b")
        return lambda x: np.tanh(a * x + b)

    _check_scalar_derivative(inst, make)


def check_relu_two_units_slope(inst: Instance) -> None:
    w1, b1, w2, b2, v1, v2, x0 = _p(inst, "w1", "b1", "w2", "b2", "v1", "v2", "x0")

    def net(x: float, w1=w1, b1=b1, w2=w2, b2=b2, v1=v1, v2=v2) -> float:
        return v1 * max(0.0, w1 * x + b1) + v2 * max(0.0, w2 * x + b2)

    # Integer pre-activations are ≠ 0, so the nearest kink is ≥ 1/3 away: the difference
    # quotient over ±1e-3 is exact up to rounding.
    assert float(inst.spec.expected) == pytest.approx(d1(net, x0, 1e-3), abs=1e-9)


def check_logistic_loss_gradient(inst: Instance) -> None:
    x0, y0, b0 = _p(inst, "x0", "y0", "b0")

    def loss(w: float, x0=x0, y0=y0, b0=b0) -> float:
        p = sigmoid(w * x0 + b0)
        return -(y0 * np.log(p) + (1 - y0) * np.log(1 - p))

    for w in [-0.8, -0.2, 0.0, 0.35, 1.1]:
        assert _reference(inst, {"w": w}) == pytest.approx(d1(loss, w), **TOL)


def check_backprop_two_layer(inst: Instance) -> None:
    x, w1, b1, w2, y = _p(inst, "x", "w1", "b1", "w2", "y")

    def loss(w: float, x=x, b1=b1, w2=w2, y=y) -> float:
        h = max(0.0, w * x + b1)
        return (w2 * h - y) ** 2 / 2

    # z = w1·x + b1 ≥ 1, so ReLU is linear within ±1e-3 of w1 and L is a quadratic there:
    # the central difference is exact up to rounding.
    assert float(inst.spec.expected) == pytest.approx(d1(loss, w1, 1e-3), rel=1e-7)


# --------------------------------------------------------------------------- several variables

PLANE = [np.array(p) for p in [(-1.2, 0.7), (0.3, -0.9), (1.1, 1.4), (-0.5, -0.25)]]


def check_partial_derivative(inst: Instance) -> None:
    a, b, c, m, n = _p(inst, "a", "b", "c", "m", "n")
    for x, y in PLANE:

        def in_y(t: float, x=x, a=a, b=b, c=c, m=m, n=n) -> float:
            return a * x**m * t**n + b * x * t + c * t

        assert _reference(inst, {"x": x, "y": y}) == pytest.approx(d1(in_y, y), **TOL)


def check_grad_quadratic_form(inst: Instance) -> None:
    a = np.array(_p(inst, "a11", "a12", "a21", "a22")).reshape(2, 2)
    for x in PLANE:
        fd = grad(lambda v, a=a: float(v @ a @ v), x)
        assert _reference(inst, {"x1": x[0], "x2": x[1]}) == pytest.approx(fd, **TOL)


def check_grad_least_squares(inst: Instance) -> None:
    a = np.array(_p(inst, "a11", "a12", "a21", "a22")).reshape(2, 2)
    b = np.array([float(v) for v in inst.values["b"].items])
    x0 = np.array(_p(inst, "u1", "u2"))
    fd = grad(lambda v, a=a, b=b: float(np.sum((a @ v - b) ** 2)), x0)
    assert _reference(inst) == pytest.approx(fd, **TOL)


def check_jacobian(inst: Instance) -> None:
    a, b, c, d = _p(inst, "a", "b", "c", "d")

    def field(v: np.ndarray, a=a, b=b, c=c, d=d) -> np.ndarray:
        x, y = v
        return np.array([a * x * y + b * y**2, c * x**2 + d * y])

    for point in PLANE:
        ref = _reference(inst, {"x": point[0], "y": point[1]})
        assert ref == pytest.approx(jac(field, point), **TOL)


def check_hessian(inst: Instance) -> None:
    a, b, c = _p(inst, "a", "b", "c")

    def f(v: np.ndarray, a=a, b=b, c=c) -> float:
        x, y = v
        return a * x**3 + b * x * y**2 + c * y

    for point in PLANE:
        ref = _reference(inst, {"x": point[0], "y": point[1]})
        assert ref == pytest.approx(hess(f, point), **TOL)


def check_mse_gradient(inst: Instance) -> None:
    xs = np.array(_p(inst, "x1", "x2", "x3"))
    ys = np.array(_p(inst, "y1", "y2", "y3"))
    w, b = _p(inst, "w", "b")

    def mse(v: np.ndarray, xs=xs, ys=ys) -> float:
        return float(np.mean((v[0] * xs + v[1] - ys) ** 2))

    assert _reference(inst) == pytest.approx(grad(mse, np.array([w, b])), **TOL)


def check_softmax_cross_entropy_gradient(inst: Instance) -> None:
    n = np.array(_p(inst, "n1", "n2", "n3"))
    k = int(inst.values["k"]) - 1
    z0 = np.log(n)

    def ce(z: np.ndarray, k=k) -> float:
        return float(-(z[k] - np.log(np.sum(np.exp(z)))))

    assert _reference(inst) == pytest.approx(grad(ce, z0), **TOL)


def check_directional_derivative(inst: Instance) -> None:
    a, b, c, p1, p2 = _p(inst, "a", "b", "c", "p1", "p2")
    v = np.array([float(t) for t in inst.values["v"].items])
    u = v / np.linalg.norm(v)
    p = np.array([p1, p2])

    def along(t: float, a=a, b=b, c=c, p=p, u=u) -> float:
        x, y = p + t * u
        return a * x**2 + b * x * y + c * y**2

    assert float(inst.spec.expected) == pytest.approx(d1(along, 0.0), **TOL)


def check_taylor_second_order_matches_derivatives_at_zero(inst: Instance) -> None:
    origin = np.zeros(2)
    a, b = _p(inst, "a", "b")

    def f(v: np.ndarray, a=a, b=b) -> float:
        return float(np.exp(a * v[0] + b * v[1]))

    def t2(v: np.ndarray, inst=inst) -> float:
        return float(_reference(inst, {"x": v[0], "y": v[1]}))

    # The Taylor polynomial must share value, gradient and Hessian with f at 0.
    assert t2(origin) == pytest.approx(f(origin), abs=1e-12)
    assert grad(t2, origin) == pytest.approx(grad(f, origin), **TOL)
    assert hess(t2, origin) == pytest.approx(hess(f, origin), **TOL)
    # And the error shrinks like ‖x‖³: halving the step divides it by about 8.
    direction = np.array([0.6, -0.8])
    err = [abs(f(s * direction) - t2(s * direction)) for s in (0.02, 0.01)]
    assert err[0] / err[1] == pytest.approx(8, rel=0.1)


def check_linear_layer_weight_gradient(inst: Instance) -> None:
    x = np.array(_p(inst, "x1", "x2"))
    delta = np.array(_p(inst, "d1", "d2"))
    w0 = np.arange(4.0).reshape(2, 2)  # any W: L is linear in y = Wx near the point

    def loss(flat: np.ndarray, x=x, delta=delta) -> float:
        return float(delta @ (flat.reshape(2, 2) @ x))

    fd = grad(loss, w0.ravel()).reshape(2, 2)  # entry (i, j) = ∂L/∂Wᵢⱼ
    assert _reference(inst) == pytest.approx(fd, **TOL)


def check_linear_layer_input_gradient(inst: Instance) -> None:
    w = np.array(_p(inst, "w11", "w12", "w21", "w22")).reshape(2, 2)
    delta = np.array(_p(inst, "d1", "d2"))

    def loss(x: np.ndarray, w=w, delta=delta) -> float:
        return float(delta @ (w @ x))

    assert _reference(inst) == pytest.approx(grad(loss, np.array([0.4, -1.1])), **TOL)


CHECKS: dict[str, Callable[[Instance], None]] = {
    "power-rule": check_power_rule,
    "chain-rule-sin": check_chain_rule_sin,
    "product-rule-exp": check_product_rule_exp,
    "sigmoid-chain": check_sigmoid_chain,
    "softplus-derivative": check_softplus_derivative,
    "quotient-rule": check_quotient_rule,
    "log-chain": check_log_chain,
    "tanh-derivative": check_tanh_derivative,
    "relu-two-units": check_relu_two_units_slope,
    "logistic-loss-gradient": check_logistic_loss_gradient,
    "backprop-two-layer": check_backprop_two_layer,
    "partial-derivative": check_partial_derivative,
    "grad-quadratic-form": check_grad_quadratic_form,
    "grad-least-squares": check_grad_least_squares,
    "jacobian-2x2": check_jacobian,
    "hessian-2var": check_hessian,
    "mse-gradient": check_mse_gradient,
    "softmax-cross-entropy": check_softmax_cross_entropy_gradient,
    "directional-derivative": check_directional_derivative,
    "taylor-second-order": check_taylor_second_order_matches_derivatives_at_zero,
    "linear-layer-weight-gradient": check_linear_layer_weight_gradient,
    "linear-layer-input-gradient": check_linear_layer_input_gradient,
}


_shared = cross_check_tests(_deck, _instances, CHECKS)
test_every_template_is_cross_checked = _shared.every_template_is_cross_checked
test_reference_agrees_with_finite_differences = _shared.reference_agrees
test_every_mistake_is_wrong = _shared.every_mistake_is_wrong
