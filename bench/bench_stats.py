"""Stats benchmark: ``mathdrill stats`` end to end on the 100k-card / 2M-review collection.

Builds the collection with ``bench_storage.build`` (or reuses ``--db FILE``), then runs the real
command as a subprocess and prints median / p95 / max, CPU time and the machine:

- *cold*: the per-day cache (tables ``stats_days``/``stats_state``) is dropped first, so the run
  reads the whole log once and builds it (``--cold-runs`` times, dropping it before each);
- *warm*: daily use. Before each run a few reviews are recorded for today through the public
  API (so the cache has something new to check), then ``stats``, ``stats --json`` and
  ``stats --deck deck-001`` (filters always compute live) run;
- *next day*: the first run of a new study day (yesterday's reviews get cached).

Target: ≤ 1.5 s end to end for the plain command. Usage::

    .venv/bin/python bench/bench_stats.py                       # build in a tmp dir
    .venv/bin/python bench/bench_stats.py --db /tmp/big.db --runs 5
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_storage import NOW, build, machine, report

from mathdrill.storage import ReviewRecord, open_database


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(db: Path, extra: list[str], runs: int, *, now=NOW, before=None) -> tuple[list, list]:
    """Run ``mathdrill stats`` ``runs`` times; return wall and CPU milliseconds per run."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MATHDRILL_")}
    env.update({"MATHDRILL_DB": str(db), "NO_COLOR": "1", "TZ": "Europe/Berlin"})
    walls, cpus = [], []
    for _ in range(runs):
        if before is not None:
            before()
        cpu = _children_cpu()
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "mathdrill", "--now", now.isoformat(), "stats", *extra],
            capture_output=True,
            text=True,
            env=env,
        )
        walls.append((time.perf_counter() - start) * 1000)
        cpus.append((_children_cpu() - cpu) * 1000)
        if done.returncode != 0:
            raise SystemExit(f"mathdrill stats failed: {done.stderr}")
    return walls, cpus


def drop_cache(db: Path) -> None:
    """Drop the derived per-day cache (what a first run after upgrading finds)."""
    conn = sqlite3.connect(db)
    conn.execute("DROP TABLE IF EXISTS stats_days")
    conn.execute("DROP TABLE IF EXISTS stats_state")
    conn.commit()
    conn.close()


def add_reviews(db: Path, rng: random.Random, n: int = 5) -> None:
    """Record ``n`` cram reviews just before NOW (today), as a drill session would."""
    database = open_database(str(db), create=False)
    try:
        for _ in range(n):
            card = database.card_by_id(rng.randint(1, 1000))
            if card is None:
                continue
            database.record_review(
                ReviewRecord(
                    card_id=card.id,
                    reviewed_at=NOW - timedelta(seconds=rng.randint(1, 59)),
                    kind="cram",
                    seed=rng.randrange(1 << 30),
                    fingerprint="f",
                    answer="x",
                    status="correct",
                    correct=True,
                    quality=4,
                    seconds=12.5,
                )
            )
    finally:
        database.close()


def both(name: str, samples: tuple[list, list], target: float | None = None) -> None:
    walls, cpus = samples
    report(name, walls, target)
    report("  cpu (user+sys of the process)", cpus)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=100_000)
    parser.add_argument("--reviews", type=int, default=2_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cold-runs", type=int, default=1)
    parser.add_argument("--db", type=Path, default=None, help="reuse (or build once into) FILE")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    print(machine())
    with tempfile.TemporaryDirectory() as folder:
        path = args.db or Path(folder) / "mathdrill.db"
        if not path.exists():
            start = time.perf_counter()
            build(path, args.cards, args.reviews, random.Random(args.seed))
            print(
                f"built {args.cards:,} cards / {args.reviews:,} reviews in "
                f"{time.perf_counter() - start:.0f} s"
            )
        report("mathdrill --help (interpreter + CLI floor)", _help(args.runs))
        both(
            "cold: stats, cache dropped first",
            run(path, [], args.cold_runs, before=lambda: drop_cache(path)),
        )

        def add() -> None:
            add_reviews(path, rng)

        both("warm: stats (+5 reviews today each run)", run(path, [], args.runs, before=add), 1500)
        both("warm: stats --json", run(path, ["--json"], args.runs, before=add), 1500)
        both("live: stats --deck deck-001", run(path, ["--deck", "deck-001"], args.runs), 1500)
        both("next study day: stats (first run)", run(path, [], 1, now=NOW + timedelta(days=1)))
        both("next study day: stats (warm)", run(path, [], args.runs, now=NOW + timedelta(days=1)))
    print(machine())
    return 0


def _help(runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "mathdrill", "--help"], capture_output=True)
        samples.append((time.perf_counter() - start) * 1000)
    return samples


if __name__ == "__main__":
    raise SystemExit(main())
