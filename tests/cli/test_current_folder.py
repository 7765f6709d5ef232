"""Modules planted in the folder mathdrill runs in are never imported by its worker processes.

A learner may run ``mathdrill`` anywhere, also in a folder holding someone else's ``sympy.py``.
The checking worker and the problem worker import sympy, numpy, mpmath and yaml; each planted
module here writes a marker file when imported, and the commands must work without any marker
appearing.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.drill.drillkit import ARITH

# A real process is the point here (see tests/inprocess.py for the rest).
pytestmark = pytest.mark.slow

PLANTED = ("sympy", "numpy", "mpmath", "yaml", "mathdrill_probe")


@pytest.fixture
def hostile_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "downloads"
    folder.mkdir()
    for name in PLANTED:
        marker = tmp_path / f"ran-{name}"
        (folder / f"{name}.py").write_text(f"open({str(marker)!r}, 'w').write('x')\n")
    return folder


def _markers(tmp_path: Path) -> list[str]:
    return sorted(p.name for p in tmp_path.glob("ran-*"))


def _run(folder: Path, md_env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    """Run the installed program, as a learner does (not ``python -m``, which itself puts the
    current folder first on the main process's import path), and return its output."""
    done = subprocess.run(
        [str(Path(sys.executable).with_name("mathdrill")), *args],
        cwd=folder,
        env=md_env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_checking_worker_ignores_the_current_folder(
    hostile_folder: Path, tmp_path: Path, md_env: dict[str, str]
) -> None:
    args = ("check", "-k", "expression", "-e", "x^2", "-a", "x*x", "--var", "x")
    _run(hostile_folder, md_env, *args)
    assert _markers(tmp_path) == []


def test_the_problem_worker_ignores_the_current_folder(
    hostile_folder: Path, tmp_path: Path, md_env: dict[str, str]
) -> None:
    args = ("drill", "--decks", str(ARITH), "--deck", "arith", "--limit", "1")
    shown = _run(hostile_folder, md_env, *args, stdin="!\nq\n")
    assert "What is" in shown  # a problem was made (by the worker) and shown
    assert _markers(tmp_path) == []


def test_deck_check_and_its_pool_ignore_the_current_folder(
    hostile_folder: Path, tmp_path: Path, md_env: dict[str, str]
) -> None:
    _run(hostile_folder, md_env, "deck", "check", str(ARITH), "--samples", "5", "-j", "2")
    assert _markers(tmp_path) == []
