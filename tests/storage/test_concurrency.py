"""Real processes: two writers at once, and writers killed with SIGKILL at random moments."""

from __future__ import annotations

import multiprocessing
import os
import random
import select
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mathdrill.storage import CardUpdate, open_database
from tests.factories import make_review

REPO = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).with_name("review_worker.py")

pytestmark = pytest.mark.slow


def test_two_processes_review_at_once_and_nothing_is_lost(tmp_path: Path) -> None:
    path = tmp_path / "mathdrill.db"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    procs = [
        subprocess.Popen(
            [sys.executable, str(WORKER), str(path), tag, "200"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=REPO,
        )
        for tag in ("alpha", "beta")
    ]
    try:
        for proc in procs:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            assert line.strip() == "ready", line + (proc.stderr.read() if proc.stderr else "")
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        outputs = [proc.communicate(timeout=120) for proc in procs]
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
    spans = []
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
        assert "locked" not in err
        assert "Traceback" not in err
        _, first, last = out.split()
        spans.append((datetime.fromisoformat(first), datetime.fromisoformat(last)))
    # The two writers really overlapped in time, or this test proved nothing.
    assert spans[0][0] < spans[1][1]
    assert spans[1][0] < spans[0][1]
    with open_database(str(path)) as db:
        reviews = [r for card in db.cards() for r in db.history(card.id, limit=1000)]
        assert len(reviews) == db.count_reviews() == 400
        assert Counter(r.session_id for r in reviews) == {"alpha": 200, "beta": 200}
        for tag in ("alpha", "beta"):
            assert sorted(r.seed for r in reviews if r.session_id == tag) == list(range(200))
        assert len(db.cards()) == 20  # both ensured the same 20 cards: no duplicates
        # Each worker reviews its own ten cards (read, then write the new state): every review
        # moved its card's schedule exactly once.
        assert sum(card.repetitions for card in db.cards()) == 400
        assert db.integrity_check() == []


def _child(path: str, card_id: int, write_fd: int, start_seed: int) -> None:
    """Record reviews forever, writing each review id to the pipe once it is committed."""
    db = open_database(path)
    seed = start_seed
    while True:
        card = db.card("d", "a")
        assert card is not None
        now = datetime.now(UTC)
        record = make_review(card_id, now, seed=seed, answer="x" * 200, quality=5)
        review = db.record_review(
            record,
            CardUpdate(card.repetitions + 1, 2.5, 1, now + timedelta(days=1), 0, last_review=now),
        )
        os.write(write_fd, f"{review.id}\n".encode())
        seed += 1


@pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="needs fork() for speed"
)
def test_sigkill_at_random_moments_loses_no_confirmed_review(tmp_path: Path) -> None:
    path = tmp_path / "mathdrill.db"
    with open_database(str(path)) as db:
        db.ensure_cards([("d", "a")], datetime.now(UTC))
        card_id = db.card("d", "a").id  # type: ignore[union-attr]
    rng = random.Random(20260301)
    context = multiprocessing.get_context("fork")
    confirmed: list[int] = []
    killed_mid_run = 0
    for trial in range(60):
        read_fd, write_fd = os.pipe()
        child = context.Process(target=_child, args=(str(path), card_id, write_fd, trial * 10**6))
        child.start()
        os.close(write_fd)
        early = rng.random() < 0.15
        if early:  # sometimes while the child is still starting up or opening the database
            time.sleep(rng.uniform(0.0, 0.02))
        else:  # mostly while it is writing: after its first committed review
            ready, _, _ = select.select([read_fd], [], [], 10)
            assert ready, "the child recorded nothing within 10 s"
            time.sleep(rng.uniform(0.0, 0.03))
        os.kill(child.pid, signal.SIGKILL)  # type: ignore[arg-type]
        child.join(10)
        assert child.exitcode == -signal.SIGKILL
        chunks = []
        while chunk := os.read(read_fd, 65536):
            chunks.append(chunk)
        os.close(read_fd)
        ids = [int(line) for line in b"".join(chunks).decode().split()]
        killed_mid_run += not early
        confirmed.extend(ids)
        if trial % 10 == 9:
            with open_database(str(path)) as db:
                assert db.integrity_check() == []
    assert killed_mid_run >= 40, "most kills should land while reviews are being written"
    with open_database(str(path)) as db:
        stored = {review.id for review in db.history(db.card("d", "a").id, limit=10**6)}
        missing = sorted(set(confirmed) - stored)
        assert not missing, f"confirmed reviews lost after SIGKILL: {missing[:10]}"
        assert db.integrity_check() == []
        # Review and card update are one transaction: the card counted every stored review.
        assert db.card("d", "a").repetitions == len(stored)  # type: ignore[union-attr]
        assert len(stored) >= len(confirmed) > 0
