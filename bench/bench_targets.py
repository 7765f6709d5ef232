"""Measure every learner-visible speed target in one run, on a realistic collection.

The collection is what one heavy learner builds: 1,000 cards (the built-in decks' skills and
synthetic skills of decks that are not loaded) and 200,000 reviews over ten years. It is made
through the documented interface, ``mathdrill import`` of an ``export all`` file, so the bench
measures any version of mathdrill the same way. Every figure is the real command in a
subprocess (the drill in a pseudo-terminal), side by side with its floor measured in the same run:

* ``python -c "import sympy, numpy"`` — the floor of a first-ever drill (target: first problem
  ≤ 1.3 × this);
* ``mathdrill --help`` (target ≤ 0.2 s median);
* first problem visible, a previous session having run (target ≤ 0.6 s median), and on a
  first-ever run (an empty data directory);
* verdict after Enter, answer → its ✓/✗ line (target p95 ≤ 100 ms); and the same with Enter
  pressed just as the live "read as" preview of the answer is asked for (145–160 ms after the
  last key: a preview starting or in flight, which the check waits for);
* ``mathdrill stats`` (target ≤ 1 s) and ``mathdrill export all --format json`` (≤ 3 s).

The package's modules are compiled to bytecode first, as ``pip install`` does: a source
checkout run with ``PYTHONDONTWRITEBYTECODE`` would otherwise compile every module in every
process and measure that instead.

Usage: ``.venv/bin/python bench/bench_targets.py [--runs 7] [--answers 6] [--think 1.0]``.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pexpect

REPO = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 11, 21, 9, tzinfo=UTC)
READY = "\x1b[?2004h"  # prompt_toolkit turns bracketed paste on when the prompt is live
#: Seconds between the answer's last key and Enter for the "preview in flight" verdicts: around
#: the live line's pause (``mathdrill/cli/live_preview.py``, 0.15 s), when its request starts.
PREVIEW_GAPS = (0.145, 0.150, 0.153, 0.156, 0.160)
MATHDRILL = [sys.executable, "-m", "mathdrill"]


def machine() -> str:
    """One line describing the machine and its load."""
    return (
        f"{platform.platform()} | {platform.machine()} | cpus={os.cpu_count()} | "
        f"python {platform.python_version()} | load average {os.getloadavg()[0]:.1f}"
    )


def summary(samples: list[float]) -> tuple[float, float, float]:
    """Median, p95 (nearest rank) and max."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95, ordered[-1]


def report(name: str, samples: list[float], target: str = "") -> float:
    """Print one row (milliseconds) and return the median."""
    median, p95, most = summary(samples)
    print(
        f"{name:44s} median {median:8.1f} ms  p95 {p95:8.1f} ms  max {most:8.1f} ms  "
        f"n={len(samples):<3d} {target}"
    )
    return median


def builtin_skills() -> list[tuple[str, str]]:
    """The (deck, template) ids of the built-in decks, read from `mathdrill deck list --json`."""
    skills = []
    for path in sorted((REPO / "decks").glob("*.yaml")):
        deck = None
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("deck:"):
                deck = line.split(":", 1)[1].strip()
            elif line.startswith("  - id:") and deck:
                skills.append((deck, line.split(":", 1)[1].strip()))
    return skills


def stamp(moment: datetime) -> str:
    """The export format's timestamp."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def history_file(path: Path, cards: int, reviews: int, seed: int) -> None:
    """Write an ``export all`` JSON-lines file: ``cards`` skills, ``reviews`` over ten years."""
    rng = random.Random(seed)
    skills = builtin_skills()
    skills += [(f"old-deck-{i // 100}", f"skill-{i}") for i in range(cards - len(skills))]
    start = NOW - timedelta(days=3650)
    per_day = reviews / 3650
    lines = [
        {
            "type": "meta",
            "format": "mathdrill-export",
            "version": 1,
            "what": "all",
            "exported_at": stamp(NOW),
            "mathdrill": "0.1.0",
            "filters": {"since": None, "decks": None},
        }
    ]
    for deck, template in skills:
        interval = rng.choice([1, 6, 17, 48, 140])
        lines.append(
            {
                "type": "card",
                "deck": deck,
                "template": template,
                "repetitions": rng.randint(1, 6),
                "easiness_x100": rng.randint(130, 280),
                "interval_days": interval,
                "due": stamp(NOW + timedelta(days=rng.randint(-5, interval), hours=-3)),
                "lapses": rng.randint(0, 3),
                "suspended": rng.random() < 0.02,
                "leech": rng.random() < 0.01,
                "created": stamp(start),
                "last_review": stamp(NOW - timedelta(days=rng.randint(1, 30))),
            }
        )
    seen: set[tuple[str, str]] = set()
    moment = start
    for _ in range(reviews):
        moment += timedelta(seconds=rng.expovariate(per_day / 86400))
        deck, template = rng.choice(skills)
        correct = rng.random() < 0.8
        kind = "learn" if (deck, template) not in seen else rng.choice(["review"] * 8 + ["repeat"])
        seen.add((deck, template))
        ef = rng.randint(130, 280)
        interval = rng.choice([1, 6, 17, 48])
        lines.append(
            {
                "type": "review",
                "deck": deck,
                "template": template,
                "reviewed_at": stamp(min(moment, NOW - timedelta(hours=1))),
                "kind": kind,
                "seed": rng.randrange(2**62),
                "fingerprint": "bench",
                "answer": rng.choice(["2*x*cos(x^2)", "1/3", "[1, 2]", "0.25", "e^x"]),
                "read_as": "…",
                "status": "correct" if correct else "wrong",
                "correct": correct,
                "mistake": None if correct or rng.random() < 0.5 else "a-slip",
                "hints": rng.choice([0, 0, 0, 1]),
                "seconds": round(rng.uniform(5, 90), 3),
                "quality": (rng.choice([3, 4, 5]) if correct else rng.choice([0, 1, 2]))
                if kind != "repeat"
                else None,
                "easiness_before_x100": ef,
                "easiness_after_x100": ef,
                "interval_before": interval,
                "interval_after": interval,
                "session_id": f"s{moment.date().isoformat()}",
            }
        )
    lines.append({"type": "end", "cards": len(skills), "reviews": reviews})
    with path.open("w", encoding="utf-8") as out:
        for line in lines:
            out.write(json.dumps(line) + "\n")


def timed(command: list[str], env: dict[str, str]) -> float:
    """Run a command to completion and return its wall time in milliseconds."""
    start = time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True)
    return (time.perf_counter() - start) * 1000


def drill(
    env: dict[str, str],
    now: datetime,
    answers: int,
    think: float,
    verdicts: list[float],
    *,
    preview_gap: bool = False,
) -> float:
    """One drill session in a pty: return the first problem's time, append verdict times.

    With ``preview_gap`` Enter follows the answer after one of :data:`PREVIEW_GAPS`, so the
    live line's preview of it is starting or in flight when the check is asked for.
    """
    start = time.perf_counter()
    child = pexpect.spawn(
        sys.executable,
        ["-m", "mathdrill", "--now", now.isoformat(), "drill"],
        env=env,
        encoding="utf-8",
        timeout=60,
        dimensions=(40, 120),
    )
    # pexpect sleeps 50 ms before every send by default; that is not the learner's wait.
    child.delaybeforesend = None
    child.expect("Answer:")
    first = (time.perf_counter() - start) * 1000
    for number in range(answers):
        child.expect_exact(READY)
        time.sleep(think)
        if preview_gap:
            child.send("0")
            time.sleep(PREVIEW_GAPS[number % len(PREVIEW_GAPS)])
            sent = time.perf_counter()
            child.send("\r")
        else:
            sent = time.perf_counter()
            child.sendline("0")  # a readable answer, wrong for nearly every problem
        index = child.expect(["✓ correct", "✗ not correct", "Not counted"])
        verdicts.append((time.perf_counter() - sent) * 1000)
        if index == 2:  # not counted: give up instead
            child.expect_exact(READY)
            child.sendline("!")
            child.expect_exact("Given up.")
        child.expect_exact(READY)  # the verdict stays on screen until Enter
        child.sendline("")
        if child.expect(["Answer:", "Session over"], timeout=30) == 1:
            break
    if child.isalive():
        child.sendline("q")
    child.expect(pexpect.EOF)
    child.close()
    return first


def interleave(runs: int, *steps: Callable[[int], None]) -> None:
    """Run each step once per round, so a slow moment of the machine touches every figure."""
    for run in range(runs):
        for step in steps:
            step(run)


def main() -> int:
    """Build the collection and print every target's figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="rounds of every measurement")
    parser.add_argument("--answers", type=int, default=6, help="answers timed per drill")
    parser.add_argument("--cards", type=int, default=1_000)
    parser.add_argument("--reviews", type=int, default=200_000)
    parser.add_argument("--think", type=float, default=1.0, help="seconds before answering")
    args = parser.parse_args()
    print(machine())
    import mathdrill

    compileall.compile_dir(Path(mathdrill.__file__).parent, quiet=1)
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        home = base / "home"
        home.mkdir()
        history = base / "history.jsonl"
        started = time.perf_counter()
        history_file(history, args.cards, args.reviews, seed=1)
        env = {
            **os.environ,
            "MATHDRILL_HOME": str(home),
            "TERM": "xterm-256color",
            "PROMPT_TOOLKIT_NO_CPR": "1",
            "TZ": "Europe/Berlin",
        }
        env.pop("MATHDRILL_DB", None)
        subprocess.run([*MATHDRILL, "import", str(history)], env=env, check=True)
        print(f"collection built in {time.perf_counter() - started:.1f} s")
        # One session first, as a learner who drilled yesterday.
        drill(env, NOW - timedelta(days=1), 1, args.think, [])

        floor: list[float] = []
        helps: list[float] = []
        firsts: list[float] = []
        fresh: list[float] = []
        verdicts: list[float] = []
        previewed: list[float] = []
        stats: list[float] = []
        exports: list[float] = []

        def first_ever(run: int) -> None:
            new_home = base / f"fresh-{run}"
            new_home.mkdir()
            fresh.append(drill({**env, "MATHDRILL_HOME": str(new_home)}, NOW, 0, args.think, []))
            shutil.rmtree(new_home)

        interleave(
            args.runs,
            lambda run: floor.append(timed([sys.executable, "-c", "import sympy, numpy"], env)),
            lambda run: helps.extend(timed([*MATHDRILL, "--help"], env) for _ in range(3)),
            lambda run: firsts.append(
                drill(env, NOW + timedelta(days=run), args.answers, args.think, verdicts)
            ),
            lambda run: drill(
                env,
                NOW + timedelta(days=run, hours=12),
                args.answers,
                args.think,
                previewed,
                preview_gap=True,
            ),
            first_ever,
            lambda run: stats.append(timed([*MATHDRILL, "--now", NOW.isoformat(), "stats"], env)),
            lambda run: exports.append(
                timed(
                    [*MATHDRILL, "export", "all", "--format", "json", "-o", str(base / "a.json")],
                    env,
                )
            ),
        )
        floor_median = report('python -c "import sympy, numpy" (floor)', floor)
        report("mathdrill --help", helps, "(target ≤ 200 ms median)")
        report("first problem, a session ran before", firsts, "(target ≤ 600 ms median)")
        fresh_median = report("first problem, first-ever run", fresh)
        print(f"{'':44s} = {fresh_median / floor_median:.2f} × the floor (target ≤ 1.3 ×)")
        report("verdict after Enter", verdicts, "(target p95 ≤ 100 ms)")
        report("verdict after Enter, preview in flight", previewed, "(target p95 ≤ 100 ms)")
        report("mathdrill stats", stats, "(target ≤ 1000 ms)")
        report("mathdrill export all --format json", exports, "(target ≤ 3000 ms)")
    print(machine())
    return 0


if __name__ == "__main__":
    sys.exit(main())
