"""``--now``, ``--db`` and ``--debug`` work after the command name too: ``mathdrill due --now``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mathdrill.cli import launch
from mathdrill.cli.root import hoist_root_options


def test_due_with_now_after_the_command_is_the_same_as_before(md) -> None:
    before = md("--now", "2026-11-21T09:00", "due", "--json")
    after = md("due", "--now", "2026-11-21T09:00", "--json")
    assert before.returncode == 0, before.stderr
    assert after.returncode == 0, after.stderr
    assert json.loads(after.stdout) == json.loads(before.stdout)
    equals = md("due", "--json", "--now=2026-11-21T09:00")
    assert equals.returncode == 0, equals.stderr
    assert json.loads(equals.stdout) == json.loads(before.stdout)


def test_db_after_a_subcommand_opens_that_database(md, tmp_path: Path) -> None:
    db = tmp_path / "elsewhere.db"
    done = md("--now", "2026-11-21T09:00", "due", "--db", str(db))
    assert done.returncode == 0, done.stderr
    assert db.exists()


def test_a_malformed_now_after_the_command_is_reported_as_the_root_option(md) -> None:
    done = md("stats", "--now", "yesterday-ish")
    assert done.returncode == 2
    assert "--now" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("args", "hoisted"),
    [
        (["due", "--now", "T", "--json"], ["--now", "T", "due", "--json"]),
        (["deck", "check", "--debug", "x.yaml"], ["--debug", "deck", "check", "x.yaml"]),
        (["stats", "--db=a.db"], ["--db=a.db", "stats"]),
        (["--now", "T", "due", "--db", "a.db"], ["--now", "T", "--db", "a.db", "due"]),
        # After `--` every word is an argument; a value option with no value is left for the
        # command's own error rather than swallowing the command's next word.
        (["check", "--", "--debug"], ["check", "--", "--debug"]),
        (["due", "--now"], ["due", "--now"]),
        ([], []),
    ],
)
def test_hoisting_moves_only_root_options_after_the_command(args, hoisted) -> None:
    assert hoist_root_options(args) == hoisted
    assert launch.command_name(args) == launch.command_name(hoisted)
