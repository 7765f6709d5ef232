"""Each card's log (its reviews and card events) read whole, and cards rewritten from it.

A card's scheduling state is a fold over its log (``scheduling/replay.py``); the ``cards``
table is the fast read of it. This module reads the logs the fold needs, records card events
(``reset``, ``suspend``, ``unsuspend``, ``adopt``) and rewrites cards (and the "before/after"
columns of their reviews) from what a fold returned, in one transaction. Storage does not know
the fold: the caller hands it in as a function of a :class:`CardLog`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from sqlalchemy import Connection, bindparam, delete, func, insert, select, update

from mathdrill.storage.records import Card, card_from_row
from mathdrill.storage.tables import card_events, cards, reviews

if TYPE_CHECKING:
    from mathdrill.storage.database import Database

#: Card ids per ``IN (…)`` list, under every database's parameter limit.
_CHUNK = 500


@dataclass(frozen=True)
class ScheduleFields:
    """The columns of a card that its log decides.

    Attributes:
        repetitions: SM-2 ``n``.
        easiness_x100: The E-Factor in hundredths.
        interval_days: The interval in days.
        due: When the card is due (aware), None while it is new.
        lapses: Lapses.
        suspended: Suspended flag.
        leech: Leech flag.
        last_review: The last review that moved the schedule, or None.
    """

    repetitions: int
    easiness_x100: int
    interval_days: int
    due: datetime | None
    lapses: int
    suspended: bool
    leech: bool
    last_review: datetime | None

    @classmethod
    def of(cls, card: Card) -> ScheduleFields:
        """Return a stored card's schedule fields.

        Args:
            card: The card.

        Returns:
            Its fields.
        """
        return cls(**{f.name: getattr(card, f.name) for f in fields(cls)})

    def values(self) -> dict[str, Any]:
        """Return the fields by column name.

        Returns:
            ``{column: value}``.
        """
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class CardEvent:
    """One row of ``card_events``.

    Attributes:
        id: Its id.
        card_id: The card.
        at: When it happened (aware, UTC).
        kind: ``reset``, ``suspend``, ``unsuspend`` or ``adopt``.
        after_review: The newest review id in the log when it was recorded.
        adopted: The state an ``adopt`` gives the card (None for the other kinds).
    """

    id: int
    card_id: int
    at: datetime
    kind: str
    after_review: int
    adopted: ScheduleFields | None = None


class LoggedReview(NamedTuple):
    """What a fold reads of one review, and the columns a rebuild may rewrite.

    Attributes:
        id: The review.
        reviewed_at: When it was answered (aware, UTC).
        kind: ``learn``, ``review``, ``repeat`` or ``cram``.
        quality: Its grade, or None.
        easiness_before_x100: E-Factor before, as stored.
        easiness_after_x100: E-Factor after, as stored.
        interval_before: Interval before, as stored.
        interval_after: Interval after, as stored.
    """

    id: int
    reviewed_at: datetime
    kind: str
    quality: int | None
    easiness_before_x100: int
    easiness_after_x100: int
    interval_before: int
    interval_after: int


@dataclass(frozen=True)
class CardLog:
    """A card with its whole log.

    Attributes:
        card: The card as stored.
        reviews: Its reviews, oldest first.
        events: Its card events, oldest first.
    """

    card: Card
    reviews: tuple[LoggedReview, ...]
    events: tuple[CardEvent, ...]


@dataclass(frozen=True)
class ReviewSteps:
    """The "before/after" columns of one review, as a fold computed them.

    Attributes:
        review_id: The review.
        easiness_before_x100: E-Factor before.
        easiness_after_x100: E-Factor after.
        interval_before: Interval before.
        interval_after: Interval after.
    """

    review_id: int
    easiness_before_x100: int
    easiness_after_x100: int
    interval_before: int
    interval_after: int


@dataclass(frozen=True)
class Folded:
    """What a fold made of a card's log.

    Attributes:
        schedule: The card's state.
        steps: The before/after columns of each review.
    """

    schedule: ScheduleFields
    steps: tuple[ReviewSteps, ...]


Fold = Callable[[CardLog], Folded | None]
"""What a card's log folds to; None leaves the card as it is (a log that cannot be folded)."""
T = TypeVar("T")


@dataclass(frozen=True)
class Rebuilt:
    """One card a rebuild changed.

    Attributes:
        card: The card before.
        schedule: Its schedule now.
    """

    card: Card
    schedule: ScheduleFields


@dataclass(frozen=True)
class RebuildResult:
    """What a rebuild wrote.

    Attributes:
        checked: Cards folded.
        changed: Cards whose row changed, with their new schedule.
        reviews_rewritten: Reviews whose before/after columns changed.
        backup: The backup copy made first, or None.
    """

    checked: int
    changed: tuple[Rebuilt, ...]
    reviews_rewritten: int
    backup: Path | None = None


_EVENT_STATE = tuple(f.name for f in fields(ScheduleFields))
_CARD_COLUMNS = (
    cards.c.id,
    cards.c.deck,
    cards.c.template,
    cards.c.repetitions,
    cards.c.easiness_x100,
    cards.c.interval_days,
    cards.c.due,
    cards.c.lapses,
    cards.c.suspended,
    cards.c.leech,
    cards.c.created,
    cards.c.last_review,
)


def _chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield list(ids[start : start + _CHUNK])


def read_logs(
    conn: Connection, card_ids: Iterable[int] | None = None, mine: Any = None
) -> dict[int, CardLog]:
    """Read cards with their whole logs.

    Args:
        conn: A connection (inside the caller's transaction).
        card_ids: These cards, or None for every card (of the learner ``mine`` selects).
        mine: The open learner's condition on cards (``Database.mine``), or None for all.

    Returns:
        ``{card_id: CardLog}`` for the cards that exist.
    """
    if card_ids is None:
        query = select(cards.c.id).order_by(cards.c.id)
        if mine is not None:
            query = query.where(mine)
        ids = [row[0] for row in conn.execute(query)]
    else:
        ids = sorted(set(card_ids))
    logs: dict[int, CardLog] = {}
    for chunk in _chunks(ids):
        found = {
            row[0]: card_from_row(row)
            for row in conn.execute(select(*_CARD_COLUMNS).where(cards.c.id.in_(chunk)))
        }
        review_rows: dict[int, list[LoggedReview]] = {card_id: [] for card_id in found}
        query = (
            select(reviews.c.card_id, *(reviews.c[name] for name in LoggedReview._fields))
            .where(reviews.c.card_id.in_(chunk))
            .order_by(reviews.c.reviewed_at, reviews.c.id)
        )
        for card_id, *values in conn.execute(query):
            review_rows[card_id].append(LoggedReview(*values))
        event_rows: dict[int, list[CardEvent]] = {card_id: [] for card_id in found}
        query = (
            select(card_events)
            .where(card_events.c.card_id.in_(chunk))
            .order_by(card_events.c.at, card_events.c.id)
        )
        for row in conn.execute(query):
            adopted = None
            if row.kind == "adopt":
                adopted = ScheduleFields(**{name: row._mapping[name] for name in _EVENT_STATE})
            event_rows[row.card_id].append(
                CardEvent(row.id, row.card_id, row.at, row.kind, row.after_review, adopted)
            )
        for card_id, card in found.items():
            logs[card_id] = CardLog(card, tuple(review_rows[card_id]), tuple(event_rows[card_id]))
    return logs


def add_event(
    conn: Connection,
    card_id: int,
    kind: str,
    at: datetime,
    adopted: ScheduleFields | None = None,
) -> None:
    """Record a card event, placed after every review logged so far.

    Args:
        conn: A connection inside the write transaction that changes the card.
        card_id: The card.
        kind: ``reset``, ``suspend``, ``unsuspend`` or ``adopt``.
        at: When it happened (aware).
        adopted: The state an ``adopt`` gives the card.
    """
    newest = conn.execute(select(func.coalesce(func.max(reviews.c.id), 0))).scalar_one()
    values: dict[str, Any] = {
        "card_id": card_id,
        "at": at,
        "kind": kind,
        "after_review": int(newest),
    }
    if adopted is not None:
        values.update(adopted.values())
    conn.execute(insert(card_events).values(**values))


def fold_logs(
    db: Database, card_ids: Iterable[int] | None, fold: Callable[[CardLog], T]
) -> list[tuple[Card, T]]:
    """Fold cards' logs in one read transaction, changing nothing.

    Args:
        db: The open database.
        card_ids: These cards, or None for all.
        fold: The fold.

    Returns:
        Each card as stored with what its log folds to.
    """
    with db.snapshot() as snap, snap.read("reading the review log") as conn:
        logs = read_logs(conn, card_ids, db.mine)
    return [(log.card, fold(log)) for log in logs.values()]


def write_folded(conn: Connection, logs: Mapping[int, CardLog], fold: Fold) -> RebuildResult:
    """Rewrite cards and their reviews' before/after columns from the fold of their logs.

    Only rows that differ are written, so a card that already agrees with its log is left
    byte for byte as it was.

    Args:
        conn: A connection inside the caller's write transaction.
        logs: The cards' logs, read in the same transaction.
        fold: The fold.

    Returns:
        What changed.
    """
    changed: list[Rebuilt] = []
    steps: list[dict[str, Any]] = []
    for card_id, log in logs.items():
        folded = fold(log)
        if folded is None:
            continue
        if folded.schedule != ScheduleFields.of(log.card):
            conn.execute(
                update(cards).where(cards.c.id == card_id).values(**folded.schedule.values())
            )
            changed.append(Rebuilt(log.card, folded.schedule))
        stored = {r.id: r for r in log.reviews}
        for step in folded.steps:
            review = stored[step.review_id]
            now = (
                review.easiness_before_x100,
                review.easiness_after_x100,
                review.interval_before,
                review.interval_after,
            )
            want = (
                step.easiness_before_x100,
                step.easiness_after_x100,
                step.interval_before,
                step.interval_after,
            )
            if now != want:
                steps.append(
                    {
                        "target": step.review_id,
                        "easiness_before_x100": want[0],
                        "easiness_after_x100": want[1],
                        "interval_before": want[2],
                        "interval_after": want[3],
                    }
                )
    if steps:
        statement = (
            update(reviews)
            .where(reviews.c.id == bindparam("target"))
            .values(
                easiness_before_x100=bindparam("easiness_before_x100"),
                easiness_after_x100=bindparam("easiness_after_x100"),
                interval_before=bindparam("interval_before"),
                interval_after=bindparam("interval_after"),
            )
        )
        conn.execute(statement, steps)
    return RebuildResult(checked=len(logs), changed=tuple(changed), reviews_rewritten=len(steps))


def rebuild(
    db: Database,
    card_ids: Iterable[int] | None,
    fold: Fold,
    *,
    now: datetime | None = None,
    backup: bool = False,
    delete_reviews: Iterable[int] = (),
    review_changes: Sequence[Mapping[str, Any]] = (),
) -> RebuildResult:
    """Rewrite cards from their logs in ONE write transaction, after optional changes to the log.

    Args:
        db: The open database.
        card_ids: The cards to rebuild, or None for all.
        fold: The fold (a function of a card's log).
        now: Time stamped on a backup's name (aware); needed with ``backup``.
        backup: Copy an SQLite file next to itself first (when it holds anything).
        delete_reviews: Review ids to remove from the log first (the drill's undo).
        review_changes: Verdict changes to apply first (``regrade``): mappings with ``id`` and
            the new ``status``, ``correct``, ``mistake``, ``read_as`` and ``quality``.

    Returns:
        What changed, and the backup.
    """
    doomed = list(delete_reviews)
    with db.write("rebuilding schedules from the review log") as conn:
        copy = db.backup(conn, now) if backup and now is not None else None
        for chunk in _chunks(doomed):
            conn.execute(delete(reviews).where(reviews.c.id.in_(chunk)))
        if review_changes:
            statement = (
                update(reviews)
                .where(reviews.c.id == bindparam("target"))
                .values(
                    status=bindparam("new_status"),
                    correct=bindparam("new_correct"),
                    mistake=bindparam("new_mistake"),
                    read_as=bindparam("new_read_as"),
                    quality=bindparam("new_quality"),
                )
            )
            conn.execute(
                statement,
                [
                    {"target": c["id"], **{f"new_{k}": v for k, v in c.items() if k != "id"}}
                    for c in review_changes
                ],
            )
        result = write_folded(conn, read_logs(conn, card_ids, db.mine), fold)
    return RebuildResult(result.checked, result.changed, result.reviews_rewritten, copy)


@dataclass(frozen=True)
class StoredAnswer:
    """One logged answer as ``regrade`` judges it again.

    Attributes:
        id: The review.
        card_id: Its card.
        deck: The card's deck.
        template: The card's template.
        reviewed_at: When it was answered.
        seed: The instance's seed.
        fingerprint: The template's fingerprint then.
        answer: What the learner typed.
        status: The stored verdict's status.
        correct: Whether it was judged correct.
        mistake: The recognised mistake, or None.
        hints: Hints shown.
        seconds: Time taken, or None.
        quality: The stored grade.
    """

    id: int
    card_id: int
    deck: str
    template: str
    reviewed_at: datetime
    seed: int
    fingerprint: str
    answer: str
    status: str
    correct: bool
    mistake: str | None
    hints: int
    seconds: float | None
    quality: int | None


def answers(db: Database) -> list[StoredAnswer]:
    """Return every logged answer, in log order (the fields ``regrade`` needs, no more).

    Args:
        db: The open database.

    Returns:
        The answers.
    """
    names = [f.name for f in fields(StoredAnswer)]
    columns = [cards.c[n] if n in ("deck", "template") else reviews.c[n] for n in names]
    query = (
        select(*columns)
        .join_from(reviews, cards, reviews.c.card_id == cards.c.id)
        .where(db.my_reviews)
        .order_by(reviews.c.reviewed_at, reviews.c.id)
    )
    with db.read("reading the logged answers") as conn:
        return [StoredAnswer(*row) for row in conn.execute(query)]
