"""Export benchmark: ``mathdrill export reviews --format csv`` on a large collection.

Builds the storage benchmark's collection (``build`` from ``bench_storage.py``: 100k cards, 2M
reviews by default) and the same with 4x fewer reviews, then runs the real command as a
subprocess, end to end (interpreter start, imports, query, CSV to a file)::

    mathdrill --db DB export reviews --format csv -o FILE

and reports, per collection, rows/s (median / p95 / max over ``--runs`` runs) and the child's peak
resident memory (``os.wait4`` rusage ``ru_maxrss``), so flat memory shows as the same peak for
4x the rows. Linux carries a process's peak RSS across fork and exec, so the collection is built
in a separate process and this one stays small; the peak reported is the export's own. Target:
≥ 200k rows/s. Usage::

    .venv/bin/python bench/bench_export.py                      # 100k cards, 2M reviews
    .venv/bin/python bench/bench_export.py --reviews 400000 --runs 3
    .venv/bin/python bench/bench_export.py --format json        # other formats, for reference
    .venv/bin/python bench/bench_export.py --db /tmp/big.db --compare-single   # reuse a build
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_storage import build, machine

REPO = Path(__file__).resolve().parent.parent


# The same command with the CSV export formatted by this process alone (no worker process for
# the second half of the log), for comparison on the same machine at the same moment.
ONE_PROCESS = (
    "import sys; import mathdrill.usecases.transfer as t; t.CSV_PROCESSES = 1; "
    "from mathdrill.cli.launch import main; sys.argv[0] = 'mathdrill'; main()"
)


def run_export(db: Path, out: Path, fmt: str, single: bool = False) -> tuple[float, int, float]:
    """Run the export once; return (wall seconds, peak RSS in kB, CPU seconds of the child).

    The CPU time and peak RSS come from ``os.wait4``: the CPU time includes the worker process
    the export starts (a waited-for grandchild), the peak RSS is the largest of the two.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("MATHDRILL_")}
    env["PYTHONPATH"] = str(REPO)
    start_argv = ["-c", ONE_PROCESS] if single else ["-m", "mathdrill"]
    argv = [sys.executable, *start_argv, "--db", str(db), "export", "reviews"]
    argv += ["--format", fmt, "-o", str(out)]
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        assert proc.stderr is not None
        sys.exit(f"export failed ({proc.returncode}): {proc.stderr.read().decode()}")
    return elapsed, usage.ru_maxrss, usage.ru_utime + usage.ru_stime


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(db: Path, rows: int, runs: int, fmt: str, folder: Path, single: bool = False) -> None:
    rates: list[float] = []
    peaks: list[int] = []
    cpu: list[float] = []
    out = folder / f"reviews.{fmt}"
    for _ in range(runs):
        seconds, peak_kb, cpu_seconds = run_export(db, out, fmt, single)
        rates.append(rows / seconds)
        peaks.append(peak_kb)
        cpu.append(cpu_seconds)
    # Lines, not rows: a quoted answer may hold a line break (not in this collection).
    lines = sum(1 for _ in out.open("rb")) - 1
    how = "one process" if single else "default: this process + a worker"
    print(
        f"  {rows:>9,} reviews, {fmt} ({how}): rows/s median {statistics.median(rates):,.0f}  "
        f"p95(slowest) {percentile(rates, 0.05):,.0f}  max {max(rates):,.0f}  |  "
        f"peak RSS median {statistics.median(peaks) / 1024:.0f} MB, max {max(peaks) / 1024:.0f} "
        f"MB  |  file {out.stat().st_size / 1e6:.0f} MB, {lines:,} rows"
    )
    # On a shared machine the wall clock includes waiting for a core; CPU time does not.
    print(
        f"    wall s {', '.join(f'{rows / r:.1f}' for r in rates)}  |  CPU s "
        f"{', '.join(f'{c:.1f}' for c in cpu)}  |  load average {os.getloadavg()[0]:.1f}"
    )
    if fmt == "csv" and lines != rows:
        sys.exit(f"expected {rows} rows in the export, found {lines}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=100_000)
    parser.add_argument("--reviews", type=int, default=2_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--format", default="csv", choices=["csv", "json", "jsonl", "fsrs"])
    parser.add_argument("--dir", type=Path, default=None, help="where to build (default: tmp)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--compare-single",
        action="store_true",
        help="also run CSV with one process (no worker for the second half)",
    )
    parser.add_argument(
        "--db",
        type=Path,
        action="append",
        default=None,
        help="measure this already built collection instead of building two (repeatable)",
    )
    parser.add_argument(
        "--build", nargs=3, metavar=("DB", "CARDS", "REVIEWS"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.build:
        path, cards, reviews = args.build
        build(Path(path), int(cards), int(reviews), random.Random(args.seed))
        return 0

    print(machine())
    with tempfile.TemporaryDirectory(dir=args.dir) as folder:
        base = Path(folder)
        for db in args.db or ():
            with contextlib.closing(sqlite3.connect(db)) as conn:
                (n,) = conn.execute("SELECT count(*) FROM reviews").fetchone()
            print(f"{db}: {n:,} reviews")
            measure(db, n, args.runs, args.format, base)
            if args.compare_single:
                measure(db, n, args.runs, args.format, base, single=True)
        for n in () if args.db else (args.reviews, args.reviews // 4):
            db = base / f"bench-{n}.db"
            start = time.perf_counter()
            subprocess.run(
                [sys.executable, __file__, "--build", str(db), str(args.cards), str(n)],
                check=True,
            )
            took = time.perf_counter() - start
            print(f"built {args.cards:,} cards / {n:,} reviews in {took:.0f} s")
            measure(db, n, args.runs, args.format, base)
            if args.compare_single:
                measure(db, n, args.runs, args.format, base, single=True)
            db.unlink()
            for extra in base.glob(f"bench-{n}.db-*"):
                extra.unlink()
    print(machine())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
