"""How making an instance fails: :class:`GenerationError` and the test for undefined values.

Its own module so that generation (:mod:`mathdrill.decks.generate`) and the answer builder
(:mod:`mathdrill.decks.answering`), which both raise these, can import it without importing
each other.
"""

from __future__ import annotations

import math
from typing import Any

import sympy

from mathdrill.decks.model import Problem
from mathdrill.errors import DeckError
from mathdrill.mathlang.values import Sequence, SetLiteral


class GenerationError(DeckError):
    """A template could not produce an instance for a seed.

    Args:
        problem: Where and what: the template's file, the expression's line and a message.
        seed: The seed that failed.
        stage: ``"syntax"`` (an expression cannot be read or names something unknown — the same
            for every seed), ``"sampler"`` (bad sampler arguments), ``"where"`` (constraints
            never held), ``"degenerate"`` (an undefined or ill-shaped value), ``"render"`` or
            ``"timeout"`` (the CPU-time budget ran out).
    """

    def __init__(self, problem: Problem, seed: int, stage: str) -> None:
        super().__init__(f"{problem} (seed {seed})")
        self.problem = problem
        self.seed = seed
        self.stage = stage


def undefined(value: Any) -> bool:
    """Tell whether a value is or contains zoo, nan or an infinity.

    Args:
        value: A deck value: a sympy object, matrix, list or set, a float, or anything else.

    Returns:
        True when some part of it is undefined.
    """
    if isinstance(value, sympy.MatrixBase):
        return any(undefined(v) for v in value)
    if isinstance(value, Sequence | SetLiteral):
        return any(undefined(v) for v in value.items)
    if isinstance(value, sympy.Basic):
        return bool(value.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo))
    if isinstance(value, float):
        return not math.isfinite(value)
    return False
