"""Storage benchmark: one heavy learner's collection, then the queries a drill session makes.

Builds a database of ``--cards`` cards (default 1,000) and ``--reviews`` reviews (default
200,000) with bulk inserts into a temporary file, then times, through the public ``Database``
API:

- opening the database (engine, first connection, version check);
- the drill's start: ``cards()`` + ``count_due`` (the queue is planned from all cards);
- ``record_review`` (target ≤ 5 ms) with the default ``synchronous=NORMAL``, and with
  ``fsync_each_commit=True`` (``FULL``) for comparison;
- ``history(card, 50)`` and ``mathdrill due`` end to end.

Prints median / p95 / max per operation and the machine. Usage::

    .venv/bin/python bench/bench_storage.py
    .venv/bin/python bench/bench_storage.py --calls 100 --runs 3
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy

from mathdrill.storage import CardUpdate, Review, open_database
from mathdrill.storage.tables import cards, reviews

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
BATCH = 20_000


def machine() -> str:
    return (
        f"{platform.platform()} | processor={platform.processor() or platform.machine()} | "
        f"cpus={os.cpu_count()} | python {sys.version.split()[0]} | "
        f"sqlite {sqlite3.sqlite_version} | sqlalchemy {sqlalchemy.__version__} | "
        f"load average {os.getloadavg()[0]:.1f}"
    )


def _ts(moment: datetime) -> str:
    """SQLAlchemy's SQLite DATETIME text form, in UTC (what the storage layer writes)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def build(path: Path, n_cards: int, n_reviews: int, rng: random.Random) -> tuple[list[int], int]:
    """Create the schema through the API, then bulk-insert rows with executemany.

    Returns:
        The ids of scheduled cards, and how many cards are due at NOW (computed while
        generating, to check the database answers the same).
    """
    open_database(str(path)).close()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")  # loading is set-up, not what is measured
    conn.execute("PRAGMA cache_size = -262144")  # 256 MB: index pages stay in memory
    decks = max(1, n_cards // 100)
    now_text = _ts(NOW)
    created = _ts(NOW - timedelta(days=1000))
    card_rows = []
    scheduled: list[int] = []
    due_now = 0
    for i in range(n_cards):
        new = rng.random() < 0.2
        suspended = rng.random() < 0.02
        due = None if new else _ts(NOW + timedelta(minutes=rng.randint(-20 * 1440, 200 * 1440)))
        if due is not None:
            scheduled.append(i + 1)
            due_now += (not suspended) and due <= now_text
        card_rows.append(
            (
                i + 1,
                f"deck-{i % decks:03d}",
                f"template-{i // decks:04d}",
                0 if new else rng.randint(1, 8),
                250 if new else rng.randint(130, 300),
                0 if new else rng.randint(1, 400),
                due,
                0 if new else rng.randint(0, 3),
                int(suspended),
                0,
                created,
                None if new else _ts(NOW - timedelta(days=rng.randint(1, 400))),
            )
        )
    conn.execute("BEGIN")
    names = [c.name for c in cards.c if c.name not in ("learner_id", "spare_problem")]
    conn.executemany(
        f"INSERT INTO cards ({', '.join(names)}, learner_id) "
        f"VALUES ({', '.join('?' * len(names))}, 1)",
        card_rows,
    )
    conn.execute("COMMIT")
    start_time = NOW - timedelta(days=3 * 365)
    span = int((NOW - start_time).total_seconds())
    columns = [c.name for c in reviews.c if c.name not in ("id", "learner_id")]
    sql = (
        f"INSERT INTO reviews ({', '.join(columns)}, learner_id) "
        f"VALUES ({', '.join('?' * len(columns))}, 1)"
    )
    # An append-only log is written in time order.
    offsets = sorted(rng.randrange(span) for _ in range(n_reviews))
    conn.execute("BEGIN")
    for start in range(0, n_reviews, BATCH):
        rows = []
        for k in range(start, min(n_reviews, start + BATCH)):
            quality = rng.randint(0, 5)
            at = _ts(start_time + timedelta(seconds=offsets[k]))
            rows.append(
                (
                    rng.choice(scheduled),
                    at,
                    "review",
                    k,
                    "sha256:0123456789abcdef",
                    "2*x*cos(x**2)",
                    "2·x·cos(x²)",
                    "correct" if quality >= 3 else "wrong",
                    int(quality >= 3),
                    None,
                    0,
                    20.0,
                    quality,
                    250,
                    250,
                    6,
                    15,
                    f"s{k // 30}",
                )
            )
        conn.executemany(sql, rows)
    conn.execute("COMMIT")
    # Fold the bulk load's WAL into the database now; otherwise the first measured commit would
    # pay for checkpointing hundreds of megabytes.
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return scheduled, due_now


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def report(name: str, samples: list[float], target: float | None = None) -> None:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    goal = f"  (target ≤ {target:g} ms)" if target is not None else ""
    print(
        f"{name:<44} median {statistics.median(ordered):8.2f} ms  p95 {p95:8.2f} ms  "
        f"max {ordered[-1]:8.2f} ms  n={len(ordered)}{goal}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=1_000)
    parser.add_argument("--reviews", type=int, default=200_000)
    parser.add_argument("--calls", type=int, default=200, help="record_review calls per mode")
    parser.add_argument("--dir", type=Path, default=None, help="where to build (default: tmp)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=5, help="runs of `mathdrill due`")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    print(machine())
    # The load average at the end says how busy the machine was while measuring.
    with tempfile.TemporaryDirectory(dir=args.dir) as folder:
        path = Path(folder) / "mathdrill.db"
        start = time.perf_counter()
        scheduled, expected_due = build(path, args.cards, args.reviews, rng)
        built = time.perf_counter() - start
        size = path.stat().st_size + sum(
            p.stat().st_size for p in path.parent.glob("mathdrill.db-*")
        )
        print(
            f"built {args.cards:,} cards and {args.reviews:,} reviews in {built:.1f} s "
            f"({size / 1e6:.0f} MB) in {folder}"
        )
        report("open_database", timed(lambda: open_database(str(path)).close(), 20))
        with open_database(str(path)) as db:
            due = db.count_due(NOW)
            assert due == expected_due, (due, expected_due)  # the bulk rows read back right
            assert db.count_reviews() == args.reviews
            print(f"due now: {due:,}")

            def queue() -> None:
                db.cards()
                db.count_due(NOW)

            report("the drill's start (cards + count_due)", timed(queue, 50))
            report("  count_due", timed(lambda: db.count_due(NOW), 50))
            report(
                "history(card, 50)",
                timed(lambda: db.history(rng.choice(scheduled), 50), 50),
            )
        for fsync in (False, True):
            with open_database(str(path), fsync_each_commit=fsync) as db:
                counter = iter(range(10**9))
                by_id = {card.id: card for card in db.cards()}

                # Timed alone (the card read before it is not part of record_review).
                samples = []
                for _ in range(args.calls):
                    card = by_id[rng.choice(scheduled)]
                    record = Review(
                        card_id=card.id,
                        reviewed_at=NOW,
                        kind="review",
                        seed=next(counter),
                        fingerprint="f",
                        answer="x",
                        status="correct",
                        correct=True,
                        quality=4,
                    )
                    state = CardUpdate(
                        card.repetitions + 1, 2.5, 6, NOW + timedelta(days=6), 0, last_review=NOW
                    )
                    begin = time.perf_counter()
                    db.record_review(record, state)
                    samples.append((time.perf_counter() - begin) * 1000)
                mode = "FULL: fsync each commit" if fsync else "NORMAL: default"
                report(f"record_review ({mode})", samples, 5 if not fsync else None)
        # `mathdrill due` end to end: a real process (imports, deck loading, one GROUP BY).
        env = {**os.environ, "MATHDRILL_HOME": folder, "NO_COLOR": "1"}
        argv = [sys.executable, "-m", "mathdrill", "--db", str(path), "--now", NOW.isoformat()]

        def due_command() -> None:
            subprocess.run([*argv, "due"], env=env, check=True, capture_output=True)

        report("`mathdrill due` end to end", timed(due_command, args.runs))
        print(f"load average now: {os.getloadavg()[0]:.1f}")
        with open_database(str(path)) as db:
            problems = db.integrity_check() if args.reviews <= 200_000 else []
            assert problems == [], problems
    return 0


if __name__ == "__main__":
    sys.exit(main())
