"""Fixtures for the storage tests: a fresh database file in a temporary folder.

Review records and scheduled cards come from :mod:`tests.factories`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mathdrill.storage import Database, open_database


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
