"""Streaming reads for exports, the per-skill aggregate, and the import merge.

Exports read in batches (``yield_per``: the driver's cursor is consumed with ``fetchmany``), so
memory does not grow with the number of reviews. A card or review crosses the boundary as a
plain tuple in the order of its record's fields (:func:`~mathdrill.storage.records.columns`),
timestamps already in the export's text form: an export turns each tuple into one line with
one call, which keeps ``mathdrill export all`` on 200,000 reviews within its 3 s target.

Imports stage the validated records in temporary tables (copies of the schema's columns,
private to the importing connection) before taking the write lock, then compare, back up and
merge them with set-based SQL in ONE write transaction, so nothing is held in Python memory per
review either, and drills running meanwhile wait for the short merge only, not for the file to
be read. The rules (see ``docs/data.md``, "Export and import"):

- a card is matched by ``(deck, template)``; a card missing from the database is added with the
  file's schedule; a card present in both takes the file's schedule only when the file's
  ``last_review`` is strictly later (it was studied more recently elsewhere), otherwise the
  database's is kept;
- a review is matched by its natural key ``(deck, template, reviewed_at, kind, seed)``; keys are
  counted with multiplicity, so a file holding a key *k* times adds only the copies beyond those
  already stored. Importing the same file twice therefore adds nothing the second time, and an
  export imported into an empty database reproduces it exactly, duplicates included;
- a flag is matched the same way by ``(deck, template, flagged_at, seed)``.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import attrgetter
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    bindparam,
    case,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    true,
    type_coerce,
    update,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from mathdrill.storage.cardlog import Fold, ScheduleFields, add_event, read_logs
from mathdrill.storage.database import CARD_COLUMNS as STORED_CARD_COLUMNS
from mathdrill.storage.database import Database, Snapshot
from mathdrill.storage.engine import WRITE_OPTION
from mathdrill.storage.records import (
    EARLIEST,
    LATEST,
    Card,
    Flag,
    Review,
    card_from_row,
    columns,
    exported,
    timestamp_columns,
)
from mathdrill.storage.tables import card_events, cards, flags, reviews
from mathdrill.vocabulary import MAX_ID_LENGTH, SCHEDULING_KINDS

#: Rows fetched from the driver per batch while streaming (memory stays at one batch).
STREAM_BATCH = 1000

#: Rows written per ``executemany`` while staging an import.
_STAGE_BATCH = 1000


#: A database or one read transaction of it: what the streaming reads read from.
Source = Database | Snapshot

CARD_COLUMNS = columns(Card)
REVIEW_COLUMNS = columns(Review)
FLAG_COLUMNS = columns(Flag)


class ExportTime(TypeDecorator[str]):
    """A stored timestamp read as the export's text, ``2026-03-01T23:30:00.000000Z`` (UTC)."""

    impl = String
    cache_ok = True

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        """Return the export text of a stored timestamp.

        Args:
            value: What the driver returned: on SQLite the stored fixed-width UTC text
                ``YYYY-MM-DD HH:MM:SS.ffffff``, elsewhere an aware datetime.
            dialect: The database dialect in use.

        Returns:
            The text, or None.
        """
        if value is None:
            return None
        if isinstance(value, str):
            return f"{value[:10]}T{value[11:]}Z"
        moment = value.astimezone(UTC).replace(tzinfo=None)
        return moment.isoformat(timespec="microseconds") + "Z"


_TIMES = timestamp_columns(Card) | timestamp_columns(Review) | timestamp_columns(Flag)


def _export_text(db: Source, timestamp: Any) -> Any:
    """Select a timestamp as the export's text: made by SQLite itself from the stored text."""
    if db.is_sqlite:
        return func.replace(type_coerce(timestamp, String), " ", "T").concat("Z")
    return type_coerce(timestamp, ExportTime())


def _exported(db: Source, column: Any) -> Any:
    """Select a column as an export carries it (timestamps as text)."""
    return _export_text(db, column) if column.name in _TIMES else column


#: Where each field of a review record is stored: the log, or its card for the key.
_REVIEW_SOURCE = {"deck": cards.c.deck, "template": cards.c.template} | {
    c.name: c for c in reviews.c if c.name not in ("deck", "template")
}


#: Where each field of a flag record is stored: the flags table, or its card for the key.
_FLAG_SOURCE = {"deck": cards.c.deck, "template": cards.c.template} | {
    c.name: c for c in flags.c if c.name not in ("deck", "template")
}


class SkillRow(NamedTuple):
    """One skill's schedule and the aggregates of its review log (``export stats``).

    Attributes:
        deck: Deck id.
        template: Template id.
        repetitions: SM-2 ``n``.
        easiness_x100: E-Factor in hundredths.
        interval_days: Current interval in days.
        due: Next due time (export text), or None.
        lapses: Lapse count.
        leech: Leech flag.
        suspended: Suspended flag.
        reviews: Reviews of every kind in the period.
        first_try: Reviews that were a first attempt (``learn``/``review``).
        first_try_correct: Of those, how many were correct.
        median_seconds: Median answer time over timed reviews of every kind, or None.
        last_reviewed: Most recent review of any kind in the period (export text), or None.
        top_mistake: The recognised mistake made most often (ties: alphabetical), or None.
        top_mistake_count: How often it was made (0 when none).
    """

    deck: str
    template: str
    repetitions: int
    easiness_x100: int
    interval_days: int
    due: str | None
    lapses: int
    leech: bool
    suspended: bool
    reviews: int
    first_try: int
    first_try_correct: int
    median_seconds: float | None
    last_reviewed: str | None
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
        flags_added: Flags added.
        flags_present: Flags in the file that the database already held.
    """

    cards_added: int
    cards_updated: int
    cards_unchanged: int
    reviews_added: int
    reviews_present: int
    backup: Path | None
    flags_added: int = 0
    flags_present: int = 0


def _deck_list(decks: Iterable[str] | None) -> list[str] | None:
    return None if decks is None else sorted(set(decks))


def _review_filters(db: Source, since: datetime | None, decks: list[str] | None) -> list[Any]:
    where: list[Any] = [db.my_reviews]
    if since is not None:
        if since.tzinfo is None or since.utcoffset() is None:
            raise ValueError(f"since must be a timezone-aware datetime, got {since!r}")
        where.append(reviews.c.reviewed_at >= since)
    if decks is not None:
        where.append(reviews.c.card_id.in_(select(cards.c.id).where(cards.c.deck.in_(decks))))
    return where


def _stream(db: Source, query: Any, action: str) -> Generator[Any, None, None]:
    """Yield a query's rows, fetched from the driver in batches (memory stays at one batch)."""
    with db.read(action) as conn:
        if db.is_sqlite:
            # Every column comes from SQLite as the export wants it (timestamps made text in
            # SQL, flags 0/1), so the rows are taken from the driver's cursor without a
            # SQLAlchemy Row each: a fifth of `mathdrill export all`, kept within its 3 s.
            result = conn.execute(query)
            fetch = result.cursor.fetchmany
        else:
            result = conn.execution_options(yield_per=STREAM_BATCH).execute(query)
            fetch = result.fetchmany
        try:
            while batch := fetch(STREAM_BATCH):
                yield from batch
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
    query = select(func.count()).select_from(cards).where(db.mine)
    wanted = _deck_list(decks)
    if wanted is not None:
        query = query.where(cards.c.deck.in_(wanted))
    with db.read("counting cards") as conn:
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
    for condition in _review_filters(db, since, _deck_list(decks)):
        query = query.where(condition)
    with db.read("counting reviews") as conn:
        return int(conn.execute(query).scalar_one())


def iter_cards(
    db: Source, *, decks: Iterable[str] | None = None
) -> Generator[tuple[Any, ...], None, None]:
    """Yield cards ordered by deck then template, streamed in batches.

    Args:
        db: The open database or a :class:`~mathdrill.storage.database.Snapshot`.
        decks: Only these decks, or None for all.

    Yields:
        One tuple per card: the values of :data:`CARD_COLUMNS`, timestamps as export text.

    Raises:
        StorageError: If the database cannot be read.
    """
    query = select(*(_exported(db, cards.c[name]) for name in CARD_COLUMNS))
    query = query.where(db.mine).order_by(cards.c.deck, cards.c.template)
    wanted = _deck_list(decks)
    if wanted is not None:
        query = query.where(cards.c.deck.in_(wanted))
    yield from _stream(db, query, "reading cards")


def iter_reviews(
    db: Source, *, since: datetime | None = None, decks: Iterable[str] | None = None
) -> Generator[tuple[Any, ...], None, None]:
    """Yield reviews in the order they happened (time, then storage order), streamed.

    Args:
        db: The open database or a :class:`~mathdrill.storage.database.Snapshot`.
        since: Only reviews at or after this time (aware), or None.
        decks: Only these decks, or None for all.

    Yields:
        One tuple per review: the values of :data:`REVIEW_COLUMNS`, timestamps as export
        text, then the card's database id.

    Raises:
        StorageError: If the database cannot be read.
        ValueError: If ``since`` is naive.
    """
    selected = (
        *(_exported(db, _REVIEW_SOURCE[name]) for name in REVIEW_COLUMNS),
        reviews.c.card_id,
    )
    query = (
        select(*selected)
        .join_from(reviews, cards, reviews.c.card_id == cards.c.id)
        .order_by(reviews.c.reviewed_at, reviews.c.id)
    )
    for condition in _review_filters(db, since, _deck_list(decks)):
        query = query.where(condition)
    yield from _stream(db, query, "reading reviews")


def _flag_filters(db: Source, since: datetime | None, decks: list[str] | None) -> list[Any]:
    where: list[Any] = [db.mine]
    if since is not None:
        if since.tzinfo is None or since.utcoffset() is None:
            raise ValueError(f"since must be a timezone-aware datetime, got {since!r}")
        where.append(flags.c.flagged_at >= since)
    if decks is not None:
        where.append(cards.c.deck.in_(decks))
    return where


def count_flags(
    db: Source, *, since: datetime | None = None, decks: Iterable[str] | None = None
) -> int:
    """Return how many flags an export with these filters would hold.

    Args:
        db: The open database.
        since: Only flags at or after this time (aware), or None.
        decks: Only these decks, or None for all.

    Returns:
        The count.

    Raises:
        StorageError: If the database cannot be read.
        ValueError: If ``since`` is naive.
    """
    query = (
        select(func.count())
        .select_from(flags.join(cards, flags.c.card_id == cards.c.id))
        .where(*_flag_filters(db, since, _deck_list(decks)))
    )
    with db.read("counting flags") as conn:
        return int(conn.execute(query).scalar_one())


def iter_flags(
    db: Source, *, since: datetime | None = None, decks: Iterable[str] | None = None
) -> Generator[tuple[Any, ...], None, None]:
    """Yield flags in the order they were made (time, then storage order), streamed.

    Args:
        db: The open database or a :class:`~mathdrill.storage.database.Snapshot`.
        since: Only flags at or after this time (aware), or None.
        decks: Only these decks, or None for all.

    Yields:
        One tuple per flag: the values of :data:`FLAG_COLUMNS`, timestamps as export text.

    Raises:
        StorageError: If the database cannot be read.
        ValueError: If ``since`` is naive.
    """
    query = (
        select(*(_exported(db, _FLAG_SOURCE[name]) for name in FLAG_COLUMNS))
        .join_from(flags, cards, flags.c.card_id == cards.c.id)
        .where(*_flag_filters(db, since, _deck_list(decks)))
        .order_by(flags.c.flagged_at, flags.c.id)
    )
    yield from _stream(db, query, "reading flags")


def iter_skill_stats(
    db: Source, *, since: datetime | None = None, decks: Iterable[str] | None = None
) -> Generator[SkillRow, None, None]:
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
    where = _review_filters(db, since, wanted)
    first_try = reviews.c.kind.in_(sorted(SCHEDULING_KINDS))
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
            _export_text(db, cards.c.due),
            cards.c.lapses,
            cards.c.leech,
            cards.c.suspended,
            func.coalesce(counts.c.n, 0),
            func.coalesce(counts.c.first_try, 0),
            func.coalesce(counts.c.ok, 0),
            median.c.median,
            _export_text(db, counts.c.last),
            ranked.c.mistake,
            func.coalesce(ranked.c.n, 0),
        )
        .select_from(cards)
        .outerjoin(counts, counts.c.card_id == cards.c.id)
        .outerjoin(median, median.c.card_id == cards.c.id)
        .outerjoin(ranked, and_(ranked.c.card_id == cards.c.id, ranked.c.rk == 1))
        .where(db.mine)
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
            last,
            mistake,
            int(mistake_n),
        )

    yield from map(make, _stream(db, query, "computing per-skill statistics"))


# -- import ------------------------------------------------------------------------------------

_staging = MetaData()


def _copy(column: Any) -> Column[Any]:
    return Column(column.name, column.type, nullable=column.nullable)


# TEMPORARY tables live in the importing connection only and vanish with it; they are also
# dropped explicitly because the engine's pool keeps the connection open. Their columns are
# copies of the schema's, one per field of the records.
_import_cards = Table(
    "mathdrill_import_cards",
    _staging,
    Column("n", Integer, primary_key=True),
    *(_copy(cards.c[name]) for name in CARD_COLUMNS),
    prefixes=["TEMPORARY"],
)

_import_reviews = Table(
    "mathdrill_import_reviews",
    _staging,
    Column("n", Integer, primary_key=True),
    *(_copy(_REVIEW_SOURCE[name]) for name in REVIEW_COLUMNS),
    prefixes=["TEMPORARY"],
)

_import_flags = Table(
    "mathdrill_import_flags",
    _staging,
    Column("n", Integer, primary_key=True),
    *(_copy(_FLAG_SOURCE[name]) for name in FLAG_COLUMNS),
    prefixes=["TEMPORARY"],
)

#: What a flag stores besides its card: the columns the merge copies into ``flags``.
_FLAG_VALUES = tuple(name for name in FLAG_COLUMNS if name not in ("deck", "template"))

#: What a review stores besides its card: the columns the merge copies into the log.
_REVIEW_VALUES = tuple(name for name in REVIEW_COLUMNS if name not in ("deck", "template"))

#: The staged reviews the log does not hold yet, with their card's id (see _stage_fresh_reviews).
_fresh_reviews = Table(
    "mathdrill_import_fresh",
    _staging,
    Column("n", Integer, primary_key=True),
    _copy(reviews.c.card_id),
    *(_copy(reviews.c[name]) for name in _REVIEW_VALUES),
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

_card_values = attrgetter(*CARD_COLUMNS)
_review_values = attrgetter(*REVIEW_COLUMNS)
_flag_values = attrgetter(*FLAG_COLUMNS)


def _stage(conn: Any, records: Iterable[Card | Review | Flag]) -> tuple[int, int, int]:
    card_batch: list[dict[str, Any]] = []
    review_batch: list[dict[str, Any]] = []
    flag_batch: list[dict[str, Any]] = []
    n_cards = n_reviews = n_flags = 0
    for record in records:
        if isinstance(record, Flag):
            # Flags are few (a learner's reports): staged in one batch.
            n_flags += 1
            values = zip(FLAG_COLUMNS, _flag_values(record), strict=True)
            flag_batch.append(dict(values, n=n_flags))
        elif isinstance(record, Card):
            n_cards += 1
            card_batch.append(dict(zip(CARD_COLUMNS, _card_values(record), strict=True), n=n_cards))
            if len(card_batch) >= _STAGE_BATCH:
                conn.execute(insert(_import_cards), card_batch)
                card_batch = []
        else:
            n_reviews += 1
            values = zip(REVIEW_COLUMNS, _review_values(record), strict=True)
            review_batch.append(dict(values, n=n_reviews))
            if len(review_batch) >= _STAGE_BATCH:
                conn.execute(insert(_import_reviews), review_batch)
                review_batch = []
    if card_batch:
        conn.execute(insert(_import_cards), card_batch)
    if review_batch:
        conn.execute(insert(_import_reviews), review_batch)
    if flag_batch:
        conn.execute(insert(_import_flags), flag_batch)
    return n_cards, n_reviews, n_flags


def _inserted(conn: Any, statement: Any) -> int:
    """Run an ``INSERT … SELECT`` and return how many rows it added (on every backend)."""
    # Without preserve_rowcount SQLAlchemy reports -1 for an INSERT on PostgreSQL (psycopg).
    return int(conn.execute(statement.execution_options(preserve_rowcount=True)).rowcount)


def _card_changes(conn: Any, learner_id: int) -> tuple[list[dict[str, Any]], int]:
    """Return the staged schedules that replace stored ones, and how many cards are new."""
    staged = _import_cards
    newer = staged.c.last_review.is_not(None) & (
        cards.c.last_review.is_(None) | (staged.c.last_review > cards.c.last_review)
    )
    # Cards are few (one per skill), so the ids to update may be listed; the review log is what
    # must never be loaded.
    changes = conn.execute(
        select(cards.c.id.label("target"), *(staged.c[name] for name in _CARD_STATE))
        .join_from(staged, cards, _same_card(learner_id))
        .where(newer)
    ).all()
    missing = conn.execute(
        select(func.count()).select_from(staged).where(~exists().where(_same_card(learner_id)))
    ).scalar_one()
    return [row._asdict() for row in changes], int(missing)


def _same_card(learner_id: int, staged: Any = _import_cards) -> Any:
    return and_(
        cards.c.learner_id == learner_id,
        cards.c.deck == staged.c.deck,
        cards.c.template == staged.c.template,
    )


def _merge_cards(conn: Any, changes: list[dict[str, Any]], learner_id: int) -> int:
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
        select(*(staged.c[name] for name in names), literal(learner_id))
        .where(~exists().where(_same_card(learner_id)))
        .order_by(staged.c.n)
    )
    return _inserted(conn, insert(cards).from_select([*names, "learner_id"], missing))


def _stage_fresh_reviews(conn: Any, learner_id: int) -> int:
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
        .join_from(staged, cards, _same_card(learner_id, staged))
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
    return _inserted(conn, insert(_fresh_reviews).from_select(names, fresh))


def _fresh_flags(learner_id: int) -> Any:
    """Select the staged flags the database does not hold yet, with their card's id.

    Matched like reviews: by ``(deck, template, flagged_at, seed)``, counted with multiplicity.
    Only flags of cards already stored are selected: run it after the cards are merged.
    """
    staged = _import_flags
    key = (staged.c.deck, staged.c.template, staged.c.flagged_at, staged.c.seed)
    ranked = (
        select(
            staged.c.n,
            cards.c.id.label("card_id"),
            *(staged.c[name] for name in _FLAG_VALUES),
            func.row_number().over(partition_by=key, order_by=staged.c.n).label("copy"),
        )
        .join_from(staged, cards, _same_card(learner_id, staged))
        .subquery("ranked_flags")
    )
    stored = (
        select(func.count())
        .select_from(flags)
        .where(
            flags.c.card_id == ranked.c.card_id,
            flags.c.flagged_at == ranked.c.flagged_at,
            flags.c.seed == ranked.c.seed,
        )
        .scalar_subquery()
    )
    names = ["card_id", *_FLAG_VALUES]
    return (
        select(*(ranked.c[name] for name in names))
        .where(ranked.c.copy > stored)
        .order_by(ranked.c.n)
    )


def _count_fresh_flags(conn: Any, learner_id: int) -> int:
    fresh = _fresh_flags(learner_id).subquery("fresh_flags")
    return int(conn.execute(select(func.count()).select_from(fresh)).scalar_one())


def _merge_flags(conn: Any, learner_id: int) -> int:
    names = ["card_id", *_FLAG_VALUES]
    fresh = _fresh_flags(learner_id)
    return int(conn.execute(insert(flags).from_select(names, fresh)).rowcount)


def _merge_reviews(conn: Any, learner_id: int) -> int:
    names = ["card_id", *_REVIEW_VALUES]
    rows = select(*(_fresh_reviews.c[name] for name in names), literal(learner_id)).order_by(
        _fresh_reviews.c.n
    )
    return _inserted(conn, insert(reviews).from_select([*names, "learner_id"], rows))


def _touched(conn: Any, learner_id: int) -> set[int]:
    """The cards an import touched: those in the file, and those given reviews."""
    mine = select(cards.c.id).join_from(_import_cards, cards, _same_card(learner_id))
    touched = {row[0] for row in conn.execute(mine)}
    touched.update(row[0] for row in conn.execute(select(_fresh_reviews.c.card_id).distinct()))
    return touched


def _unexplained(logs: dict[int, Any], fold: Fold) -> dict[int, Any]:
    """The cards whose row their log does not fold to, with the state their row holds."""
    found = {}
    for card_id, log in logs.items():
        held = ScheduleFields.of(log.card)
        folded = fold(log)
        if folded is not None and folded.schedule != held:
            found[card_id] = (log, held)
    return found


def _settle(db: Database, touched: set[int], fold: Fold, now: datetime) -> None:
    """Log an ``adopt`` event for each imported card whose new log does not explain its row.

    After the merge, a card touched by the import keeps the schedule the merge rules gave it;
    when its log (old and imported reviews and events) folds to something else — a partial
    export, another machine's time zone, histories that diverged — the card's row is recorded
    as adopted, after every entry of its log, so the cards table stays a fold over the log.

    Folding is slow next to the merge (every review of every touched card), so it runs after
    the merge has committed and released the write lock, on a snapshot: drills writing
    meanwhile are not held up (a 200,000-review import must not make them wait past their busy
    timeout). Only the cards found unexplained are read and folded again under the lock, and
    get their event there.
    """
    with db.snapshot() as snap, snap.read("checking the imported schedules") as conn:
        suspects = _unexplained(read_logs(conn, touched, db.mine), fold)
    if not suspects:
        return
    with db.write("recording adopted schedules") as conn:
        # A card a drill answered (or changed) since the snapshot is read and folded again; the
        # others are written from the snapshot, so the lock is held for a few counts only.
        changed = _changed_since(conn, suspects)
        for card_id in changed:
            del suspects[card_id]
        if changed:
            suspects.update(_unexplained(read_logs(conn, changed), fold))
        for card_id, (log, held) in suspects.items():
            times = [r.reviewed_at for r in log.reviews] + [e.at for e in log.events]
            add_event(conn, card_id, "adopt", max([now, *times]), adopted=held)


def _changed_since(conn: Any, seen: dict[int, Any]) -> set[int]:
    """The cards among ``seen`` whose row, reviews or events differ from the log read then."""
    ids = sorted(seen)
    changed: set[int] = set()
    for start in range(0, len(ids), _STAGE_BATCH):
        chunk = ids[start : start + _STAGE_BATCH]
        n_reviews = dict(
            conn.execute(
                select(reviews.c.card_id, func.count())
                .where(reviews.c.card_id.in_(chunk))
                .group_by(reviews.c.card_id)
            ).all()
        )
        n_events = dict(
            conn.execute(
                select(card_events.c.card_id, func.count())
                .where(card_events.c.card_id.in_(chunk))
                .group_by(card_events.c.card_id)
            ).all()
        )
        stored = select(*STORED_CARD_COLUMNS).where(cards.c.id.in_(chunk))
        rows = {row.id: row for row in conn.execute(stored)}
        for card_id in chunk:
            log, held = seen[card_id]
            row = rows.get(card_id)
            if (
                row is None
                or n_reviews.get(card_id, 0) != len(log.reviews)
                or n_events.get(card_id, 0) != len(log.events)
                or ScheduleFields.of(card_from_row(row)) != held
            ):
                changed.add(card_id)
    return changed


def merge_import(
    db: Database,
    records: Iterable[Card | Review | Flag],
    *,
    now: datetime,
    fold: Fold | None = None,
) -> MergeResult:
    """Merge validated records into the database in ONE write transaction, backing it up first.

    The records are first staged in temporary tables (private to this connection) WITHOUT the
    write lock: reading and converting the file is the slow part of a large import, and drills
    running meanwhile keep recording their answers. Only then is the write lock taken (``BEGIN
    IMMEDIATE`` on SQLite) for the comparison with the database (see the module docstring for
    the matching rules), the backup and the set-based merge, all in one transaction. Only when
    the records add or change something is an SQLite file copied next to itself with
    :func:`~mathdrill.storage.migrations.backup_sqlite` (named like a migration backup,
    ``<file>.bak-v<schema>-<UTC time>``) and the merge applied; a file that adds nothing leaves
    the database, and its folder, as they were. If anything fails, nothing is written. Every
    review and flag must name a card that is in ``records`` or already in the database.

    Args:
        db: The open database.
        records: Cards, reviews and flags, already validated by the caller, in any order.
        now: Time stamped on the backup's name (aware), and the time of ``adopt`` events.
        fold: What a card's log folds to (``scheduling/replay.py``); when given, every card the
            import touched whose row its log does not explain gets an ``adopt`` event, written
            right after the merge commits (see :func:`_settle`).

    Returns:
        What was added, updated and already present, and where the backup is (None when
        nothing changed, or for an in-memory or server database).

    Raises:
        StorageError: If the database cannot be backed up or written (nothing is changed then).
    """
    with db.read("importing") as conn:
        try:
            with conn.begin():
                _staging.drop_all(conn, checkfirst=True)
                _staging.create_all(conn)
                n_cards, n_reviews, n_flags = _stage(conn, records)
            backup: Path | None = None
            with conn.execution_options(**{WRITE_OPTION: True}).begin():
                learner_id = db.learner.id
                changes, missing = _card_changes(conn, learner_id)
                # Reviews of cards already stored can be matched now; those of missing cards are
                # new with their card (a missing card means a change anyway).
                fresh = (
                    _stage_fresh_reviews(conn, learner_id) or _count_fresh_flags(conn, learner_id)
                    if not (changes or missing)
                    else 1
                )
                if not (changes or missing or fresh):
                    return MergeResult(0, 0, n_cards, 0, n_reviews, None, 0, n_flags)
                backup = db.backup(conn, now)
                cards_added = _merge_cards(conn, changes, learner_id)
                _stage_fresh_reviews(conn, learner_id)
                reviews_added = _merge_reviews(conn, learner_id)
                flags_added = _merge_flags(conn, learner_id)
                touched = _touched(conn, learner_id) if fold is not None else set()
        finally:
            if conn.in_transaction():
                conn.rollback()
            # The next import drops them too; an error here must not hide the one that matters.
            with suppress(Exception), conn.begin():
                _staging.drop_all(conn, checkfirst=True)
    if fold is not None and touched:
        _settle(db, touched, fold, now)
    return MergeResult(
        cards_added=cards_added,
        cards_updated=len(changes),
        cards_unchanged=n_cards - cards_added - len(changes),
        reviews_added=reviews_added,
        reviews_present=n_reviews - reviews_added,
        backup=backup,
        flags_added=flags_added,
        flags_present=n_flags - flags_added,
    )


# -- values outside the range the program can use (``mathdrill doctor``) ------------------------


class RangeProblem(NamedTuple):
    """A stored row holding a value an import would refuse (see :func:`out_of_range`).

    Attributes:
        table: ``card`` or ``review``.
        id: The row's id.
        card: The card's ``deck/template``.
        what: The values out of range, in words (``due 9999-12-31 …, interval_days 2147483647``).
    """

    table: str
    id: int
    card: str
    what: str


def _limits(table: Any) -> list[tuple[str, Any, Any]]:
    """Each checked column of a table (or of the cards joined to reviews) with its bounds."""
    checks: list[tuple[str, Any, Any]] = []
    for spec in exported(Card if table is cards else Review):
        meta = spec.metadata
        column = table.c.get(spec.name)
        if column is None or meta["check"] not in ("time", "whole"):
            continue
        if meta["check"] == "time":
            checks.append((spec.name, column, (EARLIEST, LATEST)))
        else:
            checks.append((spec.name, column, (meta["low"], meta["high"])))
    return checks


def out_of_range(db: Database, *, limit: int = 100) -> tuple[list[RangeProblem], int]:
    """Find stored cards and reviews holding values an import refuses.

    Such rows were written by hand or by an older mathdrill: timestamps outside the usable
    years, intervals, E-Factors or seeds out of bounds, ids longer than the schema's columns.

    Args:
        db: The open database.
        limit: List at most this many rows of each table.

    Returns:
        The rows found (cards first, then reviews, by id) and how many there are in all.

    Raises:
        StorageError: If the database cannot be read.
    """
    found: list[RangeProblem] = []
    total = 0
    with db.read("looking for values out of range") as conn:
        for table in (cards, reviews):
            checks = _limits(table)
            bad = [
                or_(column < low, column >= high)
                if name in _TIMES
                else or_(column < low, column > high)
                for name, column, (low, high) in checks
            ]
            raw = [type_coerce(column, String) for _name, column, _bounds in checks]
            key = (cards.c.deck, cards.c.template)
            if table is cards:
                bad += [func.length(column) > MAX_ID_LENGTH for column in key]
                query = select(cards.c.id, *key, *raw)
            else:
                query = select(reviews.c.id, *key, *raw).join_from(
                    reviews, cards, reviews.c.card_id == cards.c.id
                )
            query = query.where(or_(*bad))
            total += conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
            for row in conn.execute(query.order_by(table.c.id).limit(limit)):
                row_id, deck, template, *values = row
                parts = [
                    f"{name} {value}"
                    for (name, _c, _b), value in zip(checks, values, strict=True)
                    if _outside(name, value, _b)
                ]
                if table is cards:
                    parts += [
                        f"{name} longer than {MAX_ID_LENGTH} characters"
                        for name, text in (("deck", deck), ("template", template))
                        if len(text) > MAX_ID_LENGTH
                    ]
                name = "card" if table is cards else "review"
                found.append(
                    RangeProblem(name, int(row_id), f"{deck}/{template}", ", ".join(parts))
                )
    return found, total


def _outside(name: str, value: Any, bounds: tuple[Any, Any]) -> bool:
    """Whether a stored value (timestamps as their stored text) is outside its bounds."""
    if value is None:
        return False
    low, high = bounds
    if name in _TIMES:
        if isinstance(value, datetime):  # PostgreSQL returns the timestamp itself
            return not low <= value < high
        text = str(value)
        return not _stored(low) <= text < _stored(high)
    return not low <= int(value) <= high


def _stored(moment: datetime) -> str:
    """A timestamp as SQLite stores it (fixed width, so text order is time order)."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
