"""The ``mathdrill`` typer application and the one place errors become messages and exit codes.

Command groups live in their own modules and are attached here. Heavy libraries (sympy,
SQLAlchemy, numpy) are imported inside command bodies only, so ``mathdrill --help`` stays fast.
The root options reach the commands through typer's context (:mod:`mathdrill.cli.root`).
"""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from typing import TYPE_CHECKING, Annotated

import typer

from mathdrill import __version__
from mathdrill.cli import (
    check_cmd,
    collection_cmd,
    deck_cmd,
    drill_cmd,
    group_cmd,
    stats_cmd,
    transfer_cmd,
)
from mathdrill.cli.root import RootOptions, hoist_root_options
from mathdrill.config import zone_warning
from mathdrill.errors import EXIT_INTERNAL, EXIT_INTERRUPTED, MathdrillError, MathSyntaxError

if TYPE_CHECKING:
    from mathdrill.usecases.problems import ProblemSource

app = typer.Typer(
    name="mathdrill",
    help=(
        "Drill the mathematics of machine learning: fresh random problems, answers checked by "
        "sympy, reviews scheduled by SM-2.\n\nStart with `mathdrill drill`; every command has "
        "--help."
    ),
    no_args_is_help=True,
    add_completion=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"mathdrill {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    debug: Annotated[
        bool,
        typer.Option("--debug", help="Show the full traceback when something goes wrong."),
    ] = False,
    now: Annotated[
        str | None,
        typer.Option(
            "--now",
            metavar="ISO8601",
            help="Act as if it were this time (e.g. 2026-11-21T09:30); also MATHDRILL_NOW.",
        ),
    ] = None,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            metavar="PATH|URL",
            help="Database file or SQLAlchemy URL; also MATHDRILL_DB. Default: the data directory.",
        ),
    ] = None,
    learner: Annotated[
        str | None,
        typer.Option(
            "--learner",
            metavar="NAME",
            help="Whose progress to use when one database holds several learners; also "
            "MATHDRILL_LEARNER. Default: default.",
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            help="Print the version and exit.",
            callback=_version_callback,
            is_eager=True,
        ),
    ] = False,
) -> None:
    """Drill the mathematics of machine learning with spaced repetition."""
    given = ctx.obj if isinstance(ctx.obj, RootOptions) else RootOptions()
    options = replace(
        given,
        debug=debug or bool(os.environ.get("MATHDRILL_DEBUG")),
        now=now,
        db=db,
        learner=learner,
    )
    # Validate --now and MATHDRILL_* at once, so a typo fails before any work is done.
    options.environment()
    note = zone_warning(os.environ)
    if note:
        typer.echo(f"mathdrill: {note}", err=True)
    ctx.obj = options


drill_cmd.register(app)
collection_cmd.register(app)
check_cmd.register(app)
deck_cmd.register(app)
stats_cmd.register(app)
transfer_cmd.register(app)
group_cmd.register(app)
group_cmd.register(app)


def report_error(error: MathdrillError) -> int:
    """Print a mathdrill error for a user on stderr and return its exit code.

    Args:
        error: The error to report.

    Returns:
        The exit code that belongs to the error's type.
    """
    text = error.describe() if isinstance(error, MathSyntaxError) else str(error)
    sys.stderr.write(f"mathdrill: {text}\n")
    return error.exit_code


def main(argv: list[str] | None = None, *, problems: ProblemSource | None = None) -> None:
    """Run the command line and exit with the status of the command.

    Every :class:`MathdrillError` is turned into a message and its exit code here; anything else
    is an internal error (exit 4) reported in one line unless ``--debug`` asks for the traceback.

    Args:
        argv: Arguments without the program name; ``sys.argv[1:]`` when None.
        problems: A problem worker started ahead for ``mathdrill drill`` (see
            :mod:`mathdrill.cli.launch`); the caller closes it.
    """
    args = hoist_root_options(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args or bool(os.environ.get("MATHDRILL_DEBUG"))
    try:
        # Standalone mode lets typer report its own usage errors (exit 2) and turn typer.Exit
        # into the exit status; every MathdrillError propagates out of it to here.
        app(args=args, prog_name="mathdrill", obj=RootOptions(problems=problems))
    except MathdrillError as error:
        if debug:
            raise
        sys.exit(report_error(error))
    except KeyboardInterrupt:
        sys.stderr.write("\nmathdrill: interrupted\n")
        sys.exit(EXIT_INTERRUPTED)
    except Exception as error:  # the last line of defence: never a bare traceback
        if debug:
            raise
        sys.stderr.write(
            f"mathdrill: internal error: {type(error).__name__}: {error}\n"
            "Run again with --debug for the traceback, and please report it.\n"
        )
        sys.exit(EXIT_INTERNAL)
