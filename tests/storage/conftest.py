"""Fixtures for the storage tests: a fresh database file in a temporary folder."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mathdrill.storage import Database, Review, open_database

#: The fixed 'now' of the storage tests (mirrored in test modules as NOW).
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

RecordFactory = Callable[..., Review]


def _make_record(card_id: int, at: datetime = NOW, **overrides: object) -> Review:
    """Return a plausible review record; keyword arguments replace fields."""
    fields: dict[str, object] = {
        "card_id": card_id,
        "reviewed_at": at,
        "kind": "review",
        "seed": 12345,
        "fingerprint": "sha256:abc",
        "answer": "2*x*cos(x**2)",
        "status": "correct",
        "correct": True,
        "quality": 4,
        "read_as": "2·x·cos(x²)",
        "hints": 0,
        "seconds": 12.5,
        "session_id": "s1",
    }
    fields.update(overrides)
    return Review(**fields)  # type: ignore[arg-type]


@pytest.fixture
def make_record() -> RecordFactory:
    """Return a factory of plausible review records (keyword arguments replace fields)."""
    return _make_record


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "mathdrill.db"


@pytest.fixture
def db(db_path: Path) -> Iterator[Database]:
    database = open_database(str(db_path))
    try:
        yield database
    finally:
        database.close()
