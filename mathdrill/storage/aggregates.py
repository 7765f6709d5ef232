"""The reads behind ``mathdrill stats``: SQL aggregates and one pass over the log, never a write.

Every function takes an open :class:`~mathdrill.storage.database.Database` and returns plain
frozen dataclasses or dicts of them. The per-card figures are a few ``GROUP BY`` and ``ORDER BY …
LIMIT`` queries; the per-study-day figures (:func:`day_figures`) are one streamed pass over the
log in time order, since true retention counts only the first ``review`` of a card per study day
(a window over cards and days costs SQLite several times more). Time zones and study days are the
caller's business: it passes the instants at which its study days start.

A :class:`Scope` restricts every read to some decks and/or some ``(deck, template)`` skills
(``--deck`` and ``--tag``).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import accumulate
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Float,
    Integer,
    Numeric,
    String,
    and_,
    case,
    cast,
    false,
    func,
    null,
    select,
    true,
    tuple_,
    type_coerce,
)
from sqlalchemy.sql.elements import ColumnElement

from mathdrill.storage.database import CARD_COLUMNS
from mathdrill.storage.records import Card, card_from_row
from mathdrill.storage.tables import cards, reviews
from mathdrill.vocabulary import SCHEDULING_KINDS

if TYPE_CHECKING:
    from mathdrill.storage.database import Database

#: Interval (days) from which a card counts as mature / mastered (Anki's threshold).
MATURE_DAYS = 21


@dataclass(frozen=True)
class Scope:
    """Which cards a query looks at.

    Attributes:
        decks: Only these deck ids, or None for every deck.
        keys: Only these ``(deck, template)`` skills, or None for every skill. An empty tuple
            selects nothing (a tag no template carries).
    """

    decks: tuple[str, ...] | None = None
    keys: tuple[tuple[str, str], ...] | None = None

    @property
    def everything(self) -> bool:
        """Return True when the scope does not restrict anything."""
        return self.decks is None and self.keys is None


@dataclass(frozen=True)
class RetentionCounts:
    """True-retention counts of one period (first ``review`` of a card per study day).

    Attributes:
        young: Counted reviews with ``interval_before`` < 21 days.
        young_correct: Of those, correct.
        mature: Counted reviews with ``interval_before`` ≥ 21 days.
        mature_correct: Of those, correct.
    """

    young: int = 0
    young_correct: int = 0
    mature: int = 0
    mature_correct: int = 0

    def __add__(self, other: RetentionCounts) -> RetentionCounts:
        return RetentionCounts(
            self.young + other.young,
            self.young_correct + other.young_correct,
            self.mature + other.mature,
            self.mature_correct + other.mature_correct,
        )


@dataclass(frozen=True)
class CardCounts:
    """Cards of one group (a deck, or one skill) counted by state.

    Attributes:
        total: Cards.
        seen: Cards reviewed at least once (``due`` is set).
        mastered: Seen cards with an interval of at least 21 days.
        suspended: Suspended cards.
        leeches: Cards flagged as leeches.
    """

    total: int
    seen: int
    mastered: int
    suspended: int
    leeches: int


@dataclass(frozen=True)
class ReviewSummary:
    """First-try results and solve times of one group over a period.

    Attributes:
        first_try: Reviews of kind ``learn``/``review``.
        first_try_correct: Of those, correct.
        timed: Of those, reviews with a recorded time.
        seconds_histogram: ``(seconds rounded to 0.1, count)`` of the timed ones, ascending, from
            which the median is read without loading every time.
    """

    first_try: int
    first_try_correct: int
    timed: int
    seconds_histogram: tuple[tuple[float, int], ...]


@dataclass(frozen=True)
class MistakeCount:
    """An authored mistake and how often it was matched.

    Attributes:
        deck: Deck id.
        template: Template id.
        mistake: The mistake's id within the template.
        count: Reviews that matched it.
    """

    deck: str
    template: str
    mistake: str
    count: int


# ------------------------------------------------------------------------------- helpers


def _card_condition(db: Database, scope: Scope) -> ColumnElement[bool]:
    conditions: list[ColumnElement[bool]] = [db.mine]
    if scope.decks is not None:
        conditions.append(cards.c.deck.in_(scope.decks) if scope.decks else false())
    if scope.keys is not None:
        conditions.append(
            tuple_(cards.c.deck, cards.c.template).in_(scope.keys) if scope.keys else false()
        )
    return and_(*conditions)


def _review_condition(db: Database, scope: Scope) -> ColumnElement[bool]:
    if scope.everything:
        return db.my_reviews
    return and_(
        db.my_reviews, reviews.c.card_id.in_(select(cards.c.id).where(_card_condition(db, scope)))
    )


# ------------------------------------------------------------------------------- reviews


def review_span(
    db: Database, within: tuple[datetime, datetime] | None = None
) -> tuple[datetime, datetime] | None:
    """Return the times of the earliest and the latest logged review, or None without reviews.

    Args:
        db: The open database.
        within: Only reviews from ``within[0]`` to ``within[1]`` count (None: all).

    Returns:
        ``(first, last)``, aware, UTC (two seeks of the time index).

    Raises:
        StorageError: If the database cannot be read.
    """
    column = reviews.c.reviewed_at
    low = select(func.min(column)).where(db.my_reviews)
    high = select(func.max(column)).where(db.my_reviews)
    if within is not None:
        low = low.where(column >= within[0], column <= within[1])
        high = high.where(column >= within[0], column <= within[1])
    with db.read("reading statistics") as conn:
        first = conn.execute(low).scalar_one()
        if first is None:
            return None
        return first, conn.execute(high).scalar_one()


@dataclass(frozen=True)
class DayFigures:
    """Every per-day figure the statistics need, for one study day.

    Attributes:
        reviews: Problems answered (every kind).
        learned: ``learn`` reviews.
        first_try: ``learn``/``review`` reviews.
        first_try_correct: Of those, correct.
        seconds: Time spent (sum of ``seconds`` in time order; reviews without a time add 0).
        young: True-retention reviews of young cards (the first ``review`` of a card that day,
            ``interval_before`` < 21).
        young_correct: Of those, correct.
        mature: True-retention reviews of mature cards (``interval_before`` ≥ 21).
        mature_correct: Of those, correct.
    """

    reviews: int = 0
    learned: int = 0
    first_try: int = 0
    first_try_correct: int = 0
    seconds: float = 0.0
    young: int = 0
    young_correct: int = 0
    mature: int = 0
    mature_correct: int = 0

    @property
    def retention(self) -> RetentionCounts:
        """Return the day's true-retention counts."""
        return RetentionCounts(self.young, self.young_correct, self.mature, self.mature_correct)


def day_figures(
    db: Database, starts: Sequence[datetime], scope: Scope = Scope()
) -> dict[int, DayFigures]:
    """Return the figures of each study day, for the days that have reviews in scope.

    One pass over the log in time order (``reviewed_at``, then id: the time index gives that
    order without a sort): each row's day is found by bisecting the day starts, and "the first
    ``review`` of a card on a day" is the first time the card shows up in that day's rows.

    Args:
        db: The open database.
        starts: Aware instants, ascending: day ``i`` runs from ``starts[i]`` to ``starts[i + 1]``
            (so there is one more start than days). Reviews outside them are not read.
        scope: Which cards.

    Returns:
        ``{day index: figures}``, ascending; days without reviews are absent.

    Raises:
        StorageError: If the database cannot be read.
    """
    if len(starts) < 2:
        return {}
    at: ColumnElement[Any] = reviews.c.reviewed_at
    if db.is_sqlite:
        # Compared as the stored text (fixed width, UTC: text order is time order) instead of
        # parsing every timestamp, which keeps `mathdrill stats` within its 1 s target.
        at = type_coerce(at, String)
        bounds: list[Any] = [_stored_text(moment) for moment in starts]
    else:
        bounds = list(starts)
    query = (
        select(
            at,
            reviews.c.card_id,
            reviews.c.kind,
            _as_int(db, reviews.c.correct),
            reviews.c.interval_before,
            reviews.c.seconds,
        )
        .where(
            reviews.c.reviewed_at >= starts[0],
            reviews.c.reviewed_at < starts[-1],
            _review_condition(db, scope),
        )
        .order_by(reviews.c.reviewed_at, reviews.c.id)
    )
    # [reviews, learned, first_try, first_try_correct, seconds, young, yc, mature, mc] per day.
    totals: dict[int, list[Any]] = {}
    seen: set[int] = set()
    lower = upper = bounds[0]
    row: list[Any] = []
    with db.read("reading statistics") as conn:
        result = conn.execute(query)
        # Every column is an int, float or text (or a datetime off SQLite) that needs no
        # conversion, so the rows are taken from the driver's cursor in batches without a
        # SQLAlchemy Row each (half the cost of the pass; `mathdrill stats` ≤ 1 s).
        cursor = result.cursor
        while part := cursor.fetchmany(5000):
            for moment, card, kind, correct, interval_before, seconds in part:
                if not lower <= moment < upper:
                    index = bisect_right(bounds, moment) - 1
                    lower, upper = bounds[index], bounds[index + 1]
                    row = totals.setdefault(index, [0, 0, 0, 0, 0.0, 0, 0, 0, 0])
                    seen = set()
                row[0] += 1
                if seconds is not None:
                    row[4] += seconds
                if kind == "review":
                    row[2] += 1
                    row[3] += correct
                    if card not in seen:
                        seen.add(card)
                        mature = 7 if interval_before >= MATURE_DAYS else 5
                        row[mature] += 1
                        row[mature + 1] += correct
                elif kind == "learn":
                    row[1] += 1
                    row[2] += 1
                    row[3] += correct
        result.close()
    return {index: DayFigures(*values) for index, values in sorted(totals.items())}


def _as_int(db: Database, flag: Any) -> Any:
    """A boolean column as 0/1 in SQL (SQLite stores it so; PostgreSQL needs a cast)."""
    return type_coerce(flag, Integer) if db.is_sqlite else cast(flag, Integer)


def _stored_text(moment: datetime) -> str:
    # How SQLAlchemy stores a timestamp on SQLite (tables.UTCDateTime).
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def merge_summaries(summaries: Iterable[ReviewSummary]) -> ReviewSummary | None:
    """Add up summaries (of a deck's or a tag's skills).

    Args:
        summaries: The summaries.

    Returns:
        Their sum, or None when there is none.
    """
    tries = right = timed = 0
    merged: dict[float, int] = {}
    found = False
    for s in summaries:
        found = True
        tries += s.first_try
        right += s.first_try_correct
        timed += s.timed
        for value, n in s.seconds_histogram:
            merged[value] = merged.get(value, 0) + n
    if not found:
        return None
    return ReviewSummary(tries, right, timed, tuple(sorted(merged.items())))


def frequent_mistakes(
    db: Database, since: datetime | None, limit: int, scope: Scope = Scope()
) -> list[MistakeCount]:
    """Return the authored mistakes matched most often (ties by deck, template, mistake).

    Args:
        db: The open database.
        since: The first instant counted, or None for all time.
        limit: At most this many.
        scope: Which cards.

    Returns:
        The mistakes, most frequent first.

    Raises:
        StorageError: If the database cannot be read.
    """
    n = func.count().label("n")
    query = (
        select(cards.c.deck, cards.c.template, reviews.c.mistake, n)
        .select_from(reviews.join(cards, reviews.c.card_id == cards.c.id))
        .where(reviews.c.mistake.is_not(None), _card_condition(db, scope))
        .group_by(cards.c.deck, cards.c.template, reviews.c.mistake)
        .order_by(n.desc(), cards.c.deck, cards.c.template, reviews.c.mistake)
        .limit(limit)
    )
    if since is not None:
        query = query.where(reviews.c.reviewed_at >= since)
    with db.read("reading statistics") as conn:
        return [MistakeCount(d, t, m, int(c)) for d, t, m, c in conn.execute(query)]


def top_mistake_per_card(db: Database, card_ids: Sequence[int]) -> dict[int, tuple[str, int]]:
    """Return each card's most frequent authored mistake over its whole history.

    Args:
        db: The open database.
        card_ids: The cards (a handful: the weakest skills).

    Returns:
        ``{card id: (mistake, count)}``; cards that never matched a mistake are absent. Ties go
        to the mistake id that sorts first.

    Raises:
        StorageError: If the database cannot be read.
    """
    if not card_ids:
        return {}
    query = (
        select(reviews.c.card_id, reviews.c.mistake, func.count())
        .where(
            db.my_reviews,
            reviews.c.card_id.in_(sorted(set(card_ids))),
            reviews.c.mistake.is_not(None),
        )
        .group_by(reviews.c.card_id, reviews.c.mistake)
    )
    best: dict[int, tuple[str, int]] = {}
    with db.read("reading statistics") as conn:
        for card_id, mistake, count in conn.execute(query):
            current = best.get(card_id)
            if current is None or (-count, mistake) < (-current[1], current[0]):
                best[card_id] = (mistake, int(count))
    return best


# --------------------------------------------------------------------------------- cards


@dataclass(frozen=True)
class CardOverview:
    """Everything the statistics read from the cards table, from one pass over it.

    Attributes:
        decks: ``{deck: counts}`` for every deck with a card in scope.
        skills: ``{(deck, template): counts}`` for the requested skills that have a card.
        intervals: ``{interval_days: cards}`` of seen, unsuspended cards.
        due_before: Per edge, unsuspended scheduled cards due before it (overdue included).
        lowest_ease: Seen unsuspended cards with the lowest E-Factor (ties: more lapses, id).
        most_lapses: Seen unsuspended cards with a lapse, most lapses first (ties: lower EF, id).
        leeches: Seen unsuspended leeches, most lapses first (ties: lower EF, id).
        deck_summaries: First tries and solve times per deck over the period.
        skill_summaries: The same per requested skill.
    """

    decks: dict[str, CardCounts]
    skills: dict[tuple[str, str], CardCounts]
    intervals: dict[int, int]
    due_before: list[int]
    lowest_ease: list[Card]
    most_lapses: list[Card]
    leeches: list[Card]
    deck_summaries: dict[str, ReviewSummary]
    skill_summaries: dict[tuple[str, str], ReviewSummary]


class _Tries:
    """First tries of one group: count, correct, and solve times in tenths of a second."""

    __slots__ = ("bins", "n", "right")

    def __init__(self) -> None:
        self.n = 0
        self.right = 0
        self.bins: dict[float, int] = {}

    def add(self, tenth: Any, n: int, right: int) -> None:
        self.n += n
        self.right += right
        if tenth is not None:
            value = float(tenth)
            self.bins[value] = self.bins.get(value, 0) + n

    def summary(self) -> ReviewSummary:
        return ReviewSummary(
            self.n, self.right, sum(self.bins.values()), tuple(sorted(self.bins.items()))
        )


def card_overview(
    db: Database,
    edges: Sequence[datetime],
    limit: int,
    since: datetime,
    scope: Scope = Scope(),
    skills: Collection[tuple[str, str]] = (),
) -> CardOverview:
    """Read every per-card figure of the statistics with a few SQL aggregates.

    Counts cards by state per deck (one ``GROUP BY deck``) and per requested skill, the
    interval histogram (``GROUP BY interval_days``), the weakest cards (three ``ORDER BY …
    LIMIT``), the due counts and the period's first tries and solve times per deck and skill
    (``GROUP BY`` over the reviews joined to the cards).

    Args:
        db: The open database.
        edges: Instants, ascending (the start of each coming study day), for ``due_before``.
        limit: Cards per "weakest" list.
        since: Start of the period for the summaries.
        scope: Which cards.
        skills: The ``(deck, template)`` skills to count one by one (those a deck file defines).

    Returns:
        The overview.

    Raises:
        StorageError: If the database cannot be read.
    """
    condition = _card_condition(db, scope)
    wanted = set(skills)
    wanted_decks = sorted({deck for deck, _ in wanted})
    seen = cards.c.due.is_not(None)
    mastered = case((and_(seen, cards.c.interval_days >= MATURE_DAYS), 1), else_=0)
    suspended = _as_int(db, cards.c.suspended)
    leech = _as_int(db, cards.c.leech)
    active = and_(condition, seen, cards.c.suspended == false())
    per_deck = (
        select(
            cards.c.deck,
            func.count(),
            func.count(cards.c.due),
            func.sum(mastered),
            func.sum(suspended),
            func.sum(leech),
        )
        .where(condition)
        .group_by(cards.c.deck)
    )
    intervals_query = (
        select(cards.c.interval_days, func.count()).where(active).group_by(cards.c.interval_days)
    )
    card_columns = select(*CARD_COLUMNS)
    weakest = [
        card_columns.where(active).order_by(*order).limit(limit)
        for order in (
            (cards.c.easiness_x100, cards.c.lapses.desc(), cards.c.id),
            (cards.c.lapses.desc(), cards.c.easiness_x100, cards.c.id),
        )
    ]
    weakest[1] = weakest[1].where(cards.c.lapses > 0)
    leeches_query = (
        card_columns.where(active, cards.c.leech == true())
        .order_by(cards.c.lapses.desc(), cards.c.easiness_x100, cards.c.id)
        .limit(limit)
    )
    due_query = select(cards.c.due).where(
        condition, cards.c.suspended == false(), seen, cards.c.due < edges[-1] if edges else true()
    )
    # Half away from zero on both: SQLite's round(), and PostgreSQL's for numeric (it has no
    # round(double precision, n)).
    tenth: Any = func.round(reviews.c.seconds, 1)
    if not db.is_sqlite:
        tenth = cast(func.round(cast(reviews.c.seconds, Numeric), 1), Float)
    # Per deck, and per requested skill in the same pass (only their decks' rows carry the
    # template; the rest are grouped by deck alone).
    by_skill = (
        case((cards.c.deck.in_(wanted_decks), cards.c.template), else_=null())
        if wanted_decks
        else null()
    )
    tries = (
        select(
            cards.c.deck,
            by_skill,
            tenth,
            func.count(),
            func.sum(_as_int(db, reviews.c.correct)),
        )
        .select_from(reviews.join(cards, cards.c.id == reviews.c.card_id))
        .where(
            reviews.c.reviewed_at >= since, reviews.c.kind.in_(sorted(SCHEDULING_KINDS)), condition
        )
        .group_by(cards.c.deck, by_skill, tenth)
    )
    decks: dict[str, CardCounts] = {}
    per_skill: dict[tuple[str, str], CardCounts] = {}
    deck_tries: dict[str, _Tries] = {}
    skill_tries: dict[tuple[str, str], _Tries] = {}
    with db.read("reading statistics") as conn:
        for deck, *counts in conn.execute(per_deck):
            decks[deck] = CardCounts(*(int(c or 0) for c in counts))
        if wanted_decks:
            rows = conn.execute(
                select(cards.c.deck, cards.c.template, seen, mastered, suspended, leech).where(
                    condition, cards.c.deck.in_(wanted_decks)
                )
            )
            for deck, template, *state in rows:
                if (deck, template) in wanted:
                    per_skill[(deck, template)] = CardCounts(1, *(int(s) for s in state))
        intervals = {int(i): int(n) for i, n in conn.execute(intervals_query)}
        lowest, lapsed = ([card_from_row(row) for row in conn.execute(query)] for query in weakest)
        leeches = [card_from_row(row) for row in conn.execute(leeches_query)]
        due_at = [0] * (len(edges) + 1)
        for (due,) in conn.execute(due_query):
            due_at[bisect_right(edges, due)] += 1
        for deck, template, value, n, right in conn.execute(tries):
            group = deck_tries.setdefault(deck, _Tries())
            group.add(value, int(n), int(right or 0))
            if template is not None and (deck, template) in wanted:
                skill_tries.setdefault((deck, template), _Tries()).add(
                    value, int(n), int(right or 0)
                )
    return CardOverview(
        decks=decks,
        skills=per_skill,
        intervals=intervals,
        due_before=list(accumulate(due_at[: len(edges)])),
        lowest_ease=lowest,
        most_lapses=lapsed,
        leeches=leeches,
        deck_summaries={d: t.summary() for d, t in deck_tries.items()},
        skill_summaries={k: t.summary() for k, t in skill_tries.items()},
    )


def answer_log(db: Database) -> Iterator[tuple[int, datetime, str, int | None]]:
    """Yield every answer of the log for ``stats --calibration`` and ``fsrs fit``.

    Args:
        db: The open database.

    Yields:
        ``(card id, reviewed_at (aware, UTC), kind, quality or None)``, grouped by card and in
        time order within a card (then id: the order the answers were recorded).

    Raises:
        StorageError: If the database cannot be read.
    """
    query = (
        select(reviews.c.card_id, reviews.c.reviewed_at, reviews.c.kind, reviews.c.quality)
        .where(db.my_reviews)
        .order_by(reviews.c.card_id, reviews.c.reviewed_at, reviews.c.id)
    )
    with db.read("reading the review log") as conn:
        for card_id, reviewed_at, kind, quality in conn.execute(query):
            yield int(card_id), reviewed_at, str(kind), quality
