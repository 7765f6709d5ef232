"""Aggregation queries behind ``mathdrill stats``: GROUP BY in the database, small results out.

Every function takes an open :class:`~mathdrill.storage.database.Database` and returns plain
frozen dataclasses or dicts of them; no query loads the review log into Python. Time zones and
study days are the caller's business: a :class:`DayRule` tells the queries how to map a stored
UTC instant to its study day (local date minus the rollover hour), and instants passed in are
aware datetimes the caller computed with :mod:`mathdrill.scheduling.queue`.

A :class:`Scope` restricts every query to some decks and/or some ``(deck, template)`` skills
(``--deck`` and ``--tag``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Date,
    and_,
    case,
    cast,
    false,
    func,
    literal,
    select,
    true,
    tuple_,
)
from sqlalchemy.sql.elements import ColumnElement

from mathdrill.storage.engine import storage_errors
from mathdrill.storage.records import Card
from mathdrill.storage.schema import cards, reviews

if TYPE_CHECKING:
    from mathdrill.storage.database import Database

#: Interval (days) from which a card counts as mature / mastered (Anki's threshold).
MATURE_DAYS = 21

#: Review kinds that are a card's first try at a fresh problem (repeats and cramming are not).
FIRST_TRY_KINDS = ("learn", "review")


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
class DayRule:
    """How a stored UTC instant maps to its study day, as offset segments.

    The study day of instant ``t`` is the calendar date of ``t + minutes`` where ``minutes`` is the
    local UTC offset at ``t`` minus the rollover hour. The offset changes at DST transitions, so the
    rule is a list of segments: ``segments[i] = (starts, minutes)`` applies from ``starts``
    (aware, UTC; None for the first segment, which reaches back forever) to the next segment.

    Attributes:
        segments: The segments in time order; at least one.
    """

    segments: tuple[tuple[datetime | None, int], ...]

    def __post_init__(self) -> None:
        if not self.segments or self.segments[0][0] is not None:
            raise ValueError("a DayRule needs segments, the first starting at None")

    def day_of(self, moment: datetime) -> date:
        """Return the study day of an aware instant (the Python twin of the SQL expression).

        Args:
            moment: An aware datetime.

        Returns:
            Its study day.
        """
        minutes = self.segments[0][1]
        for starts, shift in self.segments[1:]:
            if starts is not None and moment >= starts:
                minutes = shift
        return (moment + timedelta(minutes=minutes)).date()


@dataclass(frozen=True)
class DayActivity:
    """What happened on one study day.

    Attributes:
        reviews: Problems answered (every kind).
        learned: New cards introduced (``learn`` reviews).
        first_try: Reviews of kind ``learn`` or ``review``.
        first_try_correct: Of those, the correct ones.
        seconds: Time spent answering (sum of ``seconds``; reviews without a time add nothing).
    """

    reviews: int
    learned: int
    first_try: int
    first_try_correct: int
    seconds: float


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


def _card_condition(scope: Scope) -> ColumnElement[bool]:
    conditions: list[ColumnElement[bool]] = []
    if scope.decks is not None:
        conditions.append(cards.c.deck.in_(scope.decks) if scope.decks else false())
    if scope.keys is not None:
        conditions.append(
            tuple_(cards.c.deck, cards.c.template).in_(scope.keys) if scope.keys else false()
        )
    return and_(true(), *conditions)


def _review_condition(scope: Scope) -> ColumnElement[bool]:
    if scope.everything:
        return true()
    # A subquery on cards rather than a join: SQLite turns it into one list of ids, and the
    # review scan then tests membership instead of looking each card up.
    return reviews.c.card_id.in_(select(cards.c.id).where(_card_condition(scope)))


def study_day_expression(db: Database, rule: DayRule) -> ColumnElement[Any]:
    """Return a SQL expression giving the study day of ``reviews.reviewed_at``.

    On SQLite the stored text is shifted with ``date(t, '+N minutes')`` (one C call per row); on
    other databases the shift is interval arithmetic cast to a date.

    Args:
        db: The database (for its dialect).
        rule: How instants map to study days.

    Returns:
        An expression whose value is the study day as ISO text (SQLite) or a date.
    """
    column = reviews.c.reviewed_at
    sqlite = db._live().dialect.name == "sqlite"

    def shifted(minutes: int) -> ColumnElement[Any]:
        if sqlite:
            return func.date(column, literal(f"{minutes:+d} minutes"))
        return cast(column + timedelta(minutes=minutes), Date)

    first = rule.segments[0][1]
    if len(rule.segments) == 1:
        return shifted(first)
    # Segment i applies before the start of segment i+1: a CASE of a few text comparisons.
    whens = []
    for (_, minutes), (next_start, _) in zip(rule.segments, rule.segments[1:], strict=False):
        whens.append((column < next_start, shifted(minutes)))
    return case(*whens, else_=shifted(rule.segments[-1][1]))


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


# ------------------------------------------------------------------------------- reviews


def first_review_at(db: Database, scope: Scope = Scope()) -> datetime | None:
    """Return the time of the earliest logged review in scope, or None when there is none.

    Args:
        db: The open database.
        scope: Which cards.

    Returns:
        The instant (aware, UTC) or None.

    Raises:
        StorageError: If the database cannot be read.
    """
    query = select(func.min(reviews.c.reviewed_at)).where(_review_condition(scope))
    # min() keeps the column's type, so the value comes back as an aware UTC datetime.
    with storage_errors(db._target, "reading statistics"), db._read() as conn:
        return conn.execute(query).scalar_one()


def count_reviews(db: Database, scope: Scope = Scope()) -> int:
    """Return how many reviews are logged for the cards in scope.

    Args:
        db: The open database.
        scope: Which cards.

    Returns:
        The count.

    Raises:
        StorageError: If the database cannot be read.
    """
    query = select(func.count()).select_from(reviews).where(_review_condition(scope))
    with storage_errors(db._target, "reading statistics"), db._read() as conn:
        return int(conn.execute(query).scalar_one())


def active_days(
    db: Database,
    day_of: Callable[[datetime], date],
    next_day_start: Callable[[date], datetime],
    scope: Scope = Scope(),
    *,
    since: datetime | None = None,
) -> list[date]:
    """Return every study day with at least one review, in order (for streaks).

    Walks the time index: one seek per active day ("the first review at or after the start of the
    next day"), so a log of millions of reviews costs a few hundred index lookups, not a scan.

    Args:
        db: The open database.
        day_of: Maps an instant to its study day.
        next_day_start: Maps a study day to the instant the *following* day starts.
        scope: Which cards.
        since: Only reviews at or after this instant, or None for all.

    Returns:
        The study days, ascending.

    Raises:
        StorageError: If the database cannot be read.
    """
    column = reviews.c.reviewed_at
    condition = _review_condition(scope)
    days: list[date] = []
    with storage_errors(db._target, "reading statistics"), db._read() as conn:
        start = since
        while True:
            where = condition if start is None else and_(condition, column >= start)
            row = conn.execute(select(column).where(where).order_by(column).limit(1)).first()
            if row is None:
                break
            day = day_of(row[0])
            days.append(day)
            start = next_day_start(day)
    return days


def day_activity(
    db: Database, rule: DayRule, since: datetime, scope: Scope = Scope()
) -> dict[date, DayActivity]:
    """Return each study day's activity from ``since`` on (days without reviews are absent).

    Args:
        db: The open database.
        rule: How instants map to study days.
        since: The first instant counted (normally a study day's start).
        scope: Which cards.

    Returns:
        ``{study day: activity}``.

    Raises:
        StorageError: If the database cannot be read.
    """
    day = study_day_expression(db, rule).label("day")
    first_try = reviews.c.kind.in_(FIRST_TRY_KINDS)
    query = (
        select(
            day,
            func.count(),
            func.coalesce(func.sum(case((reviews.c.kind == "learn", 1), else_=0)), 0),
            func.coalesce(func.sum(case((first_try, 1), else_=0)), 0),
            func.coalesce(
                func.sum(case((and_(first_try, reviews.c.correct == true()), 1), else_=0)), 0
            ),
            func.coalesce(func.sum(reviews.c.seconds), 0.0),
        )
        .where(reviews.c.reviewed_at >= since, _review_condition(scope))
        .group_by(day)
    )
    result: dict[date, DayActivity] = {}
    with storage_errors(db._target, "reading statistics"), db._read() as conn:
        for value, n, learned, tries, right, seconds in conn.execute(query):
            result[_as_date(value)] = DayActivity(
                int(n), int(learned), int(tries), int(right), float(seconds)
            )
    return result


def retention(
    db: Database, rule: DayRule, starts: Sequence[datetime], scope: Scope = Scope()
) -> list[RetentionCounts]:
    """Count true retention over nested periods, young and mature apart.

    Only ``review`` reviews count (not ``learn``, repeats or cramming), and of those only the
    first of each card on each study day; young means ``interval_before`` < 21 days.

    Args:
        db: The open database.
        rule: How instants map to study days.
        starts: Period starts, latest first (e.g. today, 7 days ago, …), each a study-day start.
        scope: Which cards.

    Returns:
        One :class:`RetentionCounts` per start (reviews at or after it), then one for all time.

    Raises:
        StorageError: If the database cannot be read.
    """
    day = study_day_expression(db, rule)
    rank = (
        func.row_number()
        .over(partition_by=(reviews.c.card_id, day), order_by=(reviews.c.reviewed_at, reviews.c.id))
        .label("rank")
    )
    bucket_whens = [(reviews.c.reviewed_at >= s, i) for i, s in enumerate(starts)]
    bucket = (case(*bucket_whens, else_=len(starts)) if bucket_whens else literal(0)).label(
        "bucket"
    )
    firsts = (
        select(
            rank,
            bucket,
            (reviews.c.interval_before >= MATURE_DAYS).label("mature"),
            reviews.c.correct.label("correct"),
        )
        .where(reviews.c.kind == "review", _review_condition(scope))
        .subquery()
    )
    query = (
        select(
            firsts.c.bucket,
            firsts.c.mature,
            func.count(),
            func.coalesce(func.sum(case((firsts.c.correct == true(), 1), else_=0)), 0),
        )
        .where(firsts.c.rank == 1)
        .group_by(firsts.c.bucket, firsts.c.mature)
    )
    per_bucket = [RetentionCounts() for _ in range(len(starts) + 1)]
    with storage_errors(db._target, "reading statistics"), db._read() as conn:
        for index, mature, n, right in conn.execute(query):
            counts = (
                RetentionCounts(0, 0, int(n), int(right))
                if mature
                else RetentionCounts(int(n), int(right), 0, 0)
            )
            per_bucket[int(index)] = per_bucket[int(index)] + counts
    # Buckets are disjoint (latest first); periods are nested, so accumulate.
    result: list[RetentionCounts] = []
    total = RetentionCounts()
    for counts in per_bucket:
        total = total + counts
        result.append(total)
    return result


def review_summaries(
    db: Database, since: datetime, *, by_skill: bool, scope: Scope = Scope()
) -> dict[Any, ReviewSummary]:
    """Return first-try accuracy and solve-time histograms per deck or per skill.

    Args:
        db: The open database.
        since: The first instant counted.
        by_skill: Group by ``(deck, template)`` when True, by deck when False.
        scope: Which cards.

    Returns:
        ``{deck: summary}`` or ``{(deck, template): summary}``; groups without first tries are
        absent.

    Raises:
        StorageError: If the database cannot be read.
    """
    keys = (cards.c.deck, cards.c.template) if by_skill else (cards.c.deck,)
    where = (
        reviews.c.reviewed_at >= since,
        reviews.c.kind.in_(FIRST_TRY_KINDS),
        _card_condition(scope),
    )
    joined = reviews.join(cards, reviews.c.card_id == cards.c.id)
    totals = (
        select(
            *keys,
            func.count(),
            func.coalesce(func.sum(case((reviews.c.correct == true(), 1), else_=0)), 0),
        )
        .select_from(joined)
        .where(*where)
        .group_by(*keys)
    )
    tenth = func.round(reviews.c.seconds, 1).label("tenth")
    histogram = (
        select(*keys, tenth, func.count())
        .select_from(joined)
        .where(*where, reviews.c.seconds.is_not(None))
        .group_by(*keys, tenth)
        .order_by(*keys, tenth)
    )
    width = len(keys)
    counts: dict[Any, tuple[int, int]] = {}
    bins: dict[Any, list[tuple[float, int]]] = {}
    with storage_errors(db._target, "reading statistics"), db._read() as conn:
        for row in conn.execute(totals):
            key = tuple(row[:width]) if by_skill else row[0]
            counts[key] = (int(row[width]), int(row[width + 1]))
        for row in conn.execute(histogram):
            key = tuple(row[:width]) if by_skill else row[0]
            bins.setdefault(key, []).append((float(row[width]), int(row[width + 1])))
    return {
        key: ReviewSummary(
            first_try=n,
            first_try_correct=right,
            timed=sum(c for _, c in bins.get(key, ())),
            seconds_histogram=tuple(bins.get(key, ())),
        )
        for key, (n, right) in counts.items()
    }


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
        .where(reviews.c.mistake.is_not(None), _card_condition(scope))
        .group_by(cards.c.deck, cards.c.template, reviews.c.mistake)
        .order_by(n.desc(), cards.c.deck, cards.c.template, reviews.c.mistake)
        .limit(limit)
    )
    if since is not None:
        query = query.where(reviews.c.reviewed_at >= since)
    with storage_errors(db._target, "reading statistics"), db._read() as conn:
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
        .where(reviews.c.card_id.in_(sorted(set(card_ids))), reviews.c.mistake.is_not(None))
        .group_by(reviews.c.card_id, reviews.c.mistake)
    )
    best: dict[int, tuple[str, int]] = {}
    with storage_errors(db._target, "reading statistics"), db._read() as conn:
        for card_id, mistake, count in conn.execute(query):
            current = best.get(card_id)
            if current is None or (-count, mistake) < (-current[1], current[0]):
                best[card_id] = (mistake, int(count))
    return best


# --------------------------------------------------------------------------------- cards


def card_counts(db: Database, *, by_skill: bool, scope: Scope = Scope()) -> dict[Any, CardCounts]:
    """Count cards by state per deck or per skill.

    Args:
        db: The open database.
        by_skill: Group by ``(deck, template)`` when True (one card each), by deck when False.
        scope: Which cards.

    Returns:
        ``{deck: counts}`` or ``{(deck, template): counts}``.

    Raises:
        StorageError: If the database cannot be read.
    """
    keys = (cards.c.deck, cards.c.template) if by_skill else (cards.c.deck,)
    seen = cards.c.due.is_not(None)

    def count_if(condition: ColumnElement[bool]) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    query = (
        select(
            *keys,
            func.count(),
            count_if(seen),
            count_if(and_(seen, cards.c.interval_days >= MATURE_DAYS)),
            count_if(cards.c.suspended == true()),
            count_if(cards.c.leech == true()),
        )
        .where(_card_condition(scope))
        .group_by(*keys)
    )
    width = len(keys)
    result: dict[Any, CardCounts] = {}
    with storage_errors(db._target, "reading statistics"), db._read() as conn:
        for row in conn.execute(query):
            key = tuple(row[:width]) if by_skill else row[0]
            result[key] = CardCounts(*(int(v) for v in row[width:]))
    return result


def weakest_cards(db: Database, limit: int, scope: Scope = Scope()) -> dict[str, list[Card]]:
    """Return the weakest seen, unsuspended cards by three measures.

    Args:
        db: The open database.
        limit: Cards per list.
        scope: Which cards.

    Returns:
        ``{"lowest_ease": …, "most_lapses": …, "leeches": …}``: lowest E-Factor first (ties:
        more lapses, then id); most lapses first (only cards with a lapse; ties: lower EF, id);
        leeches by most lapses.

    Raises:
        StorageError: If the database cannot be read.
    """
    from mathdrill.storage.database import _CARD_COLUMNS, _card

    base = select(*_CARD_COLUMNS).where(
        cards.c.due.is_not(None), cards.c.suspended == false(), _card_condition(scope)
    )
    queries = {
        "lowest_ease": base.order_by(
            cards.c.easiness_x100, cards.c.lapses.desc(), cards.c.id
        ).limit(limit),
        "most_lapses": base.where(cards.c.lapses > 0)
        .order_by(cards.c.lapses.desc(), cards.c.easiness_x100, cards.c.id)
        .limit(limit),
        "leeches": base.where(cards.c.leech == true())
        .order_by(cards.c.lapses.desc(), cards.c.easiness_x100, cards.c.id)
        .limit(limit),
    }
    with storage_errors(db._target, "reading statistics"), db._read() as conn:
        return {name: [_card(row) for row in conn.execute(q)] for name, q in queries.items()}


def due_before(db: Database, edges: Sequence[datetime], scope: Scope = Scope()) -> list[int]:
    """Count unsuspended scheduled cards due before each edge (overdue cards included).

    Args:
        db: The open database.
        edges: Instants, ascending (e.g. the start of each coming study day).
        scope: Which cards.

    Returns:
        One cumulative count per edge.

    Raises:
        StorageError: If the database cannot be read.
    """
    # One count per edge over the (suspended, due) index: each is an index range count.
    base = (
        select(func.count())
        .select_from(cards)
        .where(cards.c.suspended == false(), cards.c.due.is_not(None), _card_condition(scope))
    )
    with storage_errors(db._target, "reading statistics"), db._read() as conn:
        return [int(conn.execute(base.where(cards.c.due < edge)).scalar_one()) for edge in edges]


def interval_histogram(db: Database, scope: Scope = Scope()) -> dict[int, int]:
    """Return how many seen, unsuspended cards have each interval (days).

    Args:
        db: The open database.
        scope: Which cards.

    Returns:
        ``{interval_days: cards}``.

    Raises:
        StorageError: If the database cannot be read.
    """
    query = (
        select(cards.c.interval_days, func.count())
        .where(cards.c.due.is_not(None), cards.c.suspended == false(), _card_condition(scope))
        .group_by(cards.c.interval_days)
    )
    with storage_errors(db._target, "reading statistics"), db._read() as conn:
        return {int(i): int(n) for i, n in conn.execute(query)}
