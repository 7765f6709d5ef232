"""Scheduling over the prerequisite graph: implicit credit, penalties, knock-outs, unlocking.

Mathematics is a graph: a correct answer to a skill also exercises the skills it ``requires``.
This module lets a review's outcome trickle down that graph (the idea of Math Academy's
Fractional Implicit Repetition), while every card keeps SM-2 (:mod:`mathdrill.scheduling.sm2`)
as its own rule. It is pure: no clock, no random generator, no storage. Days are study days
(:func:`mathdrill.scheduling.queue.study_day`); the caller turns instants into days and back.

The rules (docs/architecture.md, "Scheduling"; golden sequences in
``tests/scheduling/test_graph.py``):

* **The graph.** ``"deck/template"`` → its prerequisites (``requires``, resolved with
  :func:`resolve_requirement`). Every edge has a weight in (0, 1], :data:`DEFAULT_EDGE_WEIGHT`
  unless given. The weight of a skill *below* another is the largest product of edge weights
  along a path down to it (a skill two edges down at 0.5 each gets 0.25); skills whose weight
  falls under :data:`MIN_WEIGHT` are not reached. Cycles (which ``deck check`` refuses) cannot
  loop: a path is only followed when it raises a weight.
* **Credit** (:func:`apply_credit`). A pass (quality ≥ 3) of a skill gives each reviewed skill
  below it a *fractional repetition* of size ``amount = weight × discount``. The discount is
  the share of the credited card's interval that has elapsed, ``min(1, (day − last) /
  interval)``: a repetition before the card is due counts for less, one on the day of its last
  review for nothing. The credit moves the card's due date that share of the way towards the
  due date a full pass today would give (SM-2 with quality :data:`CREDIT_QUALITY`):
  ``due' = due + ⌊amount × (today + I_pass − due) + ½⌋``, where ``I_pass`` is the interval
  of that pass. The card's ``interval`` grows by the same days (``due = last + interval``
  stays true) and so does every later SM-2 interval built on it. A credit of exactly 1 (weight
  1 and due) *is* that pass: repetitions + 1, the pass interval, last review today. Credit
  never changes the E-Factor and never moves a due date in.
* **Penalty** (:func:`apply_penalty`). A fail (quality < 3) whose mistake or hints point at
  skills below it (``implicated``, given by the caller) pulls those skills in: the days left
  until the card is due shrink by the share ``weight`` (:data:`PENALTY_WEIGHT` for an
  implicated skill, times the path weight for the skills below it), never to less than one:
  ``due' = today + max(1, ceil((1 − weight) × (due − today)))``. A card due within a day is
  left alone. Skills the caller does not implicate get nothing: a fail alone does not say
  which prerequisite, if any, was the cause.
* **Knock-outs** (:func:`order_by_knockouts`). Among today's due cards, the first shown are
  those whose credit would push the most *other* due cards past today (greedy maximum
  coverage); the covered cards come last, so a session that re-checks what is still due skips
  them once the credit has moved them.
* **Unlocking** (:func:`unlocked`). A new skill is introduced only once every prerequisite
  that is a card has been learned (a scheduled card with at least one pass since its last
  fail).

Every credit and penalty is returned as a :class:`GraphEvent` (the rule's input and the state
before and after), so a caller can store it as its own event and a fold over the log can
replay it with :func:`apply_event`. :func:`schedule_of` and :func:`due_of` convert between a
stored card (:class:`~mathdrill.scheduling.queue.CardInfo`) and a :class:`Schedule`.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Literal

from mathdrill.errors import UsageError
from mathdrill.scheduling.queue import CardInfo, SchedulingSettings, day_start, study_day
from mathdrill.scheduling.sm2 import (
    MAX_INTERVAL_DAYS,
    PASS_QUALITY,
    SM2State,
    check_quality,
    review,
)

#: Weight of one ``requires`` edge when the graph is not given another: the share of a
#: repetition that a pass of a skill gives each skill it directly requires. Chosen with
#: ``bench/simulate.py`` (bench/README.md, "Graph scheduler").
DEFAULT_EDGE_WEIGHT = 0.45
#: Skills whose path weight is below this get no credit or penalty (bounds the events of one
#: review to the skills that matter).
MIN_WEIGHT = 0.1
#: The SM-2 quality a credit counts as: a plain correct answer (4), which leaves EF unchanged.
CREDIT_QUALITY = 4
#: Share of the remaining days a penalty takes from a skill the mistake or hint points at.
PENALTY_WEIGHT = 1.0

GraphEventKind = Literal["credit", "penalty"]


def resolve_requirement(deck: str, written: str) -> str:
    """Return the ``"deck/template"`` key a ``requires`` entry names.

    Args:
        deck: The deck the entry is written in.
        written: The entry: a template id of the same deck or ``other-deck/id``.

    Returns:
        The key.
    """
    return written if "/" in written else f"{deck}/{written}"


def _check_weight(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise UsageError(f"{name} must be a number, got {value!r}.")
    if not 0 < value <= 1:
        raise UsageError(f"{name} must be in (0, 1], got {value!r}.")
    return float(value)


class PrerequisiteGraph:
    """Skills and the skills they require, each edge with a weight in (0, 1].

    Args:
        requires: ``"deck/template"`` → its prerequisites as keys. A skill listed as its own
            prerequisite is ignored; prerequisites need not be keys themselves.
        weights: ``(skill, prerequisite)`` → the edge's weight, for edges that differ from
            ``default_weight``.
        default_weight: The weight of every other edge.

    Raises:
        UsageError: If a weight is not in (0, 1] or weighs an edge the graph does not have.
    """

    def __init__(
        self,
        requires: Mapping[str, Iterable[str]],
        weights: Mapping[tuple[str, str], float] | None = None,
        default_weight: float = DEFAULT_EDGE_WEIGHT,
    ) -> None:
        default = _check_weight("An edge weight", default_weight)
        self._edges: dict[str, dict[str, float]] = {
            key: {p: default for p in prereqs if p != key} for key, prereqs in requires.items()
        }
        for (key, prereq), weight in (weights or {}).items():
            if prereq not in self._edges.get(key, {}):
                raise UsageError(f"{key} does not require {prereq}; its edge cannot be weighted.")
            self._edges[key][prereq] = _check_weight(f"The weight of {key} → {prereq}", weight)

    @property
    def skills(self) -> tuple[str, ...]:
        """The skills the graph was built from, in the order given."""
        return tuple(self._edges)

    def prerequisites(self, key: str) -> dict[str, float]:
        """Return a skill's direct prerequisites with their edge weights.

        Args:
            key: ``"deck/template"``.

        Returns:
            ``{prerequisite: weight}`` (empty for an unknown skill).
        """
        return dict(self._edges.get(key, {}))

    def below(self, key: str, min_weight: float = MIN_WEIGHT) -> dict[str, float]:
        """Return every skill below ``key`` with its path weight (the largest product of weights).

        A best-first search (Dijkstra's, on products of weights ≤ 1): a skill is settled with
        its largest weight the first time it is popped, so cycles end.

        Args:
            key: ``"deck/template"``.
            min_weight: Skills whose weight is below this are left out.

        Returns:
            ``{skill: weight}``, without ``key`` itself.
        """
        settled: dict[str, float] = {}
        frontier: list[tuple[float, str]] = [(-1.0, key)]
        while frontier:
            negative, node = heapq.heappop(frontier)
            if node in settled:
                continue
            settled[node] = -negative
            for prereq, edge in self._edges.get(node, {}).items():
                weight = -negative * edge
                if prereq not in settled and weight >= min_weight:
                    heapq.heappush(frontier, (-weight, prereq))
        del settled[key]
        return settled


@dataclass(frozen=True)
class Schedule:
    """A reviewed card's SM-2 schedule counted in study days.

    ``due_day = last_day + interval`` always holds: a credit or penalty changes ``interval``
    (and, for a full credit, ``last_day``) together with the due date.

    Attributes:
        repetitions: SM-2 ``n``.
        easiness: SM-2 E-Factor.
        interval: Days from ``last_day`` to the due day, ≥ 1.
        last_day: Study day of the last review (or full credit) that set the SM-2 state.
    """

    repetitions: int
    easiness: float
    interval: int
    last_day: date

    def __post_init__(self) -> None:
        SM2State(self.repetitions, self.easiness, self.interval)  # validates the fields
        if self.interval < 1:
            raise UsageError(f"A scheduled card has an interval ≥ 1 day, got {self.interval}.")

    @property
    def due_day(self) -> date:
        """The study day the card is due."""
        return self.last_day + timedelta(days=self.interval)

    @property
    def state(self) -> SM2State:
        """The SM-2 state."""
        return SM2State(self.repetitions, self.easiness, self.interval)

    @property
    def learned(self) -> bool:
        """Whether the card has passed since its last fail (SM-2 ``n ≥ 1``)."""
        return self.repetitions >= 1

    def after_review(self, quality: int, day: date) -> Schedule:
        """Return the schedule after an explicit review on ``day`` (plain SM-2).

        Args:
            quality: The grade, 0–5.
            day: The study day of the review.

        Returns:
            The new schedule.
        """
        after = review(self.state, quality)
        return Schedule(after.repetitions, after.easiness, after.interval, day)

    @classmethod
    def first(cls, quality: int, day: date) -> Schedule:
        """Return the schedule of a new card after its first review on ``day``.

        Args:
            quality: The grade, 0–5.
            day: The study day of the review.

        Returns:
            The schedule.
        """
        after = review(SM2State(), quality)
        return cls(after.repetitions, after.easiness, after.interval, day)


def schedule_of(card: CardInfo, settings: SchedulingSettings) -> Schedule | None:
    """Return a stored card's schedule in study days, or None when it has none to credit.

    The due day is recomputed as the study day of the last review plus the interval, which is
    how :func:`~mathdrill.scheduling.queue.next_due` set it.

    Args:
        card: The card as the queue sees it.
        settings: The learner's time zone and rollover hour.

    Returns:
        The schedule; None for a new card or one without a last scheduling review.
    """
    if card.due is None or card.last_review is None or card.interval < 1:
        return None
    last = study_day(card.last_review, settings.rollover_hour, settings.tz)
    return Schedule(card.repetitions, card.easiness, card.interval, last)


def due_of(schedule: Schedule, settings: SchedulingSettings) -> datetime:
    """Return the instant a schedule is due: the start of its due study day (UTC).

    Args:
        schedule: The schedule.
        settings: The learner's time zone and rollover hour.

    Returns:
        The aware due instant, as storage keeps it.
    """
    return day_start(schedule.due_day, settings.rollover_hour, settings.tz)


def credit_discount(schedule: Schedule, day: date) -> float:
    """Return the share of a card's interval that has elapsed on ``day``, capped at 1.

    Args:
        schedule: The card's schedule.
        day: Today.

    Returns:
        ``min(1, max(0, (day − last_day) / interval))``.
    """
    elapsed = (day - schedule.last_day).days
    return min(1.0, max(0.0, elapsed / schedule.interval))


def apply_credit(schedule: Schedule, weight: float, day: date) -> Schedule:
    """Return a card's schedule after an implicit, fractional repetition (see module docstring).

    Args:
        schedule: The credited card's schedule.
        weight: The path weight from the reviewed skill, in (0, 1].
        day: The study day of the review that gave the credit.

    Returns:
        The new schedule (the same one when the credit moves nothing).

    Raises:
        UsageError: If ``weight`` is not in (0, 1].
    """
    amount = _check_weight("A credit weight", weight) * credit_discount(schedule, day)
    if amount <= 0:
        return schedule
    passed = schedule.after_review(CREDIT_QUALITY, day)
    if amount >= 1:
        return passed
    gap = (passed.due_day - schedule.due_day).days
    shift = math.floor(amount * gap + 0.5)
    if shift <= 0:
        return schedule
    return replace(schedule, interval=min(MAX_INTERVAL_DAYS, schedule.interval + shift))


def apply_penalty(schedule: Schedule, weight: float, day: date) -> Schedule:
    """Return a card's schedule pulled in by a penalty (see module docstring).

    Args:
        schedule: The penalised card's schedule.
        weight: The share of the remaining days to take away, in (0, 1].
        day: The study day of the failed review.

    Returns:
        The new schedule (the same one when the card is due within a day).

    Raises:
        UsageError: If ``weight`` is not in (0, 1].
    """
    weight = _check_weight("A penalty weight", weight)
    remaining = (schedule.due_day - day).days
    if remaining <= 1:
        return schedule
    # The tolerance keeps float noise ((1 − 0.7) × 10 = 3.0000000000000004) from adding a day.
    kept = max(1, math.ceil((1 - weight) * remaining - 1e-9))
    if kept >= remaining:
        return schedule
    return replace(schedule, interval=schedule.interval - (remaining - kept))


@dataclass(frozen=True)
class GraphEvent:
    """One credit or penalty a review gave to a card below it.

    Attributes:
        kind: ``"credit"`` (after a pass) or ``"penalty"`` (after a fail).
        source: The reviewed skill.
        target: The skill credited or penalised.
        weight: The rule's input: the path weight (times :data:`PENALTY_WEIGHT` for a penalty).
        day: The study day of the review.
        before: The target's schedule before.
        after: The target's schedule after.
    """

    kind: GraphEventKind
    source: str
    target: str
    weight: float
    day: date
    before: Schedule
    after: Schedule


def apply_event(schedule: Schedule, kind: GraphEventKind, weight: float, day: date) -> Schedule:
    """Replay a stored credit or penalty on a card's schedule (the fold's step for events).

    Args:
        schedule: The target's schedule before the event.
        kind: ``"credit"`` or ``"penalty"``.
        weight: The event's weight.
        day: The event's study day.

    Returns:
        The schedule after the event.

    Raises:
        UsageError: If the kind or the weight is invalid.
    """
    if kind == "credit":
        return apply_credit(schedule, weight, day)
    if kind == "penalty":
        return apply_penalty(schedule, weight, day)
    raise UsageError(f"Unknown graph event kind {kind!r}; use 'credit' or 'penalty'.")


def events_after_review(
    graph: PrerequisiteGraph,
    schedules: Mapping[str, Schedule],
    source: str,
    quality: int,
    day: date,
    implicated: Collection[str] = (),
) -> list[GraphEvent]:
    """Return the credits or penalties one explicit review of ``source`` gives below it.

    A pass credits every scheduled skill below ``source``; a fail penalises the ``implicated``
    skills below ``source`` and the skills below them. Only events that change a schedule are
    returned, heaviest first (ties by key); each target appears at most once, so the events can
    be applied in any order.

    Args:
        graph: The prerequisite graph.
        schedules: The schedules of the reviewed cards (new and suspended cards left out).
        source: The reviewed skill.
        quality: Its grade, 0–5.
        day: The study day of the review.
        implicated: Skills below ``source`` the failed answer's mistake or hints point at;
            others are ignored.

    Returns:
        The events.

    Raises:
        UsageError: If ``quality`` is not an int in 0–5.
    """
    below = graph.below(source)
    weights: dict[str, float]
    if check_quality(quality) >= PASS_QUALITY:
        kind: GraphEventKind = "credit"
        weights = below
    else:
        kind = "penalty"
        weights = {}
        for blamed in implicated:
            if blamed not in below:
                continue
            reach = {blamed: 1.0, **graph.below(blamed)}
            for target, path in reach.items():
                weight = PENALTY_WEIGHT * path
                if weight >= MIN_WEIGHT and target != source:
                    weights[target] = max(weights.get(target, 0.0), weight)
    events = []
    for target, weight in sorted(weights.items(), key=lambda item: (-item[1], item[0])):
        before = schedules.get(target)
        if before is None:
            continue
        after = apply_event(before, kind, weight, day)
        if after != before:
            events.append(GraphEvent(kind, source, target, weight, day, before, after))
    return events


def order_by_knockouts(
    graph: PrerequisiteGraph,
    schedules: Mapping[str, Schedule],
    due: Sequence[str],
    day: date,
) -> list[str]:
    """Order today's due cards so that the reviews which knock out the most others come first.

    A card *knocks out* another due card when its credit (computed from today's schedules, as
    if it is passed) moves that card's due day past today. Greedy maximum coverage: repeatedly
    take the card that knocks out the most due cards not yet covered (ties: the earlier in
    ``due``, which is most overdue first); cards covered by an earlier pick go last, in their
    input order, for the session to skip once they are no longer due.

    Args:
        graph: The prerequisite graph.
        schedules: The schedules of the reviewed cards.
        due: Today's due cards, most overdue first.
        day: Today.

    Returns:
        The same cards, reordered.
    """
    rank = {key: i for i, key in enumerate(due)}
    knocks: dict[str, frozenset[str]] = {}
    for key in due:
        hits = []
        for target, weight in graph.below(key).items():
            if (
                target in rank
                and target in schedules
                and apply_credit(schedules[target], weight, day).due_day > day
            ):
                hits.append(target)
        knocks[key] = frozenset(hits)
    heap = [(-len(knocks[key]), rank[key], key) for key in due]
    heapq.heapify(heap)
    picked: list[str] = []
    covered: set[str] = set()
    while heap:
        negative, position, key = heapq.heappop(heap)
        if key in covered:
            continue
        fresh = knocks[key] - covered
        if len(fresh) < -negative:  # its coverage shrank since it was scored: score again
            heapq.heappush(heap, (-len(fresh), position, key))
            continue
        picked.append(key)
        covered |= fresh
    return picked + [key for key in due if key in covered and key not in picked]


def unlocked(
    graph: PrerequisiteGraph, new: Sequence[str], schedules: Mapping[str, Schedule]
) -> list[str]:
    """Return the new skills whose prerequisites have all been learned, in the given order.

    A prerequisite counts when it is a card: scheduled (in ``schedules``) or new (in ``new``);
    one that is neither (suspended, or in a deck not loaded) imposes nothing. A new
    prerequisite is not learned, so a skill waits for the skills it requires.

    Args:
        graph: The prerequisite graph.
        new: The new skills, in the order they would be introduced.
        schedules: The schedules of the reviewed cards.

    Returns:
        The skills of ``new`` that may be introduced now.
    """
    waiting = set(new)
    ready = []
    for key in new:
        prereqs = graph.prerequisites(key)
        if all(schedules[p].learned if p in schedules else p not in waiting for p in prereqs):
            ready.append(key)
    return ready
