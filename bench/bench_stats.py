"""Stats benchmark: ``mathdrill stats`` end to end on the 100k-card / 2M-review collection.

Builds the collection with ``bench_storage.build`` (or reuses ``--db FILE``), then runs the real
command as a subprocess ``--runs`` times, on screen and with ``--json``, and prints median / p95
/ max and the machine. Target: ≤ 1.5 s end to end. Usage::

    .venv/bin/python bench/bench_stats.py                       # build in a tmp dir, 5 runs each
    .venv/bin/python bench/bench_stats.py --db /tmp/big.db --keep --runs 3
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_storage import NOW, build, machine, report


def run(db: Path, extra: list[str], runs: int) -> list[float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MATHDRILL_")}
    env.update({"MATHDRILL_DB": str(db), "NO_COLOR": "1", "TZ": "Europe/Berlin"})
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "mathdrill", "--now", NOW.isoformat(), "stats", *extra],
            capture_output=True,
            text=True,
            env=env,
        )
        samples.append((time.perf_counter() - start) * 1000)
        if done.returncode != 0:
            raise SystemExit(f"mathdrill stats failed: {done.stderr}")
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=100_000)
    parser.add_argument("--reviews", type=int, default=2_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--db", type=Path, default=None, help="reuse (or build once into) FILE")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
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
        report("mathdrill stats", run(path, [], args.runs), 1500)
        report("mathdrill stats --json", run(path, ["--json"], args.runs), 1500)
        report(
            "mathdrill stats --days 7 --deck deck-001",
            run(path, ["--deck", "deck-001"], args.runs),
            1500,
        )
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
