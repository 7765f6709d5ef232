"""The CSV fast path of ``export reviews``: SQLite formats the lines, two processes share the log.

Each review's CSV line is built by one ``printf()`` inside SQLite (see
:data:`mathdrill.storage.bulk.CSV_LINE_SQL`); Python only joins the ready lines of a batch
and writes them. That leaves the export CPU-bound in SQLite (~7 µs per review on the
development machine), so a large export is split at a review time into consecutive parts: this
process formats the first part straight into the output while a worker *process* per later part
(threads would share one GIL) formats its part into a temporary file, which is appended once the
parts before it are written. Memory stays at a batch per process; the temporary files hold the
later parts of the export (about half of it with two parts) until they are copied out.

Rows are read as UTF-8 bytes (``text_factory = bytes``) and written to a binary sink: decoding
and re-encoding every line would cost more than formatting it. Every part runs the same
:func:`write_part`, here or in the worker, so the output does not depend on how it was split.

This file is also the worker's program: it is run as a script (``python -I -S csv_worker.py``),
so it imports only the standard library (starting it costs ~30 ms, not an import of
SQLAlchemy). The parent sends one JSON object on the worker's standard input (``database``,
``busy_timeout_ms``, ``sql``, ``params``); the worker writes the CSV text to its standard output
(the temporary file) and reports on standard error, one line each: ``rows N`` (running count,
every few batches), ``done N`` at the end, or ``error MESSAGE``.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

#: Rows fetched from SQLite per batch (one ``join`` and one write each).
BATCH = 2000

#: The worker reports its running count every this many rows (for progress bars).
REPORT_EVERY = 20_000

#: Page cache of a formatting connection, in KiB (SQLite's default is 2 MiB). The join looks a
#: card up for every review; with the default cache the cards' pages keep being evicted by the
#: stream of review pages and read again (~2 µs of system time per review at 100k cards).
#: 16 MiB holds them, and is still a fixed amount however long the log is.
CACHE_KIB = 16_384


@dataclass(frozen=True)
class Part:
    """One consecutive range of the export: a query returning one ready CSV line per row.

    Attributes:
        sql: The SELECT (SQLite dialect, ``?`` placeholders).
        params: Its parameters (text and integers only: they cross to the worker as JSON).
    """

    sql: str
    params: tuple[Any, ...]


def connect(database: Path, busy_timeout_ms: int) -> sqlite3.Connection:
    """Open a read-only formatting connection that returns text as UTF-8 bytes.

    Args:
        database: The SQLite file.
        busy_timeout_ms: How long to wait on a lock (a reader only waits during WAL recovery).

    Returns:
        The connection.

    Raises:
        sqlite3.Error: If the file cannot be opened.
    """
    uri = Path(database).resolve().as_uri() + "?mode=ro"
    conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
    conn.text_factory = bytes
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    conn.execute(f"PRAGMA cache_size = -{int(CACHE_KIB)}")
    return conn


def write_part(
    conn: sqlite3.Connection,
    part: Part,
    out: IO[bytes],
    counted: Callable[[int], None] | None = None,
) -> int:
    """Run one part's query and write its lines to ``out``, a batch at a time.

    Args:
        conn: A connection from :func:`connect`.
        part: The query.
        out: A binary sink.
        counted: Called with the number of rows of each batch written.

    Returns:
        The number of rows (reviews) written.

    Raises:
        sqlite3.Error: If the database cannot be read.
    """
    n = 0
    cursor = conn.execute(part.sql, part.params)
    try:
        while rows := cursor.fetchmany(BATCH):
            out.write(b"".join([row[0] for row in rows]))
            n += len(rows)
            if counted is not None:
                counted(len(rows))
    finally:
        cursor.close()
    return n


def write_parts(
    database: Path,
    busy_timeout_ms: int,
    parts: Sequence[Part],
    out: IO[bytes],
    counted: Callable[[int], None] | None = None,
) -> int:
    """Write every part in order: the first here, each later one formatted by a worker meanwhile.

    Args:
        database: The SQLite file.
        busy_timeout_ms: Lock wait for every connection.
        parts: The consecutive parts, in output order.
        out: A binary sink (flushed before the later parts are appended).
        counted: Called (from several threads) with row counts as rows are formatted.

    Returns:
        The number of rows written.

    Raises:
        sqlite3.Error: If this process cannot read the database.
        WorkerError: If a worker failed (its message says why).
    """
    workers: list[_Worker | Part] = []
    try:
        for part in parts[1:]:
            try:
                workers.append(_Worker(database, busy_timeout_ms, part, counted))
            except OSError:
                # No process could be started (a sandbox, no interpreter path): this process
                # formats that part itself, after the ones before it. Slower, same text.
                workers.append(part)
        conn = connect(database, busy_timeout_ms)
        try:
            n = write_part(conn, parts[0], out, counted)
            for worker in workers:
                if isinstance(worker, Part):
                    n += write_part(conn, worker, out, counted)
                else:
                    n += worker.finish()
                    worker.copy_to(out)
        finally:
            conn.close()
        return n
    finally:
        for worker in workers:
            if not isinstance(worker, Part):
                worker.close()


def append_file(source: IO[bytes], out: Any) -> None:
    """Copy all of ``source`` to the end of what was written to ``out``.

    Copied by the kernel (``os.sendfile``) when ``out`` is a file or pipe: half an export is a
    few hundred megabytes, which Python's read/write loop takes ~3x longer to move. Otherwise
    (no descriptor, no ``sendfile``) it is copied in 1 MiB blocks.

    Args:
        source: A file with a descriptor, read from its start.
        out: A binary sink; flushed first, so the copy lands after what it holds.

    Raises:
        OSError: If reading or writing fails.
    """
    out.flush()
    source.seek(0)
    size = os.fstat(source.fileno()).st_size
    try:
        target = out.fileno()
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is both
        target = None
    sendfile = getattr(os, "sendfile", None)
    offset = 0
    if target is not None and sendfile is not None:
        try:
            while offset < size:
                sent = sendfile(target, source.fileno(), offset, size - offset)
                if sent == 0:
                    break
                offset += sent
        except OSError as exc:
            # Refused before anything moved (a descriptor sendfile cannot write to): copy below.
            if offset or exc.errno not in (errno.EINVAL, errno.ENOSYS, errno.EBADF):
                raise
    source.seek(offset)
    shutil.copyfileobj(source, out, 1 << 20)
    out.flush()


class WorkerError(Exception):
    """A worker process could not format its part (the message is the worker's own)."""


class _Worker:
    """One worker process formatting a part into its own temporary file."""

    def __init__(
        self,
        database: Path,
        busy_timeout_ms: int,
        part: Part,
        counted: Callable[[int], None] | None,
    ) -> None:
        self._spool = tempfile.TemporaryFile("w+b")  # noqa: SIM115 — closed by close()
        self._counted = counted
        self._reported = 0
        self._done: int | None = None
        self._errors: list[str] = []
        spec = {
            "database": str(database),
            "busy_timeout_ms": busy_timeout_ms,
            "sql": part.sql,
            "params": list(part.params),
        }
        # -I: no environment variables, user site or script folder on the path (this file
        # sits in the package, next to modules the worker must not import); -S: no site
        # packages either — the worker needs the standard library only.
        try:
            if not sys.executable:
                raise FileNotFoundError("no interpreter path to start a worker with")
            # Our own interpreter running our own script (no shell, no user input in argv).
            self._process = subprocess.Popen(
                [sys.executable, "-I", "-S", __file__],
                stdin=subprocess.PIPE,
                stdout=self._spool,
                stderr=subprocess.PIPE,
            )
        except BaseException:
            self._spool.close()
            raise
        assert self._process.stdin is not None
        try:
            self._process.stdin.write(json.dumps(spec).encode("utf-8"))
            self._process.stdin.close()
        except OSError:
            pass  # the worker died at once: finish() reports why
        self._reader = threading.Thread(target=self._read_reports, daemon=True)
        self._reader.start()

    def _read_reports(self) -> None:
        assert self._process.stderr is not None
        for raw in self._process.stderr:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            word, _, rest = line.partition(" ")
            if word in ("rows", "done") and rest.isdigit():
                total = int(rest)
                if self._counted is not None and total > self._reported:
                    self._counted(total - self._reported)
                self._reported = max(self._reported, total)
                if word == "done":
                    self._done = total
            else:
                self._errors.append(line.removeprefix("error "))

    def finish(self) -> int:
        """Wait for the worker; return its row count.

        Raises:
            WorkerError: If it failed.
        """
        code = self._process.wait()
        self._reader.join()
        if code != 0 or self._done is None:
            detail = " ".join(e for e in self._errors if e).strip()
            raise WorkerError(detail or f"the export worker stopped with status {code}")
        return self._done

    def copy_to(self, out: IO[bytes]) -> None:
        """Append the worker's text to ``out`` (through ``out.append_file`` when it has one)."""
        append = getattr(out, "append_file", None)
        if append is not None:
            append(self._spool)
        else:
            append_file(self._spool, out)

    def close(self) -> None:
        """Stop the worker if it still runs, and delete its file."""
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        self._reader.join()
        with contextlib.suppress(OSError):
            self._process.stderr.close()  # type: ignore[union-attr]
        self._spool.close()


def main() -> int:
    """Run as the worker: read the spec from stdin, write the part to stdout, report on stderr.

    Returns:
        The exit status (0 on success, 1 with an ``error`` line otherwise).
    """
    out = os.fdopen(sys.stdout.fileno(), "wb", buffering=1 << 20, closefd=False)
    try:
        spec = json.loads(sys.stdin.read())
        conn = connect(Path(spec["database"]), int(spec["busy_timeout_ms"]))
        part = Part(spec["sql"], tuple(spec["params"]))
        since_report = 0
        total = 0

        def counted(n: int) -> None:
            nonlocal since_report, total
            total += n
            since_report += n
            if since_report >= REPORT_EVERY:
                since_report = 0
                sys.stderr.write(f"rows {total}\n")
                sys.stderr.flush()

        n = write_part(conn, part, out, counted)
        out.flush()
        conn.close()
    except (sqlite3.Error, OSError, ValueError, KeyError) as exc:
        sys.stderr.write(f"error {exc}\n")
        return 1
    sys.stderr.write(f"done {n}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
