"""Hostile import files: each is refused with a located message and exit 2, never a traceback,
and leaves the database byte-for-byte unchanged; what ``export all`` writes always imports.

The files are built from one valid ``export all`` (JSON lines and JSON) with one field or line
made hostile: lone surrogates, nesting 5,000 deep, a 5,000-digit integer, timestamps at the
calendar's edges or pushed there by an offset, values beyond what the program can use.
"""

from __future__ import annotations

import hashlib
import io
import json
import resource
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mathdrill.cli.app import main
from mathdrill.errors import InputError
from mathdrill.storage import open_database
from mathdrill.usecases.transfer import export, import_stream
from mathdrill.vocabulary import MAX_EASINESS_X100, MAX_ID_LENGTH, MAX_INTERVAL_DAYS, MAX_SEED
from tests.factories import (
    NOW,
    CardSpec,
    ReviewSpec,
    random_history,
    write_history,
)
from tests.factories import TableHistory as History

META = {
    "type": "meta",
    "format": "mathdrill-export",
    "version": 1,
    "what": "all",
    "exported_at": "2026-03-01T12:00:00.000000Z",
    "mathdrill": "0.1.0",
    "filters": {"since": None, "decks": None},
}
CARD = {
    "type": "card",
    "deck": "d",
    "template": "t",
    "repetitions": 1,
    "easiness_x100": 250,
    "interval_days": 1,
    "due": "2026-03-02T12:00:00.000000Z",
    "lapses": 0,
    "suspended": False,
    "leech": False,
    "created": "2026-01-01T00:00:00.000000Z",
    "last_review": "2026-03-01T12:00:00.000000Z",
}
REVIEW = {
    "type": "review",
    "deck": "d",
    "template": "t",
    "reviewed_at": "2026-03-01T12:00:00.000000Z",
    "kind": "learn",
    "seed": 1,
    "fingerprint": "f",
    "answer": "x",
    "read_as": None,
    "status": "correct",
    "correct": True,
    "mistake": None,
    "hints": 0,
    "seconds": 1.0,
    "quality": 4,
    "easiness_before_x100": 250,
    "easiness_after_x100": 250,
    "interval_before": 0,
    "interval_after": 1,
    "session_id": None,
}

DEEP = "[" * 5000 + "]" * 5000
HUGE = "9" * 5000


def jsonl(card_raw: dict[str, str] | None = None, review_raw: dict[str, str] | None = None) -> str:
    """An ``export all`` as JSON lines; ``*_raw`` put raw JSON text into a field."""

    def line(record: dict, raw: dict[str, str] | None) -> str:
        text = json.dumps(record)
        for name, value in (raw or {}).items():
            old = f'"{name}": {json.dumps(record[name])}'
            assert old in text
            text = text.replace(old, f'"{name}": {value}')
        return text + "\n"

    end = {"type": "end", "cards": 1, "reviews": 1}
    return "".join(
        [line(META, None), line(CARD, card_raw), line(REVIEW, review_raw), json.dumps(end) + "\n"]
    )


def as_json_document(text: str) -> str:
    """The same records as the JSON format (one object), raw field text kept as it is."""
    meta, card, review, _end = text.splitlines()
    strip = lambda line: line.replace('{"type": "card", ', "{").replace(  # noqa: E731
        '{"type": "review", ', "{"
    )
    meta_value = {k: v for k, v in json.loads(meta).items() if k != "type"}
    return (
        '{"meta":'
        + json.dumps(meta_value)
        + ',\n"cards":[\n'
        + strip(card)
        + '\n],\n"reviews":[\n'
        + strip(review)
        + '\n],\n"counts":{"cards":1,"reviews":1}}\n'
    )


# name → (review raw fields, card raw fields, text the message must hold)
CASES: dict[str, tuple[dict[str, str], dict[str, str], str]] = {
    "lone surrogate in an answer": ({"answer": '"a\\ud800b"'}, {}, "'answer'"),
    "lone low surrogate in a deck id": ({}, {"deck": '"\\udc80"'}, "'deck'"),
    "array nested 5000 deep": ({"answer": DEEP}, {}, "nested too deeply"),
    "integer of 5000 digits": ({"hints": HUGE}, {}, "digits"),
    "reviewed in year 1": ({"reviewed_at": '"0001-01-01T00:00:00.000000Z"'}, {}, "'reviewed_at'"),
    "reviewed in year 9999": (
        {"reviewed_at": '"9999-12-31T23:59:59.999999Z"'},
        {},
        "'reviewed_at'",
    ),
    "offset lands before year 1": (
        {"reviewed_at": '"0001-01-01T00:30:00+01:00"'},
        {},
        "'reviewed_at'",
    ),
    "offset lands after year 9999": (
        {"reviewed_at": '"9999-12-31T23:00:00-05:00"'},
        {},
        "'reviewed_at'",
    ),
    "due in year 9999": ({}, {"due": '"9999-06-01T00:00:00.000000Z"'}, "'due'"),
    "created before 1900": ({}, {"created": '"1899-12-31T23:59:59.999999Z"'}, "'created'"),
    "interval of 2**31-1 days": ({}, {"interval_days": str(2**31 - 1)}, "'interval_days'"),
    "interval just over the cap": (
        {"interval_after": str(MAX_INTERVAL_DAYS + 1)},
        {},
        "'interval_after'",
    ),
    "easiness of 2**31-1": ({}, {"easiness_x100": str(2**31 - 1)}, "'easiness_x100'"),
    "easiness just over the cap": (
        {"easiness_before_x100": str(MAX_EASINESS_X100 + 1)},
        {},
        "'easiness_before_x100'",
    ),
    "template id over 200 characters": (
        {},
        {"template": json.dumps("t" * (MAX_ID_LENGTH + 1))},
        "'template'",
    ),
    "seed of 2**63": ({"seed": str(MAX_SEED + 1)}, {}, "'seed'"),
    "negative seed": ({"seed": "-1"}, {}, "'seed'"),
    "NaN seconds": ({"seconds": "NaN"}, {}, "'seconds'"),
}


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def learner_db(tmp_path: Path) -> Path:
    """An existing collection whose bytes must not change when an import is refused."""
    history = History(
        cards=[CardSpec("own", "skill", repetitions=1, interval_days=1, last_review=NOW)],
        reviews=[ReviewSpec(0, NOW)],
    )
    return write_history(tmp_path / "home" / "mathdrill.db", history)


@dataclass
class Ran:
    exit_code: int
    output: str  # standard output then standard error


def run(db: Path, *args: str, stdin: str | bytes | None = None) -> Ran:
    """Run the command line in-process through its one error handler (``main``)."""
    with CliRunner().isolation(input=stdin) as streams:
        try:
            main(["--db", str(db), "--now", "2026-03-02T12:00:00Z", *args])
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        sys.stdout.flush()
        sys.stderr.flush()
        out, err = streams[0].getvalue(), streams[1].getvalue()
    return Ran(code, (out + err).decode("utf-8", "replace"))


def test_the_base_file_imports(tmp_path: Path, learner_db: Path) -> None:
    """The files below differ from this one, which is accepted, in one field each."""
    path = tmp_path / "good.jsonl"
    path.write_text(jsonl(), encoding="utf-8")
    done = run(learner_db, "import", str(path))
    assert done.exit_code == 0, done.output
    assert "1 review added" in done.output
    path.write_text(as_json_document(jsonl()), encoding="utf-8")
    assert run(learner_db, "import", str(path)).exit_code == 0


@pytest.mark.parametrize("fmt", ["jsonl", "json"])
@pytest.mark.parametrize("name", list(CASES))
def test_hostile_import_is_refused_with_its_line(
    tmp_path: Path, learner_db: Path, name: str, fmt: str
) -> None:
    review_raw, card_raw, expected = CASES[name]
    text = jsonl(card_raw, review_raw)
    if fmt == "json":
        text = as_json_document(text)
    path = tmp_path / f"hostile.{fmt}"
    path.write_text(text, encoding="utf-8")
    before = digest(learner_db)
    done = run(learner_db, "import", str(path))
    assert done.exit_code == 2, (name, done.output)
    # JSON lines: meta, card, review; JSON: meta, "cards":[, card, ], "reviews":[, review.
    line = (3 if review_raw else 2) if fmt == "jsonl" else (6 if review_raw else 3)
    assert f"line {line}" in done.output, done.output
    assert expected in done.output, done.output
    assert "the database is unchanged" in done.output
    assert "internal error" not in done.output
    assert digest(learner_db) == before


def test_edge_values_inside_the_range_round_trip(tmp_path: Path) -> None:
    """A collection at every limit exports to a file that imports again, unchanged."""
    first = datetime(1900, 1, 1, tzinfo=UTC)
    last = datetime(2999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
    long_id = "x" * MAX_ID_LENGTH
    history = History(
        cards=[
            CardSpec(
                long_id,
                long_id,
                easiness_x100=MAX_EASINESS_X100,
                interval_days=MAX_INTERVAL_DAYS,
                due=last,
                created=first,
                last_review=last - timedelta(days=1),
            )
        ],
        reviews=[
            ReviewSpec(
                0,
                first,
                seed=MAX_SEED,
                easiness_before_x100=MAX_EASINESS_X100,
                easiness_after_x100=MAX_EASINESS_X100,
                interval_before=MAX_INTERVAL_DAYS,
                interval_after=MAX_INTERVAL_DAYS,
                answer="bidi \u202e zero\u200bwidth \U0001f600",
            ),
            ReviewSpec(0, last),
        ],
    )
    source = write_history(tmp_path / "edge.db", history)
    for fmt in ("json", "jsonl"):
        out = io.StringIO(newline="")
        with open_database(str(source), create=False) as db:
            export(db, "all", fmt, out, now=NOW)
        path = tmp_path / f"edge.{fmt}"
        path.write_text(out.getvalue(), encoding="utf-8")
        target = tmp_path / f"copy-{fmt}.db"
        done = run(target, "import", str(path))
        assert done.exit_code == 0, done.output
        again = io.StringIO(newline="")
        with open_database(str(target), create=False) as db:
            export(db, "all", fmt, again, now=NOW)
        assert again.getvalue() == out.getvalue()


# -- doctor finds such rows in an existing database --------------------------------------------


def test_doctor_flags_rows_outside_the_usable_range(tmp_path: Path) -> None:
    history = History(
        cards=[CardSpec("d", "fine"), CardSpec("d", "far"), CardSpec("d", "long")],
        reviews=[ReviewSpec(0, NOW), ReviewSpec(1, NOW)],
    )
    db = write_history(tmp_path / "home" / "mathdrill.db", history)
    con = sqlite3.connect(db)
    with con:
        con.execute(
            "UPDATE cards SET due = '9999-12-31 23:59:59.000000', interval_days = 2147483647 "
            "WHERE template = 'far'"
        )
        con.execute("UPDATE cards SET template = ? WHERE template = 'long'", ("y" * 250,))
        con.execute(
            "UPDATE reviews SET reviewed_at = '0001-01-01 00:00:00.000000', "
            "easiness_after_x100 = 2147483647 WHERE id = 2"
        )
    con.close()
    before = digest(db)
    done = run(db, "doctor")
    assert done.exit_code == 1, done.output
    out = done.output
    assert "3 rows hold values outside what mathdrill can use" in out, out
    assert "card d/far: interval_days 2147483647, due 9999-12-31" in out
    assert f"card d/{'y' * 250}: template longer than {MAX_ID_LENGTH} characters" in out
    assert "review 2 (d/far): reviewed_at 0001-01-01" in out
    assert "mathdrill card reset d/far" in out
    assert "DELETE FROM reviews WHERE id IN (2)" in out
    assert digest(db) == before  # doctor reads only
    exported = run(db, "export", "all", "-o", str(tmp_path / "all.json"))
    assert exported.exit_code == 0, exported.output
    assert "warning: 3 rows hold values outside" in exported.output
    assert "`mathdrill doctor`" in exported.output
    as_json = json.loads(run(db, "doctor", "--json").output)
    assert as_json["healthy"] is False
    assert len(as_json["out_of_range"]) == 3

    # After the fixes it names, the collection is healthy again.
    con = sqlite3.connect(db)
    with con:
        con.execute("DELETE FROM reviews WHERE id IN (2)")
        con.execute("DELETE FROM cards WHERE length(template) > 200")
    con.close()
    assert run(db, "card", "reset", "d/far").exit_code == 0
    done = run(db, "doctor")
    assert "outside what mathdrill can use" not in done.output
    # The rows written by hand are no fold of their log either: doctor names its rebuild.
    assert "doctor --rebuild" in done.output
    assert run(db, "doctor", "--rebuild").exit_code == 1
    done = run(db, "doctor")
    # What remains is that no loaded deck defines deck d: its cards are orphans (exit 1).
    assert done.exit_code == 1, done.output
    assert json.loads(run(db, "doctor", "--json").output)["problems"] == ["orphaned"]
    exported = run(db, "export", "all", "-o", str(tmp_path / "all.json"))
    assert "warning" not in exported.output
    assert run(tmp_path / "copy.db", "import", str(tmp_path / "all.json")).exit_code == 0


# -- import - : checked while reading, bounded spool ---------------------------------------------


def test_stdin_stops_at_the_first_bad_line(md_env: dict[str, str], tmp_path: Path) -> None:
    """The second line is wrong: the import stops there instead of copying 64 MB to disk."""
    spool = tmp_path / "tmp"
    spool.mkdir()
    env = {**md_env, "TMPDIR": str(spool)}
    db = tmp_path / "mine.db"
    process = subprocess.Popen(
        [sys.executable, "-m", "mathdrill", "--db", str(db), "import", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert process.stdin is not None
    written = 0
    block = b'{"type": "review", "answer": "' + b"x" * 1000 + b'"}\n'
    try:
        process.stdin.write(jsonl().splitlines(keepends=True)[0].encode())
        process.stdin.write(b"this is not JSON\n")
        while written < 64 << 20:
            process.stdin.write(block * 64)
            written += 64 * len(block)
        process.stdin.close()
    except BrokenPipeError:
        pass
    _out, err = process.communicate(timeout=120)
    assert process.returncode == 2, err
    assert b"standard input: line 2: invalid JSON" in err
    assert written < 8 << 20, written  # the process left long before the end
    assert list(spool.iterdir()) == []  # the temporary copy is gone
    assert not db.exists()


def test_stdin_beyond_the_spool_limit_is_refused(tmp_path: Path, monkeypatch) -> None:
    """An endless stream of well-formed reviews stops at the limit with a clear message."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    head = jsonl().splitlines(keepends=True)[:2]
    review = jsonl().splitlines(keepends=True)[2]

    class Endless(io.RawIOBase):
        """The meta and card lines, then one review line per read, forever."""

        def __init__(self) -> None:
            self._next = "".join(head).encode()

        def readable(self) -> bool:
            return True

        def readinto(self, buffer) -> int:
            data, self._next = self._next, review.encode()
            buffer[: len(data)] = data
            return len(data)

    db = tmp_path / "mine.db"
    with pytest.raises(InputError) as refused:
        import_stream(
            lambda: open_database(str(db)), io.BufferedReader(Endless()), now=NOW, limit=100_000
        )
    message = str(refused.value)
    assert "standard input: more than 100000 bytes" in message
    assert "mathdrill import FILE" in message
    assert "the database is unchanged" in message
    assert not db.exists()
    assert list(tmp_path.iterdir()) == []


# -- a full disk during the import's backup ----------------------------------------------------


def test_a_full_disk_leaves_no_partial_backup(md_env: dict[str, str], tmp_path: Path) -> None:
    """The backup cannot be written: no truncated ``.bak-…`` file is left to be copied back."""
    db = write_history(tmp_path / "home" / "mathdrill.db", random_history(20, 3_000))
    size = db.stat().st_size
    source = tmp_path / "other.jsonl"
    source.write_text(jsonl(), encoding="utf-8")
    before = digest(db)

    def full_disk() -> None:
        # Files may grow to half the database: the backup copy fails part-way.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (size // 2, size // 2))

    done = subprocess.run(
        [sys.executable, "-m", "mathdrill", "--db", str(db), "import", str(source)],
        capture_output=True,
        text=True,
        env=md_env,
        preexec_fn=full_disk,
        timeout=120,
    )
    assert done.returncode == 3, done.stderr
    assert "internal error" not in done.stderr
    assert sorted(p.name for p in db.parent.iterdir() if ".bak" in p.name) == []
    assert digest(db) == before


# -- a large import while drills record their answers ------------------------------------------

WORKER = """
import sys, time
from datetime import UTC, datetime, timedelta
from mathdrill.storage import CardUpdate, Review, open_database

tag = sys.argv[2]
with open_database(sys.argv[1]) as db:
    card = next(c for c in db.cards("drill") if c.template == tag)
    print("ready", flush=True)
    i = 0
    while sys.stdin.readline().strip() != "stop":
        now = datetime.now(UTC)
        record = Review(card_id=card.id, reviewed_at=now, kind="review", seed=i,
                        fingerprint="f", answer=f"{tag}-{i}", status="correct", correct=True,
                        quality=4, session_id=tag)
        state = CardUpdate(i + 1, 2.5, 1, now + timedelta(days=1), 0, last_review=now)
        db.record_review(record, state)  # a StorageError (busy) ends the worker: a lost answer
        print(f"saved {tag}-{i}", flush=True)
        i += 1
"""


def big_export(path: Path, n_cards: int, n_reviews: int) -> Path:
    """An ``export all`` (JSON lines) of ``n_reviews`` reviews, written directly."""
    start = datetime(2025, 1, 1, tzinfo=UTC)
    with path.open("w", encoding="utf-8") as out:
        out.write(json.dumps(META) + "\n")
        for i in range(n_cards):
            out.write(json.dumps({**CARD, "deck": "big", "template": f"t{i}"}) + "\n")
        review = {**REVIEW, "deck": "big"}
        for i in range(n_reviews):
            at = start + timedelta(seconds=100 * i)
            review["template"] = f"t{i % n_cards}"
            review["reviewed_at"] = at.strftime("%Y-%m-%dT%H:%M:%S.000000Z")
            review["seed"] = i
            out.write(json.dumps(review) + "\n")
        out.write(json.dumps({"type": "end", "cards": n_cards, "reviews": n_reviews}) + "\n")
    return path


@pytest.mark.slow
def test_a_large_import_does_not_kill_drills(md_env: dict[str, str], tmp_path: Path) -> None:
    """Two processes keep recording answers while 200,000 reviews are imported: none is lost."""
    source = big_export(tmp_path / "big.jsonl", 1_000, 200_000)
    db = tmp_path / "home" / "mathdrill.db"
    with open_database(str(db)) as opened:
        opened.ensure_cards([("drill", "alpha"), ("drill", "beta")], NOW)
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(db), tag],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=md_env,
        )
        for tag in ("alpha", "beta")
    ]
    saved: dict[str, list[str]] = {"alpha": [], "beta": []}

    def drive(worker: subprocess.Popen, tag: str, stop: threading.Event) -> None:
        assert worker.stdin is not None
        assert worker.stdout is not None
        assert worker.stdout.readline().strip() == "ready"
        while not stop.is_set():
            worker.stdin.write("go\n")
            worker.stdin.flush()
            line = worker.stdout.readline()
            if not line.startswith("saved "):
                return  # the worker died: its answer was not saved
            saved[tag].append(line.split()[1])
            time.sleep(0.05)  # a learner answering fast
        worker.stdin.write("stop\n")
        worker.stdin.flush()

    stop = threading.Event()
    drivers = [
        threading.Thread(target=drive, args=(w, tag, stop), daemon=True)
        for w, tag in zip(workers, ("alpha", "beta"), strict=True)
    ]
    for driver in drivers:
        driver.start()
    try:
        imported = subprocess.run(
            [sys.executable, "-m", "mathdrill", "--db", str(db), "import", str(source)],
            capture_output=True,
            text=True,
            env=md_env,
            timeout=600,
        )
    finally:
        stop.set()
        for driver in drivers:
            driver.join(timeout=120)
    errors = [w.communicate(timeout=120)[1] for w in workers]
    assert imported.returncode == 0, imported.stderr
    assert "200000 reviews added" in imported.stdout
    for worker, error in zip(workers, errors, strict=True):
        assert worker.returncode == 0, error  # no worker gave up on a locked database
    con = sqlite3.connect(db)
    try:
        stored = {row[0] for row in con.execute("SELECT answer FROM reviews WHERE kind='review'")}
        total = con.execute("SELECT count(*) FROM reviews").fetchone()[0]
    finally:
        con.close()
    answered = saved["alpha"] + saved["beta"]
    assert len(answered) > 20  # the drills really ran during the import
    assert set(answered) <= stored  # every confirmed answer is in the database
    assert total == 200_000 + len(answered)
