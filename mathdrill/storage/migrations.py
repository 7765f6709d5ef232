"""Numbered schema migrations, the backup taken before them, and the version checks.

How versions work (see ``docs/data.md``, "Migrations and backups"):

- ``meta.schema_version`` holds the version a database is at.
- A *fresh* database is created straight from :mod:`mathdrill.storage.tables` at
  :data:`~mathdrill.storage.tables.SCHEMA_VERSION`.
- An *older* database gets a backup copy first (SQLite: ``<file>.bak-v<old>-<UTC time>`` next
  to it, made with SQLite's online backup API while the write lock is held), then every step
  from its version up, all in ONE transaction together with the new version number: either the
  whole upgrade happens or none of it.
- A *newer* database (written by a later mathdrill) is refused, untouched.

The steps below are frozen history: never edit a step that has shipped; add a new one and bump
``SCHEMA_VERSION``. :func:`create_v1_schema` is the frozen DDL of version 1, kept so tests can
build an old database and prove the upgrade path ends in the same schema as a fresh database.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Connection,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    insert,
    literal,
    select,
)
from sqlalchemy import column as sql_column
from sqlalchemy import table as sql_table

from mathdrill.errors import StorageError
from mathdrill.storage import rowsecurity
from mathdrill.storage.tables import SCHEMA_VERSION, SCHEMA_VERSION_KEY, UTCDateTime


@dataclass(frozen=True)
class Migration:
    """One numbered step.

    Attributes:
        version: The schema version the database is at after this step.
        description: What the step changes, in words.
        apply: The step itself; runs inside the upgrade transaction.
    """

    version: int
    description: str
    apply: Callable[[Connection], None]


def _v1_metadata() -> tuple[MetaData, Table, Table, Table]:
    """Return the frozen version-1 tables (do not edit: this is what v1 databases contain)."""
    md = MetaData()
    cards = Table(
        "cards",
        md,
        Column("id", Integer, primary_key=True),
        Column("deck", String(200), nullable=False),
        Column("template", String(200), nullable=False),
        Column("repetitions", Integer, nullable=False, default=0),
        Column("easiness_x100", Integer, nullable=False, default=250),
        Column("interval_days", Integer, nullable=False, default=0),
        Column("due", UTCDateTime(), nullable=True),
        Column("lapses", Integer, nullable=False, default=0),
        Column("suspended", Boolean, nullable=False, default=False),
        Column("leech", Boolean, nullable=False, default=False),
        Column("created", UTCDateTime(), nullable=False),
        Column("last_review", UTCDateTime(), nullable=True),
        UniqueConstraint("deck", "template", name="uq_cards_deck_template"),
        CheckConstraint("easiness_x100 >= 130", name="ck_cards_easiness"),
        CheckConstraint(
            "repetitions >= 0 AND interval_days >= 0 AND lapses >= 0", name="ck_cards_counts"
        ),
        Index("ix_cards_queue", "suspended", "due", "id"),
    )
    reviews = Table(
        "reviews",
        md,
        Column("id", Integer, primary_key=True),
        Column("card_id", Integer, ForeignKey("cards.id", ondelete="RESTRICT"), nullable=False),
        Column("reviewed_at", UTCDateTime(), nullable=False),
        Column("kind", String(16), nullable=False),
        Column("seed", BigInteger, nullable=False),
        Column("fingerprint", String(128), nullable=False),
        Column("answer", Text, nullable=False),
        Column("read_as", Text, nullable=True),
        Column("status", String(32), nullable=False),
        Column("correct", Boolean, nullable=False),
        Column("mistake", String(200), nullable=True),
        Column("hints", Integer, nullable=False, default=0),
        Column("seconds", Float, nullable=True),
        Column("quality", Integer, nullable=True),
        Column("easiness_before_x100", Integer, nullable=False),
        Column("easiness_after_x100", Integer, nullable=False),
        Column("interval_before", Integer, nullable=False),
        Column("interval_after", Integer, nullable=False),
        Column("session_id", String(64), nullable=True),
        CheckConstraint("kind IN ('learn', 'review', 'repeat', 'cram')", name="ck_reviews_kind"),
        CheckConstraint(
            "quality IS NULL OR (quality >= 0 AND quality <= 5)", name="ck_reviews_quality"
        ),
    )
    meta = Table(
        "meta",
        md,
        Column("key", String(100), primary_key=True),
        Column("value", Text, nullable=False),
    )
    return md, cards, reviews, meta


def create_v1_schema(connection: Connection) -> None:
    """Create an empty version-1 database (frozen DDL), with ``schema_version = 1``.

    Used by tests and by nothing else: fresh databases are created at the current version.

    Args:
        connection: A connection inside a transaction on an empty database.
    """
    md, _cards, _reviews, meta = _v1_metadata()
    md.create_all(connection)
    connection.execute(insert(meta).values(key=SCHEMA_VERSION_KEY, value="1"))


def _v2_review_indexes(connection: Connection) -> None:
    # Version 1 had no index on reviews: a card's history and per-day statistics scanned the
    # whole log, which is millions of rows after a few years.
    _md, _cards, reviews, _meta = _v1_metadata()
    Index("ix_reviews_card_time", reviews.c.card_id, reviews.c.reviewed_at).create(connection)
    Index("ix_reviews_time", reviews.c.reviewed_at).create(connection)


def _v3_spare_problem(connection: Connection) -> None:
    # A problem made ahead by the previous session, stored with the card it belongs to.
    connection.exec_driver_sql("ALTER TABLE cards ADD COLUMN spare_problem TEXT")
    # The per-day statistics cache of earlier versions (derived data, never read any more).
    connection.exec_driver_sql("DROP TABLE IF EXISTS stats_days")
    connection.exec_driver_sql("DROP TABLE IF EXISTS stats_state")


def _v4_tables(md: MetaData) -> tuple[Table, Table]:
    """Return the frozen version-4 ``cards`` and ``reviews`` (do not edit: what v4 holds)."""
    cards = Table(
        "cards",
        md,
        Column("id", Integer, primary_key=True),
        Column(
            "learner_id", Integer, ForeignKey("learners.id", ondelete="RESTRICT"), nullable=False
        ),
        Column("deck", String(200), nullable=False),
        Column("template", String(200), nullable=False),
        Column("repetitions", Integer, nullable=False, default=0),
        Column("easiness_x100", Integer, nullable=False, default=250),
        Column("interval_days", Integer, nullable=False, default=0),
        Column("due", UTCDateTime(), nullable=True),
        Column("lapses", Integer, nullable=False, default=0),
        Column("suspended", Boolean, nullable=False, default=False),
        Column("leech", Boolean, nullable=False, default=False),
        Column("created", UTCDateTime(), nullable=False),
        Column("last_review", UTCDateTime(), nullable=True),
        Column("spare_problem", Text, nullable=True),
        UniqueConstraint("learner_id", "deck", "template", name="uq_cards_learner_deck_template"),
        CheckConstraint("easiness_x100 >= 130", name="ck_cards_easiness"),
        CheckConstraint(
            "repetitions >= 0 AND interval_days >= 0 AND lapses >= 0", name="ck_cards_counts"
        ),
        Index("ix_cards_queue", "learner_id", "suspended", "due", "id"),
    )
    reviews = Table(
        "reviews",
        md,
        Column("id", Integer, primary_key=True),
        Column("card_id", Integer, ForeignKey("cards.id", ondelete="RESTRICT"), nullable=False),
        Column(
            "learner_id", Integer, ForeignKey("learners.id", ondelete="RESTRICT"), nullable=False
        ),
        Column("reviewed_at", UTCDateTime(), nullable=False),
        Column("kind", String(16), nullable=False),
        Column("seed", BigInteger, nullable=False),
        Column("fingerprint", String(128), nullable=False),
        Column("answer", Text, nullable=False),
        Column("read_as", Text, nullable=True),
        Column("status", String(32), nullable=False),
        Column("correct", Boolean, nullable=False),
        Column("mistake", String(200), nullable=True),
        Column("hints", Integer, nullable=False, default=0),
        Column("seconds", Float, nullable=True),
        Column("quality", Integer, nullable=True),
        Column("easiness_before_x100", Integer, nullable=False),
        Column("easiness_after_x100", Integer, nullable=False),
        Column("interval_before", Integer, nullable=False),
        Column("interval_after", Integer, nullable=False),
        Column("session_id", String(64), nullable=True),
        CheckConstraint("kind IN ('learn', 'review', 'repeat', 'cram')", name="ck_reviews_kind"),
        CheckConstraint(
            "quality IS NULL OR (quality >= 0 AND quality <= 5)", name="ck_reviews_quality"
        ),
        Index("ix_reviews_card_time", "card_id", "reviewed_at"),
        Index("ix_reviews_time", "reviewed_at"),
        Index("ix_reviews_learner_time", "learner_id", "reviewed_at"),
    )
    return cards, reviews


def _v4_learners(connection: Connection) -> None:
    # Several learners in one database: every card and review belongs to one. The existing
    # progress becomes the learner ``default`` (id 1), the one used when none is named.
    md = MetaData()
    learners = Table(
        "learners",
        md,
        Column("id", Integer, primary_key=True),
        Column("name", String(63), nullable=False),
        Column("created", UTCDateTime(), nullable=False),
        UniqueConstraint("name", name="uq_learners_name"),
    )
    learners.create(connection)
    stored = sql_column("created", UTCDateTime())
    first = connection.execute(select(func.min(stored)).select_from(sql_table("cards"))).scalar()
    created = first if first is not None else datetime(1970, 1, 1, tzinfo=UTC)
    # The first row of the new table: id 1 (not given explicitly, so a PostgreSQL sequence
    # stays in step), which the copies below give every card and review.
    connection.execute(insert(learners).values(name="default", created=created))
    if connection.dialect.name != "sqlite":
        for name in ("cards", "reviews"):
            connection.exec_driver_sql(
                f"ALTER TABLE {name} ADD COLUMN learner_id INTEGER NOT NULL DEFAULT 1 "
                "REFERENCES learners (id) ON DELETE RESTRICT"
            )
            connection.exec_driver_sql(f"ALTER TABLE {name} ALTER COLUMN learner_id DROP DEFAULT")
        connection.exec_driver_sql("ALTER TABLE cards DROP CONSTRAINT uq_cards_deck_template")
        connection.exec_driver_sql(
            "ALTER TABLE cards ADD CONSTRAINT uq_cards_learner_deck_template "
            "UNIQUE (learner_id, deck, template)"
        )
        connection.exec_driver_sql("DROP INDEX ix_cards_queue")
        connection.exec_driver_sql(
            "CREATE INDEX ix_cards_queue ON cards (learner_id, suspended, due, id)"
        )
        connection.exec_driver_sql(
            "CREATE INDEX ix_reviews_learner_time ON reviews (learner_id, reviewed_at)"
        )
        return
    # SQLite cannot change a table's UNIQUE constraint in place: both tables are rebuilt the way
    # its manual describes (foreign keys are off during the upgrade and checked before commit).
    new_md = MetaData()
    Table("learners", new_md, Column("id", Integer, primary_key=True))
    for table in _v4_tables(new_md):
        for index in table.indexes:
            connection.exec_driver_sql(f"DROP INDEX IF EXISTS {index.name}")
        staged = table.to_metadata(new_md, name=f"{table.name}_v4")
        staged.create(connection)
        names = [c.name for c in table.c if c.name != "learner_id"]
        old = sql_table(table.name, *(sql_column(name) for name in names))
        rows = select(*old.c, literal(1))
        connection.execute(insert(staged).from_select([*names, "learner_id"], rows))
        connection.exec_driver_sql(f"DROP TABLE {table.name}")
        connection.exec_driver_sql(f"ALTER TABLE {staged.name} RENAME TO {table.name}")


def _v5_flags(connection: Connection) -> None:
    # Problems a learner flagged in a drill (the `f` key): the card, the instance's seed, when,
    # the learner's comment and last answer, kept until the learner clears them.
    md = MetaData()
    Table("cards", md, Column("id", Integer, primary_key=True))
    Table(
        "flags",
        md,
        Column("id", Integer, primary_key=True),
        Column("card_id", Integer, ForeignKey("cards.id", ondelete="RESTRICT"), nullable=False),
        Column("seed", BigInteger, nullable=False),
        Column("flagged_at", UTCDateTime(), nullable=False),
        Column("comment", Text, nullable=False),
        Column("answer", Text, nullable=True),
    ).create(connection)


def _v6_card_events(connection: Connection) -> None:
    # What changed a card outside a review, so its state is a fold over its log
    # (scheduling/replay.py). Frozen DDL of the table as version 4 made it.
    md = MetaData()
    Table("cards", md, Column("id", Integer, primary_key=True))
    events = Table(
        "card_events",
        md,
        Column("id", Integer, primary_key=True),
        Column("card_id", Integer, ForeignKey("cards.id", ondelete="RESTRICT"), nullable=False),
        Column("at", UTCDateTime(), nullable=False),
        Column("kind", String(16), nullable=False),
        Column("after_review", Integer, nullable=False, default=0),
        Column("repetitions", Integer, nullable=True),
        Column("easiness_x100", Integer, nullable=True),
        Column("interval_days", Integer, nullable=True),
        Column("due", UTCDateTime(), nullable=True),
        Column("lapses", Integer, nullable=True),
        Column("suspended", Boolean, nullable=True),
        Column("leech", Boolean, nullable=True),
        Column("last_review", UTCDateTime(), nullable=True),
        CheckConstraint(
            "kind IN ('reset', 'suspend', 'unsuspend', 'adopt')", name="ck_card_events_kind"
        ),
        Index("ix_card_events_card_time", "card_id", "at"),
    )
    events.create(connection)
    # What earlier versions did without a trace, recovered from the tables: a suspended card
    # was suspended (at its creation, the earliest it can have been); a card shown as "learn"
    # after a review that moved its schedule, or new again after one, was reset in between.
    _md, cards, reviews, _meta = _v1_metadata()
    rows: list[dict[str, object]] = [
        {"card_id": card_id, "at": created, "kind": "suspend", "after_review": 0}
        for card_id, created in connection.execute(
            select(cards.c.id, cards.c.created).where(cards.c.suspended.is_(True))
        )
    ]
    new_again = {
        card_id
        for (card_id,) in connection.execute(select(cards.c.id).where(cards.c.due.is_(None)))
    }
    graded = (
        select(reviews.c.card_id, reviews.c.id, reviews.c.reviewed_at, reviews.c.kind)
        .where(reviews.c.kind.in_(["learn", "review"]), reviews.c.quality.is_not(None))
        .order_by(reviews.c.card_id, reviews.c.reviewed_at, reviews.c.id)
    )
    last: dict[int, tuple[int, datetime]] = {}
    for card_id, review_id, when, kind in connection.execute(graded):
        if kind == "learn" and card_id in last:
            rows.append(
                {"card_id": card_id, "at": when, "kind": "reset", "after_review": review_id - 1}
            )
        last[card_id] = (review_id, when)
    for card_id in sorted(new_again & set(last)):
        review_id, when = last[card_id]
        rows.append({"card_id": card_id, "at": when, "kind": "reset", "after_review": review_id})
    if rows:
        connection.execute(insert(events), rows)


def _v7_row_security(connection: Connection) -> None:
    # On PostgreSQL, a learner's role sees only its own rows (storage/rowsecurity.py).
    rowsecurity.apply(connection)


#: Every step after version 1, in order. ``MIGRATIONS[-1].version == SCHEMA_VERSION``.
MIGRATIONS: tuple[Migration, ...] = (
    Migration(2, "index reviews by card and time, and by time", _v2_review_indexes),
    Migration(
        3,
        "a spare problem per card; the old statistics cache tables go",
        _v3_spare_problem,
    ),
    Migration(4, "several learners: a learners table, each card and review has one", _v4_learners),
    Migration(5, "a flags table: problems flagged in a drill", _v5_flags),
    Migration(
        6,
        "card events (reset, suspend, unsuspend, adopt), recovered from the tables",
        _v6_card_events,
    ),
    Migration(7, "row-level security per learner on PostgreSQL", _v7_row_security),
)

if MIGRATIONS[-1].version != SCHEMA_VERSION:  # pragma: no cover - a packaging mistake
    raise RuntimeError("mathdrill.storage: MIGRATIONS does not end at SCHEMA_VERSION")


def check_version(version: int, shown: str) -> None:
    """Refuse a database written by a newer mathdrill, or with a nonsensical version.

    Args:
        version: The database's schema version.
        shown: How to name the database in the message.

    Raises:
        StorageError: If the version is newer than this code knows, or below 1.
    """
    if version > SCHEMA_VERSION:
        raise StorageError(
            f"The database {shown} was written by a newer mathdrill (schema {version}, this "
            f"version knows up to {SCHEMA_VERSION}): upgrade mathdrill. The database was not "
            f"changed."
        )
    if version < 1:
        raise StorageError(
            f"The database {shown} has an invalid schema version ({version}); it was not "
            f"changed. Restore a backup or point --db/MATHDRILL_DB elsewhere."
        )


def backup_name(file: Path, version: int, now: datetime) -> Path:
    """Return a free backup path ``<file>.bak-v<version>-<UTC time>`` next to ``file``.

    Args:
        file: The database file.
        version: Its schema version before the migration.
        now: The time to stamp (aware).

    Returns:
        A path that does not exist yet (a ``-2``, ``-3`` … suffix is added when needed).
    """
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    base = file.with_name(f"{file.name}.bak-v{version}-{stamp}")
    candidate, n = base, 1
    while candidate.exists():
        n += 1
        candidate = base.with_name(f"{base.name}-{n}")
    return candidate


def backup_sqlite(source: Path, destination: Path) -> None:
    """Copy a live SQLite database file to ``destination`` with SQLite's online backup API.

    The copy is read through its own read-only connection, so it includes committed pages still
    in the WAL. The caller holds the write lock on another connection (and has written nothing
    yet), so the database cannot change during the copy. (Backing up through the connection that
    holds the lock does not work: SQLite reports the source as busy and Python retries forever.)

    Args:
        source: The database file.
        destination: The new file (must not exist).

    The copy is made as ``<destination>.part`` and renamed when complete, and deleted when it
    fails (a full disk), so a backup that exists is whole: copying it back never restores a
    truncated or empty database.

    Raises:
        sqlite3.Error: If the copy fails (the caller translates it).
        OSError: If the destination cannot be created.
    """
    partial = destination.with_name(f"{destination.name}.part")
    reader = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    try:
        target = sqlite3.connect(partial)
        try:
            reader.backup(target)
        finally:
            target.close()
        os.replace(partial, destination)
    except BaseException:
        with suppress(OSError):
            partial.unlink()
        raise
    finally:
        reader.close()


def pending(version: int) -> list[Migration]:
    """Return the steps that bring a database at ``version`` to :data:`SCHEMA_VERSION`.

    Args:
        version: The database's current schema version.

    Returns:
        The steps to apply, in order (empty when current).
    """
    return [step for step in MIGRATIONS if step.version > version]
