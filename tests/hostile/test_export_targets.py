"""``mathdrill export -o PATH`` onto whatever is at PATH: real subprocesses.

A regular file is replaced atomically (temporary file + rename) with the umask's mode, or the
old file's; a symlink is written through (the link stays, its target gets the export); a FIFO
or a character device is written to in place, never replaced; a folder or a block device is
refused (exit 2). A full disk (an RLIMIT_FSIZE child, or /dev/full for standard output) gives a
located message and exit 3; SIGTERM or SIGHUP mid-export leaves no ``.NAME.*.part`` file.
"""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.factories import random_history, write_history

NOW = "2026-03-01T12:00:00Z"


@pytest.fixture(scope="module")
def small_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_history(tmp_path_factory.mktemp("small") / "m.db", random_history(5, 1_000))


@pytest.fixture(scope="module")
def large_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Large enough that an export takes a good part of a second: time to send a signal."""
    return write_history(tmp_path_factory.mktemp("large") / "m.db", random_history(50, 60_000))


def export(
    md_env: dict[str, str],
    db: Path,
    *args: str,
    umask: int | None = None,
    max_file_bytes: int | None = None,
    stdout: int | None = subprocess.PIPE,
) -> subprocess.CompletedProcess:
    def limits() -> None:
        if umask is not None:
            os.umask(umask)
        if max_file_bytes is not None:
            # A full disk for this process only: writes past the limit fail with EFBIG.
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (max_file_bytes, max_file_bytes))

    return subprocess.run(
        [sys.executable, "-m", "mathdrill", "--db", str(db), "--now", NOW, "export", *args],
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        env=md_env,
        preexec_fn=limits,
        timeout=120,
    )


def parts(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_a_new_file_gets_the_umask_mode(md_env, small_db, tmp_path, umask, mode) -> None:
    out = tmp_path / "reviews.csv"
    done = export(md_env, small_db, "reviews", "-o", str(out), umask=umask)
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(out.stat().st_mode) == mode
    assert parts(tmp_path) == []


def test_a_replaced_file_keeps_its_mode(md_env, small_db, tmp_path) -> None:
    out = tmp_path / "reviews.csv"
    out.write_text("old\n")
    out.chmod(0o640)
    done = export(md_env, small_db, "reviews", "-o", str(out), umask=0o022)
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o640
    assert out.read_text().startswith("deck,template")


def test_a_symlink_is_written_through(md_env, small_db, tmp_path) -> None:
    real = tmp_path / "store" / "reviews.csv"
    real.parent.mkdir()
    real.write_text("old\n")
    link = tmp_path / "latest.csv"
    link.symlink_to(real)
    done = export(md_env, small_db, "reviews", "-o", str(link))
    assert done.returncode == 0, done.stderr
    assert link.is_symlink()
    assert link.resolve() == real
    assert real.read_text().startswith("deck,template")
    assert parts(tmp_path) == []
    assert parts(real.parent) == []
    # A dangling link creates its target.
    (real.parent / "reviews.csv").unlink()
    done = export(md_env, small_db, "reviews", "-o", str(link))
    assert done.returncode == 0, done.stderr
    assert link.is_symlink()
    assert real.read_text().startswith("deck,template")


def test_a_fifo_is_written_to_not_replaced(md_env, small_db, tmp_path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    done = export(md_env, small_db, "reviews", "-o", str(fifo))
    if stat.S_ISFIFO(fifo.lstat().st_mode):
        with contextlib.suppress(OSError):  # release a reader the export never wrote to
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
    reader.join(timeout=60)
    assert done.returncode == 0, done.stderr
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert got
    assert got[0].startswith(b"deck,template")
    assert got[0].count(b"\n") > 1_000
    assert parts(tmp_path) == []


def null_device(folder: Path) -> Path:
    """A character device that discards what is written: a private one when running as root.

    Never the machine's /dev/null as root: an export that replaced its target by a regular
    file (the defect tested here) would break every program on the machine. Without root the
    rename into /dev fails anyway, so the real /dev/null is safe to use.
    """
    if os.geteuid() != 0:
        return Path(os.devnull)
    node = folder / "null"
    os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    return node


def test_a_character_device_stays_a_device(md_env, small_db, tmp_path) -> None:
    (tmp_path / "dev").mkdir()
    device = null_device(tmp_path / "dev")
    link = tmp_path / "nowhere"
    link.symlink_to(device)
    for target in (device, link):
        done = export(md_env, small_db, "all", "-o", str(target))
        assert done.returncode == 0, done.stderr
        assert stat.S_ISCHR(device.stat().st_mode)
    assert link.is_symlink()
    assert parts(tmp_path) == []
    assert parts(device.parent) == []


def test_a_folder_is_refused(md_env, small_db, tmp_path) -> None:
    done = export(md_env, small_db, "reviews", "-o", str(tmp_path))
    assert done.returncode == 2, done.stderr
    assert f"cannot write {tmp_path}: it is a folder" in done.stderr
    assert parts(tmp_path) == []


def test_a_full_disk_gives_a_message_and_keeps_the_old_file(md_env, small_db, tmp_path) -> None:
    out = tmp_path / "all.json"
    out.write_text("the previous export\n")
    done = export(md_env, small_db, "all", "-o", str(out), max_file_bytes=64 * 1024)
    assert done.returncode == 3, done.stderr
    assert f"cannot write {out}" in done.stderr
    assert "Traceback" not in done.stderr
    assert "internal error" not in done.stderr
    assert out.read_text() == "the previous export\n"
    assert parts(tmp_path) == []


def test_standard_output_on_a_full_device(md_env, small_db) -> None:
    with open("/dev/full", "wb") as full:
        done = export(md_env, small_db, "reviews", stdout=full.fileno())
    assert done.returncode == 3, done.stderr
    assert "cannot write to standard output" in done.stderr
    assert "Traceback" not in done.stderr
    assert "internal error" not in done.stderr


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_mid_export_leaves_no_part_file(md_env, large_db, tmp_path, signum) -> None:
    out = tmp_path / "all.json"
    out.write_text("the previous export\n")
    command = [sys.executable, "-m", "mathdrill", "--db", str(large_db), "--now", NOW]
    process = subprocess.Popen(
        [*command, "export", "all", "-o", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=md_env,
    )
    deadline = time.monotonic() + 60
    while not parts(tmp_path) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.001)
    assert parts(tmp_path), "the export never started writing"
    process.send_signal(signum)
    _stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 128 + signum, stderr
    assert f"stopped by {signal.Signals(signum).name}" in stderr
    assert parts(tmp_path) == []
    assert out.read_text() == "the previous export\n"


def test_a_stop_right_after_the_temporary_file_is_made_leaves_nothing(monkeypatch, tmp_path):
    """The signal test above races the export; this pins its worst moment: a stop arriving
    right after the temporary file exists, before the export holds on to it."""
    from mathdrill.usecases.transfer import output_file

    real_open = os.open

    def open_then_stop(path, flags, mode=0o777, *args, **kwargs):
        fd = real_open(path, flags, mode, *args, **kwargs)
        if str(path).endswith(".part"):
            raise KeyboardInterrupt  # what the signal handler raises, at the worst moment
        return fd

    monkeypatch.setattr(os, "open", open_then_stop)
    out = tmp_path / "all.json"
    with pytest.raises(KeyboardInterrupt), output_file(out) as stream:
        stream.write("never")
    assert parts(tmp_path) == []
    assert not out.exists()


# -- CSV cells a spreadsheet would run as formulas ---------------------------------------------

FORMULAS = [
    '=HYPERLINK("http://evil.example","click")',
    "+1+1",
    "-2*x",
    "@SUM(A1:A9)",
    "\t=1",
    "\r=1",
    "'=1",  # starts with the quote itself: escaped too, so undoing is unambiguous
    "x = 1",  # an equals sign further in is harmless
    "",
]


def test_csv_cells_cannot_start_a_formula(md_env, tmp_path) -> None:
    import csv
    import io

    from tests.factories import NOW as AT
    from tests.factories import CardSpec, ReviewSpec
    from tests.factories import TableHistory as History

    history = History(
        cards=[CardSpec("-deck", "=t")],
        reviews=[ReviewSpec(0, AT, answer=text, read_as=text) for text in FORMULAS],
    )
    db = write_history(tmp_path / "f.db", history)
    for what in ("reviews", "cards", "stats"):
        done = export(md_env, db, what)
        assert done.returncode == 0, done.stderr
        rows = list(csv.DictReader(io.StringIO(done.stdout, newline="")))
        for row in rows:
            assert row["deck"] == "'-deck"
            assert row["template"] == "'=t"
            for name in ("answer", "read_as"):
                if name in row:
                    assert row[name][:1] not in ("=", "+", "-", "@", "\t", "\r"), row[name]
        if what == "reviews":
            # Undone by dropping one leading quote, as docs/data.md says.
            undo = [
                row["answer"][1:] if row["answer"][:1] == "'" else row["answer"] for row in rows
            ]
            # (text=True reads "\r" as "\n": the exported byte itself is "\r".)
            assert undo == [text.replace("\r", "\n") for text in FORMULAS]


# -- the deck catalogue's cache, another file mathdrill writes ---------------------------------


def test_a_failed_cache_write_leaves_no_temporary_file(tmp_path) -> None:
    from mathdrill.decks.catalog import read_catalog

    builtin = sorted((Path(__file__).resolve().parents[2] / "decks").glob("*.yaml"))[:1]
    cache = tmp_path / "catalog.json"
    cache.mkdir()  # a folder where the cache file goes: the final rename fails
    (cache / "keep").write_text("x")
    catalog = read_catalog(builtin, cache=cache)
    assert len(catalog.decks) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["catalog.json"]
