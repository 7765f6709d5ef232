"""The current database schema as SQLAlchemy Core tables.

This module describes the *latest* schema (:data:`SCHEMA_VERSION`). A fresh database is created
from it directly; an older database is brought to it by the numbered steps in
:mod:`mathdrill.storage.migrations`, and a test checks that both roads end in the same schema.

Conventions (documented for users in ``docs/data.md``):

- Every timestamp is stored in UTC. On SQLite that is SQLAlchemy's text form
  ``YYYY-MM-DD HH:MM:SS.ffffff`` (fixed width, so text order is time order and the ``(suspended,
  due)`` index serves range queries); on PostgreSQL a ``timestamp with time zone``. Python code
  only ever sees timezone-aware datetimes.
- The SM-2 easiness factor moves in steps of 0.01 and is stored as an exact integer number of
  hundredths (``easiness_x100 = 250`` is EF 2.50), never as a float, so six perfect reviews give
  420 days rather than a drifted 421.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

from mathdrill.vocabulary import CARD_EVENT_KINDS, REVIEW_KINDS

SCHEMA_VERSION = 7
"""Version of the current schema; see :mod:`mathdrill.storage.migrations` for the steps."""

SCHEMA_VERSION_KEY = "schema_version"
"""The ``meta`` table key holding a database's schema version."""


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as UTC and always returned timezone-aware (UTC).

    Naive datetimes are refused on the way in: a naive time is ambiguous, and guessing its zone is
    how schedules silently shift by hours.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Convert an aware datetime to UTC (naive UTC on SQLite, which stores no zone).

        Args:
            value: The datetime to store, or None.
            dialect: The database dialect in use.

        Returns:
            The value to hand to the driver.

        Raises:
            ValueError: If ``value`` is naive (a programming error, not a user error).
        """
        if value is None:
            return None
        if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"timestamps must be timezone-aware datetimes, got {value!r}")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def result_processor(self, dialect: Dialect, coltype: object) -> Any:
        """Return the row converter; on SQLite one C call per value instead of three layers.

        Args:
            dialect: The database dialect in use.
            coltype: The DBAPI column type.

        Returns:
            A function from the stored value to an aware UTC datetime (or None).
        """
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)
        parse = datetime.fromisoformat

        def process(value: Any) -> datetime | None:
            if value is None:
                return None
            if isinstance(value, str):
                # Our own fixed format, "YYYY-MM-DD HH:MM:SS.ffffff", always UTC.
                return parse(value).replace(tzinfo=UTC)
            return self.process_result_value(value, dialect)

        return process

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        """Return a stored timestamp as an aware UTC datetime.

        Args:
            value: What the driver returned (a datetime, naive on SQLite).
            dialect: The database dialect in use.

        Returns:
            The timestamp in UTC, or None.
        """
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


#: On PostgreSQL, which cannot store U+0000 in text: the escape character and its two codes.
_ESCAPE, _NUL_CODE = "\ue000", "\ue001"


class LearnerText(TypeDecorator[str]):
    """Text that may hold any character, U+0000 included, on every backend.

    SQLite stores it as it is (no conversion at all). PostgreSQL refuses U+0000 in text, so
    there a NUL is stored as U+E000 U+E001 and U+E000 itself as U+E000 U+E000 (a private-use
    character nobody types): reversible, and text without either character is stored unchanged,
    so the server's own queries see ordinary text.
    """

    impl: TypeEngine[Any] | type[TypeEngine[Any]] = String
    cache_ok = True

    def __init__(self, length: int | None = None) -> None:
        """Stored as ``VARCHAR(length)``, or as ``TEXT`` without a length."""
        super().__init__()
        self.length = length
        self.impl = String(length) if length is not None else Text()

    def bind_processor(self, dialect: Dialect) -> Any:
        """Return the converter of values going in (None on SQLite: nothing to do)."""
        if dialect.name == "sqlite":
            return None

        def process(value: str | None) -> str | None:
            if value is None or ("\0" not in value and _ESCAPE not in value):
                return value
            return value.replace(_ESCAPE, _ESCAPE * 2).replace("\0", _ESCAPE + _NUL_CODE)

        return process

    def result_processor(self, dialect: Dialect, coltype: object) -> Any:
        """Return the converter of values coming out (None on SQLite: nothing to do)."""
        if dialect.name == "sqlite":
            return None

        def process(value: str | None) -> str | None:
            if value is None or _ESCAPE not in value:
                return value
            parts = value.split(_ESCAPE)
            out = [parts[0]]
            pending = False  # an escape was followed by another escape
            for part in parts[1:]:
                if pending:
                    out.append(_ESCAPE + part)
                    pending = False
                elif part == "":
                    pending = True
                else:
                    out.append(("\0" if part[0] == _NUL_CODE else part[0]) + part[1:])
            return "".join(out)

        return process


metadata = MetaData()

#: Schema v4: the learners whose progress this database holds (one, ``default``, unless
#: ``--learner`` names others). On PostgreSQL a learner's name may also be a database role that
#: row-level security limits to the learner's own rows (``docs/data.md``, "PostgreSQL").
learners = Table(
    "learners",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(63), nullable=False),
    Column("created", UTCDateTime(), nullable=False),
    UniqueConstraint("name", name="uq_learners_name"),
)

#: One row per learner and skill (deck/template): its current SM-2 state and flags.
cards = Table(
    "cards",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("learner_id", Integer, ForeignKey("learners.id", ondelete="RESTRICT"), nullable=False),
    Column("deck", LearnerText(200), nullable=False),
    Column("template", LearnerText(200), nullable=False),
    Column("repetitions", Integer, nullable=False, default=0),
    Column("easiness_x100", Integer, nullable=False, default=250),
    Column("interval_days", Integer, nullable=False, default=0),
    Column("due", UTCDateTime(), nullable=True),
    Column("lapses", Integer, nullable=False, default=0),
    Column("suspended", Boolean, nullable=False, default=False),
    Column("leech", Boolean, nullable=False, default=False),
    Column("created", UTCDateTime(), nullable=False),
    Column("last_review", UTCDateTime(), nullable=True),
    # Schema v3: a problem made ahead for this card by the previous session (JSON), shown first
    # next time without waiting for the problem worker; taken (set NULL) when it is shown.
    Column("spare_problem", LearnerText(), nullable=True),
    UniqueConstraint("learner_id", "deck", "template", name="uq_cards_learner_deck_template"),
    CheckConstraint("easiness_x100 >= 130", name="ck_cards_easiness"),
    CheckConstraint(
        "repetitions >= 0 AND interval_days >= 0 AND lapses >= 0", name="ck_cards_counts"
    ),
    # Serves one learner's "due now" (suspended = false AND due <= now ORDER BY due), "how many
    # due" (a count over an index range, never touching the table) and "new cards" (due IS NULL
    # ORDER BY id).
    Index("ix_cards_queue", "learner_id", "suspended", "due", "id"),
)

#: Append-only log of every answered problem.
reviews = Table(
    "reviews",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("card_id", Integer, ForeignKey("cards.id", ondelete="RESTRICT"), nullable=False),
    # Schema v4: the card's learner, copied when the review is logged, so one learner's log
    # (stats, exports, row-level security on PostgreSQL) is read without a join.
    Column("learner_id", Integer, ForeignKey("learners.id", ondelete="RESTRICT"), nullable=False),
    Column("reviewed_at", UTCDateTime(), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("seed", BigInteger, nullable=False),
    Column("fingerprint", LearnerText(128), nullable=False),
    Column("answer", LearnerText(), nullable=False),
    Column("read_as", LearnerText(), nullable=True),
    Column("status", LearnerText(32), nullable=False),
    Column("correct", Boolean, nullable=False),
    Column("mistake", LearnerText(200), nullable=True),
    Column("hints", Integer, nullable=False, default=0),
    Column("seconds", Float, nullable=True),
    Column("quality", Integer, nullable=True),
    Column("easiness_before_x100", Integer, nullable=False),
    Column("easiness_after_x100", Integer, nullable=False),
    Column("interval_before", Integer, nullable=False),
    Column("interval_after", Integer, nullable=False),
    Column("session_id", LearnerText(64), nullable=True),
    CheckConstraint(f"kind IN ({', '.join(map(repr, REVIEW_KINDS))})", name="ck_reviews_kind"),
    CheckConstraint(
        "quality IS NULL OR (quality >= 0 AND quality <= 5)", name="ck_reviews_quality"
    ),
    # Schema v2: a card's history newest first, and reviews by time (stats, exports).
    Index("ix_reviews_card_time", "card_id", "reviewed_at"),
    Index("ix_reviews_time", "reviewed_at"),
    Index("ix_reviews_learner_time", "learner_id", "reviewed_at"),
)

#: Schema v4: problems the learner flagged in a drill (the ``f`` key), kept to be reported.
flags = Table(
    "flags",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("card_id", Integer, ForeignKey("cards.id", ondelete="RESTRICT"), nullable=False),
    Column("seed", BigInteger, nullable=False),
    Column("flagged_at", UTCDateTime(), nullable=False),
    Column("comment", Text, nullable=False),
    Column("answer", Text, nullable=True),
)

#: Schema v4: what changed a card outside a review (reset, suspend, unsuspend, an adopted state),
#: so a card's state is a fold over its reviews and these (``scheduling/replay.py``).
card_events = Table(
    "card_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("card_id", Integer, ForeignKey("cards.id", ondelete="RESTRICT"), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("kind", String(16), nullable=False),
    # The newest review id in the log when the event was recorded: orders it among reviews
    # of the same instant.
    Column("after_review", Integer, nullable=False, default=0),
    # The state an "adopt" event gives the card (NULL for the other kinds).
    Column("repetitions", Integer, nullable=True),
    Column("easiness_x100", Integer, nullable=True),
    Column("interval_days", Integer, nullable=True),
    Column("due", UTCDateTime(), nullable=True),
    Column("lapses", Integer, nullable=True),
    Column("suspended", Boolean, nullable=True),
    Column("leech", Boolean, nullable=True),
    Column("last_review", UTCDateTime(), nullable=True),
    CheckConstraint(
        f"kind IN ({', '.join(map(repr, CARD_EVENT_KINDS))})", name="ck_card_events_kind"
    ),
    Index("ix_card_events_card_time", "card_id", "at"),
)

#: Key/value settings of this database, including the schema version.
meta = Table(
    "meta",
    metadata,
    Column("key", String(100), primary_key=True),
    Column("value", Text, nullable=False),
)
