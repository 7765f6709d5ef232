"""A card's schedule as a fold over its log (docs/architecture.md, "Scheduling").

The ``cards`` table is the fast read of each card's state; the log is the truth. This module is
the pure function from one card's log to its state: :func:`replay` folds the entries, in
order, with the rule the drill applies as it goes (``queue.schedule_after``), so replaying a
log the drill wrote gives back exactly what the drill stored.

The entries of a card's log (:class:`Entry`):

* **reviews** — ``learn`` and ``review`` apply SM-2 with their ``quality`` (a review without a
  quality moves nothing); the kind used is the one the card's state asks for (``learn`` while
  the card is new, ``review`` after), so a log merged from two machines never stops the fold.
  ``repeat`` and ``cram`` are logged but move nothing.
* **card events** — what the learner or an import did to the card outside a review:
  ``reset`` (the card is new again: SM-2 state, lapses and leech flag go; suspension and
  ``last_review`` stay, as ``card reset`` does), ``suspend`` and ``unsuspend`` (the flag), and
  ``adopt`` (the card takes a whole state from elsewhere: an import whose schedule the log does
  not explain, or a database from before the log held card events).
* **implicit credit** — not built yet: a credit event from the graph scheduler
  (``scheduling/graph.py``) becomes one more kind here. It is added to :data:`EVENT_KINDS` and
  given a branch in :func:`_apply_event` (or a function in ``extra`` of :func:`replay`, which
  takes the state before and the entry and returns the state after), and the fold stays pure.

Order (:func:`order_key`): by time; entries at the same instant in the order they were
recorded. A review's place in that order is its id; a card event carries the id of the newest
review in the log when it was recorded (``after_review``), so an event recorded right after a
review at the same instant (a frozen clock, a fast learner) comes after it, and one recorded
before comes before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from mathdrill.errors import UsageError
from mathdrill.scheduling.queue import CardInfo, SchedulingSettings, schedule_after
from mathdrill.vocabulary import CARD_EVENT_KINDS, REVIEW_KINDS, SCHEDULING_KINDS, ReviewKind

#: Card events: state changes that are not reviews (see the module docstring).
EVENT_KINDS: tuple[str, ...] = CARD_EVENT_KINDS

#: The E-Factor of a new card, in hundredths.
_INITIAL_EASINESS_X100 = 250


@dataclass(frozen=True)
class CardState:
    """Every field of a card the log decides (the ``cards`` columns of the same names).

    Attributes:
        repetitions: SM-2 ``n``.
        easiness_x100: The E-Factor in hundredths.
        interval_days: The interval in days.
        due: When the card is due (aware), None while it is new.
        lapses: Fails after the card had been learned.
        suspended: Out of every queue.
        leech: Flagged as a leech.
        last_review: The last review that moved the schedule, or None.
    """

    repetitions: int = 0
    easiness_x100: int = _INITIAL_EASINESS_X100
    interval_days: int = 0
    due: datetime | None = None
    lapses: int = 0
    suspended: bool = False
    leech: bool = False
    last_review: datetime | None = None

    def differences(self, other: CardState) -> tuple[str, ...]:
        """Name the fields in which two states differ (times compared as instants).

        Args:
            other: The state to compare with.

        Returns:
            The field names, in field order; empty when the states agree.
        """
        names = (
            "repetitions",
            "easiness_x100",
            "interval_days",
            "due",
            "lapses",
            "suspended",
            "leech",
            "last_review",
        )
        return tuple(n for n in names if _same(getattr(self, n), getattr(other, n)) is False)


def _same(a: object, b: object) -> bool:
    if isinstance(a, datetime) and isinstance(b, datetime):
        return a.astimezone(UTC) == b.astimezone(UTC)
    return a == b


@dataclass(frozen=True)
class Entry:
    """One entry of a card's log.

    Attributes:
        at: When it happened (aware).
        kind: A review kind (``learn``, ``review``, ``repeat``, ``cram``) or an event kind
            (:data:`EVENT_KINDS`).
        ref: The review's id, or the card event's id.
        quality: A review's grade 0–5 (None: not graded, moves nothing).
        after_review: For a card event, the id of the newest review in the log when it was
            recorded (orders it among reviews of the same instant); unused for a review.
        adopted: For an ``adopt`` event, the state the card takes.
    """

    at: datetime
    kind: str
    ref: int = 0
    quality: int | None = None
    after_review: int = 0
    adopted: CardState | None = None

    @property
    def is_review(self) -> bool:
        """Whether this entry is a review (not a card event)."""
        return self.kind in REVIEW_KINDS


def order_key(entry: Entry) -> tuple[datetime, int, int, int]:
    """The key that sorts a card's log into the order it is folded in.

    Args:
        entry: A log entry.

    Returns:
        ``(time in UTC, place among reviews, 0 for a review or 1 for an event, id)``.
    """
    if entry.is_review:
        return (entry.at.astimezone(UTC), entry.ref, 0, entry.ref)
    return (entry.at.astimezone(UTC), entry.after_review, 1, entry.ref)


@dataclass(frozen=True)
class Step:
    """What one review did to the schedule, as the ``reviews`` row records it.

    Attributes:
        ref: The review's id.
        easiness_before_x100: E-Factor before, in hundredths.
        easiness_after_x100: E-Factor after.
        interval_before: Interval before, in days.
        interval_after: Interval after.
        leech_warning: The review made (or kept) the card a leech at a warning point.
    """

    ref: int
    easiness_before_x100: int
    easiness_after_x100: int
    interval_before: int
    interval_after: int
    leech_warning: bool = False


@dataclass(frozen=True)
class Replay:
    """The result of folding one card's log.

    Attributes:
        state: The card's state after the last entry.
        steps: One per review, in fold order.
    """

    state: CardState
    steps: tuple[Step, ...]


Extra = Callable[[CardState, Entry], CardState]
"""How a further event kind (implicit credit) changes a card's state."""


def replay(
    entries: Iterable[Entry],
    settings: SchedulingSettings,
    *,
    start: CardState | None = None,
    extra: Mapping[str, Extra] | None = None,
) -> Replay:
    """Fold a card's log into its state: the schedule is a pure function of the log.

    Args:
        entries: The card's reviews and events, in any order (they are sorted by
            :func:`order_key`).
        settings: Time zone and rollover hour (for due dates, as the drill computes them).
        start: The state before the first entry (a new card by default).
        extra: Further event kinds and how they change the state (implicit credit).

    Returns:
        The final state and what each review did.

    Raises:
        UsageError: An entry of an unknown kind, or a state SM-2 refuses (out of range).
    """
    state = start or CardState()
    steps: list[Step] = []
    for entry in sorted(entries, key=order_key):
        if entry.is_review:
            state, step = _apply_review(state, entry, settings)
            steps.append(step)
        elif extra and entry.kind in extra:
            state = extra[entry.kind](state, entry)
        else:
            state = _apply_event(state, entry)
    return Replay(state=state, steps=tuple(steps))


def _apply_review(
    state: CardState, entry: Entry, settings: SchedulingSettings
) -> tuple[CardState, Step]:
    before_ef, before_interval = state.easiness_x100, state.interval_days
    if entry.kind not in SCHEDULING_KINDS or entry.quality is None:
        return state, Step(entry.ref, before_ef, before_ef, before_interval, before_interval)
    info = CardInfo(
        card_id=0,
        deck="",
        template="",
        repetitions=state.repetitions,
        easiness=state.easiness_x100 / 100,
        interval=state.interval_days,
        due=state.due,
        lapses=state.lapses,
        suspended=state.suspended,
        leech=state.leech,
        last_review=state.last_review,
    )
    kind: ReviewKind = "learn" if state.due is None else "review"
    update = schedule_after(info, entry.quality, entry.at, kind, settings)
    after = replace(
        state,
        repetitions=update.repetitions,
        easiness_x100=round(update.easiness * 100),
        interval_days=update.interval,
        due=update.due,
        lapses=update.lapses,
        leech=update.leech,
        last_review=update.last_review,
    )
    step = Step(
        entry.ref,
        before_ef,
        after.easiness_x100,
        before_interval,
        after.interval_days,
        update.leech_warning,
    )
    return after, step


def _apply_event(state: CardState, entry: Entry) -> CardState:
    if entry.kind == "reset":
        return replace(
            state,
            repetitions=0,
            easiness_x100=_INITIAL_EASINESS_X100,
            interval_days=0,
            due=None,
            lapses=0,
            leech=False,
        )
    if entry.kind in ("suspend", "unsuspend"):
        return replace(state, suspended=entry.kind == "suspend")
    if entry.kind == "adopt" and entry.adopted is not None:
        return entry.adopted
    raise UsageError(f"a card event of unknown kind {entry.kind!r} (or an adopt without a state)")
