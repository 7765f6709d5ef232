"""Streaming reads for exports, the per-skill aggregate, and the import merge.

Exports read the log in batches (``yield_per``: the driver's cursor is consumed with
``fetchmany``), so memory does not grow with the number of reviews. Rows cross the storage
boundary as the plain named tuples below (:class:`CardRow`, :class:`ReviewRow`,
:class:`SkillRow`) rather than SQLAlchemy rows; named tuples because an export converts millions
of them and a tuple is the cheapest record Python builds.

Imports stage the validated records in temporary tables inside ONE write transaction and merge
them with set-based SQL, so nothing is held in Python memory per review either. The rules (see
``docs/data.md``, "Export and import"):

- a card is matched by ``(deck, template)``; a card missing from the database is added with the
  file's schedule; a card present in both takes the file's schedule only when the file's
  ``last_review`` is strictly later (it was studied more recently elsewhere), otherwise the
  database's is kept;
- a review is matched by its natural key ``(deck, template, reviewed_at, kind, seed)``; keys are
  counted with multiplicity, so a file holding a key *k* times adds only the copies beyond those
  already stored. Importing the same file twice therefore adds nothing the second time, and an
  export imported into an empty database reproduces it exactly, duplicates included.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, NamedTuple

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    and_,
    bindparam,
    case,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    true,
    update,
)

from mathdrill.errors import StorageError
from mathdrill.storage import csv_worker, migrations
from mathdrill.storage.database import _CARD_COLUMNS, Database
from mathdrill.storage.engine import DEFAULT_BUSY_TIMEOUT, storage_errors
from mathdrill.storage.tables import UTCDateTime, cards, reviews

#: Rows fetched from the driver per batch while streaming.
STREAM_BATCH = 2000

#: Rows written per ``executemany`` while staging an import.
_STAGE_BATCH = 1000

#: Review kinds that are a first attempt at a scheduled showing (repeats retry within a session;
#: cramming is practice outside the schedule).
FIRST_TRY_KINDS = ("learn", "review")


class CardRow(NamedTuple):
    """One card as exported and imported (no database id: a card's identity is its key).

    Attributes:
        deck: Deck id.
        template: Template id.
        repetitions: SM-2 ``n``.
        easiness_x100: E-Factor in hundredths.
        interval_days: Current interval in days.
        due: Next due time (aware, UTC), or None for a new card.
        lapses: Lapse count.
        suspended: Taken out of the queues by the learner.
        leech: Flagged as repeatedly forgotten.
        created: When the database first saw the skill (aware, UTC).
        last_review: Last review that moved the schedule (aware, UTC), or None.
    """

    deck: str
    template: str
    repetitions: int
    easiness_x100: int
    interval_days: int
    due: datetime | None
    lapses: int
    suspended: bool
    leech: bool
    created: datetime
    last_review: datetime | None


class ReviewRow(NamedTuple):
    """One logged review as exported and imported (its card named by ``(deck, template)``).

    ``card_id`` is the database id of the card in the database it was read from; it is 0 in a
    row built from an import file (the id is assigned by the database it is merged into).

    Attributes:
        card_id: The card's database id (0 when not read from a database).
        deck: Deck id.
        template: Template id.
        reviewed_at: When the verdict was given (aware, UTC).
        kind: ``learn``, ``review``, ``repeat`` or ``cram``.
        seed: The instance seed.
        fingerprint: Fingerprint of the template text at the time.
        answer: The learner's raw answer.
        read_as: How the answer was read, or None.
        status: Verdict status.
        correct: Judged correct.
        mistake: The recognised mistake, or None.
        hints: Hints shown.
        seconds: Time taken, or None.
        quality: SM-2 grade 0–5, or None.
        easiness_before_x100: E-Factor before, in hundredths.
        easiness_after_x100: E-Factor after, in hundredths.
        interval_before: Interval in days before.
        interval_after: Interval in days after.
        session_id: Drill session, or None.
    """

    card_id: int
    deck: str
    template: str
    reviewed_at: datetime
    kind: str
    seed: int
    fingerprint: str
    answer: str
    read_as: str | None
    status: str
    correct: bool
    mistake: str | None
    hints: int
    seconds: float | None
    quality: int | None
    easiness_before_x100: int
    easiness_after_x100: int
    interval_before: int
    interval_after: int
    session_id: str | None


class SkillRow(NamedTuple):
    """One skill's schedule and the aggregates of its review log (``export stats``).

    Attributes:
        deck: Deck id.
        template: Template id.
        repetitions: SM-2 ``n``.
        easiness_x100: E-Factor in hundredths.
        interval_days: Current interval in days.
        due: Next due time (aware, UTC), or None.
        lapses: Lapse count.
        leech: Leech flag.
        suspended: Suspended flag.
        reviews: Reviews of every kind in the period.
        first_try: Reviews that were a first attempt (``learn``/``review``).
        first_try_correct: Of those, how many were correct.
        median_seconds: Median answer time over timed reviews of every kind, or None.
        last_reviewed: Most recent review of any kind in the period, or None.
        top_mistake: The recognised mistake made most often (ties: alphabetical), or None.
        top_mistake_count: How often it was made (0 when none).
    """

    deck: str
    template: str
    repetitions: int
    easiness_x100: int
    interval_days: int
    due: datetime | None
    lapses: int
    leech: bool
    suspended: bool
    reviews: int
    first_try: int
    first_try_correct: int
    median_seconds: float | None
    last_reviewed: datetime | None
    top_mistake: str | None
    top_mistake_count: int


@dataclass(frozen=True)
class MergeResult:
    """What an import merge did.

    Attributes:
        cards_added: Cards created.
        cards_updated: Existing cards whose schedule was replaced by a more recent one.
        cards_unchanged: Cards already present and kept as they were.
        reviews_added: Reviews appended to the log.
        reviews_present: Reviews in the file that the log already held.
        backup: The backup copy made before writing, or None (in-memory or server database).
    """

    cards_added: int
    cards_updated: int
    cards_unchanged: int
    reviews_added: int
    reviews_present: int
    backup: Path | None


# The card columns the database reads, without the id (exports never carry database ids).
_CARD_SELECT = _CARD_COLUMNS[1:]

_REVIEW_SELECT = (
    reviews.c.card_id,
    cards.c.deck,
    cards.c.template,
    reviews.c.reviewed_at,
    reviews.c.kind,
    reviews.c.seed,
    reviews.c.fingerprint,
    reviews.c.answer,
    reviews.c.read_as,
    reviews.c.status,
    reviews.c.correct,
    reviews.c.mistake,
    reviews.c.hints,
    reviews.c.seconds,
    reviews.c.quality,
    reviews.c.easiness_before_x100,
    reviews.c.easiness_after_x100,
    reviews.c.interval_before,
    reviews.c.interval_after,
    reviews.c.session_id,
)


def _deck_list(decks: Iterable[str] | None) -> list[str] | None:
    return None if decks is None else sorted(set(decks))


def _review_filters(since: datetime | None, decks: list[str] | None) -> list[Any]:
    where: list[Any] = []
    if since is not None:
        if since.tzinfo is None or since.utcoffset() is None:
            raise ValueError(f"since must be a timezone-aware datetime, got {since!r}")
        where.append(reviews.c.reviewed_at >= since)
    if decks is not None:
        where.append(reviews.c.card_id.in_(select(cards.c.id).where(cards.c.deck.in_(decks))))
    return where


class Snapshot:
    """One read transaction shared by several streaming reads (see :func:`snapshot`).

    Pass it wherever a function of this module takes ``db``: every read then sees the same
    committed state, so an ``export all`` never holds a review whose card it lacks, even while a
    drill writes meanwhile.

    Args:
        db: The open database.
        conn: The connection holding the read transaction.
    """

    def __init__(self, db: Database, conn: Any) -> None:
        self._db = db
        self._target = db._target
        self._conn = conn

    @property
    def is_sqlite(self) -> bool:
        """Return True when the database is SQLite."""
        return bool(self._target.is_sqlite)

    @contextmanager
    def _read(self) -> Iterator[Any]:
        yield self._conn


@contextmanager
def snapshot(db: Database) -> Iterator[Snapshot]:
    """Open one read transaction for several reads that must agree with each other.

    Args:
        db: The open database.

    Yields:
        A :class:`Snapshot` to pass instead of ``db``; the transaction ends when the block does.

    Raises:
        StorageError: If the database cannot be read.
    """
    # Only opening and closing are translated into StorageError: an exception raised by the
    # caller's own work inside the block (a closed output pipe is an OSError too) must pass
    # through as it is.
    stack = ExitStack()
    with storage_errors(db._target, "reading the database"):
        conn = stack.enter_context(db._read())
        stack.enter_context(conn.begin())
    try:
        yield Snapshot(db, conn)
    except BaseException:
        with suppress(Exception):
            stack.__exit__(*sys.exc_info())
        raise
    with storage_errors(db._target, "reading the database"):
        stack.close()


Source = Database | Snapshot


def _stream(db: Source, query: Any, action: str, make: Any) -> Iterator[Any]:
    # yield_per makes SQLAlchemy pull rows from the DBAPI cursor with fetchmany(STREAM_BATCH)
    # and never buffer the whole result; partitions() hands them over batch by batch.
    with storage_errors(db._target, action), db._read() as conn:
        result = conn.execution_options(yield_per=STREAM_BATCH).execute(query)
        try:
            for part in result.partitions():
                yield from map(make, part)
        finally:
            result.close()


def count_cards(db: Source, *, decks: Iterable[str] | None = None) -> int:
    """Return how many cards an export of cards (or skills) would hold.

    Args:
        db: The open database.
        decks: Only these decks, or None for all.

    Returns:
        The count.

    Raises:
        StorageError: If the database cannot be read.
    """
    query = select(func.count()).select_from(cards)
    wanted = _deck_list(decks)
    if wanted is not None:
        query = query.where(cards.c.deck.in_(wanted))
    with storage_errors(db._target, "counting cards"), db._read() as conn:
        return int(conn.execute(query).scalar_one())


def count_reviews(
    db: Source, *, since: datetime | None = None, decks: Iterable[str] | None = None
) -> int:
    """Return how many reviews an export with these filters would hold (for progress bars).

    Args:
        db: The open database.
        since: Only reviews at or after this time (aware), or None.
        decks: Only these decks, or None for all.

    Returns:
        The count.

    Raises:
        StorageError: If the database cannot be read.
        ValueError: If ``since`` is naive.
    """
    query = select(func.count()).select_from(reviews)
    for condition in _review_filters(since, _deck_list(decks)):
        query = query.where(condition)
    with storage_errors(db._target, "counting reviews"), db._read() as conn:
        return int(conn.execute(query).scalar_one())


def iter_cards(db: Source, *, decks: Iterable[str] | None = None) -> Iterator[CardRow]:
    """Yield cards ordered by deck then template, streamed in batches.

    Args:
        db: The open database or a :class:`Snapshot`.
        decks: Only these decks, or None for all.

    Yields:
        One :class:`CardRow` per card.

    Raises:
        StorageError: If the database cannot be read.
    """
    query = select(*_CARD_SELECT).order_by(cards.c.deck, cards.c.template)
    wanted = _deck_list(decks)
    if wanted is not None:
        query = query.where(cards.c.deck.in_(wanted))
    yield from _stream(db, query, "reading cards", CardRow._make)


def iter_reviews(
    db: Source, *, since: datetime | None = None, decks: Iterable[str] | None = None
) -> Iterator[ReviewRow]:
    """Yield reviews in the order they happened (time, then storage order), streamed.

    Args:
        db: The open database.
        since: Only reviews at or after this time (aware), or None.
        decks: Only these decks, or None for all.

    Yields:
        One :class:`ReviewRow` per review.

    Raises:
        StorageError: If the database cannot be read.
        ValueError: If ``since`` is naive.
    """
    query = (
        select(*_REVIEW_SELECT)
        .join_from(reviews, cards, reviews.c.card_id == cards.c.id)
        .order_by(reviews.c.reviewed_at, reviews.c.id)
    )
    for condition in _review_filters(since, _deck_list(decks)):
        query = query.where(condition)
    yield from _stream(db, query, "reading reviews", ReviewRow._make)


#: A CSV export of reviews is split into parts formatted by separate processes when each part
#: would hold at least this many reviews (starting a worker costs ~30 ms, ~5k reviews' worth).
PARALLEL_MIN_ROWS = 50_000

#: Review kinds are a CHECK-constrained set; every other text cell is quoted with ``%w``
#: (inner quotes doubled) or, when it may be null, ``printf('"%w"', …)`` inside a CASE, so null
#: is an empty cell and a NUL character cuts the text but keeps the closing quote. Timestamps
#: are the stored fixed-width UTC text ``YYYY-MM-DD HH:MM:SS.ffffff`` (schema.UTCDateTime) with
#: the space made a ``T``; seconds are rounded to the millisecond with the same IEEE operations
#: as Python's ``int(s * 1000 + 0.5)``, so this text is byte for byte what
#: ``mathdrill.usecases.transfer.review_csv_line`` makes of an :func:`iter_reviews` row (tested).
CSV_LINE_SQL = """printf('"%w","%w",%sZ,"%w",%s,"%w","%w",%s,"%w",%s,%s,%s,%s,%s,%s,%s,%s,%s,%s
',
  cards.deck, cards.template, replace(reviews.reviewed_at, ' ', 'T'), reviews.kind,
  reviews.seed, reviews.fingerprint, reviews.answer,
  CASE WHEN reviews.read_as IS NULL THEN '' ELSE printf('"%w"', reviews.read_as) END,
  reviews.status,
  CASE WHEN reviews.correct = 1 THEN 'true' ELSE 'false' END,
  CASE WHEN reviews.mistake IS NULL THEN '' ELSE printf('"%w"', reviews.mistake) END,
  reviews.hints,
  CASE WHEN reviews.seconds IS NULL THEN '' ELSE printf('%d.%03d',
    CAST(reviews.seconds * 1000 + 0.5 AS INTEGER) / 1000,
    CAST(reviews.seconds * 1000 + 0.5 AS INTEGER) % 1000) END,
  reviews.quality, reviews.easiness_before_x100, reviews.easiness_after_x100,
  reviews.interval_before, reviews.interval_after,
  CASE WHEN reviews.session_id IS NULL THEN '' ELSE printf('"%w"', reviews.session_id) END)"""


def _stored_time(moment: datetime) -> str:
    # The stored text of a timestamp (schema.UTCDateTime on SQLite): text order is time order.
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def review_csv_plan(
    db: Database,
    *,
    since: datetime | None = None,
    decks: Iterable[str] | None = None,
    parts: int = 2,
) -> tuple[Path, list[csv_worker.Part]] | None:
    """Return the CSV export of reviews as SQL parts for :mod:`~mathdrill.storage.csv_worker`.

    The parts are consecutive ranges of the log in export order (``reviewed_at``, then id, the
    order of :func:`iter_reviews`), split at a review time so that each holds about the same
    number of reviews; each query returns one ready CSV line per review.

    Args:
        db: The open database.
        since: Only reviews at or after this time (aware), or None.
        decks: Only these decks, or None for all.
        parts: How many parts at most; fewer when a part would hold fewer than
            :data:`PARALLEL_MIN_ROWS` reviews (one for a small log).

    Returns:
        The SQLite file and the parts, or None when the database is not an SQLite file (use
        :func:`iter_reviews`).

    Raises:
        StorageError: If the database cannot be read.
        ValueError: If ``since`` is naive.
    """
    target = db._target
    if not target.is_sqlite or target.file is None:
        return None
    wanted = _deck_list(decks)
    where: list[str] = []
    params: list[Any] = []
    if since is not None:
        if since.tzinfo is None or since.utcoffset() is None:
            raise ValueError(f"since must be a timezone-aware datetime, got {since!r}")
        where.append("reviews.reviewed_at >= ?")
        params.append(_stored_time(since))
    if wanted is not None:
        marks = ", ".join("?" * len(wanted))
        # Only placeholders are put into the SQL text (here and below); values are bound.
        where.append(f"reviews.card_id IN (SELECT id FROM cards WHERE deck IN ({marks}))")  # noqa: S608
        params.extend(wanted)
    edges: list[str] = []
    if parts > 1:
        total = count_reviews(db, since=since, decks=wanted)
        parts = max(1, min(parts, total // PARALLEL_MIN_ROWS))
        condition = " AND ".join(where) or "1"
        # The time of the review at each split: an index-only walk of ix_reviews_time.
        at_offset = (
            f"SELECT reviews.reviewed_at FROM reviews WHERE {condition} "  # noqa: S608
            "ORDER BY reviews.reviewed_at, reviews.id LIMIT 1 OFFSET ?"
        )
        with storage_errors(target, "reading reviews"), db._read() as conn:
            raw = conn.connection.driver_connection
            for i in range(1, parts):
                (edge,) = raw.execute(at_offset, (*params, total * i // parts)).fetchone()
                if not edges or edge > edges[-1]:
                    edges.append(str(edge))
    bounds: list[str | None] = [None, *edges, None]
    plan = []
    for low, high in itertools.pairwise(bounds):
        conditions, values = list(where), list(params)
        # Compared as the stored text, whose order is time order (fixed width, UTC).
        if low is not None:
            conditions.append("reviews.reviewed_at >= ?")
            values.append(low)
        if high is not None:
            conditions.append("reviews.reviewed_at < ?")
            values.append(high)
        sql = (
            f"SELECT {CSV_LINE_SQL} FROM reviews JOIN cards ON cards.id = reviews.card_id "  # noqa: S608
            f"WHERE {' AND '.join(conditions) or '1'} ORDER BY reviews.reviewed_at, reviews.id"
        )
        plan.append(csv_worker.Part(sql, tuple(values)))
    return target.file, plan


def write_reviews_csv(
    db: Database,
    out: IO[bytes],
    *,
    header: bytes = b"",
    since: datetime | None = None,
    decks: Iterable[str] | None = None,
    parts: int = 2,
    counted: Callable[[int], None] | None = None,
) -> int | None:
    """Write a header, then the reviews' CSV lines, to a binary sink, formatted by SQLite.

    The fast path of ``export reviews --format csv`` (see :mod:`mathdrill.storage.csv_worker`):
    with ``parts`` > 1 and a large log, the later parts are formatted by worker processes on the
    other cores meanwhile. The text and the order are exactly those of
    ``mathdrill.usecases.transfer.review_csv_line`` over :func:`iter_reviews` (tested). Each part
    is its own read transaction: a review stored while the export runs may or may not be included
    (``export all`` reads everything in one snapshot instead).

    Args:
        db: The open database.
        out: Where the UTF-8 text goes.
        header: Written first (once the database is known to be an SQLite file).
        since: Only reviews at or after this time (aware), or None.
        decks: Only these decks, or None for all.
        parts: Processes to share the work among, at most (see :func:`review_csv_plan`).
        counted: Called with row counts as rows are formatted (possibly from other threads).

    Returns:
        The number of reviews written, or None when the database is not an SQLite file (nothing
        was written: use :func:`iter_reviews`).

    Raises:
        StorageError: If the database cannot be read.
        ValueError: If ``since`` is naive.
    """
    plan = review_csv_plan(db, since=since, decks=decks, parts=parts)
    if plan is None:
        return None
    file, queries = plan
    sink = _GuardedSink(out)
    try:
        sink.write(header)
        with storage_errors(db._target, "reading reviews"):
            try:
                return csv_worker.write_parts(
                    file, round(DEFAULT_BUSY_TIMEOUT * 1000), queries, sink, counted
                )
            except csv_worker.WorkerError as exc:
                raise StorageError(
                    f"Cannot export the reviews of {db._target.shown}: {exc}. Nothing was "
                    "written to a file given with -o; try again, or export with --format jsonl."
                ) from exc
    except _OutputFailed as failed:
        # The caller's output failed (a closed pipe, a full disk): its own error, not the
        # database's, so it passes through untranslated.
        raise failed.error from None


class _OutputFailed(Exception):
    """Carries an error raised by the output past :func:`storage_errors`."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(str(error))
        self.error = error


class _GuardedSink:
    """A binary sink whose failures are told apart from the database's."""

    def __init__(self, out: IO[bytes]) -> None:
        self._out = out

    def write(self, data: bytes) -> int:
        try:
            return self._out.write(data)
        except Exception as exc:
            raise _OutputFailed(exc) from exc

    def flush(self) -> None:
        try:
            self._out.flush()
        except Exception as exc:
            raise _OutputFailed(exc) from exc

    def append_file(self, source: IO[bytes]) -> None:
        try:
            csv_worker.append_file(source, self._out)
        except Exception as exc:
            raise _OutputFailed(exc) from exc


def iter_skill_stats(
    db: Source, *, since: datetime | None = None, decks: Iterable[str] | None = None
) -> Iterator[SkillRow]:
    """Yield one row per skill: its schedule and aggregates of its log, computed in SQL.

    Counts, the last review and the most frequent mistake are GROUP BY aggregates; the median
    answer time uses window functions (``row_number``/``count`` over each card's timed reviews,
    averaging the middle one or two), so no card's log is loaded into Python.

    Args:
        db: The open database.
        since: Aggregate only reviews at or after this time (aware), or None for all.
        decks: Only these decks, or None for all.

    Yields:
        One :class:`SkillRow` per card, ordered by deck then template; cards without reviews
        in the period have zero counts and None aggregates.

    Raises:
        StorageError: If the database cannot be read.
        ValueError: If ``since`` is naive.
    """
    wanted = _deck_list(decks)
    where = _review_filters(since, wanted)
    first_try = reviews.c.kind.in_(FIRST_TRY_KINDS)
    counts = (
        select(
            reviews.c.card_id,
            func.count().label("n"),
            func.sum(case((first_try, 1), else_=0)).label("first_try"),
            func.sum(case((first_try & (reviews.c.correct == true()), 1), else_=0)).label("ok"),
            func.max(reviews.c.reviewed_at).label("last"),
        )
        .where(*where)
        .group_by(reviews.c.card_id)
        .subquery("counts")
    )
    timed = (
        select(
            reviews.c.card_id,
            reviews.c.seconds,
            func.row_number()
            .over(partition_by=reviews.c.card_id, order_by=reviews.c.seconds)
            .label("rn"),
            func.count().over(partition_by=reviews.c.card_id).label("cnt"),
        )
        .where(reviews.c.seconds.is_not(None), *where)
        .subquery("timed")
    )
    # The middle element for an odd count, the mean of the two middle ones for an even count;
    # ``//`` is integer division on every backend.
    median = (
        select(timed.c.card_id, func.avg(timed.c.seconds).label("median"))
        .where(or_(timed.c.rn == (timed.c.cnt + 1) // 2, timed.c.rn == (timed.c.cnt + 2) // 2))
        .group_by(timed.c.card_id)
        .subquery("median")
    )
    mistakes = (
        select(reviews.c.card_id, reviews.c.mistake, func.count().label("n"))
        .where(reviews.c.mistake.is_not(None), *where)
        .group_by(reviews.c.card_id, reviews.c.mistake)
        .subquery("mistakes")
    )
    ranked = select(
        mistakes.c.card_id,
        mistakes.c.mistake,
        mistakes.c.n,
        func.row_number()
        .over(partition_by=mistakes.c.card_id, order_by=(mistakes.c.n.desc(), mistakes.c.mistake))
        .label("rk"),
    ).subquery("ranked")
    query = (
        select(
            cards.c.deck,
            cards.c.template,
            cards.c.repetitions,
            cards.c.easiness_x100,
            cards.c.interval_days,
            cards.c.due,
            cards.c.lapses,
            cards.c.leech,
            cards.c.suspended,
            func.coalesce(counts.c.n, 0),
            func.coalesce(counts.c.first_try, 0),
            func.coalesce(counts.c.ok, 0),
            median.c.median,
            counts.c.last,
            ranked.c.mistake,
            func.coalesce(ranked.c.n, 0),
        )
        .select_from(cards)
        .outerjoin(counts, counts.c.card_id == cards.c.id)
        .outerjoin(median, median.c.card_id == cards.c.id)
        .outerjoin(ranked, and_(ranked.c.card_id == cards.c.id, ranked.c.rk == 1))
        .order_by(cards.c.deck, cards.c.template)
    )
    if wanted is not None:
        query = query.where(cards.c.deck.in_(wanted))

    def make(row: Any) -> SkillRow:
        (deck, template, reps, ef, interval, due, lapses, leech, suspended, *rest) = row
        n, first, ok, med, last, mistake, mistake_n = rest
        return SkillRow(
            deck,
            template,
            int(reps),
            int(ef),
            int(interval),
            due,
            int(lapses),
            bool(leech),
            bool(suspended),
            int(n),
            int(first),
            int(ok),
            None if med is None else float(med),
            _as_utc(last),
            mistake,
            int(mistake_n),
        )

    yield from _stream(db, query, "computing per-skill statistics", make)


def _as_utc(value: Any) -> datetime | None:
    # MAX() over a timestamp comes back through the column type on most backends, but SQLite
    # may hand back the stored text when the aggregate loses the type: normalise both.
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)


# -- import ------------------------------------------------------------------------------------

_staging = MetaData()

# TEMPORARY tables live in the importing connection only and vanish with it; they are also
# dropped explicitly because the engine's pool keeps the connection open.
_import_cards = Table(
    "mathdrill_import_cards",
    _staging,
    Column("n", Integer, primary_key=True),
    Column("deck", String(200), nullable=False),
    Column("template", String(200), nullable=False),
    Column("repetitions", Integer, nullable=False),
    Column("easiness_x100", Integer, nullable=False),
    Column("interval_days", Integer, nullable=False),
    Column("due", UTCDateTime(), nullable=True),
    Column("lapses", Integer, nullable=False),
    Column("suspended", Boolean, nullable=False),
    Column("leech", Boolean, nullable=False),
    Column("created", UTCDateTime(), nullable=False),
    Column("last_review", UTCDateTime(), nullable=True),
    prefixes=["TEMPORARY"],
)

_import_reviews = Table(
    "mathdrill_import_reviews",
    _staging,
    Column("n", Integer, primary_key=True),
    Column("deck", String(200), nullable=False),
    Column("template", String(200), nullable=False),
    Column("reviewed_at", UTCDateTime(), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("seed", BigInteger, nullable=False),
    Column("fingerprint", String(128), nullable=False),
    Column("answer", Text, nullable=False),
    Column("read_as", Text, nullable=True),
    Column("status", String(32), nullable=False),
    Column("correct", Boolean, nullable=False),
    Column("mistake", String(200), nullable=True),
    Column("hints", Integer, nullable=False),
    Column("seconds", Float, nullable=True),
    Column("quality", Integer, nullable=True),
    Column("easiness_before_x100", Integer, nullable=False),
    Column("easiness_after_x100", Integer, nullable=False),
    Column("interval_before", Integer, nullable=False),
    Column("interval_after", Integer, nullable=False),
    Column("session_id", String(64), nullable=True),
    prefixes=["TEMPORARY"],
)

#: The staged reviews the log does not hold yet, with their card's id (see _stage_fresh_reviews).
_fresh_reviews = Table(
    "mathdrill_import_fresh",
    _staging,
    Column("n", Integer, primary_key=True),
    Column("card_id", Integer, nullable=False),
    *(
        Column(c.name, c.type, nullable=c.nullable)
        for c in _import_reviews.c
        if c.name not in ("n", "deck", "template")
    ),
    prefixes=["TEMPORARY"],
)

_CARD_STATE = (
    "repetitions",
    "easiness_x100",
    "interval_days",
    "due",
    "lapses",
    "suspended",
    "leech",
    "last_review",
)

_REVIEW_VALUES = tuple(c.name for c in _import_reviews.c if c.name not in ("n", "deck", "template"))


def _stage(conn: Any, records: Iterable[CardRow | ReviewRow]) -> tuple[int, int]:
    card_batch: list[dict[str, Any]] = []
    review_batch: list[dict[str, Any]] = []
    n_cards = n_reviews = 0
    for record in records:
        if isinstance(record, CardRow):
            n_cards += 1
            card_batch.append({"n": n_cards, **record._asdict()})
            if len(card_batch) >= _STAGE_BATCH:
                conn.execute(insert(_import_cards), card_batch)
                card_batch = []
        else:
            n_reviews += 1
            values = record._asdict()
            del values["card_id"]
            values["n"] = n_reviews
            review_batch.append(values)
            if len(review_batch) >= _STAGE_BATCH:
                conn.execute(insert(_import_reviews), review_batch)
                review_batch = []
    if card_batch:
        conn.execute(insert(_import_cards), card_batch)
    if review_batch:
        conn.execute(insert(_import_reviews), review_batch)
    return n_cards, n_reviews


def _card_changes(conn: Any) -> tuple[list[dict[str, Any]], int]:
    """Return the staged schedules that replace stored ones, and how many cards are new."""
    staged = _import_cards
    newer = staged.c.last_review.is_not(None) & (
        cards.c.last_review.is_(None) | (staged.c.last_review > cards.c.last_review)
    )
    # Cards are few (one per skill), so the ids to update may be listed; the review log is what
    # must never be loaded.
    changes = conn.execute(
        select(cards.c.id.label("target"), *(staged.c[name] for name in _CARD_STATE))
        .join_from(staged, cards, _same_card())
        .where(newer)
    ).all()
    missing = conn.execute(
        select(func.count()).select_from(staged).where(~exists().where(_same_card()))
    ).scalar_one()
    return [row._asdict() for row in changes], int(missing)


def _same_card() -> Any:
    staged = _import_cards
    return and_(cards.c.deck == staged.c.deck, cards.c.template == staged.c.template)


def _merge_cards(conn: Any, changes: list[dict[str, Any]]) -> int:
    """Apply the schedule changes and add the missing cards; return how many were added."""
    staged = _import_cards
    if changes:
        statement = (
            update(cards)
            .where(cards.c.id == bindparam("target"))
            .values({name: bindparam(name) for name in _CARD_STATE})
        )
        for start in range(0, len(changes), _STAGE_BATCH):
            conn.execute(statement, changes[start : start + _STAGE_BATCH])
    names = [c.name for c in staged.c if c.name != "n"]
    missing = (
        select(*(staged.c[name] for name in names))
        .where(~exists().where(_same_card()))
        .order_by(staged.c.n)
    )
    return int(conn.execute(insert(cards).from_select(names, missing)).rowcount)


def _stage_fresh_reviews(conn: Any) -> int:
    """Copy the staged reviews the log does not hold yet into ``_fresh_reviews``; count them.

    Runs after the cards are merged (a review's card must exist to be matched by id), or before
    it, as here when deciding whether anything is new: a review of a card the database lacks has
    no ``card_id`` yet, so it is counted through :func:`_card_changes`' missing cards instead.
    """
    staged = _import_reviews
    key = (staged.c.deck, staged.c.template, staged.c.reviewed_at, staged.c.kind, staged.c.seed)
    ranked = (
        select(
            staged.c.n,
            cards.c.id.label("card_id"),
            *(staged.c[name] for name in _REVIEW_VALUES),
            func.row_number().over(partition_by=key, order_by=staged.c.n).label("copy"),
        )
        .join_from(
            staged,
            cards,
            and_(cards.c.deck == staged.c.deck, cards.c.template == staged.c.template),
        )
        .subquery("ranked")
    )
    # How many copies of this natural key the log holds already (served by the (card_id,
    # reviewed_at) index); the file's copies beyond that number are the new ones.
    stored = (
        select(func.count())
        .select_from(reviews)
        .where(
            reviews.c.card_id == ranked.c.card_id,
            reviews.c.reviewed_at == ranked.c.reviewed_at,
            reviews.c.kind == ranked.c.kind,
            reviews.c.seed == ranked.c.seed,
        )
        .scalar_subquery()
    )
    names = ["n", "card_id", *_REVIEW_VALUES]
    fresh = select(*(ranked.c[name] for name in names)).where(ranked.c.copy > stored)
    conn.execute(delete(_fresh_reviews))
    return int(conn.execute(insert(_fresh_reviews).from_select(names, fresh)).rowcount)


def _merge_reviews(conn: Any) -> int:
    names = ["card_id", *_REVIEW_VALUES]
    rows = select(*(_fresh_reviews.c[name] for name in names)).order_by(_fresh_reviews.c.n)
    return int(conn.execute(insert(reviews).from_select(names, rows)).rowcount)


def merge_import(
    db: Database, records: Iterable[CardRow | ReviewRow], *, now: datetime
) -> MergeResult:
    """Merge validated records into the database in ONE transaction, backing it up first.

    The write lock is taken first (``BEGIN IMMEDIATE`` on SQLite); the records are staged in
    temporary tables and compared with the database (see the module docstring for the matching
    rules). Only when they add or change something is an SQLite file copied next to itself with
    :func:`~mathdrill.storage.migrations.backup_sqlite` (named like a migration backup,
    ``<file>.bak-v<schema>-<UTC time>``) and the merge applied; a file that adds nothing leaves
    the database, and its folder, as they were. If anything fails, nothing is written. Every
    review must name a card that is in ``records`` or already in the database.

    Args:
        db: The open database.
        records: Cards and reviews, already validated by the caller, in any order.
        now: Time stamped on the backup's name (aware).

    Returns:
        What was added, updated and already present, and where the backup is (None when
        nothing changed, or for an in-memory or server database).

    Raises:
        StorageError: If the database cannot be backed up or written (nothing is changed then).
    """
    target = db._target
    with storage_errors(target, "importing"), db._write() as conn:
        backup: Path | None = None
        _staging.drop_all(conn, checkfirst=True)
        _staging.create_all(conn)
        try:
            n_cards, n_reviews = _stage(conn, records)
            changes, missing = _card_changes(conn)
            # Reviews of cards already stored can be matched now; those of missing cards are
            # new with their card (a missing card means a change anyway).
            fresh = _stage_fresh_reviews(conn) if not (changes or missing) else 1
            if not (changes or missing or fresh):
                return MergeResult(0, 0, n_cards, 0, n_reviews, None)
            if target.file is not None:
                backup = migrations.backup_name(target.file, _schema(conn), now)
                migrations.backup_sqlite(target.file, backup)
            cards_added = _merge_cards(conn, changes)
            _stage_fresh_reviews(conn)
            reviews_added = _merge_reviews(conn)
        finally:
            _staging.drop_all(conn, checkfirst=True)
    return MergeResult(
        cards_added=cards_added,
        cards_updated=len(changes),
        cards_unchanged=n_cards - cards_added - len(changes),
        reviews_added=reviews_added,
        reviews_present=n_reviews - reviews_added,
        backup=backup,
    )


def _schema(conn: Any) -> int:
    from mathdrill.storage.tables import SCHEMA_VERSION_KEY, meta

    raw = conn.execute(select(meta.c.value).where(meta.c.key == SCHEMA_VERSION_KEY)).scalar_one()
    return int(raw)
