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

import json
import sqlite3
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Column,
    Connection,
    Date,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    and_,
    case,
    cast,
    delete,
    false,
    func,
    insert,
    inspect,
    literal,
    select,
    true,
    tuple_,
    type_coerce,
)
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.sql.elements import ColumnElement

from mathdrill.errors import StorageError
from mathdrill.storage.engine import storage_errors
from mathdrill.storage.records import Card
from mathdrill.storage.schema import UTCDateTime, cards, reviews

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
        return (moment + timedelta(minutes=self.shift_at(moment))).date()

    def shift_at(self, moment: datetime) -> int:
        """Return the shift in minutes (UTC offset minus rollover) in force at an instant.

        Args:
            moment: An aware datetime.

        Returns:
            The minutes added to the instant to get a time whose date is the study day.
        """
        minutes = self.segments[0][1]
        for starts, shift in self.segments[1:]:
            if starts is not None and moment >= starts:
                minutes = shift
        return minutes

    def start_of(self, day: date) -> datetime:
        """Return the first instant whose study day is ``day`` or later.

        Within a segment the study day of ``t`` is the date of ``t + shift``, so the segment's
        part of the day starts at ``midnight - shift`` (or at the segment's own start, if that is
        later); the earliest such instant over all segments is the day's start. Real zones map
        instants to study days monotonically (a clock set back never crosses a whole-hour
        rollover), so every instant from this one to the next day's start is on ``day``.

        Args:
            day: A study day.

        Returns:
            The instant (aware, UTC).
        """
        midnight = datetime.combine(day, time(), UTC)
        best: datetime | None = None
        for i, (starts, minutes) in enumerate(self.segments):
            ends = self.segments[i + 1][0] if i + 1 < len(self.segments) else None
            candidate = midnight - timedelta(minutes=minutes)
            if starts is not None and candidate < starts:
                candidate = starts
            if ends is not None and candidate >= ends:
                continue
            if best is None or candidate < best:
                best = candidate
        assert best is not None  # the last segment reaches forward forever
        return best


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


# ----------------------------------------------------------------- per-day figures and cache

#: The derived per-study-day rollup behind ``mathdrill stats`` (``docs/data.md``, "Statistics").
#: A separate MetaData: these tables are not part of the schema (no migration, no version), are
#: created on demand by :func:`day_figures` and can be dropped at any time.
cache_metadata = MetaData()

#: One row per (study-day rule, study day) with reviews, for days before the writing run's today.
stats_days = Table(
    "stats_days",
    cache_metadata,
    Column("rule", String(200), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("reviews", Integer, nullable=False),
    Column("learned", Integer, nullable=False),
    Column("first_try", Integer, nullable=False),
    Column("first_try_correct", Integer, nullable=False),
    Column("seconds", Float, nullable=False),
    Column("young", Integer, nullable=False),
    Column("young_correct", Integer, nullable=False),
    Column("mature", Integer, nullable=False),
    Column("mature_correct", Integer, nullable=False),
)

#: Per rule: the segments the rows were computed with, the first day not cached, and the
#: watermark review (the largest id the cache has seen) that proves the log it summarises.
stats_state = Table(
    "stats_state",
    cache_metadata,
    Column("rule", String(200), primary_key=True),
    Column("segments", Text, nullable=False),
    Column("complete_until", Date, nullable=False),
    Column("review_id", Integer, nullable=False),
    Column("reviewed_at", UTCDateTime(), nullable=False),
    Column("card_id", Integer, nullable=False),
)

_FIGURES = (
    "reviews",
    "learned",
    "first_try",
    "first_try_correct",
    "seconds",
    "young",
    "young_correct",
    "mature",
    "mature_correct",
)


@dataclass(frozen=True)
class DayFigures:
    """Every per-day figure the statistics need, for one study day.

    Attributes:
        reviews: Problems answered (every kind).
        learned: ``learn`` reviews.
        first_try: ``learn``/``review`` reviews.
        first_try_correct: Of those, correct.
        seconds: Time spent (sum of ``seconds`` in log order; reviews without a time add 0).
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


def _day_starts(rule: DayRule, first: date, last: date) -> list[datetime]:
    """Return the start instant of every study day from ``first`` to ``last`` + 1, ascending."""
    starts: list[datetime] = []
    day = first
    while day <= last + timedelta(days=1):
        start = rule.start_of(day)
        # The mapping is monotone for every real zone (see DayRule.start_of); the running max
        # keeps the list sorted for bisection even if it were not.
        starts.append(start if not starts or start >= starts[-1] else starts[-1])
        day += timedelta(days=1)
    return starts


def _bound_key(db: Database) -> tuple[Any, Callable[[datetime], Any]]:
    """Return the ``reviewed_at`` column as fetched by the pass, and how to compare bounds to it.

    On SQLite the stored text is fetched as is (parsing 2M timestamps would cost seconds) and
    bounds are formatted like SQLAlchemy stores them (fixed width: text order is time order);
    elsewhere the column comes back as aware datetimes and bounds stay datetimes.
    """
    if db._live().dialect.name == "sqlite":

        def text(moment: datetime) -> str:
            return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")

        return type_coerce(reviews.c.reviewed_at, String), text
    return reviews.c.reviewed_at, lambda moment: moment


def _figures_pass(
    conn: Connection,
    db: Database,
    rule: DayRule,
    scope: Scope,
    first_day: date,
    last_day: date,
) -> dict[date, DayFigures]:
    """Compute every day's figures from ``first_day`` on in one pass over the log.

    Rows come in time order (``reviewed_at``, then id: the time index gives that order without a
    sort), so "the first ``review`` of a card on a day" is the first time the card shows up in
    that day's run of rows, and each row's day is found by bisecting the day starts (no date
    arithmetic per row). Filtered scopes read their cards' rows through the card index instead
    (card, then time order) and keep the first row of each (card, day) run.
    """
    column, key = _bound_key(db)
    starts = _day_starts(rule, first_day, last_day)
    bounds = [key(s) for s in starts]
    card_major = not scope.everything
    query = select(
        column,
        reviews.c.card_id,
        reviews.c.kind,
        type_coerce(reviews.c.correct, Integer),
        reviews.c.interval_before,
        reviews.c.seconds,
    ).where(reviews.c.reviewed_at >= starts[0], _review_condition(scope))
    if card_major:
        query = query.order_by(reviews.c.card_id, reviews.c.reviewed_at, reviews.c.id)
    else:
        query = query.order_by(reviews.c.reviewed_at, reviews.c.id)
    # [reviews, learned, first_try, first_try_correct, seconds, young, yc, mature, mc] per day.
    totals: dict[int, list[Any]] = {}
    seen: set[int] = set()
    seen_day = -1
    last_card = last_index = -1
    lower, upper, index = bounds[0], bounds[1], 0
    count = len(bounds) - 1
    result = conn.execute(query, execution_options={"yield_per": 20_000})
    for at, card, kind, correct, interval_before, seconds in result:
        if not lower <= at < upper:
            index = bisect_right(bounds, at) - 1
            if index >= count:  # after the last known day: cannot happen (last_day is the max)
                index = count - 1
            lower, upper = bounds[index], bounds[index + 1]
        row = totals.get(index)
        if row is None:
            row = totals[index] = [0, 0, 0, 0, 0.0, 0, 0, 0, 0]
        row[0] += 1
        if seconds is not None:
            row[4] += seconds
        if kind == "review":
            row[2] += 1
            if correct:
                row[3] += 1
            if card_major:
                first = card != last_card or index != last_index
                last_card, last_index = card, index
            else:
                if index != seen_day:
                    seen, seen_day = set(), index
                first = card not in seen
                if first:
                    seen.add(card)
            if first:
                if interval_before >= MATURE_DAYS:
                    row[7] += 1
                    if correct:
                        row[8] += 1
                else:
                    row[5] += 1
                    if correct:
                        row[6] += 1
        elif kind == "learn":
            row[1] += 1
            row[2] += 1
            if correct:
                row[3] += 1
    return {
        first_day + timedelta(days=i): DayFigures(*values) for i, values in sorted(totals.items())
    }


def _review_span(conn: Connection) -> tuple[datetime, datetime] | None:
    """Return the earliest and latest ``reviewed_at`` of the whole log (time index: two seeks)."""
    column = reviews.c.reviewed_at
    first = conn.execute(select(func.min(column))).scalar_one()
    if first is None:
        return None
    last = conn.execute(select(func.max(column))).scalar_one()
    return first, last


def _rule_text(rule: DayRule) -> str:
    return json.dumps([[None if s is None else s.isoformat(), m] for s, m in rule.segments])


def _rule_from_text(text: str) -> DayRule | None:
    try:
        return DayRule(
            tuple(
                (None if s is None else datetime.fromisoformat(s), int(m))
                for s, m in json.loads(text)
            )
        )
    except (ValueError, TypeError):
        return None


def _same_mapping(old: DayRule, new: DayRule, first: date, until: date) -> bool:
    """Return True when both rules map every instant of days ``first`` … ``until`` - 1 alike."""
    lo = datetime.combine(first, time(), UTC) - timedelta(days=2)
    midnight = datetime.combine(until, time(), UTC)
    hi = midnight - timedelta(minutes=new.shift_at(midnight))
    edges = {lo} | {
        s for rule in (old, new) for s, _ in rule.segments if s is not None and lo < s <= hi
    }
    return all(old.shift_at(e) == new.shift_at(e) for e in edges)


def _state_values(row: Any) -> tuple[Any, ...] | None:
    return None if row is None else tuple(row)


def day_figures(
    db: Database,
    rule: DayRule,
    scope: Scope = Scope(),
    *,
    cache_key: str | None = None,
    today: date | None = None,
) -> dict[date, DayFigures]:
    """Return every study day's figures, all time (days without reviews are absent).

    With ``cache_key`` (and ``today``) and an unfiltered scope, completed days come from the
    ``stats_days`` rollup and only stale or uncached days are computed from the log; the rollup
    is then brought up to date in one short write transaction. The append-only log validates it:
    the watermark review must still exist unchanged (else the rule's rows are dropped), and any
    review with a larger id (a review since, or an import with old timestamps) makes its day and
    every later day stale. Today is never cached. If writing fails (read-only file, database
    locked beyond the busy timeout) the figures are still returned.

    Args:
        db: The open database.
        rule: How instants map to study days.
        scope: Which cards; filtered scopes are always computed live.
        cache_key: Names the study-day rule (zone and rollover) the cached rows belong to, or
            None to compute everything live.
        today: Today's study day (required with ``cache_key``): days before it are cached.

    Returns:
        ``{study day: figures}``, ascending.

    Raises:
        StorageError: If the database cannot be read.
    """
    if cache_key is None or today is None or not scope.everything:
        with storage_errors(db._target, "reading statistics"), db._read() as conn:
            span = _review_span(conn)
            if span is None:
                return {}
            return _figures_pass(conn, db, rule, scope, rule.day_of(span[0]), rule.day_of(span[1]))
    with storage_errors(db._target, "reading statistics"), db._read() as conn:
        # One read transaction: the state, the watermark check, max(id) and the live rows all
        # come from the same snapshot, so the watermark written below matches what was counted.
        span = _review_span(conn)
        if span is None:
            return {}
        state = None
        if inspect(conn).has_table(stats_state.name):
            state = conn.execute(
                select(*stats_state.c).where(stats_state.c.rule == cache_key)
            ).first()
        top = conn.execute(
            select(reviews.c.id, reviews.c.reviewed_at, reviews.c.card_id)
            .order_by(reviews.c.id.desc())
            .limit(1)
        ).one()
        cached: dict[date, DayFigures] = {}
        live_from = rule.day_of(span[0])
        drop = state is not None
        if state is not None:
            valid = _state_is_valid(conn, state, rule)
            if valid:
                drop = False
                # A rowid range: the reviews since the watermark (min() over the time index
                # would walk the whole index looking for a large id).
                stale = min(
                    conn.execute(
                        select(reviews.c.reviewed_at)
                        .where(reviews.c.id > state.review_id)
                        .order_by(reviews.c.id)
                    ).scalars(),
                    default=None,
                )
                live_from = state.complete_until
                if stale is not None:
                    live_from = min(live_from, rule.day_of(stale))
                rows = conn.execute(
                    select(stats_days.c.day, *(stats_days.c[n] for n in _FIGURES)).where(
                        stats_days.c.rule == cache_key, stats_days.c.day < live_from
                    )
                )
                cached = {_as_date(day): DayFigures(*values) for day, *values in rows}
        last_day = rule.day_of(span[1])
        live = (
            _figures_pass(conn, db, rule, Scope(), live_from, max(last_day, live_from))
            if live_from <= last_day
            else {}
        )
        read_state = _state_values(state)
    if drop or state is None or live_from < today:
        store = {day: f for day, f in live.items() if day < today}
        _write_cache(
            db, cache_key, rule, read_state, drop, live_from, store, max(today, live_from), top
        )
    return {**cached, **live}


def _state_is_valid(conn: Connection, state: Any, rule: DayRule) -> bool:
    """Return True when the cached rows of ``state``'s rule still describe this log."""
    mark = conn.execute(
        select(reviews.c.reviewed_at, reviews.c.card_id).where(reviews.c.id == state.review_id)
    ).first()
    if mark is None or tuple(mark) != (state.reviewed_at, state.card_id):
        return False  # the database was replaced or restored: the rows summarise another log
    old = _rule_from_text(state.segments)
    if old is None:
        return False
    first = conn.execute(
        select(func.min(stats_days.c.day)).where(stats_days.c.rule == state.rule)
    ).scalar_one()
    if first is None:
        return True
    return _same_mapping(old, rule, _as_date(first), _as_date(state.complete_until))


def _write_cache(
    db: Database,
    cache_key: str,
    rule: DayRule,
    read_state: tuple[Any, ...] | None,
    drop: bool,
    live_from: date,
    store: dict[date, DayFigures],
    complete_until: date,
    top: Any,
) -> None:
    """Bring the rule's cached rows up to date; give up silently if the database says no."""
    try:
        with db._write() as conn:
            cache_metadata.create_all(conn)
            current = conn.execute(
                select(*stats_state.c).where(stats_state.c.rule == cache_key)
            ).first()
            if _state_values(current) != read_state:
                return  # another stats run updated the cache meanwhile: its rows stand
            rows = delete(stats_days).where(stats_days.c.rule == cache_key)
            conn.execute(
                rows if drop or read_state is None else rows.where(stats_days.c.day >= live_from)
            )
            if store:
                conn.execute(
                    insert(stats_days),
                    [
                        {"rule": cache_key, "day": day, **{n: getattr(f, n) for n in _FIGURES}}
                        for day, f in store.items()
                    ],
                )
            conn.execute(delete(stats_state).where(stats_state.c.rule == cache_key))
            conn.execute(
                insert(stats_state).values(
                    rule=cache_key,
                    segments=_rule_text(rule),
                    complete_until=complete_until,
                    review_id=top.id,
                    reviewed_at=top.reviewed_at,
                    card_id=top.card_id,
                )
            )
    except (StorageError, SQLAlchemyError, sqlite3.Error, OSError):
        # The cache is an optimisation: a read-only or busy database still gets its statistics.
        return


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
