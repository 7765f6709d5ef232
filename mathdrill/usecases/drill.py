"""Use-case behind ``mathdrill drill``: today's queue, one fresh problem at a time.

Each answer is judged, graded and saved before the next problem is shown.

This module orchestrates the pure layers (decks → instances, answers → verdicts, scheduling →
queue and SM-2) and storage; it never prints. It is one module, over the usual size, because
:class:`DrillSession` is one state machine (plan, problem on screen, answer, save, repeat, summary)
whose invariants should be read in one place. The command line (``mathdrill.cli.drill_cmd``) drives
a :class:`DrillSession` through three front ends: an interactive terminal, plain piped text and
a JSON-lines protocol.

The main process never imports sympy (see :mod:`mathdrill.usecases.problems`): the queue is built
from the light deck catalogue, and problems are made and judged in the worker process.

Pinned behaviour:

* One graded answer per instance. After a wrong answer the reference and the worked solution
  are shown, so a second try at the same instance would prove nothing; the skill comes back
  later in the session with a fresh instance instead (SM-2 step 7, at most 3 times): its
  reference answer differs from that of every instance of the card shown in the session (new
  seeds are drawn, at most :data:`REPEAT_DRAWS`, until one does).
* Unreadable input and "could not decide" verdicts are not answers: the learner retypes, and
  nothing is logged or graded.
* Each graded answer is committed in its own transaction (storage) before
  :meth:`DrillSession.submit` returns, so whatever the learner saw confirmed is on disk.
* ``cram`` shows cards ahead of schedule; its reviews are logged with kind ``cram`` and never
  move the schedule. Step-7 repeats are logged with kind ``repeat`` and never move it either.
* A template that cannot produce a problem — including every template of a deck file whose
  expressions do not load — is skipped (nothing logged, it stays due) and named in the summary;
  the session goes on with the others. A problem shared by several templates (their file does
  not load) is named once. Deck files that cannot be read at all, or that define a deck id
  already defined by an earlier file, are skipped too: :func:`load_skills` returns one line per
  such file for the command line to print as a warning, and the drill goes on with the other
  decks. (Validating every expression of every deck up front would put sympy work on every
  start, against the first-problem target; ``mathdrill deck check`` is where authors find such
  errors, and it stays strict.)
"""

from __future__ import annotations

import copy
import json
import random
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mathdrill.errors import AnswerNotSavedError, DeckError, StorageError, UsageError
from mathdrill.scheduling.fsrs_scheduler import LogEntry
from mathdrill.scheduling.grading import derive_quality
from mathdrill.scheduling.queue import (
    CardInfo,
    SchedulingSettings,
    build_daily_queue,
    day_start,
    study_day,
)
from mathdrill.scheduling.schedulers import DEFAULT_SCHEDULER, check_scheduler, schedule
from mathdrill.scheduling.session import QueueItem, SessionQueue
from mathdrill.scheduling.workload import (
    TIMINGS_PER_SKILL,
    check_minutes,
    estimate_seconds,
    plan_minutes,
)
from mathdrill.vocabulary import MAX_SEED, ReviewKind

if TYPE_CHECKING:
    from mathdrill.answers.verdict import Preview, Verdict
    from mathdrill.config import Environment
    from mathdrill.storage import Card, Database, Flag
    from mathdrill.usecases.problems import ProblemSource, ProblemView, Skill

#: Cards shown by ``--cram`` when no ``--limit`` is given.
DEFAULT_CRAM_LIMIT = 20
#: Grades below this mark a skill as "needs work" in the summary.
NEEDS_WORK_BELOW = 3
#: A template whose problem takes longer than this to make (or to fail) is slow: the learner
#: sat waiting. It is remembered in the catalogue cache and skipped until its file changes.
SLOW_PROBLEM_SECONDS = 3.0
#: Seconds a session may lose to slow templates; after that the other templates of their deck
#: files are skipped too, so a deck of slow templates cannot keep the drill silent for a minute.
MAKING_BUDGET_SECONDS = 10.0
#: Seeds tried for a step-7 repeat whose answer differs from every instance of its card shown
#: in the session; a template with fewer distinct answers than that shows the last one drawn.
REPEAT_DRAWS = 12


@dataclass(frozen=True)
class DrillOptions:
    """What the learner asked for on the command line.

    Attributes:
        decks: Only these deck ids (empty: all decks).
        tags: Only templates with at least one of these tags (empty: all).
        new: New skills to introduce in this session, whatever was introduced earlier today
            (None: the daily limit, less what today's earlier sessions introduced).
        reviews: Due reviews to show in this session, whatever was reviewed earlier today
            (None: the daily cap, less what today's earlier sessions reviewed).
        limit: At most this many first showings in the session (None: no extra cap).
        minutes: Plan a session that fits this many minutes (None: no time plan).
        cram: Practise ahead of schedule; nothing moves the schedule.
        self_grade: The learner grades each answer 0–5 instead of the derived quality.
        scheduler: ``sm2`` or ``fsrs`` (``scheduling.schedulers``).
    """

    decks: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    new: int | None = None
    limit: int | None = None
    minutes: float | None = None
    cram: bool = False
    self_grade: bool = False
    reviews: int | None = None
    scheduler: str = DEFAULT_SCHEDULER

    def __post_init__(self) -> None:
        check_scheduler(self.scheduler)
        for name in ("new", "limit", "reviews"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise UsageError(f"--{name} must be 0 or more, got {value}")
        if self.minutes is not None:
            check_minutes(self.minutes)


@dataclass(frozen=True)
class Problem:
    """One problem as the learner sees it.

    Attributes:
        number: Its position in this session (1-based).
        total: Problems planned now (grows when a failed skill is queued again).
        card: ``deck/template``.
        deck_title: The deck's title.
        title: The template's title.
        review_kind: ``learn``, ``review``, ``repeat`` or ``cram``.
        repeat: 0 for a first showing, 1–3 for a step-7 repeat.
        view: The generated problem, every text rendered (prompt, hints, solution, answer).
        hints_total: How many hints the template has.
    """

    number: int
    total: int
    card: str
    deck_title: str
    title: str
    review_kind: str
    repeat: int
    view: ProblemView
    hints_total: int


@dataclass(frozen=True)
class Outcome:
    """What happened to one submitted answer.

    Attributes:
        verdict: The checker's verdict.
        graded: False when the input was unreadable or undecided: ask again, nothing saved.
        quality: The grade given (derived, or the learner's own with ``--self-grade``); None
            while a self-grade is still to be given or when not graded.
        derived_quality: The grade mathdrill derived (shown next to a self-grade).
        saved: True once the review is committed to the database.
        will_repeat: The skill comes back later in this session.
        leech_warning: The skill has just become (or is again) a leech.
        gave_up: The learner gave up (``!``).
        next_due: When the skill is due again after this review (None if unchanged/unknown).
    """

    verdict: Verdict | None
    graded: bool
    quality: int | None = None
    derived_quality: int | None = None
    saved: bool = False
    will_repeat: bool = False
    leech_warning: bool = False
    gave_up: bool = False
    next_due: datetime | None = None

    @property
    def highest_grade(self) -> int:
        """The highest self-grade this answer may get: 2 when it was judged wrong.

        A grade of 3 or more counts an answer as remembered (``scheduling/grading.py``).
        """
        wrong = self.verdict is not None and not self.verdict.correct
        return 2 if wrong else 5


@dataclass(frozen=True)
class Summary:
    """The end-of-session report.

    Attributes:
        answered: Problems graded in this session (repeats included).
        first_showings: Graded first showings (repeats excluded).
        first_try_correct: First showings answered correctly.
        seconds: Time spent answering, in seconds.
        needs_work: ``deck/template`` keys graded below 3 at least once, in order.
        leeches: Titles of skills that became leeches in this session.
        streak: Consecutive study days with at least one review, ending today.
        next_due: When the next review falls due (None when nothing is scheduled).
        due_tomorrow: Reviews due by the end of the next study day.
        skipped: Problems skipped without an answer.
        broken: Templates that could not generate a problem (``path:line: message``).
    """

    answered: int
    first_showings: int
    first_try_correct: int
    seconds: float
    needs_work: tuple[str, ...]
    leeches: tuple[str, ...]
    streak: int
    next_due: datetime | None
    due_tomorrow: int
    skipped: int
    broken: tuple[str, ...] = ()

    @property
    def accuracy(self) -> float | None:
        """First-try accuracy in 0–1, or None when nothing was answered."""
        if not self.first_showings:
            return None
        return self.first_try_correct / self.first_showings


@dataclass
class _Current:
    """The problem on screen and what the learner has done with it so far."""

    item: QueueItem
    skill: Skill
    view: ProblemView
    hints_used: int = 0
    pending: Outcome | None = None
    answer_text: str = ""
    seconds: float = 0.0
    last_attempt: str | None = None  # the last text submitted, even unreadable (for a flag)
    # An answer graded but not saved (the database could not be reached): when it was answered,
    # and the outcome and grade that retry_save saves.
    answered_at: datetime | None = None
    unsaved: tuple[Outcome, int] | None = None
    #: The session as it was before this problem was drawn (what an undo goes back to).
    before: _Before | None = None
    #: The stored spare this problem was (put back when an undo takes the problem away).
    spare_text: str | None = None


@dataclass(frozen=True)
class _Before:
    """The session's own state before a problem was drawn: its queue, tally and plan."""

    queue: SessionQueue
    tally: _Tally
    repeats_queued: int


@dataclass(frozen=True)
class _Answered:
    """The last graded answer of the session, while it can still be undone."""

    review_id: int
    card_id: int
    title: str
    key: str
    kind: str
    quality: int
    before: _Before


@dataclass(frozen=True)
class Undone:
    """What an undo took back.

    Attributes:
        card: ``deck/template``.
        title: The template's title.
        review_kind: The undone review's kind.
        quality: The grade it had.
    """

    card: str
    title: str
    review_kind: str
    quality: int


@dataclass
class _Tally:
    answered: int = 0
    first_showings: int = 0
    first_try_correct: int = 0
    seconds: float = 0.0
    skipped: int = 0
    needs_work: list[str] = field(default_factory=list)
    leeches: list[str] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)


def card_info(card: Card) -> CardInfo:
    """Convert a stored card to the scheduler's view of it.

    Args:
        card: The stored card.

    Returns:
        The same card as :class:`~mathdrill.scheduling.queue.CardInfo`.
    """
    return CardInfo(
        card_id=card.id,
        deck=card.deck,
        template=card.template,
        repetitions=card.repetitions,
        easiness=card.easiness,
        interval=card.interval,
        due=card.due,
        lapses=card.lapses,
        suspended=card.suspended,
        leech=card.leech,
        last_review=card.last_review,
    )


def select_skills(
    skills: Sequence[Skill], deck_ids: Iterable[str], tags: Iterable[str]
) -> list[Skill]:
    """Keep the skills of the chosen decks that carry one of the chosen tags.

    Args:
        skills: Every catalogued skill, in deck and file order.
        deck_ids: Deck ids to keep (empty keeps every deck).
        tags: Tags to keep (empty keeps every template).

    Returns:
        The chosen templates, in the same order.

    Raises:
        UsageError: When a named deck or tag matches nothing (a typo should not silently give
            an empty session).
    """
    decks = set(deck_ids)
    wanted_tags = set(tags)
    known_decks = {t.deck for t in skills}
    unknown = sorted(decks - known_decks)
    if unknown:
        raise UsageError(
            f"no deck named {', '.join(unknown)}; loaded decks: {', '.join(sorted(known_decks))}"
        )
    chosen = [t for t in skills if not decks or t.deck in decks]
    if wanted_tags:
        known_tags = {tag for t in chosen for tag in t.tags}
        missing = sorted(wanted_tags - known_tags)
        if missing:
            raise UsageError(
                f"no template is tagged {', '.join(missing)}; "
                f"tags here: {', '.join(sorted(known_tags)) or '(none)'}"
            )
        chosen = [t for t in chosen if wanted_tags & set(t.tags)]
    return chosen


def streak_days(days: Iterable[Any], today: Any) -> int:
    """Count consecutive study days with reviews, ending today (or yesterday, if today is empty).

    A streak is not broken before the day is over: with no review yet today, yesterday's run
    still counts.

    Args:
        days: Study days (``datetime.date``) that have at least one review.
        today: Today's study day.

    Returns:
        The length of the current streak, 0 when neither today nor yesterday has reviews.
    """
    have = set(days)
    cursor = today if today in have else today - timedelta(days=1)
    count = 0
    while cursor in have:
        count += 1
        cursor -= timedelta(days=1)
    return count


class DrillSession:
    """One drill session: the queue, the problem on screen, and every answer saved at once.

    Args:
        db: The open database.
        skills: Every catalogued skill in deck and file order (cards are created for them).
        problems: Makes problems and judges answers (a worker process in the drill).
        settings: Time zone, rollover hour and daily caps.
        options: What the learner asked for.
        clock: Returns the current aware time (``--now`` freezes it).
        rng: Source of instance seeds (and of the session id). A ``random.Random`` rather than
            numpy (docs/architecture.md, "Randomness"): the seeds only pick instances (the decks
            draw their parameters from numpy generators of their own, in the worker), and
            the main process does not import numpy (the first-problem target).
        spares: Show the problems earlier sessions made ahead (stored with their cards) and
            make some for the next session (False: always make problems now — a ``--seed``
            replay must draw every seed itself).
        timer: Monotonic seconds, to time the making of each problem (see
            :data:`SLOW_PROBLEM_SECONDS` and :data:`MAKING_BUDGET_SECONDS`).
        deck_problems: Deck files left out (``path: problem``, from :func:`load_skills`); kept
            as :attr:`deck_problems` for the front end to name.

    Raises:
        UsageError: When ``--deck``/``--tag`` name nothing.
        DeckError: The same, when deck files were left out (they are listed: the deck named
            may be one of them).
    """

    def __init__(
        self,
        *,
        db: Database,
        skills: Sequence[Skill],
        problems: ProblemSource,
        settings: SchedulingSettings,
        options: DrillOptions,
        clock: Callable[[], datetime],
        rng: random.Random,
        spares: bool = True,
        timer: Callable[[], float] = time.monotonic,
        deck_problems: Sequence[str] = (),
    ) -> None:
        self._db = db
        self._timer = timer
        #: Skills that took over SLOW_PROBLEM_SECONDS to make this session (to be remembered).
        self.slow_skills: list[Skill] = []
        self._slow_seconds = 0.0
        self._problems = problems
        self.deck_problems = tuple(deck_problems)
        self._settings = settings
        self._options = options
        self._clock = clock
        self._rng = rng
        self._spares = spares
        # --scheduler fsrs: the learner's fitted parameters, read once (None: the defaults).
        self._fsrs_parameters = None
        if options.scheduler == "fsrs":
            from mathdrill.usecases.calibration import fitted_parameters

            self._fsrs_parameters = fitted_parameters(db)
        # Drawn from the session's generator, so a seeded session is reproducible end to end.
        self.session_id = f"{self._draw_seed():016x}"
        self._skills = {t.key: t for t in skills}
        now = clock()
        try:
            chosen = select_skills(skills, options.decks, options.tags)
        except UsageError as error:
            if not deck_problems:
                raise
            raise DeckError(f"{error}; deck files skipped:", list(deck_problems)) from None
        self._chosen = {t.key for t in chosen}
        start = day_start(
            study_day(now, settings.rollover_hour, settings.tz),
            settings.rollover_hour,
            settings.tz,
        )
        self._db.ensure_cards(((t.deck, t.id) for t in skills), now)
        stored = {(c.deck, c.template): c for c in self._db.cards()}
        self._cards: dict[int, CardInfo] = {}
        ordered: list[CardInfo] = []
        for skill in chosen:
            card = stored.get((skill.deck, skill.id))
            if card is None:  # pragma: no cover - ensure_cards just created it
                continue
            info = card_info(card)
            self._cards[info.card_id] = info
            ordered.append(info)
        self._skill_of = {info.card_id: self._skills[info.key] for info in ordered}
        self.queue_info = self._plan(ordered, now, start)
        self._session = SessionQueue(self.queue_info.items)
        self._current: _Current | None = None
        #: The problem whose verdict is on screen (flagged with ``f`` after the verdict).
        self._verdict_shown: _Current | None = None
        self._answered: _Answered | None = None
        self._tally = _Tally()
        self._planned = len(self.queue_info.items)
        self._repeats_queued = 0
        #: Reference answers (plain text) of every instance shown, per card: a repeat differs.
        self._answers_shown: dict[int, set[str]] = {}

    # ----------------------------------------------------------------------------- planning

    def _plan(self, cards: list[CardInfo], now: datetime, start: datetime) -> QueuePlan:
        options = self._options
        if options.cram:
            active = [c for c in cards if not c.suspended]
            # Soonest-due first, never-seen skills last: cramming rehearses what is coming.
            far = now + timedelta(days=365 * 100)
            active.sort(key=lambda c: (c.due or far, c.card_id))
            limit = DEFAULT_CRAM_LIMIT if options.limit is None else options.limit
            items: list[tuple[int, ReviewKind]] = [(c.card_id, "cram") for c in active[:limit]]
            due_total = new_total = 0
            leeches: tuple[CardInfo, ...] = ()
            limits: dict[str, Any] = {}
        else:
            # The day's workload counts every deck: three sessions, or a session per deck, on
            # one study day share one daily limit. --new/--reviews set this session's own.
            new_today, reviews_today = self._db.counts_since(start)
            settings = self._settings
            new_done, reviews_done = new_today, reviews_today
            if options.new is not None:
                settings, new_done = replace(settings, new_per_day=options.new), 0
            if options.reviews is not None:
                settings, reviews_done = replace(settings, review_cap=options.reviews), 0
            requires = {t.key: set(t.requires) for t in self._skills.values()}
            queue = build_daily_queue(
                cards,
                requires,
                now,
                settings,
                new_done_today=new_done,
                reviews_done_today=reviews_done,
            )
            items = queue.session_items()
            if options.limit is not None:
                items = items[: options.limit]
            due_total, new_total, leeches = queue.due_total, queue.new_total, queue.leeches
            limits = {
                "held_back": queue.held_back,
                "new_per_day": settings.new_per_day,
                "reviews_per_day": settings.review_cap,
                "new_limit": max(0, settings.new_per_day - new_done),
                "review_limit": max(0, settings.review_cap - reviews_done),
                "new_done_today": new_today,
                "reviews_done_today": reviews_today,
            }
        estimates = self._estimates([card_id for card_id, _ in items])
        if options.minutes is not None and items:
            items = plan_minutes(items, estimates, options.minutes)
        return QueuePlan(
            items=tuple(items),
            due_total=due_total,
            new_total=new_total,
            leeches=leeches,
            planned_seconds=round(sum(estimates[card_id] for card_id, _ in items), 1),
            **limits,
        )

    def _estimates(self, card_ids: Sequence[int]) -> dict[int, float]:
        """Each card's estimated solve time (scheduling/workload.py, ``estimate_seconds``)."""
        measured = self._db.solve_seconds(card_ids, per_card=TIMINGS_PER_SKILL)
        return {
            card_id: estimate_seconds(
                measured.get(card_id, ()), self._skill_of[card_id].expected_seconds
            )
            for card_id in card_ids
        }

    # ----------------------------------------------------------------------------- problems

    @property
    def cram(self) -> bool:
        """Whether this is a cram session (the schedule does not move)."""
        return self._options.cram

    def next_due(self) -> datetime | None:
        """Return when the next review of any card falls due (None if nothing is scheduled).

        Returns:
            The earliest due time among scheduled, unsuspended cards.
        """
        return self._db.next_due(self._clock())

    @property
    def planned(self) -> int:
        """Problems planned so far (first showings plus repeats queued)."""
        return self._planned + self._repeats_queued

    def next_problem(self) -> Problem | None:
        """Draw a fresh instance of the next skill in the queue (or show its spare).

        Returns:
            The problem, or None when the session is over.

        Raises:
            UsageError: When the previous problem has not been answered, given up or skipped.
        """
        from mathdrill.usecases.problems import SkillBroken

        if self._current is not None:
            raise UsageError("answer, give up or skip the current problem first")
        before = _Before(
            copy.deepcopy(self._session), copy.deepcopy(self._tally), self._repeats_queued
        )
        while True:
            item = self._session.next()
            if item is None:
                return None
            skill = self._skill_of[item.card_id]
            if self._too_slow(skill):
                self._session.skip(item.card_id)
                self._tally.broken.append(
                    f"{skill.path}: {skill.id}: too slow to make a problem from (over "
                    f"{SLOW_PROBLEM_SECONDS:g} s); skipped until its deck file changes"
                )
                continue
            spare, spare_text = self._take_spare(item.card_id, skill)
            started = self._timer()
            try:
                view = spare or self._fresh_instance(skill, self._answers_shown.get(item.card_id))
            except SkillBroken as error:
                # A broken template must not end the session: skip it (nothing is logged,
                # it stays due) and say which one and why in the summary.
                self._timed(skill, started)
                self._session.skip(item.card_id)
                if error.problem not in self._tally.broken:
                    self._tally.broken.append(error.problem)
                continue
            self._timed(skill, started)
            break
        self._answers_shown.setdefault(item.card_id, set()).add(view.answer_plain)
        self._verdict_shown = None
        self._current = _Current(
            item=item,
            skill=skill,
            view=view,
            before=before,
            spare_text=spare_text if spare is not None else None,
        )
        return Problem(
            number=self._session.shown,
            total=self.planned,
            card=skill.key,
            deck_title=skill.deck_title,
            title=skill.title,
            review_kind=item.kind,
            repeat=item.repeat,
            view=view,
            hints_total=len(view.hints),
        )

    def _draw_seed(self) -> int:
        return self._rng.randrange(MAX_SEED + 1)

    def _fresh_instance(self, skill: Skill, shown: set[str] | None) -> ProblemView:
        """Make a problem of ``skill`` whose reference answer is none of ``shown``.

        Draws up to :data:`REPEAT_DRAWS` seeds and keeps the last one when every draw repeats
        an answer (a template with few distinct answers must not stall the session).

        Raises:
            SkillBroken: The skill cannot produce a problem.
        """
        view = self._problems.generate(skill, self._draw_seed())
        draws = 1
        while shown and view.answer_plain in shown and draws < REPEAT_DRAWS:
            view = self._problems.generate(skill, self._draw_seed())
            draws += 1
        return view

    def _too_slow(self, skill: Skill) -> bool:
        """Tell whether to skip ``skill``: remembered slow, or its file's budget is spent."""
        if skill.slow:
            return True
        return self._slow_seconds > MAKING_BUDGET_SECONDS and any(
            s.path == skill.path for s in self.slow_skills
        )

    def _timed(self, skill: Skill, started: float) -> None:
        elapsed = self._timer() - started
        if elapsed > SLOW_PROBLEM_SECONDS:
            self._slow_seconds += elapsed
            self.slow_skills.append(skill)

    def _take_spare(self, card_id: int, skill: Skill) -> tuple[ProblemView | None, str | None]:
        """Take the problem an earlier session made ahead for this card, if it still fits.

        Serves the first-problem target (a session after an earlier one shows its first problem
        within 0.6 s): the worker needs the better part of a second to import sympy, a stored
        problem does not. A spare is used once, and only while the template's text is the one
        it was made from (same fingerprint). Returns the problem (or None) and the stored text.
        """
        from mathdrill.errors import WorkerError
        from mathdrill.usecases.problems import ProblemView

        if not self._spares:
            return None, None
        text = self._db.take_spare(card_id)
        if text is None:
            return None, None
        try:
            view = ProblemView.from_dict(json.loads(text))
        except (ValueError, WorkerError):
            return None, text
        made_from = (view.deck, view.template, view.fingerprint)
        return (view if made_from == (skill.deck, skill.id, skill.fingerprint) else None), text

    def _need_current(self) -> _Current:
        if self._current is None:
            raise UsageError("there is no problem on screen; ask for the next one first")
        return self._current

    def hint(self) -> str | None:
        """Reveal the next hint of the current problem (each one lowers the grade).

        Returns:
            The hint's text, or None when every hint has been shown.
        """
        current = self._need_current()
        if current.pending is not None:
            return None
        hints = current.view.hints
        if current.hints_used >= len(hints):
            return None
        current.hints_used += 1
        return hints[current.hints_used - 1]

    @property
    def hints_used(self) -> int:
        """Hints shown for the current problem."""
        return self._current.hints_used if self._current else 0

    def preview(self, text: str) -> Preview:
        """Say how ``text`` is read for the problem on screen, before it is graded.

        Nothing is judged, saved or counted: the learner sees a notation surprise while
        typing. Front ends may call it from a background thread while the learner types; it
        reads only the current problem's skill and seed, and the source serialises it with
        the checks.

        Args:
            text: The learner's text as typed so far.

        Returns:
            The preview (``empty`` when no problem waits for an answer).
        """
        from mathdrill.answers.verdict import Preview

        current = self._current
        if current is None or current.pending is not None:
            return Preview()
        return self._problems.preview(current.skill, current.view.seed, text)

    def submit(self, text: str, seconds: float) -> Outcome:
        """Judge an answer to the current problem; grade and save it unless it was unreadable.

        With ``--self-grade`` the verdict comes back with ``quality=None``: call
        :meth:`self_grade` with the learner's grade to save it.

        Args:
            text: The learner's answer as typed.
            seconds: Time from showing the problem to this answer.

        Returns:
            The outcome. ``graded`` is False for unreadable or undecided input: ask again.
        """
        current = self._need_current()
        if current.pending is not None:
            raise UsageError("this problem is already answered; give its grade or move on")
        current.last_attempt = text
        verdict = self._problems.check(current.skill, current.view.seed, text)
        if verdict.status in ("unreadable", "undecided"):
            return Outcome(verdict=verdict, graded=False)
        derived = derive_quality(
            correct=verdict.correct,
            first_try=True,
            hints_used=current.hints_used,
            solution_shown=False,
            matched_mistake=verdict.mistake is not None,
            near_miss=verdict.near_miss is not None,
            gave_up=False,
            blank=False,
            seconds=max(0.0, seconds),
            expected_seconds=current.view.expected_seconds,
        )
        current.answer_text = text
        current.seconds = max(0.0, seconds)
        outcome = Outcome(verdict=verdict, graded=True, derived_quality=derived)
        if self._options.self_grade:
            current.pending = outcome
            return outcome
        return self._save(current, outcome, derived)

    def self_grade(self, quality: int) -> Outcome:
        """Save the current answer with the learner's own grade (``--self-grade``).

        Args:
            quality: 0–5.

        Returns:
            The saved outcome.

        Raises:
            UsageError: When no answer is waiting for a grade, the grade is not 0–5, or it is
                above 2 for an answer judged wrong.
        """
        current = self._need_current()
        if current.pending is None:
            raise UsageError("there is no answer waiting for a grade")
        if isinstance(quality, bool) or not isinstance(quality, int) or not 0 <= quality <= 5:
            raise UsageError(f"a grade is a whole number from 0 to 5, got {quality!r}")
        if quality > current.pending.highest_grade:
            raise UsageError(
                f"a wrong answer is graded at most 2 (3 or more would count it as remembered), "
                f"got {quality}"
            )
        return self._save(current, current.pending, quality)

    def give_up(self, seconds: float, *, blank: bool = False) -> Outcome:
        """Give up on the current problem: grade 0, saved; the solution is shown next.

        Args:
            seconds: Time from showing the problem to giving up.
            blank: The learner submitted nothing (piped input), rather than typing ``!``.

        Returns:
            The saved outcome.
        """
        current = self._need_current()
        current.answer_text = "" if blank else "!"
        current.seconds = max(0.0, seconds)
        quality = derive_quality(
            correct=False,
            first_try=True,
            hints_used=current.hints_used,
            solution_shown=True,
            matched_mistake=False,
            near_miss=False,
            gave_up=not blank,
            blank=blank,
            seconds=current.seconds,
            expected_seconds=current.view.expected_seconds,
        )
        outcome = Outcome(verdict=None, graded=True, derived_quality=quality, gave_up=True)
        return self._save(current, outcome, quality)

    def flag(self, comment: str = "") -> Flag:
        """Flag the problem on screen for a report; a problem not yet answered stays to be answered.

        Stored at once (its own transaction) with the card, the seed, the time, the comment and
        the learner's last answer to it (an unreadable one too), so ``mathdrill flags`` can name
        the exact instance. Flagging is not an answer: nothing is graded or logged as a review.
        Between a verdict and the next problem, the problem just answered is the one flagged
        (a verdict the learner disputes), with the answer that was judged.

        Args:
            comment: What the learner wrote after the key ("" for none); cut to
                ``MAX_COMMENT`` characters.

        Returns:
            The stored flag (with its id).
        """
        from mathdrill.storage import Flag
        from mathdrill.storage.records import MAX_COMMENT, MAX_TEXT, storable_text

        current = self._current or self._verdict_shown
        if current is None:
            raise UsageError("there is no problem on screen to flag")
        answer = current.last_attempt
        record = Flag(
            card_id=current.item.card_id,
            seed=current.view.seed,
            flagged_at=self._clock(),
            comment=storable_text(comment.strip(), MAX_COMMENT),
            answer=None if answer is None else storable_text(answer, MAX_TEXT),
        )
        return self._db.add_flag(record)

    def retry_save(self) -> Outcome:
        """Try again to save the answer whose save failed (see :class:`AnswerNotSavedError`).

        Returns:
            The saved outcome, as ``submit`` would have returned it.

        Raises:
            AnswerNotSavedError: The database still cannot take it (the answer stays kept).
            UsageError: No answer is waiting to be saved.
        """
        current = self._need_current()
        if current.unsaved is None:
            raise UsageError("there is no answer waiting to be saved")
        outcome, quality = current.unsaved
        return self._save(current, outcome, quality)

    def skip(self) -> None:
        """Skip the current problem: nothing is logged, and it does not come back this session."""
        current = self._need_current()
        if current.pending is not None:
            raise UsageError("this problem is already answered; give its grade first")
        self._session.skip(current.item.card_id)
        self._tally.skipped += 1
        self._current = None

    def _save(self, current: _Current, outcome: Outcome, quality: int) -> Outcome:
        from mathdrill.storage import CardUpdate, Review

        item = current.item
        card = self._cards[item.card_id]
        now = current.answered_at or self._clock()  # a retried save keeps the answer's time
        current.answered_at = now
        update = schedule(
            self._options.scheduler,
            card,
            quality,
            now,
            item.kind,
            self._settings,
            history=lambda: self._log_of(card.card_id),
            parameters=self._fsrs_parameters,
        )
        verdict = outcome.verdict
        record = Review(
            card_id=card.card_id,
            reviewed_at=now,
            kind=item.kind,
            seed=current.view.seed,
            fingerprint=current.view.fingerprint,
            answer=current.answer_text,
            status=verdict.status if verdict is not None else "gave_up",
            correct=bool(verdict and verdict.correct),
            quality=quality,
            read_as=verdict.read_as_plain if verdict is not None else None,
            mistake=verdict.mistake if verdict is not None else None,
            hints=current.hints_used,
            seconds=round(current.seconds, 3),
            session_id=self.session_id,
        )
        new_state = CardUpdate(
            repetitions=update.repetitions,
            easiness=update.easiness,
            interval=update.interval,
            due=update.due,
            lapses=update.lapses,
            last_review=update.last_review,
            leech=update.leech,
        )
        # One transaction: the review row and the card's new state, committed before return.
        try:
            stored = self._db.record_review(record, new_state)
        except StorageError as exc:
            # Never dropped silently: the answer stays here for retry_save (or the learner quits
            # knowing it was not saved).
            current.unsaved = (outcome, quality)
            raise AnswerNotSavedError(
                f"{exc}\nThis answer was NOT saved yet; it is kept, and can be saved again once "
                f"the database is back."
            ) from exc
        current.unsaved = None
        self._cards[card.card_id] = replace(
            card,
            repetitions=update.repetitions,
            easiness=update.easiness,
            interval=update.interval,
            due=update.due,
            lapses=update.lapses,
            leech=update.leech,
            last_review=update.last_review,
        )
        repeat = self._session.record(card.card_id, quality)
        if repeat is not None:
            self._repeats_queued += 1
        tally = self._tally
        tally.answered += 1
        tally.seconds += current.seconds
        if not item.is_repeat:
            tally.first_showings += 1
            tally.first_try_correct += int(bool(verdict and verdict.correct))
        key = current.skill.key
        if quality < NEEDS_WORK_BELOW and key not in tally.needs_work:
            tally.needs_work.append(key)
        if update.leech_warning:
            tally.leeches.append(current.skill.title)
        self._verdict_shown = current
        if current.before is not None:
            self._answered = _Answered(
                review_id=stored.id,
                card_id=card.card_id,
                title=current.skill.title,
                key=key,
                kind=item.kind,
                quality=quality,
                before=current.before,
            )
        self._current = None
        return replace(
            outcome,
            quality=quality,
            saved=True,
            will_repeat=repeat is not None,
            leech_warning=update.leech_warning,
            next_due=update.due if update.moved else None,
        )

    def _log_of(self, card_id: int) -> list[LogEntry]:
        """Return a card's whole log, for a scheduler that folds it (``fsrs``)."""
        return [
            LogEntry(r.reviewed_at, r.kind, r.quality)
            for r in self._db.history(card_id, limit=sys.maxsize)
        ]

    def undo(self) -> Undone | None:
        """Take back the last graded answer of this session (the drill's ``u``).

        The review is deleted and its card rebuilt from what is left of its log
        (``usecases/rebuild.py``), in one transaction, so the card is exactly as it was before
        the answer; a repeat the answer queued is dropped, the problem on screen goes back to
        its place in the queue (its spare, if it was one, back into the database), and the
        undone skill comes next with a fresh instance (the old one's answer has been seen).
        One answer can be undone: the one graded last, while no other has been graded since.

        Returns:
            What was undone, or None when there is nothing to undo.

        Raises:
            UsageError: When the problem on screen has an answer waiting for a self-grade.
        """
        from mathdrill.usecases.rebuild import undo_review

        answered = self._answered
        if answered is None:
            return None
        current = self._current
        if current is not None and current.pending is not None:
            raise UsageError("this problem is already answered; give its grade first")
        undo_review(self._db, answered.review_id, answered.card_id, self._settings)
        card = self._cards[answered.card_id]
        stored = self._db.card(card.deck, card.template)
        if stored is not None:
            self._cards[answered.card_id] = card_info(stored)
        if current is not None and current.spare_text is not None:
            self._db.put_spare(current.item.card_id, current.spare_text)
        before = answered.before
        self._session = before.queue
        self._tally = before.tally
        self._repeats_queued = before.repeats_queued
        self._current = None
        self._answered = None
        self._verdict_shown = None
        return Undone(answered.key, answered.title, answered.kind, answered.quality)

    # ----------------------------------------------------------------------------- the end

    def stock_spares(self) -> int:
        """Make the problems the next session will most likely open with, stored with the cards.

        Two guesses: the next waiting problem of this session (where a session resumed later
        today starts) and the first problem of the queue one day from now. Does nothing with
        ``spares=False``, or when the problem source is not ready (never waits for a worker to
        start, so quitting right away stays instant).

        Returns:
            How many spares were made.
        """
        from mathdrill.usecases.problems import SkillBroken

        if not self._spares or not self._problems.ready:
            return 0
        guesses: list[int] = []
        upcoming = self._session.peek()
        if upcoming is not None:
            guesses.append(upcoming.card_id)
        tomorrow = build_daily_queue(
            list(self._cards.values()),
            {t.key: set(t.requires) for t in self._skills.values()},
            self._clock() + timedelta(days=1),
            self._settings,
        ).session_items()
        guesses.extend(card_id for card_id, _ in tomorrow[:1])
        made = 0
        for card_id in dict.fromkeys(guesses):
            if self._too_slow(self._skill_of[card_id]):
                continue
            try:
                view = self._problems.generate(self._skill_of[card_id], self._draw_seed())
            except SkillBroken:
                continue
            self._db.put_spare(card_id, json.dumps(view.to_dict()))
            made += 1
        return made

    def summary(self) -> Summary:
        """Report the session so far (also valid after an early quit).

        Returns:
            The summary, with the streak and the next due review read from the database.
        """
        now = self._clock()
        settings = self._settings
        today = study_day(now, settings.rollover_hour, settings.tz)
        days = self._db.review_days(settings.rollover_hour, settings.tz)
        tomorrow_end = day_start(today + timedelta(days=2), settings.rollover_hour, settings.tz)
        tally = self._tally
        return Summary(
            answered=tally.answered,
            first_showings=tally.first_showings,
            first_try_correct=tally.first_try_correct,
            seconds=tally.seconds,
            needs_work=tuple(tally.needs_work),
            leeches=tuple(tally.leeches),
            streak=streak_days(days, today),
            next_due=self._db.next_due(now),
            due_tomorrow=self._db.count_due(tomorrow_end),
            skipped=tally.skipped,
            broken=tuple(tally.broken),
        )


@dataclass(frozen=True)
class QueuePlan:
    """The session's plan as built at the start.

    Attributes:
        items: ``(card_id, kind)`` first showings in order.
        due_total: Cards due today before any cap (0 when cramming).
        new_total: New cards available before the daily limit (0 when cramming).
        leeches: Leech cards among the chosen ones.
        planned_seconds: The estimated solve time of ``items`` (scheduling/workload.py).
        held_back: Due cards the review cap leaves for the next days (they stay due).
        new_per_day: The daily limit of new skills in force (``--new`` replaces it; None when
            cramming).
        reviews_per_day: The daily review cap in force (``--reviews`` replaces it; None when
            cramming).
        new_limit: New skills this session may introduce (the limit less today's earlier ones).
        review_limit: Due reviews this session may show (the cap less today's earlier ones).
        new_done_today: New skills introduced earlier this study day, every deck.
        reviews_done_today: Due cards reviewed earlier this study day, every deck.
    """

    items: tuple[tuple[int, ReviewKind], ...]
    due_total: int
    new_total: int
    leeches: tuple[CardInfo, ...]
    planned_seconds: float = 0.0
    held_back: int = 0
    new_per_day: int | None = None
    reviews_per_day: int | None = None
    new_limit: int | None = None
    review_limit: int | None = None
    new_done_today: int = 0
    reviews_done_today: int = 0


def load_skills(
    environment: Environment, extra_decks: Iterable[Path]
) -> tuple[list[Skill], tuple[str, ...]]:
    """List the skills of the built-in decks, the user's decks and any ``--decks`` paths.

    Reads the light catalogue (cached in the data directory), not the decks' expressions: the
    worker loads a deck file when it first makes one of its problems. A deck file that cannot be
    read as a deck, or that defines a deck id an earlier file defined, is left out and named in
    the second result (one line per file), so one bad file never stops the daily drill.

    Args:
        environment: Where the data directory is.
        extra_decks: Files or folders given with ``--decks``.

    Returns:
        Every skill, in deck and file order; and one ``path: problem`` line per file left out.

    Raises:
        DeckError: A ``--decks`` path does not exist (a typo on the command line), or every
            deck file found was left out (every problem is listed).
        UsageError: When no deck is found at all.
    """
    from mathdrill.decks.catalog import catalog_files, read_catalog
    from mathdrill.usecases.problems import skills_from_catalog

    given = list(extra_decks)
    missing = [f"{path}: no such deck file or folder" for path in given if not path.exists()]
    if missing:
        raise DeckError(missing[0], missing)
    catalog = read_catalog(
        catalog_files(environment.data_dir / "decks", given),
        cache=environment.catalog_cache,
    )
    skills = skills_from_catalog(catalog)
    if not skills and catalog.problems:
        count = len(catalog.problems)
        raise DeckError(
            f"{count} deck file problem{'s' if count != 1 else ''} and no deck left to drill; "
            "fix the file or run `mathdrill deck check` on it",
            list(catalog.problems),
        )
    if not skills:
        raise UsageError(
            "no decks found: the built-in decks are missing from this installation; "
            "reinstall mathdrill or pass --decks PATH"
        )
    return skills, catalog.problems


@contextmanager
def open_session(
    environment: Environment,
    options: DrillOptions,
    *,
    extra_decks: Iterable[Path] = (),
    seed: int | None = None,
    problems: ProblemSource | None = None,
) -> Iterator[DrillSession]:
    """Open everything a drill needs and hand out the session; close it all afterwards.

    The order is chosen for a fast first problem: the problem worker starts first (it imports
    sympy on the other core) while the deck catalogue and the database plan the queue; the
    first problem is the one an earlier session made ahead for that card, when there is one. On
    a normal end the session makes such problems for the next one (not with ``seed``: a replay
    must draw every seed itself).

    Args:
        environment: Clock, data directory and database option.
        options: What the learner asked for.
        extra_decks: Files or folders given with ``--decks``.
        seed: Seed for the instance draws (None: fresh entropy from the operating system).
        problems: Where problems come from (None: a new worker process, closed at the end).

    Yields:
        The session.

    Raises:
        DeckError: A ``--decks`` path does not exist, or no deck file can be used.
        StorageError: The database cannot be opened.
        UsageError: Options that name nothing.
    """
    from mathdrill.decks.catalog import remember_slow
    from mathdrill.storage import open_database, resolve_database
    from mathdrill.usecases.problems import WorkerProblems

    source = problems if problems is not None else WorkerProblems()
    database: Database | None = None
    try:
        skills, deck_problems = load_skills(environment, extra_decks)
        database = open_database(
            resolve_database(environment.db, environment.env),
            backed_up=environment.env.get("MATHDRILL_BACKED_UP"),
            learner=environment.learner,
            add_learner=True,
            now=environment.now(),
        )
        session = DrillSession(
            db=database,
            skills=skills,
            problems=source,
            settings=SchedulingSettings(
                tz=environment.zone,
                rollover_hour=environment.rollover_hour,
                new_per_day=environment.new_per_day,
                review_cap=environment.reviews_per_day,
            ),
            options=options,
            clock=environment.now,
            rng=random.Random(seed),  # noqa: S311 - problem seeds, not secrets
            spares=seed is None,
            deck_problems=deck_problems,
        )
        yield session
        session.stock_spares()
        remember_slow(environment.catalog_cache, session.slow_skills)
    finally:
        if problems is None:
            source.close()
        if database is not None:
            database.close()
