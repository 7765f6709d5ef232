"""``mathdrill stats``: progress on screen with rich, as JSON, or as a figure (``--plot``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mathdrill.cli import completion, root
from mathdrill.cli.counts import counted
from mathdrill.errors import InputError, UsageError

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

    from mathdrill.usecases.progress import GroupStats, Stats, WeakSkill

#: Heatmap shades from no review to the busiest day; plain characters read without colour.
SHADES = " ░▒▓█"
BAR = "█"
PLOT_SUFFIXES = (".png", ".svg", ".pdf")


def register(app: typer.Typer) -> None:
    """Attach ``stats`` to the root application.

    Args:
        app: The root typer application.
    """
    app.command(
        "stats",
        help=(
            "Your progress: today, streaks, activity, retention, per deck and tag, weakest "
            "skills, mistakes and the forecast. --json for the documented JSON object, --plot "
            "for a figure."
        ),
    )(stats_command)


def stats_command(
    ctx: typer.Context,
    deck: Annotated[
        list[str] | None,
        typer.Option(
            "--deck",
            metavar="ID",
            help="Only this deck (repeat for several).",
            autocompletion=completion.deck_ids,
        ),
    ] = None,
    tag: Annotated[
        list[str] | None,
        typer.Option("--tag", metavar="T", help="Only skills with this tag (repeat for several)."),
    ] = None,
    days: Annotated[
        int,
        typer.Option(
            "--days", metavar="N", min=1, max=3660, help="Length of the activity period in days."
        ),
    ] = 30,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print everything as one JSON object (docs/data.md).")
    ] = False,
    plot: Annotated[
        Path | None,
        typer.Option(
            "--plot",
            metavar="FILE",
            help="Write a multi-panel figure to FILE (.png, .svg or .pdf); needs mathdrill[plots].",
        ),
    ] = None,
    show_all: Annotated[
        bool,
        typer.Option(
            "--all",
            help="Also list the decks and tags you have not met yet (--json always has them).",
        ),
    ] = False,
    calibration: Annotated[
        bool,
        typer.Option(
            "--calibration",
            help=(
                "Instead: how well each scheduler would have predicted your recalls (log loss, "
                "RMSE over bins), by replaying your log."
            ),
        ),
    ] = False,
) -> None:
    """Show your progress."""
    if calibration:
        if deck or tag or plot is not None:
            raise UsageError(
                "--calibration replays the whole log: it takes no --deck, --tag or --plot "
                "(only --json)."
            )
        _calibration(ctx, as_json=as_json)
        return
    if plot is not None and plot.suffix.lower() not in PLOT_SUFFIXES:
        raise InputError(
            f"--plot {plot}: the file name must end in .png, .svg or .pdf "
            "(the ending chooses the format)"
        )
    if plot is not None:
        from mathdrill.cli.plot import require_matplotlib

        require_matplotlib()
    from mathdrill.decks.catalog import catalog_files, read_catalog
    from mathdrill.usecases import collection
    from mathdrill.usecases.progress import build_stats, stats_to_json

    environment = root.environment(ctx)
    # The catalogue cache saves re-parsing unchanged deck files on every run (docs/data.md).
    catalog = read_catalog(
        catalog_files(environment.data_dir / "decks"),
        cache=environment.catalog_cache,
    )
    with collection.open_collection(environment, create=False) as db:
        stats = build_stats(
            db,
            catalog,
            environment.now(),
            zone=environment.zone,
            rollover_hour=environment.rollover_hour,
            days=days,
            decks=deck or (),
            tags=tag or (),
        )
    if plot is not None:
        from mathdrill.cli.plot import write_figure

        write_figure(stats, plot)
        typer.echo(f"Wrote {plot}", err=as_json)
    if as_json:
        typer.echo(json.dumps(stats_to_json(stats), ensure_ascii=False))
        return
    if plot is None:
        _print(stats, show_all=show_all)


def _calibration(ctx: typer.Context, *, as_json: bool) -> None:
    from rich.console import Console
    from rich.table import Table

    from mathdrill.usecases import collection
    from mathdrill.usecases.calibration import calibration_report, report_to_json, settings_of

    environment = root.environment(ctx)
    with collection.open_collection(environment, create=False) as db:
        report = calibration_report(db, settings_of(environment))
    if as_json:
        typer.echo(json.dumps(report_to_json(report), ensure_ascii=False))
        return
    console = Console(highlight=False)
    console.rule("[bold]Calibration[/] · predicted recall against your answers")
    table = Table(box=None)
    table.add_column("scheduler")
    table.add_column("predictions", justify="right")
    table.add_column("log loss", justify="right")
    table.add_column("RMSE (bins)", justify="right")
    for row in report.rows:
        table.add_row(
            row.scheduler,
            str(row.predictions),
            "—" if row.log_loss is None else f"{row.log_loss:.4f}",
            "—" if row.rmse_bins is None else f"{row.rmse_bins:.4f}",
        )
    console.print(table)
    console.print(
        f"{counted(report.answers, 'graded answer')} replayed; lower is better. sm2 has no "
        "probability of its own: R = 0.9^(days / interval) stands in (docs/data.md)."
    )


# ------------------------------------------------------------------------------- screen


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.0f}%"


def _duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min {secs:02d} s"


def _print(stats: Stats, *, show_all: bool = False) -> None:
    from rich.console import Console

    console = Console(highlight=False)
    for warning in stats.warnings:
        console.print(f"[yellow]warning:[/] {warning} (skipped)")
    if stats.empty:
        _first_day(console, stats)
        return
    t = stats.today
    console.rule(f"[bold]Today[/] · {t.day:%a %d %b %Y}")
    console.print(
        f"reviewed [bold]{t.reviewed}[/] · still due [bold]{t.still_due}[/] · new "
        f"[bold]{t.learned}[/] · time {_duration(t.seconds)}"
    )
    console.print(
        f"streak [bold]{t.current_streak}[/] day{'s' * (t.current_streak != 1)} · longest "
        f"{t.longest_streak} · {counted(t.active_days, 'study day')} · "
        f"{counted(stats.total_reviews, 'review')} in all"
    )
    _activity(console, stats)
    _heatmap(console, stats)
    _retention(console, stats)
    _groups(console, "Decks", stats.decks, stats.days, show_all)
    _groups(console, "Tags", stats.tags, stats.days, show_all)
    _weakest(console, stats)
    _mistakes(console, stats)
    _forecast(console, stats)


def _first_day(console: Console, stats: Stats) -> None:
    from rich.text import Text

    from mathdrill.cli.emphasis import rich_text

    scope = ""
    if stats.decks_filter or stats.tags_filter:
        scope = " for " + ", ".join([*stats.decks_filter, *(f"#{t}" for t in stats.tags_filter)])
    console.rule("[bold]Welcome to mathdrill[/]")
    console.print(f"No reviews yet{scope} — this is day one.")
    skills = sum(g.skills for g in stats.decks)
    if skills:
        console.print(
            f"{counted(skills, 'skill')} in {counted(len(stats.decks), 'deck')}"
            f" {'is' if skills == 1 else 'are'} waiting for you:"
        )
        for g in stats.decks:
            line = Text(f"  {g.id:<16} ")
            line.append_text(rich_text(g.title))
            line.append(f"  ({counted(g.skills, 'skill')})")
            console.print(line)
    console.print(
        "Start with [bold]mathdrill drill[/]; come back here to watch your streak, retention "
        "and the mistakes you stop making."
    )


def _activity(console: Console, stats: Stats) -> None:
    console.rule(f"[bold]Activity[/] · reviews per day, last {counted(stats.days, 'day')}")
    peak = max((p.reviews for p in stats.activity), default=0)
    width = 40
    lines = []
    for p in stats.activity:
        bar = BAR * (round(width * p.reviews / peak) if peak else 0)
        if p.reviews and not bar:
            bar = "▏"
        lines.append(
            f"{p.day:%a %d %b} {bar:<{width}} {p.reviews:>5}  first try {_pct(p.accuracy):>4}"
        )
    # Plain lines in one write: a rich render per line costs more than all the statistics.
    console.out("\n".join(lines), highlight=False)


def _heatmap(console: Console, stats: Stats) -> None:
    console.rule("[bold]Calendar[/] · last 16 weeks")
    if not stats.heatmap:
        return
    peak = max(n for _, n in stats.heatmap) or 1
    first = stats.heatmap[0][0]
    weeks = (len(stats.heatmap) + 6) // 7
    grid = [[" "] * weeks for _ in range(7)]
    for day, n in stats.heatmap:
        column = (day - first).days // 7
        level = 0 if n == 0 else 1 + min(3, (n * 4 - 1) // peak)
        grid[day.weekday()][column] = "·" if level == 0 else SHADES[level]
    names = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    console.out(
        "\n".join(f"{name} " + " ".join(row) for row, name in zip(grid, names, strict=True)),
        highlight=False,
    )
    console.print(
        f"    from {first:%d %b}; · none  ░▒▓█ more (busiest day: {counted(peak, 'review')})"
    )


def _retention(console: Console, stats: Stats) -> None:
    from rich.table import Table

    console.rule("[bold]True retention[/] · first review of a card per day")
    table = Table(box=None, padding=(0, 2), header_style="bold")
    for name in ("period", "young", "mature", "all"):
        table.add_column(name, justify="left" if name == "period" else "right")
    for r in stats.retention:

        def cell(right: int, n: int) -> str:
            return f"{_pct(right / n if n else None)} ({n})"

        table.add_row(
            r.period,
            cell(r.young_correct, r.young),
            cell(r.mature_correct, r.mature),
            cell(r.total_correct, r.total),
        )
    console.print(table)


def _groups(
    console: Console, title: str, groups: tuple[GroupStats, ...], days: int, show_all: bool
) -> None:
    # The ~200 tags of the built-in decks would bury the few a learner has met: rows are for
    # what was seen, the rest is counted (--all lists them).
    hidden = 0 if show_all else sum(1 for g in groups if not g.seen)
    if not show_all:
        groups = tuple(g for g in groups if g.seen)
    if not groups and not hidden:
        return
    console.rule(f"[bold]{title}[/] · accuracy and time over the last {counted(days, 'day')}")
    if groups:
        _group_rows(console, groups)
    if hidden:
        console.print(
            f"{counted(hidden, title.lower()[:-1])} not met yet (--all lists them)",
            style="dim",
            markup=False,
            highlight=False,
        )


def _group_rows(console: Console, groups: tuple[GroupStats, ...]) -> None:
    header = ("", "seen/total", "mastered", "first try", "median time")
    rows = [
        (
            g.id,
            f"{g.seen}/{g.skills}",
            str(g.mastered),
            f"{_pct(g.accuracy)} ({g.first_try})",
            "—" if g.median_seconds is None else f"{g.median_seconds:.0f} s",
        )
        for g in groups
    ]
    # Aligned by hand: a rich Table renders each of hundreds of rows cell by cell (0.5 s for
    # the 200 decks of the benchmark collection), plain padded lines cost nothing.
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]

    def line(cells: tuple[str, ...]) -> str:
        first = cells[0].ljust(widths[0])
        rest = (cell.rjust(width) for cell, width in zip(cells[1:], widths[1:], strict=True))
        return "  ".join((first, *rest)).rstrip()

    console.print(line(header), style="bold", markup=False, highlight=False)
    console.out("\n".join(line(row) for row in rows), highlight=False)


def _weak_line(s: WeakSkill) -> Text:
    from rich.text import Text

    from mathdrill.cli.emphasis import rich_text

    line = Text(f"  {s.deck}/{s.template}")
    if s.title:
        line.append(" — ")
        line.append_text(rich_text(s.title))
    facts = f"EF {s.easiness:.2f}, {counted(s.lapses, 'lapse')}, interval {s.interval} d"
    mistake = f"; most often: {s.mistake} ×{s.mistake_count}" if s.mistake else ""
    line.append(f" ({facts}{mistake})")
    return line


def _weakest(console: Console, stats: Stats) -> None:
    if not (stats.lowest_ease or stats.most_lapses or stats.leeches):
        return
    console.rule("[bold]Weakest skills[/]")
    for label, skills in (
        ("lowest ease", stats.lowest_ease),
        ("most lapses", stats.most_lapses),
        ("leeches", stats.leeches),
    ):
        if skills:
            console.print(f"[bold]{label}[/]")
            for s in skills:
                console.print(_weak_line(s))


def _mistakes(console: Console, stats: Stats) -> None:
    if not stats.mistakes:
        return
    from rich.text import Text

    from mathdrill.cli.emphasis import rich_text

    console.rule(f"[bold]Your most frequent mistakes[/] · last {counted(stats.days, 'day')}")
    for m in stats.mistakes:
        line = Text(f"  ×{m.count:<4} ")
        line.append(m.mistake, style="bold")
        line.append(f" in {m.deck}/{m.template}")
        if m.title:
            line.append(" — ")
            line.append_text(rich_text(m.title))
        console.print(line)
        # Feedback with placeholders speaks of one instance's values, which stats cannot give
        # back without the problem generator (sympy): then the mistake's name says it.
        if m.general_feedback:
            feedback = Text("         ")
            feedback.append_text(rich_text(m.general_feedback))
            console.print(feedback)


def _forecast(console: Console, stats: Stats) -> None:
    console.rule("[bold]Forecast[/]")
    days = " · ".join(f"{d:%a} {n}" for d, n in stats.forecast)
    console.print(f"due {days} (today includes overdue)")
    console.print(
        f"next 30 days: [bold]{stats.due_next_30_days}[/]"
        f" review{'s' * (stats.due_next_30_days != 1)}"
    )
