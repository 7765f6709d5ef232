"""A real PostgreSQL server for the tests: the one given, or a throwaway cluster started here.

``MATHDRILL_TEST_POSTGRES`` names a server to use (an SQLAlchemy URL of a database on it whose
user may ``CREATE DATABASE``, e.g. ``postgresql+psycopg://postgres@localhost/postgres``).
Without it, each pytest process (each xdist worker) starts its own cluster from the machine's
PostgreSQL binaries (``initdb``, ``pg_ctl``) in a temporary folder, listening on a Unix socket
only (no port to collide on), with durability switched off (a test cluster holds nothing worth
an fsync). PostgreSQL refuses to run as root, so as root the cluster runs as an unprivileged
user (``postgres`` when it exists, else ``nobody``).

Every test gets its own fresh database (``CREATE DATABASE``, dropped afterwards), so tests stay
independent and parallel-safe. When neither a URL nor the binaries are there the fixture FAILS
with a message saying what to install: these tests must run, never skip (``.ci/run`` installs
the server when it is missing).
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

#: The environment variable naming a server to test against.
SERVER_VARIABLE = "MATHDRILL_TEST_POSTGRES"

_MISSING = (
    "The PostgreSQL tests need a server: set {var} to the SQLAlchemy URL of one "
    "(postgresql+psycopg://user@host/postgres, a user who may CREATE DATABASE), or install "
    "PostgreSQL's server binaries so the tests can start a throwaway cluster (initdb and pg_ctl "
    "on PATH or in /usr/lib/postgresql/*/bin; Debian/Ubuntu: apt-get install postgresql)."
)


def find_binary(name: str) -> str | None:
    """Return the path of a PostgreSQL server program, or None when it is not installed."""
    found = shutil.which(name)
    if found:
        return found
    # Debian and Ubuntu keep the server programs off PATH.
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    return candidates[0] if candidates else None


class Cluster:
    """A throwaway PostgreSQL cluster in a temporary folder, on a Unix socket.

    Args:
        folder: An empty folder for the data directory, the socket and the log.
        crash_safe: Keep every commit through a crash of the server (``pg_ctl stop -m
            immediate``); otherwise commits are acknowledged before their WAL is written.
    """

    def __init__(self, folder: Path, *, crash_safe: bool = False) -> None:
        self.crash_safe = crash_safe
        initdb, pg_ctl = find_binary("initdb"), find_binary("pg_ctl")
        if initdb is None or pg_ctl is None:
            pytest.fail(_MISSING.format(var=SERVER_VARIABLE), pytrace=False)
        self.initdb, self.pg_ctl = initdb, pg_ctl
        self.folder = folder
        self.data = folder / "data"
        self.log = folder / "server.log"
        self._user = _unprivileged_user()
        if self._user is not None:
            os.chown(folder, self._user.pw_uid, self._user.pw_gid)
        self._run(
            self.initdb,
            "-D",
            str(self.data),
            "-U",
            "mathdrill",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        )
        self.start()

    @property
    def url(self) -> URL:
        """The URL of the cluster's ``postgres`` database (superuser ``mathdrill``)."""
        return URL.create(
            "postgresql+psycopg",
            username="mathdrill",
            database="postgres",
            query={"host": str(self.folder)},
        )

    def _as_user(self) -> dict[str, object]:
        """The subprocess arguments that run a program as the cluster's user."""
        if self._user is None:
            return {}
        return {"user": self._user.pw_uid, "group": self._user.pw_gid, "extra_groups": []}

    def _run(self, *argv: str) -> None:
        kwargs = self._as_user()
        done = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            cwd=self.folder,
            timeout=120,
            check=False,
            **kwargs,  # type: ignore[call-overload]
        )
        if done.returncode != 0:
            log = self.log.read_text(errors="replace") if self.log.exists() else ""
            pytest.fail(
                f"{Path(argv[0]).name} failed ({done.returncode}): {done.stderr}{done.stdout}"
                f"\n{log}",
                pytrace=False,
            )

    def running(self) -> bool:
        """Tell whether the server is running."""
        status = subprocess.run(
            [self.pg_ctl, "-D", str(self.data), "status"],
            capture_output=True,
            check=False,
            timeout=60,
            **self._as_user(),  # type: ignore[call-overload]
        )
        return status.returncode == 0

    def start(self) -> None:
        """Start the server (unless it runs) and wait until it accepts connections."""
        if self.running():
            return
        # fsync=off loses nothing when only the server dies (the OS keeps the pages);
        # synchronous_commit=off would lose the last commits then.
        options = (
            f"-k {self.folder} -c listen_addresses='' -c fsync=off -c full_page_writes=off "
            "-c max_connections=200"
        )
        if not self.crash_safe:
            options += " -c synchronous_commit=off"
        self._run(self.pg_ctl, "-D", str(self.data), "-l", str(self.log), "-o", options, "-w",
                  "start")  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (``immediate`` is a crash: no shutdown checkpoint)."""
        self._run(self.pg_ctl, "-D", str(self.data), "-m", mode, "-w", "stop")

    def close(self) -> None:
        """Stop the server and delete its folder."""
        try:
            self.stop("immediate")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


def _unprivileged_user() -> pwd.struct_passwd | None:
    """The user to run the server as when this process is root (None when it is not)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    pytest.fail("Running as root, and there is no unprivileged user (postgres, nobody) to run "
                "the PostgreSQL test cluster as.", pytrace=False)  # fmt: skip


def new_cluster(*, crash_safe: bool = False) -> Cluster:
    """Start a private cluster in a fresh temporary folder (the caller closes it)."""
    # Not under pytest's tmp_path: its folders are private to root, and the server runs as
    # another user. /tmp keeps the socket path short (Unix socket paths are limited to ~100).
    folder = Path(tempfile.mkdtemp(prefix="mathdrill-pg-", dir="/tmp"))
    return Cluster(folder, crash_safe=crash_safe)


class Server:
    """A PostgreSQL server on which fresh databases are made (see :meth:`database`).

    Args:
        admin_url: A URL of a database on the server whose user may create databases.
    """

    def __init__(self, admin_url: URL) -> None:
        self.admin_url = admin_url
        self._engine = create_engine(admin_url, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
        self._names = itertools.count(1)
        self._prefix = f"mdtest_{os.getpid()}_{int(time.time())}"

    def database(self) -> Iterator[str]:
        """Create a fresh empty database, yield its URL, drop it afterwards."""
        name = f"{self._prefix}_{next(self._names)}"
        with self._engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield self.admin_url.set(database=name).render_as_string(hide_password=False)
        finally:
            with self._engine.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def close(self) -> None:
        """Close the administration connection."""
        self._engine.dispose()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Server]:
    """The PostgreSQL server of this test process: the one given, or a throwaway cluster."""
    given = os.environ.get(SERVER_VARIABLE, "").strip()
    if given:
        server = Server(make_url(given))
        try:
            yield server
        finally:
            server.close()
        return
    cluster = new_cluster()
    server = Server(cluster.url)
    try:
        yield server
    finally:
        server.close()
        cluster.close()


@pytest.fixture
def pg_url(pg_server: Server) -> Iterator[str]:
    """The URL of a fresh, empty PostgreSQL database for this test."""
    yield from pg_server.database()


@pytest.fixture(scope="module")
def private_cluster() -> Iterator[Cluster]:
    """A cluster of this test module alone, crash-safe, for tests that stop and start it."""
    cluster = new_cluster(crash_safe=True)
    try:
        yield cluster
    finally:
        cluster.close()


@pytest.fixture
def private_pg_url(private_cluster: Cluster) -> Iterator[str]:
    """The URL of a fresh database on :func:`private_cluster`."""
    server = Server(private_cluster.url)
    try:
        yield from server.database()
    finally:
        server.close()
