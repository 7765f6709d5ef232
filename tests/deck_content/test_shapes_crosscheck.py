"""Independent cross-checks of the built-in ``shapes`` deck, with real NumPy.

Every template of ``decks/shapes.yaml`` is generated over many seeds with the decks API. The
operation the prompt describes is then *performed* with NumPy — ``np.broadcast_shapes``,
arithmetic, ``@``/``np.matmul`` and ``np.einsum`` on zero-filled arrays, ``reshape``,
``swapaxes`` and ``transpose``, a convolution built from ``sliding_window_view``, max pooling by
reshaping — and the resulting shape (or the ``ValueError`` NumPy raises) is the truth. Parameter
counts are the total size of explicitly built weight arrays that a NumPy forward pass of the layer
actually uses. Only the problem data shown in the prompt is read from the instance (and the test
checks that it is shown); the template's own formulas are never reused.

For every instance the reference must equal the truth and every authored mistake must differ from
it: the second half proves that each mistake really is wrong mathematics, independently of the
answer checker that ``deck check`` exercises.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
import pytest
import sympy
from numpy.lib.stride_tricks import sliding_window_view

from mathdrill.answers.forms import ShapeValue
from mathdrill.decks.generate import Instance
from mathdrill.mathlang.values import Sequence
from tests.deck_content.deckkit import by_seed, cross_check_tests, deck_loader

SEEDS = tuple(range(0, 40 * 7919, 7919))  # 40 well-spread seeds per template

ERROR = "error"
"""The truth for an operation NumPy refuses (it raises ValueError)."""


_deck, _instances = deck_loader("shapes", SEEDS)


# ----------------------------------------------------------------------------- value conversion


def integer(inst: Instance, name: str) -> int:
    """An integer parameter or let value of the instance."""
    value = inst.values[name]
    assert isinstance(value, sympy.Integer), f"{name} is not an integer: {value!r}"
    return int(value)


def dims(inst: Instance, name: str) -> tuple[int, ...]:
    """A shape tuple stored as a Sequence, checked to appear in the prompt as written."""
    value = inst.values[name]
    assert isinstance(value, Sequence)
    shape = tuple(int(v) for v in value.items)
    assert "(" + ", ".join(map(str, shape)) + ")" in inst.prompt, f"{shape} not in the prompt"
    return shape


def shown(inst: Instance, *texts: str) -> None:
    """Each text appears in the prompt (the data the check uses is the data the learner sees)."""
    for text in texts:
        assert text in inst.prompt, f"{text!r} not in the prompt {inst.prompt!r}"


def as_truth(value: Any) -> Any:
    """A reference or mistake value in the form the checks return: a tuple, ERROR, bool or int."""
    if isinstance(value, ShapeValue):
        return ERROR if value.error else tuple(value.dims)
    if isinstance(value, bool):
        return value
    if isinstance(value, sympy.Integer):
        return int(value)
    raise TypeError(f"unexpected reference {value!r}")


def shape_or_error(operation: Callable[[], np.ndarray]) -> Any:
    """The shape of what ``operation`` returns, or ERROR when NumPy raises ValueError."""
    try:
        return tuple(operation().shape)
    except ValueError:
        return ERROR


# ----------------------------------------------------------------------------- per-template truths


def truth_column_minus_vector(inst: Instance) -> Any:
    """pred (n, 1) minus y (n,), evaluated."""
    n = integer(inst, "n")
    shown(inst, f"({n}, 1)", f"({n},)")
    pred, y = np.zeros((n, 1)), np.zeros(n)
    return shape_or_error(lambda: pred - y)


def truth_mixed_ranks(inst: Instance) -> Any:
    """A * B for the two displayed shapes."""
    a, b = np.zeros(dims(inst, "sa")), np.zeros(dims(inst, "sb"))
    truth = shape_or_error(lambda: a * b)
    assert truth == np.broadcast_shapes(a.shape, b.shape)
    return truth


def truth_compatible(inst: Instance) -> Any:
    """Whether np.broadcast_shapes accepts the two displayed shapes (and + agrees)."""
    sa, sb = dims(inst, "sa"), dims(inst, "sb")
    result = shape_or_error(lambda: np.zeros(sa) + np.zeros(sb))
    try:
        np.broadcast_shapes(sa, sb)
        works = True
    except ValueError:
        works = False
    assert works == (result != ERROR)
    return works


def truth_matmul_vector(inst: Instance) -> Any:
    """x @ W.T + b with x (k,), W (n, k), b (n,)."""
    k, n = integer(inst, "k"), integer(inst, "n")
    shown(inst, f"({k},)", f"({n}, {k})", f"({n},)")
    x, w, b = np.zeros(k), np.zeros((n, k)), np.zeros(n)
    return shape_or_error(lambda: x @ w.T + b)


def truth_batched_matmul(inst: Instance) -> Any:
    """np.matmul of the two displayed batch shapes."""
    b, c, m, k, n = (integer(inst, name) for name in ("b", "c", "m", "k", "n"))
    shown(inst, f"({b}, 1, {m}, {k})", f"({c}, {k}, {n})")
    return shape_or_error(lambda: np.matmul(np.zeros((b, 1, m, k)), np.zeros((c, k, n))))


def truth_einsum_attention(inst: Instance) -> Any:
    """np.einsum('bhtd,bhsd->bhts') on arrays of the displayed shapes."""
    bb, h, t, s, d = (integer(inst, name) for name in ("bb", "h", "t", "s", "d"))
    shown(inst, f"({bb}, {h}, {t}, {d})", f"({bb}, {h}, {s}, {d})", "'bhtd,bhsd->bhts'")
    q, k = np.zeros((bb, h, t, d)), np.zeros((bb, h, s, d))
    return shape_or_error(lambda: np.einsum("bhtd,bhsd->bhts", q, k))


def truth_einsum_quadratic(inst: Instance) -> Any:
    """np.einsum('bi,ij,bj->b') on X (B, n), M (n, n); equals diag(X M Xᵀ)."""
    bb, n = integer(inst, "bb"), integer(inst, "n")
    shown(inst, f"({bb}, {n})", f"({n}, {n})", "'bi,ij,bj->b'")
    rng = np.random.default_rng(inst.seed)
    x, m = rng.normal(size=(bb, n)), rng.normal(size=(n, n))
    out = np.einsum("bi,ij,bj->b", x, m, x)
    assert np.allclose(out, np.diag(x @ m @ x.T)), "einsum computes the quadratic forms"
    return tuple(out.shape)


def truth_split_heads(inst: Instance) -> Any:
    """x.view(B, T, H, -1).transpose(1, 2), as NumPy reshape + swapaxes."""
    bb, t, h, dm = (integer(inst, name) for name in ("bb", "t", "h", "dm"))
    shown(inst, f"({bb}, {t}, {dm})", f"view({bb}, {t}, {h}, -1).transpose(1, 2)")
    x = np.zeros((bb, t, dm))
    return shape_or_error(lambda: x.reshape(bb, t, h, -1).swapaxes(1, 2))


def truth_reshape_possible(inst: Instance) -> Any:
    """Whether NumPy's reshape(m, -1, k) of an (a, b, c) array succeeds."""
    a, b, c, m, k = (integer(inst, name) for name in ("a", "b", "c", "m", "k"))
    shown(inst, f"({a}, {b}, {c})", f"reshape({m}, -1, {k})")
    return shape_or_error(lambda: np.zeros((a, b, c)).reshape(m, -1, k)) != ERROR


def truth_permute(inst: Instance) -> Any:
    """np.transpose with the displayed axes."""
    axes = tuple(int(v) for v in inst.values["p"].items)
    shown(inst, "permute(" + ", ".join(map(str, axes)) + ")")
    x = np.zeros(dims(inst, "sx"))
    return shape_or_error(lambda: np.transpose(x, axes))


def conv2d(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, stride: int, pad: int) -> Any:
    """A direct NumPy Conv2d (N, C, H, W) → (N, F, H', W'), cross-correlation as in PyTorch."""
    padded = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    k = weight.shape[-1]
    windows = sliding_window_view(padded, (k, k), axis=(2, 3))[:, :, ::stride, ::stride]
    return np.einsum("nchwij,fcij->nfhw", windows, weight) + bias[None, :, None, None]


def truth_conv_output(inst: Instance) -> Any:
    """Run the displayed Conv2d on zeros and read the output shape."""
    nb, c, hh, ww = (integer(inst, name) for name in ("nb", "c", "hh", "ww"))
    f, k, s, pad = (integer(inst, name) for name in ("f", "k", "s", "pad"))
    shown(inst, f"({nb}, {c}, {hh}, {ww})")
    shown(inst, f"Conv2d({c}, {f}, kernel_size={k}, stride={s}, padding={pad})")
    out = conv2d(np.zeros((nb, c, hh, ww)), np.zeros((f, c, k, k)), np.zeros(f), s, pad)
    return tuple(out.shape)


def truth_pool_flatten(inst: Instance) -> Any:
    """Conv (3×3, padding 1), ReLU, 2×2 max pool and flatten in NumPy: the feature count."""
    nb, c, hh, ww, f = (integer(inst, name) for name in ("nb", "c", "hh", "ww", "f"))
    shown(inst, f"({nb}, {c}, {hh}, {ww})", f"Conv2d({c}, {f}, 3, padding=1)", "MaxPool2d(2)")
    rng = np.random.default_rng(inst.seed)
    x = rng.normal(size=(2, c, hh, ww))  # the batch size does not change the feature count
    h = np.maximum(conv2d(x, rng.normal(size=(f, c, 3, 3)), np.zeros(f), 1, 1), 0)
    n, ch, height, width = h.shape
    pooled = h[:, :, : height // 2 * 2, : width // 2 * 2]
    pooled = pooled.reshape(n, ch, height // 2, 2, width // 2, 2).max(axis=(3, 5))
    flat = pooled.reshape(n, -1)  # nn.Flatten: start_dim=1
    return int(flat.shape[1])


def truth_param_mlp(inst: Instance) -> Any:
    """Sizes of the weights and biases a NumPy forward pass of the MLP uses."""
    widths = [integer(inst, name) for name in ("d0", "d1", "d2", "d3")]
    shown(inst, *(f"Linear({i}, {o})" for i, o in itertools.pairwise(widths)))
    layers = [(np.ones((o, i)), np.ones(o)) for i, o in itertools.pairwise(widths)]
    h = np.ones((3, widths[0]))
    for index, (w, b) in enumerate(layers):
        h = h @ w.T + b
        if index < len(layers) - 1:
            h = np.maximum(h, 0)
    assert h.shape == (3, widths[-1])
    return sum(w.size + b.size for w, b in layers)


def truth_param_conv(inst: Instance) -> Any:
    """Sizes of the Conv2d weight and bias; the same arrays work for any image size."""
    cin, cout, k, hh = (integer(inst, name) for name in ("cin", "cout", "k", "hh"))
    shown(inst, f"Conv2d({cin}, {cout}, kernel_size={k})", f"{hh}×{hh}")
    weight, bias = np.ones((cout, cin, k, k)), np.ones(cout)
    # The same arrays serve any image size (two small ones keep the test fast; the displayed
    # size is only a distractor).
    for size in (k + 1, k + 4):
        out = conv2d(np.ones((1, cin, size, size)), weight, bias, 1, 0)
        assert out.shape == (1, cout, size - k + 1, size - k + 1)
    return weight.size + bias.size


def truth_param_attention(inst: Instance) -> Any:
    """Sizes of the arrays a NumPy multi-head attention forward pass needs."""
    dm, h = integer(inst, "dm"), integer(inst, "h")
    shown(inst, f"embed_dim={dm}, num_heads={h}")
    rng = np.random.default_rng(inst.seed)
    in_w, in_b = rng.normal(size=(3 * dm, dm)), rng.normal(size=3 * dm)  # Q, K, V stacked
    out_w, out_b = rng.normal(size=(dm, dm)), rng.normal(size=dm)
    x = rng.normal(size=(5, dm))  # 5 tokens
    q, k, v = np.split(x @ in_w.T + in_b, 3, axis=-1)
    heads = [a.reshape(5, h, dm // h).swapaxes(0, 1) for a in (q, k, v)]  # (h, 5, dm/h) each
    scores = heads[0] @ heads[1].swapaxes(-1, -2) / np.sqrt(dm // h)
    weights = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights /= weights.sum(axis=-1, keepdims=True)
    out = (weights @ heads[2]).swapaxes(0, 1).reshape(5, dm) @ out_w.T + out_b
    assert out.shape == (5, dm)
    return in_w.size + in_b.size + out_w.size + out_b.size


TRUTHS: dict[str, Callable[[Instance], Any]] = {
    "broadcast-column-minus-vector": truth_column_minus_vector,
    "broadcast-mixed-ranks": truth_mixed_ranks,
    "broadcast-compatible": truth_compatible,
    "matmul-with-vector": truth_matmul_vector,
    "batched-matmul": truth_batched_matmul,
    "einsum-attention-scores": truth_einsum_attention,
    "einsum-quadratic-forms": truth_einsum_quadratic,
    "split-heads": truth_split_heads,
    "reshape-possible": truth_reshape_possible,
    "permute-axes": truth_permute,
    "conv-output-shape": truth_conv_output,
    "conv-pool-flatten-features": truth_pool_flatten,
    "param-count-mlp": truth_param_mlp,
    "param-count-conv": truth_param_conv,
    "param-count-attention": truth_param_attention,
}


_truth = by_seed(lambda inst: TRUTHS[inst.template](inst))


def check_reference(inst: Instance) -> None:
    """The reference equals NumPy's answer."""
    truth = _truth(inst)
    reference = as_truth(inst.spec.expected)
    assert reference == truth, f"reference {reference} but NumPy gives {truth}"


def test_there_are_at_least_ten_templates() -> None:
    assert len(TRUTHS) >= 10


_shared = cross_check_tests(_deck, _instances, dict.fromkeys(TRUTHS, check_reference))
test_every_template_is_cross_checked = _shared.every_template_is_cross_checked
test_reference_agrees_with_numpy = _shared.reference_agrees
test_every_mistake_is_wrong = _shared.every_mistake_is_wrong


@pytest.mark.parametrize("template_id", ["broadcast-compatible", "reshape-possible"])
def test_yes_no_templates_ask_both_ways(template_id: str) -> None:
    """A yes/no template whose answer never changes would drill nothing."""
    answers = [as_truth(inst.spec.expected) for inst in _instances(template_id)]
    assert 0.2 <= sum(answers) / len(answers) <= 0.8, f"yes in {sum(answers)} of {len(answers)}"


def test_checks_can_fail() -> None:
    """A wrong reference is rejected: a perturbed shape, a wrong error and a wrong count."""
    inst = _instances("batched-matmul")[0]
    wrong = ShapeValue((*inst.spec.expected.dims[:-1], inst.spec.expected.dims[-1] + 1))
    with pytest.raises(AssertionError):
        check_reference(replace(inst, spec=replace(inst.spec, expected=wrong)))
    inst = _instances("broadcast-mixed-ranks")[0]
    with pytest.raises(AssertionError):
        check_reference(replace(inst, spec=replace(inst.spec, expected=ShapeValue(None, True))))
    inst = _instances("param-count-attention")[0]
    off_by_one = sympy.Integer(int(inst.spec.expected) + 1)
    with pytest.raises(AssertionError):
        check_reference(replace(inst, spec=replace(inst.spec, expected=off_by_one)))
    for inst in _instances("reshape-possible")[:3]:
        flipped = not inst.spec.expected
        with pytest.raises(AssertionError):
            check_reference(replace(inst, spec=replace(inst.spec, expected=flipped)))
