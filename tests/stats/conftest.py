"""Fixtures for the statistics tests: real SQLite files with hand-built histories."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mathdrill.storage import Database, open_database
from tests.factories import Recorder


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = open_database(str(tmp_path / "data" / "mathdrill.db"))
    try:
        yield database
    finally:
        database.close()


@pytest.fixture
def history(db: Database) -> Recorder:
    return Recorder(db)
