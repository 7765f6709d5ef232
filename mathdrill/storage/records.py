"""Plain frozen dataclasses that cross the storage boundary.

SQLAlchemy rows never leave :mod:`mathdrill.storage`; callers get and give these instead. This
module imports nothing heavy so other layers can build a :class:`ReviewRecord` cheaply.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any, Protocol, runtime_checkable

#: The E-Factor a new card starts with, in hundredths (SM-2: 2.5).
INITIAL_EASINESS_X100 = 250

#: Review kinds, in the order of DESIGN.md (learn a new card, review a due one, a same-session
#: repeat that does not move the schedule, cramming outside the schedule).
REVIEW_KINDS = ("learn", "review", "repeat", "cram")

_MAX_SEED = 2**63 - 1


def _require_aware(name: str, value: object, *, optional: bool = False) -> None:
    if value is None and optional:
        return
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got {value!r}")


def easiness_to_x100(value: float | int | Decimal | Fraction) -> int:
    """Convert an E-Factor to its exact stored form, a whole number of hundredths.

    Args:
        value: The E-Factor as a number (``2.36``, ``Decimal("2.36")``, ``Fraction(59, 25)``).

    Returns:
        The E-Factor times 100 as an int (``236``).

    Raises:
        ValueError: If ``value`` is not a finite multiple of 0.01 (floats within 1e-6 of one are
            accepted, since ``2.36`` is not exactly representable in binary).
    """
    if isinstance(value, bool):
        raise ValueError(f"an easiness factor must be a number, got {value!r}")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"an easiness factor must be finite, got {value!r}")
        scaled = value * 100
        whole = round(scaled)
        if abs(scaled - whole) > 1e-6:
            raise ValueError(f"an easiness factor moves in steps of 0.01, got {value!r}")
        return whole
    if isinstance(value, int | Decimal | Fraction):
        scaled_exact = Fraction(value) * 100
        if scaled_exact.denominator != 1:
            raise ValueError(f"an easiness factor moves in steps of 0.01, got {value!r}")
        return int(scaled_exact)
    raise ValueError(f"an easiness factor must be a number, got {value!r}")


@dataclass(frozen=True)
class Card:
    """One skill (a deck's template) and its current SM-2 state.

    Attributes:
        id: Database id; reviews refer to it.
        deck: Deck id.
        template: Template id within the deck.
        repetitions: Successful reviews in a row (SM-2 ``n``).
        easiness: The E-Factor, a float with exactly two decimals (stored as hundredths).
        interval: Current interval in days (0 for a new card).
        due: When the card is next due (aware, UTC); None for a card never reviewed.
        lapses: How often the card was forgotten after having been learned.
        suspended: True when the learner took it out of the queue.
        leech: True when the scheduler flagged it as repeatedly forgotten.
        created: When the card was first seen by this database (aware, UTC).
        last_review: When a review last moved its schedule (``learn``/``review``; repeats and
            cramming do not count), or None.
    """

    id: int
    deck: str
    template: str
    repetitions: int
    easiness: float
    interval: int
    due: datetime | None
    lapses: int
    suspended: bool
    leech: bool
    created: datetime
    last_review: datetime | None

    @property
    def easiness_x100(self) -> int:
        """Return the E-Factor exactly, in hundredths (``2.36`` → ``236``)."""
        return round(self.easiness * 100)

    @property
    def is_new(self) -> bool:
        """Return True for a card that has never been scheduled (``due`` is None)."""
        return self.due is None

    @property
    def key(self) -> tuple[str, str]:
        """Return the card's identity, ``(deck, template)``."""
        return (self.deck, self.template)


def card_from_row(row: Sequence[Any], when: Callable[[Any], Any] = lambda value: value) -> Card:
    """Build a :class:`Card` from a ``cards`` row as stored (easiness ×100, flags 0/1).

    Both readers of the table use it: :class:`~mathdrill.storage.Database` and the quick
    stdlib read in :mod:`mathdrill.storage.snapshot`, so the two convert alike.

    Args:
        row: ``id, deck, template, repetitions, easiness_x100, interval_days, due, lapses,
            suspended, leech, created, last_review``, in that order.
        when: Converts a stored time (``due``, ``created``, ``last_review``) into an aware
            datetime; the default keeps it (SQLAlchemy has converted it already).

    Returns:
        The card.
    """
    (id_, deck, template, reps, ef, interval, due, lapses, suspended, leech, created, last) = row
    return Card(
        id_,
        deck,
        template,
        reps,
        ef / 100,
        interval,
        when(due),
        lapses,
        bool(suspended),
        bool(leech),
        when(created),
        when(last),
    )


@runtime_checkable
class CardStateLike(Protocol):
    """What :meth:`Database.record_review` needs to know about a card's new schedule.

    Any object with these attributes will do (for example :class:`CardState`). It may also have
    ``easiness_x100`` or ``easiness_hundredths`` (int, preferred over ``easiness`` when present),
    ``leech`` and ``suspended`` (bool, left unchanged when missing or None).
    """

    repetitions: int
    easiness: float
    interval: int
    due: datetime | None
    lapses: int


@dataclass(frozen=True)
class CardState:
    """A card's schedule after a review, as the scheduler decided it.

    Attributes:
        repetitions: SM-2 ``n`` after the review.
        easiness: E-Factor after the review (a multiple of 0.01).
        interval: Interval in days after the review.
        due: When the card is next due (aware).
        lapses: Lapse count after the review.
        leech: New leech flag, or None to leave it unchanged.
        suspended: New suspended flag, or None to leave it unchanged.
    """

    repetitions: int
    easiness: float
    interval: int
    due: datetime | None
    lapses: int
    leech: bool | None = None
    suspended: bool | None = None

    def __post_init__(self) -> None:
        easiness_to_x100(self.easiness)
        _require_aware("due", self.due, optional=True)
        if self.repetitions < 0 or self.interval < 0 or self.lapses < 0:
            raise ValueError("repetitions, interval and lapses cannot be negative")


@dataclass(frozen=True)
class ReviewRecord:
    """One answered problem, as the drill hands it to storage to be logged.

    The E-Factor and interval *before* the review are read from the card inside the same
    transaction, so they cannot disagree with the stored state.

    Attributes:
        card_id: The reviewed card's id.
        reviewed_at: When the verdict was given (aware).
        kind: One of ``learn``, ``review``, ``repeat``, ``cram``.
        seed: The instance seed (0 ≤ seed < 2**63), so the problem can be regenerated.
        fingerprint: Fingerprint of the template text, to notice edited templates.
        answer: The learner's raw answer exactly as typed.
        status: The verdict status (e.g. ``correct``, ``wrong``, ``unreadable``, ``undecided``).
        correct: Whether the answer was judged correct.
        quality: SM-2 quality 0–5, or None when the review was not graded.
        read_as: How the answer was read (plain text rendering), or None.
        mistake: Name of the recognised mistake, or None.
        hints: Hints shown before answering.
        seconds: Time taken to answer, or None.
        session_id: Identifier of the drill session, or None.
    """

    card_id: int
    reviewed_at: datetime
    kind: str
    seed: int
    fingerprint: str
    answer: str
    status: str
    correct: bool
    quality: int | None
    read_as: str | None = None
    mistake: str | None = None
    hints: int = 0
    seconds: float | None = None
    session_id: str | None = None

    def __post_init__(self) -> None:
        _require_aware("reviewed_at", self.reviewed_at)
        if self.kind not in REVIEW_KINDS:
            raise ValueError(f"kind must be one of {', '.join(REVIEW_KINDS)}, got {self.kind!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int):
            raise ValueError(f"seed must be an int, got {self.seed!r}")
        if not 0 <= self.seed <= _MAX_SEED:
            raise ValueError(f"seed must be in [0, 2**63), got {self.seed}")
        if self.quality is not None and not 0 <= self.quality <= 5:
            raise ValueError(f"quality must be 0–5 or None, got {self.quality!r}")
        if self.hints < 0:
            raise ValueError(f"hints cannot be negative, got {self.hints}")
        if self.seconds is not None and not (math.isfinite(self.seconds) and self.seconds >= 0):
            raise ValueError(f"seconds must be a finite non-negative number, got {self.seconds}")


@dataclass(frozen=True)
class Review:
    """One logged review, as read back from the database.

    Attributes:
        id: Database id (increasing in insertion order).
        card_id: The reviewed card's id.
        deck: The card's deck id.
        template: The card's template id.
        reviewed_at: When it happened (aware, UTC).
        kind: ``learn``, ``review``, ``repeat`` or ``cram``.
        seed: The instance seed.
        fingerprint: Fingerprint of the template at the time.
        answer: The raw answer.
        read_as: How the answer was read, or None.
        status: The verdict status.
        correct: Whether it was judged correct.
        mistake: The recognised mistake, or None.
        hints: Hints used.
        seconds: Time taken, or None.
        quality: SM-2 quality, or None.
        easiness_before: E-Factor before (two decimals).
        easiness_after: E-Factor after (two decimals; equal to before when the schedule did not
            move).
        interval_before: Interval in days before.
        interval_after: Interval in days after.
        session_id: The drill session, or None.
    """

    id: int
    card_id: int
    deck: str
    template: str
    reviewed_at: datetime
    kind: str
    seed: int
    fingerprint: str
    answer: str
    read_as: str | None
    status: str
    correct: bool
    mistake: str | None
    hints: int
    seconds: float | None
    quality: int | None
    easiness_before: float
    easiness_after: float
    interval_before: int
    interval_after: int
    session_id: str | None


@dataclass(frozen=True)
class DeckCounts:
    """One deck's cards counted by state (see ``Database.due_by_deck``).

    Attributes:
        total: All cards of the deck.
        due_now: Unsuspended cards due at the given time (overdue included).
        new: Unsuspended cards never reviewed.
        suspended: Suspended cards.
        due_before: For each edge, unsuspended cards due before it.
    """

    total: int
    due_now: int
    new: int
    suspended: int
    due_before: tuple[int, ...]
