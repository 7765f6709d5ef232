"""``mathdrill check``: judge an answer from the command line, or a batch of JSON lines."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from mathdrill.cli import jsonout
from mathdrill.errors import EXIT_FAILED, EXIT_USAGE, InputError, UsageError

KIND_HELP = (
    "Answer kind: number, expression, vector, matrix, set, multiset, direction, eigenpairs, "
    "choice, boolean, shape or interval."
)


def register(app: typer.Typer) -> None:
    """Attach the ``check`` command to the root application.

    Args:
        app: The root typer application.
    """
    app.command(
        "check",
        help=(
            "Judge an answer against a reference, as a drill would.\n\n"
            "Exit status: 0 correct, 1 not correct (or undecided), 2 unreadable input or usage "
            "error.\n\n"
            "Example: mathdrill check --kind expression --expected 'diff(sin(x^2), x)' "
            "--answer '2x cos(x^2)' --var x\n\n"
            "Against a deck's problem, exactly as the drill judges it: mathdrill check "
            "--card derivatives/chain-rule-sin --seed 3 --answer '(16x - 5) cos(8x^2 - 5x)'"
        ),
        no_args_is_help=True,
    )(check_command)


def check_command(
    kind: Annotated[
        str | None, typer.Option("--kind", "-k", metavar="KIND", help=KIND_HELP)
    ] = None,
    expected: Annotated[
        str | None,
        typer.Option(
            "--expected",
            "-e",
            metavar="EXPR",
            help="Reference answer, read with the deck-author functions (diff, det, eigenvals …).",
        ),
    ] = None,
    answer: Annotated[
        str | None,
        typer.Option(
            "--answer", "-a", metavar="TEXT", help="The answer to judge, as a learner types it."
        ),
    ] = None,
    var: Annotated[
        list[str] | None,
        typer.Option(
            "--var",
            "-v",
            metavar="NAME[=LO:HI]",
            help="A free variable and its sampling interval: NAME or NAME=LO:HI (default -2:2). "
            "Repeat for several.",
        ),
    ] = None,
    rtol: Annotated[
        float | None,
        typer.Option("--rtol", metavar="R", help="Relative tolerance (overrides the kind's rule)."),
    ] = None,
    atol: Annotated[
        float | None,
        typer.Option("--atol", metavar="A", help="Absolute tolerance (overrides the kind's rule)."),
    ] = None,
    choice: Annotated[
        list[str] | None,
        typer.Option(
            "--choice",
            metavar="TEXT",
            help="An option text for the choice kind (repeat, in order).",
        ),
    ] = None,
    up_to_constant: Annotated[
        bool,
        typer.Option("--up-to-constant", help="Accept answers differing by a constant."),
    ] = False,
    card: Annotated[
        str | None,
        typer.Option(
            "--card",
            metavar="DECK/TEMPLATE",
            help="Judge against this card's instance for --seed, as the drill would (instead of "
            "--kind and --expected).",
        ),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option("--seed", "-s", min=0, help="With --card: the instance's seed."),
    ] = None,
    decks: Annotated[
        list[Path] | None,
        typer.Option(
            "--decks",
            metavar="PATH",
            help="With --card: also load this deck file or folder (repeat for several).",
        ),
    ] = None,
    batch: Annotated[
        str | None,
        typer.Option(
            "--batch",
            metavar="FILE",
            help="Read JSON-lines requests from FILE ('-' for stdin) and write one JSON result "
            "per line. Fields: id, kind, expected, answer, vars, rtol, atol.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the verdict as JSON.")] = False,
    timeout: Annotated[
        float,
        typer.Option(
            "--timeout",
            metavar="SECONDS",
            help="Seconds one check may take before it is 'undecided' (0.1 to 60).",
        ),
    ] = 2.0,
) -> None:
    """Judge an answer against a reference (see ``mathdrill check --help``)."""
    from mathdrill.usecases import checking

    checking.check_timeout(timeout)
    rtol = checking.optional_tolerance(rtol, "--rtol")
    atol = checking.optional_tolerance(atol, "--atol")
    if card is not None:
        given = [
            name
            for name, value in (
                ("--kind", kind),
                ("--expected", expected),
                ("--var", var),
                ("--rtol", rtol),
                ("--atol", atol),
                ("--choice", choice),
                ("--batch", batch),
            )
            if value
        ] + (["--up-to-constant"] if up_to_constant else [])
        if given:
            raise UsageError(f"--card takes the reference from the deck; drop {', '.join(given)}")
        if seed is None or answer is None:
            raise UsageError("--card needs --seed N and --answer TEXT")
        _check_card(checking.CardRequest(card, seed, answer, tuple(decks or ())), as_json, timeout)
        return
    if seed is not None or decks:
        raise UsageError("--seed and --decks go with --card DECK/TEMPLATE")
    if batch is not None:
        if any(v is not None for v in (kind, expected, answer)):
            raise UsageError(
                "--batch reads kind, expected and answer from the file; drop those options"
            )
        _run_batch(batch, timeout)
        return
    missing = [
        name
        for name, value in (("--kind", kind), ("--expected", expected), ("--answer", answer))
        if value is None
    ]
    if missing:
        raise UsageError(f"missing {', '.join(missing)} (or use --batch FILE)")
    variables = dict(checking.parse_var_option(item) for item in var or [])
    request = checking.CheckRequest(
        kind=kind or "",
        expected=expected or "",
        answer=answer or "",
        variables=variables,
        rtol=rtol,
        atol=atol,
        choices=tuple(choice or ()),
        up_to_constant=up_to_constant,
    )
    from mathdrill.answers import Judge

    with Judge(timeout=timeout) as judge:
        result = checking.check_one(judge, request, time.perf_counter)
    if as_json:
        typer.echo(jsonout.dumps(result))
    else:
        _print_verdict(result)
    if result["status"] != "correct":
        raise typer.Exit(EXIT_USAGE if result["status"] == "unreadable" else EXIT_FAILED)


def _check_card(request: Any, as_json: bool, timeout: float) -> None:
    import os

    from mathdrill.answers import Judge
    from mathdrill.usecases import checking

    with Judge(timeout=timeout) as judge:
        result, warnings = checking.check_card(os.environ, request, judge, time.perf_counter)
    for warning in warnings:
        typer.echo(f"warning: {warning}", err=True)
    if as_json:
        typer.echo(jsonout.dumps(result))
    else:
        typer.echo(f"{result['card']}  seed {result['seed']}")
        _print_verdict(result)
    if result["status"] != "correct":
        raise typer.Exit(EXIT_USAGE if result["status"] == "unreadable" else EXIT_FAILED)


def _print_verdict(result: dict) -> None:
    mark = {
        "correct": "✓ correct",
        "wrong": "✗ not correct",
        "unreadable": "? unreadable",
        "undecided": "… undecided",
    }[result["status"]]
    typer.echo(mark)
    if result["read_as"]:
        typer.echo(f"read as: {result['read_as']}")
    for note in result["notes"]:
        typer.echo(f"note: {note}")
    if result["error"]:
        typer.echo(result["error"])
    elif result["reason"]:
        typer.echo(f"reason: {result['reason']}")
    if result["near_miss"]:
        typer.echo(f"close: {result['near_miss']}")
    if result["mistake"]:
        typer.echo(f"mistake: {result['mistake']}")
    if result["feedback"]:
        typer.echo(result["feedback"])


def _run_batch(source: str, timeout: float) -> None:
    from mathdrill.answers import Judge
    from mathdrill.usecases import checking

    if source == "-":
        stream = sys.stdin
        close = False
    else:
        try:
            stream = Path(source).open(encoding="utf-8", errors="strict")  # noqa: SIM115
        except OSError as error:
            raise InputError(f"cannot read batch file {source}: {error.strerror}") from None
        close = True
    try:
        with Judge(timeout=timeout) as judge:
            for result in checking.run_batch(_lines(stream, source), judge, time.perf_counter):
                sys.stdout.write(jsonout.dumps(result) + "\n")
                sys.stdout.flush()
    finally:
        if close:
            stream.close()


def _lines(stream: Iterable[str], source: str) -> Iterator[str]:
    try:
        yield from stream
    except UnicodeDecodeError:
        raise InputError(f"{source}: not UTF-8 text") from None
