"""Fixtures for the storage tests: a fresh database on each backend, or an SQLite file.

``db`` runs a test on SQLite and on PostgreSQL (see ``db_url`` in ``tests/conftest.py``);
``file_db`` is an SQLite file, for what only a file has (WAL, the stored text of timestamps).

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
def db(db_url: str) -> Iterator[Database]:
    database = open_database(db_url)
    try:
        yield database
    finally:
        database.close()


@pytest.fixture
def file_db(db_path: Path) -> Iterator[Database]:
    database = open_database(str(db_path))
    try:
        yield database
    finally:
        database.close()
