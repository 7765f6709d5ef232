"""The options given before the command name, handed to every command through typer's context.

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


@dataclass(frozen=True)
class RootOptions:
    """``--debug``, ``--now`` and ``--db`` as given (None: not given).

    Attributes:
        debug: Show tracebacks instead of friendly messages.
        now: The ``--now`` option (ISO 8601), or None for the clock / ``MATHDRILL_NOW``.
        db: The ``--db`` option, or None for ``MATHDRILL_DB`` / the data directory.
        problems: The drill's problem worker when :mod:`mathdrill.cli.launch` started it before
            the command line was parsed (None: the drill starts its own).
    """

    debug: bool = False
    now: str | None = None
    db: str | None = None
    problems: ProblemSource | None = None

    def environment(self) -> Environment:
        """Build the command's environment from these options and the process environment.

        Returns:
            The environment (clock, data directory, database option).

        Raises:
            UsageError: When ``--now`` or a MATHDRILL_* variable is malformed.
        """
        return build_environment(os.environ, now=self.now, db=self.db)


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
