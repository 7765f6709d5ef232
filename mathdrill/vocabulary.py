"""The words mathdrill's layers share: review kinds, answer kinds, seeds and ids.

Each item is defined here once and imported wherever it is checked or written (the deck
format, the answer registry, storage, import files, the drill). A leaf module like
:mod:`mathdrill.errors`: it imports nothing, so every layer may use it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
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

FIRST_YEAR = 1900
"""The earliest year a stored timestamp may have (imports refuse earlier ones; ``doctor`` flags
them): day arithmetic near year 1 overflows Python's calendar."""

LAST_YEAR = 2999
"""The latest year a stored timestamp may have: far from year 9999, so adding an interval or a
few weeks of statistics to any stored time stays inside the calendar."""

MAX_INTERVAL_DAYS = 36_500
"""The longest SM-2 interval a card may hold, in days (100 years): SM-2 never schedules further
out, so every due date stays inside the calendar."""

EARLIEST_NOW = datetime(1970, 1, 1, tzinfo=UTC)
"""The earliest clock (``--now``) mathdrill runs at."""

LATEST_NOW = datetime(2900, 1, 1, tzinfo=UTC)
"""The latest clock mathdrill runs at: a review then, scheduled the longest interval out, still
falls within :data:`LAST_YEAR`, so everything the drill stores can be exported and imported."""

MAX_EASINESS_X100 = 10_000
"""The largest E-Factor a card may hold, in hundredths (100.00: SM-2 adds 0.10 per perfect
answer, so about a thousand perfect answers in a row)."""

DEFAULT_LEARNER = "default"
"""The learner a database serves when `--learner`/`MATHDRILL_LEARNER` names none."""

LEARNER_RE = re.compile(r"[a-z][a-z0-9_]{0,62}")
"""Learner names: a lower-case letter, then up to 62 lower-case letters, digits or underscores
(so every name is also a plain PostgreSQL role name, for row-level security)."""

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
