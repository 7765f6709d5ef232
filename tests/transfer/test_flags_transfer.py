"""Flags in exports and imports: ``export flags``, flags inside ``export all``, a merge that adds
nothing twice, format-1 files still importing, and hostile flag fields refused with their line."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from mathdrill.errors import InputError
from mathdrill.storage import Flag, open_database
from mathdrill.usecases.transfer import (
    FLAG_COLUMNS,
    ExportFilters,
    export,
    import_file,
)
from tests.factories import NOW, make_review

LATER = NOW + timedelta(days=30)

#: (card, minutes after NOW, seed, comment, answer): awkward text on purpose.
FLAGS = [
    ("calc/chain", 0, 5, 'reference says "2x", I typed 2*x, x', "2*x"),
    ("calc/chain", 1, 5, "=HYPERLINK(evil)", None),
    ("lin/det", 2, 2**63 - 1, "", "λ₁ = 3\nλ₂ = −1"),
]


def _source(path: Path) -> Path:
    with open_database(str(path)) as db:
        db.ensure_cards([("calc", "chain"), ("lin", "det")], NOW)
        ids = {f"{c.deck}/{c.template}": c.id for c in db.cards()}
        for card_id in ids.values():
            db.record_review(make_review(card_id, NOW))
        for card, minutes, seed, comment, answer in FLAGS:
            db.add_flag(
                Flag(
                    card_id=ids[card],
                    seed=seed,
                    flagged_at=NOW + timedelta(minutes=minutes),
                    comment=comment,
                    answer=answer,
                )
            )
    return path


@pytest.fixture
def source(tmp_path: Path) -> Path:
    return _source(tmp_path / "source.db")


def _export(path: Path, what: str, fmt: str, **filters) -> str:
    out = io.StringIO(newline="")
    with open_database(str(path), create=False) as db:
        export(db, what, fmt, out, now=LATER, filters=ExportFilters(**filters))
    return out.getvalue()


def _flags(path: Path) -> list[tuple]:
    with open_database(str(path), create=False) as db:
        return [(f.card, f.flagged_at, f.seed, f.comment, f.answer) for f in db.flags()]


def test_export_flags_as_csv_and_json_in_the_order_they_were_made(source: Path) -> None:
    rows = list(csv.reader(io.StringIO(_export(source, "flags", "csv"))))
    assert (
        tuple(rows[0])
        == FLAG_COLUMNS
        == (
            "deck",
            "template",
            "flagged_at",
            "seed",
            "comment",
            "answer",
        )
    )
    assert [r[4] for r in rows[1:]] == [FLAGS[0][3], "'=HYPERLINK(evil)", ""]
    assert rows[1][2] == "2026-03-01T12:00:00.000000Z"
    assert rows[3][3] == str(2**63 - 1)
    records = json.loads(_export(source, "flags", "json"))
    assert [(r["deck"], r["template"], r["seed"], r["comment"], r["answer"]) for r in records] == [
        (*card.split("/"), seed, comment, answer) for card, _m, seed, comment, answer in FLAGS
    ]
    lines = [json.loads(line) for line in _export(source, "flags", "jsonl").splitlines()]
    assert [line.pop("type") for line in lines] == ["flag"] * 3
    assert lines == records


def test_export_flags_follows_deck_and_since(source: Path) -> None:
    only_lin = json.loads(_export(source, "flags", "json", decks=("lin",)))
    assert [r["template"] for r in only_lin] == ["det"]
    recent = json.loads(_export(source, "flags", "json", since=NOW + timedelta(minutes=1)))
    assert [r["seed"] for r in recent] == [5, 2**63 - 1]


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_flags_survive_a_round_trip_and_a_second_import_adds_nothing(
    source: Path, tmp_path: Path, fmt: str
) -> None:
    file = tmp_path / f"all.{fmt}"
    file.write_text(_export(source, "all", fmt), encoding="utf-8")
    target = tmp_path / "target" / "mathdrill.db"
    first = import_file(lambda: open_database(str(target)), file, now=LATER)
    assert (first.plan.flags, first.merge.flags_added, first.merge.flags_present) == (3, 3, 0)
    assert _flags(target) == _flags(source)
    before = target.read_bytes()
    second = import_file(lambda: open_database(str(target)), file, now=LATER)
    assert (second.merge.flags_added, second.merge.flags_present) == (0, 3)
    assert second.merge.backup is None
    assert target.read_bytes() == before
    assert _export(target, "all", fmt) == _export(source, "all", fmt)


def test_a_file_bringing_only_new_flags_is_merged_after_a_backup(
    source: Path, tmp_path: Path
) -> None:
    target = tmp_path / "target" / "mathdrill.db"
    file = tmp_path / "all.json"
    file.write_text(_export(source, "all", "json"), encoding="utf-8")
    import_file(lambda: open_database(str(target)), file, now=LATER)
    with open_database(str(source)) as db:
        card = db.card("lin", "det")
        assert card is not None
        db.add_flag(Flag(card_id=card.id, seed=9, flagged_at=LATER, comment="new"))
    file.write_text(_export(source, "all", "json"), encoding="utf-8")
    merged = import_file(lambda: open_database(str(target)), file, now=LATER)
    assert (merged.merge.flags_added, merged.merge.reviews_added) == (1, 0)
    assert merged.merge.backup is not None
    assert next(f[3] for f in _flags(target)) == "new"


def test_a_format_1_file_without_flags_still_imports(source: Path, tmp_path: Path) -> None:
    lines = [json.loads(line) for line in _export(source, "all", "jsonl").splitlines()]
    old = [line for line in lines if line["type"] != "flag"]
    old[0]["version"] = 1
    del old[-1]["flags"]
    file = tmp_path / "v1.jsonl"
    file.write_text("".join(json.dumps(line) + "\n" for line in old), encoding="utf-8")
    target = tmp_path / "target" / "mathdrill.db"
    done = import_file(lambda: open_database(str(target)), file, now=LATER)
    assert (done.plan.cards, done.plan.reviews, done.plan.flags) == (2, 2, 0)
    assert _flags(target) == []


def _hostile(jsonl: str) -> dict[str, tuple[str, str]]:
    lines = jsonl.splitlines(keepends=True)
    first_flag = next(i for i, line in enumerate(lines) if '"type":"flag"' in line)

    def edit(index: int, change) -> str:
        copy = list(lines)
        record = json.loads(copy[index])
        change(record)
        copy[index] = json.dumps(record) + "\n"
        return "".join(copy)

    def field(name: str, value: object) -> str:
        return edit(first_flag, lambda r: r.__setitem__(name, value))

    return {
        "negative seed": (field("seed", -1), "'seed' must be a whole number"),
        "seed too large": (field("seed", 2**63), "'seed' must be a whole number"),
        "seed as text": (field("seed", "5"), "'seed'"),
        "naive time": (field("flagged_at", "2026-03-01T10:00:00"), "no time zone"),
        "time beyond the range": (field("flagged_at", "9999-01-01T00:00:00Z"), "'flagged_at'"),
        "comment too long": (field("comment", "x" * 2001), "'comment' must be a text"),
        "null comment": (field("comment", None), "'comment' must be a text"),
        "answer as number": (field("answer", 3), "'answer' must be a text"),
        "lone surrogate": (field("comment", "\ud800"), "lone surrogate"),
        "unknown field": (field("colour", "red"), "unknown field"),
        "missing field": (edit(first_flag, lambda r: r.pop("seed")), "lacks 'seed'"),
        "card not in the file": (field("template", "nowhere"), "the flag names the card"),
        "flags miscounted": (edit(len(lines) - 1, lambda r: r.__setitem__("flags", 9)), "has"),
        "flags not counted": (edit(len(lines) - 1, lambda r: r.pop("flags")), "'flags': N"),
        "a flag in a format-1 file": (
            edit(0, lambda r: r.__setitem__("version", 1)),
            "a flag in a format-1 file",
        ),
    }


def test_hostile_flag_records_are_refused_with_their_line_and_nothing_changes(
    source: Path, tmp_path: Path
) -> None:
    target = _source(tmp_path / "target" / "mathdrill.db")
    with open_database(str(target)):  # checkpoint the WAL: compare the file itself
        pass
    before = target.read_bytes()
    bad = tmp_path / "bad.jsonl"
    for name, (text, message) in _hostile(_export(source, "all", "jsonl")).items():
        bad.write_text(text, encoding="utf-8")
        with pytest.raises(InputError) as caught:
            import_file(lambda: open_database(str(target)), bad, now=LATER)
        said = str(caught.value)
        assert message in said, f"{name}: {said}"
        if "counted" not in name:  # the closing counts are the file's, not a line's
            assert "line " in said, name
        assert "Nothing was imported" in said, name
        assert target.read_bytes() == before, name


def test_import_and_export_commands_report_flags(source: Path, md, tmp_path: Path) -> None:
    out = tmp_path / "flags.json"
    done = md("--db", str(source), "export", "flags", "--format", "json", "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert "Wrote 3 flags" in done.stderr
    assert len(json.loads(out.read_text())) == 3
    everything = tmp_path / "all.json"
    assert md("--db", str(source), "export", "all", "-o", str(everything)).returncode == 0
    target = tmp_path / "t.db"
    ran = md("--db", str(target), "import", str(everything), "--json")
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout)["flags"] == {"in_file": 3, "added": 3, "already_present": 0}
    again = md("--db", str(target), "import", str(everything))
    assert "0 flags added (3 already present)" in again.stdout
    assert "Nothing new" in again.stdout
    with sqlite3.connect(target) as conn:
        assert conn.execute("SELECT count(*) FROM flags").fetchone() == (3,)
