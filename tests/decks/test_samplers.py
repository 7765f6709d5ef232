"""Parameter samplers: ranges, structure guarantees, determinism, argument errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from mathdrill.decks import samplers
from mathdrill.decks.samplers import FLAGS, SAMPLERS, SamplerError

NONZERO = FLAGS["nonzero"]
seeds = st.integers(min_value=0, max_value=2**63 - 1)


def rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


@settings(max_examples=60, deadline=None)
@given(seeds)
def test_integer_respects_range_nonzero_and_exclude(seed):
    value = samplers.integer(rng(seed), -3, 3, NONZERO, exclude=[2])
    assert isinstance(value, sympy.Integer)
    assert -3 <= value <= 3
    assert value not in (0, 2)


def test_integer_covers_every_allowed_value():
    generator = rng(1)
    drawn = {int(samplers.integer(generator, -2, 2, exclude=[0])) for _ in range(200)}
    assert drawn == {-2, -1, 1, 2}


@settings(max_examples=40, deadline=None)
@given(seeds)
def test_scalar_samplers(seed):
    r = rng(seed)
    q = samplers.rational(r, -2, 2, FLAGS["noninteger"], den=5)
    assert -2 <= q <= 2
    assert not q.is_integer
    assert q.q <= 5
    p = samplers.probability(r)
    assert 0 < p < 1
    assert p.q in (2, 3, 4, 5, 6, 8, 10)
    d = samplers.decimal(r, 0.1, 0.9, 2)
    assert 0.1 <= float(d) <= 0.9
    assert round(float(d) * 100) == pytest.approx(float(d) * 100)
    assert samplers.sign(r) in (-1, 1)
    assert samplers.choice(r, 2, 3, 5) in (2, 3, 5)
    perm = samplers.permutation(r, 5)
    assert sorted(int(v) for v in perm.items) == [0, 1, 2, 3, 4]


@settings(max_examples=25, deadline=None)
@given(seeds)
def test_structured_matrices(seed):
    r = rng(seed)
    v = samplers.vector(r, 3, -1, 1, NONZERO)
    assert v.shape == (3, 1)
    assert any(v)
    s = samplers.symmetric(r, 3)
    assert s == s.T
    a = samplers.invertible(r, 3, -2, 2)
    assert a.det() != 0
    u = samplers.unimodular(r, 3)
    assert u.det() == 1
    assert all(e.is_integer for e in u.inv())
    q = samplers.orthogonal(r, 3)
    assert q.T * q == sympy.eye(3)
    pd = samplers.positive_definite(r, 3)
    assert pd == pd.T
    assert all(m > 0 for m in (pd[:k, :k].det() for k in (1, 2, 3)))
    d = samplers.diagonalizable(r, eigenvalues=[2, 2, -1])
    assert all(e.is_integer for e in d)
    assert d.eigenvals() == {2: 2, -1: 1}
    assert d.is_diagonalizable()
    assert not d.is_upper
    assert not d.is_lower
    k = samplers.rank_k(r, 3, 4, 2)
    assert k.shape == (3, 4)
    assert k.rank() == 2
    t = samplers.stochastic(r, 3, FLAGS["positive"], den=6)
    assert all(sum(t.row(i)) == 1 for i in range(3))
    assert all(e > 0 for e in t)
    c = samplers.stochastic(r, 3, FLAGS["column"])
    assert all(sum(c.col(j)) == 1 for j in range(3))


def test_same_seed_same_draws_different_seeds_differ():
    def draw(seed):
        r = rng(seed)
        return [samplers.integer(r, 0, 10**9) for _ in range(5)] + [samplers.orthogonal(r, 3)]

    assert draw(7) == draw(7)
    assert draw(7) != draw(8)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda r: samplers.integer(r, 5, 1), "lo 5 is greater than hi 1"),
        (lambda r: samplers.integer(r, 0, 0, NONZERO), "excludes every value"),
        (lambda r: samplers.integer(r, 1), "needs two bounds"),
        (lambda r: samplers.integer(r, 1, 2, FLAGS["column"]), "does not take 'column'"),
        (lambda r: samplers.integer(r, sympy.Rational(1, 2), 2), "lo must be an integer"),
        (lambda r: samplers.vector(r, 99), "n must be between 1 and 8"),
        (lambda r: samplers.rank_k(r, 2, 2, 3), "k must be between 0 and 2"),
        (lambda r: samplers.choice(r), "at least one option"),
        (lambda r: samplers.sign(r, 1), "at most 0"),
        (lambda r: samplers.stochastic(r, 5, FLAGS["positive"], den=3), "den ≥ n"),
        (lambda r: samplers.integer(r, 1, 2, step=3), "has no option step="),
    ],
)
def test_bad_arguments_raise_sampler_error(call, message):
    with pytest.raises(SamplerError, match=message):
        call(rng(0))


def test_vocabulary_is_documented():
    text = (Path(__file__).resolve().parents[2] / "docs" / "decks.md").read_text(encoding="utf-8")
    for name, sampler in SAMPLERS.items():
        assert sampler.summary
        assert sampler.signature.startswith(name + "(")
        assert f"`{name}(" in text, f"docs/decks.md does not document {name}"


@pytest.mark.parametrize("spelling", ["true", "True"])
def test_keyword_booleans_in_yaml_spelling_as_documented(spelling):
    from mathdrill.decks.generate import generate
    from mathdrill.decks.loader import load_deck

    text = (
        "deck: t\ntitle: T\ntemplates:\n  - id: q\n    title: Q\n    params:\n"
        f"      R: orthogonal(3, integer={spelling})\n"
        "    prompt: '{R}'\n    answer: {kind: matrix, value: transpose(R)*R}\n"
    )
    template = load_deck(text, "t.yaml").template("q")
    values = generate(template, 5).values
    assert set(values["R"]) <= {-1, 0, 1}  # signed permutation: integer entries only
    assert values["R"].T * values["R"] == sympy.eye(3)


def test_rank_k_counts_rank_exactly_as_sympy_does():
    # rank_k redraws until the product has rank k; its own elimination must agree with sympy.
    generator = rng(11)
    for _ in range(400):
        m, n = (int(v) for v in generator.integers(1, 6, size=2))
        rows = [[int(v) for v in generator.integers(-2, 3, size=n)] for _ in range(m)]
        if generator.integers(0, 2):  # a product of thin factors: rank-deficient on purpose
            k = int(generator.integers(1, min(m, n) + 1))
            left = generator.integers(-2, 3, size=(m, k))
            right = generator.integers(-2, 3, size=(k, n))
            rows = [[int(v) for v in row] for row in left @ right]
        assert samplers._integer_rank(rows) == sympy.Matrix(rows).rank()
