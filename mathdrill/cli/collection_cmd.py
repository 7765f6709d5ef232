"""``mathdrill due``, ``mathdrill card …`` and ``mathdrill doctor``: looking after a collection."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mathdrill.cli import completion, jsonout, root
from mathdrill.cli.counts import counted
from mathdrill.errors import EXIT_FAILED

if TYPE_CHECKING:
    from mathdrill.storage import Card
    from mathdrill.usecases.collection import CardReport, DoctorReport, DueReport, PruneReport

card_app = typer.Typer(
    name="card",
    help=("Look at one skill's card, or suspend, unsuspend or reset it; remove orphaned cards."),
    no_args_is_help=True,
    add_completion=False,
)

CARD_ARG = typer.Argument(
    metavar="DECK/TEMPLATE",
    help="The card, e.g. derivatives/chain-rule-sin.",
    autocompletion=completion.card_ids,
)


def register(app: typer.Typer) -> None:
    """Attach ``due``, ``card`` and ``doctor`` to the root application.

    Args:
        app: The root typer application.
    """
    app.command(
        "due",
        help="What is due now and on each of the next days, per deck.",
    )(due_command)
    app.add_typer(card_app, name="card")
    app.command(
        "doctor",
        help=(
            "Check the database (integrity, schema version) and the decks; list orphaned cards "
            "and leeches. Exits 1 when it reports a problem: a damaged or unopenable database, "
            "out-of-range rows, orphaned cards or deck files that cannot be loaded (leeches "
            "alone are not one)."
        ),
    )(doctor_command)


def _day(moment: datetime) -> str:
    return moment.strftime("%a %d %b")


def _when(moment: datetime | None) -> str:
    return "—" if moment is None else moment.astimezone().strftime("%a %d %b %H:%M")


def due_command(
    ctx: typer.Context,
    days: Annotated[
        int, typer.Option("--days", metavar="N", min=1, max=60, help="Days ahead to show.")
    ] = 7,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Show what is due now and in the next days, per deck."""
    from mathdrill.usecases import collection

    environment = root.environment(ctx)
    library = collection.load_library(environment)
    with collection.open_collection(environment) as db:
        report = collection.due_report(db, library, environment, days)
    if as_json:
        typer.echo(jsonout.dumps(_due_json(report)))
        return
    _print_due(report)


def _due_json(report: DueReport) -> dict:
    return {
        "now": report.now.isoformat(),
        "today": report.today.isoformat(),
        "due_now": report.due_now,
        "due_today": report.due_today,
        "next_due": report.next_due.isoformat() if report.next_due else None,
        "days": [d.isoformat() for d in report.days],
        "reviews_per_day": report.reviews_per_day,
        "reviews_done_today": report.reviews_done_today,
        "planned_today": report.planned_today,
        "held_back": report.held_back,
        "planned": list(report.planned),
        "held_back_after": report.beyond,
        "new_per_day": report.new_per_day,
        "new_done_today": report.new_done_today,
        "decks": [
            {
                "deck": d.deck,
                "title": d.title,
                "due_now": d.due_now,
                "due_today": d.due_today,
                "upcoming": list(d.upcoming),
                "new": d.new,
                "suspended": d.suspended,
                "total": d.total,
            }
            for d in report.decks
        ],
    }


#: Columns of the ``due`` table when the output is not a terminal: wider than any real table.
PIPED_WIDTH = 1000


def _print_due(report: DueReport) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False)
    if not console.is_terminal:
        # Piped or redirected: no screen to fit, so no header or deck id is squeezed to "to…".
        console = Console(highlight=False, width=PIPED_WIDTH)
    console.print(
        f"Due now: [bold]{report.due_now}[/] · today: [bold]{report.due_today}[/] · "
        f"next review after now: {_when(report.next_due)}"
    )
    # box=None and one-space padding keep a week of columns inside an 80-column terminal.
    table = Table(box=None, padding=(0, 1), header_style="bold")
    table.add_column("deck", no_wrap=True)
    table.add_column("today", justify="right")
    for day in report.days:
        table.add_column(day.strftime("%a"), justify="right")
    table.add_column("new", justify="right")
    table.add_column("susp", justify="right")
    for row in report.decks:
        name = row.deck if row.title else f"{row.deck} (not loaded)"
        table.add_row(
            name,
            str(row.due_today),
            *(str(n) for n in row.upcoming),
            str(row.new),
            str(row.suspended),
        )
    if report.capped:
        # The cap at work: what the drill shows each day, the backlog spread over the days.
        table.add_row(
            f"with the cap of {report.reviews_per_day}",
            str(report.planned_today),
            *(str(n) for n in report.planned),
            "",
            "",
            style="bold",
        )
    console.print(table)
    for line in _cap_lines(report):
        console.print(line, markup=False)
    if report.due_today:
        console.print("Start with [bold]mathdrill drill[/].")


def _cap_lines(report: DueReport) -> list[str]:
    """What the daily review cap does to today's due reviews (nothing when it does not bite)."""
    if not report.held_back:
        return []
    done = f" ({report.reviews_done_today} reviewed today)" if report.reviews_done_today else ""
    later = f"; {report.beyond} still wait after {_day_name(report)}" if report.beyond else ""
    return [
        f"Today: {report.planned_today} of {report.due_today} due reviews{done}; the cap of "
        f"{report.reviews_per_day} a day holds {report.held_back} back, spread over the next "
        f"days as above{later}. MATHDRILL_REVIEWS_PER_DAY changes the cap."
    ]


def _day_name(report: DueReport) -> str:
    return report.days[-1].strftime("%a %d %b") if report.days else "today"


@card_app.command(
    "show", help="A card's SM-2 state, its most frequent mistakes and recent history."
)
def card_show(
    ctx: typer.Context,
    ref: Annotated[str, CARD_ARG],
    limit: Annotated[
        int, typer.Option("--limit", metavar="N", min=1, help="Reviews of history to show.")
    ] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print the card as JSON.")] = False,
) -> None:
    """Show one card."""
    from mathdrill.usecases import collection

    environment = root.environment(ctx)
    library = collection.load_library(environment)
    with collection.open_collection(environment) as db:
        report = collection.card_report(db, library, ref, environment.now(), limit)
    if as_json:
        typer.echo(jsonout.dumps(_card_json(report)))
        return
    _print_card(report)


def _card_fields(card: Card) -> dict:
    return {
        "deck": card.deck,
        "template": card.template,
        "repetitions": card.repetitions,
        "easiness": card.easiness,
        "interval": card.interval,
        "due": card.due.isoformat() if card.due else None,
        "lapses": card.lapses,
        "suspended": card.suspended,
        "leech": card.leech,
        "created": card.created.isoformat(),
        "last_review": card.last_review.isoformat() if card.last_review else None,
    }


def _card_json(report: CardReport) -> dict:
    return {
        **_card_fields(report.card),
        "title": report.title,
        "orphaned": report.orphaned,
        "mistakes": [{"mistake": m, "count": n} for m, n in report.mistakes],
        "history": [
            {
                "reviewed_at": r.reviewed_at.isoformat(),
                "kind": r.kind,
                "seed": r.seed,
                "answer": r.answer,
                "read_as": r.read_as,
                "status": r.status,
                "correct": r.correct,
                "mistake": r.mistake,
                "hints": r.hints,
                "seconds": r.seconds,
                "quality": r.quality,
                "easiness_after": r.easiness_after,
                "interval_after": r.interval_after,
            }
            for r in report.history
        ],
    }


def _print_card(report: CardReport) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False)
    card = report.card
    title = report.title or "(template no longer in any loaded deck — orphaned)"
    console.print(f"[bold]{card.deck}/{card.template}[/] — {title}", markup=True)
    flags = [f for f, on in (("suspended", card.suspended), ("leech", card.leech)) if on]
    state = "new (never reviewed)" if card.due is None else f"due {_when(card.due)}"
    console.print(
        f"{state} · interval {card.interval} d · EF {card.easiness:.2f} · "
        f"repetitions {card.repetitions} · lapses {card.lapses}"
        + (f" · {', '.join(flags)}" if flags else "")
    )
    if report.mistakes:
        console.print(
            "most frequent mistakes: " + ", ".join(f"{m} ×{n}" for m, n in report.mistakes[:3])
        )
    if not report.history:
        console.print("No reviews yet.")
        return
    table = Table(show_edge=False)
    for column in ("when", "kind", "answer", "verdict", "q", "EF", "ivl"):
        table.add_column(column)
    for r in report.history:
        verdict = r.status + (f" ({r.mistake})" if r.mistake else "")
        table.add_row(
            _when(r.reviewed_at),
            r.kind,
            r.answer or "—",
            verdict,
            "—" if r.quality is None else str(r.quality),
            f"{r.easiness_after:.2f}",
            str(r.interval_after),
        )
    console.print(table)


def _set_flag(ctx: typer.Context, ref: str, flag: bool) -> None:
    from mathdrill.usecases import collection

    environment = root.environment(ctx)
    library = collection.load_library(environment)
    with collection.open_collection(environment) as db:
        card = collection.set_suspended(db, library, ref, flag, environment.now())
    word = "suspended" if card.suspended else "active again"
    typer.echo(f"{card.deck}/{card.template}: {word}")


@card_app.command("suspend", help="Take a card out of every queue (its history is kept).")
def card_suspend(ctx: typer.Context, ref: Annotated[str, CARD_ARG]) -> None:
    """Suspend a card."""
    _set_flag(ctx, ref, True)


@card_app.command("unsuspend", help="Put a suspended card back into the queues.")
def card_unsuspend(ctx: typer.Context, ref: Annotated[str, CARD_ARG]) -> None:
    """Unsuspend a card."""
    _set_flag(ctx, ref, False)


@card_app.command("reset", help="Make a card new again: SM-2 state reset, review history kept.")
def card_reset(ctx: typer.Context, ref: Annotated[str, CARD_ARG]) -> None:
    """Reset a card to new."""
    from mathdrill.usecases import collection

    environment = root.environment(ctx)
    library = collection.load_library(environment)
    with collection.open_collection(environment) as db:
        card = collection.reset_card(db, library, ref, environment.now())
    typer.echo(f"{card.deck}/{card.template}: reset to new (history kept)")


@card_app.command(
    "prune-orphans",
    help=(
        "Remove the cards whose template no loaded deck defines (see doctor), with their "
        "reviews and flags, after copying the database next to itself. Refused while a deck "
        "file cannot be loaded."
    ),
)
def card_prune_orphans(
    ctx: typer.Context,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Only list the cards that would go; change nothing."),
    ] = False,
    yes: Annotated[
        bool,
        typer.Option(
            "--yes", "-y", help="Do not ask before removing (needed when not a terminal)."
        ),
    ] = False,
    decks: Annotated[
        list[Path] | None,
        typer.Option(
            "--decks",
            metavar="PATH",
            help="Also load decks from this file or folder: their cards are not orphans.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Remove orphaned cards (backup first)."""
    import sys

    from mathdrill.errors import UsageError
    from mathdrill.usecases import collection

    environment = root.environment(ctx)
    extra = decks or []
    if not dry_run and not yes:
        preview = collection.prune_orphans(environment, extra_decks=extra, dry_run=True)
        if not preview.cards:
            _print_prune(preview, as_json)
            return
        if not sys.stdin.isatty():
            raise UsageError(
                f"{counted(len(preview.cards), 'orphaned card')} would be removed with their "
                "reviews: add --yes to confirm (--dry-run lists them)."
            )
        for line in orphan_lines(preview.cards):
            typer.echo(line)
        if not typer.confirm("Remove them and their reviews and flags (a backup is made first)?"):
            typer.echo("Nothing was removed.")
            raise typer.Exit(EXIT_FAILED)
    report = collection.prune_orphans(environment, extra_decks=extra, dry_run=dry_run)
    _print_prune(report, as_json)


def _print_prune(report: PruneReport, as_json: bool) -> None:
    if as_json:
        typer.echo(
            jsonout.dumps(
                {
                    "dry_run": report.dry_run,
                    "cards": list(report.cards),
                    "reviews": report.reviews,
                    "flags": report.flags,
                    "backup": None if report.backup is None else str(report.backup),
                }
            )
        )
        return
    if not report.cards:
        typer.echo("No orphaned cards: every card's template is in a loaded deck.")
        return
    if report.dry_run:
        typer.echo(f"Would remove {counted(len(report.cards), 'orphaned card')} (dry run):")
    else:
        typer.echo(
            f"Removed {counted(len(report.cards), 'orphaned card')} with "
            f"{counted(report.reviews, 'review')} and {counted(report.flags, 'flag')}:"
        )
    for card in report.cards:
        typer.echo(f"  {card}")
    if report.backup is not None:
        typer.echo(f"Backup of the database before the removal: {report.backup}")


def doctor_command(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    rebuild: Annotated[
        bool,
        typer.Option(
            "--rebuild",
            help="First rebuild every card's schedule from its review log (after a backup).",
        ),
    ] = False,
) -> None:
    """Check the collection's health; exit 1 when it reports a problem."""
    from mathdrill.usecases import collection

    environment = root.environment(ctx)
    rebuilt = None
    if rebuild:
        from mathdrill.usecases.rebuild import rebuild_all

        with collection.open_collection(environment, create=False) as db:
            rebuilt = rebuild_all(db, environment)
    report = collection.doctor(environment)
    if as_json:
        data = _doctor_json(report)
        if rebuilt is not None:
            data["rebuilt"] = {
                "cards_checked": rebuilt.checked,
                "cards_changed": [f"{r.card.deck}/{r.card.template}" for r in rebuilt.changed],
                "reviews_rewritten": rebuilt.reviews_rewritten,
                "backup": str(rebuilt.backup) if rebuilt.backup else None,
            }
        typer.echo(jsonout.dumps(data))
    else:
        if rebuilt is not None:
            typer.echo(
                f"rebuilt from the review log: {counted(rebuilt.checked, 'card')} folded, "
                f"{len(rebuilt.changed)} changed, "
                f"{counted(rebuilt.reviews_rewritten, 'review')} rewritten"
                + (f"; backup: {rebuilt.backup}" if rebuilt.backup else "")
            )
        _print_doctor(report)
    if report.problems:
        raise typer.Exit(EXIT_FAILED)


def _doctor_json(report: DoctorReport) -> dict:
    return {
        "problems": list(report.problems),
        "healthy": report.healthy,
        "database": report.database,
        "schema_version": report.schema_version,
        "integrity": list(report.integrity),
        "open_error": report.open_error,
        "cards": report.cards,
        "reviews": report.reviews,
        "orphaned": list(report.orphaned),
        "leeches": [{"card": c, "lapses": n} for c, n in report.leeches],
        "deck_problems": list(report.deck_problems),
        "out_of_range": [p._asdict() for p in report.out_of_range],
        "out_of_range_total": report.out_of_range_total,
        "schedules_checked": report.schedules_checked,
        "schedules_disagree": [
            {"card": d.card, "fields": list(d.fields), "error": d.error}
            for d in report.schedules_disagree
        ],
    }


def _print_doctor(report: DoctorReport) -> None:
    echo = typer.echo
    echo(f"database: {report.database}")
    if report.open_error:
        echo(f"✗ cannot open the database: {report.open_error}")
        echo(
            "  What to do: if a migration backup (mathdrill.db.bak-…) sits next to it, copy it "
            "back; otherwise keep the file and try `sqlite3 FILE .recover`. Nothing was changed."
        )
    else:
        echo(f"schema version: {report.schema_version}")
        if report.integrity:
            echo("✗ integrity check failed:")
            for line in report.integrity[:20]:
                echo(f"  {line}")
            echo(
                "  What to do: stop using this file; copy it aside, then recover it with "
                "`sqlite3 FILE .recover | sqlite3 NEW.db` or restore a backup."
            )
        else:
            echo("✓ integrity check: ok")
        echo(f"cards: {report.cards} · reviews: {report.reviews}")
        for line in range_lines(report):
            echo(line)
        for line in schedule_lines(report):
            echo(line)
    if report.orphaned:
        for line in orphan_lines(report.orphaned):
            echo(line)
        echo(
            "  What to do: restore the deck file, or remove them with "
            "`mathdrill card prune-orphans` (a backup is made first)."
        )
    for line in leech_lines(report.leeches):
        echo(line)
    if report.out_of_range:
        echo(
            f"cards with an interval or due date beyond what mathdrill schedules "
            f"({len(report.out_of_range)}; an old import?) — reset each, its history is kept:"
        )
        for card in report.out_of_range[:20]:
            echo(f"  mathdrill card reset {card}")
    if report.deck_problems:
        echo("deck files with problems:")
        for line in report.deck_problems:
            echo(f"  {line}")
    found = [PROBLEM_NAMES[name] for name in report.problems]
    echo(f"✗ problems: {', '.join(found)}" if found else "✓ no problems")


#: How the plain report names each kind of problem (``DoctorReport.problems``).
PROBLEM_NAMES = {
    "open_error": "the database cannot be opened",
    "integrity": "the database is damaged",
    "out_of_range": "rows out of range",
    "orphaned": "orphaned cards",
    "deck_problems": "deck files that cannot be loaded",
    "schedules": "schedules that disagree with the review log",
}


def schedule_lines(report: DoctorReport) -> list[str]:
    """Return the doctor's lines about cards whose row is not what their log folds to.

    Args:
        report: The doctor's report.

    Returns:
        One line for a sample that agrees; otherwise the cards, the fields and the fix.
    """
    checked, disagree = report.schedules_checked, report.schedules_disagree
    if not disagree:
        return [f"✓ schedules agree with the review log ({counted(checked, 'card')} checked)"]
    lines = [
        f"✗ {len(disagree)} of {counted(checked, 'card')} checked disagree with the review log:"
    ]
    for d in disagree[:20]:
        what = d.error if d.error else ", ".join(d.fields)
        lines.append(f"  {d.card}: {what}")
    lines.append(
        "  What to do: `mathdrill doctor --rebuild` rebuilds every card from its log (after a "
        "backup). A change of time zone or rollover hour shows up here as `due`."
    )
    return lines


#: Leeches listed one per line, most lapses first; the rest are counted (``--json`` has all).
LEECHES_SHOWN = 10


def leech_lines(leeches: tuple[tuple[str, int], ...] | list[tuple[str, int]]) -> list[str]:
    """Summarise leeches for the screen: the ones with most lapses first, a few only.

    Args:
        leeches: ``(deck/template, lapses)`` pairs.

    Returns:
        Lines to print (none when there are no leeches).
    """
    if not leeches:
        return []
    ranked = sorted(leeches, key=lambda pair: (-pair[1], pair[0]))
    lines = [f"leeches: {len(ranked)} (skills that keep slipping; most lapses first):"]
    lines += [f"  {card} ({counted(lapses, 'lapse')})" for card, lapses in ranked[:LEECHES_SHOWN]]
    if len(ranked) > LEECHES_SHOWN:
        lines.append(
            f"  … and {len(ranked) - LEECHES_SHOWN} more (`mathdrill doctor --json` lists all)"
        )
    return lines


#: Decks listed one per line under "orphaned cards"; the rest are counted (``--json`` has all).
ORPHAN_DECKS_SHOWN = 10
#: Templates named per deck line.
ORPHAN_NAMES_SHOWN = 3


def orphan_lines(orphaned: tuple[str, ...]) -> list[str]:
    """Summarise orphaned cards for the screen: one line per deck, the first few decks only.

    A database can hold many thousands of orphans (a deck file removed); naming them all on one
    line helps nobody. Each deck line gives its count and a few template names.

    Args:
        orphaned: ``deck/template`` of each orphaned card.

    Returns:
        The lines to print (none for no orphans).
    """
    if not orphaned:
        return []
    by_deck: dict[str, list[str]] = {}
    for key in orphaned:
        deck, _, template = key.partition("/")
        by_deck.setdefault(deck, []).append(template)
    lines = [
        f"orphaned cards: {len(orphaned)} in {len(by_deck)} "
        f"deck{'s' * (len(by_deck) != 1)} (template no longer in any loaded deck; history kept):"
    ]
    for deck, templates in list(by_deck.items())[:ORPHAN_DECKS_SHOWN]:
        names = ", ".join(templates[:ORPHAN_NAMES_SHOWN])
        extra = len(templates) - ORPHAN_NAMES_SHOWN
        more = f", … {extra} more" if extra > 0 else ""
        lines.append(f"  {deck}: {len(templates)} ({names}{more})")
    hidden = len(by_deck) - ORPHAN_DECKS_SHOWN
    if hidden > 0:
        lines.append(
            f"  … and {counted(hidden, 'more deck')} (`mathdrill doctor --json` lists every card)"
        )
    return lines


def range_lines(report: DoctorReport) -> list[str]:
    """Return the doctor's lines about rows holding values mathdrill cannot use, with the fix.

    Args:
        report: The doctor's report.

    Returns:
        The lines (none when every row is in range).
    """
    total, shown = report.out_of_range_total, report.out_of_range[:20]
    if not total:
        return []
    lines = [
        f"✗ {total} rows hold values outside what mathdrill can use (see docs/data.md, "
        '"Ranges"); statistics and drills of these cards fail, and an export of them would '
        "not import:"
    ]
    lines += [
        f"  card {p.card}: {p.what}"
        if p.table == "card"
        else f"  review {p.id} ({p.card}): {p.what}"
        for p in shown
    ]
    if total > len(shown):
        lines.append(f"  … and {total - len(shown)} more (`mathdrill doctor --json` lists more)")
    long_ids = any("characters" in p.what for p in report.out_of_range if p.table == "card")
    resets = dict.fromkeys(
        p.card for p in shown if p.table == "card" and "characters" not in p.what
    )
    reviews = [str(p.id) for p in shown if p.table == "review"]
    db = report.database
    lines.append("  What to do (copy the database aside first):")
    lines += [
        f"    mathdrill card reset {card}   (a fresh schedule; history kept)" for card in resets
    ]
    # Advice printed for the learner to run, never executed here.
    if reviews:
        sql = f"DELETE FROM reviews WHERE id IN ({', '.join(reviews)})"  # noqa: S608
        lines.append(f'    sqlite3 {db} "{sql}"   (a review cannot be mended)')
    if long_ids:
        where = "length(deck) > 200 OR length(template) > 200"
        sql = (
            f"DELETE FROM reviews WHERE card_id IN (SELECT id FROM cards WHERE {where}); "  # noqa: S608
            f"DELETE FROM cards WHERE {where}"
        )
        lines.append(f'    sqlite3 {db} "{sql}"   (no deck can name such a card)')
    return lines
