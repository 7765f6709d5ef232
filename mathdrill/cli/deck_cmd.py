"""``mathdrill deck ...``: list, show, preview and check decks; start a new one; print the schema.

Rendering only: the work is done by :mod:`mathdrill.usecases.authoring` and :mod:`mathdrill.decks`.
Heavy imports (sympy through the deck layer) happen inside the command bodies.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from mathdrill.cli import completion
from mathdrill.cli.counts import counted
from mathdrill.errors import EXIT_FAILED, UsageError

#: Off a terminal, ``deck check`` writes a progress line at most this often (and when done).
PROGRESS_LINE_SECONDS = 5.0

deck_app = typer.Typer(
    name="deck",
    help=(
        "Write, inspect and test deck files (YAML problem templates).\n\n"
        "Decks come from the built-in set, the data directory's decks/ folder "
        "($MATHDRILL_HOME/decks) and any --decks file or folder. See docs/decks.md."
    ),
    no_args_is_help=True,
    rich_markup_mode=None,
)

DecksOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--decks",
        metavar="PATH",
        help="Also load this deck file or folder (repeat for several).",
    ),
]


def register(app: typer.Typer) -> None:
    """Attach the ``deck`` command group to the root application.

    Args:
        app: The root typer application.
    """
    app.add_typer(deck_app, name="deck")


def _library(decks: list[Path] | None, *, trial: bool = True) -> Any:
    from mathdrill.usecases import authoring

    return authoring.open_library(os.environ, decks or [], trial=trial)


def _warn(library: Any) -> None:
    for error in library.errors:
        for line in error.problems or [error.message]:
            typer.echo(f"warning: {line}", err=True)


@deck_app.command("list")
def list_command(decks: DecksOption = None) -> None:
    """List every deck with its template count and where it comes from."""
    # A structural load is enough to list; `deck check` evaluates the expressions.
    library = _library(decks, trial=False)
    rows = [
        (deck.id, str(len(deck.templates)), deck.source, deck.title, deck.path)
        for deck in library.decks.values()
    ]
    if not rows:
        typer.echo("No decks found.")
    else:
        headers = ("DECK", "TEMPLATES", "FROM", "TITLE", "PATH")
        widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(4)]
        for row in [headers, *rows]:
            cells = [row[i].ljust(widths[i]) for i in range(4)]
            typer.echo("  ".join([*cells, row[4]]).rstrip())
    _warn(library)
    if library.errors:
        raise typer.Exit(EXIT_FAILED)


@deck_app.command("show")
def show_command(
    deck: Annotated[
        str,
        typer.Argument(
            metavar="DECK", help="Deck id, e.g. derivatives.", autocompletion=completion.deck_ids
        ),
    ],
    decks: DecksOption = None,
) -> None:
    """Show a deck's templates with their tags, prerequisites and answer kinds."""
    library = _library(decks, trial=False)
    found = library.deck(deck)
    _warn(library)
    typer.echo(f"{found.id} — {found.title}")
    if found.description:
        typer.echo(found.description)
    typer.echo(f"from: {found.source} ({found.path}), {counted(len(found.templates), 'template')}")
    for template in found.templates:
        typer.echo("")
        typer.echo(f"{found.id}/{template.id} — {template.title}")
        typer.echo(
            f"  answer: {template.answer.kind}, expected {template.expected_seconds:g} s, "
            f"{counted(len(template.hints), 'hint')}, {counted(len(template.mistakes), 'mistake')}"
        )
        if template.tags:
            typer.echo(f"  tags: {', '.join(template.tags)}")
        if template.requires:
            typer.echo(f"  requires: {', '.join(template.requires)}")


@deck_app.command("preview")
def preview_command(
    target: Annotated[
        str,
        typer.Argument(
            metavar="DECK[/TEMPLATE]",
            help="A deck, or one template of it.",
            autocompletion=completion.deck_or_card_ids,
        ),
    ],
    seed: Annotated[
        int | None,
        typer.Option(
            "--seed", "-s", min=0, help="First seed (default: random). Same seed, same problem."
        ),
    ] = None,
    count: Annotated[
        int, typer.Option("--count", "-n", min=1, max=1000, help="Instances per template.")
    ] = 1,
    answers: Annotated[
        bool,
        typer.Option("--answers", "-a", help="Also show the answer, hints, solution, mistakes."),
    ] = False,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help="One JSON object per line: deck, template, seed, prompt, kind, vars, answer "
            "(plain text the checker reads back as correct), hints, solution.",
        ),
    ] = False,
    decks: DecksOption = None,
) -> None:
    """Render instances of a deck's templates as a learner will see them."""
    from mathdrill.usecases import authoring

    found, warnings = authoring.open_deck(os.environ, decks or [], target.partition("/")[0])
    templates = authoring.select_templates(found, target)
    for warning in warnings:
        typer.echo(f"warning: {warning}", err=True)
    import secrets  # here: its import (hashlib, random) costs every command ~9 ms

    first = seed if seed is not None else secrets.randbelow(2**31)
    seeds = list(range(first, first + count))
    instances = authoring.preview(templates, seeds)
    if as_json:
        for instance in instances:
            typer.echo(json.dumps(instance.to_json(), ensure_ascii=False))
        return
    from rich.console import Console

    from mathdrill.cli.emphasis import rich_text

    # Deck texts go through rich for their Markdown emphasis; never wrapped, never read as markup.
    console = Console(highlight=False, soft_wrap=True)

    for index, instance in enumerate(instances):
        if index:
            typer.echo("")
        typer.echo(f"── {instance.deck}/{instance.template}  seed {instance.seed}")
        console.print(rich_text(instance.prompt))
        if instance.expected_form:
            typer.echo(f"(answer: {instance.expected_form})")
        if answers:
            typer.echo(f"answer: {instance.answer_unicode}")
            typer.echo(f"  typed: {instance.answer_plain}")
            for number, hint in enumerate(instance.hints, 1):
                console.print(rich_text(f"hint {number}: {hint}"))
            if instance.solution:
                typer.echo("solution:")
                for line in instance.solution.splitlines():
                    console.print(rich_text(f"  {line}"))
            for mistake in instance.spec.mistakes:
                console.print(rich_text(f"mistake {mistake.name}: {mistake.feedback}"))


@deck_app.command("check")
def check_command(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="[PATH]...",
            help="Deck files or folders (default: every built-in and user deck).",
        ),
    ] = None,
    samples: Annotated[
        int,
        typer.Option("--samples", "-n", min=1, max=100_000, help="Seeds tried per template."),
    ] = 200,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    workers: Annotated[
        int | None,
        typer.Option("--workers", "-j", min=1, max=64, help="Worker processes (default: CPUs)."),
    ] = None,
) -> None:
    """Prove decks sound: every template over many seeds.

    Checks that constraints are satisfiable, the reference answer passes its own checker, every
    authored mistake is judged wrong and recognised as that mistake, placeholders render, no
    instance is degenerate (division by zero, undefined, wrong shape), enough distinct instances
    exist, and generation stays within its time budget.

    Exit status: 0 sound, 1 problems (printed as path:line: template: message), 2 a file could
    not be read.
    """
    from mathdrill.usecases import authoring

    files = authoring.check_files(os.environ, paths or [])
    if not files:
        raise UsageError("no deck files to check")
    terminal = sys.stderr.isatty()
    progress = _Progress(enabled=not as_json and terminal, lines=not terminal, samples=samples)
    try:
        report = authoring.check(
            files,
            samples,
            workers=workers,
            on_start=progress.start,
            on_advance=progress.advance,
        )
    finally:
        progress.stop()
    if as_json:
        typer.echo(json.dumps(report.to_json(), ensure_ascii=False))
        raise typer.Exit(report.exit_code)
    for error in report.unreadable:
        for line in error.problems or [error.message]:
            typer.echo(line)
    _print_variety(report)
    for problem in report.all_problems:
        typer.echo(str(problem))
    checked = len(report.templates)
    summary = (
        f"{counted(len(report.files), 'file')}, {counted(checked, 'template')} checked, "
        f"{counted(samples, 'sample')} each, "
        f"{report.seconds:.1f} s: "
    )
    if report.exit_code == 0:
        typer.echo(summary + "all sound")
    else:
        problems = len(report.all_problems)
        not_loaded = f" ({len(report.not_loaded)} not loaded)" if report.not_loaded else ""
        typer.echo(
            summary
            + f"{counted(problems, 'problem')} in {counted(report.failing_files, 'file')}, "
            + f"{counted(report.failing_templates, 'template')} failing{not_loaded}, "
            + f"{counted(len(report.unreadable), 'unreadable file')}"
        )
    raise typer.Exit(report.exit_code)


def _print_variety(report: Any) -> None:
    """One line per checked template: distinct answers and prompts, and an exemption."""
    if not report.templates:
        return
    floor = max(r.floor for r in report.templates)
    judged = f"; the floor is {floor}" if floor else "; too few samples to judge the floor"
    typer.echo(f"variety (distinct answers / distinct prompts of each template's samples{judged}):")
    width = max(len(r.template.key) for r in report.templates)
    for r in report.templates:
        line = f"  {r.template.key.ljust(width)}  {r.answers:>5} / {r.prompts:<5}"
        if r.template.variety:
            line += f"  exempt: {r.template.variety}"
        elif r.floor and r.answers < r.floor:
            line += "  below the floor"
        typer.echo(line.rstrip())


class _Progress:
    """Progress on stderr: a rich bar on a terminal, plain lines elsewhere.

    Off a terminal (CI logs) a line comes at most every :data:`PROGRESS_LINE_SECONDS` and when
    done, so a long check is seen to move.
    """

    def __init__(self, enabled: bool, lines: bool, samples: int) -> None:
        self.enabled = enabled
        self.lines = lines
        self.samples = samples
        self.bar: Any = None
        self.task: Any = None
        self.total = self.done = 0
        self.last_line = time.monotonic()

    def start(self, total: int) -> None:
        self.total = total // max(1, self.samples)
        if not self.enabled:
            return
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

        self.bar = Progress(
            "checking",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self.bar.start()
        self.task = self.bar.add_task("check", total=total)

    def advance(self, count: int) -> None:
        if self.bar is not None:
            self.bar.advance(self.task, count)
            return
        self.done += 1
        if not self.lines:
            return
        if self.done == self.total or time.monotonic() - self.last_line >= PROGRESS_LINE_SECONDS:
            self.last_line = time.monotonic()
            checked = f"{self.done} of {counted(self.total, 'template')}"
            sys.stderr.write(f"mathdrill: checked {checked}\n")
            sys.stderr.flush()

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None


@deck_app.command("new")
def new_command(
    path: Annotated[Path, typer.Argument(metavar="PATH", help="The new deck file (.yaml).")],
) -> None:
    """Write a commented starter deck that passes `deck check` as written (never overwrites)."""
    from mathdrill.usecases import authoring

    written = authoring.write_new_deck(path)
    typer.echo(f"wrote {written}")
    typer.echo(f"next: mathdrill deck check {written}")


@deck_app.command("schema")
def schema_command() -> None:
    """Print the JSON Schema of deck files (for yaml-language-server and other editors)."""
    from mathdrill.decks.schema import json_schema

    typer.echo(json.dumps(json_schema(), indent=2, ensure_ascii=False))
