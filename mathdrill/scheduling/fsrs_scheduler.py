"""FSRS for learners who choose it: the memory state as a fold over a card's log (pure).

The algorithm is the ``fsrs`` package's (FSRS-6); this module decides how mathdrill's log
feeds it (docs/architecture.md, "Scheduling", "FSRS"):

* **Ratings** (:data:`RATING_OF_QUALITY`): quality 0–2 → Again, 3 → Hard, 4 → Good, 5 → Easy.
  Quality 3 is the lowest pass in SM-2 and Hard the lowest pass in FSRS, so both schedulers
  agree on what counts as recalled (``quality ≥ 3``).
* **Which entries** (:data:`FOLDED_KINDS`): ``learn`` and ``review`` answers with a quality, in
  time order. ``repeat`` (SM-2 step 7) and ``cram`` are left out, as they are by SM-2: FSRS-6
  would read a same-day repeat as a short-term review, but then the stored due would depend on
  answers that never move the schedule, and the two schedulers would not see the same events.
* **Time** is counted in study days (docs/architecture.md, "Time"): a review is given to FSRS as
  midnight UTC of its study day (:func:`fsrs_instant`), so the elapsed days FSRS sees are whole
  study days, across DST changes too, and every interval it returns is a whole number of days.
* **No learning steps, no fuzzing**, intervals capped at ``MAX_INTERVAL_DAYS`` as SM-2's:
  mathdrill's in-session repeats play the part of learning steps, and fuzzing would draw from
  the global random generator.
* **Due**: the interval FSRS gives (days) becomes a due date with
  :func:`~mathdrill.scheduling.queue.next_due`, as SM-2's does.

``fsrs`` is imported inside the functions, so the drill's main process pays for it only when
the learner chose FSRS.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING

from mathdrill.errors import InputError, UsageError
from mathdrill.scheduling.queue import SchedulingSettings, study_day
from mathdrill.vocabulary import MAX_INTERVAL_DAYS

if TYPE_CHECKING:
    import fsrs

#: mathdrill's quality 0–5 → FSRS rating (1 Again, 2 Hard, 3 Good, 4 Easy).
RATING_OF_QUALITY: dict[int, int] = {0: 1, 1: 1, 2: 1, 3: 2, 4: 3, 5: 4}
#: Review kinds the FSRS fold reads; ``repeat`` and ``cram`` are logged but left out.
FOLDED_KINDS: tuple[str, ...] = ("learn", "review")
#: The recall probability FSRS schedules for (its default, as SM-2's interval is read too).
DESIRED_RETENTION = 0.9
#: How many FSRS parameters a set holds (FSRS-6).
PARAMETER_COUNT = 21


@dataclass(frozen=True)
class LogEntry:
    """One answer of a card's log, as the folds read it.

    Attributes:
        reviewed_at: When it was answered (aware).
        kind: ``learn``, ``review``, ``repeat`` or ``cram``.
        quality: The grade 0–5, or None for an answer without one (it moves nothing).
    """

    reviewed_at: datetime
    kind: str
    quality: int | None


def rating_of(quality: int) -> int:
    """Return the FSRS rating (1–4) of a quality 0–5.

    Raises:
        UsageError: If ``quality`` is not a whole number from 0 to 5.
    """
    if (
        isinstance(quality, bool)
        or not isinstance(quality, int)
        or quality not in RATING_OF_QUALITY
    ):
        raise UsageError(f"A quality is a whole number from 0 to 5, got {quality!r}.")
    return RATING_OF_QUALITY[quality]


def fsrs_instant(moment: datetime, settings: SchedulingSettings) -> datetime:
    """Return the instant FSRS is given for ``moment``: midnight UTC of its study day."""
    return day_instant(study_day(moment, settings.rollover_hour, settings.tz))


def day_instant(day: date) -> datetime:
    """Return midnight UTC of a study day: how FSRS is told the day of a review."""
    return datetime.combine(day, time(), tzinfo=UTC)


def check_parameters(values: object) -> tuple[float, ...]:
    """Check a parameter set read from outside (the database): 21 finite numbers.

    Raises:
        InputError: If it is not such a list.
    """
    if not isinstance(values, list | tuple) or len(values) != PARAMETER_COUNT:
        raise InputError(f"FSRS parameters must be a list of {PARAMETER_COUNT} numbers.")
    checked: list[float] = []
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InputError(f"FSRS parameters must be numbers, got {value!r}.")
        if not math.isfinite(value):
            raise InputError(f"FSRS parameters must be finite, got {value!r}.")
        checked.append(float(value))
    return tuple(checked)


def default_parameters() -> tuple[float, ...]:
    """Return the ``fsrs`` package's default parameters (FSRS-6)."""
    import fsrs

    return tuple(fsrs.Scheduler().parameters)


def make_scheduler(parameters: Sequence[float] | None = None) -> fsrs.Scheduler:
    """Return the ``fsrs`` scheduler mathdrill uses: no learning steps, no fuzzing.

    Args:
        parameters: A parameter set (None: the package's defaults).
    """
    import fsrs

    if parameters is None:
        parameters = fsrs.Scheduler().parameters
    return fsrs.Scheduler(
        parameters=tuple(parameters),
        desired_retention=DESIRED_RETENTION,
        learning_steps=(),
        relearning_steps=(),
        maximum_interval=MAX_INTERVAL_DAYS,
        enable_fuzzing=False,
    )


def graded(entries: Iterable[LogEntry]) -> list[LogEntry]:
    """Return the entries the fold reads, oldest first (stable for equal times)."""
    kept = [e for e in entries if e.kind in FOLDED_KINDS and e.quality is not None]
    return sorted(kept, key=lambda e: e.reviewed_at)


def step(scheduler: fsrs.Scheduler, card: fsrs.Card | None, quality: int, day: date) -> fsrs.Card:
    """Apply one graded answer, given on study day ``day``, to an FSRS card (None: new)."""
    import fsrs

    before = card if card is not None else fsrs.Card(card_id=0)
    after, _log = scheduler.review_card(
        before, fsrs.Rating(rating_of(quality)), review_datetime=day_instant(day)
    )
    return after


def fold(
    entries: Iterable[LogEntry],
    settings: SchedulingSettings,
    parameters: Sequence[float] | None = None,
) -> fsrs.Card | None:
    """Fold a card's log into its FSRS card (None while it has no graded learn/review answer).

    Args:
        entries: The card's log, in any order.
        settings: Time zone and rollover hour (study days).
        parameters: FSRS parameters (None: the defaults).
    """
    scheduler = make_scheduler(parameters)
    card: fsrs.Card | None = None
    for entry in graded(entries):
        assert entry.quality is not None  # graded() keeps only those
        day = study_day(entry.reviewed_at, settings.rollover_hour, settings.tz)
        card = step(scheduler, card, entry.quality, day)
    return card


def interval_days(card: fsrs.Card) -> int:
    """Return the interval, in whole days, of a card FSRS has just reviewed."""
    if card.last_review is None:
        raise UsageError("An FSRS card that was never reviewed has no interval.")
    return max(1, round((card.due - card.last_review).total_seconds() / 86400))


def retrievability(scheduler: fsrs.Scheduler, card: fsrs.Card, day: date) -> float:
    """Return FSRS's probability that ``card`` is recalled on study day ``day``."""
    return float(scheduler.get_card_retrievability(card, day_instant(day)))


#: Graded learn/review answers a learner needs before ``mathdrill fsrs fit`` fits parameters.
#: A few hundred reviews is the order the FSRS project's guidance names; with fewer, fitted
#: parameters are no better than the defaults and can be worse.
MIN_FIT_REVIEWS = 400
#: The extra that installs the optimizer (``fsrs-rs-python``, the FSRS project's Rust one).
OPTIMIZER_EXTRA = "mathdrill[fsrs-optimizer]"


def count_graded(logs: Iterable[Sequence[LogEntry]]) -> int:
    """Return how many answers the folds read in these logs (the fit threshold's count)."""
    return sum(len(graded(log)) for log in logs)


def training_histories(
    logs: Iterable[Sequence[LogEntry]], settings: SchedulingSettings
) -> list[list[tuple[int, int]]]:
    """Return each card's graded answers as ``(rating, study days since the previous)`` pairs.

    The first answer of a card has 0 days. These are the optimizer's input: every prefix of a
    history that ends in an answer on a later day than the first is one training item.
    """
    histories: list[list[tuple[int, int]]] = []
    for log in logs:
        history: list[tuple[int, int]] = []
        previous = None
        for entry in graded(log):
            assert entry.quality is not None
            day = study_day(entry.reviewed_at, settings.rollover_hour, settings.tz)
            history.append(
                (rating_of(entry.quality), 0 if previous is None else (day - previous).days)
            )
            previous = day
        if history:
            histories.append(history)
    return histories


def fit_parameters(histories: Sequence[Sequence[tuple[int, int]]]) -> tuple[float, ...]:
    """Fit FSRS parameters to training histories with the FSRS project's optimizer.

    Args:
        histories: From :func:`training_histories`.

    Returns:
        The fitted parameter set.

    Raises:
        UsageError: When the optimizer is not installed (the message names the extra).
    """
    try:
        import fsrs_rs_python as optimizer
    except ImportError:
        raise UsageError(
            "Fitting FSRS parameters needs the FSRS optimizer, which is not installed. "
            f"Install it with: pip install '{OPTIMIZER_EXTRA}'"
        ) from None
    items = []
    for history in histories:
        reviews = [optimizer.FSRSReview(rating, days) for rating, days in history]
        for end in range(2, len(reviews) + 1):
            item = optimizer.FSRSItem(reviews[:end])
            if item.long_term_review_cnt() > 0:
                items.append(item)
    model = optimizer.FSRS(list(default_parameters()))
    return check_parameters(list(model.compute_parameters(items)))
