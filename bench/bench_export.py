"""Export benchmark: ``mathdrill export`` end to end on one heavy learner's collection.

Builds the collection of ``bench_targets.py`` (1,000 cards, 200,000 reviews over ten years, made
with ``mathdrill import`` of an ``export all`` file), or reuses ``--home DIR``, then runs the real
command as a subprocess (interpreter start, imports, query, the file written)::

    mathdrill export all --format json -o FILE          (target: ≤ 3 s)

and the other formats for reference, and reports wall time (median / p95 / max over ``--runs``),
the child's CPU time and peak resident memory (``os.wait4``), with the machine and its load.
Usage::

    .venv/bin/python bench/bench_export.py                      # builds the collection (~30 s)
    .venv/bin/python bench/bench_export.py --home /tmp/bench-home --runs 7
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_targets import NOW, history_file, machine, summary

REPO = Path(__file__).resolve().parent.parent

#: The exports measured: the target first, then the other formats for reference.
EXPORTS = (
    ("all", "json"),
    ("all", "jsonl"),
    ("reviews", "csv"),
    ("reviews", "fsrs"),
    ("cards", "csv"),
    ("stats", "csv"),
)


def environment(home: Path) -> dict[str, str]:
    """The command's environment: the bench's data folder, nothing else of ours."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MATHDRILL_")}
    env.update({"MATHDRILL_HOME": str(home), "PYTHONPATH": str(REPO), "TZ": "Europe/Berlin"})
    return env


def build(home: Path, cards: int, reviews: int) -> None:
    """Write the history file and import it into ``home`` (the documented interface)."""
    home.mkdir(parents=True, exist_ok=True)
    history = home.parent / "history.jsonl"
    history_file(history, cards, reviews, seed=1)
    argv = [sys.executable, "-m", "mathdrill", "import", str(history)]
    subprocess.run(argv, env=environment(home), check=True, capture_output=True)
    history.unlink()
    for backup in home.glob("mathdrill.db.bak-*"):
        backup.unlink()


def run(home: Path, what: str, fmt: str, out: Path) -> tuple[float, float, int]:
    """Run one export; return (wall seconds, CPU seconds, peak RSS in kB)."""
    argv = [sys.executable, "-m", "mathdrill", "--now", NOW.isoformat(), "export", what]
    argv += ["--format", fmt, "-o", str(out)]
    start = time.perf_counter()
    proc = subprocess.Popen(
        argv, env=environment(home), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _pid, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        assert proc.stderr is not None
        sys.exit(f"export failed: {proc.stderr.read().decode()}")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def main() -> int:
    """Build (or reuse) the collection and print every export's figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=1_000)
    parser.add_argument("--reviews", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--home", type=Path, default=None, help="reuse (or build once into) DIR")
    args = parser.parse_args()
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
        samples: dict[tuple[str, str], list[tuple[float, float, int]]] = {e: [] for e in EXPORTS}
        for _ in range(args.runs):  # interleaved: a slow moment touches every export
            for what, fmt in EXPORTS:
                samples[(what, fmt)].append(run(home, what, fmt, Path(folder) / f"out.{fmt}"))
        for (what, fmt), rows in samples.items():
            median, p95, most = summary([wall for wall, _, _ in rows])
            cpu = statistics.median(c for _, c, _ in rows)
            peak = max(rss for _, _, rss in rows) / 1024
            target = "  (target ≤ 3 s)" if (what, fmt) == ("all", "json") else ""
            print(
                f"export {what} --format {fmt:5s}  median {median:5.2f} s  p95 {p95:5.2f} s  "
                f"max {most:5.2f} s  | CPU {cpu:5.2f} s | peak RSS {peak:4.0f} MB{target}"
            )
    print(machine())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
