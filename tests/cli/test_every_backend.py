"""Every command that touches the database, on an SQLite file and on PostgreSQL (``db_url``).

A few answers are drilled through the plain-text front end, then each command reads or changes
what they left; the same assertions hold on both backends.
"""

from __future__ import annotations

import json
from pathlib import Path

from mathdrill.storage import SCHEMA_VERSION
from tests.drill.drillkit import drill_args, reviews

NOW = "2026-11-21T09:00"


def test_every_command_works_on_the_backend(md, db_url: str, tmp_path: Path) -> None:
    drilled = md(*drill_args(NOW, "--seed", "4"), stdin="0\n!\n")
    assert drilled.returncode == 0, drilled.stderr
    answered = len(reviews(db_url))
    assert answered >= 1

    due = md("--now", "2026-11-22T09:00", "due", "--json")
    assert due.returncode == 0, due.stderr
    assert "arith" in due.stdout

    card = md("--now", NOW, "card", "show", "arith/add", "--json")
    assert card.returncode == 0, card.stderr
    shown = json.loads(card.stdout)
    assert (shown["template"], shown["history"][0]["kind"]) == ("add", "learn")

    stats = md("--now", NOW, "stats", "--json")
    assert stats.returncode == 0, stats.stderr
    assert '"reviews"' in stats.stdout or '"answered"' in stats.stdout
    assert md("--now", NOW, "stats").returncode == 0

    exported = tmp_path / "all.jsonl"
    done = md("--now", NOW, "export", "all", "--format", "jsonl", "-o", str(exported))
    assert done.returncode == 0, done.stderr
    lines = exported.read_text(encoding="utf-8").splitlines()
    assert sum('"review"' in line for line in lines) == answered

    again = md("--now", NOW, "import", str(exported), "--json")
    assert again.returncode == 0, again.stderr
    assert len(reviews(db_url)) == answered  # nothing new: merged by natural keys

    doctor = md("--now", NOW, "doctor", "--json")
    report = json.loads(doctor.stdout)
    # The fixture deck is not installed, so its cards count as orphaned; nothing else is wrong.
    assert (doctor.returncode, report["problems"]) == (1, ["orphaned"]), doctor.stderr
    assert (report["schema_version"], report["integrity"], report["out_of_range"]) == (
        SCHEMA_VERSION,
        [],
        [],
    )
    assert report["reviews"] == answered

    reset = md("--now", NOW, "card", "suspend", "arith/add")
    assert reset.returncode == 0, reset.stderr
