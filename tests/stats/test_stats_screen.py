"""What ``mathdrill stats`` prints, in-process (typer's CliRunner) on a real SQLite file."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mathdrill.cli.app import app
from mathdrill.errors import MathdrillError
from mathdrill.storage import open_database
from tests.factories import Recorder, write_deck

NOW = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)


@dataclass
class Outcome:
    exit_code: int
    output: str


def invoke(home: Path, *args: str, env: dict[str, str] | None = None) -> Outcome:
    """Run the command in-process; a mathdrill error becomes its exit code and message, as in
    :func:`mathdrill.cli.app.main`."""
    environment = {"MATHDRILL_HOME": str(home), "MATHDRILL_DB": "", "NO_COLOR": "1"}
    result = CliRunner().invoke(
        app, ["--now", NOW.isoformat(), *args], env=environment | (env or {})
    )
    if isinstance(result.exception, MathdrillError):
        error = result.exception
        return Outcome(error.exit_code, f"{result.output}mathdrill: {error}\n")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return Outcome(result.exit_code, result.output)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A learner who met 2 of the 12 tags of their deck, and made a named mistake."""
    home = tmp_path / "home"
    templates = [(f"t{i}", f"Skill {i}", f"tag-{i}") for i in range(12)]
    templates[0] = ("t0", "Posterior *odds* of disease", "tag-0")
    write_deck(home / "decks", "mine", "My deck", templates)
    with open_database(str(home / "mathdrill.db")) as db:
        history = Recorder(db)
        first = history.card("mine", "t0", NOW - timedelta(days=10))
        second = history.card("mine", "t1", NOW - timedelta(days=10))
        for day in range(5):
            at = NOW - timedelta(days=day, hours=1)
            history.review(
                first, at, correct=day % 2 == 0, mistake=None if day % 2 == 0 else "t0-slip"
            )
            history.review(second, at + timedelta(minutes=3))
    return home


def test_tags_never_met_are_counted_not_listed(home: Path) -> None:
    screen = invoke(home, "stats")
    assert screen.exit_code == 0, screen.output
    rows = [line.split()[0] for line in screen.output.splitlines() if line.startswith("tag-")]
    assert sorted(rows) == ["tag-0", "tag-1"]
    # --json stays complete whatever the screen shows: every tag of every loaded deck.
    data = json.loads(invoke(home, "stats", "--json").output)
    tags = {t["id"] for t in data["tags"]}
    assert {f"tag-{i}" for i in range(12)} <= tags
    assert f"{len(tags) - 2} tags not met yet (--all lists them)" in screen.output
    assert f"{len(data['decks']) - 1} decks not met yet" in screen.output
    everything = invoke(home, "stats", "--all")
    assert everything.exit_code == 0, everything.output
    lines = everything.output.splitlines()
    rows = [line.split()[0] for line in lines if line.startswith("tag-")]
    assert len(rows) == 12
    assert tags <= {line.split()[0] for line in lines if line.split()}
    assert "not met yet" not in everything.output


def test_named_mistakes_show_no_ellipsis_for_instance_values(home: Path) -> None:
    screen = invoke(home, "stats")
    assert screen.exit_code == 0, screen.output
    section = screen.output.split("most frequent mistakes")[1].split("Forecast")[0]
    assert "t0-slip" in section
    assert "×2" in section
    assert "…" not in section


def test_an_unknown_deck_is_named_with_the_known_ones(home: Path) -> None:
    result = invoke(home, "stats", "--deck", "no-such-deck")
    assert result.exit_code == 2, result.output
    assert "no-such-deck" in result.output
    assert "mine" in result.output
    assert "derivatives" in result.output
    assert "day one" not in result.output
    assert invoke(home, "stats", "--deck", "mine").exit_code == 0


def test_a_deck_with_cards_but_no_file_is_still_known(home: Path) -> None:
    (home / "decks" / "mine.yaml").unlink()
    result = invoke(home, "stats", "--deck", "mine", "--json")
    assert result.exit_code == 0, result.output


def test_markdown_emphasis_in_deck_texts_is_rendered(home: Path) -> None:
    plain = invoke(home, "stats", "--all")
    assert "*odds*" not in plain.output
    assert "Posterior odds of disease" in plain.output
    styled = invoke(home, "stats", "--all", env={"FORCE_COLOR": "1", "COLUMNS": "200"})
    assert "\x1b[3modds\x1b[0m" in styled.output


def test_counts_are_singular_when_one(tmp_path: Path) -> None:
    home = tmp_path / "home"
    write_deck(home / "decks", "mine", "My deck", [("t0", "Skill 0", "tag-0")])
    with open_database(str(home / "mathdrill.db")) as db:
        history = Recorder(db)
        card = history.card("mine", "t0", NOW - timedelta(days=3))
        history.review(card, NOW - timedelta(hours=2), correct=False, lapses=1)
    screen = invoke(home, "stats", "--days", "1")
    assert screen.exit_code == 0, screen.output
    assert "1 lapse," in screen.output
    assert "1 review in all" in screen.output
    assert "1 study day " in screen.output
    assert "last 1 day" in screen.output
    assert "1 lapses" not in screen.output
    assert "1 days" not in screen.output
