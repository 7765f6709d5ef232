"""Benchmark deck instance generation and ``deck check``.

Prints machine info, then

* per template: instance generation time (``generate(template, seed)``: parameters, values,
  reference, mistakes, prompt) over ``--seeds`` seeds, wall median / p95 / max and CPU median in
  milliseconds, after one untimed warm-up instance; the last column adds rendering every lazy
  text (hints, solution, plain/LaTeX prompt). Target: every template well under 50 ms (the
  drill makes its first and next problem with this call). The seeds are timed in ``--rounds``
  passes over all templates, so that a slow moment of the machine touches every template a
  little instead of one template's whole batch. CPU time is the thread's
  (``time.thread_time``): the process clock ticks at 4 ms here while a CPU-time deadline is
  armed;
* the wall time of ``deck check`` over the same decks at ``--samples`` samples per template with
  the default worker count (target: ≤ 90 s for the built-in decks at the CI sample count, 100,
  on 2 cores).

Usage::

    .venv/bin/python bench/bench_decks.py [PATH ...] [--seeds 200] [--samples 100] [--no-check]

With no PATH it uses ``decks/derivatives.yaml``; pass ``decks/`` for every built-in deck.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from mathdrill.decks.generate import generate  # noqa: E402
from mathdrill.decks.library import deck_files  # noqa: E402
from mathdrill.decks.loader import load_deck_file  # noqa: E402
from mathdrill.usecases import authoring  # noqa: E402


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, default=[REPO / "decks/derivatives.yaml"])
    parser.add_argument("--seeds", type=int, default=200, help="seeds timed per template")
    parser.add_argument(
        "--rounds", type=int, default=3, help="passes over all templates the seeds are split into"
    )
    parser.add_argument("--samples", type=int, default=100, help="deck check samples")
    parser.add_argument("--no-check", action="store_true", help="skip the deck check timing")
    args = parser.parse_args()

    print(
        f"machine: {platform.processor() or platform.machine()}, cpus: {os.cpu_count()}, "
        f"python {platform.python_version()}, {platform.platform()}"
    )
    with contextlib.suppress(OSError):
        print(f"load average: {os.getloadavg()}")
    files = [f for p in args.paths for f in deck_files(p)]
    medians: list[float] = []
    cpu_medians: list[float] = []
    # Wall time suffers when other processes share the CPUs; the CPU-time median (process_time)
    # is the load-independent figure.
    print(f"\ngeneration, {args.seeds} seeds per template (ms; wall median/p95/max, cpu median):")
    print(f"{'template':45} {'median':>8} {'p95':>8} {'max':>8} {'cpu':>8} {'cpu+all':>8}")
    templates = [t for path in files for t in load_deck_file(path).templates]
    for template in templates:
        generate(template, 10**9)  # warm-up: lazy imports
    rounds = max(1, min(args.rounds, args.seeds))
    times: dict[str, list[float]] = {t.key: [] for t in templates}
    cpu: dict[str, list[float]] = {t.key: [] for t in templates}
    full: dict[str, list[float]] = {t.key: [] for t in templates}
    for first in range(rounds):
        for template in templates:
            for seed in range(first, args.seeds, rounds):
                start, start_cpu = time.perf_counter(), time.thread_time()
                instance = generate(template, seed)
                times[template.key].append((time.perf_counter() - start) * 1000)
                cpu[template.key].append((time.thread_time() - start_cpu) * 1000)
                instance.render_all()  # hints, solution, plain/LaTeX prompt: rendered on demand
                full[template.key].append((time.thread_time() - start_cpu) * 1000)
    for template in templates:
        key = template.key
        median = statistics.median(times[key])
        medians.append(median)
        cpu_medians.append(statistics.median(cpu[key]))
        print(
            f"{key:45} {median:8.2f} {percentile(times[key], 0.95):8.2f} "
            f"{max(times[key]):8.2f} {cpu_medians[-1]:8.2f} {statistics.median(full[key]):8.2f}"
        )
    if medians:
        slowest = max(max(values) for values in times.values())
        print(
            f"templates: {len(medians)}; wall: median of medians "
            f"{statistics.median(medians):.2f} ms, worst median {max(medians):.2f} ms, slowest "
            f"instance {slowest:.2f} ms; cpu: median of medians "
            f"{statistics.median(cpu_medians):.2f} ms, worst {max(cpu_medians):.2f} ms; "
            f"target: well under 50 ms; templates with a median above 50 ms: "
            f"{sum(m > 50 for m in medians)}"
        )
    if args.no_check:
        return
    print(f"\ndeck check at {args.samples} samples per template, default workers:")
    cpu_start = time.process_time()
    before = os.times()
    report = authoring.check(files, args.samples)
    after = os.times()
    children = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    cpu_total = time.process_time() - cpu_start + children
    cores = os.cpu_count() or 1
    print(
        f"wall time {report.seconds:.1f} s for {len(report.templates)} templates "
        f"(exit code {report.exit_code}); CPU time {cpu_total:.1f} s over all processes "
        f"(≈ {cpu_total / cores:.1f} s on {cores} idle cores); target ≤ 90 s at 100 samples"
    )
    for problem in report.all_problems[:10]:
        print(f"  {problem}")


if __name__ == "__main__":
    main()
