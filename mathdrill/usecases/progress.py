"""The ``mathdrill stats`` use case: a learner's progress as one tree of plain dataclasses.

:func:`build_stats` asks storage for small aggregates (every GROUP BY runs in the database) and
turns them into what the screen, ``--json`` and ``--plot`` show; :func:`stats_to_json` gives the
documented JSON object (``docs/data.md``, "Statistics"). Time is a parameter: ``now``, the
learner's zone and the rollover hour decide what "today" and every per-day bucket mean, through
:func:`mathdrill.scheduling.queue.study_day` and :func:`~mathdrill.scheduling.queue.day_start`.

Definitions (also in ``docs/data.md``):

- *first try*: a ``learn`` or ``review`` review (repeats and cramming excluded); first-try
  accuracy is the share of those judged correct.
- *true retention*: among ``review`` reviews only, counting the first review of each card per
  study day, the share judged correct; *young* when ``interval_before`` < 21 days, else *mature*.
- *mastered*: a seen card with an interval of at least 21 days.
- *streak*: consecutive study days with at least one review, ending today, or ending yesterday
  while nothing has been reviewed yet today (the streak is not lost until the day is over).
- *time spent*: the sum of the answers' ``seconds``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from mathdrill.errors import UsageError
from mathdrill.scheduling.queue import day_start, study_day
from mathdrill.vocabulary import EARLIEST_NOW, LATEST_NOW

if TYPE_CHECKING:
    from mathdrill.decks.catalog import Catalog
    from mathdrill.storage import Database
    from mathdrill.storage.aggregates import CardOverview, DayFigures, ReviewSummary, Scope

#: Version of the ``--json`` object; bumped only when a key changes meaning or disappears.
STATS_FORMAT = 1
#: Weeks shown in the calendar heatmap.
HEATMAP_WEEKS = 16
#: Retention periods: name and length in study days (None: all time).
PERIODS: tuple[tuple[str, int | None], ...] = (
    ("today", 1),
    ("week", 7),
    ("month", 30),
    ("year", 365),
    ("all", None),
)
#: Entries in each "weakest skills" list and in the mistakes list.
WEAKEST_LIMIT = 5
MISTAKES_LIMIT = 10
#: Forecast horizon, in study days (today included).
FORECAST_DAYS = 7
FORECAST_TOTAL_DAYS = 30
MAX_DAYS = 3660


@dataclass(frozen=True)
class TodayStats:
    """Today at a glance.

    Attributes:
        day: Today's study day.
        reviewed: Problems answered today (every kind).
        learned: New skills introduced today (``learn`` reviews).
        still_due: Unsuspended cards still due today (overdue included).
        seconds: Time spent answering today.
        current_streak: Current streak in study days (see the module docstring).
        longest_streak: Longest streak ever.
        active_days: Study days with at least one review, ever.
    """

    day: date
    reviewed: int
    learned: int
    still_due: int
    seconds: float
    current_streak: int
    longest_streak: int
    active_days: int


@dataclass(frozen=True)
class DayPoint:
    """One study day of activity.

    Attributes:
        day: The study day.
        reviews: Problems answered (every kind).
        first_try: ``learn``/``review`` reviews.
        first_try_correct: Of those, correct.
        seconds: Time spent.
    """

    day: date
    reviews: int
    first_try: int
    first_try_correct: int
    seconds: float

    @property
    def accuracy(self) -> float | None:
        """First-try accuracy (0–1), or None without first tries."""
        return _rate(self.first_try_correct, self.first_try)


@dataclass(frozen=True)
class RetentionRow:
    """True retention over one period.

    Attributes:
        period: ``today``, ``week``, ``month``, ``year`` or ``all``.
        days: Study days covered (today included), or None for all time.
        young: Counted reviews of young cards (interval before < 21 days).
        young_correct: Of those, correct.
        mature: Counted reviews of mature cards.
        mature_correct: Of those, correct.
    """

    period: str
    days: int | None
    young: int
    young_correct: int
    mature: int
    mature_correct: int

    @property
    def total(self) -> int:
        """Counted reviews, young and mature."""
        return self.young + self.mature

    @property
    def total_correct(self) -> int:
        """Correct counted reviews, young and mature."""
        return self.young_correct + self.mature_correct


@dataclass(frozen=True)
class GroupStats:
    """Progress of one deck or one tag.

    Attributes:
        id: Deck id or tag.
        title: Deck title ("" for a tag, or for a deck no loaded file defines).
        skills: Skills (templates) known: cards in the database plus loaded templates never seen.
        seen: Skills reviewed at least once.
        mastered: Seen skills with an interval of at least 21 days.
        first_try: First tries in the period.
        first_try_correct: Of those, correct.
        median_seconds: Median time of a timed first try in the period, or None.
    """

    id: str
    title: str
    skills: int
    seen: int
    mastered: int
    first_try: int
    first_try_correct: int
    median_seconds: float | None

    @property
    def accuracy(self) -> float | None:
        """First-try accuracy in the period (0–1), or None."""
        return _rate(self.first_try_correct, self.first_try)


@dataclass(frozen=True)
class WeakSkill:
    """A skill that needs attention.

    Attributes:
        deck: Deck id.
        template: Template id.
        title: Template title ("" when no loaded deck defines it).
        easiness: E-Factor.
        lapses: Times forgotten.
        interval: Current interval in days.
        leech: Flagged as a leech.
        mistake: Its most frequent authored mistake ever, or None.
        mistake_count: How often that mistake was matched.
        mistake_feedback: That mistake's feedback from the deck ("" when unknown).
    """

    deck: str
    template: str
    title: str
    easiness: float
    lapses: int
    interval: int
    leech: bool
    mistake: str | None
    mistake_count: int
    mistake_feedback: str


@dataclass(frozen=True)
class MistakeStats:
    """A misconception, named: an authored mistake matched in the period.

    Attributes:
        deck: Deck id.
        template: Template id.
        title: Template title ("" when unknown).
        mistake: The mistake's id.
        feedback: Its feedback text, placeholders shown as "…" ("" when unknown).
        count: Times matched in the period.
        general_feedback: The feedback when it holds no placeholder (it then reads true for
            every instance), else "". Feedback with placeholders speaks of one instance's
            values, which only the problem generator (sympy, the worker) could give back.
    """

    deck: str
    template: str
    title: str
    mistake: str
    feedback: str
    count: int
    general_feedback: str = ""


@dataclass(frozen=True)
class Stats:
    """Everything ``mathdrill stats`` shows.

    Attributes:
        now: When the statistics were computed.
        zone: Name of the learner's time zone.
        rollover_hour: Local hour at which a study day starts.
        days: Length of the activity period (``--days``).
        since: Start of the period (the first of its study days).
        decks_filter: ``--deck`` values (empty: all).
        tags_filter: ``--tag`` values (empty: all).
        empty: True when the collection (within the filters) has no cards and no reviews.
        total_reviews: Reviews ever, within the filters.
        today: Today at a glance.
        activity: One point per study day of the period, oldest first, zeros included.
        heatmap: ``(day, reviews)`` for every study day of the last 16 weeks (Monday-aligned),
            oldest first.
        retention: True retention for today, week, month, year and all time.
        decks: Per deck.
        tags: Per tag (skill family).
        lowest_ease: Seen skills with the lowest E-Factor.
        most_lapses: Seen skills forgotten most often.
        leeches: Leeches, most lapses first.
        mistakes: Most frequent authored mistakes in the period.
        forecast: ``(day, cards due)`` for today (overdue included) and the next 6 days.
        due_next_30_days: Cards due within 30 study days, today and overdue included.
        intervals: ``(interval days, cards)`` of seen unsuspended cards, ascending.
        warnings: Deck files that could not be read.
    """

    now: datetime
    zone: str
    rollover_hour: int
    days: int
    since: date
    decks_filter: tuple[str, ...]
    tags_filter: tuple[str, ...]
    empty: bool
    total_reviews: int
    today: TodayStats
    activity: tuple[DayPoint, ...]
    heatmap: tuple[tuple[date, int], ...]
    retention: tuple[RetentionRow, ...]
    decks: tuple[GroupStats, ...]
    tags: tuple[GroupStats, ...]
    lowest_ease: tuple[WeakSkill, ...]
    most_lapses: tuple[WeakSkill, ...]
    leeches: tuple[WeakSkill, ...]
    mistakes: tuple[MistakeStats, ...]
    forecast: tuple[tuple[date, int], ...]
    due_next_30_days: int
    intervals: tuple[tuple[int, int], ...]
    warnings: tuple[str, ...] = field(default_factory=tuple)


# ------------------------------------------------------------------------------- helpers


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def median_of_histogram(histogram: Sequence[tuple[float, int]]) -> float | None:
    """Return the median of values given as ``(value, count)`` pairs, ascending.

    Args:
        histogram: The pairs, ascending by value.

    Returns:
        The median (mean of the two middle values for an even count), or None when empty.
    """
    total = sum(count for _, count in histogram)
    if total == 0:
        return None
    wanted = (total - 1) // 2, total // 2  # 0-based ranks of the middle value(s)
    found: list[float] = []
    seen = 0
    for value, count in histogram:
        for rank in wanted:
            if seen <= rank < seen + count:
                found.append(value)
        seen += count
        if len(found) == 2:
            break
    return (found[0] + found[1]) / 2


def streaks(days: Sequence[date], today: date) -> tuple[int, int]:
    """Return the current and the longest streak of consecutive study days.

    Args:
        days: Study days with at least one review, ascending, no duplicates.
        today: Today's study day.

    Returns:
        ``(current, longest)``. The current streak ends today, or yesterday when today has no
        review yet; otherwise it is 0.
    """
    longest = run = 0
    previous: date | None = None
    for day in days:
        run = run + 1 if previous is not None and day - previous == timedelta(days=1) else 1
        longest = max(longest, run)
        previous = day
    active = set(days)
    end = today if today in active else today - timedelta(days=1)
    current = 0
    while end in active:
        current += 1
        end -= timedelta(days=1)
    return current, longest


_PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def _feedback(text: str) -> str:
    # Feedback is written for one instance ("{pa} is P(red | A)"); without the instance the
    # placeholders say nothing, so they become an ellipsis.
    return " ".join(_PLACEHOLDER.sub("…", text).split())


def _zone_name(zone: tzinfo, now: datetime) -> str:
    return str(getattr(zone, "key", None) or now.astimezone(zone).tzname() or zone)


# ------------------------------------------------------------------------------- the case


def figures_by_day(
    db: Database, zone: tzinfo, rollover_hour: int, scope: Scope | None = None
) -> dict[date, DayFigures]:
    """Return every study day's figures, all time (days without reviews are absent).

    Args:
        db: The open database.
        zone: The learner's time zone.
        rollover_hour: Local hour (0–23) at which a study day starts.
        scope: Which cards (every card when None).

    Returns:
        ``{study day: figures}``, ascending.

    Raises:
        StorageError: The database cannot be read.
    """
    from mathdrill.storage import aggregates as q

    # Reviews outside the scheduler's calendar (an old import at year 1 or 9999) belong to no
    # study day mathdrill can compute: the days run within EARLIEST_NOW … LATEST_NOW.
    span = q.review_span(db, (EARLIEST_NOW, LATEST_NOW))
    if span is None:
        return {}
    first = study_day(span[0], rollover_hour, zone)
    last = study_day(span[1], rollover_hour, zone)
    days = [first + timedelta(days=i) for i in range((last - first).days + 2)]
    starts = [day_start(day, rollover_hour, zone) for day in days]
    by_index = q.day_figures(db, starts, scope or q.Scope())
    return {days[i]: figures for i, figures in by_index.items()}


def build_stats(
    db: Database,
    catalog: Catalog,
    now: datetime,
    *,
    zone: tzinfo,
    rollover_hour: int,
    days: int = 30,
    decks: Sequence[str] = (),
    tags: Sequence[str] = (),
) -> Stats:
    """Compute a learner's statistics; the database is only read.

    Args:
        db: The open database.
        catalog: Deck titles, tags and mistake texts (see :mod:`mathdrill.decks.catalog`).
        now: The current time (aware).
        zone: The learner's time zone.
        rollover_hour: Local hour (0–23) at which a study day starts.
        days: Length of the activity period in study days (1–3660), today included.
        decks: Only these decks (``--deck``); empty for all.
        tags: Only skills carrying one of these tags (``--tag``); empty for all.

    Returns:
        The statistics.

    Raises:
        UsageError: ``days`` out of range, a deck neither loaded nor in the database, or a tag
            no loaded template carries.
        StorageError: The database cannot be read.
    """
    from mathdrill.storage import aggregates as q

    if not 1 <= days <= MAX_DAYS:
        raise UsageError(f"--days must be from 1 to {MAX_DAYS}, got {days}")
    if now.tzinfo is None or now.utcoffset() is None:
        raise UsageError("now must carry a time zone")
    deck_filter = tuple(dict.fromkeys(decks))
    tag_filter = tuple(dict.fromkeys(tags))
    for deck_id in deck_filter:
        # A deck no file defines any more still has its cards (and statistics).
        if deck_id not in catalog.decks and not db.cards(deck_id):
            known = ", ".join(catalog.decks) or "none"
            raise UsageError(f"--deck {deck_id!r}: no such deck (known decks: {known})")
    skills_by_tag = catalog.tags()
    unknown = [t for t in tag_filter if t not in skills_by_tag]
    if unknown:
        known = ", ".join(skills_by_tag) or "none"
        raise UsageError(
            f"--tag {unknown[0]!r}: no loaded template carries this tag (known tags: {known})"
        )
    keys: tuple[tuple[str, str], ...] | None = None
    if tag_filter:
        keys = tuple(dict.fromkeys(k for t in tag_filter for k in skills_by_tag[t]))
    scope = q.Scope(decks=deck_filter or None, keys=keys)

    key_set = set(keys) if keys is not None else None

    def in_scope(deck: str, template: str) -> bool:
        return (not deck_filter or deck in deck_filter) and (
            key_set is None or (deck, template) in key_set
        )

    today = study_day(now, rollover_hour, zone)

    def start_of(day: date) -> datetime:
        return day_start(day, rollover_hour, zone)

    period_start = today - timedelta(days=days - 1)
    heat_start = today - timedelta(days=today.weekday(), weeks=HEATMAP_WEEKS - 1)
    # Every per-day figure, all time: activity, heatmap, streaks, retention and the total are
    # sums and walks over these (a few thousand days at most).
    figures = figures_by_day(db, zone, rollover_hour, scope)
    nothing = q.DayFigures()

    def point(day: date) -> DayPoint:
        f = figures.get(day, nothing)
        return DayPoint(day, f.reviews, f.first_try, f.first_try_correct, f.seconds)

    activity = tuple(point(period_start + timedelta(days=i)) for i in range(days))
    heatmap = tuple(
        (
            heat_start + timedelta(days=i),
            figures.get(heat_start + timedelta(days=i), nothing).reviews,
        )
        for i in range((today - heat_start).days + 1)
    )
    active = sorted(figures)
    current, longest = streaks(active, today)

    # One pass over the cards: states per deck and skill, intervals, the weakest, and the
    # forecast and "still due" (cumulative counts before each coming day's start).
    edges = [start_of(today + timedelta(days=i + 1)) for i in range(FORECAST_TOTAL_DAYS)]
    catalogued = [
        (d.id, t) for d in catalog.decks.values() for t in d.templates if in_scope(d.id, t)
    ]
    since = start_of(period_start)
    overview = q.card_overview(db, edges, WEAKEST_LIMIT, since, scope, catalogued)
    cumulative = overview.due_before
    forecast = tuple(
        (today + timedelta(days=i), cumulative[i] - (cumulative[i - 1] if i else 0))
        for i in range(FORECAST_DAYS)
    )
    todays = figures.get(today, nothing)
    today_stats = TodayStats(
        day=today,
        reviewed=todays.reviews,
        learned=todays.learned,
        still_due=cumulative[0],
        seconds=todays.seconds,
        current_streak=current,
        longest_streak=longest,
        active_days=len(active),
    )

    # True retention over nested periods (days after today, from a clock set back, count in
    # every period, as reviews at or after each period's start).
    rows = []
    for name, n in PERIODS:
        first_day = None if n is None else today - timedelta(days=n - 1)
        counts = q.RetentionCounts()
        for day, f in figures.items():
            if first_day is None or day >= first_day:
                counts = counts + f.retention
        rows.append(
            RetentionRow(
                name, n, counts.young, counts.young_correct, counts.mature, counts.mature_correct
            )
        )
    retention = tuple(rows)

    deck_rows = _deck_stats(catalog, overview, catalogued)
    tag_rows = _tag_stats(skills_by_tag, tag_filter, overview, in_scope)

    weakest = (overview.lowest_ease, overview.most_lapses, overview.leeches)
    top = q.top_mistake_per_card(db, [card.id for cards in weakest for card in cards])

    def weak(card: Any) -> WeakSkill:
        info = catalog.template(card.deck, card.template)
        mistake, count = top.get(card.id, (None, 0))
        feedback = info.mistakes.get(mistake, "") if info is not None and mistake else ""
        return WeakSkill(
            deck=card.deck,
            template=card.template,
            title=info.title if info is not None else "",
            easiness=card.easiness,
            lapses=card.lapses,
            interval=card.interval,
            leech=card.leech,
            mistake=mistake,
            mistake_count=count,
            mistake_feedback=_feedback(feedback),
        )

    mistakes = []
    for m in q.frequent_mistakes(db, since, MISTAKES_LIMIT, scope):
        info = catalog.template(m.deck, m.template)
        text = info.mistakes.get(m.mistake, "") if info is not None else ""
        mistakes.append(
            MistakeStats(
                deck=m.deck,
                template=m.template,
                title=info.title if info is not None else "",
                mistake=m.mistake,
                feedback=_feedback(text),
                count=m.count,
                general_feedback="" if _PLACEHOLDER.search(text) else " ".join(text.split()),
            )
        )

    total_reviews = sum(f.reviews for f in figures.values())
    return Stats(
        now=now,
        zone=_zone_name(zone, now),
        rollover_hour=rollover_hour,
        days=days,
        since=period_start,
        decks_filter=deck_filter,
        tags_filter=tag_filter,
        empty=total_reviews == 0 and not any(g.seen for g in deck_rows),
        total_reviews=total_reviews,
        today=today_stats,
        activity=activity,
        heatmap=heatmap,
        retention=retention,
        decks=deck_rows,
        tags=tag_rows,
        lowest_ease=tuple(weak(c) for c in overview.lowest_ease),
        most_lapses=tuple(weak(c) for c in overview.most_lapses),
        leeches=tuple(weak(c) for c in overview.leeches),
        mistakes=tuple(mistakes),
        forecast=forecast,
        due_next_30_days=cumulative[-1],
        intervals=tuple(sorted(overview.intervals.items())),
        warnings=catalog.problems,
    )


def _summary_numbers(summary: ReviewSummary | None) -> tuple[int, int, float | None]:
    if summary is None:
        return 0, 0, None
    return (
        summary.first_try,
        summary.first_try_correct,
        median_of_histogram(summary.seconds_histogram),
    )


def _deck_stats(
    catalog: Catalog,
    overview: CardOverview,
    catalogued: list[tuple[str, str]],
) -> tuple[GroupStats, ...]:
    counts = overview.decks
    # Loaded templates never drilled have no card yet: they still count as skills of the deck.
    unseen: dict[str, int] = {}
    for key in catalogued:
        if key not in overview.skills:
            unseen[key[0]] = unseen.get(key[0], 0) + 1
    order = {deck_id: i for i, deck_id in enumerate(catalog.decks)}
    rows = []
    for deck_id in sorted(set(counts) | set(unseen), key=lambda d: (order.get(d, len(order)), d)):
        c = counts.get(deck_id)
        tries, right, median = _summary_numbers(overview.deck_summaries.get(deck_id))
        info = catalog.decks.get(deck_id)
        rows.append(
            GroupStats(
                id=deck_id,
                title=info.title if info is not None else "",
                skills=(c.total if c else 0) + unseen.get(deck_id, 0),
                seen=c.seen if c else 0,
                mastered=c.mastered if c else 0,
                first_try=tries,
                first_try_correct=right,
                median_seconds=median,
            )
        )
    return tuple(rows)


def _tag_stats(
    skills_by_tag: dict[str, list[tuple[str, str]]],
    tag_filter: tuple[str, ...],
    overview: CardOverview,
    in_scope: Callable[[str, str], bool],
) -> tuple[GroupStats, ...]:
    from mathdrill.storage.aggregates import merge_summaries

    rows = []
    for tag, skills in skills_by_tag.items():
        if tag_filter and tag not in tag_filter:
            continue
        mine = [k for k in skills if in_scope(*k)]
        if not mine:
            continue
        counts = [overview.skills[k] for k in mine if k in overview.skills]
        tries, right, median = _summary_numbers(
            merge_summaries(
                overview.skill_summaries[k] for k in mine if k in overview.skill_summaries
            )
        )
        rows.append(
            GroupStats(
                id=tag,
                title="",
                skills=len(mine),
                seen=sum(c.seen for c in counts),
                mastered=sum(c.mastered for c in counts),
                first_try=tries,
                first_try_correct=right,
                median_seconds=median,
            )
        )
    return tuple(rows)


# ------------------------------------------------------------------------------- JSON


def _number(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def _group_json(group: GroupStats) -> dict[str, Any]:
    return {
        "id": group.id,
        "title": group.title,
        "skills": group.skills,
        "seen": group.seen,
        "mastered": group.mastered,
        "first_try": group.first_try,
        "first_try_correct": group.first_try_correct,
        "accuracy": _number(group.accuracy),
        "median_seconds": _number(group.median_seconds, 1),
    }


def _weak_json(skill: WeakSkill) -> dict[str, Any]:
    return {
        "deck": skill.deck,
        "template": skill.template,
        "title": skill.title,
        "easiness": skill.easiness,
        "lapses": skill.lapses,
        "interval_days": skill.interval,
        "leech": skill.leech,
        "mistake": skill.mistake,
        "mistake_count": skill.mistake_count,
        "mistake_feedback": skill.mistake_feedback,
    }


def stats_to_json(stats: Stats) -> dict[str, Any]:
    """Return the statistics as the documented JSON object (``docs/data.md``, "Statistics").

    Keys are stable; numbers are JSON numbers (rates 0–1 rounded to 4 decimals, seconds to 0.1),
    None where a rate has no denominator; dates are ISO ``YYYY-MM-DD``.

    Args:
        stats: The statistics.

    Returns:
        A dict ready for :func:`json.dumps`.
    """
    t = stats.today
    return {
        "format": STATS_FORMAT,
        "generated_at": stats.now.isoformat(),
        "zone": stats.zone,
        "rollover_hour": stats.rollover_hour,
        "period": {
            "days": stats.days,
            "since": stats.since.isoformat(),
            "until": t.day.isoformat(),
        },
        "filters": {"decks": list(stats.decks_filter), "tags": list(stats.tags_filter)},
        "empty": stats.empty,
        "total_reviews": stats.total_reviews,
        "today": {
            "day": t.day.isoformat(),
            "reviewed": t.reviewed,
            "learned": t.learned,
            "still_due": t.still_due,
            "seconds": _number(t.seconds, 1),
            "current_streak": t.current_streak,
            "longest_streak": t.longest_streak,
            "active_days": t.active_days,
        },
        "activity": [
            {
                "day": p.day.isoformat(),
                "reviews": p.reviews,
                "first_try": p.first_try,
                "first_try_correct": p.first_try_correct,
                "accuracy": _number(p.accuracy),
                "seconds": _number(p.seconds, 1),
            }
            for p in stats.activity
        ],
        "heatmap": [{"day": d.isoformat(), "reviews": n} for d, n in stats.heatmap],
        "retention": [
            {
                "period": r.period,
                "days": r.days,
                "young": r.young,
                "young_correct": r.young_correct,
                "young_rate": _number(_rate(r.young_correct, r.young)),
                "mature": r.mature,
                "mature_correct": r.mature_correct,
                "mature_rate": _number(_rate(r.mature_correct, r.mature)),
                "total": r.total,
                "total_rate": _number(_rate(r.total_correct, r.total)),
            }
            for r in stats.retention
        ],
        "decks": [_group_json(g) for g in stats.decks],
        "tags": [_group_json(g) for g in stats.tags],
        "weakest": {
            "lowest_ease": [_weak_json(s) for s in stats.lowest_ease],
            "most_lapses": [_weak_json(s) for s in stats.most_lapses],
            "leeches": [_weak_json(s) for s in stats.leeches],
        },
        "mistakes": [
            {
                "deck": m.deck,
                "template": m.template,
                "title": m.title,
                "mistake": m.mistake,
                "feedback": m.feedback,
                "count": m.count,
            }
            for m in stats.mistakes
        ],
        "forecast": {
            "days": [{"day": d.isoformat(), "due": n} for d, n in stats.forecast],
            "next_30_days": stats.due_next_30_days,
        },
        "intervals": [{"days": i, "cards": n} for i, n in stats.intervals],
        "warnings": list(stats.warnings),
    }
