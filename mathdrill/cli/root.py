"""The root options (``--debug``, ``--now``, ``--db``, ``--learner``), given to every command.

They belong before the command name, but a learner types ``mathdrill due --now …`` as often:
:func:`hoist_root_options` moves them there before the command line is parsed, so both work.

The root callback of :mod:`mathdrill.cli.app` stores one :class:`RootOptions` as the context's
``obj``; a command takes ``ctx: typer.Context`` and asks :func:`environment` for the clock, the
data directory and the database it works with. Nothing is kept in module-level state, so two
invocations in one process (the in-process tests) never see each other's options.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

import typer

from mathdrill.config import Environment, build_environment

if TYPE_CHECKING:
    from mathdrill.usecases.problems import ProblemSource

#: Root options whose value is the next word (``--now 2026-11-21``), and those without a value.
ROOT_VALUE_OPTIONS = frozenset({"--now", "--db", "--learner"})
ROOT_FLAGS = frozenset({"--debug"})


def hoist_root_options(args: list[str]) -> list[str]:
    """Move root options written after the command name to the front of ``args``.

    No command has an option of the same name, so a root option anywhere before ``--`` can only
    mean the root's. Words after ``--`` are arguments and stay; a value option with no word
    after it stays too (the command then reports it).

    Args:
        args: Arguments without the program name.

    Returns:
        The same words, every root option before the command name, each group in its order.
    """
    front: list[str] = []
    rest: list[str] = []
    index = 0
    seen_command = False
    command_at = 0  # where the command name sits in ``rest``: the hoisted options go there
    while index < len(args):
        word = args[index]
        if word == "--":
            rest.extend(args[index:])
            break
        name = word.split("=", 1)[0]
        takes_value = word in ROOT_VALUE_OPTIONS
        if takes_value and index + 1 >= len(args):
            rest.append(word)
        elif takes_value:
            (front if seen_command else rest).extend(args[index : index + 2])
            index += 1
        elif word in ROOT_FLAGS or (name in ROOT_VALUE_OPTIONS and "=" in word):
            (front if seen_command else rest).append(word)
        else:
            if not seen_command and not word.startswith("-"):
                seen_command, command_at = True, len(rest)
            rest.append(word)
        index += 1
    return rest[:command_at] + front + rest[command_at:]


@dataclass(frozen=True)
class RootOptions:
    """``--debug``, ``--now``, ``--db`` and ``--learner`` as given (None: not given).

    Attributes:
        debug: Show tracebacks instead of friendly messages.
        now: The ``--now`` option (ISO 8601), or None for the clock / ``MATHDRILL_NOW``.
        db: The ``--db`` option, or None for ``MATHDRILL_DB`` / the data directory.
        learner: The ``--learner`` option, or None for ``MATHDRILL_LEARNER`` / ``default``.
        problems: The drill's problem worker when :mod:`mathdrill.cli.launch` started it before
            the command line was parsed (None: the drill starts its own).
    """

    debug: bool = False
    now: str | None = None
    db: str | None = None
    learner: str | None = None
    problems: ProblemSource | None = None

    def environment(self) -> Environment:
        """Build the command's environment from these options and the process environment.

        Returns:
            The environment (clock, data directory, database option).

        Raises:
            UsageError: When ``--now`` or a MATHDRILL_* variable is malformed.
        """
        return build_environment(os.environ, now=self.now, db=self.db, learner=self.learner)


def options(ctx: typer.Context) -> RootOptions:
    """Return the root options of the command running in ``ctx``.

    Args:
        ctx: The command's typer context.

    Returns:
        The options (defaults when the root callback did not run, as in a bare sub-app).
    """
    found = ctx.find_root().obj
    return found if isinstance(found, RootOptions) else RootOptions()


def environment(ctx: typer.Context) -> Environment:
    """Return the environment of the command running in ``ctx``.

    Args:
        ctx: The command's typer context (its root holds the :class:`RootOptions`).

    Returns:
        The environment.
    """
    return options(ctx).environment()
