"""A quick, read-only look at the cards, for planning a drill before SQLAlchemy is loaded.

Why: importing SQLAlchemy costs about a third of a second on the project's machine — over half
the time the drill has to put its first problem on the screen. The drill plans its queue from
this snapshot, read with the standard library's ``sqlite3`` driver, and opens the full
:class:`~mathdrill.storage.Database` in the background while the learner reads the problem.
Every write still goes through ``Database``.

Only an existing plain SQLite file at exactly the current schema version is read here;
anything else (a URL, a missing or empty file, an older or newer schema, a foreign or damaged
database, a locked file) gives None, and the caller opens ``Database``, which creates, upgrades
or refuses with a proper message. The values are converted exactly as ``Database`` converts
them (a test holds the two readings equal).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from mathdrill.storage.records import Card, card_from_row
from mathdrill.storage.version import SCHEMA_VERSION, SCHEMA_VERSION_KEY

#: Seconds to wait for a writer's lock before giving up on the quick read.
BUSY_TIMEOUT = 0.5


@dataclass(frozen=True)
class PlanSnapshot:
    """Cards and today's activity, as read at one moment.

    Attributes:
        cards: The cards of the decks asked for, ordered by deck then template (as
            ``Database.cards()``).
        learned: Ids of cards with a ``learn`` review at or after ``since``.
        reviewed: Ids of cards with a ``review`` review at or after ``since``.
    """

    cards: tuple[Card, ...]
    learned: frozenset[int]
    reviewed: frozenset[int]


def _time(value: str | None) -> datetime | None:
    # Stored as naive UTC text, ``YYYY-MM-DD HH:MM:SS.ffffff`` (see schema.py).
    return None if value is None else datetime.fromisoformat(value).replace(tzinfo=UTC)


def _stored(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def read_snapshot(file: Path, since: datetime, decks: Iterable[str]) -> PlanSnapshot | None:
    """Read the cards of some decks and which cards were learned or reviewed since ``since``.

    Args:
        file: The database file.
        since: Start of the period (aware), e.g. this study day.
        decks: The deck ids whose cards to read (a collection may hold many cards of decks
            that are no longer installed; they are not read).

    Returns:
        The snapshot, or None when this file is not one to read quickly (see the module
        docstring); the caller then uses ``Database``.
    """
    if since.tzinfo is None:
        raise ValueError("since must be timezone-aware")
    wanted = sorted(set(decks))
    try:
        if not file.is_file() or file.stat().st_size == 0:
            return None
        uri = f"file:{quote(str(file.resolve()))}?mode=rw"
        conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT)
    except (OSError, sqlite3.Error):
        return None
    try:
        # One read transaction, so the cards and today's reviews are from the same moment.
        conn.execute("BEGIN")
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (SCHEMA_VERSION_KEY,)).fetchone()
        if row is None or row[0] != str(SCHEMA_VERSION):
            return None
        cards = tuple(
            card_from_row(row, _time)
            for row in conn.execute(
                "SELECT id, deck, template, repetitions, easiness_x100, interval_days, due, "
                "lapses, suspended, leech, created, last_review FROM cards "
                "WHERE deck IN (SELECT value FROM json_each(?)) ORDER BY deck, template",
                (json.dumps(wanted),),
            )
        )
        learned: set[int] = set()
        reviewed: set[int] = set()
        for card_id, kind in conn.execute(
            "SELECT card_id, kind FROM reviews WHERE reviewed_at >= ? "
            "AND kind IN ('learn', 'review')",
            (_stored(since),),
        ):
            (learned if kind == "learn" else reviewed).add(card_id)
    except (sqlite3.Error, ValueError, TypeError):
        return None
    finally:
        conn.rollback()
        conn.close()
    return PlanSnapshot(cards=cards, learned=frozenset(learned), reviewed=frozenset(reviewed))
