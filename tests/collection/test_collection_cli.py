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
