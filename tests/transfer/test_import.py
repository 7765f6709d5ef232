"""Import: complete validation before any write, backup, idempotent merge, bounded memory."""

from __future__ import annotations

import io
import json
import sqlite3
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mathdrill.errors import InputError
from mathdrill.storage import bulk as store
from mathdrill.storage import open_database
from mathdrill.usecases.transfer import (
    FORMAT_VERSION,
    ExportFilters,
    export,
    import_file,
    validate_import,
)
from tests.factories import NOW, CardSpec, ReviewSpec, TableHistory, random_history, write_history

LATER = datetime(2026, 4, 1, tzinfo=UTC)


def _export_text(path: Path | str, fmt: str = "json", **filters) -> str:
    out = io.StringIO(newline="")
    with open_database(str(path), create=False) as db:
        export(db, "all", fmt, out, now=LATER, filters=ExportFilters(**filters))
    return out.getvalue()


def _import(db_path: Path | str, file: Path):
    return import_file(lambda: open_database(str(db_path)), file, now=LATER)


def _review_count(path: Path) -> int:
    con = sqlite3.connect(path)
    try:
        return con.execute("SELECT count(*) FROM reviews").fetchone()[0]
    finally:
        con.close()


@pytest.fixture
def source(tmp_path: Path) -> Path:
    return write_history(tmp_path / "source.db", random_history(6, 40, seed=3))


@pytest.fixture
def target(tmp_path: Path) -> Path:
    """An existing learner database with some history of its own (closed, WAL checkpointed)."""
    history = TableHistory(
        cards=[CardSpec("own", "skill", repetitions=1, interval_days=1, last_review=NOW)],
        reviews=[ReviewSpec(0, NOW)],
    )
    return write_history(tmp_path / "target" / "mathdrill.db", history)


def _edit_jsonl(text: str, line: int, change: Callable[[dict], object]) -> str:
    lines = text.splitlines(keepends=True)
    record = json.loads(lines[line])
    change(record)
    lines[line] = json.dumps(record) + "\n"
    return "".join(lines)


def _cases(json_text: str, jsonl_text: str) -> dict[str, tuple[str | bytes, str]]:
    lines = jsonl_text.splitlines(keepends=True)
    first_review = next(i for i, line in enumerate(lines) if '"type":"review"' in line)
    first_card = 1
    document = json.loads(json_text)

    def with_doc(change: Callable[[dict], object]) -> str:
        copy = json.loads(json_text)
        change(copy)
        return json.dumps(copy, indent=1)

    def review_field(name: str, value: object) -> str:
        return _edit_jsonl(jsonl_text, first_review, lambda r: r.__setitem__(name, value))

    def card_field(name: str, value: object) -> str:
        return _edit_jsonl(jsonl_text, first_card, lambda r: r.__setitem__(name, value))

    return {
        "malformed json": (json_text.replace('"cards":[', '"cards":[{oops', 1), "invalid JSON"),
        "truncated json": (json_text[: len(json_text) // 2], "truncated"),
        "truncated jsonl mid-line": (jsonl_text[: len(jsonl_text) - 40], "truncated"),
        "truncated jsonl at a line end": ("".join(lines[:-3]), "truncated"),
        "foreign json object": ('{"name": "my notes", "items": [1, 2]}', "not a mathdrill export"),
        "json array": ("[1, 2, 3]", "not a mathdrill export"),
        "csv file": ("deck,template\nd1,t1\n", "not a mathdrill export"),
        "binary": (b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe", "not UTF-8"),
        "empty file": ("", "not a mathdrill export"),
        "newer version": (
            _edit_jsonl(jsonl_text, 0, lambda m: m.__setitem__("version", FORMAT_VERSION + 1)),
            "newer mathdrill",
        ),
        "other format marker": (
            _edit_jsonl(jsonl_text, 0, lambda m: m.__setitem__("format", "anki")),
            "not a mathdrill export",
        ),
        "reviews-only export": (
            "".join(line for line in lines if '"type":"review"' in line),
            "first line must be the meta record",
        ),
        "quality as text": (review_field("quality", "3"), "'quality' must be a whole number 0–5"),
        "quality out of range": (review_field("quality", 6), "'quality'"),
        "negative seed": (review_field("seed", -1), "'seed'"),
        "float hints": (review_field("hints", 1.5), "'hints'"),
        "bool as number": (review_field("interval_after", True), "'interval_after'"),
        "bad kind": (review_field("kind", "exam"), "'kind' must be one of"),
        "negative seconds": (review_field("seconds", -3), "'seconds'"),
        "bad timestamp": (review_field("reviewed_at", "yesterday"), "not an ISO 8601"),
        "naive timestamp": (review_field("reviewed_at", "2026-03-01T10:00:00"), "no time zone"),
        "correct as text": (review_field("correct", "yes"), "'correct' must be true or false"),
        "unknown field": (review_field("colour", "red"), "unknown field"),
        "missing field": (
            _edit_jsonl(jsonl_text, first_review, lambda r: r.pop("answer")),
            "lacks 'answer'",
        ),
        "easiness below 1.30": (card_field("easiness_x100", 129), "'easiness_x100'"),
        "empty deck id": (card_field("deck", ""), "'deck'"),
        "suspended as number": (card_field("suspended", 1), "'suspended'"),
        "unknown card": (review_field("template", "no-such-skill"), "not in the file"),
        "duplicate card": (
            with_doc(lambda d: (d["cards"].append(d["cards"][0]), d["counts"].update(cards=7))),
            "appears twice",
        ),
        "counts disagree": (
            with_doc(lambda d: d["reviews"].pop()),
            "records are missing",
        ),
        "unknown top-level key": (with_doc(lambda d: d.update(extra=1)), "unknown top-level key"),
        "text after the object": (json_text + "{}", "after the end"),
        "huge jsonl line": (
            _edit_jsonl(
                jsonl_text, first_review, lambda r: r.__setitem__("answer", "x" * 1_100_000)
            ),
            "longer than 1000000 characters",
        ),
        "huge json record": (
            with_doc(lambda d: d["reviews"][0].__setitem__("answer", "x" * 1_100_000)),
            "larger than 1000000 characters",
        ),
        "review in json without meta": (
            json.dumps({"cards": document["cards"], "reviews": [], "counts": document["counts"]}),
            "no meta record",
        ),
    }


def test_every_malformed_truncated_or_foreign_file_is_refused_untouched(
    source: Path, target: Path, tmp_path: Path
) -> None:
    cases = _cases(_export_text(source, "json"), _export_text(source, "jsonl"))
    before = target.read_bytes()
    folder = sorted(p.name for p in target.parent.iterdir())
    for name, (content, message) in cases.items():
        bad = tmp_path / "bad.file"
        if isinstance(content, bytes):
            bad.write_bytes(content)
        else:
            bad.write_text(content, encoding="utf-8")
        with pytest.raises(InputError) as caught:
            _import(target, bad)
        text = str(caught.value)
        assert message in text, f"{name}: {text}"
        assert "Nothing was imported" in text, name
        assert target.read_bytes() == before, name
        assert sorted(p.name for p in target.parent.iterdir()) == folder, name


def test_messages_name_the_line_and_record(source: Path, tmp_path: Path) -> None:
    jsonl = _export_text(source, "jsonl")
    lines = jsonl.splitlines()
    index = next(i for i, line in enumerate(lines) if '"type":"review"' in line) + 2
    bad = tmp_path / "bad.jsonl"
    bad.write_text(_edit_jsonl(jsonl, index, lambda r: r.__setitem__("hints", "two")))
    with pytest.raises(InputError, match=rf"bad.jsonl: line {index + 1}: 'hints'"):
        validate_import(bad)
    document = json.loads(_export_text(source, "json"))
    document["reviews"][4]["seed"] = "7"
    pretty = tmp_path / "bad.json"
    pretty.write_text(json.dumps(document, indent=2))
    with pytest.raises(InputError, match=r"line \d+ \(reviews\[4\]\): 'seed'"):
        validate_import(pretty)


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_import_backs_up_merges_and_a_second_import_adds_nothing(
    source: Path, target: Path, tmp_path: Path, fmt: str
) -> None:
    file = tmp_path / f"all.{fmt}"
    file.write_text(_export_text(source, fmt), encoding="utf-8")
    first = _import(target, file)
    assert (first.plan.cards, first.plan.reviews) == (6, 40)
    assert (first.merge.cards_added, first.merge.reviews_added) == (6, 40)
    assert first.merge.backup is not None
    assert first.merge.backup.parent == target.parent
    assert _review_count(first.merge.backup) == 1  # the database as it was before
    assert _review_count(target) == 41
    folder = sorted(p.name for p in target.parent.iterdir())
    second = _import(target, file)
    assert (second.merge.cards_added, second.merge.cards_updated) == (0, 0)
    assert second.merge.cards_unchanged == 6
    assert (second.merge.reviews_added, second.merge.reviews_present) == (0, 40)
    assert _review_count(target) == 41
    # Nothing to add: no backup either (the folder is as it was).
    assert second.merge.backup is None
    assert sorted(p.name for p in target.parent.iterdir()) == folder
    # Importing a collection's export into itself adds nothing either.
    again = _import(source, file)
    assert again.merge.reviews_added == 0
    assert again.merge.cards_added == 0


def test_a_card_takes_the_files_schedule_only_when_studied_more_recently(
    tmp_path: Path, db_url: str
) -> None:
    def base(last: datetime, interval: int) -> TableHistory:
        return TableHistory(
            cards=[
                CardSpec("d", "newer", interval_days=interval, last_review=last),
                CardSpec("d", "older", interval_days=interval, last_review=last),
            ]
        )

    here = write_history(db_url, base(NOW, 5))
    there_history = base(NOW, 5)
    there_history.cards[0].last_review = NOW + timedelta(days=1)
    there_history.cards[0].interval_days = 40
    there_history.cards[1].last_review = NOW - timedelta(days=1)
    there_history.cards[1].interval_days = 99
    there = write_history(tmp_path / "there.db", there_history)
    file = tmp_path / "there.json"
    file.write_text(_export_text(there))
    result = _import(here, file)
    assert (result.merge.cards_updated, result.merge.cards_unchanged) == (1, 1)
    # No review is new, but a schedule changes: that is worth a backup (of a file).
    assert (result.merge.reviews_added, result.merge.cards_added) == (0, 0)
    assert (result.merge.backup is not None) == db_url.startswith("sqlite")
    with open_database(str(here), create=False) as db:
        got = {c.template: (c.interval, c.last_review) for c in db.cards()}
    assert got == {"newer": (40, NOW + timedelta(days=1)), "older": (5, NOW)}
    again = _import(here, file).merge
    assert (again.cards_updated, again.backup) == (0, None)


def test_identical_reviews_are_kept_with_their_multiplicity(tmp_path: Path, db_url: str) -> None:
    twice = TableHistory(
        cards=[CardSpec("d", "t")], reviews=[ReviewSpec(0, NOW), ReviewSpec(0, NOW)]
    )
    source = write_history(tmp_path / "s.db", twice)
    file = tmp_path / "s.json"
    file.write_text(_export_text(source))
    assert _import(db_url, file).merge.reviews_added == 2
    assert _import(db_url, file).merge.reviews_added == 0
    once = write_history(tmp_path / "once.db", TableHistory(twice.cards, twice.reviews[:1]))
    result = _import(once, file)
    assert (result.merge.reviews_added, result.merge.reviews_present) == (1, 1)
    assert result.merge.backup is not None  # one review is new, its card is not


def test_a_filtered_export_merges_its_part(source: Path, tmp_path: Path, db_url: str) -> None:
    since = NOW - timedelta(days=100)
    file = tmp_path / "part.jsonl"
    file.write_text(_export_text(source, "jsonl", since=since, decks=("d1",)))
    result = _import(db_url, file)
    with open_database(str(source), create=False) as db:
        expected = store.count_reviews(db, since=since, decks=["d1"])
    assert result.merge.reviews_added == expected > 0
    assert result.merge.cards_added == 3


def _peak_import(history: TableHistory, tmp_path: Path, name: str) -> int:
    src = write_history(tmp_path / f"{name}.db", history)
    file = tmp_path / f"{name}.json"
    with open_database(str(src), create=False) as db, file.open("w", newline="") as out:
        export(db, "all", "json", out, now=LATER)
    tracemalloc.start()
    try:
        result = _import(tmp_path / f"{name}-copy.db", file)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.merge.reviews_added == len(history.reviews)
    return peak


@pytest.mark.slow
def test_import_memory_stays_flat_when_the_file_grows_fourfold(tmp_path: Path) -> None:
    # Both sizes span several staging batches (1000 rows), so only growth with the file shows.
    small = _peak_import(random_history(30, 1_500, seed=4), tmp_path, "n")
    large = _peak_import(random_history(30, 6_000, seed=5), tmp_path, "4n")
    assert large < 1.5 * small + 300_000, (small, large)
