"""Engine setup and the translation of database failures into :class:`StorageError`.

Everything backend-specific about connections lives here (and in the backup branches of
:mod:`mathdrill.storage.migrations`); the rest of the storage package speaks portable SQLAlchemy
Core, with a few ``is_sqlite`` branches where SQLite's stored text is read directly for speed.
The two backends are SQLite (the default) and PostgreSQL through psycopg 3
(``postgresql+psycopg://``, the ``mathdrill[postgres]`` extra).

SQLite settings, per connection (see ``docs/data.md``, "Concurrency and durability"):

- ``busy_timeout``: a writer waits up to this long for another writer instead of failing with
  "database is locked".
- ``foreign_keys=ON``: reviews cannot point at missing cards.
- ``synchronous=NORMAL`` (default): in WAL mode a commit is in the WAL file, i.e. in the operating
  system's hands, when it returns, so a confirmed review survives ``kill -9`` and any crash of
  mathdrill itself; only a power cut or OS crash within a moment of the commit can lose it.
  ``fsync_each_commit=True`` selects ``FULL`` (an fsync per commit, surviving power loss too) at
  a cost measured in ``bench/README.md`` ("Storage").
- Write transactions start with ``BEGIN IMMEDIATE``: a deferred transaction that reads first and
  writes later can hit ``SQLITE_BUSY`` on its upgrade *without* the busy handler being called
  (its snapshot is stale), which is the classic source of "database is locked" under WAL.
  Taking the write lock at ``BEGIN`` makes the busy timeout apply.
- WAL journal mode is persistent in the file; it is switched on once, when mathdrill creates or
  first opens its own database (never on a file that is not a mathdrill database).

PostgreSQL settings (see ``docs/data.md``, "PostgreSQL"):

- A write transaction takes one transaction-scoped advisory lock first
  (``pg_advisory_xact_lock``), the counterpart of ``BEGIN IMMEDIATE``: mathdrill's writers to one
  database run one after another, so a review's "before" values read inside the transaction are
  still true when it commits. ``lock_timeout`` is the busy timeout.
- A snapshot (an export) is a ``REPEATABLE READ`` transaction: all its reads see one moment.
- ``connect_timeout`` bounds the wait for a server that does not answer; the pool tests a
  connection before use (``pool_pre_ping``), so a restarted server is simply reconnected to.
"""

from __future__ import annotations

import contextlib
import errno
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from mathdrill.errors import DriverMissingError, StorageError

#: Default time a writer waits for another writer, in seconds. The longest realistic writer is
#: an import of 200,000 reviews, whose merge held the lock 8.5 s on the 2-core machine under load
#: (docs/data.md, "Export and import"): a drill answering meanwhile waits rather than fails.
DEFAULT_BUSY_TIMEOUT = 30.0

#: Execution option that marks a connection as a writer (``BEGIN IMMEDIATE`` on SQLite).
WRITE_OPTION = "mathdrill_write"

#: Seconds to wait for a PostgreSQL server to accept a connection.
CONNECT_TIMEOUT = 10

#: The key of PostgreSQL's advisory lock that serializes mathdrill's writers (the bytes "mdrl").
WRITE_LOCK_KEY = 0x6D64726C

#: What to install for PostgreSQL, named in the message when the driver is missing.
POSTGRES_EXTRA = "pip install 'mathdrill[postgres]'"

#: URL schemes that mean PostgreSQL through psycopg 3 (the driver of the postgres extra).
_POSTGRES_SCHEMES = ("postgresql", "postgres")


@dataclass(frozen=True)
class Target:
    """A parsed database location.

    Attributes:
        url: The SQLAlchemy URL.
        file: The SQLite file path, or None (in-memory SQLite or a server database).
        shown: How to name the database in messages (the file path, or the URL without password).
    """

    url: URL
    file: Path | None
    shown: str

    @property
    def is_sqlite(self) -> bool:
        """Return True for an SQLite database (file or memory)."""
        return self.url.get_backend_name() == "sqlite"

    @property
    def is_postgresql(self) -> bool:
        """Return True for a PostgreSQL database."""
        return self.url.get_backend_name() == "postgresql"


def parse_target(url_or_path: str) -> Target:
    """Parse a URL (or a bare file path) into a :class:`Target`.

    Args:
        url_or_path: An SQLAlchemy URL, or a file path meaning an SQLite file.

    Returns:
        The parsed target.

    Raises:
        StorageError: If the text is not a usable URL.
    """
    text = url_or_path.strip()
    if not text:
        raise StorageError("No database given: pass --db PATH or set MATHDRILL_DB.")
    try:
        url = make_url(text) if "://" in text else URL.create("sqlite", database=text)
    except ArgumentError as exc:
        raise StorageError(
            f"Cannot understand the database location {text!r}: {exc}. "
            "Give a file path or an SQLAlchemy URL such as sqlite:///path/to/mathdrill.db."
        ) from exc
    if url.drivername in _POSTGRES_SCHEMES:
        # A plain postgresql:// URL would mean psycopg2 to SQLAlchemy; mathdrill's is psycopg 3.
        url = url.set(drivername="postgresql+psycopg")
    if url.get_backend_name() != "sqlite":
        return Target(url=url, file=None, shown=url.render_as_string(hide_password=True))
    database = url.database or ""
    if database in ("", ":memory:") or (
        database.startswith("file:") and "mode=memory" in str(url.query)
    ):
        return Target(url=url, file=None, shown=":memory:")
    if database.startswith("file:"):
        # URI filenames (``?uri=true``): ``file:/path`` with the options in the query.
        database = database.removeprefix("file:").split("?", 1)[0]
        database = database.removeprefix("//localhost").removeprefix("//")
    return Target(url=url, file=Path(database), shown=database)


def _sqlite_connect_listener(busy_timeout_ms: int, synchronous: str) -> Any:
    def on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        # We issue BEGIN ourselves (see _on_begin); the driver must not start transactions.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            # busy_timeout first, so the following statements already wait instead of failing.
            cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute(f"PRAGMA synchronous = {synchronous}")
        finally:
            cursor.close()

    return on_connect


def _on_begin(connection: Any) -> None:
    if connection.get_execution_options().get(WRITE_OPTION):
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        connection.exec_driver_sql("BEGIN")


def _postgres_connect_listener(busy_timeout_ms: int) -> Any:
    def on_connect(dbapi_connection: Any, _record: object) -> None:
        # The driver is in a transaction after any statement; end it so the session setting
        # stays and the pool gets an idle connection.
        with dbapi_connection.cursor() as cursor:
            cursor.execute(f"SET lock_timeout = {int(busy_timeout_ms)}")
        dbapi_connection.commit()

    return on_connect


def _on_postgres_begin(connection: Any) -> None:
    # psycopg opens the transaction itself with the first statement; a writer's first statement
    # takes mathdrill's write lock, held until commit or rollback.
    if connection.get_execution_options().get(WRITE_OPTION):
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})")


def snapshot_options(target: Target) -> dict[str, Any]:
    """Return the execution options of a read transaction whose reads must agree (an export).

    SQLite's read transaction is a snapshot already; PostgreSQL's default (``READ COMMITTED``)
    gives each statement its own, so there it is ``REPEATABLE READ``.
    """
    return {} if target.is_sqlite else {"isolation_level": "REPEATABLE READ"}


def _make_server_engine(target: Target, busy_timeout: float) -> Engine:
    """Create the engine of a server database (PostgreSQL, or another SQLAlchemy URL)."""
    connect_args: dict[str, Any] = {}
    if target.is_postgresql and "connect_timeout" not in target.url.query:
        connect_args["connect_timeout"] = CONNECT_TIMEOUT
    try:
        engine = create_engine(target.url, pool_pre_ping=True, connect_args=connect_args)
    except ModuleNotFoundError as exc:
        if target.is_postgresql:
            raise DriverMissingError(
                f"The database {target.shown} is on a PostgreSQL server, and the PostgreSQL "
                f"driver (psycopg 3) is not installed: run {POSTGRES_EXTRA}."
            ) from exc
        raise
    if target.is_postgresql:
        event.listen(engine, "connect", _postgres_connect_listener(round(busy_timeout * 1000)))
        event.listen(engine, "begin", _on_postgres_begin)
    return engine


def make_engine(
    target: Target, busy_timeout: float = DEFAULT_BUSY_TIMEOUT, *, fsync_each_commit: bool = False
) -> Engine:
    """Create the engine for a target, with mathdrill's SQLite settings when it is SQLite.

    Args:
        target: Where the database is.
        busy_timeout: Seconds a writer waits for another writer before giving up.
        fsync_each_commit: SQLite ``synchronous=FULL`` (commits survive power loss) when True;
            ``NORMAL`` (commits survive a killed process, not a power cut) when False.

    Returns:
        A configured engine (no connection is opened yet).

    Raises:
        StorageError: If the URL names a driver that is not installed or is malformed.
    """
    try:
        if not target.is_sqlite:
            return _make_server_engine(target, busy_timeout)
        # The default pool keeps the connection open between operations: reopening per call
        # would make SQLite checkpoint the WAL every time the last connection closes (keeps
        # record_review within its 5 ms).
        engine = create_engine(target.url)
    except (ArgumentError, ImportError) as exc:
        raise StorageError(
            f"Cannot use the database {target.shown}: {exc}. "
            "Check the URL, and install the database driver it names."
        ) from exc
    event.listen(
        engine,
        "connect",
        _sqlite_connect_listener(
            round(busy_timeout * 1000), "FULL" if fsync_each_commit else "NORMAL"
        ),
    )
    event.listen(engine, "begin", _on_begin)
    return engine


#: Words of a driver's message meaning the server cannot be reached or went away.
_UNREACHABLE = (
    "connection failed",
    "connection refused",
    "could not connect",
    "server closed the connection",
    "connection is closed",
    "connection to server",
    "terminating connection",
    "could not translate host name",
    "timeout expired",
    "no route to host",
    "network is unreachable",
    "connection reset",
    "connection timed out",
    "ssl syscall error",
    "consuming input failed",
    "sending query failed",
    "the database system is shutting down",
    "the database system is starting up",
)


def is_unreachable(exc: BaseException) -> bool:
    """Tell whether a failure means the database server cannot be reached (worth a retry)."""
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).lower()
    if getattr(exc, "connection_invalidated", False):
        return True
    return any(words in text for words in _UNREACHABLE)


def _server_message(target: Target, action: str, detail: str) -> str | None:
    """The message of a failure particular to a database server, or None."""
    where = target.shown
    lowered = detail.lower()
    if "authentication failed" in lowered or "no password supplied" in lowered:
        return (
            f"The PostgreSQL server refused the login for {where} ({detail}). Check the user and "
            f"password in --db/MATHDRILL_DB (or ~/.pgpass)."
        )
    if "does not exist" in lowered and "database" in lowered:
        return (
            f"There is no database {target.url.database!r} on the server of {where}. Create it "
            f"(createdb {target.url.database}) or check --db/MATHDRILL_DB."
        )
    if "lock timeout" in lowered:
        return (
            f"The database {where} is busy: another mathdrill kept its write lock for too long "
            f"while {action}. Try again in a moment."
        )
    if any(words in lowered for words in _UNREACHABLE):
        return (
            f"Cannot reach the database server of {where} while {action}: {detail}. Check that "
            f"the server is running and reachable from here (network, host, port), then try "
            f"again."
        )
    return None


def _message(target: Target, action: str, detail: str) -> str:
    where = target.shown
    lowered = detail.lower()
    if not target.is_sqlite:
        special = _server_message(target, action, detail)
        if special is not None:
            return special
    if "locked" in lowered or "busy" in lowered:
        return (
            f"The database {where} is busy: another mathdrill process kept it locked for too "
            f"long while {action}. Finish or close the other session and try again."
        )
    if "not a database" in lowered or "malformed" in lowered or "encrypted" in lowered:
        return (
            f"{where} is not a readable mathdrill database (it is damaged or another kind of "
            f"file); it was left untouched. Move it aside, or point --db/MATHDRILL_DB at "
            f"another file."
        )
    if "readonly" in lowered or "read-only" in lowered or "read only" in lowered:
        return (
            f"Cannot write to the database {where}: it is read-only (while {action}). Check the "
            f"permissions of the file and its folder, or point --db/MATHDRILL_DB elsewhere."
        )
    if "disk is full" in lowered or "no space" in lowered or "too large" in lowered:
        return (
            f"The disk holding {where} is full (while {action}); nothing half-written was kept. "
            f"Free some space and try again."
        )
    if "unable to open" in lowered:
        return (
            f"Cannot open the database {where}: the file or its folder cannot be created or "
            f"read. Check that the folder exists and is writable, or point --db/MATHDRILL_DB "
            f"elsewhere."
        )
    if "disk i/o" in lowered:
        return (
            f"The system could not read or write {where} while {action} ({detail}): the disk "
            f"may be full, too small for the file, or failing. Nothing half-written was kept; "
            f"free some space or check the disk, then try again."
        )
    return f"Database error on {where} while {action}: {detail}"


def translate(target: Target, action: str, exc: BaseException) -> StorageError:
    """Turn a driver, SQLAlchemy or OS error into a :class:`StorageError` a user can act on.

    Args:
        target: The database concerned.
        action: What was being done, as a gerund phrase ("recording a review").
        exc: The original exception.

    Returns:
        The error to raise (chain it with ``from exc``).
    """
    if isinstance(exc, StorageError):
        return exc
    if isinstance(exc, OSError):
        if exc.errno == errno.ENOSPC:
            detail = "no space left on device"
        elif exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            detail = "read-only"
        else:
            detail = f"unable to open ({exc.strerror or exc})"
        return StorageError(_message(target, action, detail))
    orig = getattr(exc, "orig", None)
    detail = (
        str(orig if orig is not None else exc).splitlines()[0] if str(exc) else type(exc).__name__
    )
    return StorageError(_message(target, action, detail))


@contextlib.contextmanager
def storage_errors(target: Target, action: str) -> Iterator[None]:
    """Translate any database or OS failure inside the block into :class:`StorageError`.

    Args:
        target: The database concerned.
        action: What is being done, for the message.

    Yields:
        Nothing.

    Raises:
        StorageError: For any SQLAlchemy, sqlite3 or OS error raised in the block.
    """
    try:
        yield
    except StorageError:
        raise
    except (SQLAlchemyError, sqlite3.Error, OSError) as exc:
        raise translate(target, action, exc) from exc
    except Exception as exc:
        # The PostgreSQL driver's own errors, raised where SQLAlchemy does not wrap them (while
        # a new connection is set up).
        if type(exc).__module__.split(".")[0] != "psycopg":
            raise
        raise translate(target, action, exc) from exc
