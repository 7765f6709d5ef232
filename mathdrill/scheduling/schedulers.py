"""The choice of scheduler: the one place a scheduler's name becomes a card's next state (pure).

``sm2`` (the default) is :func:`~mathdrill.scheduling.queue.schedule_after` itself. ``fsrs``
(docs/architecture.md, "Scheduling", "FSRS") keeps every SM-2 column moving as SM-2 would —
repetitions, E-Factor, lapses and the leech flag — and takes the interval and the due date from
FSRS, folded over the card's log (:mod:`mathdrill.scheduling.fsrs_scheduler`). So
``due = start of study day(last review) + interval`` holds under both, and a learner who goes
back to SM-2 carries on from FSRS's last interval with SM-2's own E-Factor.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import datetime

from mathdrill.errors import UsageError
from mathdrill.scheduling import fsrs_scheduler
from mathdrill.scheduling.fsrs_scheduler import LogEntry
from mathdrill.scheduling.queue import (
    CardInfo,
    ScheduleUpdate,
    SchedulingSettings,
    next_due,
    schedule_after,
)
from mathdrill.vocabulary import ReviewKind

#: The schedulers ``--scheduler`` and ``MATHDRILL_SCHEDULER`` accept.
SCHEDULERS: tuple[str, ...] = ("sm2", "fsrs")
#: The scheduler used when none is chosen.
DEFAULT_SCHEDULER = "sm2"


def check_scheduler(name: str) -> str:
    """Return ``name`` if it is a known scheduler.

    Raises:
        UsageError: Otherwise, naming the choices.
    """
    if name not in SCHEDULERS:
        raise UsageError(
            f"Unknown scheduler {name!r} (from --scheduler or MATHDRILL_SCHEDULER); "
            f"choose {' or '.join(SCHEDULERS)}."
        )
    return name


def schedule(
    name: str,
    card: CardInfo,
    quality: int,
    now: datetime,
    kind: ReviewKind,
    settings: SchedulingSettings,
    *,
    history: Callable[[], Iterable[LogEntry]] = tuple,
    parameters: Sequence[float] | None = None,
) -> ScheduleUpdate:
    """Return a card's fields after one answer, under the scheduler called ``name``.

    Args:
        name: ``sm2`` or ``fsrs``.
        card: The card before the answer.
        quality: The grade, 0–5.
        now: When the answer was given (aware).
        kind: ``learn``, ``review``, ``repeat`` or ``cram``.
        settings: Time zone and rollover hour.
        history: Returns the card's log *before* this answer (read only by ``fsrs``, and only
            for an answer that moves the schedule).
        parameters: FSRS parameters (None: the defaults).

    Returns:
        The fields to store (see the module docstring).

    Raises:
        UsageError: For an unknown scheduler or an invalid answer (see ``schedule_after``).
    """
    check_scheduler(name)
    update = schedule_after(card, quality, now, kind, settings)
    if name == "sm2" or not update.moved:
        return update
    entries = [*history(), LogEntry(now, kind, quality)]
    folded = fsrs_scheduler.fold(entries, settings, parameters)
    assert folded is not None  # the entry just added is a graded learn/review
    interval = fsrs_scheduler.interval_days(folded)
    return replace(
        update,
        interval=interval,
        due=next_due(now, interval, settings.rollover_hour, settings.tz),
    )
