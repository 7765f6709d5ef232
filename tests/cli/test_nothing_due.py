"""The nothing-due screen names both ways to go on: more new skills (``--new N``) or ``--cram``."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console

from mathdrill.cli.drill_cmd import TerminalUI
from tests.drill.drillkit import drill_args


def test_plain_nothing_due_suggests_new_and_cram(md) -> None:
    done = md(*drill_args("2026-11-21T09:00", "--new", "0"), stdin="")
    assert done.returncode == 0, done.stderr
    assert "Nothing is due now" in done.stdout
    assert "mathdrill drill --new " in done.stdout
    assert "mathdrill drill --cram" in done.stdout


def test_terminal_nothing_due_suggests_new_and_cram(tmp_path: Path) -> None:
    ui = TerminalUI(tmp_path)
    out = io.StringIO()
    ui._console = Console(file=out, width=80, highlight=False, no_color=True)
    ui.nothing_due(datetime(2026, 11, 22, 4, tzinfo=UTC))
    text = out.getvalue()
    assert "mathdrill drill --new " in text
    assert "mathdrill drill --cram" in text
