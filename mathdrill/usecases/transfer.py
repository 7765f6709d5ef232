"""Use cases behind ``mathdrill export`` and ``mathdrill import``: own your progress.

Exports stream: rows go from the database to the output stream batch by batch, so memory does
not grow with the review log, and every format goes the same way (storage streams tuples in
the order of the record's fields; each becomes one line here). ``export all`` (JSON or JSON
lines) is the one format that can be imported again; importing reads the file twice — once to
validate all of it without touching the database, once to merge it inside one transaction after
a backup — so it never holds the file in memory either. The formats and columns are documented
in ``docs/data.md`` ("Export and import"); this module never prints
(``mathdrill.cli.transfer_cmd`` does). It is one module because export and import share the
formats, the columns and their checks.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import math
import os
import secrets
import stat
import sys
import tempfile
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import Field, dataclass
from datetime import UTC, datetime, timedelta
from itertools import islice, repeat
from operator import call
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from mathdrill import __version__
from mathdrill.errors import InputError, OutputError, UsageError
from mathdrill.scheduling.queue import SchedulingSettings
from mathdrill.storage.records import Card, Flag, Review, check_field, columns, exported

if TYPE_CHECKING:
    from mathdrill.storage import Database
    from mathdrill.storage.bulk import MergeResult, SkillRow

#: What can be exported.
WHATS = ("reviews", "cards", "stats", "flags", "all")

#: Output formats (``fsrs`` only for reviews).
FORMATS = ("csv", "json", "jsonl", "fsrs")

#: The marker and version in the ``meta`` record of an ``export all`` file.
FORMAT_MARKER = "mathdrill-export"
#: Version 2 added the flags (``flags`` and their count); version 1 files still import.
FORMAT_VERSION = 2

#: The columns of ``export cards`` and ``export reviews``: the records' fields.
CARD_COLUMNS = columns(Card)
REVIEW_COLUMNS = columns(Review)
FLAG_COLUMNS = columns(Flag)

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

#: Records written between two calls of an export's progress callback.
PROGRESS_EVERY = 5000

_READ_CHUNK = 1 << 16
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

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


def skill_record(row: SkillRow) -> tuple[Any, ...]:
    """Return one skill's values of ``export stats``, in :data:`STATS_COLUMNS` order.

    Args:
        row: The aggregate as storage computed it.

    Returns:
        The values; ``first_try_accuracy`` is None when the skill had no first try.
    """
    accuracy = row.first_try_correct / row.first_try if row.first_try else None
    return (*row[:12], accuracy, *row[12:])


_dump = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False).encode

# Every format turns a row into its text with one pre-built template: ``template % values``,
# each value formatted by its column's function (applied by map(), C functions but for the
# nullable columns). That keeps `mathdrill export all` on 200,000 reviews within its 3 s target
# (json.dumps of a dict per record took twice as long); the text is the same.

#: Quotes and escapes a text as json.dumps(ensure_ascii=False) does.
_json_text = json.encoder.encode_basestring


def _json_text_or_null(value: str | None) -> str:
    return "null" if value is None else _json_text(value)


def _json_number_or_null(value: float | None) -> str:
    return "null" if value is None else repr(value)


#: Booleans (or SQLite's 0/1) as JSON and CSV write them.
_FLAG = {True: "true", False: "false"}.__getitem__


def _json_value_of(spec: Field[Any]) -> Callable[[Any], str]:
    """Return the function formatting one record field's JSON value."""
    check, null = spec.metadata["check"], spec.metadata["null"]
    if check == "flag":
        return _FLAG
    if check in ("whole", "seconds"):
        return _json_number_or_null if null else repr
    return _json_text_or_null if null else _json_text


# CSV: text is always quoted (inner quotes doubled, so commas and line breaks inside an answer
# are safe), cut at a NUL character, and kept from starting a formula (see _quoted); null is an
# empty unquoted cell, so null and empty text stay distinct; booleans are true/false; numbers
# and timestamps are bare (floats as Python's shortest round-trip form); an answer time is
# rounded to the millisecond.


# A text cell starting with = + - @, a tab or a carriage return would run as a formula in a
# spreadsheet (CSV injection): it gets a leading ' , as does a cell starting with ' itself, so
# dropping one leading ' from every text cell that has one gives the text back exactly.
_FORMULA_START = frozenset("=+-@\t\r'")


def _quoted(text: str) -> str:
    text = text.partition("\0")[0]
    if text[:1] in _FORMULA_START and text:
        text = "'" + text
    return '"' + text.replace('"', '""') + '"'


def _quoted_or_null(text: str | None) -> str:
    return "" if text is None else _quoted(text)


def _bare_or_null(value: Any) -> str:
    return "" if value is None else repr(value) if isinstance(value, float) else str(value)


def csv_seconds(seconds: float | None) -> str:
    """Format an answer time for CSV: rounded to the millisecond, e.g. ``12.346``.

    The rounding is ``int(seconds * 1000 + 0.5)``. (JSON exports keep the stored value exactly.)

    Args:
        seconds: The time, ≥ 0, or None.

    Returns:
        The cell ("" for None).
    """
    if seconds is None:
        return ""
    millis = int(seconds * 1000 + 0.5)
    return f"{millis // 1000}.{millis % 1000:03d}"


def _csv_cell_of(spec: Field[Any]) -> Callable[[Any], str]:
    """Return the function formatting one record field's CSV cell."""
    check, null = spec.metadata["check"], spec.metadata["null"]
    if spec.name == "seconds":
        return csv_seconds
    if check in ("text", "kind"):
        return _quoted_or_null if null else _quoted
    if check == "flag":
        return _FLAG
    return _bare_or_null if null else str


_SKILL_CELLS = (
    _quoted,
    _quoted,
    *(str,) * 3,
    _bare_or_null,
    str,
    _FLAG,
    _FLAG,
    *(str,) * 3,
    _bare_or_null,
    _bare_or_null,
    _bare_or_null,
    _quoted_or_null,
    str,
)

#: The cell formatters of each table, in column order.
CSV_CELLS = {
    "card": tuple(_csv_cell_of(f) for f in exported(Card)),
    "review": tuple(_csv_cell_of(f) for f in exported(Review)),
    "flag": tuple(_csv_cell_of(f) for f in exported(Flag)),
    "skill": _SKILL_CELLS,
}

#: The JSON value formatters of each table, in column order.
JSON_VALUES = {
    "card": tuple(_json_value_of(f) for f in exported(Card)),
    "review": tuple(_json_value_of(f) for f in exported(Review)),
    "flag": tuple(_json_value_of(f) for f in exported(Flag)),
    "skill": (
        _json_text,
        _json_text,
        *(repr,) * 3,
        _json_text_or_null,
        repr,
        _FLAG,
        _FLAG,
        *(repr,) * 3,
        _json_number_or_null,
        _json_number_or_null,
        _json_text_or_null,
        _json_text_or_null,
        repr,
    ),
}


def fsrs_rating(quality: int) -> int:
    """Map an SM-2 quality to an FSRS rating.

    Args:
        quality: 0–5.

    Returns:
        1 (Again) for 0–2, 2 (Hard) for 3, 3 (Good) for 4, 4 (Easy) for 5.
    """
    return FSRS_RATING[quality]


_AT, _KIND, _SECONDS, _QUALITY = (
    REVIEW_COLUMNS.index(name) for name in ("reviewed_at", "kind", "seconds", "quality")
)


def fsrs_rows(rows: Iterable[tuple[Any, ...]]) -> Iterator[tuple[int, int, int, int, int | str]]:
    """Turn the review log into the FSRS optimizer's review-log rows.

    Kept: graded ``learn`` (state New), ``review`` (state Review) and ``repeat`` reviews (a
    same-session retry: state Learning after a ``learn``, Relearning after a ``review``).
    Dropped: ``cram`` (practice outside the schedule, like Anki's filtered-deck cramming that
    FSRS ignores) and ungraded reviews (no rating to give).

    Args:
        rows: Reviews in time order, as storage streams them (the card's id last).

    Yields:
        ``(card_id, review_time ms since the epoch UTC, rating 1–4, state 0–3, duration ms or
        "" when unknown)``.
    """
    last_scheduled: dict[int, str] = {}
    one_ms = timedelta(milliseconds=1)
    for row in rows:
        kind, quality, card_id = row[_KIND], row[_QUALITY], row[-1]
        if kind == "cram" or quality is None:
            continue
        if kind == "learn":
            state = FSRS_NEW
        elif kind == "review":
            state = FSRS_REVIEW
        else:
            previous = last_scheduled.get(card_id)
            state = FSRS_LEARNING if previous == "learn" else FSRS_RELEARNING
        if kind != "repeat":
            last_scheduled[card_id] = kind
        seconds = row[_SECONDS]
        duration: int | str = "" if seconds is None else math.floor(seconds * 1000 + 0.5)
        at = datetime.fromisoformat(row[_AT])
        yield (card_id, (at - _EPOCH) // one_ms, fsrs_rating(quality), state, duration)


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
        what: ``reviews``, ``cards``, ``stats``, ``flags`` or ``all``.
        fmt: The format.
        cards: Card (or skill) records written.
        reviews: Review records written.
        flags: Flag records written.
        unimportable: For ``all``: stored rows holding values ``import`` refuses (see
            ``mathdrill doctor``), so the file will not import until they are fixed.
    """

    what: str
    fmt: str
    cards: int
    reviews: int
    unimportable: int = 0
    flags: int = 0


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
            "`export all` holds cards, reviews and flags together, which one CSV table cannot: "
            "use --format json or jsonl, or export cards, reviews and flags as CSV files."
        )
    if fmt == "fsrs" and what != "reviews":
        raise UsageError("--format fsrs is a review log: use it with `export reviews`.")
    if what == "cards" and filters.since is not None:
        raise UsageError(
            "--since selects reviews; cards are not dated. Use it with `export reviews`, "
            "`export stats` (aggregates since then) or `export all`."
        )


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
    if what in ("flags", "all"):
        total += store.count_flags(db, since=filters.since, decks=filters.decks)
    return total


class _Counter:
    """Counts written records and reports progress every :data:`PROGRESS_EVERY`."""

    def __init__(self, progress: Progress | None, total: int | None) -> None:
        self.done = 0
        self._progress = progress
        self._total = total

    def add(self, n: int) -> None:
        before, self.done = self.done, self.done + n
        if self._progress is not None and before // PROGRESS_EVERY < self.done // PROGRESS_EVERY:
            self._progress(self.done, self._total)

    def finish(self) -> None:
        if self._progress is not None:
            self._progress(self.done, self._total)


#: Records turned into text and written at once (one write per batch, not per record: part of
#: keeping `mathdrill export all` within its 3 s).
_WRITE_BATCH = 1000


def _texts(fmt: str, kind: str, names: tuple[str, ...], rows: Iterable[Any]) -> Iterator[str]:
    """Turn a table's rows into the format's texts (JSON objects without separators)."""
    if fmt == "csv":
        template, formats = ",".join(["%s"] * len(names)) + "\n", CSV_CELLS[kind]
    else:
        fields = ",".join(f'"{name}":%s' for name in names)
        head = '{"type":"' + kind + '",' if fmt == "jsonl" else "{"
        template = head + fields + ("}\n" if fmt == "jsonl" else "}")
        formats = JSON_VALUES[kind]
    # Per row: the values formatted by map() (extra values at the end are left out), then one
    # % into the template.
    return map(template.__mod__, map(tuple, map(map, repeat(call), repeat(formats), rows)))


def _write(out: IO[str], texts: Iterator[str], counter: _Counter, *, array: bool = False) -> int:
    """Write texts in batches (as the elements of a JSON array when ``array``); count them."""
    n = 0
    while batch := list(islice(texts, _WRITE_BATCH)):
        if array:
            out.write(("," if n else "") + "\n" + ",\n".join(batch))
        else:
            out.write("".join(batch))
        n += len(batch)
        counter.add(len(batch))
    return n


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

    Every record is read in one database snapshot, so an ``export all`` never holds a review
    whose card it lacks, even while a drill writes meanwhile.

    Args:
        db: The open database.
        what: ``reviews``, ``cards``, ``stats``, ``flags`` or ``all``.
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
    n_cards = n_reviews = n_flags = 0
    # The readers are closed before the snapshot's connection is (ExitStack unwinds first), so a
    # write that fails half-way (a closed pipe, a full disk) never leaves a cursor to close on a
    # closed connection.
    with db.snapshot() as snap, contextlib.ExitStack() as readers:

        def opened(generator: Generator[Any, None, None]) -> Iterator[Any]:
            return readers.enter_context(contextlib.closing(generator))

        def card_texts(kind: str) -> Iterator[str]:
            rows = opened(store.iter_cards(snap, decks=decks))
            return _texts(fmt, kind, CARD_COLUMNS, rows)

        def review_texts(kind: str) -> Iterator[str]:
            rows = opened(store.iter_reviews(snap, since=since, decks=decks))
            return _texts(fmt, kind, REVIEW_COLUMNS, rows)

        def flag_texts(kind: str) -> Iterator[str]:
            rows = opened(store.iter_flags(snap, since=since, decks=decks))
            return _texts(fmt, kind, FLAG_COLUMNS, rows)

        if what == "all":
            n_cards, n_reviews, n_flags = _export_all(
                fmt, out, now, filters, counter, card_texts, review_texts, flag_texts
            )
        elif what == "flags":
            n_flags = _write_table(fmt, out, FLAG_COLUMNS, flag_texts("flag"), counter)
        elif what == "reviews" and fmt == "fsrs":
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(FSRS_COLUMNS)
            rows = fsrs_rows(opened(store.iter_reviews(snap, since=since, decks=decks)))
            while batch := list(islice(rows, _WRITE_BATCH)):
                writer.writerows(batch)
                n_reviews += len(batch)
                counter.add(len(batch))
        elif what == "stats":
            stats = opened(store.iter_skill_stats(snap, since=since, decks=decks))
            texts = _texts(fmt, "skill", STATS_COLUMNS, map(skill_record, stats))
            n_cards = _write_table(fmt, out, STATS_COLUMNS, texts, counter)
        elif what == "cards":
            n_cards = _write_table(fmt, out, CARD_COLUMNS, card_texts("card"), counter)
        else:
            n_reviews = _write_table(fmt, out, REVIEW_COLUMNS, review_texts("review"), counter)
    counter.finish()
    # A backup that cannot be restored should be known now, not on the day it is needed.
    unimportable = store.out_of_range(db, limit=0)[1] if what == "all" else 0
    return ExportResult(
        what=what,
        fmt=fmt,
        cards=n_cards,
        reviews=n_reviews,
        unimportable=unimportable,
        flags=n_flags,
    )


def _write_table(
    fmt: str, out: IO[str], names: tuple[str, ...], texts: Iterator[str], counter: _Counter
) -> int:
    if fmt == "csv":
        out.write(",".join(names) + "\n")
    if fmt != "json":
        return _write(out, texts, counter)
    # JSON: one array, one record per line, written as it is read.
    out.write("[")
    n = _write(out, texts, counter, array=True)
    out.write("\n]\n" if n else "]\n")
    return n


NOT_INCLUDED = (
    "deck files: the built-in decks come with mathdrill; your own decks (the decks/ folder of "
    "the data directory, and --decks paths) are not in this file, so keep a copy of them with it"
)
"""What an ``export all`` file does not hold, written into its ``meta``."""


def _meta(now: datetime, filters: ExportFilters) -> dict[str, Any]:
    return {
        "format": FORMAT_MARKER,
        "version": FORMAT_VERSION,
        "what": "all",
        "exported_at": iso(now),
        "mathdrill": __version__,
        "filters": filters.as_json(),
        # Said in the file too, so that whoever restores it knows what else to keep.
        "not_included": NOT_INCLUDED,
    }


def _export_all(
    fmt: str,
    out: IO[str],
    now: datetime,
    filters: ExportFilters,
    counter: _Counter,
    card_texts: Callable[[str], Iterator[str]],
    review_texts: Callable[[str], Iterator[str]],
    flag_texts: Callable[[str], Iterator[str]],
) -> tuple[int, int, int]:
    meta = _meta(now, filters)
    if fmt == "jsonl":
        out.write(_dump({"type": "meta", **meta}) + "\n")
        n_cards = _write(out, card_texts("card"), counter)
        n_reviews = _write(out, review_texts("review"), counter)
        n_flags = _write(out, flag_texts("flag"), counter)
        end = {"type": "end", "cards": n_cards, "reviews": n_reviews, "flags": n_flags}
        out.write(_dump(end) + "\n")
        return n_cards, n_reviews, n_flags
    out.write('{"meta":' + _dump(meta) + ',\n"cards":[')
    n_cards = _write(out, card_texts("card"), counter, array=True)
    out.write('\n],\n"reviews":[' if n_cards else '],\n"reviews":[')
    n_reviews = _write(out, review_texts("review"), counter, array=True)
    out.write('\n],\n"flags":[' if n_reviews else '],\n"flags":[')
    n_flags = _write(out, flag_texts("flag"), counter, array=True)
    out.write("\n],\n" if n_flags else "],\n")
    counts = {"cards": n_cards, "reviews": n_reviews, "flags": n_flags}
    out.write('"counts":' + _dump(counts) + "}\n")
    return n_cards, n_reviews, n_flags


def _umask() -> int:
    """Return the process's umask (reading it means setting it; it is put back at once)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def output_file(path: Path) -> Iterator[IO[str]]:
    """Open the file an export writes to, doing what a learner expects with what is there.

    - Nothing, or a regular file: the text goes to a temporary ``.NAME.*.part`` file in the same
      folder, which replaces it when the block ends normally and is deleted when it fails (or
      the process is stopped by a signal the command line turns into an exception), so a failed
      export never leaves half a file nor destroys an earlier one. The new file gets the old
      file's permissions, or for a new file those the umask allows (as ``>`` would).
    - A symbolic link: written through; its target is treated as above and the link stays.
    - A FIFO or a character device (``/dev/null``, a terminal): written to in place, never
      replaced.
    - A folder or a block device (a disk): refused.

    Args:
        path: Where to write (``-o PATH``).

    Yields:
        The open text stream (UTF-8, ``newline=""``).

    Raises:
        InputError: If PATH is a folder or a block device, or its folder does not exist or
            cannot be written (exit 2: the path is the problem).
        OutputError: If writing fails on the way (a full disk), exit 3; nothing is left at PATH
            but what was there (a regular file), or part of the export (a FIFO or device).
    """
    target = Path(os.path.realpath(path))
    try:
        found: os.stat_result | None = target.stat()
    except FileNotFoundError:
        found = None
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None
    if found is not None and stat.S_ISDIR(found.st_mode):
        raise InputError(f"cannot write {path}: it is a folder. Give a file name.")
    if found is not None and stat.S_ISBLK(found.st_mode):
        raise InputError(
            f"cannot write {path}: it is a block device (a disk); mathdrill does not write "
            "exports onto devices that hold file systems. Give a file name."
        )
    if found is not None and not stat.S_ISREG(found.st_mode):
        with (
            _written(path, "the export there is incomplete"),
            open(target, "w", encoding="utf-8", newline="", buffering=1 << 20) as stream,
        ):
            yield stream
        return
    mode = stat.S_IMODE(found.st_mode) if found is not None else 0o666 & ~_umask()
    # The temporary file is named before it exists and made inside the guarded block, so a stop
    # (SIGTERM, SIGHUP, Ctrl-C) arriving the moment it appears still finds it to delete.
    temp = target.parent / f".{target.name}.{secrets.token_hex(8)}.part"
    try:
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except OSError as exc:
            raise InputError(
                f"cannot write {path}: {exc.strerror or exc}. Check that the folder exists and "
                "is writable."
            ) from exc
        with _written(path, "nothing was written there"):
            os.fchmod(fd, mode)
            with open(fd, "w", encoding="utf-8", newline="", buffering=1 << 20) as stream:
                yield stream
            os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


@contextlib.contextmanager
def _written(path: Path, outcome: str) -> Iterator[None]:
    """Turn a failed write (a full disk, a lost device) into an OutputError naming ``path``."""
    try:
        yield
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}; {outcome}.") from None


# -- import: reading and validating -------------------------------------------------------------


def _unreadable(exc: BaseException) -> str:
    """Say in words why the JSON decoder gave up on a value that is not a syntax error."""
    if isinstance(exc, RecursionError):
        return "lists or objects nested too deeply"
    if "digits" in str(exc):
        return f"a number with more than {sys.get_int_max_str_digits()} digits"
    return str(exc)


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
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        # An offset that moves the time past year 1 or year 9999 (record checks the range).
        raise ValueError(f"{name!r} lies outside the calendar in UTC: {_show(value)}") from None


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


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


def _parse(record_type: type[Card | Review | Flag], record: Any, label: str) -> Any:
    specs = exported(record_type)
    raw = _keys(record, tuple(spec.name for spec in specs), label)
    values = {}
    for spec in specs:
        value = raw[spec.name]
        if spec.metadata["check"] == "time":
            value = _timestamp(value, spec.name, optional=spec.metadata["null"])
        values[spec.name] = check_field(spec, value, _show)
    return record_type(**values)


def parse_card(record: Any) -> Card:
    """Validate one card record of an import file and convert it.

    Args:
        record: The decoded JSON value (``type`` already removed for JSON lines).

    Returns:
        The card (``id`` 0: the database it is merged into assigns it).

    Raises:
        ValueError: Naming the field and what is wrong with it.
    """
    return _parse(Card, record, "card")


def parse_review(record: Any) -> Review:
    """Validate one review record of an import file and convert it.

    Args:
        record: The decoded JSON value (``type`` already removed for JSON lines).

    Returns:
        The review (``card_id`` 0: the database it is merged into assigns it).

    Raises:
        ValueError: Naming the field and what is wrong with it.
    """
    return _parse(Review, record, "review")


def parse_flag(record: Any) -> Flag:
    """Validate one flag record of an import file and convert it.

    Args:
        record: The decoded JSON value (``type`` already removed for JSON lines).

    Returns:
        The flag (``card_id`` 0: the database it is merged into assigns it).

    Raises:
        ValueError: Naming the field and what is wrong with it.
    """
    return _parse(Flag, record, "flag")


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

    section: str  # meta, card, review, flag, end/counts
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
            except (RecursionError, ValueError) as exc:
                # Not a syntax error: too deep, or a number too long to convert.
                raise _Refused(
                    self.where(), f"invalid JSON in {what}: {_unreadable(exc)}"
                ) from None
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
        elif key in ("cards", "reviews", "flags"):
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
                "meta, cards, reviews, flags and counts)",
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
        except (RecursionError, ValueError) as exc:
            raise _Refused(where, f"invalid JSON: {_unreadable(exc)}") from None
        if not isinstance(value, dict) or not isinstance(value.get("type"), str):
            raise _Refused(where, 'each line must be a JSON object with a "type" field')
        section = value.pop("type")
        if section not in ("meta", "card", "review", "flag", "end"):
            raise _Refused(where, f"unknown record type {section!r}")
        yield _Item("counts" if section == "end" else section, value, where)


def _sniff(path: Path) -> str:
    """Return ``jsonl`` when the first line is a complete JSON object with a ``type``."""
    with open(path, encoding="utf-8", errors="replace") as stream:
        return _sniff_line(stream.readline(MAX_RECORD_CHARS))


def _sniff_line(first: str) -> str:
    """Return ``jsonl`` when ``first`` is a complete JSON object with a ``type``, else ``json``."""
    try:
        value = json.loads(first)
    except (RecursionError, ValueError):
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
        flags: Flag records.
    """

    path: Path
    fmt: str
    cards: int
    reviews: int
    exported_at: str | None
    name: str = ""
    flags: int = 0


def _records(
    source: Path | IO[str],
    fmt: str,
    on_read: Callable[[int], None] | None,
    shown: str | None = None,
) -> Iterator[Card | Review | Flag | dict[str, Any]]:
    """Yield the file's validated meta (a dict), cards, reviews and flags; else raise InputError.

    Everything is checked: structure, the meta's marker and version, every field, unique cards,
    that every review and flag names a card of the file, and the closing counts (format 1,
    before flags existed, has none and counts none). ``source`` is a path or
    an open text stream (standard input, checked as it is read). Messages name it ``shown``
    (default: its path).
    """
    name = source.name if isinstance(source, Path) else "-"
    label = shown or str(source)
    read = _read_jsonl if fmt == "jsonl" else _read_json
    seen_meta = False
    counts: Any = None
    card_keys: set[tuple[str, str]] = set()
    wanted: dict[tuple[str, str], tuple[str, str]] = {}  # card → (where, "review" or "flag")
    n_cards = n_reviews = n_flags = 0
    version = FORMAT_VERSION
    try:
        with (
            open(source, encoding="utf-8", newline="")
            if isinstance(source, Path)
            else contextlib.nullcontext(source)
        ) as stream:
            for item in read(stream, name, on_read):
                if counts is not None:
                    raise _Refused(item.where, "a record after the closing counts")
                if item.section == "meta":
                    if seen_meta:
                        raise _Refused(item.where, "a second meta record")
                    if fmt == "jsonl" and (n_cards or n_reviews or n_flags):
                        raise _Refused(item.where, "the meta record must be the first line")
                    seen_meta = True
                    try:
                        meta = check_meta(item.value)
                    except ValueError as exc:
                        raise _Refused(item.where, str(exc)) from None
                    version = meta["version"]
                    yield meta
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
                    elif item.section == "flag":
                        if version < 2:
                            raise ValueError(
                                f"a flag in a format-{version} file (flags came with format 2)"
                            )
                        flag = parse_flag(item.value)
                        key = (flag.deck, flag.template)
                        if key not in card_keys:
                            wanted.setdefault(key, (item.where, "flag"))
                        n_flags += 1
                        yield flag
                    else:
                        review = parse_review(item.value)
                        key = (review.deck, review.template)
                        if key not in card_keys:
                            wanted.setdefault(key, (item.where, "review"))
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
    except _SpoolFull as exc:
        raise InputError(
            f"{label}: more than {exc.limit} bytes came in, more than `import -` keeps in a "
            "temporary file (the import reads its file twice). Save it to a file and import "
            "that: mathdrill import FILE. Nothing was imported; the database is unchanged."
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
    else:
        found = {"cards": n_cards, "reviews": n_reviews} | (
            {"flags": n_flags} if version >= 2 else {}
        )
        shape = ", ".join(f"'{name}': N" for name in found)
        if not isinstance(counts, dict) or set(counts) != set(found):
            problems.append(f"its counts must be {{{shape}}}, got {_show(counts)}")
        elif counts != found:
            said = ", ".join(f"{_show(counts.get(name))} {name}" for name in found)
            held = ", ".join(str(n) for n in found.values())
            problems.append(
                f"it says it holds {said} but has {held}: records are missing or were added"
            )
    for (deck, template), (where, what) in wanted.items():
        if (deck, template) not in card_keys:
            problems.append(
                f"{where}: the {what} names the card {deck}/{template}, not in the file"
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
        settings: Zone and rollover hour, to fold each touched card's log (a card whose log
            does not explain its merged row gets an ``adopt`` event); UTC and 04:00 by default.

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
    cards = reviews = flags = 0
    exported_at: str | None = None
    for record in _records(path, fmt, on_read, label):
        if isinstance(record, dict):
            value = record.get("exported_at")
            exported_at = value if isinstance(value, str) else None
        elif isinstance(record, Review):
            reviews += 1
        elif isinstance(record, Flag):
            flags += 1
        else:
            cards += 1
    return ImportPlan(
        path=path,
        fmt=fmt,
        cards=cards,
        reviews=reviews,
        exported_at=exported_at,
        name=label,
        flags=flags,
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
    settings: SchedulingSettings | None = None,
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
        shown: How messages name the file (default: its path).
        settings: Zone and rollover hour, to fold each touched card's log (a card whose log
            does not explain its merged row gets an ``adopt`` event); UTC and 04:00 by default.

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
        merged = store.merge_import(db, records, now=now, fold=_fold(settings))
    return ImportResult(plan=plan, merge=merged)


def _fold(settings: SchedulingSettings | None) -> Callable[[Any], Any]:
    """The fold of a card's log that an import settles its cards with."""
    from mathdrill.usecases.rebuild import rebuild_fold

    return rebuild_fold(settings or SchedulingSettings())


#: The most standard input ``import -`` copies to its temporary file, in bytes: an ``export
#: all`` of 200,000 reviews is about 100 MB; an endless or foreign stream stops here.
MAX_SPOOL_BYTES = 1 << 30


class _SpoolFull(Exception):
    """Standard input went past the spool's limit (turned into InputError by the caller)."""

    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


class _Tee(io.RawIOBase):
    """Reads a byte stream and copies what it read to a file, up to ``limit`` bytes."""

    def __init__(self, source: IO[bytes], copy: IO[bytes], limit: int) -> None:
        super().__init__()
        self._source, self._copy, self._limit, self._total = source, copy, limit, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        # read1: what the pipe has now, without waiting for a whole buffer.
        read = getattr(self._source, "read1", self._source.read)
        chunk = read(len(buffer))
        self._total += len(chunk)
        if self._total > self._limit:
            raise _SpoolFull(self._limit)
        self._copy.write(chunk)
        buffer[: len(chunk)] = chunk
        return len(chunk)


class _Replay:
    """A text stream whose first line was already read (to tell JSON from JSON lines)."""

    def __init__(self, first: str, rest: IO[str]) -> None:
        self._head, self._rest = first, rest

    def read(self, size: int = -1) -> str:
        if not self._head:
            return self._rest.read(size)
        if size < 0:
            head, self._head = self._head, ""
            return head + self._rest.read()
        head, self._head = self._head[:size], self._head[size:]
        return head

    def readline(self, size: int = -1) -> str:
        if not self._head:
            return self._rest.readline(size)
        head, self._head = self._head, ""
        return head


def import_stream(
    open_db: Callable[[], contextlib.AbstractContextManager[Database]],
    stream: IO[bytes],
    *,
    now: datetime,
    on_read: Callable[[str, int], None] | None = None,
    limit: int = MAX_SPOOL_BYTES,
    settings: SchedulingSettings | None = None,
) -> ImportResult:
    """Import an ``export all`` read from a byte stream (``import -``, standard input).

    The stream is checked as it is read, so the first problem stops the import at once (not
    after copying all of it); what was read is copied to a temporary file for the merge's
    second pass, at most ``limit`` bytes, and deleted afterwards. Otherwise as
    :func:`import_file`.

    Args:
        open_db: Opens the learner's database (a context manager).
        stream: The bytes (standard input).
        now: The time stamped on the backup's name (aware).
        on_read: Called with ``("checking" | "importing", characters read)``.
        limit: The most bytes copied; beyond it the import is refused.
        settings: As for :func:`import_file`.

    Returns:
        What the stream held and what was added.

    Raises:
        InputError: If the stream is refused, too long, or cannot be copied.
        StorageError: If the database cannot be opened, backed up or written.
    """
    from mathdrill.storage import bulk as store

    label = "standard input"
    check = None if on_read is None else (lambda n: on_read("checking", n))
    with tempfile.TemporaryDirectory(prefix="mathdrill-import-") as folder:
        path = Path(folder) / "stdin"
        try:
            with path.open("wb") as copy:
                text = io.TextIOWrapper(
                    io.BufferedReader(_Tee(stream, copy, limit), _READ_CHUNK),
                    encoding="utf-8",
                    newline="",
                )
                try:
                    first = text.readline(MAX_RECORD_CHARS + 1)
                except UnicodeDecodeError as exc:
                    raise InputError(
                        f"{label}: not a mathdrill export (not UTF-8 text: byte {exc.start} cannot "
                        "be read). Nothing was imported; the database is unchanged."
                    ) from None
                except _SpoolFull as exc:
                    raise InputError(f"{label}: more than {exc.limit} bytes in one line") from None
                fmt = _sniff_line(first)
                cards = reviews = flags = 0
                exported_at: str | None = None
                replay: Any = _Replay(first, text)
                for record in _records(replay, fmt, check, label):
                    if isinstance(record, dict):
                        value = record.get("exported_at")
                        exported_at = value if isinstance(value, str) else None
                    elif isinstance(record, Review):
                        reviews += 1
                    elif isinstance(record, Flag):
                        flags += 1
                    else:
                        cards += 1
        except OSError as exc:
            raise InputError(
                f"cannot copy standard input to a temporary file: {exc.strerror or exc}"
            ) from None
        plan = ImportPlan(
            path=path,
            fmt=fmt,
            cards=cards,
            reviews=reviews,
            exported_at=exported_at,
            name=label,
            flags=flags,
        )
        apply = None if on_read is None else (lambda n: on_read("importing", n))
        records = (r for r in _records(path, fmt, apply, label) if not isinstance(r, dict))
        with open_db() as db:
            merged = store.merge_import(db, records, now=now, fold=_fold(settings))
    return ImportResult(plan=plan, merge=merged)
