"""Failures become StorageError with the path and a remedy, and never damage an existing file."""

from __future__ import annotations

import hashlib
import os
import random
import sqlite3
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mathdrill.errors import StorageError
from mathdrill.storage import CardUpdate, Review, open_database
from tests.factories import make_review

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
REPO = Path(__file__).resolve().parents[2]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _record(card_id: int, seed: int = 1) -> Review:
    return make_review(card_id, NOW, seed=seed)


def _fresh(path: Path) -> int:
    with open_database(str(path)) as db:
        db.ensure_cards([("d", "a")], NOW)
        card = db.card("d", "a")
        assert card is not None
        return card.id


@pytest.mark.parametrize(
    "content",
    [
        b"this is my thesis, not a database\n" * 40,
        os.urandom(8192),
        b"SQLite format 3\x00" + b"\xff" * 4080,  # right magic, garbage header
    ],
    ids=["text", "random", "bad-header"],
)
def test_garbage_file_refused_and_untouched(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "mathdrill.db"
    path.write_bytes(content)
    with pytest.raises(StorageError) as info:
        open_database(str(path))
    assert str(path) in str(info.value)
    assert "left untouched" in str(info.value)
    assert path.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mathdrill.db"]


def test_other_programs_sqlite_database_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "photos.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT)")
        conn.execute("INSERT INTO photos (name) VALUES ('cat.jpg')")
    conn.close()
    before = _digest(path)
    with pytest.raises(StorageError, match="not a mathdrill database") as info:
        open_database(str(path))
    assert str(path) in str(info.value)
    assert _digest(path) == before  # not even switched to WAL


def test_zero_byte_file_is_a_fresh_database(tmp_path: Path) -> None:
    path = tmp_path / "mathdrill.db"
    path.touch()
    with pytest.raises(StorageError, match="no mathdrill data"):
        open_database(str(path), create=False)
    assert path.stat().st_size == 0
    card_id = _fresh(path)
    with open_database(str(path), create=False) as db:
        assert [c.id for c in db.cards()] == [card_id]


def test_missing_file_with_create_false(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "mathdrill.db"
    with pytest.raises(StorageError, match="no mathdrill database at") as info:
        open_database(str(path), create=False)
    assert str(path) in str(info.value)
    assert not path.parent.exists()


def test_path_is_a_folder(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="is a folder"):
        open_database(str(tmp_path))


def test_folder_cannot_be_created_under_a_file(tmp_path: Path) -> None:
    blocker = tmp_path / "notes.txt"
    blocker.write_text("keep me")
    with pytest.raises(StorageError) as info:
        open_database(str(blocker / "sub" / "mathdrill.db"))
    assert str(blocker / "sub" / "mathdrill.db") in str(info.value)
    assert blocker.read_text() == "keep me"


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux /proc")
def test_read_only_filesystem_works_even_as_root() -> None:
    # /proc refuses new files for every user, root included.
    path = "/proc/self/mathdrill-test/mathdrill.db"
    with pytest.raises(StorageError) as info:
        open_database(path)
    assert path in str(info.value)


def test_read_only_database_reads_but_refuses_writes(tmp_path: Path) -> None:
    # mode=ro makes SQLite refuse writes even for root, unlike chmod.
    path = tmp_path / "mathdrill.db"
    card_id = _fresh(path)
    before = _digest(path)
    with open_database(f"sqlite:///file:{path}?mode=ro&uri=true") as db:
        assert db.path == str(path)
        assert [c.key for c in db.cards()] == [("d", "a")]
        with pytest.raises(StorageError, match="read-only") as info:
            db.record_review(_record(card_id), CardUpdate(1, 2.6, 1, NOW, 0, last_review=NOW))
        assert str(path) in str(info.value)
    assert _digest(path) == before


@pytest.fixture
def writer_holding_lock(tmp_path: Path) -> Iterator[tuple[Path, int, threading.Event]]:
    """A database and another connection holding its write lock until the event is set."""
    path = tmp_path / "mathdrill.db"
    card_id = _fresh(path)
    release, taken = threading.Event(), threading.Event()

    def hold() -> None:
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        taken.set()
        release.wait(10)
        conn.execute("ROLLBACK")
        conn.close()

    thread = threading.Thread(target=hold)
    thread.start()
    assert taken.wait(5)
    try:
        yield path, card_id, release
    finally:
        release.set()
        thread.join()


def test_locked_beyond_timeout_is_a_storage_error(
    writer_holding_lock: tuple[Path, int, threading.Event],
) -> None:
    path, card_id, release = writer_holding_lock
    with open_database(str(path), busy_timeout=0.3) as db:
        assert db.count_due(NOW) == 0  # readers are not blocked under WAL
        with pytest.raises(StorageError, match="busy") as info:
            db.record_review(_record(card_id), None)
        assert str(path) in str(info.value)
        assert db.count_reviews() == 0
        release.set()
        db.record_review(_record(card_id), None)  # works once the other writer is done
        assert db.count_reviews() == 1


def test_writer_waits_for_a_short_lock(
    writer_holding_lock: tuple[Path, int, threading.Event],
) -> None:
    path, card_id, release = writer_holding_lock
    timer = threading.Timer(0.3, release.set)
    timer.start()
    with open_database(str(path), busy_timeout=5) as db:
        db.record_review(_record(card_id), None)  # waits ~0.3 s instead of failing
        assert db.count_reviews() == 1
    timer.join()


def test_missing_driver_is_a_storage_error() -> None:
    with pytest.raises(StorageError) as info:
        open_database("nosuchdb+nodriver://user:secret@host/db")
    assert "secret" not in str(info.value)


# A review loop that runs in a child whose file-size limit stands in for a full disk: SQLite
# reports the failed write, and everything committed before must survive intact.
_FULL_DISK_CHILD = textwrap.dedent(
    """
    import os, resource, signal, sys
    from datetime import UTC, datetime
    from mathdrill.errors import StorageError
    from mathdrill.storage import Review, open_database

    path, limit = sys.argv[1], int(sys.argv[2])
    now = datetime(2026, 3, 1, tzinfo=UTC)
    db = open_database(path)
    db.ensure_cards([("d", "a")], now)
    card_id = db.card("d", "a").id
    if limit:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    n = 0
    try:
        while n < 100000:
            db.record_review(Review(
                card_id=card_id, reviewed_at=now, kind="review", seed=n, fingerprint="f",
                answer="x" * 4000, status="wrong", correct=False, quality=1))
            n += 1
            print(n, flush=True)
    except StorageError as exc:
        print("STORAGE", exc, flush=True)
        sys.exit(0)
    except BaseException as exc:
        print("RAW", type(exc).__name__, exc, flush=True)
        sys.exit(1)
    """
)


def _run_until_full(path: Path, limit: int) -> tuple[int, str]:
    proc = subprocess.run(
        [sys.executable, "-c", _FULL_DISK_CHILD, str(path), str(limit)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        check=False,
    )
    lines = proc.stdout.splitlines()
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert lines, proc.stderr
    assert lines[-1].startswith("STORAGE "), lines[-1]
    committed = int(lines[-2]) if len(lines) > 1 else 0
    return committed, lines[-1]


def _check_survivors(path: Path, committed: int) -> None:
    with open_database(str(path)) as db:
        assert db.integrity_check() == []
        assert db.count_reviews() == committed


def test_file_size_limit_mid_review_loses_nothing_committed(tmp_path: Path) -> None:
    path = tmp_path / "mathdrill.db"
    committed, message = _run_until_full(path, 400_000)
    assert committed > 0
    assert str(path) in message
    _check_survivors(path, committed)


def _mount_tmpfs(where: Path) -> bool:
    where.mkdir()
    try:
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=600k", "tmpfs", str(where)],
            capture_output=True,
            check=False,
            timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def test_full_disk_loses_nothing_committed(tmp_path: Path) -> None:
    mount = tmp_path / "small"
    if not _mount_tmpfs(mount):
        pytest.skip("needs permission to mount a small tmpfs (the file-size test covers the rest)")
    try:
        path = mount / "mathdrill.db"
        committed, message = _run_until_full(path, 0)
        assert committed > 0
        assert "full" in message
        assert str(path) in message
        _check_survivors(path, committed)
    finally:
        subprocess.run(["umount", str(mount)], check=False, timeout=10)


@pytest.mark.parametrize("page", [1, 3, -3, -1])
def test_damaged_pages_detected_never_raw_and_untouched(tmp_path: Path, page: int) -> None:
    path = tmp_path / "mathdrill.db"
    with open_database(str(path)) as db:
        db.ensure_cards([("deck", f"template-{i}") for i in range(3000)], NOW)
    data = bytearray(path.read_bytes())
    pages = len(data) // 4096
    index = page if page >= 0 else pages + page
    noise = random.Random(page).randbytes(4096)
    data[index * 4096 : (index + 1) * 4096] = noise
    path.write_bytes(bytes(data))
    problems: list[str] = []
    try:
        with open_database(str(path)) as db:
            problems = db.integrity_check()
            if not problems:
                db.cards()
                db.count_due(NOW)
    except StorageError as exc:
        problems = [str(exc)]
    assert problems, "damage went unnoticed"
    assert path.read_bytes() == bytes(data)  # reading never "repairs" or rewrites the file
