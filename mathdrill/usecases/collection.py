"""Use-cases that look after a learner's collection: ``due``, ``card …`` and ``doctor``.

They orchestrate decks (what templates exist), storage (cards and reviews) and scheduling (study
days); they never print. ``mathdrill.cli.collection_cmd`` renders their reports.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from mathdrill.errors import DeckError, NotFoundError, StorageError, UsageError
from mathdrill.scheduling.queue import LEECH_THRESHOLD, day_start, study_day

if TYPE_CHECKING:
    from mathdrill.config import Environment
    from mathdrill.decks.library import Library
    from mathdrill.storage import Card, Database, Review
    from mathdrill.storage.bulk import RangeProblem


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
    )
    try:
        yield db
    finally:
        db.close()


def load_library(environment: Environment) -> Library:
    """Load built-in and user decks, keeping load errors in the library (not raised).

    Args:
        environment: Where the data directory is.

    Returns:
        The library.
    """
    from mathdrill.decks.library import deck_sources
    from mathdrill.decks.library import load_library as load

    # Structure only (no trial instances): these commands need template ids, not problems.
    return load(deck_sources(environment.data_dir / "decks"), trial=False)


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
    """

    now: datetime
    today: date
    days: tuple[date, ...]
    decks: tuple[DeckDue, ...]
    next_due: datetime | None

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

    Cards are created for loaded templates first, so a new deck's skills count as new.

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
    return DueReport(
        now=now,
        today=today,
        days=tuple(today + timedelta(days=i + 1) for i in range(days)),
        decks=tuple(rows),
        next_due=db.next_due(now),
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
    return db.set_suspended(card.deck, card.template, flag)


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
    return db.reset_card(card.deck, card.template)


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

    @property
    def healthy(self) -> bool:
        """True when the database opened, passed its integrity check and holds usable values."""
        return self.open_error is None and not self.integrity and not self.out_of_range_total

    @property
    def problems(self) -> tuple[str, ...]:
        """The kinds of problem found, named as the report's fields; empty when there are none.

        A problem is something to fix: a database that cannot be opened, is damaged or holds
        values out of range, cards whose template no loaded deck defines (restore the deck file
        or remove them), deck files that cannot be loaded. Leeches are not problems: they are
        the learner's, listed for information. ``doctor`` exits 1 when this is not empty.
        """
        found = {
            "open_error": self.open_error is not None,
            "integrity": bool(self.integrity),
            "out_of_range": bool(self.out_of_range_total),
            "orphaned": bool(self.orphaned),
            "deck_problems": bool(self.deck_problems),
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
