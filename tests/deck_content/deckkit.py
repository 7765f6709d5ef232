"""Shared helpers of the deck cross-check tests: loading a built-in deck, generating its
instances over fixed seeds, and turning sympy values into floats, Fractions and numpy arrays.

The cross-checks take only the problem data from an instance; these helpers convert that data
so the answer can be recomputed independently with numpy, ``fractions`` or ``math``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from collections.abc import Sequence as Seeds
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sympy

from mathdrill.decks.generate import Instance, generate
from mathdrill.decks.loader import load_deck_file
from mathdrill.decks.model import Deck
from mathdrill.mathlang.values import Sequence, SetLiteral

DECKS = Path(__file__).resolve().parents[2] / "decks"


#: How many seeds of each template the fast loop (``pytest -m "not slow"``) checks; the full
#: suite checks the rest too (the ``rest`` parameters are marked slow).
FAST_SEEDS = 4


def share(items: Seeds[Any], part: str) -> tuple[Any, ...]:
    """The ``first`` FAST_SEEDS items, the ``rest``, or ``all`` of them."""
    if part == "first":
        return tuple(items[:FAST_SEEDS])
    if part == "rest":
        return tuple(items[FAST_SEEDS:])
    assert part == "all", part
    return tuple(items)


def by_part(template_ids: Any) -> list[Any]:
    """``(template_id, part)`` parameters: every template on its first seeds, then (slow) the rest.

    Args:
        template_ids: The templates (any iterable of ids, e.g. a dict of checks).

    Returns:
        The parameters for ``pytest.mark.parametrize(("template_id", "part"), ...)``.
    """
    return [
        param
        for template_id in sorted(template_ids)
        for param in (
            pytest.param(template_id, "first", id=f"{template_id}-first"),
            pytest.param(template_id, "rest", id=f"{template_id}-rest", marks=pytest.mark.slow),
        )
    ]


def deck_loader(
    deck_id: str, seeds: Seeds[int]
) -> tuple[Callable[[], Deck], Callable[..., tuple[Instance, ...]]]:
    """Return cached ``deck()`` and ``instances(template_id, part="all")`` for a built-in deck.

    Args:
        deck_id: The deck (its file is ``decks/<deck_id>.yaml``).
        seeds: The seeds every template is generated with.

    Returns:
        ``(deck, instances)``: the loaded deck, and a template's instances over ``seeds`` (or
        over their :func:`share` ``part``).
    """

    @functools.cache
    def deck() -> Deck:
        return load_deck_file(DECKS / f"{deck_id}.yaml")

    @functools.cache
    def instances(template_id: str, part: str = "all") -> tuple[Instance, ...]:
        template = deck().template(template_id)
        assert template is not None, f"{deck_id} deck has no template {template_id}"
        return tuple(generate(template, seed) for seed in share(seeds, part))

    return deck, instances


def num(value: Any) -> float:
    """A sympy scalar as a float (evaluated at 30 digits first)."""
    return float(sympy.N(value, 30))


def frac(value: Any) -> Fraction:
    """An exact sympy rational (or integer) as a Fraction."""
    assert isinstance(value, sympy.Rational), f"expected an exact rational, got {value!r}"
    return Fraction(int(value.p), int(value.q))


def vec(value: Any) -> np.ndarray:
    """A Sequence, a set literal or a column/row matrix as a float vector."""
    if isinstance(value, Sequence | SetLiteral):
        return np.array([num(v) for v in value.items])
    if isinstance(value, sympy.MatrixBase):
        return np.array([num(v) for v in value], dtype=float)
    raise TypeError(f"not a vector: {value!r}")


def mat(value: Any) -> np.ndarray:
    """A sympy matrix (or a Sequence of row Sequences) as a float array."""
    if isinstance(value, Sequence):
        return np.array([[num(v) for v in row.items] for row in value.items])
    return np.array([[num(v) for v in row] for row in value.tolist()], dtype=float)
