"""Fixtures for the export/import tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def db_file(tmp_path: Path) -> Path:
    return tmp_path / "source" / "mathdrill.db"
