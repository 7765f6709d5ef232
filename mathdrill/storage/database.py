"""The :class:`Database`: every read and write of mathdrill's progress goes through it.

SQLAlchemy objects never leave the storage package: methods take and return the plain
dataclasses of :mod:`mathdrill.storage.records`, and every database or file-system failure is
raised as :class:`~mathdrill.errors.StorageError` with a message that names the file and says
what to do. It is one module because every method shares the engine, the transaction rules and
the opening checks.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import quote

from sqlalchemy import Connection, case, delete, false, func, insert, inspect, select, update
from sqlalchemy.engine import URL, Engine

from mathdrill.errors import NotFoundError, StorageError, UsageError
from mathdrill.storage import migrations, rowsecurity
from mathdrill.storage.engine import (
    DEFAULT_BUSY_TIMEOUT,
    WRITE_OPTION,
    Target,
    is_unreachable,
    make_engine,
    parse_target,
    snapshot_options,
    storage_errors,
)
from mathdrill.storage.records import (
    INITIAL_EASINESS_X100,
    Card,
    CardUpdate,
    DeckCounts,
    Flag,
    Learner,
    Review,
    card_from_row,
)
from mathdrill.storage.tables import (
    SCHEMA_VERSION,
    SCHEMA_VERSION_KEY,
    card_events,
    cards,
    flags,
    learners,
    meta,
    metadata,
    reviews,
)
from mathdrill.vocabulary import DEFAULT_LEARNER, LEARNER_RE, SCHEDULING_KINDS

_INSERT_BATCH = 500


def _aware(name: str, value: datetime) -> None:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got {value!r}")


#: Card columns in the order :func:`~mathdrill.storage.records.card_from_row` unpacks them.
CARD_COLUMNS = (
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

# Every column of a flag and its card's key: every field of a Flag, by name.
_FLAG_COLUMNS = (*flags.c, cards.c.deck, cards.c.template)

# Every column of the log and the card's key: every field of a Review, by name.
_REVIEW_COLUMNS = (
    *(c for c in reviews.c if c.name != "learner_id"),
    cards.c.deck,
    cards.c.template,
)


class Snapshot:
    """One read transaction, shared by the reads of an export (see :meth:`Database.snapshot`).

    Args:
        target: Where the database is (for messages).
        conn: The connection holding the read transaction.
        learner: Whose rows the reads see (:attr:`mine`, :attr:`my_reviews`).
    """

    def __init__(self, target: Target, conn: Connection, learner: Learner) -> None:
        self._target = target
        self._conn = conn
        self.learner = learner
        self.mine = cards.c.learner_id == learner.id
        self.my_reviews = reviews.c.learner_id == learner.id

    @property
    def is_sqlite(self) -> bool:
        """Return True when the database is SQLite."""
        return self._target.is_sqlite

    @contextmanager
    def read(self, action: str) -> Iterator[Connection]:
        """Give the snapshot's connection to a read; failures become StorageError.

        Args:
            action: What is being done, for the message.

        Yields:
            The connection inside the shared read transaction.
        """
        with storage_errors(self._target, action):
            yield self._conn


class Database:
    """An open mathdrill database. Use :func:`open_database` to get one.

    Every method runs in its own short transaction; writes take the write lock at ``BEGIN``
    (``BEGIN IMMEDIATE`` on SQLite) and are committed before the method returns. Usable as a
    context manager, which closes it.

    Args:
        target: Where the database is.
        engine: The configured engine.
        backup_path: The backup made by a migration while opening, or None.
        read_only: The file was opened read-only (see :attr:`read_only`).
    """

    def __init__(
        self,
        target: Target,
        engine: Engine,
        backup_path: Path | None,
        *,
        read_only: bool = False,
        learner: Learner,
    ) -> None:
        self._target = target
        self._engine: Engine | None = engine
        self._writer = engine.execution_options(**{WRITE_OPTION: True})
        self._backup_path = backup_path
        self._read_only = read_only
        self._learner = learner
        # Every read and write of cards and reviews is limited to this learner's rows.
        self.mine = cards.c.learner_id == learner.id
        self.my_reviews = reviews.c.learner_id == learner.id

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def path(self) -> str:
        """Return where the database is: the file path, ``:memory:``, or the URL sans password."""
        return self._target.shown

    @property
    def learner(self) -> Learner:
        """Return the learner whose progress this handle reads and writes."""
        return self._learner

    @property
    def read_only(self) -> bool:
        """Return True when the file was opened read-only (this process may not write it)."""
        return self._read_only

    @property
    def backup_path(self) -> Path | None:
        """Return the backup copy a migration made while opening, or None."""
        return self._backup_path

    def close(self) -> None:
        """Close every connection (SQLite then checkpoints the WAL). Safe to call twice."""
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def __enter__(self) -> Database:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _live(self) -> Engine:
        if self._engine is None:
            raise StorageError(f"The database {self.path} was already closed.")
        return self._engine

    @property
    def is_sqlite(self) -> bool:
        """Return True when the database is SQLite (a file or in memory)."""
        return self._target.is_sqlite

    @contextmanager
    def read(self, action: str) -> Iterator[Connection]:
        """Give the storage modules a connection to read with; failures become StorageError.

        Args:
            action: What is being done, for the message ("reading cards").

        Yields:
            The connection (each statement is its own read transaction).
        """
        with storage_errors(self._target, action), self._live().connect() as conn:
            yield conn

    @contextmanager
    def write(self, action: str) -> Iterator[Connection]:
        """Give the storage modules one write transaction (``BEGIN IMMEDIATE`` on SQLite).

        Args:
            action: What is being done, for the message ("importing").

        Yields:
            The connection; the transaction commits when the block ends, or rolls back.
        """
        self._live()
        with storage_errors(self._target, action), self._writer.begin() as conn:
            yield conn

    @contextmanager
    def snapshot(self) -> Iterator[Snapshot]:
        """Open one read transaction for several reads that must agree with each other.

        Only opening and closing are translated into StorageError: an exception raised by the
        caller's own work inside the block (a closed output pipe is an OSError too) passes
        through as it is.

        Yields:
            A :class:`Snapshot` to read through; the transaction ends with the block.
        """
        stack = ExitStack()
        with storage_errors(self._target, "reading the database"):
            conn = stack.enter_context(self._live().connect())
            conn.execution_options(**snapshot_options(self._target))
            stack.enter_context(conn.begin())
        try:
            yield Snapshot(self._target, conn, self._learner)
        except BaseException:
            with suppress(Exception):
                stack.close()
            raise
        with storage_errors(self._target, "reading the database"):
            stack.close()

    def backup(self, conn: Connection, now: datetime) -> Path | None:
        """Copy an SQLite file next to itself before a change (named like a migration backup).

        Args:
            conn: The write transaction about to change the database (for its schema version).
            now: Time stamped on the backup's name (aware).

        Returns:
            The copy, or None for an in-memory or server database, or one that holds no card
            and no review (there is nothing in it to restore).
        """
        if self._target.file is None:
            return None
        held = select(select(cards.c.id).exists() | select(reviews.c.id).exists())
        if not conn.execute(held).scalar_one():
            return None
        copy = migrations.backup_name(self._target.file, _read_version(conn, self._target), now)
        migrations.backup_sqlite(self._target.file, copy)
        return copy

    # -- cards -------------------------------------------------------------------------------

    def ensure_cards(self, keys: Iterable[tuple[str, str]], now: datetime) -> int:
        """Create a card for every ``(deck, template)`` that has none; existing cards are kept.

        Args:
            keys: The skills of the loaded decks.
            now: Creation time for new cards (aware).

        Returns:
            How many cards were created.

        Raises:
            StorageError: If the database cannot be written.
            ValueError: If a key is not a pair of non-empty strings or ``now`` is naive.
        """
        _aware("now", now)
        wanted = list(dict.fromkeys(keys))
        for key in wanted:
            if (
                not isinstance(key, tuple)
                or len(key) != 2
                or not all(isinstance(part, str) and part for part in key)
            ):
                raise ValueError(f"a card key is (deck, template), both non-empty; got {key!r}")
        if not wanted:
            return 0
        decks = sorted({deck for deck, _ in wanted})
        with self.write("adding new cards") as conn:
            existing = {
                (row.deck, row.template)
                for row in conn.execute(
                    select(cards.c.deck, cards.c.template).where(self.mine, cards.c.deck.in_(decks))
                )
            }
            missing = [key for key in wanted if key not in existing]
            rows = [
                {
                    "learner_id": self._learner.id,
                    "deck": deck,
                    "template": template,
                    "repetitions": 0,
                    "easiness_x100": INITIAL_EASINESS_X100,
                    "interval_days": 0,
                    "due": None,
                    "lapses": 0,
                    "suspended": False,
                    "leech": False,
                    "created": now,
                    "last_review": None,
                }
                for deck, template in missing
            ]
            for start in range(0, len(rows), _INSERT_BATCH):
                conn.execute(insert(cards), rows[start : start + _INSERT_BATCH])
        return len(missing)

    def card(self, deck: str, template: str) -> Card | None:
        """Return the card of a skill, or None when it has none yet.

        Args:
            deck: Deck id.
            template: Template id.

        Returns:
            The card or None.

        Raises:
            StorageError: If the database cannot be read.
        """
        query = select(*CARD_COLUMNS).where(
            self.mine, cards.c.deck == deck, cards.c.template == template
        )
        with self.read("reading a card") as conn:
            row = conn.execute(query).one_or_none()
        return None if row is None else card_from_row(row)

    def cards(self, deck: str | None = None) -> list[Card]:
        """Return every card (or every card of one deck), ordered by deck then template.

        Args:
            deck: Only this deck's cards, or None for all.

        Returns:
            The cards.

        Raises:
            StorageError: If the database cannot be read.
        """
        query = select(*CARD_COLUMNS).where(self.mine).order_by(cards.c.deck, cards.c.template)
        if deck is not None:
            query = query.where(cards.c.deck == deck)
        with self.read("reading cards") as conn:
            return [card_from_row(row) for row in conn.execute(query)]

    def count_due(self, now: datetime) -> int:
        """Return how many cards are due at ``now`` (not suspended).

        Args:
            now: The current time (aware).

        Returns:
            The count.

        Raises:
            StorageError: If the database cannot be read.
        """
        _aware("now", now)
        query = (
            select(func.count())
            .select_from(cards)
            .where(self.mine, cards.c.suspended == false(), cards.c.due <= now)
        )
        with self.read("counting due cards") as conn:
            return int(conn.execute(query).scalar_one())

    def due_by_deck(self, now: datetime, edges: Iterable[datetime]) -> dict[str, DeckCounts]:
        """Count each deck's cards by state in one pass: due now, due before each edge, new.

        Args:
            now: The current time (aware).
            edges: Increasing aware instants; ``due_before[i]`` counts unsuspended cards due
                before ``edges[i]`` (overdue ones included), so consecutive differences give
                the cards falling due in each interval.

        Returns:
            ``{deck: DeckCounts}`` for every deck with cards.

        Raises:
            StorageError: If the database cannot be read.
        """
        _aware("now", now)
        bounds = list(edges)
        for edge in bounds:
            _aware("edge", edge)
        active = cards.c.suspended == false()
        # One GROUP BY with conditional sums: every deck and every day asked for in one query.
        columns = [
            cards.c.deck,
            func.count(),
            func.sum(case((active & (cards.c.due <= now), 1), else_=0)),
            func.sum(case((active & cards.c.due.is_(None), 1), else_=0)),
            func.sum(case((cards.c.suspended != false(), 1), else_=0)),
            *(func.sum(case((active & (cards.c.due < edge), 1), else_=0)) for edge in bounds),
        ]
        query = select(*columns).where(self.mine).group_by(cards.c.deck).order_by(cards.c.deck)
        result: dict[str, DeckCounts] = {}
        with self.read("counting due cards per deck") as conn:
            for row in conn.execute(query):
                deck, total, due_now, new, suspended, *before = row
                result[deck] = DeckCounts(
                    total=int(total),
                    due_now=int(due_now or 0),
                    new=int(new or 0),
                    suspended=int(suspended or 0),
                    due_before=tuple(int(n or 0) for n in before),
                )
        return result

    def set_suspended(
        self, deck: str, template: str, flag: bool, *, now: datetime | None = None
    ) -> Card:
        """Suspend a card (take it out of every queue) or bring it back.

        A change of the flag is logged as a card event (``suspend``/``unsuspend``), so the
        card's state stays a fold over its log.

        Args:
            deck: Deck id.
            template: Template id.
            flag: True to suspend, False to unsuspend.
            now: When (aware; the clock when None), for the card event.

        Returns:
            The updated card.

        Raises:
            NotFoundError: If there is no such card.
            StorageError: If the database cannot be written.
        """
        return self._update_card(
            deck,
            template,
            {"suspended": bool(flag)},
            "suspending a card" if flag else "unsuspending a card",
            event=("suspend" if flag else "unsuspend", now),
        )

    def reset_card(self, deck: str, template: str, *, now: datetime | None = None) -> Card:
        """Make a card new again (SM-2 state and leech flag reset); its review history is kept.

        The suspended flag is left as it is: suspending is the learner's separate choice. The
        reset is logged as a ``reset`` card event, so the card's state stays a fold over its log.

        Args:
            deck: Deck id.
            template: Template id.
            now: When (aware; the clock when None), for the card event.

        Returns:
            The updated card.

        Raises:
            NotFoundError: If there is no such card.
            StorageError: If the database cannot be written.
        """
        values = {
            "repetitions": 0,
            "easiness_x100": INITIAL_EASINESS_X100,
            "interval_days": 0,
            "due": None,
            "lapses": 0,
            "leech": False,
        }
        return self._update_card(deck, template, values, "resetting a card", event=("reset", now))

    def _update_card(
        self,
        deck: str,
        template: str,
        values: Mapping[str, Any],
        action: str,
        *,
        event: tuple[str, datetime | None],
    ) -> Card:
        from mathdrill.storage.cardlog import add_event

        where = (self.mine, cards.c.deck == deck, cards.c.template == template)
        kind, when = event
        with self.write(action) as conn:
            before = conn.execute(select(*CARD_COLUMNS).where(*where)).one_or_none()
            if before is None:
                raise NotFoundError(f"There is no card {deck}/{template} in {self.path}.")
            conn.execute(update(cards).where(*where).values(**values))
            row = conn.execute(select(*CARD_COLUMNS).where(*where)).one()
            if kind == "reset" or row.suspended != before.suspended:
                add_event(conn, row.id, kind, when or datetime.now(UTC))
        return card_from_row(row)

    def put_spare(self, card_id: int, problem: str) -> None:
        """Store a problem made ahead for a card, replacing any earlier one.

        Args:
            card_id: The card.
            problem: The problem as JSON text (the drill's own format; storage does not read it).

        Raises:
            StorageError: If the database cannot be written.
        """
        query = update(cards).where(self.mine, cards.c.id == card_id).values(spare_problem=problem)
        with self.write("saving a spare problem") as conn:
            conn.execute(query)

    def take_spare(self, card_id: int) -> str | None:
        """Remove and return the problem made ahead for a card (each is shown at most once).

        Args:
            card_id: The card.

        Returns:
            The problem's JSON text, or None when the card has none.

        Raises:
            StorageError: If the database cannot be written.
        """
        where = (self.mine, cards.c.id == card_id, cards.c.spare_problem.is_not(None))
        with self.write("taking a spare problem") as conn:
            problem = conn.execute(select(cards.c.spare_problem).where(*where)).scalar()
            if problem is not None:
                conn.execute(update(cards).where(*where).values(spare_problem=None))
        return problem

    def orphaned(self, known_keys: Iterable[tuple[str, str]]) -> list[Card]:
        """Return cards whose skill is not among ``known_keys`` (deleted or renamed templates).

        Args:
            known_keys: Every ``(deck, template)`` of the loaded decks.

        Returns:
            The orphaned cards, ordered by deck then template.

        Raises:
            StorageError: If the database cannot be read.
        """
        known = set(known_keys)
        return [card for card in self.cards() if card.key not in known]

    def prune_orphans(
        self, known_keys: Iterable[tuple[str, str]], now: datetime
    ) -> tuple[list[Card], int, int, Path | None]:
        """Remove the orphaned cards with their reviews and flags, after a backup, at once.

        The orphans are found again inside the write transaction, so a card a drill creates
        meanwhile is never removed; the backup (SQLite: a copy next to the file, as before a
        migration) is made in the same transaction, before anything is deleted, and only when
        there is something to remove.

        Args:
            known_keys: Every ``(deck, template)`` of the loaded decks; every other card goes.
            now: Time stamped on the backup's name (aware).

        Returns:
            The removed cards (by deck, then template), how many reviews and flags went with
            them, and the backup (None when nothing was removed, or for an in-memory or server
            database).

        Raises:
            StorageError: If the database cannot be backed up or written (nothing is removed).
        """
        known = set(known_keys)
        with self.write("removing orphaned cards") as conn:
            rows = conn.execute(
                select(*CARD_COLUMNS).where(self.mine).order_by(cards.c.deck, cards.c.template)
            )
            orphans = [card for card in map(card_from_row, rows) if card.key not in known]
            if not orphans:
                return [], 0, 0, None
            backup = self.backup(conn, now)
            n_reviews = n_flags = 0
            ids = [card.id for card in orphans]
            # Chunked so the IN list stays under every database's parameter limit.
            for start in range(0, len(ids), _INSERT_BATCH):
                chunk = ids[start : start + _INSERT_BATCH]
                n_flags += conn.execute(delete(flags).where(flags.c.card_id.in_(chunk))).rowcount
                conn.execute(delete(card_events).where(card_events.c.card_id.in_(chunk)))
                n_reviews += conn.execute(
                    delete(reviews).where(reviews.c.card_id.in_(chunk))
                ).rowcount
                conn.execute(delete(cards).where(cards.c.id.in_(chunk)))
        return orphans, n_reviews, n_flags, backup

    # -- flags -------------------------------------------------------------------------------

    def add_flag(self, record: Flag) -> Flag:
        """Store a flagged problem (committed before this returns).

        Args:
            record: The flag; its ``card_id`` names the card (deck and template are read).

        Returns:
            The stored flag, with its id, deck and template.

        Raises:
            NotFoundError: If ``record.card_id`` names no card.
            StorageError: If the database cannot be written.
        """
        with self.write("flagging a problem") as conn:
            row = conn.execute(
                select(cards.c.deck, cards.c.template).where(
                    self.mine, cards.c.id == record.card_id
                )
            ).one_or_none()
            if row is None:
                raise NotFoundError(f"There is no card with id {record.card_id} in {self.path}.")
            stored = replace(
                record,
                deck=row.deck,
                template=row.template,
                flagged_at=record.flagged_at.astimezone(UTC),
            )
            values = {c.name: getattr(stored, c.name) for c in flags.c if c.name != "id"}
            inserted = conn.execute(insert(flags).values(**values)).inserted_primary_key
            if inserted is None:  # pragma: no cover - only a many-row insert leaves it out
                raise StorageError(f"The database {self.path} gave no id for the new flag.")
        return replace(stored, id=int(inserted[0]))

    def flags(self) -> list[Flag]:
        """Return every flagged problem, newest first.

        Returns:
            The flags.

        Raises:
            StorageError: If the database cannot be read.
        """
        query = (
            select(*_FLAG_COLUMNS)
            .join_from(flags, cards, flags.c.card_id == cards.c.id)
            .where(self.mine)
            .order_by(flags.c.flagged_at.desc(), flags.c.id.desc())
        )
        with self.read("reading flags") as conn:
            return [Flag(**row._mapping) for row in conn.execute(query)]

    def clear_flag(self, flag_id: int) -> Flag:
        """Remove one flag (once it is reported or dealt with).

        Args:
            flag_id: The flag's id (``mathdrill flags`` lists it).

        Returns:
            The removed flag.

        Raises:
            NotFoundError: If there is no flag with that id.
            StorageError: If the database cannot be written.
        """
        query = (
            select(*_FLAG_COLUMNS)
            .join_from(flags, cards, flags.c.card_id == cards.c.id)
            .where(self.mine, flags.c.id == flag_id)
        )
        with self.write("clearing a flag") as conn:
            row = conn.execute(query).one_or_none()
            if row is None:
                raise NotFoundError(
                    f"There is no flag {flag_id} in {self.path}; `mathdrill flags` lists them."
                )
            conn.execute(delete(flags).where(flags.c.id == flag_id))
        return Flag(**row._mapping)

    # -- reviews -----------------------------------------------------------------------------

    def record_review(self, record: Review, new_state: CardUpdate | None = None) -> Review:
        """Append a review and update its card's schedule, in ONE committed transaction.

        When this returns, the review and the card's new state are committed: they survive the
        process being killed (and, with ``fsync_each_commit``, a power cut); if the process dies
        before, neither is stored. The record's deck, template and E-Factor and interval before
        and after are not read: they are taken from the card inside the transaction.

        Args:
            record: The answered problem (``card_id`` and what the drill decided).
            new_state: The card's schedule after the review, or None for reviews that do not
                move the schedule (same-session repeats, cramming), which leave the card as it
                is.

        Returns:
            The stored review, every field filled.

        Raises:
            NotFoundError: If ``record.card_id`` names no card.
            StorageError: If the database cannot be written (nothing is stored then).
        """
        attempt = 0
        while True:
            try:
                return self._record_review(record, new_state, retried=attempt > 0)
            except StorageError as exc:
                # A server that cannot be reached (restarting, a network blip) is tried again a
                # few times before the drill is told; a file database never is (it waits for
                # its lock with busy_timeout instead).
                cause = exc.__cause__
                if (
                    self.is_sqlite
                    or attempt >= len(self.retry_delays)
                    or cause is None
                    or not is_unreachable(cause)
                ):
                    raise
                time.sleep(self.retry_delays[attempt])
                attempt += 1

    def _record_review(
        self, record: Review, new_state: CardUpdate | None, *, retried: bool
    ) -> Review:
        with self.write("recording a review") as conn:
            row = conn.execute(
                select(*CARD_COLUMNS).where(self.mine, cards.c.id == record.card_id)
            ).one_or_none()
            if row is None:
                raise NotFoundError(f"There is no card with id {record.card_id} in {self.path}.")
            if retried:
                # The connection may have died after the server committed the first attempt:
                # then the review is there already and must not be logged twice.
                done = _stored_review(conn, record)
                if done is not None:
                    return done
            ef_before, interval_before = row.easiness_x100, row.interval_days
            values: dict[str, Any] = {}
            if new_state is None:
                ef_after, interval_after = ef_before, interval_before
            else:
                ef_after = new_state.easiness_x100
                interval_after = new_state.interval
                values.update(
                    last_review=new_state.last_review,
                    repetitions=new_state.repetitions,
                    easiness_x100=ef_after,
                    interval_days=interval_after,
                    due=new_state.due,
                    lapses=new_state.lapses,
                )
                if new_state.leech is not None:
                    values["leech"] = new_state.leech
                if new_state.suspended is not None:
                    values["suspended"] = new_state.suspended
            if values:
                conn.execute(update(cards).where(cards.c.id == record.card_id).values(**values))
            stored = replace(
                record,
                deck=row.deck,
                template=row.template,
                reviewed_at=record.reviewed_at.astimezone(UTC),
                easiness_before_x100=ef_before,
                easiness_after_x100=ef_after,
                interval_before=interval_before,
                interval_after=interval_after,
            )
            logged = {
                c.name: getattr(stored, c.name)
                for c in reviews.c
                if c.name not in ("id", "learner_id")
            }
            logged["learner_id"] = self._learner.id
            inserted = conn.execute(insert(reviews).values(**logged)).inserted_primary_key
            if inserted is None:  # SQLAlchemy leaves it out only for a many-row insert
                raise StorageError(f"The database {self.path} gave no id for the new review.")
            review_id = inserted[0]
        return replace(stored, id=int(review_id))

    #: Seconds to wait before each new attempt to record a review while the database server
    #: cannot be reached (then the drill is told, and keeps the answer to try again).
    retry_delays: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0)

    def history(self, card_id: int, limit: int = 50) -> list[Review]:
        """Return a card's reviews, newest first.

        Args:
            card_id: The card's id.
            limit: At most this many reviews.

        Returns:
            The reviews.

        Raises:
            StorageError: If the database cannot be read.
        """
        query = (
            select(*_REVIEW_COLUMNS)
            .join_from(reviews, cards, reviews.c.card_id == cards.c.id)
            .where(self.my_reviews, reviews.c.card_id == card_id)
            .order_by(reviews.c.reviewed_at.desc(), reviews.c.id.desc())
            .limit(max(0, limit))
        )
        with self.read("reading a card's history") as conn:
            return [Review(**row._mapping) for row in conn.execute(query)]

    def next_due(self, now: datetime) -> datetime | None:
        """Return the earliest due time after ``now`` of any scheduled, unsuspended card.

        Args:
            now: The current time (aware).

        Returns:
            That time (aware, UTC), or None when no card is due later.

        Raises:
            StorageError: If the database cannot be read.
        """
        _aware("now", now)
        query = select(func.min(cards.c.due)).where(
            self.mine, cards.c.suspended == false(), cards.c.due > now
        )
        with self.read("reading the next due time") as conn:
            return conn.execute(query).scalar_one_or_none()

    def counts_since(
        self, start: datetime, keys: Iterable[tuple[str, str]] | None = None
    ) -> tuple[int, int]:
        """Count cards first learned and cards reviewed since ``start`` (e.g. this study day).

        Args:
            start: The beginning of the period (aware).
            keys: Only these ``(deck, template)`` cards, or None for all.

        Returns:
            ``(new, reviewed)``: distinct cards with a ``learn`` review and distinct cards with a
            ``review`` review at or after ``start``. Repeats and cramming are not counted.

        Raises:
            StorageError: If the database cannot be read.
        """
        _aware("start", start)
        wanted = None if keys is None else set(keys)
        query = (
            select(reviews.c.card_id, reviews.c.kind, cards.c.deck, cards.c.template)
            .join_from(reviews, cards, reviews.c.card_id == cards.c.id)
            .where(
                self.my_reviews,
                reviews.c.reviewed_at >= start,
                reviews.c.kind.in_(sorted(SCHEDULING_KINDS)),
            )
        )
        learned: set[int] = set()
        reviewed: set[int] = set()
        with self.read("counting today's reviews") as conn:
            for card_id, kind, deck, template in conn.execute(query):
                if wanted is None or (deck, template) in wanted:
                    (learned if kind == "learn" else reviewed).add(card_id)
        return len(learned), len(reviewed)

    def solve_seconds(self, card_ids: Iterable[int], per_card: int = 20) -> dict[int, list[float]]:
        """Return how long recent answers to each card took (for session time estimates).

        Args:
            card_ids: The cards of interest.
            per_card: At most this many of the most recent timings per card.

        Returns:
            ``{card_id: [seconds, newest first]}``; cards without timed reviews are absent.

        Raises:
            StorageError: If the database cannot be read.
        """
        ids = sorted(set(card_ids))
        result: dict[int, list[float]] = {}
        with self.read("reading answer times") as conn:
            # Chunked so the IN list stays under every database's parameter limit.
            for start in range(0, len(ids), _INSERT_BATCH):
                query = (
                    select(reviews.c.card_id, reviews.c.seconds)
                    .where(
                        self.my_reviews,
                        reviews.c.card_id.in_(ids[start : start + _INSERT_BATCH]),
                        reviews.c.seconds.is_not(None),
                    )
                    .order_by(reviews.c.card_id, reviews.c.reviewed_at.desc(), reviews.c.id.desc())
                )
                for card_id, seconds in conn.execute(query):
                    times = result.setdefault(card_id, [])
                    if len(times) < per_card:
                        times.append(float(seconds))
        return result

    def review_days(
        self, rollover_hour: int, tz: tzinfo, *, since: datetime | None = None
    ) -> set[date]:
        """Return the study days on which at least one review was logged (for streaks).

        A study day is the local date in ``tz``, minus one day before ``rollover_hour`` (a
        review at 01:00 belongs to the previous evening). This reads every review's time (or
        those since ``since``): pass ``since`` on very large logs.

        Args:
            rollover_hour: Local hour (0–23) at which a study day begins.
            tz: The learner's time zone.
            since: Only reviews at or after this time (aware), or None for all.

        Returns:
            The study days.

        Raises:
            StorageError: If the database cannot be read.
            ValueError: If ``rollover_hour`` is outside 0–23 or ``since`` is naive.
        """
        if not 0 <= rollover_hour <= 23:
            raise ValueError(f"rollover_hour must be 0–23, got {rollover_hour}")
        query = select(reviews.c.reviewed_at).where(self.my_reviews).distinct()
        if since is not None:
            _aware("since", since)
            query = query.where(reviews.c.reviewed_at >= since)
        shift = timedelta(hours=rollover_hour)
        days: set[date] = set()
        with self.read("reading review days") as conn:
            for (moment,) in conn.execute(query):
                days.add((moment.astimezone(tz).replace(tzinfo=None) - shift).date())
        return days

    def count_reviews(self) -> int:
        """Return how many reviews are logged.

        Returns:
            The count.

        Raises:
            StorageError: If the database cannot be read.
        """
        with self.read("counting reviews") as conn:
            query = select(func.count()).select_from(reviews).where(self.my_reviews)
            return int(conn.execute(query).scalar_one())

    # -- meta --------------------------------------------------------------------------------

    def schema_version(self) -> int:
        """Return the database's schema version (``meta.schema_version``).

        Returns:
            The version.

        Raises:
            StorageError: If the database cannot be read.
        """
        with self.read("reading the schema version") as conn:
            return _read_version(conn, self._target)

    def setting(self, key: str) -> str | None:
        """Return a setting kept in the ``meta`` table (e.g. ``fsrs_parameters``), or None.

        Raises:
            StorageError: If the database cannot be read.
        """
        with self.read("reading a setting") as conn:
            value = conn.execute(select(meta.c.value).where(meta.c.key == key)).scalar()
        return None if value is None else str(value)

    def put_setting(self, key: str, value: str) -> None:
        """Store a setting in the ``meta`` table, replacing an earlier value.

        Raises:
            UsageError: For the schema version's key, which only migrations write.
            StorageError: If the database cannot be written.
        """
        if key == SCHEMA_VERSION_KEY:
            raise UsageError(f"meta.{key} is written by migrations only.")
        with self.write("storing a setting") as conn:
            conn.execute(delete(meta).where(meta.c.key == key))
            conn.execute(insert(meta).values(key=key, value=value))

    def integrity_check(self) -> list[str]:
        """Check the database file for corruption and broken references.

        On SQLite this runs ``PRAGMA integrity_check`` and ``PRAGMA foreign_key_check``; other
        databases check themselves and return no problems here.

        Returns:
            The problems found, in words; empty when all is well.

        Raises:
            StorageError: If the check itself cannot run (e.g. the file is not a database).
        """
        if not self._target.is_sqlite:
            return []
        with self.read("checking integrity") as conn:
            problems = [str(row[0]) for row in conn.exec_driver_sql("PRAGMA integrity_check").all()]
            if problems == ["ok"]:
                problems = []
            for row in conn.exec_driver_sql("PRAGMA foreign_key_check").all():
                problems.append(f"row {row[1]} of table {row[0]} refers to a missing {row[2]}")
        return problems


def _stored_review(conn: Connection, record: Review) -> Review | None:
    """Return the stored review of this very answer (same card, time, kind, seed, session)."""
    query = (
        select(*_REVIEW_COLUMNS)
        .join_from(reviews, cards, reviews.c.card_id == cards.c.id)
        .where(
            reviews.c.card_id == record.card_id,
            reviews.c.reviewed_at == record.reviewed_at,
            reviews.c.kind == record.kind,
            reviews.c.seed == record.seed,
            reviews.c.session_id.is_(None)
            if record.session_id is None
            else reviews.c.session_id == record.session_id,
        )
        .limit(1)
    )
    row = conn.execute(query).one_or_none()
    return None if row is None else Review(**row._mapping)


# -- opening -----------------------------------------------------------------------------------


def _read_version(conn: Connection, target: Target) -> int:
    raw = conn.execute(
        select(meta.c.value).where(meta.c.key == SCHEMA_VERSION_KEY)
    ).scalar_one_or_none()
    try:
        version = int(raw) if raw is not None else None
    except ValueError:
        version = None
    if version is None:
        raise StorageError(
            f"{target.shown} has a meta table but no valid schema version ({raw!r}); it is not a "
            f"mathdrill database or it is damaged. It was left untouched."
        )
    return version


def _state(conn: Connection, target: Target) -> int | None:
    """Return the schema version, or None for an empty database; refuse foreign databases."""
    tables = set(inspect(conn).get_table_names())
    if not tables:
        return None
    if "meta" not in tables:
        raise StorageError(
            f"{target.shown} is a database but not a mathdrill database (it has tables "
            f"{', '.join(sorted(tables)[:5])}); it was left untouched. Point --db/MATHDRILL_DB "
            f"at another file."
        )
    # Another program may keep its own meta.schema_version: only mathdrill's own tables (there
    # since schema 1) make the file ours. Checked before anything is written (WAL, migrations).
    missing = {"cards", "reviews"} - tables
    columns = set() if missing else {c["name"] for c in inspect(conn).get_columns("cards")}
    if missing or not {"deck", "template", "easiness_x100"} <= columns:
        raise StorageError(
            f"{target.shown} is a database but not a mathdrill database (it has a meta table "
            f"but not mathdrill's cards and reviews); it was left untouched. Point "
            f"--db/MATHDRILL_DB at another file."
        )
    version = _read_version(conn, target)
    migrations.check_version(version, target.shown)
    return version


def _initialize(conn: Connection, now: datetime) -> None:
    metadata.create_all(conn)
    rowsecurity.apply(conn)
    conn.execute(insert(meta).values(key=SCHEMA_VERSION_KEY, value=str(SCHEMA_VERSION)))
    # The first row of a new table: id 1 on every backend (a PostgreSQL sequence included).
    conn.execute(insert(learners).values(name=DEFAULT_LEARNER, created=now))


def _learner(engine: Engine, target: Target, name: str, *, add: bool, now: datetime) -> Learner:
    """Return the learner called ``name``, adding it when ``add`` (a drill) and it is new."""
    query = select(learners.c.id, learners.c.name, learners.c.created).where(
        learners.c.name == name
    )
    with storage_errors(target, "reading the learner"):
        with engine.connect() as conn:
            row = conn.execute(query).one_or_none()
        if row is None and add:
            with engine.execution_options(**{WRITE_OPTION: True}).begin() as conn:
                row = conn.execute(query).one_or_none()
                if row is None:
                    conn.execute(insert(learners).values(name=name, created=now))
                    row = conn.execute(query).one()
        if row is None:
            with engine.connect() as conn:
                known = [n for (n,) in conn.execute(select(learners.c.name).order_by("name"))]
            raise NotFoundError(
                f"There is no learner {name!r} in {target.shown} (learners: "
                f"{', '.join(known) or 'none'}). `mathdrill drill --learner {name}` starts one; "
                f"check --learner/MATHDRILL_LEARNER."
            )
    return Learner(id=int(row.id), name=str(row.name), created=row.created)


def _check_server_backup(target: Target, version: int, backed_up: str | None) -> None:
    """Refuse to upgrade a server database until the learner says it is backed up.

    A file is copied next to itself before an upgrade; a server's database cannot be copied
    from here, so the upgrade waits for ``MATHDRILL_BACKED_UP=<old schema>`` (after a
    ``pg_dump``), naming exactly which schema the backup holds.
    """
    if target.file is not None or target.shown == ":memory:":
        return
    if backed_up is not None and backed_up.strip() == str(version):
        return
    libpq = target.url.set(drivername=target.url.get_backend_name())
    shown = libpq.render_as_string(hide_password=True)
    raise StorageError(
        f"The database {target.shown} is at schema {version} and this mathdrill needs schema "
        f"{SCHEMA_VERSION}. A database on a server is not copied automatically before an "
        f"upgrade: back it up first, for example with\n"
        f"  pg_dump --format=custom --file mathdrill-v{version}.dump '{shown}'\n"
        f"then run the command again with MATHDRILL_BACKED_UP={version} set. Nothing was changed."
    )


def _migrate(
    conn: Connection, target: Target, version: int, now: datetime, backed_up: str | None = None
) -> Path | None:
    _check_server_backup(target, version, backed_up)
    backup: Path | None = None
    if target.file is not None:
        backup = migrations.backup_name(target.file, version, now)
        migrations.backup_sqlite(target.file, backup)
    for step in migrations.pending(version):
        try:
            step.apply(conn)
        except Exception as exc:
            where = f"; a backup is at {backup}" if backup else ""
            raise StorageError(
                f"Upgrading {target.shown} to schema {step.version} ({step.description}) failed: "
                f"{exc}. The database was left at schema {version}{where}."
            ) from exc
    if conn.dialect.name == "sqlite":
        broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
        if broken:
            where = f"; a backup is at {backup}" if backup else ""
            raise StorageError(
                f"Upgrading {target.shown} to schema {SCHEMA_VERSION} would leave {len(broken)} "
                f"broken references (first: a row of {broken[0][0]}). The database was left at "
                f"schema {version}{where}."
            )
    conn.execute(
        update(meta).where(meta.c.key == SCHEMA_VERSION_KEY).values(value=str(SCHEMA_VERSION))
    )
    return backup


@contextmanager
def _tables_rebuildable(conn: Connection) -> Iterator[None]:
    """Let a migration rebuild SQLite tables that others refer to (SQLite's documented way).

    SQLite cannot change a constraint in place: a step copies a table into a new one, drops the
    old and renames the new. Foreign keys are switched off for that (it can only be done outside
    a transaction) and every reference is checked before the upgrade commits (in ``_migrate``).
    """
    if conn.dialect.name != "sqlite":
        yield
        return
    raw = conn.connection.driver_connection
    assert raw is not None
    raw.execute("PRAGMA foreign_keys = OFF")
    try:
        yield
    finally:
        raw.execute("PRAGMA foreign_keys = ON")


def _ensure_wal(engine: Engine) -> None:
    """Switch an SQLite file to WAL mode (persistent) if it is not already; best effort."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        try:
            mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
            if str(mode).lower() != "wal":
                cursor.execute("PRAGMA journal_mode = WAL")
        finally:
            cursor.close()
    except sqlite3.Error:
        # Read-only media or a reader holding the file: reads still work without WAL, and the
        # next open tries again.
        pass
    finally:
        raw.close()


def _prepare(
    engine: Engine,
    target: Target,
    *,
    create: bool,
    now: datetime,
    read_only: bool = False,
    backed_up: str | None = None,
) -> Path | None:
    with storage_errors(target, "opening the database"):
        with engine.connect() as conn:
            version = _state(conn, target)
        if read_only and version is not None and version < SCHEMA_VERSION:
            raise StorageError(
                f"{target.shown} is read-only and at schema {version}: this mathdrill needs "
                f"{SCHEMA_VERSION}. Open it once where it can be written, so it is upgraded."
            )
        if version is None and (read_only or not create):
            raise StorageError(
                f"{target.shown} holds no mathdrill data yet. Run `mathdrill drill` to start, "
                f"or check --db/MATHDRILL_DB."
            )
        backup: Path | None = None
        if version is None or version < SCHEMA_VERSION:
            with (
                engine.connect() as conn,
                _tables_rebuildable(conn),
                conn.execution_options(**{WRITE_OPTION: True}).begin(),
            ):
                # Re-read under the write lock: another process may have done the work meanwhile.
                version = _state(conn, target)
                if version is None:
                    _initialize(conn, now)
                elif version < SCHEMA_VERSION:
                    backup = _migrate(conn, target, version, now, backed_up)
        if target.file is not None and not read_only:
            _ensure_wal(engine)
    return backup


def _writable(file: Path) -> bool:
    """Tell whether ``file`` and its folder (where SQLite keeps its WAL) can be written."""
    return os.access(file, os.W_OK) and os.access(file.parent, os.W_OK)


def _read_only_target(target: Target, file: Path) -> Target:
    """Return ``target`` opened through SQLite's read-only URI (``mode=ro``).

    When even the folder is unwritable (read-only media) SQLite cannot make the shared-memory
    file a WAL reader needs, so the file is also declared ``immutable``: nobody can change it.
    """
    query = {"mode": "ro", "uri": "true"}
    if not os.access(file.parent, os.W_OK):
        query["immutable"] = "1"
    url = URL.create("sqlite", database=f"file:{quote(str(file.absolute()))}", query=query)
    return Target(url=url, file=file, shown=target.shown)


def open_database(
    url: str,
    *,
    create: bool = True,
    busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
    fsync_each_commit: bool = False,
    now: datetime | None = None,
    backed_up: str | None = None,
    learner: str = DEFAULT_LEARNER,
    add_learner: bool = False,
) -> Database:
    """Open (creating or upgrading when needed) a mathdrill database for one learner.

    An existing file is never overwritten or truncated: a file that is not an SQLite database, an
    SQLite database of another program, or a database written by a newer mathdrill is refused
    with a :class:`StorageError`. A zero-byte file counts as an empty SQLite database and is
    initialised (there is nothing in it to lose). An older schema is upgraded after a backup copy
    is written next to the file (see :attr:`Database.backup_path`).

    Args:
        url: An SQLAlchemy URL (see :func:`~mathdrill.storage.location.resolve_database`) or a
            plain file path.
        create: When False, a missing or empty database is an error instead of being created
            (for read-only commands such as stats and export).
        busy_timeout: Seconds a writer waits for another process's write before failing.
        fsync_each_commit: When False (default, SQLite ``synchronous=NORMAL`` in WAL mode) a
            committed review survives a killed process or a crash of mathdrill, but a power cut
            or OS crash right after the commit may lose it. When True (``FULL``) every commit is
            fsynced and survives power loss too, at a few milliseconds per commit.
        now: Time used to name a migration backup and to date a new learner (aware); the
            clock when None.
        learner: Whose cards and reviews the handle reads and writes.
        add_learner: Add ``learner`` when the database does not know it (the drill does; a
            mistyped name in any other command is an error, not a new learner).
        backed_up: For a server database that needs an upgrade: the schema version the
            learner has backed up (``MATHDRILL_BACKED_UP``); the upgrade is refused unless it
            is the database's current version (``docs/data.md``, "Migrations and backups").

    Returns:
        The open database.

    Raises:
        StorageError: If the database cannot be opened, created or upgraded; the message names
            the file and what to do.
        NotFoundError: If ``learner`` is unknown and ``add_learner`` is False.
        ValueError: If ``learner`` is not a valid learner name (callers validate user input).
    """
    if not LEARNER_RE.fullmatch(learner):
        raise ValueError(f"not a learner name: {learner!r}")
    target = parse_target(url)
    if target.file is not None:
        file = target.file
        with storage_errors(target, "opening the database"):
            if file.is_dir():
                raise StorageError(
                    f"{file} is a folder, not a database file. Point --db/MATHDRILL_DB at a file "
                    f"such as {file / 'mathdrill.db'}."
                )
            if not file.exists():
                if not create:
                    raise StorageError(
                        f"There is no mathdrill database at {file}. Run `mathdrill drill` to "
                        f"start one, or check --db/MATHDRILL_DB/MATHDRILL_HOME."
                    )
                file.parent.mkdir(parents=True, exist_ok=True)
    # A file this process may not write (read-only media, permissions) is opened read-only:
    # reading commands work, and a write fails with the "read-only" message.
    read_only = target.file is not None and target.file.exists() and not _writable(target.file)
    if read_only and target.file is not None:
        target = _read_only_target(target, target.file)
    engine = make_engine(target, busy_timeout, fsync_each_commit=fsync_each_commit)
    moment = now or datetime.now(UTC)
    try:
        backup = _prepare(
            engine, target, create=create, now=moment, read_only=read_only, backed_up=backed_up
        )
        who = _learner(engine, target, learner, add=add_learner and not read_only, now=moment)
    except BaseException:
        engine.dispose()
        raise
    return Database(target, engine, backup, read_only=read_only, learner=who)
