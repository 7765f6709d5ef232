"""Fixtures for the drill's end-to-end tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def home(md_env: dict[str, str]) -> Path:
    """The private MATHDRILL_HOME of this test."""
    return Path(md_env["MATHDRILL_HOME"])
