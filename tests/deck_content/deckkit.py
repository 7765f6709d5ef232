"""The harness of the deck cross-check tests (``test_<deck>_crosscheck.py``).

Each of those files holds only its deck's independent computations; this module loads the
built-in deck, generates its instances over fixed seeds, splits them into the fast loop's first
seeds and the rest (:func:`by_part`), makes the tests every deck shares
(:func:`cross_check_tests`), and turns sympy values into floats, Fractions and numpy arrays so
an answer can be recomputed independently with numpy, ``fractions`` or ``math``. The
cross-checks take only the problem data from an instance, never the template's formulas.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from collections.abc import Sequence as Seeds
from dataclasses import dataclass, replace
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


Check = Callable[[Instance], object]


def by_seed(compute: Callable[[Instance], Any]) -> Callable[[Instance], Any]:
    """Remember ``compute(instance)`` per template and seed (the reference and the mistake tests
    both need an instance's independent answer)."""
    memo: dict[tuple[str, int], Any] = {}

    def cached(inst: Instance) -> Any:
        key = (inst.template, inst.seed)
        if key not in memo:
            memo[key] = compute(inst)
        return memo[key]

    return cached


@dataclass(frozen=True)
class CrossCheckTests:
    """The tests every deck's cross-check file runs (bind them to module-level ``test_`` names)."""

    every_template_is_cross_checked: Callable[[], None]
    reference_agrees: Callable[[str, str], None]
    every_mistake_is_wrong: Callable[[str, str], None]


def cross_check_tests(
    deck: Callable[[], Deck],
    instances: Callable[..., tuple[Instance, ...]],
    checks: Mapping[str, Check],
    *,
    accepts: Callable[[Instance, Any], object] | None = None,
    min_mistakes: int = 1,
    mistakes_of: Any = None,
) -> CrossCheckTests:
    """Make the shared tests of a deck from its independent checks.

    Args:
        deck: The deck loader (from :func:`deck_loader`).
        instances: The instances loader (from :func:`deck_loader`).
        checks: For every template of the deck, a function that raises AssertionError when an
            instance's reference answer disagrees with the independent computation.
        accepts: ``accepts(instance, value)`` raises AssertionError unless ``value`` is a right
            answer of the instance (a mistake passes when it does not raise). By default: the
            template's check on the instance with ``value`` in place of its reference.
        min_mistakes: How many authored mistakes every instance must have.
        mistakes_of: The templates whose mistakes the check can tell apart (default: all).

    Returns:
        The tests: every template has a check; every reference passes it; every mistake fails.
    """

    def every_template_is_cross_checked() -> None:
        """A new template must come with an independent cross-check (or this test names it)."""
        assert {t.id for t in deck().templates} == set(checks)

    @pytest.mark.parametrize(("template_id", "part"), by_part(checks))
    def reference_agrees(template_id: str, part: str) -> None:
        """The reference of every sampled instance agrees with the independent computation."""
        for inst in instances(template_id, part):
            try:
                checks[template_id](inst)
            except AssertionError as error:
                raise AssertionError(f"{template_id} seed {inst.seed}: {error}") from None

    def as_reference(inst: Instance, value: Any) -> None:
        checks[inst.template](replace(inst, spec=replace(inst.spec, expected=value)))

    right = accepts or as_reference

    @pytest.mark.parametrize(
        ("template_id", "part"), by_part(checks if mistakes_of is None else mistakes_of)
    )
    def every_mistake_is_wrong(template_id: str, part: str) -> None:
        """Every authored mistake, in place of the reference, fails the check on every seed."""
        for inst in instances(template_id, part):
            where = f"{template_id} seed {inst.seed}"
            assert len(inst.spec.mistakes) >= min_mistakes, f"{where}: too few mistakes"
            for mistake in inst.spec.mistakes:
                try:
                    right(inst, mistake.value)
                except AssertionError:
                    continue
                raise AssertionError(f"{where}: mistake {mistake.name} passes the check")

    return CrossCheckTests(
        every_template_is_cross_checked, reference_agrees, every_mistake_is_wrong
    )


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
