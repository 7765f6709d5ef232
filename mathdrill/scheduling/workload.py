"""The daily workload (pure): overdue reviews spread over days, and sessions planned in minutes.

Two questions the daily caps raise, answered without a clock (``now`` is passed) or a database:

* :func:`spread_reviews`: when more reviews are due than the daily cap allows (after two weeks
  away, say), which come today and which on each following day. Each day takes at most the cap,
  in the priority order of :func:`~mathdrill.scheduling.queue.order_due` (most overdue relative
  to its interval first); the rest are carried to the next day, where they compete with the
  cards falling due then. Nothing is rewritten: a held-back card stays due, and tomorrow's
  queue picks again. The spread is the forecast ``mathdrill due`` shows; it counts the cards
  scheduled now (what today's reviews will schedule is not known yet).
* :func:`estimate_seconds` and :func:`plan_minutes`: ``drill --minutes M`` keeps the first
  problems whose estimated solve times fit in ``M`` minutes. A skill's estimate is the median
  of the learner's own recent timings of it (robust to one slow or fast answer), ignoring
  implausible ones (a problem left open overnight, a clock that jumped); without a plausible
  timing it is the template's ``expected_seconds``, and without that :data:`DEFAULT_SOLVE_SECONDS`.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from mathdrill.errors import UsageError
from mathdrill.scheduling.queue import (
    CardInfo,
    SchedulingSettings,
    order_due,
    overdue_days,
    study_day,
)
from mathdrill.vocabulary import ReviewKind

#: Seconds per problem when neither the learner's timings nor the template say (the deck
#: format's default ``expected_seconds``).
DEFAULT_SOLVE_SECONDS = 60.0
#: Timings above this are not solving time (a problem left open during a meal or overnight):
#: the longest built-in ``expected_seconds`` is 300 s, and 2.5× that (750 s) already grades a
#: correct answer down as slow (scheduling/grading.py).
MAX_PLAUSIBLE_SECONDS = 900.0
#: Timings below this are not solving time either (an answer pasted or piped in at once).
MIN_PLAUSIBLE_SECONDS = 1.0
#: The most recent timings of a skill that its estimate uses (storage reads as many).
TIMINGS_PER_SKILL = 20
#: The longest session ``--minutes`` plans (a day).
MAX_SESSION_MINUTES = 24 * 60


@dataclass(frozen=True)
class ReviewSpread:
    """Scheduled reviews assigned to study days under a daily cap.

    Attributes:
        today: The first study day of the spread.
        days: ``days[k]`` is what study day ``today + k`` gets, in priority order.
        deferred: ``deferred[k]`` counts the cards day ``k`` leaves for later days.
        beyond: Cards still held back after the last day of the spread.
    """

    today: date
    days: tuple[tuple[CardInfo, ...], ...]
    deferred: tuple[int, ...]
    beyond: tuple[CardInfo, ...] = ()

    @property
    def held_back(self) -> int:
        """Cards due by the end of today that today's cap leaves for later days."""
        return self.deferred[0]

    def counts(self) -> list[int]:
        """How many reviews each day of the spread gets (index 0: today)."""
        return [len(day) for day in self.days]


def spread_reviews(
    cards: Sequence[CardInfo],
    now: datetime,
    settings: SchedulingSettings,
    *,
    days: int,
    reviews_done_today: int = 0,
) -> ReviewSpread:
    """Assign due and soon-due cards to today and the next ``days`` study days under the cap.

    Day ``k`` gets at most ``settings.review_cap`` cards (today: less ``reviews_done_today``)
    from the cards carried over plus those falling due that day, in the order of
    :func:`~mathdrill.scheduling.queue.order_due` as of that day; the rest are carried on.

    Args:
        cards: Every card (new and suspended ones are ignored).
        now: The current instant (aware).
        settings: Time zone, rollover hour and the review cap.
        days: Study days after today to cover (≥ 0).
        reviews_done_today: Due cards already reviewed in today's study day.

    Returns:
        The spread: ``days + 1`` entries, today first, and what is left beyond them.

    Raises:
        UsageError: If ``now`` or a card's ``due`` is naive or a count is negative.
    """
    if isinstance(days, bool) or not isinstance(days, int) or days < 0:
        raise UsageError(f"days must be a whole number ≥ 0, got {days!r}.")
    if isinstance(reviews_done_today, bool) or not isinstance(reviews_done_today, int):
        raise UsageError(f"reviews_done_today must be a whole number, got {reviews_done_today!r}.")
    if reviews_done_today < 0:
        raise UsageError(f"reviews_done_today must be ≥ 0, got {reviews_done_today}.")
    today = study_day(now, settings.rollover_hour, settings.tz)
    falling: dict[int, list[CardInfo]] = {}
    for card in cards:
        if card.suspended or card.is_new:
            continue
        offset = max(0, -overdue_days(card, today, settings))
        if offset <= days:
            falling.setdefault(offset, []).append(card)
    carried: list[CardInfo] = []
    plan: list[tuple[CardInfo, ...]] = []
    deferred: list[int] = []
    for k in range(days + 1):
        room = settings.review_cap - (reviews_done_today if k == 0 else 0)
        ready = order_due([*carried, *falling.get(k, ())], today + timedelta(days=k), settings)
        plan.append(tuple(ready[: max(0, room)]))
        carried = ready[max(0, room) :]
        deferred.append(len(carried))
    return ReviewSpread(
        today=today, days=tuple(plan), deferred=tuple(deferred), beyond=tuple(carried)
    )


def estimate_seconds(timings: Iterable[float], expected_seconds: float | None) -> float:
    """Estimate how long the next problem of one skill takes this learner.

    Args:
        timings: The learner's recent solve times of the skill, in seconds (any order).
        expected_seconds: The template's ``expected_seconds`` (None or ≤ 0: not given).

    Returns:
        The median of the plausible timings (from :data:`MIN_PLAUSIBLE_SECONDS` to
        :data:`MAX_PLAUSIBLE_SECONDS`); without one, ``expected_seconds``; without that,
        :data:`DEFAULT_SOLVE_SECONDS`.
    """
    plausible = [
        float(t)
        for t in timings
        if math.isfinite(t) and MIN_PLAUSIBLE_SECONDS <= t <= MAX_PLAUSIBLE_SECONDS
    ]
    if plausible:
        return float(statistics.median(plausible))
    if expected_seconds is not None and math.isfinite(expected_seconds) and expected_seconds > 0:
        return float(expected_seconds)
    return DEFAULT_SOLVE_SECONDS


def check_minutes(minutes: float) -> float:
    """Validate ``--minutes``: more than 0 and at most a day.

    Args:
        minutes: The time the learner has, in minutes.

    Returns:
        ``minutes``.

    Raises:
        UsageError: If it is not a finite number in (0, :data:`MAX_SESSION_MINUTES`].
    """
    if not (math.isfinite(minutes) and 0 < minutes <= MAX_SESSION_MINUTES):
        raise UsageError(
            f"--minutes must be more than 0 and at most {MAX_SESSION_MINUTES} (a day), "
            f"got {minutes:g}"
        )
    return minutes


def plan_minutes(
    items: Sequence[tuple[int, ReviewKind]],
    estimates: Mapping[int, float],
    minutes: float,
) -> list[tuple[int, ReviewKind]]:
    """Keep the first items whose estimated solve times fit in ``minutes``.

    At least one item is kept, so ``--minutes 1`` on a long problem still drills something.

    Args:
        items: The queue's ``(card_id, kind)`` pairs in showing order.
        estimates: Estimated seconds per card (:func:`estimate_seconds`).
        minutes: The time the learner has (:func:`check_minutes`).

    Returns:
        A prefix of ``items``.

    Raises:
        UsageError: If ``minutes`` is out of range.
    """
    budget = check_minutes(minutes) * 60.0
    kept: list[tuple[int, ReviewKind]] = []
    used = 0.0
    for card_id, kind in items:
        cost = estimates[card_id]
        if kept and used + cost > budget:
            break
        kept.append((card_id, kind))
        used += cost
    return kept
