"""The words mathdrill's layers share: review kinds, answer kinds, seeds and ids.

Each item is defined here once and imported wherever it is checked or written (the deck
format, the answer registry, storage, import files, the drill). A leaf module like
:mod:`mathdrill.errors`: it imports nothing, so every layer may use it.
"""

from __future__ import annotations

import re
from typing import Literal

ReviewKind = Literal["learn", "review", "repeat", "cram"]
"""What a review was: ``learn`` (a new card's first showing), ``review`` (a due card),
``repeat`` (a same-session retry after a grade below 4, SM-2 step 7) or ``cram`` (practice
outside the schedule)."""

REVIEW_KINDS: tuple[ReviewKind, ...] = ("learn", "review", "repeat", "cram")
"""Every review kind, in the order the docs list them."""

FIRST_KINDS: frozenset[str] = frozenset({"learn", "review", "cram"})
"""Kinds of a card's first showing in a session (a ``repeat`` comes after one of these)."""

SCHEDULING_KINDS: frozenset[str] = frozenset({"learn", "review"})
"""Kinds whose grade moves the SM-2 schedule; repeats and cramming never do."""

ANSWER_KINDS: tuple[str, ...] = (
    "number",
    "expression",
    "vector",
    "matrix",
    "set",
    "multiset",
    "direction",
    "eigenpairs",
    "choice",
    "boolean",
    "shape",
    "interval",
)
"""The answer kinds a deck may name; the registry in :mod:`mathdrill.answers` has one per name."""

MAX_SEED = 2**63 - 1
"""Instance seeds run from 0 to this (they are stored as a signed 64-bit integer)."""

ID_RE = re.compile(r"[a-z0-9-]+")
"""Deck, template and mistake ids: lower-case letters, digits and hyphens."""

MAX_ID_LENGTH = 200
"""The longest id (deck, template, mistake, tag): the database columns hold 200 characters."""


def default_mistake_id(index: int) -> str:
    """The id of the ``index``-th (0-based) authored mistake of a template that names none.

    Args:
        index: The mistake's position in the template's list.

    Returns:
        ``mistake-1`` for the first, and so on.
    """
    return f"mistake-{index + 1}"
