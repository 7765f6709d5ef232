"""Export formats: shapes, headers, values, the FSRS mapping, atomic files and flat memory."""

from __future__ import annotations

import csv
import io
import json
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mathdrill.errors import UsageError
from mathdrill.storage import bulk as store
from mathdrill.storage import open_database
from mathdrill.usecases.transfer import (
    CARD_COLUMNS,
    FSRS_COLUMNS,
    REVIEW_COLUMNS,
    STATS_COLUMNS,
    ExportFilters,
    export,
    fsrs_rating,
    fsrs_rows,
    output_file,
)
from tests.factories import NOW, CardSpec, ReviewSpec, TableHistory, random_history, write_history

LATER = datetime(2026, 4, 1, tzinfo=UTC)


def _export(path: Path | str, what: str, fmt: str, **filters) -> str:
    out = io.StringIO(newline="")
    with open_database(str(path), create=False) as db:
        export(db, what, fmt, out, now=LATER, filters=ExportFilters(**filters))
    return out.getvalue()


@pytest.fixture
def small(db_url: str) -> tuple[str, TableHistory]:
    history = TableHistory(
        cards=[
            CardSpec(
                "calc",
                "chain",
                repetitions=2,
                easiness_x100=236,
                interval_days=6,
                due=NOW + timedelta(days=6),
                last_review=NOW,
            ),
            CardSpec("linalg", "eigen", suspended=True),
        ],
        reviews=[
            ReviewSpec(
                0,
                NOW - timedelta(days=1),
                kind="learn",
                seed=5,
                answer='a, "b"\nc',
                quality=2,
                correct=False,
                status="wrong",
                mistake="sign",
                seconds=None,
            ),
            ReviewSpec(
                0,
                NOW,
                kind="review",
                seed=6,
                quality=5,
                seconds=7.25,
                easiness_before_x100=250,
                easiness_after_x100=236,
            ),
            ReviewSpec(
                1, NOW + timedelta(minutes=1), kind="cram", seed=7, read_as=None, session_id=None
            ),
        ],
    )
    return write_history(db_url, history), history


def test_reviews_csv_has_the_documented_header_and_exact_values(small) -> None:
    path, _ = small
    text = _export(path, "reviews", "csv")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert tuple(rows[0]) == REVIEW_COLUMNS
    # Text is always quoted; null is an empty unquoted cell, empty text a quoted one.
    assert text.splitlines()[1].startswith('"calc","chain",2026-02-28T12:00:00.000000Z,"learn",5,')
    assert len(rows) == 4
    first = dict(zip(REVIEW_COLUMNS, rows[1], strict=True))
    assert first["deck"] == "calc"
    assert first["reviewed_at"] == "2026-02-28T12:00:00.000000Z"
    assert first["answer"] == 'a, "b"\nc'  # quoted and read back intact
    assert (first["correct"], first["quality"], first["seconds"]) == ("false", "2", "")
    assert first["mistake"] == "sign"
    second = dict(zip(REVIEW_COLUMNS, rows[2], strict=True))
    assert (second["seconds"], second["easiness_after_x100"], second["correct"]) == (
        "7.250",
        "236",
        "true",
    )
    third = dict(zip(REVIEW_COLUMNS, rows[3], strict=True))
    assert (third["read_as"], third["session_id"], third["kind"]) == ("", "", "cram")


def test_cards_and_stats_csv_headers(small) -> None:
    path, _ = small
    cards = list(csv.DictReader(io.StringIO(_export(path, "cards", "csv"), newline="")))
    assert tuple(cards[0]) == CARD_COLUMNS
    assert [(c["deck"], c["suspended"], c["due"]) for c in cards] == [
        ("calc", "false", "2026-03-07T12:00:00.000000Z"),
        ("linalg", "true", ""),
    ]
    stats = list(csv.DictReader(io.StringIO(_export(path, "stats", "csv"), newline="")))
    assert tuple(stats[0]) == STATS_COLUMNS
    calc = stats[0]
    assert (calc["reviews"], calc["first_try_reviews"], calc["first_try_correct"]) == (
        "2",
        "2",
        "1",
    )
    assert calc["first_try_accuracy"] == "0.5"
    assert calc["median_seconds"] == "7.25"
    assert (calc["top_mistake"], calc["top_mistake_count"]) == ("sign", "1")
    linalg = stats[1]
    assert (linalg["reviews"], linalg["first_try_reviews"], linalg["first_try_accuracy"]) == (
        "1",
        "0",
        "",
    )


def test_json_is_an_array_and_jsonl_one_typed_object_per_line(small) -> None:
    path, _ = small
    records = json.loads(_export(path, "reviews", "json"))
    assert [tuple(r) for r in records] == [REVIEW_COLUMNS] * 3
    assert records[1]["correct"] is True
    assert records[1]["seconds"] == 7.25
    assert records[0]["seconds"] is None
    lines = _export(path, "cards", "jsonl").splitlines()
    parsed = [json.loads(line) for line in lines]
    assert [p["type"] for p in parsed] == ["card", "card"]
    assert tuple(parsed[0])[1:] == CARD_COLUMNS
    skills = [json.loads(line) for line in _export(path, "stats", "jsonl").splitlines()]
    assert [s["type"] for s in skills] == ["skill", "skill"]
    assert skills[1]["first_try_accuracy"] is None


def test_export_all_json_is_one_object_with_meta_cards_reviews(small) -> None:
    path, _ = small
    document = json.loads(_export(path, "all", "json", decks=("calc",)))
    assert list(document) == ["meta", "cards", "reviews", "flags", "counts"]
    meta = document["meta"]
    assert (meta["format"], meta["version"], meta["what"]) == ("mathdrill-export", 2, "all")
    assert meta["exported_at"] == "2026-04-01T00:00:00.000000Z"
    assert meta["filters"] == {"since": None, "decks": ["calc"]}
    assert [c["template"] for c in document["cards"]] == ["chain"]
    assert [r["seed"] for r in document["reviews"]] == [5, 6]
    assert document["counts"] == {"cards": 1, "reviews": 2, "flags": 0}


def test_export_all_jsonl_starts_with_meta_and_ends_with_counts(small) -> None:
    path, _ = small
    parsed = [json.loads(line) for line in _export(path, "all", "jsonl").splitlines()]
    assert [p["type"] for p in parsed] == [
        "meta",
        "card",
        "card",
        "review",
        "review",
        "review",
        "end",
    ]
    assert parsed[-1] == {"type": "end", "cards": 2, "reviews": 3, "flags": 0}


def test_an_empty_collection_exports_headers_and_empty_lists(db_url: str) -> None:
    write_history(db_url, TableHistory())
    assert _export(db_url, "reviews", "csv") == ",".join(REVIEW_COLUMNS) + "\n"
    assert json.loads(_export(db_url, "cards", "json")) == []
    assert _export(db_url, "stats", "jsonl") == ""
    document = json.loads(_export(db_url, "all", "json"))
    assert (document["cards"], document["reviews"], document["flags"]) == ([], [], [])
    assert document["counts"] == {"cards": 0, "reviews": 0, "flags": 0}


def test_since_filter_applies_to_reviews_and_stats(small) -> None:
    path, _ = small
    since = NOW - timedelta(hours=1)
    seeds = [r["seed"] for r in json.loads(_export(path, "reviews", "json", since=since))]
    assert seeds == [6, 7]
    stats = json.loads(_export(path, "stats", "json", since=since))
    assert [s["reviews"] for s in stats] == [1, 1]
    assert stats[0]["top_mistake"] is None  # the mistake was made before --since


@pytest.mark.parametrize(
    ("what", "fmt", "since", "message"),
    [
        ("all", "csv", None, "one CSV table"),
        ("cards", "fsrs", None, "review log"),
        ("cards", "csv", NOW, "cards are not dated"),
        ("everything", "csv", None, "cannot export"),
        ("reviews", "xml", None, "unknown format"),
    ],
)
def test_meaningless_requests_are_refused(small, what, fmt, since, message) -> None:
    path, _ = small
    with pytest.raises(UsageError, match=message):
        _export(path, what, fmt, since=since)


def test_fsrs_rating_maps_sm2_failures_to_again() -> None:
    assert [fsrs_rating(q) for q in range(6)] == [1, 1, 1, 2, 3, 4]


def test_fsrs_rows_keep_graded_scheduled_reviews_with_states(db_url: str) -> None:
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    history = TableHistory(
        cards=[CardSpec("d", "a"), CardSpec("d", "b")],
        reviews=[
            ReviewSpec(0, t0, kind="learn", quality=1, seconds=1.0005),
            ReviewSpec(0, t0 + timedelta(minutes=5), kind="repeat", quality=4, seconds=None),
            ReviewSpec(1, t0 + timedelta(minutes=6), kind="review", quality=3, seconds=2.0),
            ReviewSpec(1, t0 + timedelta(minutes=7), kind="repeat", quality=5, seconds=3.0),
            ReviewSpec(1, t0 + timedelta(minutes=8), kind="cram", quality=5),
            ReviewSpec(0, t0 + timedelta(days=1), kind="review", quality=None),
            ReviewSpec(0, t0 + timedelta(days=2, microseconds=1500), kind="review", quality=0),
        ],
    )
    write_history(db_url, history)
    text = _export(db_url, "reviews", "fsrs")
    rows = list(csv.reader(io.StringIO(text)))
    assert tuple(rows[0]) == FSRS_COLUMNS
    with open_database(str(db_url), create=False) as db:
        ids = {(c.deck, c.template): c.id for c in db.cards()}
    a, b = str(ids[("d", "a")]), str(ids[("d", "b")])
    ms = int(t0.timestamp() * 1000)
    assert rows[1:] == [
        [a, str(ms), "1", "0", "1001"],
        [a, str(ms + 300_000), "3", "1", ""],
        [b, str(ms + 360_000), "2", "2", "2000"],
        [b, str(ms + 420_000), "4", "3", "3000"],
        [a, str(ms + 2 * 86_400_000 + 1), "1", "2", "12500"],
    ]
    # The generator agrees with itself on the rows read straight from storage.
    with open_database(str(db_url), create=False) as db:
        assert len(list(fsrs_rows(store.iter_reviews(db)))) == 5


def test_output_file_keeps_the_old_file_when_writing_fails(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old export\n")

    def fail_halfway() -> None:
        with output_file(target) as out:
            out.write("half of a new")
            raise RuntimeError("disk full, say")

    with pytest.raises(RuntimeError):
        fail_halfway()
    assert target.read_text() == "old export\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]
    with output_file(target) as out:
        out.write("new\n")
    assert target.read_text() == "new\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def _peak_export(path: Path, what: str, fmt: str, sink: Path) -> int:
    with open_database(str(path), create=False) as db:
        tracemalloc.start()
        try:
            with sink.open("w", encoding="utf-8", newline="") as out:
                export(db, what, fmt, out, now=LATER)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()


@pytest.fixture(scope="module")
def n_and_4n(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("growth")
    return (
        write_history(folder / "n.db", random_history(50, 3_000, seed=1)),
        write_history(folder / "4n.db", random_history(50, 12_000, seed=2)),
    )


@pytest.mark.slow
@pytest.mark.parametrize(("what", "fmt"), [("reviews", "csv"), ("all", "json")])
def test_memory_stays_flat_when_the_log_grows_fourfold(tmp_path: Path, n_and_4n, what, fmt) -> None:
    small_db, large_db = n_and_4n
    small_peak = _peak_export(small_db, what, fmt, tmp_path / "n.out")
    large_peak = _peak_export(large_db, what, fmt, tmp_path / "4n.out")
    assert (tmp_path / "4n.out").stat().st_size > 3.5 * (tmp_path / "n.out").stat().st_size
    # Loading the log would make the peak grow with it (~4x); streaming keeps it to about a
    # batch (rows differ in length, so batches do too: hence the margin).
    assert large_peak < 1.5 * small_peak + 200_000, (small_peak, large_peak)


def test_a_csv_export_to_a_file_is_the_text_and_progress_counts_every_review(
    db_url: str, tmp_path: Path
) -> None:
    write_history(db_url, random_history(20, 12_000, seed=9))
    whole = _export(db_url, "reviews", "csv")
    seen: list[tuple[int, int | None]] = []
    target = tmp_path / "reviews.csv"
    with open_database(str(db_url), create=False) as db, output_file(target) as stream:
        result = export(
            db, "reviews", "csv", stream, now=LATER, progress=lambda d, t: seen.append((d, t))
        )
    assert target.read_text(encoding="utf-8") == whole
    assert "√2/2" in whole
    assert result.reviews == 12_000
    assert seen[-1] == (12_000, 12_000)
    assert [done for done, _ in seen[:-1]] == [5_000, 10_000]
