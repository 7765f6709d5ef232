"""The records that cross the storage boundary: one card record and one review record.

SQLAlchemy rows never leave :mod:`mathdrill.storage`; callers get and give these instead. The
same :class:`Review` is written by the drill, read back as history, streamed by exports (as a
tuple in field order) and parsed from import files; :class:`Card` likewise. Each field's
metadata says what an import file may hold there (:func:`check_field`), and the fields in order
are the export's columns (:func:`columns`), so a new column of the review log touches only the
schema, a migration, this record and the docs. This module imports nothing heavy, so other
layers can build records cheaply.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import Field, dataclass, field, fields
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from mathdrill.vocabulary import (
    FIRST_YEAR,
    LAST_YEAR,
    MAX_EASINESS_X100,
    MAX_ID_LENGTH,
    MAX_INTERVAL_DAYS,
    MAX_SEED,
    REVIEW_KINDS,
)

#: The E-Factor a new card starts with, in hundredths (SM-2: 2.5).
INITIAL_EASINESS_X100 = 250

#: The largest count, interval or E-Factor an import may hold (a 32-bit signed integer).
MAX_WHOLE = 2**31 - 1

#: The longest free text (an answer, how it was read) an import may hold, in characters.
MAX_TEXT = 1_000_000

#: The range of a stored timestamp: FIRST_YEAR-01-01 (included) to LAST_YEAR + 1 (excluded).
EARLIEST = datetime(FIRST_YEAR, 1, 1, tzinfo=UTC)
LATEST = datetime(LAST_YEAR + 1, 1, 1, tzinfo=UTC)

# A lone surrogate (an undecodable byte read from a terminal, or "\ud800" in a JSON file) cannot
# be stored as UTF-8.
_SURROGATE = re.compile("[\ud800-\udfff]")


# What an import file may hold in a field (see check_field), kept in the field's metadata.


def _text(limit: int, *, empty: bool = False, null: bool = False) -> dict[str, Any]:
    return {"check": "text", "limit": limit, "empty": empty, "null": null}


def _whole(low: int = 0, high: int = MAX_WHOLE, *, null: bool = False) -> dict[str, Any]:
    return {"check": "whole", "low": low, "high": high, "null": null}


_TIME = {"check": "time", "null": False}
_TIME_OR_NULL = {"check": "time", "null": True}
_FLAG = {"check": "flag", "null": False}
# A database id: not exported (it differs between databases), never read from a file.
_STORED = {"check": None}


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


@dataclass(frozen=True, slots=True)
class Learner:
    """A learner whose progress the database holds: a row of ``learners``.

    Attributes:
        id: Row id (cards and reviews refer to it).
        name: The ``--learner``/``MATHDRILL_LEARNER`` name (``default`` when none is given).
        created: When the learner was added (aware, UTC).
    """

    id: int
    name: str
    created: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class Card:
    """One skill (a deck's template) and its current SM-2 state: a row of ``cards``.

    Attributes:
        deck: Deck id.
        template: Template id within the deck.
        repetitions: Successful reviews in a row (SM-2 ``n``).
        easiness_x100: The E-Factor in hundredths (``236`` is 2.36).
        interval_days: Current interval in days (0 for a new card).
        due: When the card is next due (aware, UTC); None for a card never reviewed.
        lapses: How often the card was forgotten after having been learned.
        suspended: True when the learner took it out of the queue.
        leech: True when the scheduler flagged it as repeatedly forgotten.
        created: When the card was first seen by this database (aware, UTC).
        last_review: When a review last moved its schedule (``learn``/``review``; repeats and
            cramming do not count), or None.
        id: Database id (reviews refer to it); 0 for a card read from an import file.
    """

    deck: str = field(metadata=_text(MAX_ID_LENGTH))
    template: str = field(metadata=_text(MAX_ID_LENGTH))
    repetitions: int = field(metadata=_whole())
    easiness_x100: int = field(metadata=_whole(130, MAX_EASINESS_X100))
    interval_days: int = field(metadata=_whole(0, MAX_INTERVAL_DAYS))
    due: datetime | None = field(metadata=_TIME_OR_NULL)
    lapses: int = field(metadata=_whole())
    suspended: bool = field(metadata=_FLAG)
    leech: bool = field(metadata=_FLAG)
    created: datetime = field(metadata=_TIME)
    last_review: datetime | None = field(metadata=_TIME_OR_NULL)
    id: int = field(default=0, metadata=_STORED)

    @property
    def easiness(self) -> float:
        """Return the E-Factor as a float with two decimals (``236`` → ``2.36``)."""
        return self.easiness_x100 / 100

    @property
    def interval(self) -> int:
        """Return the current interval in days."""
        return self.interval_days

    @property
    def is_new(self) -> bool:
        """Return True for a card that has never been scheduled (``due`` is None)."""
        return self.due is None

    @property
    def key(self) -> tuple[str, str]:
        """Return the card's identity, ``(deck, template)``."""
        return (self.deck, self.template)


def card_from_row(row: Sequence[Any], when: Callable[[Any], Any] = lambda value: value) -> Card:
    """Build a :class:`Card` from a ``cards`` row as stored (flags 0/1).

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
        id=id_,
        deck=deck,
        template=template,
        repetitions=reps,
        easiness_x100=ef,
        interval_days=interval,
        due=when(due),
        lapses=lapses,
        suspended=bool(suspended),
        leech=bool(leech),
        created=when(created),
        last_review=when(last),
    )


@dataclass(frozen=True)
class CardUpdate:
    """A card's new schedule, written with a review by :meth:`Database.record_review`.

    The caller builds it from what the scheduler decided; storage writes every field as given,
    except ``leech`` and ``suspended``, which None leaves as they are.

    Attributes:
        repetitions: SM-2 ``n`` after the review.
        easiness: E-Factor after the review (a multiple of 0.01).
        interval: Interval in days after the review.
        due: When the card is next due (aware), or None for a card that stays new.
        lapses: Lapse count after the review.
        last_review: The last review that moved the schedule (aware), or None for a card that
            stays new.
        leech: New leech flag, or None to leave it unchanged.
        suspended: New suspended flag, or None to leave it unchanged.

    Raises:
        ValueError: If a count is negative, the E-Factor is off the 0.01 grid or a time is naive.
    """

    repetitions: int
    easiness: float
    interval: int
    due: datetime | None
    lapses: int
    last_review: datetime | None = field(kw_only=True)
    leech: bool | None = None
    suspended: bool | None = None

    def __post_init__(self) -> None:
        easiness_to_x100(self.easiness)
        _require_aware("due", self.due, optional=True)
        _require_aware("last_review", self.last_review, optional=True)
        if self.repetitions < 0 or self.interval < 0 or self.lapses < 0:
            raise ValueError("repetitions, interval and lapses cannot be negative")

    @property
    def easiness_x100(self) -> int:
        """The E-Factor in hundredths, as stored."""
        return easiness_to_x100(self.easiness)


@dataclass(frozen=True, slots=True, kw_only=True)
class Review:
    """One answered problem: a row of the append-only ``reviews`` log.

    The drill gives what it decided (``card_id`` and ``reviewed_at`` … ``session_id``) to
    :meth:`~mathdrill.storage.Database.record_review`, which fills the rest from the card in the
    same transaction (deck, template, E-Factor and interval before and after, ``id``) and
    returns the complete record; every other path (history, exports, imports) has all fields.

    Attributes:
        deck: The card's deck id.
        template: The card's template id.
        reviewed_at: When the verdict was given (aware).
        kind: One of ``learn``, ``review``, ``repeat``, ``cram``.
        seed: The instance seed (0 ≤ seed < 2**63), so the problem can be regenerated.
        fingerprint: Fingerprint of the template text, to notice edited templates.
        answer: The learner's raw answer exactly as typed.
        read_as: How the answer was read (plain text rendering), or None.
        status: The verdict status (e.g. ``correct``, ``wrong``, ``unreadable``, ``gave_up``).
        correct: Whether the answer was judged correct.
        mistake: Name of the recognised mistake, or None.
        hints: Hints shown before answering.
        seconds: Time taken to answer, or None.
        quality: SM-2 quality 0–5, or None when the review was not graded.
        easiness_before_x100: E-Factor before, in hundredths.
        easiness_after_x100: E-Factor after, in hundredths (equal to before when the schedule
            did not move).
        interval_before: Interval in days before.
        interval_after: Interval in days after.
        session_id: Identifier of the drill session, or None.
        card_id: The reviewed card's database id (0 in a record read from an import file).
        id: Database id, increasing in insertion order (0 until stored).
    """

    deck: str = field(default="", metadata=_text(MAX_ID_LENGTH))
    template: str = field(default="", metadata=_text(MAX_ID_LENGTH))
    reviewed_at: datetime = field(metadata=_TIME)
    kind: str = field(metadata={"check": "kind", "null": False})
    seed: int = field(metadata=_whole(0, MAX_SEED))
    fingerprint: str = field(metadata=_text(128, empty=True))
    answer: str = field(metadata=_text(MAX_TEXT, empty=True))
    read_as: str | None = field(default=None, metadata=_text(MAX_TEXT, empty=True, null=True))
    status: str = field(metadata=_text(32))
    correct: bool = field(metadata=_FLAG)
    mistake: str | None = field(default=None, metadata=_text(200, empty=True, null=True))
    hints: int = field(default=0, metadata=_whole())
    seconds: float | None = field(default=None, metadata={"check": "seconds", "null": True})
    quality: int | None = field(metadata=_whole(0, 5, null=True))
    easiness_before_x100: int = field(default=0, metadata=_whole(130, MAX_EASINESS_X100))
    easiness_after_x100: int = field(default=0, metadata=_whole(130, MAX_EASINESS_X100))
    interval_before: int = field(default=0, metadata=_whole(0, MAX_INTERVAL_DAYS))
    interval_after: int = field(default=0, metadata=_whole(0, MAX_INTERVAL_DAYS))
    session_id: str | None = field(default=None, metadata=_text(64, empty=True, null=True))
    card_id: int = field(default=0, metadata=_STORED)
    id: int = field(default=0, metadata=_STORED)

    def __post_init__(self) -> None:
        # What the drill decides is checked on every record; an import file's records are
        # checked field by field first (check_field), with messages naming the field.
        _require_aware("reviewed_at", self.reviewed_at)
        if self.kind not in REVIEW_KINDS:
            raise ValueError(f"kind must be one of {', '.join(REVIEW_KINDS)}, got {self.kind!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int):
            raise ValueError(f"seed must be an int, got {self.seed!r}")
        if not 0 <= self.seed <= MAX_SEED:
            raise ValueError(f"seed must be in [0, 2**63), got {self.seed}")
        if self.quality is not None and not 0 <= self.quality <= 5:
            raise ValueError(f"quality must be 0–5 or None, got {self.quality!r}")
        if self.hints < 0:
            raise ValueError(f"hints cannot be negative, got {self.hints}")
        if self.seconds is not None and not (math.isfinite(self.seconds) and self.seconds >= 0):
            raise ValueError(f"seconds must be a finite non-negative number, got {self.seconds}")

    @property
    def easiness_after(self) -> float:
        """Return the E-Factor after the review (two decimals)."""
        return self.easiness_after_x100 / 100


def exported(record: type[Card] | type[Review]) -> tuple[Field[Any], ...]:
    """Return a record's fields that files carry, in column order (database ids excluded).

    Args:
        record: :class:`Card` or :class:`Review`.

    Returns:
        The fields.
    """
    return tuple(f for f in fields(record) if f.metadata.get("check") is not None)


def columns(record: type[Card] | type[Review]) -> tuple[str, ...]:
    """Return the export columns of a record: its fields' names, in order, without ids.

    Args:
        record: :class:`Card` or :class:`Review`.

    Returns:
        The column names.
    """
    return tuple(f.name for f in exported(record))


def timestamp_columns(record: type[Card] | type[Review]) -> frozenset[str]:
    """Return the names of a record's timestamp columns.

    Args:
        record: :class:`Card` or :class:`Review`.

    Returns:
        The names.
    """
    return frozenset(f.name for f in exported(record) if f.metadata["check"] == "time")


def check_field(spec: Field[Any], value: Any, show: Callable[[Any], str] = repr) -> Any:
    """Check one value an import file holds for a field; return it as the record stores it.

    Timestamps must already be aware datetimes (the file format's parsing is the caller's);
    everything else is checked against the field's metadata: JSON types, ranges and lengths.

    Args:
        spec: The field (from :func:`exported`).
        value: The decoded value.
        show: How messages show a wrong value.

    Returns:
        The value (an int ``seconds`` becomes a float).

    Raises:
        ValueError: Naming the field and what it must be.
    """
    meta: Mapping[str, Any] = spec.metadata
    name = spec.name
    null = " or null" if meta["null"] else ""
    if value is None and meta["null"]:
        return None
    check = meta["check"]
    if check == "text":
        limit, empty = meta["limit"], meta["empty"]
        if not isinstance(value, str) or len(value) > limit or (not value and not empty):
            size = f"of at most {limit} characters" if empty else f"of 1–{limit} characters"
            raise ValueError(f"{name!r} must be a text {size}{null}, got {show(value)}")
        if not value.isascii() and (bad := _SURROGATE.search(value)):
            raise ValueError(
                f"{name!r} holds a lone surrogate (U+{ord(bad.group()):04X}) at character "
                f"{bad.start() + 1}, which is not text: it cannot be stored as UTF-8"
            )
    elif check == "whole":
        low, high = meta["low"], meta["high"]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValueError(
                f"{name!r} must be a whole number {low}–{high}{null}, got {show(value)}"
            )
    elif check == "flag":
        if not isinstance(value, bool):
            raise ValueError(f"{name!r} must be true or false, got {show(value)}")
    elif check == "kind":
        if value not in REVIEW_KINDS:
            kinds = ", ".join(REVIEW_KINDS)
            raise ValueError(f"{name!r} must be one of {kinds}, got {show(value)}")
    elif check == "seconds":
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
            or value < 0
        ):
            raise ValueError(f"{name!r} must be a number ≥ 0{null}, got {show(value)}")
        return float(value)
    elif check == "time":
        _require_aware(name, value)
        if not EARLIEST <= value < LATEST:
            raise ValueError(
                f"{name!r} must lie in the years {FIRST_YEAR}–{LAST_YEAR} (UTC), got "
                f"{show(value.isoformat())}"
            )
    return value


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
