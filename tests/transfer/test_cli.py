"""``mathdrill export`` and ``mathdrill import`` as a learner runs them.

In process; a real process only where it is the point: a reader that closes the pipe, and the
progress bar on a terminal.
"""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import pytest

from mathdrill.usecases.transfer import REVIEW_COLUMNS
from tests.factories import random_history, write_deck, write_history

NOW = "2026-03-01T12:00:00Z"


@pytest.fixture
def collection(tmp_path: Path) -> Path:
    return write_history(tmp_path / "mine.db", random_history(8, 300, seed=11))


def _md(md, db: Path, *args: str, stdin: str | None = None):
    return md("--db", str(db), "--now", NOW, *args, stdin=stdin)


def test_export_reviews_csv_to_stdout_with_filters(md, collection: Path) -> None:
    every = _md(md, collection, "export", "reviews")
    assert every.returncode == 0, every.stderr
    assert every.stderr == ""  # no progress bar when stderr is not a terminal
    rows = list(csv.DictReader(io.StringIO(every.stdout, newline="")))
    assert tuple(rows[0]) == REVIEW_COLUMNS
    assert len(rows) == 300
    some = _md(md, collection, "export", "reviews", "--since", "2026-01-01", "--deck", "d2")
    assert some.returncode == 0, some.stderr
    picked = list(csv.DictReader(io.StringIO(some.stdout, newline="")))
    # 2026-01-01 as a date is the start of that study day: 04:00 local time.
    assert picked
    assert all(r["deck"] == "d2" and r["reviewed_at"] >= "2025-12-31" for r in picked)
    assert len(picked) < len([r for r in rows if r["deck"] == "d2"])
    expected = [
        r for r in rows if r["deck"] == "d2" and r["reviewed_at"] >= "2026-01-01T04:00:00.000000Z"
    ]
    at_utc = _md(
        md,
        collection,
        "export",
        "reviews",
        "-f",
        "json",
        "--since",
        "2026-01-01T04:00:00Z",
        "--deck",
        "d2",
    )
    assert [r["seed"] for r in json.loads(at_utc.stdout)] == [int(r["seed"]) for r in expected]


def test_bad_options_exit_2_with_a_message(md, collection: Path) -> None:
    for args, message in [
        (("export", "reviews", "--since", "last tuesday"), "--since"),
        (("export", "all", "--format", "csv"), "one CSV table"),
        (("export", "cards", "--format", "fsrs"), "review log"),
        (("export", "cards", "--since", "2026-01-01"), "not dated"),
        (("export", "everything"), "Invalid value"),
    ]:
        done = _md(md, collection, *args)
        assert done.returncode == 2, (args, done.stderr)
        assert message in done.stderr, (args, done.stderr)
        assert "Traceback" not in done.stderr
        assert done.stdout == ""


def test_export_to_a_file_is_all_or_nothing(md, collection: Path, tmp_path: Path) -> None:
    out = tmp_path / "exports" / "all.json"
    missing_folder = _md(md, collection, "export", "all", "-o", str(out))
    assert missing_folder.returncode == 2
    assert "cannot write" in missing_folder.stderr
    assert not out.parent.exists()
    out.parent.mkdir()
    (out.parent / "a-folder").mkdir()
    onto_folder = _md(md, collection, "export", "cards", "-o", str(out.parent / "a-folder"))
    assert onto_folder.returncode == 2, onto_folder.stderr
    assert "cannot write" in onto_folder.stderr
    (out.parent / "a-folder").rmdir()
    done = _md(md, collection, "export", "all", "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert "Wrote 8 cards, 300 reviews and 0 flags" in done.stderr
    assert json.loads(out.read_text())["counts"] == {"cards": 8, "reviews": 300, "flags": 0}
    assert sorted(p.name for p in out.parent.iterdir()) == ["all.json"]


def test_export_without_a_database_says_so(md, tmp_path: Path) -> None:
    done = _md(md, tmp_path / "nothing.db", "export", "reviews")
    assert done.returncode == 3
    assert "no mathdrill database" in done.stderr
    assert not (tmp_path / "nothing.db").exists()


def test_import_reports_and_is_idempotent(md, collection: Path, tmp_path: Path) -> None:
    file = tmp_path / "all.jsonl"
    assert _md(md, collection, "export", "all", "-f", "jsonl", "-o", str(file)).returncode == 0
    fresh = tmp_path / "new" / "mathdrill.db"
    first = _md(md, fresh, "import", str(file))
    assert first.returncode == 0, first.stderr
    assert "300 reviews added (0 already present), 8 cards added" in first.stdout
    # An empty database is not backed up: there is nothing in it to restore.
    assert "saved at" not in first.stdout
    assert list(fresh.parent.glob("*.bak-*")) == []
    second = _md(md, fresh, "import", str(file), "--json")
    assert second.returncode == 0, second.stderr
    report = json.loads(second.stdout)
    assert report["reviews"] == {"in_file": 300, "added": 0, "already_present": 300}
    assert report["cards"]["added"] == 0
    assert report["backup"] is None  # nothing was added: no backup either
    assert list(fresh.parent.glob("*.bak-*")) == []
    again = _md(md, fresh, "export", "all", "-f", "jsonl")
    assert again.stdout == file.read_text()
    # Another learner's history added to this one: now there is something to back up.
    other = write_history(tmp_path / "other.db", random_history(5, 40, seed=12, decks=("o1",)))
    other_file = tmp_path / "other.jsonl"
    assert _md(md, other, "export", "all", "-f", "jsonl", "-o", str(other_file)).returncode == 0
    third = _md(md, fresh, "import", str(other_file))
    assert third.returncode == 0, third.stderr
    assert "saved at" in third.stdout
    (backup,) = fresh.parent.glob("*.bak-*")
    assert backup.stat().st_size > 0


def test_import_reads_standard_input(md, collection: Path, tmp_path: Path) -> None:
    text = _md(md, collection, "export", "all").stdout
    fresh = tmp_path / "piped" / "mathdrill.db"
    first = _md(md, fresh, "import", "-", stdin=text)
    assert first.returncode == 0, first.stderr
    assert "Imported standard input: 300 reviews added" in first.stdout
    second = _md(md, fresh, "import", "-", "--json", stdin=text)
    report = json.loads(second.stdout)
    assert (report["file"], report["reviews"]["added"], report["backup"]) == (
        "standard input",
        0,
        None,
    )
    third = _md(md, fresh, "import", "-", stdin=text)
    assert "Nothing new: the database was not changed" in third.stdout
    cut = _md(md, fresh, "import", "-", stdin=text[: len(text) // 2])
    assert cut.returncode == 2
    assert "mathdrill: standard input: line " in cut.stderr
    assert "it is truncated. Nothing was imported" in cut.stderr


def test_a_refused_import_exits_2_and_leaves_the_database_alone(
    md, collection: Path, tmp_path: Path
) -> None:
    whole = _md(md, collection, "export", "all").stdout
    truncated = tmp_path / "cut.json"
    truncated.write_text(whole[: len(whole) * 2 // 3])
    before = collection.read_bytes()
    listing = sorted(p.name for p in collection.parent.iterdir())
    for file in (truncated, tmp_path / "absent.json"):
        done = _md(md, collection, "import", str(file))
        assert done.returncode == 2, done.stderr
        assert "Traceback" not in done.stderr
        assert str(file.name) in done.stderr
        assert collection.read_bytes() == before
        assert sorted(p.name for p in collection.parent.iterdir()) == listing
    assert "truncated" in _md(md, collection, "import", str(truncated)).stderr


@pytest.mark.slow
def test_a_closed_pipe_ends_the_export_quietly(md_env, tmp_path: Path) -> None:
    # Far more than a pipe buffer holds, so the writer does meet the closed pipe.
    collection = write_history(tmp_path / "big.db", random_history(8, 5000, seed=12))
    proc = subprocess.Popen(
        [sys.executable, "-m", "mathdrill", "--db", str(collection), "export", "reviews"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=md_env,
        cwd=tmp_path,
    )
    assert proc.stdout is not None
    assert proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()  # like `| head -1`
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0, err
    assert "Traceback" not in err


@pytest.mark.slow
def test_progress_bar_is_drawn_on_a_terminal_stderr(
    md_env, collection: Path, tmp_path: Path
) -> None:
    master, slave = pty.openpty()
    env = {**md_env, "COLUMNS": "100", "TERM": "xterm"}
    env.pop("NO_COLOR", None)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mathdrill",
            "--db",
            str(collection),
            "export",
            "reviews",
            "-o",
            str(tmp_path / "r.csv"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=slave,
        env=env,
        cwd=tmp_path,
    )
    os.close(slave)
    seen = b""
    while True:
        ready, _, _ = select.select([master], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    os.close(master)
    assert proc.wait(timeout=60) == 0
    assert b"export reviews" in seen
    assert b"Wrote 300 reviews" in seen


def test_export_all_says_the_learners_own_decks_are_not_in_it(md, tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert md("--now", NOW, "due").returncode == 0  # the learner's database, built-in decks
    plain = md("--now", NOW, "export", "all")
    assert plain.returncode == 0, plain.stderr
    assert json.loads(plain.stdout)["meta"]["not_included"].startswith("deck files")
    assert "deck file" not in plain.stderr  # no own decks: nothing to warn of
    write_deck(home / "decks", "mine", "My deck", [("t0", "Skill 0", "tag-0")])
    done = md("--now", NOW, "export", "all", "-o", str(tmp_path / "all.json"))
    assert done.returncode == 0, done.stderr
    assert f"your 1 deck file in {home / 'decks'} is not in this export" in done.stderr
    meta = json.loads((tmp_path / "all.json").read_text())["meta"]
    assert "your own decks" in meta["not_included"]
    # The file still imports: the new meta field is read and ignored.
    copy = str(tmp_path / "copy.db")
    again = md("--db", copy, "--now", NOW, "import", str(tmp_path / "all.json"))
    assert again.returncode == 0, again.stderr
