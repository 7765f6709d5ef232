"""Shell completion (``--install-completion``, ``--show-completion``): commands, options, deck
ids and card ids, answered from the deck catalogue without sympy or SQLAlchemy."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mathdrill.cli.app import app

DECK = """\
deck: my-notes
title: My notes
templates:
  - id: plus-one
    title: Plus one
    params:
      a: integer(2, 9)
    prompt: What is {a} + 1?
    answer:
      kind: number
      value: a + 1
"""


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    (home / "decks").mkdir(parents=True)
    (home / "decks" / "mine.yaml").write_text(DECK, encoding="utf-8")
    return home


def complete(home: Path, line: str) -> list[str]:
    """What bash completion offers for ``line`` (the word being typed is its last word)."""
    words = line.split(" ")
    env = {
        "_MATHDRILL_COMPLETE": "complete_bash",
        "COMP_WORDS": line,
        "COMP_CWORD": str(len(words) - 1),
        "MATHDRILL_HOME": str(home),
        "MATHDRILL_DB": "",
    }
    result = CliRunner().invoke(app, [], env=env, prog_name="mathdrill")
    assert result.exit_code == 0, result.output
    return result.output.split()


def test_commands_and_options_complete(home: Path) -> None:
    assert {"drill", "due", "stats", "export"} <= set(complete(home, "mathdrill "))
    assert complete(home, "mathdrill dr") == ["drill"]
    assert "--deck" in complete(home, "mathdrill drill --d")


@pytest.mark.parametrize(
    "line",
    ["mathdrill drill --deck ", "mathdrill stats --deck ", "mathdrill export all --deck "],
)
def test_deck_options_complete_deck_ids(home: Path, line: str) -> None:
    offered = complete(home, line)
    assert "derivatives" in offered  # built in
    assert "my-notes" in offered  # the learner's own
    assert complete(home, line + "my") == ["my-notes"]


def test_deck_show_completes_deck_ids(home: Path) -> None:
    assert complete(home, "mathdrill deck show my") == ["my-notes"]


@pytest.mark.parametrize("command", ["show", "suspend", "unsuspend", "reset"])
def test_card_commands_complete_card_ids(home: Path, command: str) -> None:
    assert complete(home, f"mathdrill card {command} my-notes/") == ["my-notes/plus-one"]
    offered = complete(home, f"mathdrill card {command} derivatives/")
    assert "derivatives/power-rule" in offered
    assert all(card.startswith("derivatives/") for card in offered)


def test_deck_preview_completes_decks_and_cards(home: Path) -> None:
    assert complete(home, "mathdrill deck preview my-") == ["my-notes", "my-notes/plus-one"]


def test_show_completion_prints_a_script() -> None:
    result = CliRunner().invoke(app, ["--show-completion", "bash"], prog_name="mathdrill")
    assert result.exit_code == 0, result.output
    assert "_MATHDRILL_COMPLETE" in result.output


def test_help_and_completion_import_neither_sqlalchemy_nor_sympy(home: Path) -> None:
    script = (
        "import sys\n"
        "from mathdrill.cli.app import main\n"
        "try:\n"
        "    main(sys.argv[1:])\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = sorted(m for m in ('sqlalchemy', 'sympy', 'numpy') if m in sys.modules)\n"
        "sys.stderr.write('HEAVY=' + ','.join(heavy) + '\\n')\n"
    )
    base = {"MATHDRILL_HOME": str(home), "MATHDRILL_DB": "", "PATH": "/usr/bin:/bin"}
    runs = [
        (["--help"], base),
        (
            [],
            base
            | {
                "_MATHDRILL_COMPLETE": "complete_bash",
                "COMP_WORDS": "mathdrill card show deri",
                "COMP_CWORD": "3",
            },
        ),
    ]
    for args, env in runs:
        done = subprocess.run(
            [sys.executable, "-c", script, *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        assert "HEAVY=\n" in done.stderr, done.stderr
