"""Use cases behind ``mathdrill export`` and ``mathdrill import``: own your progress.

Exports stream: rows go from the database to the output stream batch by batch, so memory does
not grow with the review log. ``export all`` (JSON or JSON lines) is the one format that can be
imported again; importing reads the file twice — once to validate all of it without touching the
database, once to merge it inside one transaction after a backup — so it never holds the file
in memory either. The formats and columns are documented in ``docs/data.md`` ("Export and
import"); this module never prints (``mathdrill.cli.transfer_cmd`` does).
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import json
import math
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from mathdrill import __version__
from mathdrill.errors import InputError, UsageError

if TYPE_CHECKING:
    from mathdrill.storage import Database
    from mathdrill.storage.bulk import CardRow, MergeResult, ReviewRow, SkillRow

#: What can be exported.
WHATS = ("reviews", "cards", "stats", "all")

#: Output formats (``fsrs`` only for reviews).
FORMATS = ("csv", "json", "jsonl", "fsrs")

#: The marker and version in the ``meta`` record of an ``export all`` file.
FORMAT_MARKER = "mathdrill-export"
FORMAT_VERSION = 1

CARD_COLUMNS = (
    "deck",
    "template",
    "repetitions",
    "easiness_x100",
    "interval_days",
    "due",
    "lapses",
    "suspended",
    "leech",
    "created",
    "last_review",
)

REVIEW_COLUMNS = (
    "deck",
    "template",
    "reviewed_at",
    "kind",
    "seed",
    "fingerprint",
    "answer",
    "read_as",
    "status",
    "correct",
    "mistake",
    "hints",
    "seconds",
    "quality",
    "easiness_before_x100",
    "easiness_after_x100",
    "interval_before",
    "interval_after",
    "session_id",
)

STATS_COLUMNS = (
    "deck",
    "template",
    "repetitions",
    "easiness_x100",
    "interval_days",
    "due",
    "lapses",
    "leech",
    "suspended",
    "reviews",
    "first_try_reviews",
    "first_try_correct",
    "first_try_accuracy",
    "median_seconds",
    "last_reviewed",
    "top_mistake",
    "top_mistake_count",
)

FSRS_COLUMNS = ("card_id", "review_time", "review_rating", "review_state", "review_duration")

#: SM-2 quality (0–5) → FSRS rating (1 Again, 2 Hard, 3 Good, 4 Easy). Grades below 3 are
#: failures in SM-2 (the card lapses), which is what Again means to FSRS.
FSRS_RATING = {0: 1, 1: 1, 2: 1, 3: 2, 4: 3, 5: 4}

#: FSRS review states.
FSRS_NEW, FSRS_LEARNING, FSRS_REVIEW, FSRS_RELEARNING = 0, 1, 2, 3

#: The longest line (JSON lines) or record (JSON) an import accepts, in characters: a review is
#: well under 1 kB, so anything this large is not a mathdrill export.
MAX_RECORD_CHARS = 1_000_000

#: Processes sharing a large CSV export of reviews: this one and a worker formatting the second
#: half of the log meanwhile (bench/README.md: two threads were slower than one — the sqlite3
#: module hands the GIL back and forth around every row — two processes are not). At most the
#: machine's CPU count.
CSV_PROCESSES = max(1, min(2, os.cpu_count() or 1))

_READ_CHUNK = 1 << 16
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MAX_INT = 2**31 - 1
_MAX_SEED = 2**63 - 1
_KINDS = ("learn", "review", "repeat", "cram")

Progress = Callable[[int, int | None], None]


# -- values -------------------------------------------------------------------------------------


def iso(moment: datetime | None) -> str | None:
    """Format a timestamp as exports write it: UTC, microseconds, ``Z``.

    Args:
        moment: An aware datetime, or None.

    Returns:
        e.g. ``2026-03-01T23:30:00.000000Z``, or None.
    """
    if moment is None:
        return None
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def card_record(row: CardRow) -> dict[str, Any]:
    """Return a card as the JSON object of the export (keys in :data:`CARD_COLUMNS` order).

    Args:
        row: The card as storage returned it.

    Returns:
        The record.
    """
    return {
        "deck": row.deck,
        "template": row.template,
        "repetitions": row.repetitions,
        "easiness_x100": row.easiness_x100,
        "interval_days": row.interval_days,
        "due": iso(row.due),
        "lapses": row.lapses,
        "suspended": bool(row.suspended),
        "leech": bool(row.leech),
        "created": iso(row.created),
        "last_review": iso(row.last_review),
    }


def review_record(row: ReviewRow) -> dict[str, Any]:
    """Return a review as the JSON object of the export (keys in :data:`REVIEW_COLUMNS` order).

    Args:
        row: The review as storage returned it.

    Returns:
        The record.
    """
    return {
        "deck": row.deck,
        "template": row.template,
        "reviewed_at": iso(row.reviewed_at),
        "kind": row.kind,
        "seed": row.seed,
        "fingerprint": row.fingerprint,
        "answer": row.answer,
        "read_as": row.read_as,
        "status": row.status,
        "correct": bool(row.correct),
        "mistake": row.mistake,
        "hints": row.hints,
        "seconds": row.seconds,
        "quality": row.quality,
        "easiness_before_x100": row.easiness_before_x100,
        "easiness_after_x100": row.easiness_after_x100,
        "interval_before": row.interval_before,
        "interval_after": row.interval_after,
        "session_id": row.session_id,
    }


def skill_record(row: SkillRow) -> dict[str, Any]:
    """Return one skill's row of ``export stats`` (keys in :data:`STATS_COLUMNS` order).

    Args:
        row: The aggregate as storage computed it.

    Returns:
        The record; ``first_try_accuracy`` is None when the skill had no first try.
    """
    accuracy = row.first_try_correct / row.first_try if row.first_try else None
    return {
        "deck": row.deck,
        "template": row.template,
        "repetitions": row.repetitions,
        "easiness_x100": row.easiness_x100,
        "interval_days": row.interval_days,
        "due": iso(row.due),
        "lapses": row.lapses,
        "leech": row.leech,
        "suspended": row.suspended,
        "reviews": row.reviews,
        "first_try_reviews": row.first_try,
        "first_try_correct": row.first_try_correct,
        "first_try_accuracy": accuracy,
        "median_seconds": row.median_seconds,
        "last_reviewed": iso(row.last_reviewed),
        "top_mistake": row.top_mistake,
        "top_mistake_count": row.top_mistake_count,
    }


class Bare(str):
    """Text written into a CSV cell as it is, unquoted (a number already formatted)."""

    __slots__ = ()


def csv_cell(value: Any) -> str:
    """Format one CSV cell the way every mathdrill CSV export does.

    Text is always quoted (``"..."``, inner quotes doubled, so commas and line breaks inside
    an answer are safe) and cut at a NUL character, which SQLite's formatter, used on the fast
    path, cannot carry; null is an empty unquoted cell, so null and empty text stay distinct;
    booleans are ``true``/``false``; numbers are written bare (floats as Python's shortest
    round-trip form).

    Args:
        value: None, bool, int, float, str or :class:`Bare`.

    Returns:
        The cell's text.
    """
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, Bare):
        return str(value)
    if isinstance(value, str):
        return '"' + value.split("\0", 1)[0].replace('"', '""') + '"'
    return repr(value) if isinstance(value, float) else str(value)


def csv_line(values: Iterable[Any]) -> str:
    """Return one CSV line (ending in a newline) of cells formatted by :func:`csv_cell`.

    Args:
        values: The cells.

    Returns:
        The line.
    """
    return ",".join(map(csv_cell, values)) + "\n"


def csv_seconds(seconds: float | None) -> Bare | None:
    """Format an answer time for CSV: rounded to the millisecond, e.g. ``12.346``.

    The rounding is ``int(seconds * 1000 + 0.5)``, the same arithmetic the SQLite fast path
    does, so both print the same digits. (JSON exports keep the stored value exactly.)

    Args:
        seconds: The time, ≥ 0, or None.

    Returns:
        The cell, or None.
    """
    if seconds is None:
        return None
    millis = int(seconds * 1000 + 0.5)
    return Bare(f"{millis // 1000}.{millis % 1000:03d}")


def review_csv_line(row: ReviewRow) -> str:
    """Return a review's line of ``export reviews --format csv`` (columns: REVIEW_COLUMNS).

    Args:
        row: The review as storage returned it.

    Returns:
        The line, ending in a newline.
    """
    record = review_record(row)
    record["reviewed_at"] = Bare(record["reviewed_at"])
    record["seconds"] = csv_seconds(row.seconds)
    return csv_line(record.values())


def fsrs_rating(quality: int) -> int:
    """Map an SM-2 quality to an FSRS rating.

    Args:
        quality: 0–5.

    Returns:
        1 (Again) for 0–2, 2 (Hard) for 3, 3 (Good) for 4, 4 (Easy) for 5.
    """
    return FSRS_RATING[quality]


def fsrs_rows(rows: Iterator[ReviewRow]) -> Iterator[tuple[int, int, int, int, int | str]]:
    """Turn the review log into the FSRS optimizer's review-log rows.

    Kept: graded ``learn`` (state New), ``review`` (state Review) and ``repeat`` reviews (a
    same-session retry: state Learning after a ``learn``, Relearning after a ``review``).
    Dropped: ``cram`` (practice outside the schedule, like Anki's filtered-deck cramming that
    FSRS ignores) and ungraded reviews (no rating to give).

    Args:
        rows: Reviews in time order.

    Yields:
        ``(card_id, review_time ms since the epoch UTC, rating 1–4, state 0–3, duration ms or
        "" when unknown)``.
    """
    last_scheduled: dict[int, str] = {}
    one_ms = timedelta(milliseconds=1)
    for row in rows:
        if row.kind == "cram" or row.quality is None:
            continue
        if row.kind == "learn":
            state = FSRS_NEW
        elif row.kind == "review":
            state = FSRS_REVIEW
        else:
            previous = last_scheduled.get(row.card_id)
            state = FSRS_LEARNING if previous == "learn" else FSRS_RELEARNING
        if row.kind != "repeat":
            last_scheduled[row.card_id] = row.kind
        duration: int | str = "" if row.seconds is None else math.floor(row.seconds * 1000 + 0.5)
        yield (
            row.card_id,
            (row.reviewed_at - _EPOCH) // one_ms,
            fsrs_rating(row.quality),
            state,
            duration,
        )


# -- export ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportFilters:
    """Which part of the collection to export.

    Attributes:
        since: Only reviews at or after this time (aware), or None for all.
        decks: Only these decks, or None for all.
    """

    since: datetime | None = None
    decks: tuple[str, ...] | None = None

    def as_json(self) -> dict[str, Any]:
        """Return the filters as recorded in an export's ``meta``."""
        return {"since": iso(self.since), "decks": None if self.decks is None else list(self.decks)}


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote.

    Attributes:
        what: ``reviews``, ``cards``, ``stats`` or ``all``.
        fmt: The format.
        cards: Card (or skill) records written.
        reviews: Review records written.
    """

    what: str
    fmt: str
    cards: int
    reviews: int


def default_format(what: str) -> str:
    """Return the format used when none is given: CSV, except JSON for ``all``.

    Args:
        what: What is exported.

    Returns:
        The format name.
    """
    return "json" if what == "all" else "csv"


def check_request(what: str, fmt: str, filters: ExportFilters) -> None:
    """Refuse combinations that have no meaning, before anything is opened.

    Args:
        what: What to export.
        fmt: The format.
        filters: The filters.

    Raises:
        UsageError: For an unknown name, ``all`` as CSV, ``fsrs`` for anything but reviews, or
            ``--since`` with ``cards`` (a card is not dated; use ``stats`` or ``reviews``).
    """
    if what not in WHATS:
        raise UsageError(f"cannot export {what!r}: choose one of {', '.join(WHATS)}")
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}")
    if what == "all" and fmt not in ("json", "jsonl"):
        raise UsageError(
            "`export all` holds cards and reviews together, which one CSV table cannot: use "
            "--format json or jsonl, or export cards and reviews as two CSV files."
        )
    if fmt == "fsrs" and what != "reviews":
        raise UsageError("--format fsrs is a review log: use it with `export reviews`.")
    if what == "cards" and filters.since is not None:
        raise UsageError(
            "--since selects reviews; cards are not dated. Use it with `export reviews`, "
            "`export stats` (aggregates since then) or `export all`."
        )


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def count_for_progress(db: Database, what: str, filters: ExportFilters) -> int:
    """Return how many records an export will write (for a progress bar's total).

    Args:
        db: The open database.
        what: What is exported.
        filters: The filters.

    Returns:
        The number of cards/skills and/or reviews.

    Raises:
        StorageError: If the database cannot be read.
    """
    from mathdrill.storage import bulk as store

    total = 0
    if what in ("cards", "stats", "all"):
        total += store.count_cards(db, decks=filters.decks)
    if what in ("reviews", "all"):
        total += store.count_reviews(db, since=filters.since, decks=filters.decks)
    return total


class _Counter:
    """Counts written records and reports progress every batch."""

    def __init__(self, progress: Progress | None, total: int | None) -> None:
        self._lock = threading.Lock()
        self.done = 0
        self._progress = progress
        self._total = total
        self._next = 0

    def add(self, n: int) -> None:
        # Parts of a CSV export are read by several threads.
        with self._lock:
            self.done += n
            if self._progress is not None and self.done >= self._next:
                self._progress(self.done, self._total)
                self._next = self.done + 5000

    def finish(self) -> None:
        if self._progress is not None:
            self._progress(self.done, self._total)


def export(
    db: Database,
    what: str,
    fmt: str,
    out: IO[str],
    *,
    now: datetime,
    filters: ExportFilters | None = None,
    progress: Progress | None = None,
) -> ExportResult:
    """Write an export to a text stream, streaming from the database.

    Args:
        db: The open database.
        what: ``reviews``, ``cards``, ``stats`` or ``all``.
        fmt: ``csv``, ``json``, ``jsonl`` or ``fsrs`` (see :func:`check_request`).
        out: Where to write (opened with ``newline=""`` for CSV to stay byte-exact).
        now: The export time recorded in ``meta`` (aware).
        filters: Which reviews and decks; everything when None.
        progress: Called with ``(records written, total)`` every few thousand records.

    Returns:
        How many records were written.

    Raises:
        UsageError: For a combination :func:`check_request` refuses.
        StorageError: If the database cannot be read.
    """
    from mathdrill.storage import bulk as store

    filters = filters or ExportFilters()
    check_request(what, fmt, filters)
    total = count_for_progress(db, what, filters) if progress is not None else None
    counter = _Counter(progress, total)
    since, decks = filters.since, filters.decks
    n_cards = n_reviews = 0
    if what == "reviews" and fmt == "csv":
        sink = _binary(out)
        written = store.write_reviews_csv(
            db,
            sink,
            header=(",".join(REVIEW_COLUMNS) + "\n").encode(),
            since=since,
            decks=decks,
            parts=CSV_PROCESSES,
            counted=counter.add,
        )
        if written is not None:  # None: not an SQLite file, nothing written; the path below
            sink.flush()
            counter.finish()
            return ExportResult(what=what, fmt=fmt, cards=0, reviews=written)
    # The readers are closed before the snapshot's connection is (ExitStack unwinds first), so a
    # write that fails half-way (a closed pipe, a full disk) never leaves a cursor to close on a
    # closed connection.
    with store.snapshot(db) as snap, contextlib.ExitStack() as readers:

        def opened(generator: Iterator[Any]) -> Iterator[Any]:
            return readers.enter_context(contextlib.closing(generator))

        if what == "all":
            n_cards, n_reviews = _export_all(
                fmt,
                out,
                now,
                filters,
                counter,
                opened(store.iter_cards(snap, decks=decks)),
                opened(store.iter_reviews(snap, since=since, decks=decks)),
            )
        elif what == "reviews" and fmt == "fsrs":
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(FSRS_COLUMNS)
            for row in fsrs_rows(opened(store.iter_reviews(snap, since=since, decks=decks))):
                writer.writerow(row)
                n_reviews += 1
                counter.add(1)
        elif what == "reviews":
            n_reviews = _write_table(
                fmt,
                out,
                REVIEW_COLUMNS,
                "review",
                map(review_record, opened(store.iter_reviews(snap, since=since, decks=decks))),
                counter,
            )
        elif what == "cards":
            n_cards = _write_table(
                fmt,
                out,
                CARD_COLUMNS,
                "card",
                map(card_record, opened(store.iter_cards(snap, decks=decks))),
                counter,
            )
        else:
            n_cards = _write_table(
                fmt,
                out,
                STATS_COLUMNS,
                "skill",
                map(skill_record, opened(store.iter_skill_stats(snap, since=since, decks=decks))),
                counter,
            )
    counter.finish()
    return ExportResult(what=what, fmt=fmt, cards=n_cards, reviews=n_reviews)


#: Columns holding timestamps: written bare in CSV (they contain no comma or quote).
TIMESTAMP_COLUMNS = frozenset({"due", "created", "last_review", "reviewed_at", "last_reviewed"})


def _csv_record_line(record: dict[str, Any]) -> str:
    values = []
    for name, value in record.items():
        if name == "seconds":
            value = csv_seconds(value)
        elif value is not None and name in TIMESTAMP_COLUMNS:
            value = Bare(value)
        values.append(value)
    return csv_line(values)


class _TextSink:
    """A binary sink decoding UTF-8 into a text stream that has no byte buffer (``StringIO``)."""

    def __init__(self, out: IO[str]) -> None:
        self._out = out
        # Incremental: a copied chunk of a part may end inside a character.
        self._decoder = codecs.getincrementaldecoder("utf-8")()

    def write(self, data: bytes) -> int:
        self._out.write(self._decoder.decode(data))
        return len(data)

    def flush(self) -> None:
        self._out.write(self._decoder.decode(b"", final=True))


def _binary(out: IO[str]) -> Any:
    """Return a binary sink writing to ``out`` after what was written to it as text."""
    buffer = getattr(out, "buffer", None)
    if buffer is not None:
        out.flush()  # the header and anything before it, ahead of the bytes
        return buffer
    return _TextSink(out)


def _write_table(
    fmt: str,
    out: IO[str],
    columns: tuple[str, ...],
    kind: str,
    records: Iterator[dict[str, Any]],
    counter: _Counter,
) -> int:
    n = 0
    if fmt == "csv":
        out.write(",".join(columns) + "\n")
        for record in records:
            out.write(_csv_record_line(record))
            n += 1
            counter.add(1)
        return n
    if fmt == "jsonl":
        for record in records:
            out.write(_dump({"type": kind, **record}))
            out.write("\n")
            n += 1
            counter.add(1)
        return n
    # JSON: one array, one record per line, written as it is read.
    out.write("[")
    for record in records:
        out.write("\n" if n == 0 else ",\n")
        out.write(_dump(record))
        n += 1
        counter.add(1)
    out.write("\n]\n" if n else "]\n")
    return n


def _meta(now: datetime, filters: ExportFilters) -> dict[str, Any]:
    return {
        "format": FORMAT_MARKER,
        "version": FORMAT_VERSION,
        "what": "all",
        "exported_at": iso(now),
        "mathdrill": __version__,
        "filters": filters.as_json(),
    }


def _export_all(
    fmt: str,
    out: IO[str],
    now: datetime,
    filters: ExportFilters,
    counter: _Counter,
    card_rows: Iterator[CardRow],
    review_rows: Iterator[ReviewRow],
) -> tuple[int, int]:
    meta = _meta(now, filters)
    cards = map(card_record, card_rows)
    reviews = map(review_record, review_rows)
    n_cards = n_reviews = 0
    if fmt == "jsonl":
        out.write(_dump({"type": "meta", **meta}) + "\n")
        for record in cards:
            out.write(_dump({"type": "card", **record}) + "\n")
            n_cards += 1
            counter.add(1)
        for record in reviews:
            out.write(_dump({"type": "review", **record}) + "\n")
            n_reviews += 1
            counter.add(1)
        out.write(_dump({"type": "end", "cards": n_cards, "reviews": n_reviews}) + "\n")
        return n_cards, n_reviews
    out.write('{"meta":' + _dump(meta) + ',\n"cards":[')
    for record in cards:
        out.write("\n" if n_cards == 0 else ",\n")
        out.write(_dump(record))
        n_cards += 1
        counter.add(1)
    out.write('\n],\n"reviews":[' if n_cards else '],\n"reviews":[')
    for record in reviews:
        out.write("\n" if n_reviews == 0 else ",\n")
        out.write(_dump(record))
        n_reviews += 1
        counter.add(1)
    out.write("\n],\n" if n_reviews else "],\n")
    out.write('"counts":' + _dump({"cards": n_cards, "reviews": n_reviews}) + "}\n")
    return n_cards, n_reviews


@contextlib.contextmanager
def atomic_output(path: Path) -> Iterator[IO[str]]:
    """Open a text file that appears at ``path`` only once it is completely written.

    The text goes to a temporary file in the same folder, which replaces ``path`` when the block
    ends normally and is deleted when it fails, so a failed or interrupted export never leaves
    half a file (nor destroys an earlier export of the same name).

    Args:
        path: The file to write.

    Yields:
        The open text stream (UTF-8, ``newline=""``).

    Raises:
        InputError: If the folder does not exist or cannot be written.
    """
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=folder)
    except OSError as exc:
        raise InputError(
            f"cannot write {path}: {exc.strerror or exc}. Check that the folder exists and is "
            f"writable."
        ) from exc
    try:
        with open(fd, "w", encoding="utf-8", newline="", buffering=1 << 20) as stream:
            yield stream
        try:
            os.replace(temp, path)
        except OSError as exc:
            raise InputError(
                f"cannot write {path}: {exc.strerror or exc} (is it a folder?). Nothing was "
                "written there."
            ) from exc
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


# -- import: reading and validating -------------------------------------------------------------


class _Refused(Exception):
    """A problem in the import file, with where it is (turned into InputError by the caller)."""

    def __init__(self, where: str, what: str) -> None:
        super().__init__(f"{where}: {what}")
        self.where = where
        self.what = what


def _timestamp(value: Any, name: str, *, optional: bool = False) -> datetime | None:
    if value is None and optional:
        return None
    if not isinstance(value, str):
        kind = "a timestamp string or null" if optional else "a timestamp string"
        raise ValueError(f"{name!r} must be {kind}, got {_show(value)}")
    text = value.strip()
    try:
        moment = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    except ValueError:
        raise ValueError(
            f"{name!r} is not an ISO 8601 timestamp: {_show(value)} "
            "(expected e.g. 2026-03-01T23:30:00.000000Z)"
        ) from None
    if moment.tzinfo is None:
        raise ValueError(f"{name!r} has no time zone: {_show(value)} (add Z for UTC)")
    return moment.astimezone(UTC)


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def _int(
    record: dict[str, Any], name: str, low: int, high: int, *, optional: bool = False
) -> int | None:
    value = record[name]
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        null = " or null" if optional else ""
        raise ValueError(f"{name!r} must be a whole number {low}–{high}{null}, got {_show(value)}")
    return value


def _str(
    record: dict[str, Any], name: str, limit: int, *, optional: bool = False, empty: bool = False
) -> str | None:
    value = record[name]
    if value is None and optional:
        return None
    if not isinstance(value, str) or len(value) > limit or (not value and not empty):
        null = " or null" if optional else ""
        size = f"of at most {limit} characters" if empty else f"of 1–{limit} characters"
        raise ValueError(f"{name!r} must be a text {size}{null}, got {_show(value)}")
    return value


def _bool(record: dict[str, Any], name: str) -> bool:
    value = record[name]
    if not isinstance(value, bool):
        raise ValueError(f"{name!r} must be true or false, got {_show(value)}")
    return value


def _keys(record: Any, expected: tuple[str, ...], label: str) -> dict[str, Any]:
    if not isinstance(record, dict):
        raise ValueError(f"a {label} must be a JSON object, got {_show(record)}")
    missing = [k for k in expected if k not in record]
    extra = sorted(k for k in record if k not in expected)
    if missing:
        raise ValueError(f"the {label} lacks {', '.join(repr(k) for k in missing)}")
    if extra:
        raise ValueError(
            f"the {label} has unknown field(s) {', '.join(repr(k) for k in extra[:5])} "
            "(written by another program or a newer mathdrill?)"
        )
    return record


def parse_card(record: Any) -> CardRow:
    """Validate one card record of an import file and convert it.

    Args:
        record: The decoded JSON value (``type`` already removed for JSON lines).

    Returns:
        The card.

    Raises:
        ValueError: Naming the field and what is wrong with it.
    """
    from mathdrill.storage.bulk import CardRow

    r = _keys(record, CARD_COLUMNS, "card")
    created = _timestamp(r["created"], "created")
    assert created is not None  # not optional
    return CardRow(
        deck=_str(r, "deck", 200),
        template=_str(r, "template", 200),
        repetitions=_int(r, "repetitions", 0, _MAX_INT),
        easiness_x100=_int(r, "easiness_x100", 130, _MAX_INT),
        interval_days=_int(r, "interval_days", 0, _MAX_INT),
        due=_timestamp(r["due"], "due", optional=True),
        lapses=_int(r, "lapses", 0, _MAX_INT),
        suspended=_bool(r, "suspended"),
        leech=_bool(r, "leech"),
        created=created,
        last_review=_timestamp(r["last_review"], "last_review", optional=True),
    )  # type: ignore[arg-type]


def parse_review(record: Any) -> ReviewRow:
    """Validate one review record of an import file and convert it.

    Args:
        record: The decoded JSON value (``type`` already removed for JSON lines).

    Returns:
        The review (``card_id`` 0: the database it is merged into assigns it).

    Raises:
        ValueError: Naming the field and what is wrong with it.
    """
    from mathdrill.storage.bulk import ReviewRow

    r = _keys(record, REVIEW_COLUMNS, "review")
    kind = r["kind"]
    if kind not in _KINDS:
        raise ValueError(f"'kind' must be one of {', '.join(_KINDS)}, got {_show(kind)}")
    seconds = r["seconds"]
    if seconds is not None and (
        isinstance(seconds, bool)
        or not isinstance(seconds, int | float)
        or not math.isfinite(seconds)
        or seconds < 0
    ):
        raise ValueError(f"'seconds' must be a number ≥ 0 or null, got {_show(seconds)}")
    return ReviewRow(
        card_id=0,
        deck=_str(r, "deck", 200),
        template=_str(r, "template", 200),
        reviewed_at=_timestamp(r["reviewed_at"], "reviewed_at"),
        kind=kind,
        seed=_int(r, "seed", 0, _MAX_SEED),
        fingerprint=_str(r, "fingerprint", 128, empty=True),
        answer=_str(r, "answer", 1_000_000, empty=True),
        read_as=_str(r, "read_as", 1_000_000, optional=True, empty=True),
        status=_str(r, "status", 32),
        correct=_bool(r, "correct"),
        mistake=_str(r, "mistake", 200, optional=True, empty=True),
        hints=_int(r, "hints", 0, _MAX_INT),
        seconds=None if seconds is None else float(seconds),
        quality=_int(r, "quality", 0, 5, optional=True),
        easiness_before_x100=_int(r, "easiness_before_x100", 130, _MAX_INT),
        easiness_after_x100=_int(r, "easiness_after_x100", 130, _MAX_INT),
        interval_before=_int(r, "interval_before", 0, _MAX_INT),
        interval_after=_int(r, "interval_after", 0, _MAX_INT),
        session_id=_str(r, "session_id", 64, optional=True, empty=True),
    )  # type: ignore[arg-type]


def check_meta(meta: Any) -> dict[str, Any]:
    """Check an import file's ``meta`` record: the format marker, version and content.

    Args:
        meta: The decoded ``meta`` value (without ``type``).

    Returns:
        The meta object.

    Raises:
        ValueError: When it is not a mathdrill ``export all`` of a version this code reads.
    """
    if not isinstance(meta, dict) or meta.get("format") != FORMAT_MARKER:
        raise ValueError(
            f'this is not a mathdrill export (its meta has no "format": "{FORMAT_MARKER}")'
        )
    version = meta.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise ValueError(f"the meta 'version' must be a whole number, got {_show(version)}")
    if version > FORMAT_VERSION:
        raise ValueError(
            f"it was written by a newer mathdrill (export format {version}; this mathdrill reads "
            f"format {FORMAT_VERSION}): upgrade mathdrill"
        )
    if version < 1:
        raise ValueError(f"unknown export format version {version}")
    if meta.get("what") != "all":
        raise ValueError(
            f"only `mathdrill export all` files can be imported; this one holds "
            f"{_show(meta.get('what'))}"
        )
    return meta


@dataclass(frozen=True)
class _Item:
    """One decoded record of the file and where it was."""

    section: str  # meta, card, review, end/counts
    value: Any
    where: str


class _JsonStream:
    """Incremental reader of one JSON document: values are decoded one at a time.

    Only the top-level object and the arrays in it are walked by hand; each array element (a
    card or a review) is decoded with :meth:`json.JSONDecoder.raw_decode` from a buffer refilled
    in 64 kB chunks, so memory is bounded by the largest record, not by the file.
    """

    def __init__(self, stream: IO[str], name: str, on_read: Callable[[int], None] | None) -> None:
        self._stream = stream
        self._name = name
        self._buf = ""
        self._pos = 0
        self._line = 1  # line number of self._buf[0]
        self._eof = False
        self._decoder = json.JSONDecoder()
        self._on_read = on_read

    def where(self) -> str:
        return f"line {self._line + self._buf.count(chr(10), 0, self._pos)}"

    def _fill(self) -> bool:
        if self._eof:
            return False
        chunk = self._stream.read(_READ_CHUNK)
        if self._on_read is not None:
            self._on_read(len(chunk))
        if not chunk:
            self._eof = True
            return False
        # Drop what was consumed, keeping the line count right.
        self._line += self._buf.count("\n", 0, self._pos)
        self._buf = self._buf[self._pos :] + chunk
        self._pos = 0
        return True

    def peek(self) -> str:
        """Return the next non-space character ('' at the end), without consuming it."""
        while True:
            buf, pos = self._buf, self._pos
            while pos < len(buf) and buf[pos] in " \t\r\n":
                pos += 1
            self._pos = pos
            if pos < len(buf):
                return buf[pos]
            if not self._fill():
                return ""

    def expect(self, char: str, what: str) -> None:
        found = self.peek()
        if found != char:
            shown = "the end of the file" if found == "" else repr(found)
            raise _Refused(self.where(), f"expected {what}, found {shown}")
        self._pos += 1

    def value(self, what: str) -> Any:
        """Decode the next JSON value, reading more of the file while it is incomplete."""
        if self.peek() == "":
            raise _Refused(self.where(), f"the file ends where {what} should be: it is truncated")
        while True:
            try:
                value, end = self._decoder.raw_decode(self._buf, self._pos)
            except json.JSONDecodeError as exc:
                if len(self._buf) - self._pos > MAX_RECORD_CHARS:
                    raise _Refused(
                        self.where(), f"{what} is larger than {MAX_RECORD_CHARS} characters"
                    ) from None
                if self._fill():
                    continue
                if exc.pos >= len(self._buf) - 1 or "Unterminated" in exc.msg:
                    raise _Refused(
                        self.where(), f"the file ends inside {what}: it is truncated"
                    ) from None
                line = self._line + self._buf.count("\n", 0, exc.pos)
                raise _Refused(f"line {line}", f"invalid JSON in {what}: {exc.msg}") from None
            # A number at the very end of the buffer may continue in the next chunk.
            if end >= len(self._buf) and not self._eof and self._fill():
                continue
            self._pos = end
            return value


def _read_json(
    stream: IO[str], name: str, on_read: Callable[[int], None] | None
) -> Iterator[_Item]:
    reader = _JsonStream(stream, name, on_read)
    if reader.peek() != "{":
        found = reader.peek()
        raise _Refused(
            reader.where(),
            "this is not a mathdrill export (it must be a JSON object with meta, cards and "
            f"reviews; it starts with {'nothing' if not found else repr(found)})",
        )
    reader.expect("{", "'{'")
    seen: set[str] = set()
    first = True
    while True:
        if reader.peek() == "}":
            reader.expect("}", "'}'")
            break
        if not first:
            reader.expect(",", "',' or '}' after a top-level value")
        first = False
        where = reader.where()
        if reader.peek() != '"':
            reader.expect('"', "a key")
        key = reader.value("a key")
        reader.expect(":", "':' after a key")
        if key in seen:
            raise _Refused(where, f"the key {key!r} appears twice")
        seen.add(key)
        if key == "meta":
            yield _Item("meta", reader.value("the meta object"), where)
        elif key == "counts":
            yield _Item("counts", reader.value("the counts object"), where)
        elif key in ("cards", "reviews"):
            section = key[:-1]
            reader.expect("[", f"a list of {key}")
            index = 0
            if reader.peek() == "]":
                reader.expect("]", "']'")
                continue
            while True:
                at = reader.where()
                item = reader.value(f"{key}[{index}]")
                yield _Item(section, item, f"{at} ({key}[{index}])")
                index += 1
                nxt = reader.peek()
                if nxt == "]":
                    reader.expect("]", "']'")
                    break
                if nxt == "":
                    raise _Refused(reader.where(), f"the file ends inside {key}: it is truncated")
                reader.expect(",", f"',' or ']' after {key}[{index - 1}]")
        else:
            raise _Refused(
                where,
                f"unknown top-level key {key!r}: this is not a mathdrill export (expected "
                "meta, cards, reviews and counts)",
            )
    if reader.peek() != "":
        raise _Refused(reader.where(), "unexpected text after the end of the JSON object")


def _read_jsonl(
    stream: IO[str], name: str, on_read: Callable[[int], None] | None
) -> Iterator[_Item]:
    number = 0
    while True:
        # readline with a limit: a huge line is refused without being read whole.
        line = stream.readline(MAX_RECORD_CHARS + 1)
        if not line:
            break
        number += 1
        if on_read is not None:
            on_read(len(line))
        if len(line) > MAX_RECORD_CHARS:
            raise _Refused(
                f"line {number}", f"the line is longer than {MAX_RECORD_CHARS} characters"
            )
        if not line.strip():
            continue
        where = f"line {number}"
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            hint = "" if line.endswith("\n") else " (the last line is cut off: truncated file?)"
            raise _Refused(where, f"invalid JSON: {exc.msg}{hint}") from None
        if not isinstance(value, dict) or not isinstance(value.get("type"), str):
            raise _Refused(where, 'each line must be a JSON object with a "type" field')
        section = value.pop("type")
        if section not in ("meta", "card", "review", "end"):
            raise _Refused(where, f"unknown record type {section!r}")
        yield _Item("counts" if section == "end" else section, value, where)


def _sniff(path: Path) -> str:
    """Return ``jsonl`` when the first line is a complete JSON object with a ``type``."""
    with open(path, encoding="utf-8", errors="replace") as stream:
        first = stream.readline(MAX_RECORD_CHARS)
    try:
        value = json.loads(first)
    except json.JSONDecodeError:
        return "json"
    return "jsonl" if isinstance(value, dict) and "type" in value else "json"


@dataclass(frozen=True)
class ImportPlan:
    """What a validated import file holds.

    Attributes:
        path: The file.
        fmt: ``json`` or ``jsonl``.
        cards: Card records.
        reviews: Review records.
        exported_at: When it was exported (from its meta), or None.
        name: How messages name the file (its path, or ``-`` for standard input).
    """

    path: Path
    fmt: str
    cards: int
    reviews: int
    exported_at: str | None
    name: str = ""


def _records(
    path: Path, fmt: str, on_read: Callable[[int], None] | None, shown: str | None = None
) -> Iterator[CardRow | ReviewRow | dict[str, Any]]:
    """Yield the file's validated meta (a dict), cards and reviews; raise InputError otherwise.

    Everything is checked: structure, the meta's marker and version, every field, unique cards,
    that every review names a card of the file, and the closing counts. Messages name the file
    ``shown`` (default: its path).
    """
    name = path.name
    label = shown or str(path)
    read = _read_jsonl if fmt == "jsonl" else _read_json
    seen_meta = False
    counts: Any = None
    card_keys: set[tuple[str, str]] = set()
    wanted: dict[tuple[str, str], str] = {}
    n_cards = n_reviews = 0
    try:
        with open(path, encoding="utf-8", newline="") as stream:
            for item in read(stream, name, on_read):
                if counts is not None:
                    raise _Refused(item.where, "a record after the closing counts")
                if item.section == "meta":
                    if seen_meta:
                        raise _Refused(item.where, "a second meta record")
                    if fmt == "jsonl" and (n_cards or n_reviews):
                        raise _Refused(item.where, "the meta record must be the first line")
                    seen_meta = True
                    try:
                        yield check_meta(item.value)
                    except ValueError as exc:
                        raise _Refused(item.where, str(exc)) from None
                    continue
                if not seen_meta and fmt == "jsonl":
                    raise _Refused(
                        item.where,
                        "this is not a mathdrill `export all` file: its first line must be the "
                        "meta record",
                    )
                if item.section == "counts":
                    counts = item.value
                    continue
                try:
                    if item.section == "card":
                        card = parse_card(item.value)
                        key = (card.deck, card.template)
                        if key in card_keys:
                            raise ValueError(f"the card {key[0]}/{key[1]} appears twice")
                        card_keys.add(key)
                        n_cards += 1
                        yield card
                    else:
                        review = parse_review(item.value)
                        key = (review.deck, review.template)
                        if key not in card_keys:
                            wanted.setdefault(key, item.where)
                        n_reviews += 1
                        yield review
                except ValueError as exc:
                    raise _Refused(item.where, str(exc)) from None
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{label}: not a mathdrill export (not UTF-8 text: byte {exc.start} cannot be read). "
            "Nothing was imported; the database is unchanged."
        ) from None
    except _Refused as exc:
        raise InputError(
            f"{label}: {exc.where}: {exc.what}. Nothing was imported; the database is unchanged."
        ) from None
    except OSError as exc:
        raise InputError(f"cannot read {label}: {exc.strerror or exc}") from None
    problems: list[str] = []
    if not seen_meta:
        problems.append("it has no meta record: this is not a mathdrill `export all` file")
    if counts is None:
        problems.append(
            "it has no closing counts ("
            + ('a last line {"type": "end", ...}' if fmt == "jsonl" else 'a "counts" object')
            + "): the file is truncated"
        )
    elif not isinstance(counts, dict) or set(counts) != {"cards", "reviews"}:
        problems.append(f"its counts must be {{'cards': N, 'reviews': N}}, got {_show(counts)}")
    elif counts != {"cards": n_cards, "reviews": n_reviews}:
        problems.append(
            f"it says it holds {_show(counts.get('cards'))} cards and "
            f"{_show(counts.get('reviews'))} reviews but has {n_cards} and {n_reviews}: records "
            "are missing or were added"
        )
    for (deck, template), where in wanted.items():
        if (deck, template) not in card_keys:
            problems.append(
                f"{where}: the review names the card {deck}/{template}, not in the file"
            )
            break
    if problems:
        raise InputError(
            f"{label}: {problems[0]}. Nothing was imported; the database is unchanged."
        )


def validate_import(
    path: Path, *, on_read: Callable[[int], None] | None = None, shown: str | None = None
) -> ImportPlan:
    """Read and check a whole import file without touching any database.

    Args:
        path: The file (``export all`` as JSON or JSON lines).
        on_read: Called with the number of characters read, as the file is read.
        shown: How messages name the file (default: its path).

    Returns:
        What the file holds.

    Raises:
        InputError: Naming the line (and record) of the first problem: not a file, not UTF-8,
            malformed or truncated JSON, a foreign file, a newer format version, a field of the
            wrong type or out of range, a duplicate card, a review of a card not in the file,
            or counts that do not match.
    """
    label = shown or str(path)
    if not path.is_file():
        raise InputError(f"{label}: no such file")
    fmt = _sniff(path)
    cards = reviews = 0
    exported_at: str | None = None
    for record in _records(path, fmt, on_read, label):
        if isinstance(record, dict):
            value = record.get("exported_at")
            exported_at = value if isinstance(value, str) else None
        elif hasattr(record, "reviewed_at"):
            reviews += 1
        else:
            cards += 1
    return ImportPlan(
        path=path, fmt=fmt, cards=cards, reviews=reviews, exported_at=exported_at, name=label
    )


@dataclass(frozen=True)
class ImportResult:
    """What an import did.

    Attributes:
        plan: What the file held.
        merge: What the merge added, updated and found already present (with the backup).
    """

    plan: ImportPlan
    merge: MergeResult


def import_file(
    open_db: Callable[[], contextlib.AbstractContextManager[Database]],
    path: Path,
    *,
    now: datetime,
    on_read: Callable[[str, int], None] | None = None,
    shown: str | None = None,
) -> ImportResult:
    """Import an ``export all`` file: validate all of it, back the database up, merge.

    The database is opened only after the whole file passed validation, so a refused file
    leaves it untouched (not even created). The merge is one transaction (see
    :func:`mathdrill.storage.bulk.merge_import`), idempotent: importing the same file again
    adds nothing, and makes no backup.

    Args:
        open_db: Opens the learner's database (a context manager).
        path: The file.
        now: The time stamped on the backup's name (aware).
        on_read: Called with ``("checking" | "importing", characters read)`` as the file is
            read in each pass.
        shown: How messages name the file (default: its path; see :func:`spooled`).

    Returns:
        What the file held and what was added.

    Raises:
        InputError: If the file is refused (see :func:`validate_import`).
        StorageError: If the database cannot be opened, backed up or written.
    """
    from mathdrill.storage import bulk as store

    check = None if on_read is None else (lambda n: on_read("checking", n))
    plan = validate_import(path, on_read=check, shown=shown)
    apply = None if on_read is None else (lambda n: on_read("importing", n))
    records = (r for r in _records(path, plan.fmt, apply, plan.name) if not isinstance(r, dict))
    with open_db() as db:
        merged = store.merge_import(db, records, now=now)
    return ImportResult(plan=plan, merge=merged)


@contextlib.contextmanager
def spooled(stream: IO[bytes]) -> Iterator[Path]:
    """Copy a byte stream (standard input) into a temporary file, for ``import -``.

    An import reads its file twice (once to check all of it, once to merge), which a pipe
    cannot give; the copy is made in blocks, so memory stays flat, and deleted afterwards.

    Args:
        stream: The stream to read to its end.

    Yields:
        The temporary file's path.

    Raises:
        InputError: If the stream cannot be read or the copy cannot be written.
    """
    with tempfile.TemporaryDirectory(prefix="mathdrill-import-") as folder:
        path = Path(folder) / "stdin"
        try:
            with path.open("wb") as copy:
                shutil.copyfileobj(stream, copy, 1 << 20)
        except OSError as exc:
            raise InputError(
                f"cannot copy standard input to a temporary file: {exc.strerror or exc}"
            ) from None
        yield path
