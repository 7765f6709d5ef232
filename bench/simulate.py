"""Simulate learners over the built-in prerequisite graph: plain SM-2 against the graph scheduler.

Both schedulers drill the same simulated learners (same seeds) over the real built-in decks for
``--days`` study days and see only what a real scheduler sees: the grade of each answer. The
learners' memory follows a ground-truth model that neither scheduler knows or was tuned with.

**Ground truth** (one memory per learner and skill; FSRS-6 as published with the ``fsrs``
package, py-fsrs 6.x, ``fsrs/scheduler.py``: ``DEFAULT_PARAMETERS`` and the formulas of
``_initial_difficulty``, ``_next_recall_stability``, ``_next_forget_stability``,
``_short_term_stability`` and ``_next_difficulty``; the constants are copied into :data:`W`):

* Recall probability after ``t`` days at stability ``S``: ``R = (1 + F·t/(a·S))^C`` with
  ``C = −W[20]`` and ``F = 0.9^(1/C) − 1`` (so ``R = 0.9`` at ``t = S`` for ``a = 1``). ``a`` is
  the learner's ability, drawn once per learner from a log-normal distribution with
  σ = :data:`ABILITY_SIGMA` (median 1): an able learner forgets more slowly.
* The first showing of a skill (``learn``) is rated Again/Hard/Good/Easy with the first-rating
  shares of the FSRS optimizer's simulator (the ``fsrs-optimizer`` package, ``fsrs_simulator.py``:
  ``DEFAULT_FIRST_RATING_PROB``), which set the initial stability ``W[rating − 1]`` and
  difficulty.
* A review is a recall trial: success with probability ``R``; a success is rated Hard/Good/Easy
  with ``DEFAULT_REVIEW_RATING_PROB`` of the same simulator, a failure is Again; stability and
  difficulty then follow FSRS-6 (same-day reviews use its short-term stability).
* **Practising a skill practises what it requires**: a successful showing of a skill gives
  every introduced skill below it a fraction of a Good review, :data:`TRANSFER` per
  ``requires`` edge (``TRANSFER²`` two edges down, the largest product over paths; below 0.05
  nothing). A fraction ``g`` moves stability ``g`` of the way to what a Good review would give
  and the recall probability ``g`` of the way to 1. ``TRANSFER`` was fixed at 0.5 before any
  run (a prerequisite done as one step inside a larger problem, with the problem as its cue,
  counted as half a repetition) and is never tuned; ``--transfer`` shows how the result
  depends on it.

**The schedulers** see grades 0–5 (Again → 1, Hard → 3, Good → 4, Easy → 5, as
``mathdrill/scheduling/grading.py`` grades a wrong, a slow and a plain correct answer and one
within ``expected_seconds``). ``sm2``: each day every due card, most overdue first, through
SM-2 (``mathdrill/scheduling/sm2.py``). ``graph``: the same cards in knock-out order, and after
every answer the credits of ``mathdrill/scheduling/graph.py`` (no penalties: no built-in mistake
names a prerequisite yet); a card that a credit moved past today is skipped. Both introduce
``--new-per-day`` new skills a day in the same order (prerequisites first,
``mathdrill.scheduling.queue.order_new_cards``), with no daily cap on reviews. Session repeats
of failed cards (SM-2 step 7) are not simulated.

**Reported**, per learner and then mean and spread (min, quartiles, max) over learners:
explicit reviews per day (due reviews; the identical first showings are left out), minutes per
day (every showing, at its template's ``expected_seconds``) and retention: the mean recall
probability of every introduced skill in a final test on the day after the last. The target
(issue #21): at least 25 % fewer reviews at retention no more than one percentage point lower.

Usage::

    .venv/bin/python bench/simulate.py [--learners 20] [--days 180] [--seed 0]
        [--new-per-day 2] [--transfer 0.5] [--edge-weight W] [--decks DIR]
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from mathdrill.decks.catalog import read_catalog  # noqa: E402
from mathdrill.decks.library import deck_files  # noqa: E402
from mathdrill.scheduling.graph import (  # noqa: E402
    DEFAULT_EDGE_WEIGHT,
    PrerequisiteGraph,
    Schedule,
    events_after_review,
    order_by_knockouts,
    resolve_requirement,
)
from mathdrill.scheduling.queue import CardInfo, order_new_cards  # noqa: E402

#: FSRS-6 default parameters w0 … w20 (py-fsrs 6.x, ``DEFAULT_PARAMETERS``).
W = (
    0.212,
    1.2931,
    2.3065,
    8.2956,
    6.4133,
    0.8334,
    3.0194,
    0.001,
    1.8722,
    0.1666,
    0.796,
    1.4835,
    0.0614,
    0.2629,
    1.6483,
    0.6014,
    1.8729,
    0.5425,
    0.0912,
    0.0658,
    0.1542,
)
DECAY = -W[20]
FACTOR = 0.9 ** (1 / DECAY) - 1
STABILITY_MIN = 0.001
#: Shares of Again, Hard, Good, Easy at a first showing (``DEFAULT_FIRST_RATING_PROB``).
FIRST_RATING_PROB = (0.24, 0.094, 0.495, 0.171)
#: Shares of Hard, Good, Easy among successful reviews (``DEFAULT_REVIEW_RATING_PROB``).
REVIEW_RATING_PROB = (0.224, 0.631, 0.145)
AGAIN, HARD, GOOD, EASY = 1, 2, 3, 4
#: The grade the schedulers see for each FSRS rating.
QUALITY_OF_RATING = {AGAIN: 1, HARD: 3, GOOD: 4, EASY: 5}
#: Ground truth: share of a Good review a successful showing gives each skill it requires.
TRANSFER = 0.5
#: Ground truth: implicit practice below this share is ignored.
TRANSFER_FLOOR = 0.05
#: Ground truth: σ of the log-normal ability (median 1) that scales every stability.
ABILITY_SIGMA = 0.3
#: The study day the simulation starts on (any day: only differences count).
START = date(2026, 1, 5)


def recall_probability(elapsed: float, stability: float, ability: float) -> float:
    """FSRS-6's power forgetting curve, stability scaled by the learner's ability."""
    return (1 + FACTOR * max(0.0, elapsed) / (ability * stability)) ** DECAY


def initial_difficulty(rating: int) -> float:
    return W[4] - math.exp(W[5] * (rating - 1)) + 1


def clamp_difficulty(difficulty: float) -> float:
    return min(10.0, max(1.0, difficulty))


def next_difficulty(difficulty: float, rating: int) -> float:
    damped = difficulty + (10.0 - difficulty) * (-W[6] * (rating - 3)) / 9.0
    return clamp_difficulty(W[7] * initial_difficulty(EASY) + (1 - W[7]) * damped)


def recall_stability(difficulty: float, stability: float, recall: float, rating: int) -> float:
    hard = W[15] if rating == HARD else 1.0
    easy = W[16] if rating == EASY else 1.0
    growth = (
        math.exp(W[8])
        * (11 - difficulty)
        * stability ** -W[9]
        * (math.exp((1 - recall) * W[10]) - 1)
        * hard
        * easy
    )
    return max(STABILITY_MIN, stability * (1 + growth))


def forget_stability(difficulty: float, stability: float, recall: float) -> float:
    long_term = (
        W[11]
        * difficulty ** -W[12]
        * ((stability + 1) ** W[13] - 1)
        * math.exp((1 - recall) * W[14])
    )
    return max(STABILITY_MIN, min(long_term, stability / math.exp(W[17] * W[18])))


def short_term_stability(stability: float, rating: int) -> float:
    increase = math.exp(W[17] * (rating - 3 + W[18])) * stability ** -W[19]
    if rating >= GOOD:
        increase = max(increase, 1.0)
    return max(STABILITY_MIN, stability * increase)


def stability_after(
    difficulty: float, stability: float, elapsed: float, recall: float, rating: int
) -> float:
    """FSRS-6's stability after a review rated ``rating`` (same day: short-term)."""
    if elapsed < 1:
        return short_term_stability(stability, rating)
    if rating == AGAIN:
        return forget_stability(difficulty, stability, recall)
    return recall_stability(difficulty, stability, recall, rating)


@dataclass
class Memory:
    """A learner's memory of one skill: FSRS difficulty, stability and last practice (days)."""

    difficulty: float
    stability: float
    last: float


@dataclass(frozen=True)
class Curriculum:
    """The skills of the decks: the prerequisite graph, solve times, introduction order."""

    requires: dict[str, tuple[str, ...]]
    seconds: dict[str, float]
    order: tuple[str, ...]


def load_curriculum(deck_dir: Path) -> Curriculum:
    """Read the decks' skills, prerequisites and ``expected_seconds`` (no sympy)."""
    catalog = read_catalog(deck_files(deck_dir))
    requires: dict[str, tuple[str, ...]] = {}
    seconds: dict[str, float] = {}
    cards: list[CardInfo] = []
    for deck in catalog.decks.values():
        for template in deck.templates.values():
            key = f"{deck.id}/{template.id}"
            requires[key] = tuple(resolve_requirement(deck.id, r) for r in template.requires)
            seconds[key] = template.expected_seconds
            cards.append(CardInfo(card_id=len(cards), deck=deck.id, template=template.id))
    ordered = order_new_cards(cards, {k: set(v) for k, v in requires.items()})
    return Curriculum(requires, seconds, tuple(card.key for card in ordered))


class Learner:
    """One simulated learner: ability, memories and a random stream per skill.

    Each skill draws from its own generator, seeded by the learner's seed and the skill, so the
    k-th trial of a skill meets the same random number under both schedulers.
    """

    def __init__(self, seed: int, truth: PrerequisiteGraph | None) -> None:
        self.seed = seed
        self.ability = random.Random(f"{seed}/ability").lognormvariate(0.0, ABILITY_SIGMA)
        self.truth = truth
        self.memory: dict[str, Memory] = {}
        self._streams: dict[str, random.Random] = {}

    def _stream(self, key: str) -> random.Random:
        if key not in self._streams:
            self._streams[key] = random.Random(f"{self.seed}/{key}")
        return self._streams[key]

    def recall(self, key: str, day: float) -> float:
        memory = self.memory[key]
        return recall_probability(day - memory.last, memory.stability, self.ability)

    def learn(self, key: str, day: int) -> int:
        """First showing of a skill; returns the FSRS rating."""
        rating = self._stream(key).choices((AGAIN, HARD, GOOD, EASY), FIRST_RATING_PROB)[0]
        self.memory[key] = Memory(
            clamp_difficulty(initial_difficulty(rating)), W[rating - 1], float(day)
        )
        if rating != AGAIN:
            self._practise_below(key, day)
        return rating

    def review(self, key: str, day: int) -> int:
        """An explicit review: a recall trial that updates the memory; returns the rating."""
        stream = self._stream(key)
        memory = self.memory[key]
        recall = self.recall(key, day)
        if stream.random() < recall:
            rating = stream.choices((HARD, GOOD, EASY), REVIEW_RATING_PROB)[0]
        else:
            rating = AGAIN
        elapsed = day - memory.last
        memory.stability = stability_after(
            memory.difficulty, memory.stability, elapsed, recall, rating
        )
        memory.difficulty = next_difficulty(memory.difficulty, rating)
        memory.last = float(day)
        if rating != AGAIN:
            self._practise_below(key, day)
        return rating

    def _practise_below(self, key: str, day: int) -> None:
        if self.truth is None:  # --transfer 0: skills are independent
            return
        for target, share in self.truth.below(key, TRANSFER_FLOOR).items():
            memory = self.memory.get(target)
            if memory is None:
                continue
            elapsed = day - memory.last
            recall = self.recall(target, day)
            good = stability_after(memory.difficulty, memory.stability, elapsed, recall, GOOD)
            stability = memory.stability + share * (good - memory.stability)
            target_recall = recall + share * (1 - recall)
            # The practice time that gives that recall at the new stability.
            equivalent = self.ability * stability / FACTOR * (target_recall ** (1 / DECAY) - 1)
            memory.stability = stability
            memory.last = day - equivalent


@dataclass
class Run:
    """What one scheduler did with one learner."""

    scheduler: str
    reviews: int = 0
    learns: int = 0
    seconds: float = 0.0
    credits: int = 0
    retention: float = 0.0
    introduced: list[str] = field(default_factory=list)
    #: Every explicit showing: (day, skill, "learn" or "review", quality).
    log: list[tuple[int, str, str, int]] = field(default_factory=list)


def simulate(
    curriculum: Curriculum,
    scheduler: str,
    seed: int,
    days: int,
    new_per_day: int,
    transfer: float = TRANSFER,
    edge_weight: float = DEFAULT_EDGE_WEIGHT,
) -> Run:
    """Drill one learner with one scheduler for ``days`` study days; return the run.

    Args:
        curriculum: The skills.
        scheduler: ``"sm2"`` or ``"graph"``.
        seed: The learner's seed (the same learner under both schedulers).
        days: Study days to simulate.
        new_per_day: New skills introduced each day.
        transfer: The ground truth's share of a repetition per ``requires`` edge (0: none).
        edge_weight: The graph scheduler's credit weight per edge.

    Returns:
        The run, with its log and the final test's retention.
    """
    if scheduler not in ("sm2", "graph"):
        raise ValueError(f"unknown scheduler {scheduler!r}")
    truth = PrerequisiteGraph(curriculum.requires, default_weight=transfer) if transfer else None
    learner = Learner(seed, truth)
    graph = PrerequisiteGraph(curriculum.requires, default_weight=edge_weight)
    schedules: dict[str, Schedule] = {}
    position = {key: i for i, key in enumerate(curriculum.order)}
    run = Run(scheduler)

    def answered(key: str, kind: str, rating: int, day: int, today: date) -> None:
        quality = QUALITY_OF_RATING[rating]
        run.log.append((day, key, kind, quality))
        run.seconds += curriculum.seconds[key]
        if kind == "learn":
            run.learns += 1
            schedules[key] = Schedule.first(quality, today)
        else:
            run.reviews += 1
            schedules[key] = schedules[key].after_review(quality, today)
        if scheduler == "graph":
            for event in events_after_review(graph, schedules, key, quality, today):
                schedules[event.target] = event.after
                run.credits += 1

    for day in range(days):
        today = START + timedelta(days=day)
        due = sorted(
            (key for key, s in schedules.items() if s.due_day <= today),
            key=lambda key: (schedules[key].due_day, position[key]),
        )
        if scheduler == "graph":
            due = order_by_knockouts(graph, schedules, due, today)
        for key in due:
            if schedules[key].due_day > today:  # knocked out by an earlier credit today
                continue
            answered(key, "review", learner.review(key, day), day, today)
        for key in curriculum.order[day * new_per_day : (day + 1) * new_per_day]:
            run.introduced.append(key)
            answered(key, "learn", learner.learn(key, day), day, today)
    if run.introduced:
        run.retention = statistics.fmean(learner.recall(k, days) for k in run.introduced)
    return run


def spread(values: Sequence[float]) -> str:
    """Mean, then min / quartiles / max."""
    ordered = sorted(values)
    if len(ordered) >= 2:
        q1, median, q3 = statistics.quantiles(ordered, n=4, method="inclusive")
    else:
        q1 = median = q3 = ordered[0]
    return (
        f"{statistics.fmean(ordered):8.3f}   "
        f"[{ordered[0]:.3f} {q1:.3f} {median:.3f} {q3:.3f} {ordered[-1]:.3f}]"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--learners", type=int, default=20, help="simulated learners (≥ 1)")
    parser.add_argument("--days", type=int, default=180, help="study days to simulate")
    parser.add_argument("--seed", type=int, default=0, help="seed of the first learner")
    parser.add_argument("--new-per-day", type=int, default=2, help="new skills a day")
    parser.add_argument(
        "--transfer", type=float, default=TRANSFER, help="ground truth: share per edge"
    )
    parser.add_argument(
        "--edge-weight",
        type=float,
        default=DEFAULT_EDGE_WEIGHT,
        help="graph scheduler: credit weight per edge",
    )
    parser.add_argument("--decks", type=Path, default=REPO / "decks", help="deck folder")
    args = parser.parse_args(argv)
    if args.learners < 1 or args.days < 1 or args.new_per_day < 0:
        parser.error("--learners and --days must be ≥ 1, --new-per-day ≥ 0")
    if not 0 <= args.transfer <= 1 or not 0 < args.edge_weight <= 1:
        parser.error("--transfer must be in [0, 1], --edge-weight in (0, 1]")
    curriculum = load_curriculum(args.decks)
    seeds = range(args.seed, args.seed + args.learners)
    runs = {
        name: [
            simulate(
                curriculum,
                name,
                seed,
                args.days,
                args.new_per_day,
                transfer=args.transfer,
                edge_weight=args.edge_weight,
            )
            for seed in seeds
        ]
        for name in ("sm2", "graph")
    }
    print(
        f"{len(curriculum.order)} skills, {args.learners} learners (seeds {seeds.start}–"
        f"{seeds.stop - 1}), {args.days} days, {args.new_per_day} new a day, "
        f"transfer {args.transfer}, edge weight {args.edge_weight}"
    )
    print(f"{'':24}{'mean':>8}   [min q1 median q3 max]")
    for name, results in runs.items():
        print(name)
        print(f"  {'reviews/day':22}" + spread([r.reviews / args.days for r in results]))
        print(f"  {'minutes/day':22}" + spread([r.seconds / 60 / args.days for r in results]))
        print(f"  {'retention':22}" + spread([r.retention for r in results]))
        print(f"  {'credits/day':22}" + spread([r.credits / args.days for r in results]))
    pairs = list(zip(runs["sm2"], runs["graph"], strict=True))
    fewer = [1 - g.reviews / s.reviews if s.reviews else 0.0 for s, g in pairs]
    minutes = [1 - g.seconds / s.seconds if s.seconds else 0.0 for s, g in pairs]
    points = [100 * (g.retention - s.retention) for s, g in pairs]
    print("graph against sm2, per learner")
    print(f"  {'fewer reviews (share)':22}" + spread(fewer))
    print(f"  {'fewer minutes (share)':22}" + spread(minutes))
    print(f"  {'retention (points)':22}" + spread(points))
    met = statistics.fmean(fewer) >= 0.25 and statistics.fmean(points) >= -1.0
    print(f"target (≥ 25 % fewer reviews, retention within 1 point): {'met' if met else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
