"""Use-cases that look after a learner's collection: ``due``, ``card …``, ``flags``, ``doctor``.

They orchestrate decks (what templates exist), storage (cards and reviews) and scheduling (study
days); they never print. ``mathdrill.cli.collection_cmd`` renders their reports.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from mathdrill.errors import DeckError, NotFoundError, StorageError, UsageError
from mathdrill.scheduling.queue import LEECH_THRESHOLD, day_start, study_day

if TYPE_CHECKING:
    from mathdrill.config import Environment
    from mathdrill.decks.library import Library
    from mathdrill.storage import Card, Database, Flag, Review
    from mathdrill.storage.bulk import RangeProblem
    from mathdrill.usecases.rebuild import Disagreement


@contextmanager
def open_collection(environment: Environment, *, create: bool = True) -> Iterator[Database]:
    """Open the learner's database for a collection command.

    Args:
        environment: Where the database is (``--db``, ``MATHDRILL_DB``, ``MATHDRILL_HOME``).
        create: Create the database when missing (False for read-only reports).

    Yields:
        The open database; closed afterwards.

    Raises:
        StorageError: The database cannot be opened.
    """
    from mathdrill.storage import open_database, resolve_database

    db = open_database(
        resolve_database(environment.db, environment.env),
        create=create,
        backed_up=environment.env.get("MATHDRILL_BACKED_UP"),
        learner=environment.learner,
        now=environment.now(),
    )
    try:
        yield db
    finally:
        db.close()


def load_library(environment: Environment, extra_decks: Iterable[Path] = ()) -> Library:
    """Load built-in and user decks, keeping load errors in the library (not raised).

    Args:
        environment: Where the data directory is.
        extra_decks: Deck files or folders given with ``--decks``.

    Returns:
        The library.
    """
    from mathdrill.decks.library import deck_sources
    from mathdrill.decks.library import load_library as load

    # Structure only (no trial instances): these commands need template ids, not problems.
    return load(deck_sources(environment.data_dir / "decks", extra_decks), trial=False)


def parse_card_ref(text: str) -> tuple[str, str]:
    """Split ``DECK/TEMPLATE`` into its parts.

    Args:
        text: The reference as typed.

    Returns:
        ``(deck, template)``.

    Raises:
        UsageError: When it is not of the form ``deck/template``.
    """
    deck, sep, template = text.strip().partition("/")
    if not sep or not deck or not template or "/" in template:
        raise UsageError(
            f"name a card as DECK/TEMPLATE, e.g. derivatives/chain-rule-sin; got {text!r}"
        )
    return deck, template


# --------------------------------------------------------------------------------------- due


@dataclass(frozen=True)
class DeckDue:
    """Due counts of one deck.

    Attributes:
        deck: Deck id.
        title: Deck title ("" for a deck that is no longer loaded).
        due_now: Cards due now (overdue included).
        due_today: Cards due before the next study day starts.
        upcoming: Cards falling due on each of the next days (index 0 = tomorrow).
        new: Cards never reviewed.
        suspended: Suspended cards.
        total: Cards of the deck.
    """

    deck: str
    title: str
    due_now: int
    due_today: int
    upcoming: tuple[int, ...]
    new: int
    suspended: int
    total: int


@dataclass(frozen=True)
class DueReport:
    """What is due now and in the next days, per deck.

    Attributes:
        now: When the report was made.
        today: The study day.
        days: The next study days covered by ``DeckDue.upcoming``.
        decks: One entry per deck with cards, in deck order.
        next_due: The earliest due time of any scheduled card after now, or None.
        reviews_per_day: The daily review cap (``MATHDRILL_REVIEWS_PER_DAY``).
        reviews_done_today: Due cards reviewed earlier this study day.
        planned_today: Reviews today's drills show under the cap (its room left today).
        planned: Reviews each of ``days`` gets under the cap: what falls due then plus what
            earlier days held back (scheduling/workload.py, ``spread_reviews``).
        held_back: Cards due today that the cap leaves for the next days.
        capped: Whether the cap defers any card on today or one of ``days``.
        beyond: Cards still held back after the last of ``days``.
        new_per_day: The daily limit of new skills (``MATHDRILL_NEW_PER_DAY``).
        new_done_today: New skills introduced earlier this study day.
    """

    now: datetime
    today: date
    days: tuple[date, ...]
    decks: tuple[DeckDue, ...]
    next_due: datetime | None
    reviews_per_day: int = 0
    reviews_done_today: int = 0
    planned_today: int = 0
    planned: tuple[int, ...] = ()
    held_back: int = 0
    capped: bool = False
    beyond: int = 0
    new_per_day: int = 0
    new_done_today: int = 0

    @property
    def due_now(self) -> int:
        """Cards due now, all decks."""
        return sum(d.due_now for d in self.decks)

    @property
    def due_today(self) -> int:
        """Cards due today, all decks."""
        return sum(d.due_today for d in self.decks)


def due_report(
    db: Database, library: Library, environment: Environment, days: int = 7
) -> DueReport:
    """Count due cards per deck now, today and on each of the next ``days`` study days.

    Cards are created for loaded templates first, so a new deck's skills count as new. The
    counts per deck are what falls due; ``planned`` spreads them under the daily review cap
    (the drill's own order: scheduling/queue.py, ``order_due``).

    Args:
        db: The open database.
        library: The loaded decks.
        environment: Clock, time zone and rollover hour.
        days: Upcoming study days to cover (1–60).

    Returns:
        The report.

    Raises:
        UsageError: When ``days`` is out of range.
    """
    if not 1 <= days <= 60:
        raise UsageError(f"--days must be from 1 to 60, got {days}")
    now = environment.now()
    hour, zone = environment.rollover_hour, environment.zone
    if not db.read_only:  # on read-only media the cards already there are reported
        db.ensure_cards(((t.deck, t.id) for t in library.templates()), now)
    today = study_day(now, hour, zone)
    # Bucket ends: the start of tomorrow's study day, then of each following day.
    ends = [day_start(today + timedelta(days=i + 1), hour, zone) for i in range(days + 1)]
    titles = {d.id: d.title for d in library.decks.values()}
    order = {deck_id: i for i, deck_id in enumerate(titles)}
    counts = db.due_by_deck(now, ends)
    rows = []
    for deck_id in sorted(counts, key=lambda d: (order.get(d, len(order)), d)):
        c = counts[deck_id]
        before = c.due_before
        rows.append(
            DeckDue(
                deck=deck_id,
                title=titles.get(deck_id, ""),
                due_now=c.due_now,
                due_today=before[0],
                upcoming=tuple(before[i + 1] - before[i] for i in range(days)),
                new=c.new,
                suspended=c.suspended,
                total=c.total,
            )
        )
    from mathdrill.scheduling.queue import SchedulingSettings
    from mathdrill.scheduling.workload import spread_reviews
    from mathdrill.usecases.drill import card_info

    settings = SchedulingSettings(
        tz=zone,
        rollover_hour=hour,
        new_per_day=environment.new_per_day,
        review_cap=environment.reviews_per_day,
    )
    new_done, reviews_done = db.counts_since(day_start(today, hour, zone))
    # The drill shows only the cards of loaded decks; so does the spread.
    loaded = {(t.deck, t.id) for t in library.templates()}
    spread = spread_reviews(
        [card_info(card) for card in db.cards() if (card.deck, card.template) in loaded],
        now,
        settings,
        days=days,
        reviews_done_today=reviews_done,
    )
    per_day = spread.counts()
    return DueReport(
        now=now,
        today=today,
        days=tuple(today + timedelta(days=i + 1) for i in range(days)),
        decks=tuple(rows),
        next_due=db.next_due(now),
        reviews_per_day=settings.review_cap,
        reviews_done_today=reviews_done,
        planned_today=per_day[0],
        planned=tuple(per_day[1:]),
        held_back=spread.held_back,
        capped=any(spread.deferred),
        beyond=len(spread.beyond),
        new_per_day=settings.new_per_day,
        new_done_today=new_done,
    )


# --------------------------------------------------------------------------------------- card


@dataclass(frozen=True)
class CardReport:
    """One card's state and recent history.

    Attributes:
        card: The stored card.
        title: The template's title, or "" when the template is no longer loaded.
        orphaned: True when no loaded deck defines the template.
        history: The most recent reviews, newest first.
        mistakes: Authored mistakes matched in this card's history, most frequent first.
    """

    card: Card
    title: str
    orphaned: bool
    history: tuple[Review, ...]
    mistakes: tuple[tuple[str, int], ...] = field(default_factory=tuple)


def card_report(
    db: Database, library: Library, ref: str, now: datetime, limit: int = 10
) -> CardReport:
    """Return a card's state and its last ``limit`` reviews.

    Args:
        db: The open database.
        library: The loaded decks (for the title, and to tell orphans).
        ref: ``DECK/TEMPLATE``.
        now: The current time (a card is created for a loaded template never drilled).
        limit: Reviews to include.

    Returns:
        The report.

    Raises:
        UsageError: A malformed reference.
        NotFoundError: No such card.
    """
    card = _card(db, library, ref, now)
    template = (
        library.decks[card.deck].template(card.template) if card.deck in library.decks else None
    )
    history = tuple(db.history(card.id, limit=max(1, limit)))
    mistakes = Counter(r.mistake for r in db.history(card.id, limit=10_000) if r.mistake)
    return CardReport(
        card=card,
        title=template.title if template else "",
        orphaned=template is None,
        history=history,
        mistakes=tuple(mistakes.most_common()),
    )


def _card(db: Database, library: Library, ref: str, now: datetime) -> Card:
    deck, template = parse_card_ref(ref)
    card = db.card(deck, template)
    if card is not None:
        return card
    known = library.decks.get(deck)
    if known is not None and known.template(template) is not None:
        # The template exists but has never been drilled: create its card so it can be
        # suspended before it is ever shown.
        db.ensure_cards([(deck, template)], now)
        created = db.card(deck, template)
        if created is not None:
            return created
    hint = ""
    if known is not None:
        hint = f"; deck '{deck}' has: {', '.join(t.id for t in known.templates)}"
    elif library.decks:
        hint = f"; decks: {', '.join(library.decks)}"
    raise NotFoundError(f"no card {deck}/{template}{hint}")


def set_suspended(db: Database, library: Library, ref: str, flag: bool, now: datetime) -> Card:
    """Suspend or unsuspend a card (a suspended card is in no queue; its history is kept).

    Args:
        db: The open database.
        library: The loaded decks.
        ref: ``DECK/TEMPLATE``.
        flag: True to suspend.
        now: The current time (a card is created for a loaded template never drilled).

    Returns:
        The card after the change.

    Raises:
        UsageError: A malformed reference.
        NotFoundError: No such card.
    """
    card = _card(db, library, ref, now)
    return db.set_suspended(card.deck, card.template, flag, now=now)


def reset_card(db: Database, library: Library, ref: str, now: datetime) -> Card:
    """Reset a card to new (its review history is kept).

    Args:
        db: The open database.
        library: The loaded decks.
        ref: ``DECK/TEMPLATE``.
        now: The current time (a card is created for a loaded template never drilled).

    Returns:
        The card after the reset.

    Raises:
        UsageError: A malformed reference.
        NotFoundError: No such card.
    """
    card = _card(db, library, ref, now)
    return db.reset_card(card.deck, card.template, now=now)


# --------------------------------------------------------------------------------------- flags


def list_flags(environment: Environment) -> list[Flag]:
    """Return the problems flagged in drills, newest first.

    Args:
        environment: Where the database is.

    Returns:
        The flags.

    Raises:
        StorageError: The database cannot be opened or read (or does not exist yet).
    """
    with open_collection(environment, create=False) as db:
        return db.flags()


def clear_flag(environment: Environment, flag_id: int) -> Flag:
    """Remove one flag, once it is reported or dealt with.

    Args:
        environment: Where the database is.
        flag_id: The id ``mathdrill flags`` shows.

    Returns:
        The removed flag.

    Raises:
        NotFoundError: There is no such flag.
        StorageError: The database cannot be written.
    """
    with open_collection(environment, create=False) as db:
        return db.clear_flag(flag_id)


# --------------------------------------------------------------------------------- orphans


@dataclass(frozen=True)
class PruneReport:
    """What ``card prune-orphans`` removed (or, with ``--dry-run``, would remove).

    Attributes:
        cards: ``deck/template`` of each orphaned card, by deck then template.
        reviews: Reviews removed with them (0 for a dry run).
        flags: Flags removed with them (0 for a dry run).
        backup: The copy of the database made first (None for a dry run, when nothing was
            removed, or for a database that is no file).
        dry_run: Nothing was changed.
    """

    cards: tuple[str, ...]
    reviews: int
    flags: int
    backup: Path | None
    dry_run: bool


def prune_orphans(
    environment: Environment, *, extra_decks: Iterable[Path] = (), dry_run: bool = False
) -> PruneReport:
    """Remove the cards whose template no loaded deck defines, with their reviews and flags.

    Refused while any deck file fails to load: its decks' templates would only look missing
    (the drill skips such a file with a warning and keeps its cards), and a removal cannot be
    undone but by the backup. Otherwise the database is copied next to itself first, then the
    orphans go in one transaction (:meth:`~mathdrill.storage.Database.prune_orphans`).

    Args:
        environment: Where the database and the decks are.
        extra_decks: Deck files or folders given with ``--decks`` (their templates count too).
        dry_run: Only say what would be removed; change nothing.

    Returns:
        What was (or would be) removed, and where the backup is.

    Raises:
        DeckError: A deck file cannot be loaded (nothing is removed).
        StorageError: The database cannot be opened, backed up or written (nothing is removed).
    """
    library = load_library(environment, extra_decks)
    if library.errors:
        problems: list[str] = []
        for error in library.errors:
            problems.extend(
                error.problems if isinstance(error, DeckError) and error.problems else [str(error)]
            )
        raise DeckError(
            "nothing was removed: a deck file cannot be loaded, so the cards of its decks would "
            "only look orphaned. Fix it (`mathdrill deck check FILE` says how) or move it out "
            "of the decks folder, then run this again:",
            problems,
        )
    known = {(t.deck, t.id) for t in library.templates()}
    with open_collection(environment, create=False) as db:
        if dry_run:
            orphans = db.orphaned(known)
            return PruneReport(tuple(f"{c.deck}/{c.template}" for c in orphans), 0, 0, None, True)
        removed, n_reviews, n_flags, backup = db.prune_orphans(known, environment.now())
    names = tuple(f"{c.deck}/{c.template}" for c in removed)
    return PruneReport(names, n_reviews, n_flags, backup, False)


# --------------------------------------------------------------------------------------- doctor


@dataclass(frozen=True)
class DoctorReport:
    """The health of a collection.

    Attributes:
        database: Where the database is.
        schema_version: Its schema version (None when it could not be opened).
        integrity: Problems ``integrity_check`` reported (empty when sound).
        open_error: Why the database could not be opened, if it could not.
        cards: Number of cards.
        reviews: Number of reviews.
        orphaned: ``deck/template`` of cards whose template no loaded deck defines.
        leeches: ``(deck/template, lapses)`` of leech cards, most lapses first.
        deck_problems: Deck files that could not be loaded, with their messages.
        out_of_range: Rows holding values outside what mathdrill can use (listed up to 100
            per table), e.g. a date in year 9999 written by hand: they break statistics and
            the drill, and an export of them would not import.
        out_of_range_total: How many such rows there are in all.
        schedules_checked: Cards whose review log was folded and compared with their row (a
            sample, see ``usecases/rebuild.py``, ``DOCTOR_SAMPLE``).
        schedules_disagree: Those whose row is not what their log folds to.
    """

    database: str
    schema_version: int | None
    integrity: tuple[str, ...]
    open_error: str | None
    cards: int
    reviews: int
    orphaned: tuple[str, ...]
    leeches: tuple[tuple[str, int], ...]
    deck_problems: tuple[str, ...]
    out_of_range: tuple[RangeProblem, ...] = ()
    out_of_range_total: int = 0
    schedules_checked: int = 0
    schedules_disagree: tuple[Disagreement, ...] = ()

    @property
    def healthy(self) -> bool:
        """True when the database opened, passed its integrity check and holds usable values."""
        return self.open_error is None and not self.integrity and not self.out_of_range_total

    @property
    def problems(self) -> tuple[str, ...]:
        """The kinds of problem found, named as the report's fields; empty when there are none.

        A problem is something to fix: a database that cannot be opened, is damaged or holds
        values out of range, cards whose template no loaded deck defines (restore the deck file
        or remove them), deck files that cannot be loaded, cards whose row is not what their
        review log folds to (``doctor --rebuild`` rebuilds them). Leeches are not problems: they are
        the learner's, listed for information. ``doctor`` exits 1 when this is not empty.
        """
        found = {
            "open_error": self.open_error is not None,
            "integrity": bool(self.integrity),
            "out_of_range": bool(self.out_of_range_total),
            "orphaned": bool(self.orphaned),
            "deck_problems": bool(self.deck_problems),
            "schedules": bool(self.schedules_disagree),
        }
        return tuple(name for name, present in found.items() if present)


def doctor(environment: Environment) -> DoctorReport:
    """Check the database and the decks; never modifies either.

    Args:
        environment: Where the database and decks are.

    Returns:
        The report (``healthy`` False on corruption or when the database cannot be opened;
        ``problems`` names everything to fix).
    """
    from mathdrill.storage import bulk, resolve_database
    from mathdrill.usecases.rebuild import doctor_sample

    url = resolve_database(environment.db, environment.env)
    library = load_library(environment)
    deck_problems: list[str] = []
    for error in library.errors:
        deck_problems.extend(
            error.problems if isinstance(error, DeckError) and error.problems else [str(error)]
        )
    try:
        with open_collection(environment, create=False) as db:
            cards = db.cards()
            known = {(t.deck, t.id) for t in library.templates()}
            orphans = tuple(f"{c.deck}/{c.template}" for c in db.orphaned(known))
            leeches = sorted(
                (
                    (f"{c.deck}/{c.template}", c.lapses)
                    for c in cards
                    if c.leech or c.lapses >= LEECH_THRESHOLD
                ),
                key=lambda item: (-item[1], item[0]),
            )
            odd, odd_total = bulk.out_of_range(db)
            checked, disagree = doctor_sample(db, environment)
            return DoctorReport(
                database=db.path,
                schema_version=db.schema_version(),
                integrity=tuple(db.integrity_check()),
                open_error=None,
                cards=len(cards),
                reviews=db.count_reviews(),
                orphaned=orphans,
                leeches=tuple(leeches),
                deck_problems=tuple(deck_problems),
                out_of_range=tuple(odd),
                out_of_range_total=odd_total,
                schedules_checked=checked,
                schedules_disagree=tuple(disagree),
            )
    except StorageError as error:
        return DoctorReport(
            database=url,
            schema_version=None,
            integrity=(),
            open_error=str(error),
            cards=0,
            reviews=0,
            orphaned=(),
            leeches=(),
            deck_problems=tuple(deck_problems),
        )
