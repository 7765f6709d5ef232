"""Shared fixtures: run ``mathdrill`` in this process (``md``) or as a real process (``run_md``).

``md`` is the default for command-line behaviour: the real command line and its one error
handler (:func:`mathdrill.cli.app.main`) under typer's ``CliRunner`` isolation, with its own
streams, environment (data directory, ``--now``) and current folder. ``run_md`` starts
``python -m mathdrill`` and is kept for tests where the process itself is the point.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from mathdrill.storage.location import path_to_url
from tests.inprocess import Ran, invoke

# The PostgreSQL server fixtures (pg_server, pg_url): see tests/pg.py.
pytest_plugins = ["tests.pg"]

REPO = Path(__file__).resolve().parent.parent

#: The database backends the backend-independent tests run on (see ``db_url``).
BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh database's URL, once per backend: an SQLite file, then a PostgreSQL database.

    A test that asks for it runs on both; ``md`` and ``run_md`` then point ``MATHDRILL_DB`` at
    it too. Tests of what only a file can do (backups next to it, WAL, permissions) use paths.
    """
    if request.param == "sqlite":
        return path_to_url(tmp_path / "data" / "mathdrill.db")
    url: str = request.getfixturevalue("pg_url")
    return url


@pytest.fixture
def md_env(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, str]:
    """Environment for a command: a private data directory, no colour, no debug.

    In a test that asks for ``db_url``, ``MATHDRILL_DB`` names that database.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("MATHDRILL_")}
    env["MATHDRILL_HOME"] = str(tmp_path / "home")
    if "db_url" in request.fixturenames:
        env["MATHDRILL_DB"] = request.getfixturevalue("db_url")
    env["NO_COLOR"] = "1"
    env["PYTHONPATH"] = str(REPO)
    return env


@pytest.fixture
def md(md_env: dict[str, str], tmp_path: Path):
    """Run ``mathdrill ARGS`` in this process (see :func:`invoke`) in a private home."""

    def run(*args: str, stdin: str | bytes | None = None) -> Ran:
        return invoke(list(args), md_env, tmp_path, stdin)

    return run


@pytest.fixture
def run_md(md_env: dict[str, str], tmp_path: Path):
    """Run ``python -m mathdrill ARGS`` as a real subprocess and return the completed process."""

    def run(
        *args: str, stdin: str | None = None, timeout: float = 60
    ) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "mathdrill", *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=md_env,
            cwd=tmp_path,
            timeout=timeout,
        )

    return run
