"""The ``mathdrill`` typer application and the one place errors become messages and exit codes.

Command groups live in their own modules and are attached here. Heavy libraries (sympy,
SQLAlchemy, numpy) are imported inside command bodies only, so ``mathdrill --help`` stays fast.

:func:`main` hands typer a pruned copy of :data:`app` (:func:`command_tree`): the command being
run is built in full, every other one as a help-only stub. Typer otherwise builds the parameters
of all 37 commands on every run — about half of ``mathdrill --help``'s time. A test holds the
pruned trees' help output equal to the full tree's.
"""

from __future__ import annotations

import inspect
import os
import sys
from typing import Annotated, Any

import typer
from typer.models import CommandInfo

from mathdrill import __version__
from mathdrill.cli import check_cmd, collection_cmd, deck_cmd, drill_cmd, stats_cmd, transfer_cmd
from mathdrill.config import Environment, build_environment
from mathdrill.errors import EXIT_INTERNAL, MathdrillError, MathSyntaxError

_SETTINGS: dict[str, Any] = {
    "name": "mathdrill",
    "help": (
        "Drill the mathematics of machine learning: fresh random problems, answers checked by "
        "sympy, reviews scheduled by SM-2.\n\nStart with `mathdrill drill`; every command has "
        "--help."
    ),
    "no_args_is_help": True,
    "add_completion": False,
    "rich_markup_mode": None,
    "pretty_exceptions_enable": False,
    "context_settings": {"help_option_names": ["-h", "--help"]},
}

app = typer.Typer(**_SETTINGS)


class AppState:
    """Options given before the command name, shared with every command.

    Attributes:
        debug: Show tracebacks instead of friendly messages.
        now: The ``--now`` option (ISO 8601), or None for the clock / ``MATHDRILL_NOW``.
        db: The ``--db`` option, or None for ``MATHDRILL_DB`` / the data directory.
    """

    debug: bool = False
    now: str | None = None
    db: str | None = None

    def environment(self) -> Environment:
        """Build the command's environment from these options and the process environment.

        Returns:
            The environment (clock, data directory, database option).

        Raises:
            UsageError: When ``--now`` or a MATHDRILL_* variable is malformed.
        """
        return build_environment(os.environ, now=self.now, db=self.db)


STATE = AppState()


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"mathdrill {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
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
    STATE.debug = debug or bool(os.environ.get("MATHDRILL_DEBUG"))
    STATE.now = now
    STATE.db = db
    # Validate --now and MATHDRILL_* at once, so a typo fails before any work is done.
    STATE.environment()


drill_cmd.register(app)
collection_cmd.register(app)
check_cmd.register(app)
deck_cmd.register(app)
stats_cmd.register(app)
transfer_cmd.register(app)


#: Root options that take a value (so the word after them is not a command name).
_ROOT_VALUE_OPTIONS = frozenset({"--now", "--db"})


def _command_name(args: list[str]) -> str | None:
    """Return the top-level command named in ``args``, or None when there is none."""
    words = iter(args)
    for word in words:
        if word == "--":
            return next(words, None)
        if word in _ROOT_VALUE_OPTIONS:
            next(words, None)
            continue
        if not word.startswith("-"):
            return word
    return None


def _stub(name: str, help_text: str | None, hidden: bool) -> CommandInfo:
    """A command with no parameters that lists like ``name`` in the root help."""

    def stub() -> None:  # never run: main() builds the real command when it is named
        raise typer.Exit(2)

    return CommandInfo(name=name, help=help_text, callback=stub, hidden=hidden)


def command_tree(name: str | None) -> typer.Typer:
    """Return :data:`app` with only command ``name`` built in full.

    Args:
        name: The top-level command about to run (None: none, e.g. ``mathdrill --help``).

    Returns:
        ``app`` itself when ``name`` is not a top-level command (typer then reports the unknown
        name with its suggestions); otherwise a copy whose other commands are stubs carrying
        only their name and help text.
    """
    from typer.main import solve_typer_info_help

    names = {c.name for c in app.registered_commands} | {g.name for g in app.registered_groups}
    if name is not None and name not in names:
        return app
    pruned = typer.Typer(**_SETTINGS)
    pruned.registered_callback = app.registered_callback
    for info in app.registered_commands:
        if info.name == name:
            pruned.registered_commands.append(info)
        else:
            help_text = info.help or inspect.getdoc(info.callback)
            pruned.registered_commands.append(_stub(str(info.name), help_text, bool(info.hidden)))
    for group in app.registered_groups:
        if group.name == name:
            pruned.registered_groups.append(group)
        else:
            pruned.registered_commands.append(
                _stub(str(group.name), solve_typer_info_help(group), bool(group.hidden))
            )
    return pruned


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


def main(argv: list[str] | None = None) -> None:
    """Run the command line and exit with the status of the command.

    Every :class:`MathdrillError` is turned into a message and its exit code here; anything else
    is an internal error (exit 4) reported in one line unless ``--debug`` asks for the traceback.

    Args:
        argv: Arguments without the program name; ``sys.argv[1:]`` when None.
    """
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args or bool(os.environ.get("MATHDRILL_DEBUG"))
    try:
        # Standalone mode lets typer report its own usage errors (exit 2) and turn typer.Exit
        # into the exit status; every MathdrillError propagates out of it to here.
        command_tree(_command_name(args))(args=args, prog_name="mathdrill")
    except MathdrillError as error:
        if debug:
            raise
        sys.exit(report_error(error))
    except KeyboardInterrupt:
        sys.stderr.write("\nmathdrill: interrupted\n")
        sys.exit(130)
    except Exception as error:  # the last line of defence: never a bare traceback
        if debug:
            raise
        sys.stderr.write(
            f"mathdrill: internal error: {type(error).__name__}: {error}\n"
            "Run again with --debug for the traceback, and please report it.\n"
        )
        sys.exit(EXIT_INTERNAL)
