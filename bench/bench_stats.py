"""Stats benchmark: ``mathdrill stats`` end to end on one heavy learner's collection.

Builds the collection of ``bench_targets.py`` (1,000 cards, 200,000 reviews over ten years,
through ``mathdrill import``; see ``bench_export.build``), or reuses ``--home DIR``, then runs the
real command as a subprocess, every figure computed live from the log (target ≤ 1 s):
``stats``, ``stats --json`` and ``stats --deck old-deck-3``. Prints median / p95 / max of the
wall time and the median CPU time (user + system) of the process, with the machine and its load,
and checks that the database file was not changed. Usage::

    .venv/bin/python bench/bench_stats.py                        # builds the collection (~30 s)
    .venv/bin/python bench/bench_stats.py --home /tmp/bench-home --runs 9
    .venv/bin/python bench/bench_stats.py --home /tmp/bench-home --runs 3 --calibration
"""

from __future__ import annotations

import argparse
import hashlib
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_export import build, environment
from bench_targets import NOW, machine, summary

RUNS = (
    ("stats", ["stats"]),
    ("stats --json", ["stats", "--json"]),
    ("stats --deck old-deck-3", ["stats", "--deck", "old-deck-3"]),
)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(home: Path, args: list[str]) -> tuple[float, float]:
    """Run ``mathdrill stats`` once; return (wall seconds, CPU seconds)."""
    env = {**environment(home), "NO_COLOR": "1"}
    cpu = _children_cpu()
    start = time.perf_counter()
    argv = [sys.executable, "-m", "mathdrill", "--now", NOW.isoformat(), *args]
    subprocess.run(argv, env=env, check=True, capture_output=True)
    return time.perf_counter() - start, _children_cpu() - cpu


def main() -> int:
    """Build (or reuse) the collection and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=1_000)
    parser.add_argument("--reviews", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--home", type=Path, default=None, help="reuse (or build once into) DIR")
    parser.add_argument(
        "--calibration",
        action="store_true",
        help="time `stats --calibration --json` instead (the whole log replayed; no target)",
    )
    args = parser.parse_args()
    runs = (("stats --calibration --json", ["stats", "--calibration", "--json"]),)
    if not args.calibration:
        runs = RUNS
    print(machine())
    with tempfile.TemporaryDirectory() as folder:
        home = args.home or Path(folder) / "home"
        if not (home / "mathdrill.db").exists():
            started = time.perf_counter()
            build(home, args.cards, args.reviews)
            print(
                f"built {args.cards:,} cards / {args.reviews:,} reviews in "
                f"{time.perf_counter() - started:.0f} s"
            )
        database = home / "mathdrill.db"
        before = hashlib.sha256(database.read_bytes()).hexdigest()
        run(home, ["stats"])  # the deck catalogue's cache, as after any earlier run
        samples: dict[str, list[tuple[float, float]]] = {name: [] for name, _ in runs}
        for _ in range(args.runs):  # interleaved: a slow moment touches every figure
            for name, argv in runs:
                samples[name].append(run(home, argv))
        for name, rows in samples.items():
            median, p95, most = summary([wall for wall, _ in rows])
            cpu = statistics.median(c for _, c in rows)
            print(
                f"{name:26s} median {median:5.2f} s  p95 {p95:5.2f} s  max {most:5.2f} s  "
                f"| CPU {cpu:5.2f} s{'' if args.calibration else '  (target ≤ 1 s)'}"
            )
        after = hashlib.sha256(database.read_bytes()).hexdigest()
        print("database unchanged" if after == before else "DATABASE CHANGED")
    print(machine())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
