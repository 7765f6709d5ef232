"""Today's queue, study days, due dates, leeches and the one scheduling rule (pure).

Time (docs/architecture.md, "Time"): every function takes an *aware* ``now``, never a naive one.
A study day runs from ``rollover_hour`` local time (default 04:00) to the same hour the next
calendar day, so a review at 01:30 on Tuesday still belongs to Monday's study day.

* :func:`study_day` maps an instant to its study day, :func:`day_start` a study day to the
  instant it begins. For every instant ``t``: ``day_start(study_day(t)) ≤ t <
  day_start(study_day(t) + 1 day)``, across DST changes too. When the rollover wall time does
  not exist (a spring-forward gap) the day starts at the first instant after the gap; when it
  exists twice (fall back) the day starts at the first occurrence. Both :func:`day_start` and
  :func:`next_due` return UTC datetimes, because Python subtracts datetimes sharing a zone by
  wall clock and compares fall-back wall times across zones unreliably (PEP 495).
* :func:`next_due`: a card reviewed at ``now`` with an interval of ``n`` days is due at the
  *start* of study day ``study_day(now) + n``. "Due tomorrow" therefore means "from 04:00
  tomorrow", whatever the hour of today's review, and a review at 01:30 (still yesterday's study
  day) with interval 1 is due from 04:00 the same calendar morning.
* A card is *due today* when its due instant is before the start of tomorrow's study day, i.e.
  its due study day is today or earlier (a due set by :func:`next_due` is always a day start,
  so in practice "due ≤ now").

The queue (:func:`build_daily_queue`):

* ``due``: non-suspended cards due today in priority order (:func:`order_due`: most overdue
  relative to their interval first, i.e. lowest retrievability first); at most
  ``review_cap − reviews_done_today``. The rest are *held back*: they stay due and compete again
  tomorrow (:func:`mathdrill.scheduling.workload.spread_reviews` forecasts the days they get).
* ``new``: non-suspended never-reviewed cards (``due is None``), at most
  ``new_per_day − new_done_today``, taken round-robin over the decks (each in file order) except
  that a card comes after every *new* card it requires (see :func:`order_new_cards`).
* ``leeches``: non-suspended cards flagged as leeches, most lapses first. They stay in ``due``
  as well: a leech is still scheduled, the flag asks the learner to look at it.

The scheduling rule shared by the drill and storage is :func:`schedule_after`: learn and review
move the SM-2 state, repeat and cram leave it unchanged (they are logged by the caller).

Leeches: a card becomes a leech at ``LEECH_THRESHOLD`` (8) lapses and the learner is warned then
and again every ``LEECH_WARN_EVERY`` (4) lapses after (12, 16, …).
"""

from __future__ import annotations

import heapq
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from fractions import Fraction

from mathdrill.errors import UsageError
from mathdrill.scheduling.sm2 import MAX_INTERVAL_DAYS, SM2State, check_quality, is_lapse, review
from mathdrill.vocabulary import REVIEW_KINDS, ReviewKind

#: Lapses at which a card is first flagged as a leech.
LEECH_THRESHOLD = 8
#: After the threshold, warn again every this many lapses.
LEECH_WARN_EVERY = 4
#: Default local hour at which a study day begins.
DEFAULT_ROLLOVER_HOUR = 4
# The defaults are sized for "a few minutes a day" (README.md, "Daily use"). A problem takes
# about a minute (the built-in templates' expected_seconds have a median of 75 s, for a fluent
# learner). SM-2 with 3 new skills a day and 8–15 % failed reviews settles at about 14–16
# problems a day after a month (new skills, their reviews and relearning), so 3 new skills keep
# a normal day near a quarter of an hour and introduce the 212 built-in skills in about ten
# weeks. The review cap, 20, sits above that load, so it only bites after a break; then the
# overdue reviews come 20 a day (scheduling/workload.py, spread_reviews) instead of all at once.
#: Default number of new cards introduced per study day (``MATHDRILL_NEW_PER_DAY``).
DEFAULT_NEW_PER_DAY = 3
#: Default number of due reviews per study day (``MATHDRILL_REVIEWS_PER_DAY``).
DEFAULT_REVIEW_CAP = 20


def _check_aware(name: str, value: object) -> datetime:
    if not isinstance(value, datetime):
        raise UsageError(f"{name} must be a datetime, got {type(value).__name__}.")
    if value.tzinfo is None or value.utcoffset() is None:
        raise UsageError(
            f"{name} must carry a time zone (e.g. 2026-03-01T09:00+01:00), got {value.isoformat()}."
        )
    return value


def _check_whole(name: str, value: object, *, low: int = 0, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise UsageError(f"{name} must be a whole number, got {value!r}.")
    if value < low or (high is not None and value > high):
        bound = f"from {low} to {high}" if high is not None else f"≥ {low}"
        raise UsageError(f"{name} must be {bound}, got {value}.")
    return value


def _due_key(card: CardInfo) -> tuple[datetime, int]:
    # Sort on UTC instants: tuples compare with == first, and == between zones is unreliable
    # for wall times in a fall-back hour (PEP 495). New cards (no due) never reach this sort.
    due = card.due if card.due is not None else datetime.min.replace(tzinfo=UTC)
    return due.astimezone(UTC), card.card_id


def _check_tz(tz: object) -> tzinfo:
    if not isinstance(tz, tzinfo):
        raise UsageError(
            f"The time zone must be a tzinfo (e.g. ZoneInfo('Europe/Berlin')), got {tz!r}."
        )
    return tz


def study_day(now: datetime, rollover_hour: int = DEFAULT_ROLLOVER_HOUR, tz: tzinfo = UTC) -> date:
    """Return the study day an instant belongs to.

    Args:
        now: An aware datetime.
        rollover_hour: Local hour (0–23) at which a study day begins.
        tz: The learner's time zone.

    Returns:
        The local calendar date, minus one day before ``rollover_hour``.

    Raises:
        UsageError: If ``now`` is naive or ``rollover_hour`` is out of range.
    """
    _check_aware("now", now)
    _check_whole("rollover_hour", rollover_hour, high=23)
    local = now.astimezone(_check_tz(tz))
    day = local.date()
    return day - timedelta(days=1) if local.hour < rollover_hour else day


def day_start(day: date, rollover_hour: int = DEFAULT_ROLLOVER_HOUR, tz: tzinfo = UTC) -> datetime:
    """Return the instant a study day begins, as an aware datetime in UTC.

    The result is in UTC on purpose: Python subtracts two datetimes that share a ``tzinfo`` by
    wall clock (a 23-hour DST day would come out as 24 hours) and never finds a wall time in a
    fall-back hour equal to an instant in another zone (PEP 495). UTC has neither trap; convert
    with ``.astimezone(tz)`` for display.

    Args:
        day: The study day.
        rollover_hour: Local hour (0–23) at which a study day begins.
        tz: The learner's time zone.

    Returns:
        The instant (in UTC) of ``day`` at ``rollover_hour`` local time; if that wall time falls
        in a DST gap, the first instant after the gap; if it occurs twice, the first occurrence.

    Raises:
        UsageError: If ``rollover_hour`` is out of range.
    """
    _check_whole("rollover_hour", rollover_hour, high=23)
    tz = _check_tz(tz)
    if isinstance(day, datetime) or not isinstance(day, date):
        raise UsageError(f"day must be a date, got {type(day).__name__}.")
    wall = datetime.combine(day, time(rollover_hour), tzinfo=tz)  # fold=0: first occurrence
    # A wall time in a spring-forward gap does not exist; fold=0 reads it with the offset from
    # before the gap, which is the instant the gap ends (02:00 CET = 03:00 CEST in Berlin).
    return wall.astimezone(UTC)


def next_due(
    now: datetime,
    interval_days: int,
    rollover_hour: int = DEFAULT_ROLLOVER_HOUR,
    tz: tzinfo = UTC,
) -> datetime:
    """Return when a card reviewed at ``now`` with an interval of ``interval_days`` becomes due.

    Args:
        now: When the review happened (aware).
        interval_days: The SM-2 interval in days (≥ 0; 0 means due again from today's start);
            more than :data:`~mathdrill.scheduling.sm2.MAX_INTERVAL_DAYS` counts as that many.
        rollover_hour: Local hour (0–23) at which a study day begins.
        tz: The learner's time zone.

    Returns:
        The start of study day ``study_day(now) + interval_days``, aware, in UTC.

    Raises:
        UsageError: If ``now`` is naive or an argument is out of range.
    """
    _check_whole("interval_days", interval_days)
    today = study_day(now, rollover_hour, tz)
    days = min(interval_days, MAX_INTERVAL_DAYS)
    return day_start(today + timedelta(days=days), rollover_hour, tz)


def leech_warning(lapses_before: int, lapses_after: int) -> bool:
    """Tell whether going from ``lapses_before`` to ``lapses_after`` lapses crosses a warning.

    Warnings fall at ``LEECH_THRESHOLD`` lapses and every ``LEECH_WARN_EVERY`` after it
    (8, 12, 16, …).

    Args:
        lapses_before: Lapses before the review (≥ 0).
        lapses_after: Lapses after it (≥ ``lapses_before``).

    Returns:
        ``True`` when some count in ``(lapses_before, lapses_after]`` is a warning point.

    Raises:
        UsageError: On negative counts or ``lapses_after < lapses_before``.
    """
    _check_whole("lapses_before", lapses_before)
    _check_whole("lapses_after", lapses_after, low=lapses_before)
    if lapses_after < LEECH_THRESHOLD:
        return False

    # Number of warning points at or below k: 0 below the threshold, then one per step.
    def points(k: int) -> int:
        return 0 if k < LEECH_THRESHOLD else (k - LEECH_THRESHOLD) // LEECH_WARN_EVERY + 1

    return points(lapses_after) > points(lapses_before)


@dataclass(frozen=True)
class CardInfo:
    """What the scheduler needs to know about one card (one template).

    Attributes:
        card_id: The storage id.
        deck: The deck id.
        template: The template id within the deck.
        repetitions: SM-2 ``n``.
        easiness: SM-2 E-Factor.
        interval: SM-2 interval in days.
        due: When the card is due (aware), ``None`` for a card never reviewed (new).
        lapses: Fails of the card after it had been learned.
        suspended: Excluded from every queue.
        leech: Flagged as a leech.
        last_review: When the last scheduling review happened, ``None`` if never.
    """

    card_id: int
    deck: str
    template: str
    repetitions: int = 0
    easiness: float = 2.5
    interval: int = 0
    due: datetime | None = None
    lapses: int = 0
    suspended: bool = False
    leech: bool = False
    last_review: datetime | None = None

    @property
    def key(self) -> str:
        """The card's identity in ``requires`` graphs: ``"deck/template"``."""
        return f"{self.deck}/{self.template}"

    @property
    def is_new(self) -> bool:
        """Whether the card has never had a scheduling review."""
        return self.due is None

    @property
    def state(self) -> SM2State:
        """The card's SM-2 state (validated)."""
        return SM2State(self.repetitions, self.easiness, self.interval)


@dataclass(frozen=True)
class SchedulingSettings:
    """The learner's scheduling settings.

    Attributes:
        tz: The learner's time zone (pass ``ZoneInfo(...)``; the pure layer never guesses it).
        rollover_hour: Local hour (0–23) at which a study day begins.
        new_per_day: New cards introduced per study day.
        review_cap: Most due cards shown per study day.

    Raises:
        UsageError: If a value is out of range.
    """

    tz: tzinfo = UTC
    rollover_hour: int = DEFAULT_ROLLOVER_HOUR
    new_per_day: int = DEFAULT_NEW_PER_DAY
    review_cap: int = DEFAULT_REVIEW_CAP

    def __post_init__(self) -> None:
        _check_tz(self.tz)
        _check_whole("rollover_hour", self.rollover_hour, high=23)
        _check_whole("new_per_day", self.new_per_day)
        _check_whole("review_cap", self.review_cap)


@dataclass(frozen=True)
class DailyQueue:
    """Today's work.

    Attributes:
        day: The study day.
        due: Due cards to review, most overdue first, capped.
        new: New cards to introduce, prerequisites first, decks interleaved, capped.
        leeches: Non-suspended leech cards, most lapses first (for a warning list).
        due_total: All non-suspended cards due today, before the cap.
        new_total: All non-suspended new cards, before the cap.
        suspended: Number of suspended cards skipped.
    """

    day: date
    due: tuple[CardInfo, ...] = ()
    new: tuple[CardInfo, ...] = ()
    leeches: tuple[CardInfo, ...] = ()
    due_total: int = 0
    new_total: int = 0
    suspended: int = 0

    @property
    def held_back(self) -> int:
        """Due cards left for later days by the review cap (they stay due)."""
        return self.due_total - len(self.due)

    def session_items(self) -> list[tuple[int, ReviewKind]]:
        """Return the queue as ``SessionQueue`` input: due (``"review"``), then new (``"learn"``).

        Returns:
            ``(card_id, kind)`` pairs in showing order.
        """
        items: list[tuple[int, ReviewKind]] = [(c.card_id, "review") for c in self.due]
        items.extend((c.card_id, "learn") for c in self.new)
        return items


def order_new_cards(
    cards: Sequence[CardInfo], requires: Mapping[str, Collection[str]]
) -> list[CardInfo]:
    """Order new cards so each comes after the cards among them it requires, decks interleaved.

    A topological sort (Kahn's algorithm) whose tie-break is round-robin over decks: each step
    takes the deck after the one last taken (decks in order of first appearance) that has a
    ready card, and that deck's ready card earliest in the input. So a first day mixes the
    selected decks instead of showing one deck's skills in a row, each deck's skills keep their
    file order where nothing is required, and a deck held back by a prerequisite rejoins the
    rotation (no burst of it afterwards). Prerequisites that are not among ``cards`` (already
    learned, suspended, unknown) impose nothing. A cycle does not stop the sort: when no card is
    ready, the earliest remaining card of a cycle goes next, as if its unmet prerequisites were
    met, and the sort carries on.

    Args:
        cards: The new cards in input order (deck order, then file order).
        requires: ``"deck/template"`` → its prerequisites as ``"deck/template"`` keys.

    Returns:
        The same cards, reordered.

    Raises:
        UsageError: If two cards share a ``"deck/template"`` key.
    """
    index: dict[str, int] = {}
    for i, card in enumerate(cards):
        if card.key in index:
            raise UsageError(f"Two cards share the template {card.key!r}; card ids must be unique.")
        index[card.key] = i
    # waiting[i]: prerequisites of card i still unplaced; dependents[j]: cards waiting on j.
    waiting: list[set[int]] = []
    dependents: list[list[int]] = [[] for _ in cards]
    for i, card in enumerate(cards):
        prereqs = {index[k] for k in requires.get(card.key, ()) if k in index and index[k] != i}
        waiting.append(prereqs)
        for j in prereqs:
            dependents[j].append(i)
    deck_index = {deck: n for n, deck in enumerate(dict.fromkeys(c.deck for c in cards))}
    deck_of = [deck_index[c.deck] for c in cards]
    # ready[n]: the ready cards of deck n, as a heap of input positions.
    ready: list[list[int]] = [[] for _ in deck_index]
    for i, w in enumerate(waiting):
        if not w:
            ready[deck_of[i]].append(i)  # ascending already: a valid heap
    placed = [False] * len(cards)
    order: list[int] = []
    last = -1
    while len(order) < len(cards):
        turn = _next_deck(ready, last)
        i = heapq.heappop(ready[turn]) if turn is not None else _break_cycle(waiting, placed)
        placed[i] = True
        order.append(i)
        last = deck_of[i]
        for d in dependents[i]:
            if not placed[d] and i in waiting[d]:
                waiting[d].discard(i)
                if not waiting[d]:
                    heapq.heappush(ready[deck_of[d]], d)
    return [cards[i] for i in order]


def _next_deck(ready: list[list[int]], last: int) -> int | None:
    """The first deck after deck ``last`` (cyclically) with a ready card, or None if none has."""
    for step in range(1, len(ready) + 1):
        deck = (last + step) % len(ready)
        if ready[deck]:
            return deck
    return None


def _break_cycle(waiting: list[set[int]], placed: list[bool]) -> int:
    """Pick the card to release when every unplaced card waits on another (a cycle).

    The unplaced cards form strongly connected groups along their unmet prerequisites; a group
    that waits on nothing outside itself is a cycle with nothing missing beneath it. Of those
    groups, the one holding the earliest card gives that card, so cards merely *behind* a
    cycle (or waiting on one) keep their order.
    """
    groups = _strongly_connected([i for i, done in enumerate(placed) if not done], waiting)
    group_of = {card: n for n, group in enumerate(groups) for card in group}
    closed = [
        group
        for n, group in enumerate(groups)
        if all(group_of[j] == n for card in group for j in waiting[card])
    ]
    return min(min(group) for group in closed)


def _strongly_connected(nodes: list[int], edges: list[set[int]]) -> list[list[int]]:
    """Tarjan's strongly connected components of ``nodes`` along ``edges`` (iterative)."""
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    stack: list[int] = []
    on_stack: set[int] = set()
    groups: list[list[int]] = []
    for root in nodes:
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            for nxt in successors:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(edges[nxt]))))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    group: list[int] = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    groups.append(group)
    return groups


def overdue_days(card: CardInfo, today: date, settings: SchedulingSettings) -> int:
    """Return how many study days a scheduled card is overdue on ``today`` (0 when due today).

    Args:
        card: A scheduled card (``due`` set, aware).
        today: The study day to measure on.
        settings: Time zone and rollover hour.

    Returns:
        ``today − study_day(due)`` in days; negative when the card falls due later.

    Raises:
        UsageError: If the card is new or its ``due`` is naive.
    """
    if card.due is None:
        raise UsageError(f"Card {card.key} is new; it has no due date.")
    due = _check_aware(f"due of card {card.card_id}", card.due)
    return (today - study_day(due, settings.rollover_hour, settings.tz)).days


def order_due(
    cards: Sequence[CardInfo], today: date, settings: SchedulingSettings
) -> list[CardInfo]:
    """Order due cards by priority: most overdue relative to their interval first.

    A card ``d`` days overdue with an interval of ``I`` days was last seen ``I + d`` days ago;
    under the exponential forgetting curve SM-2 assumes, its recall probability falls with
    ``d / I``, so the highest ``d / I`` (lowest retrievability) goes first: 3 days late on a
    1-day interval before 10 days late on a 60-day one. Ties: more days overdue first, then
    earlier due, then ``card_id``. With nothing overdue this is the earliest-due order.

    Args:
        cards: Scheduled cards (``due`` set).
        today: The study day the order is for.
        settings: Time zone and rollover hour.

    Returns:
        The same cards, highest priority first.

    Raises:
        UsageError: If a card is new or its ``due`` is naive.
    """

    def key(card: CardInfo) -> tuple[Fraction, int, datetime, int]:
        late = max(0, overdue_days(card, today, settings))
        due, card_id = _due_key(card)
        return -Fraction(late, max(1, card.interval)), -late, due, card_id

    return sorted(cards, key=key)


def build_daily_queue(
    cards: Sequence[CardInfo],
    requires: Mapping[str, Collection[str]],
    now: datetime,
    settings: SchedulingSettings,
    *,
    new_done_today: int = 0,
    reviews_done_today: int = 0,
) -> DailyQueue:
    """Build today's queue (see the module docstring for the rules).

    Args:
        cards: Every card, in deck order then file order.
        requires: ``"deck/template"`` → prerequisite ``"deck/template"`` keys.
        now: The current instant (aware).
        settings: Time zone, rollover hour and daily caps.
        new_done_today: New cards already introduced in this study day.
        reviews_done_today: Due cards already reviewed in this study day.

    Returns:
        The queue.

    Raises:
        UsageError: If ``now`` or a card's ``due`` is naive, a count is negative, or two cards
            share a template key.
    """
    _check_aware("now", now)
    _check_whole("new_done_today", new_done_today)
    _check_whole("reviews_done_today", reviews_done_today)
    today = study_day(now, settings.rollover_hour, settings.tz)
    tomorrow_start = day_start(today + timedelta(days=1), settings.rollover_hour, settings.tz)
    due: list[CardInfo] = []
    new: list[CardInfo] = []
    leeches: list[CardInfo] = []
    suspended = 0
    for card in cards:
        if card.suspended:
            suspended += 1
            continue
        if card.leech:
            leeches.append(card)
        if card.due is None:
            new.append(card)
        elif _check_aware(f"due of card {card.card_id}", card.due) < tomorrow_start:
            due.append(card)
    due = order_due(due, today, settings)
    leeches.sort(key=lambda c: (-c.lapses, c.card_id))
    review_room = max(0, settings.review_cap - reviews_done_today)
    new_room = max(0, settings.new_per_day - new_done_today)
    ordered_new = order_new_cards(new, requires)
    return DailyQueue(
        day=today,
        due=tuple(due[:review_room]),
        new=tuple(ordered_new[:new_room]),
        leeches=tuple(leeches),
        due_total=len(due),
        new_total=len(new),
        suspended=suspended,
    )


@dataclass(frozen=True)
class ScheduleUpdate:
    """A card's scheduling fields after one review, as storage should write them.

    Attributes:
        repetitions: SM-2 ``n`` after the review.
        easiness: SM-2 E-Factor after the review.
        interval: Interval in days after the review.
        due: When the card is due next (``None`` only for a new card crammed or repeated).
        lapses: Lapses after the review.
        leech: Leech flag after the review.
        last_review: Last scheduling review after this one.
        moved: Whether this review changed the schedule (``False`` for repeat and cram).
        leech_warning: Whether the learner should be warned now that the card is a leech.
    """

    repetitions: int
    easiness: float
    interval: int
    due: datetime | None
    lapses: int
    leech: bool
    last_review: datetime | None
    moved: bool
    leech_warning: bool = False


def schedule_after(
    card: CardInfo,
    quality: int,
    now: datetime,
    kind: ReviewKind,
    settings: SchedulingSettings,
) -> ScheduleUpdate:
    """Return a card's scheduling fields after one review: the one rule drill and storage share.

    ``"learn"`` (first review of a new card) and ``"review"`` (a due or overdue card) apply
    SM-2 (:func:`~mathdrill.scheduling.sm2.review`), count a lapse with
    :func:`~mathdrill.scheduling.sm2.is_lapse`, set ``due`` with :func:`next_due` and raise the
    leech flag at a warning point. ``"repeat"`` (SM-2 step 7) and ``"cram"`` (early practice)
    are logged by the caller but change nothing here: the fields come back as they were.

    A leech flag, once set, stays set; a learner who clears it by hand is warned again at the
    next warning point.

    Args:
        card: The card before the review.
        quality: The grade, 0–5.
        now: When the review happened (aware).
        kind: ``"learn"``, ``"review"``, ``"repeat"`` or ``"cram"``.
        settings: Time zone and rollover hour (for ``due``).

    Returns:
        The fields to store.

    Raises:
        UsageError: If the quality or kind is invalid, ``now`` is naive, ``"learn"`` is used for a
            card that is not new or ``"review"`` for one that is, or the card's SM-2 fields are
            out of range.
    """
    check_quality(quality)
    _check_aware("now", now)
    if kind not in REVIEW_KINDS:
        raise UsageError(
            f"Unknown review kind {kind!r}; use 'learn', 'review', 'repeat' or 'cram'."
        )
    before = card.state
    if kind in ("repeat", "cram"):
        return ScheduleUpdate(
            repetitions=before.repetitions,
            easiness=before.easiness,
            interval=before.interval,
            due=card.due,
            lapses=card.lapses,
            leech=card.leech,
            last_review=card.last_review,
            moved=False,
        )
    if kind == "learn" and not card.is_new:
        raise UsageError(f"Card {card.key} has been reviewed before; its kind is 'review'.")
    if kind == "review" and card.is_new:
        raise UsageError(f"Card {card.key} is new; its first review has kind 'learn'.")
    after = review(before, quality)
    lapses = card.lapses + (1 if is_lapse(before, quality) else 0)
    warn = leech_warning(card.lapses, lapses)
    return ScheduleUpdate(
        repetitions=after.repetitions,
        easiness=after.easiness,
        interval=after.interval,
        due=next_due(now, after.interval, settings.rollover_hour, settings.tz),
        lapses=lapses,
        leech=card.leech or warn,
        last_review=now,
        moved=True,
        leech_warning=warn,
    )
