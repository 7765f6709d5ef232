"""Shared fixtures: run the real ``mathdrill`` command in a subprocess with an isolated home."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def md_env(tmp_path: Path) -> dict[str, str]:
    """Environment for a subprocess: a private data directory, no colour, no debug."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MATHDRILL_")}
    env["MATHDRILL_HOME"] = str(tmp_path / "home")
    env["NO_COLOR"] = "1"
    env["PYTHONPATH"] = str(REPO)
    return env


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
