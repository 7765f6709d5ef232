"""``due``, ``card`` and ``doctor`` through the real command, on real SQLite files."""

from __future__ import annotations

import json
from pathlib import Path


def _due(md) -> dict:
    done = md("due", "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_first_due_creates_cards_for_every_builtin_template(md) -> None:
    report = _due(md)
    decks = {d["deck"]: d for d in report["decks"]}
    assert "derivatives" in decks
    assert all(d["new"] == d["total"] > 0 for d in decks.values())
    assert report["due_now"] == 0
    assert report["next_due"] is None


def test_suspend_unsuspend_reset_round_trip(md) -> None:
    before = {d["deck"]: d for d in _due(md)["decks"]}["derivatives"]
    done = md("card", "suspend", "derivatives/power-rule")
    assert done.returncode == 0, done.stderr
    assert "suspended" in done.stdout
    after = {d["deck"]: d for d in _due(md)["decks"]}["derivatives"]
    assert after["suspended"] == before["suspended"] + 1
    assert after["new"] == before["new"] - 1
    shown = json.loads(md("card", "show", "derivatives/power-rule", "--json").stdout)
    assert shown["suspended"] is True
    assert shown["history"] == []
    assert md("card", "unsuspend", "derivatives/power-rule").returncode == 0
    reset = md("card", "reset", "derivatives/power-rule")
    assert reset.returncode == 0
    assert "history kept" in reset.stdout
    again = json.loads(md("card", "show", "derivatives/power-rule", "--json").stdout)
    assert again["suspended"] is False
    assert again["due"] is None


def test_unknown_card_lists_what_exists(md) -> None:
    done = md("card", "show", "derivatives/no-such-template")
    assert done.returncode == 2
    assert "no card derivatives/no-such-template" in done.stderr
    assert "power-rule" in done.stderr
    malformed = md("card", "suspend", "derivatives")
    assert malformed.returncode == 2
    assert "DECK/TEMPLATE" in malformed.stderr


def test_doctor_on_a_healthy_collection(md) -> None:
    md("due")
    done = md("doctor", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["healthy"] is True
    assert report["integrity"] == []
    assert report["schema_version"] >= 1
    assert report["cards"] > 0


def test_doctor_refuses_a_garbage_file_and_leaves_it_alone(md, md_env, tmp_path: Path) -> None:
    home = Path(md_env["MATHDRILL_HOME"])
    home.mkdir(parents=True)
    garbage = home / "mathdrill.db"
    content = b"this is not a database, it is my thesis" * 100
    garbage.write_bytes(content)
    done = md("doctor")
    assert done.returncode == 1
    assert "cannot open the database" in done.stdout
    assert "Traceback" not in done.stderr
    assert garbage.read_bytes() == content
    due = md("due")
    assert due.returncode != 0
    assert "Traceback" not in due.stderr
    assert garbage.read_bytes() == content


def test_doctor_with_a_missing_database_says_so(md) -> None:
    done = md("doctor")
    assert done.returncode == 1
    assert "cannot open the database" in done.stdout


def test_removed_template_leaves_an_orphan_with_its_history(md, md_env, tmp_path: Path) -> None:
    arith = Path(__file__).resolve().parents[1] / "drill" / "fixtures" / "arith.yaml"
    user_decks = Path(md_env["MATHDRILL_HOME"]) / "decks"
    user_decks.mkdir(parents=True)
    (user_decks / "arith.yaml").write_text(arith.read_text())
    done = md("--now", "2026-11-21T09:00", "drill", "--deck", "arith", "--limit", "1", stdin="!\n")
    assert done.returncode == 0, done.stderr
    (user_decks / "arith.yaml").unlink()
    report = json.loads(md("doctor", "--json").stdout)
    assert report["healthy"] is True
    assert "arith/add" in report["orphaned"]
    assert report["reviews"] == 1
    shown = json.loads(md("card", "show", "arith/add", "--json").stdout)
    assert shown["orphaned"] is True
    assert len(shown["history"]) == 1


LONG_DECK = """\
deck: probability-and-statistics-for-machine-learning
title: A deck with a long id
templates:
  - id: plus-one
    title: Plus one
    tags: [arithmetic]
    params:
      a: integer(2, 9)
    prompt: What is {a} + 1?
    answer:
      kind: number
      value: a + 1
"""


def test_due_prints_full_headers_when_piped(tmp_path: Path) -> None:
    # Not a terminal (CliRunner captures the output): nothing is squeezed to 80 columns.
    from typer.testing import CliRunner

    from mathdrill.cli.app import app

    home = tmp_path / "home"
    (home / "decks").mkdir(parents=True)
    (home / "decks" / "long.yaml").write_text(LONG_DECK, encoding="utf-8")
    env = {"MATHDRILL_HOME": str(home), "MATHDRILL_DB": "", "NO_COLOR": "1", "COLUMNS": "80"}
    result = CliRunner().invoke(app, ["--now", "2026-06-01T10:00:00+00:00", "due"], env=env)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    header = next(line for line in lines if line.lstrip().startswith("deck"))
    days = ["Tue", "Wed", "Thu", "Fri", "Sat", "Sun", "Mon"]
    assert header.split() == ["deck", "today", *days, "new", "susp"]
    assert "…" not in result.output
    row = next(line for line in lines if "probability-and-statistics" in line)
    assert row.split() == ["probability-and-statistics-for-machine-learning", *["0"] * 8, "1", "0"]
