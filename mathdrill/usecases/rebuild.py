"""Schedules rebuilt from the review log: ``doctor``'s check, its rebuild, the drill's undo.

A card's state is a fold over its log (``scheduling/replay.py``); the ``cards`` table is its
fast read. :func:`fold_log` turns one card's stored log into the fold's entries and back;
storage (``storage/cardlog.py``) reads the logs and writes what the fold returns.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

from mathdrill.errors import MathdrillError
from mathdrill.scheduling.queue import SchedulingSettings, study_day
from mathdrill.scheduling.replay import CardState, Entry, replay

if TYPE_CHECKING:
    from mathdrill.config import Environment
    from mathdrill.storage import Database
    from mathdrill.storage.cardlog import CardLog, Folded, RebuildResult, ScheduleFields

#: Cards whose log ``doctor`` folds and compares with the cards table.
DOCTOR_SAMPLE = 50

#: What folding a log holding values out of range raises (a state SM-2 refuses, a date past
#: the calendar): ``doctor`` reports those rows, a rebuild leaves their cards as they are.
UNFOLDABLE = (MathdrillError, OverflowError, ValueError)


def rebuild_fold(settings: SchedulingSettings) -> Callable[[CardLog], Folded | None]:
    """The fold a rebuild writes with: None (card left alone) for a log it cannot fold."""

    def fold(log: CardLog) -> Folded | None:
        try:
            return fold_log(log, settings)
        except UNFOLDABLE:
            return None

    return fold


def settings_of(environment: Environment) -> SchedulingSettings:
    """Return the scheduling settings (zone, rollover hour) of an environment.

    Args:
        environment: The command's environment.

    Returns:
        The settings the drill schedules with.
    """
    return SchedulingSettings(tz=environment.zone, rollover_hour=environment.rollover_hour)


def _state(schedule: ScheduleFields) -> CardState:
    return CardState(**{f.name: getattr(schedule, f.name) for f in fields(CardState)})


def entries(log: CardLog) -> list[Entry]:
    """Return a card's stored log as the fold's entries.

    Args:
        log: The card and its reviews and events.

    Returns:
        One entry per review and per card event.
    """
    found = [Entry(at=r.reviewed_at, kind=r.kind, ref=r.id, quality=r.quality) for r in log.reviews]
    for event in log.events:
        adopted = _state(event.adopted) if event.adopted is not None else None
        found.append(
            Entry(
                at=event.at,
                kind=event.kind,
                ref=event.id,
                after_review=event.after_review,
                adopted=adopted,
            )
        )
    return found


def fold_log(log: CardLog, settings: SchedulingSettings) -> Folded:
    """Fold one card's stored log into the schedule the cards table should hold.

    Args:
        log: The card and its log.
        settings: Zone and rollover hour (due dates are study-day starts).

    Returns:
        The schedule and each review's before/after columns.
    """
    from mathdrill.storage.cardlog import Folded, ReviewSteps, ScheduleFields

    result = replay(entries(log), settings)
    state = result.state
    schedule = ScheduleFields(**{f.name: getattr(state, f.name) for f in fields(CardState)})
    steps = tuple(
        ReviewSteps(
            s.ref,
            s.easiness_before_x100,
            s.easiness_after_x100,
            s.interval_before,
            s.interval_after,
        )
        for s in result.steps
    )
    return Folded(schedule, steps)


@dataclass(frozen=True)
class Disagreement:
    """A card whose row differs from what its log folds to.

    Attributes:
        card: ``deck/template``.
        fields: The fields that differ.
        error: Why the log could not be folded at all, if it could not.
    """

    card: str
    fields: tuple[str, ...]
    error: str | None = None


def sample_ids(card_ids: Iterable[int], size: int, seed: int) -> list[int]:
    """Pick a deterministic sample of card ids.

    Args:
        card_ids: Every card id.
        size: How many to pick (all when there are fewer).
        seed: The sample's seed (the same seed and ids give the same sample).

    Returns:
        The chosen ids, ascending.
    """
    ids = sorted(set(card_ids))
    if len(ids) <= size:
        return ids
    return sorted(random.Random(seed).sample(ids, size))  # noqa: S311 - a sample, not a secret


def check_schedules(
    db: Database, settings: SchedulingSettings, card_ids: Iterable[int] | None
) -> list[Disagreement]:
    """Fold cards' logs and compare with the cards table; change nothing.

    Args:
        db: The open database.
        settings: Zone and rollover hour.
        card_ids: The cards to check, or None for all.

    Returns:
        The cards that disagree, in id order.
    """
    from mathdrill.storage.cardlog import ScheduleFields, fold_logs

    def fold(log: CardLog) -> Folded | str:
        try:
            return fold_log(log, settings)
        except UNFOLDABLE as error:
            return f"its log cannot be folded ({error}); see the rows out of range"

    found = []
    for card, folded in fold_logs(db, card_ids, fold):
        key = f"{card.deck}/{card.template}"
        if isinstance(folded, str):
            found.append(Disagreement(key, (), folded))
            continue
        differ = _state(folded.schedule).differences(_state(ScheduleFields.of(card)))
        if differ:
            found.append(Disagreement(key, differ))
    return found


def doctor_sample(db: Database, environment: Environment) -> tuple[int, list[Disagreement]]:
    """Check a sample of :data:`DOCTOR_SAMPLE` cards, chosen by today's study day.

    The seed is the study day's ordinal: the same day checks the same cards (a report can be
    repeated), and each day checks others.

    Args:
        db: The open database.
        environment: Clock, zone, rollover hour.

    Returns:
        How many cards were checked, and those that disagree.
    """
    settings = settings_of(environment)
    day = study_day(environment.now(), settings.rollover_hour, settings.tz)
    chosen = sample_ids((c.id for c in db.cards()), DOCTOR_SAMPLE, day.toordinal())
    return len(chosen), check_schedules(db, settings, chosen)


def rebuild_all(db: Database, environment: Environment) -> RebuildResult:
    """Rewrite every card (and its reviews' before/after columns) from its log, after a backup.

    Args:
        db: The open database.
        environment: Clock, zone, rollover hour.

    Returns:
        What changed, and where the backup is.
    """
    from mathdrill.storage.cardlog import rebuild

    settings = settings_of(environment)
    return rebuild(db, None, rebuild_fold(settings), now=environment.now(), backup=True)


def undo_review(db: Database, review_id: int, card_id: int, settings: SchedulingSettings) -> None:
    """Remove one review from the log and rebuild its card from what is left, in one transaction.

    Args:
        db: The open database.
        review_id: The review to remove.
        card_id: Its card.
        settings: Zone and rollover hour.
    """
    from mathdrill.storage.cardlog import rebuild

    rebuild(db, [card_id], rebuild_fold(settings), delete_reviews=[review_id])
