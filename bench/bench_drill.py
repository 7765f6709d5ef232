"""Benchmark the drill as a learner meets it: the real command in a pseudo-terminal.

Measures, on a collection of 10,000 cards (the built-in decks' cards plus synthetic ones from
decks that are not loaded, some of them due):

* ``mathdrill --help`` wall time (target ≤ 0.15 s);
* first problem visible: from starting ``mathdrill drill`` to the problem's "Answer:" line on
  the terminal (target ≤ 0.6 s median);
* verdict after Enter: from sending an answer to its ✓/✗ line (target ≤ 100 ms p95).

Each run is a new study day (``--now`` one day later), as a learner drilling every morning. Answers
are typed ``--think`` seconds after the answer prompt appears (default 1 s: nobody reads a problem
and types an answer faster); ``--think 0`` answers the instant the prompt is live. The first run
starts with no spare problem (see ``mathdrill.usecases.problems.SpareShelf``); later runs find the
one their predecessor left, as daily use does. Both are reported; ``--no-spares`` deletes the spares
before every run, to measure the start without them.

Usage: ``.venv/bin/python bench/bench_drill.py [--runs 10] [--answers 8] [--cards 10000]
[--think 1.0]``
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pexpect

from mathdrill.storage import CardState, ReviewRecord, open_database

NOW = datetime(2026, 11, 21, 9, tzinfo=UTC)
READY = "\x1b[?2004h"  # prompt_toolkit turns bracketed paste on when the prompt is live


def machine() -> str:
    load = os.getloadavg()[0]
    return (
        f"{platform.platform()} | cpus={os.cpu_count()} | python {platform.python_version()} | "
        f"load average {load:.1f}"
    )


def report(name: str, samples: list[float], target: str = "") -> None:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    print(
        f"{name:34s} median {statistics.median(ordered):8.1f} ms  p95 {p95:8.1f} ms  "
        f"max {ordered[-1]:8.1f} ms  n={len(ordered)}  {target}"
    )


def build(home: Path, cards: int) -> None:
    """A collection of `cards` cards: synthetic orphans (10 % due) besides the built-in decks."""
    rng = random.Random(7)
    with open_database(str(home / "mathdrill.db")) as db:
        keys = [(f"old-deck-{i // 100}", f"t{i}") for i in range(cards)]
        db.ensure_cards(keys, NOW - timedelta(days=400))
        for deck, template in rng.sample(keys, cards // 10):
            card = db.card(deck, template)
            assert card is not None
            db.record_review(
                ReviewRecord(
                    card_id=card.id,
                    reviewed_at=NOW - timedelta(days=3),
                    kind="learn",
                    seed=rng.randrange(2**62),
                    fingerprint="f",
                    answer="1",
                    status="correct",
                    correct=True,
                    quality=4,
                ),
                CardState(1, 2.5, 1, NOW - timedelta(days=rng.randint(0, 3)), 0),
            )


def help_times(runs: int, env: dict[str, str]) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "mathdrill", "--help"], env=env, check=True, capture_output=True
        )
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def drill_times(
    runs: int, answers: int, env: dict[str, str], think: float, spares: bool = True
) -> tuple[list[float], list[float]]:
    first, verdicts = [], []
    for run in range(runs):
        if not spares:
            (Path(env["MATHDRILL_HOME"]) / "cache" / "spares.json").unlink(missing_ok=True)
        start = time.perf_counter()
        child = pexpect.spawn(
            sys.executable,
            # A new study day per run, so every run starts with new and due skills.
            [
                "-m",
                "mathdrill",
                "--now",
                (NOW + timedelta(days=run)).isoformat(),
                "drill",
            ],
            env=env,
            encoding="utf-8",
            timeout=60,
            dimensions=(40, 100),
        )
        child.expect("Answer:")
        first.append((time.perf_counter() - start) * 1000)
        for _ in range(answers):
            child.expect_exact(READY)
            time.sleep(think)
            sent = time.perf_counter()
            child.sendline("0")  # a readable answer, wrong for nearly every problem
            index = child.expect(["✓ correct", "✗ not correct", "Not counted"])
            verdicts.append((time.perf_counter() - sent) * 1000)
            if index == 0:
                child.expect_exact(READY)
                child.sendline("")
            elif index == 2:
                child.expect_exact(READY)
                child.sendline("!")
            if child.expect(["Answer:", "Session over"], timeout=30) == 1:
                break
        if child.isalive():
            child.sendline("q")
        child.expect(pexpect.EOF)
        child.close()
    return first, verdicts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--answers", type=int, default=8, help="answers timed per run")
    parser.add_argument("--cards", type=int, default=10_000)
    parser.add_argument(
        "--think", type=float, default=1.0, help="seconds between the prompt and the answer"
    )
    parser.add_argument(
        "--no-spares", action="store_true", help="delete the spare problems before every run"
    )
    args = parser.parse_args()
    print(machine())
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        build(home, args.cards)
        env = {
            **os.environ,
            "MATHDRILL_HOME": folder,
            "TERM": "xterm-256color",
            "PROMPT_TOOLKIT_NO_CPR": "1",
        }
        report("mathdrill --help", help_times(20, env), "(target ≤ 150 ms)")
        first, verdicts = drill_times(
            args.runs, args.answers, env, args.think, spares=not args.no_spares
        )
        print(f"first problem, run 1 (no spare yet): {first[0]:.1f} ms")
        report("first problem visible", first, "(target ≤ 600 ms median)")
        report("verdict after Enter", verdicts, "(target ≤ 100 ms p95)")
    print(f"load average now: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
