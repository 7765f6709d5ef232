"""``mathdrill group learners|stats``: every learner of one database, for a teacher or a group."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mathdrill.cli import root
from mathdrill.cli.counts import counted
from mathdrill.cli.stats_cmd import PLOT_SUFFIXES
from mathdrill.errors import InputError

if TYPE_CHECKING:
    from mathdrill.usecases.group import GroupReport, LearnerSummary

group_app = typer.Typer(
    help="A teacher's or a study group's view of every learner in the database.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    """Attach ``group`` to the root application.

    Args:
        app: The root typer application.
    """
    app.add_typer(group_app, name="group")


@group_app.command("learners")
def learners_command(
    ctx: typer.Context,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the learners as a JSON array (docs/data.md).")
    ] = False,
) -> None:
    """List the learners with their streaks, due counts and totals."""
    from mathdrill.cli import jsonout
    from mathdrill.usecases.group import group_learners, learners_to_json

    rows = group_learners(root.environment(ctx))
    if as_json:
        typer.echo(jsonout.dumps(learners_to_json(rows)))
        return
    _print_learners(rows)


@group_app.command("stats")
def stats_command(
    ctx: typer.Context,
    days: Annotated[
        int,
        typer.Option(
            "--days", metavar="N", min=1, max=3660, help="Length of the period in study days."
        ),
    ] = 30,
    limit: Annotated[
        int,
        typer.Option(
            "--limit", metavar="K", min=1, max=1000, help="Weakest skills and mistakes to list."
        ),
    ] = 10,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print everything as one JSON object (docs/data.md).")
    ] = False,
    plot: Annotated[
        Path | None,
        typer.Option(
            "--plot",
            metavar="FILE",
            help="Write activity and the weakest skills to FILE (.png, .svg or .pdf); needs "
            "mathdrill[plots].",
        ),
    ] = None,
) -> None:
    """Per skill: learners, first-try accuracy, retention; mistakes, weakest skills, activity."""
    if plot is not None and plot.suffix.lower() not in PLOT_SUFFIXES:
        raise InputError(
            f"--plot {plot}: the file name must end in .png, .svg or .pdf "
            "(the ending chooses the format)"
        )
    if plot is not None:
        from mathdrill.cli.plot import require_matplotlib

        require_matplotlib()
    from mathdrill.cli import jsonout
    from mathdrill.usecases.group import group_stats, report_to_json

    report = group_stats(root.environment(ctx), days=days, limit=limit)
    if plot is not None:
        from mathdrill.cli.plot import write_group_figure

        write_group_figure(report, plot)
        typer.echo(f"Wrote {plot}", err=as_json)
    if as_json:
        typer.echo(jsonout.dumps(report_to_json(report)))
        return
    if plot is None:
        _print_report(report)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.0f}%"


def _print_learners(rows: list[LearnerSummary]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False)
    table = Table(title=counted(len(rows), "learner"), title_justify="left")
    for name, justify in (
        ("learner", "left"),
        ("streak", "right"),
        ("today", "right"),
        ("due now", "right"),
        ("learned", "right"),
        ("reviews", "right"),
        ("last review", "left"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for r in rows:
        table.add_row(
            r.name,
            str(r.streak),
            str(r.today),
            str(r.due_now),
            f"{r.learned}/{r.cards}",
            str(r.reviews),
            "never" if r.last_review is None else f"{r.last_review:%Y-%m-%d}",
        )
    console.print(table)


def _print_report(report: GroupReport) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False)
    console.rule(
        f"[bold]Group[/] · {counted(report.learners, 'learner')}, {report.active} active in the "
        f"last {counted(report.days, 'day')} (since {report.since:%d %b %Y})"
    )
    if not report.skills:
        console.print("No answers in this period. Try a longer --days.")
        return
    peak = max(a.reviews for a in report.activity)
    lines = []
    for a in report.activity:
        bar = "█" * (round(30 * a.reviews / peak) if peak else 0)
        who = counted(a.learners, "learner")
        lines.append(f"{a.day:%a %d %b} {bar:<30} {a.reviews:>6}  {who:>12}")
    console.out("\n".join(lines), highlight=False)
    weakest = Table(title="Weakest skills (lowest first-try accuracy)", title_justify="left")
    for name, justify in (
        ("skill", "left"),
        ("learners", "right"),
        ("first tries", "right"),
        ("accuracy", "right"),
        ("retention", "right"),
    ):
        weakest.add_column(name, justify=justify)  # type: ignore[arg-type]
    for s in report.weakest:
        weakest.add_row(
            s.card, str(s.learners), str(s.first_try), _pct(s.accuracy), _pct(s.retention)
        )
    console.print(weakest)
    mistakes = Table(title="Most frequent named mistakes", title_justify="left")
    for name, justify in (
        ("skill", "left"),
        ("mistake", "left"),
        ("times", "right"),
        ("learners", "right"),
    ):
        mistakes.add_column(name, justify=justify)  # type: ignore[arg-type]
    for m in report.mistakes:
        mistakes.add_row(m.card, m.mistake, str(m.count), str(m.learners))
    console.print(mistakes)
    console.print(
        f"{counted(len(report.skills), 'skill')} studied; `--json` lists each with its "
        "learners, accuracy and retention."
    )
