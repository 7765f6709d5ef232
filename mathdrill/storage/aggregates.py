"""The reads behind ``mathdrill stats``, and its per-study-day cache.

Every function takes an open :class:`~mathdrill.storage.database.Database` and returns plain
frozen dataclasses or dicts of them. Two passes do the heavy work, each streaming rows (memory
stays flat) and keeping only small totals: :func:`day_figures` reads the review log once per
study day it has not summed before (the ``stats_days`` rollup keeps finished days, validated by
the append-only log), and :func:`card_overview` reads the cards once for every per-card figure.
Time zones and study days are the caller's business: a :class:`DayRule` says how to map a stored
UTC instant to its study day (local date minus the rollover hour), and instants passed in are
aware datetimes the caller computed with :mod:`mathdrill.scheduling.queue`.

A :class:`Scope` restricts every read to some decks and/or some ``(deck, template)`` skills
(``--deck`` and ``--tag``); filtered reads never use the cache.
"""

from __future__ import annotations

import json
import sqlite3
from bisect import bisect_right
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate
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
    delete,
    false,
    func,
    insert,
    inspect,
    null,
    select,
    true,
    tuple_,
    type_coerce,
)
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import ColumnElement, UnaryExpression

from mathdrill.errors import StorageError
from mathdrill.storage.engine import storage_errors
from mathdrill.storage.records import Card
from mathdrill.storage.tables import UTCDateTime, cards, reviews

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


def _bound_key(db: Database, column: Any) -> tuple[Any, Callable[[datetime], Any]]:
    """Return a timestamp column as a pass fetches it, and how to turn bounds into its values.

    On SQLite the stored text is fetched as is (parsing 2M timestamps would cost seconds) and
    bounds are formatted like SQLAlchemy stores them (fixed width: text order is time order);
    elsewhere the column comes back as aware datetimes and bounds stay datetimes.
    """
    if db._live().dialect.name == "sqlite":

        def text(moment: datetime) -> str:
            return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")

        return type_coerce(column, String), text
    return column, lambda moment: moment


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
    column, key = _bound_key(db, reviews.c.reviewed_at)
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
    for at, card, kind, correct, interval_before, seconds in _plain_rows(conn, query):
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


def _plain_rows(conn: Connection, query: Any) -> Iterator[tuple[Any, ...]]:
    """Yield a large result's rows as the driver's plain tuples.

    The passes read up to millions of rows whose columns need no conversion (every column is
    an integer, float or text, timestamps included: see :func:`_bound_key`), so on SQLite the
    rows are taken from the DBAPI cursor in batches, skipping SQLAlchemy's per-row Row objects
    (a third of a pass's time). Elsewhere the result is streamed as usual.
    """
    if conn.dialect.name != "sqlite":
        yield from conn.execute(query, execution_options={"yield_per": 20_000})
        return
    # Not yield_per here: its buffered strategy pre-reads a row from the cursor.
    result = conn.execute(query)
    cursor = result.cursor
    try:
        while batch := cursor.fetchmany(20_000):
            yield from batch
    finally:
        result.close()


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


#: Page cache of the statistics' reads, in KiB (SQLite's default is 2 MiB). The card queries
#: scan the cards table several times and the first tries look a card up per review; with the
#: default cache every scan reads the table's pages again (100k cards are ~10 MB). A fixed size,
#: released when the reads end.
STATS_CACHE_KIB = 32_768


@contextmanager
def _page_cache(conn: Connection) -> Iterator[None]:
    """Give an SQLite connection a larger page cache for the block, then restore it."""
    if conn.dialect.name != "sqlite":
        yield
        return
    before = conn.exec_driver_sql("PRAGMA cache_size").scalar_one()
    conn.exec_driver_sql(f"PRAGMA cache_size = -{int(STATS_CACHE_KIB)}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size = {int(before)}")


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
    LIMIT``), the due counts (a range of ``ix_cards_queue``) and the period's first tries and
    solve times per deck and skill (``GROUP BY`` over the time index joined to the cards). Every
    aggregate runs in the database: Python sees a few hundred rows, not one per card (a Python
    loop over the 100k cards of the benchmark cost ~0.5 s).

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
    from mathdrill.storage.database import _CARD_COLUMNS
    from mathdrill.storage.records import card_from_row

    condition = _card_condition(scope)
    wanted = set(skills)
    wanted_decks = sorted({deck for deck, _ in wanted})
    sqlite = db._live().dialect.name == "sqlite"

    def plain(column: Any) -> Any:
        # These queries read most cards. Without ANALYZE statistics SQLite's planner takes
        # `suspended = 0` (or GROUP BY deck) to favour an index and then looks every card up in
        # the table: 3-5x slower than one sequential scan of it. SQLite's unary + is a no-op on
        # any value that keeps a term from using an index (sqlite.org/optoverview.html).
        if not sqlite:
            return column
        return UnaryExpression(column, operator=operators.custom_op("+"), type_=column.type)

    seen = cards.c.due.is_not(None)
    mastered = case((and_(seen, cards.c.interval_days >= MATURE_DAYS), 1), else_=0)
    suspended = type_coerce(cards.c.suspended, Integer)
    leech = type_coerce(cards.c.leech, Integer)
    active = and_(condition, seen, plain(cards.c.suspended) == false())
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
        .group_by(plain(cards.c.deck))
    )
    intervals_query = (
        select(cards.c.interval_days, func.count()).where(active).group_by(cards.c.interval_days)
    )
    card_columns = select(*_CARD_COLUMNS)
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
    due, key = _bound_key(db, cards.c.due)
    edge_keys = [key(e) for e in edges]
    # The due counts do want ix_cards_queue (suspended, due): a short range of it.
    queued = and_(condition, cards.c.suspended == false(), due.is_not(None))
    due_query = select(due).where(queued)
    tenth = func.round(reviews.c.seconds, 1)  # SQLite's round(): half away from zero
    tries = (
        select(
            cards.c.deck,
            cards.c.template,
            tenth,
            func.count(),
            func.sum(type_coerce(reviews.c.correct, Integer)),
        )
        .select_from(reviews.join(cards, cards.c.id == reviews.c.card_id))
        .where(
            reviews.c.reviewed_at >= since,
            reviews.c.kind.in_(FIRST_TRY_KINDS),
            condition,
        )
    )
    decks: dict[str, CardCounts] = {}
    per_skill: dict[tuple[str, str], CardCounts] = {}
    deck_tries: dict[str, _Tries] = {}
    skill_tries: dict[tuple[str, str], _Tries] = {}
    with storage_errors(db._target, "reading statistics"), db._read() as conn, _page_cache(conn):
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
        if edge_keys:
            # Cards due before the first edge are counted; the few due within the horizon
            # are read (a range of ix_cards_queue) and placed by bisection.
            due_at[0] = conn.execute(
                select(func.count()).where(queued, due < edge_keys[0])
            ).scalar_one()
            # Thousands of rows: taken from the driver (a Row object each would cost 10x more).
            within = due_query.where(due >= edge_keys[0], due < edge_keys[-1])
            for (value,) in _plain_rows(conn, within):
                due_at[bisect_right(edge_keys, value)] += 1
        # Per deck, and per requested skill in the same pass (only their decks' rows carry
        # the template; the rest are grouped by deck alone).
        by_skill = (
            case((cards.c.deck.in_(wanted_decks), cards.c.template), else_=null())
            if wanted_decks
            else null()
        )
        grouped = tries.with_only_columns(
            cards.c.deck,
            by_skill,
            tenth,
            func.count(),
            func.sum(type_coerce(reviews.c.correct, Integer)),
        ).group_by(cards.c.deck, by_skill, tenth)
        for deck, template, value, n, right in conn.execute(grouped):
            group = deck_tries.get(deck)
            if group is None:
                group = deck_tries[deck] = _Tries()
            group.add(value, int(n), int(right or 0))
            if template is not None and (deck, template) in wanted:
                skill = skill_tries.get((deck, template))
                if skill is None:
                    skill = skill_tries[(deck, template)] = _Tries()
                skill.add(value, int(n), int(right or 0))
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
