"""The options given before the command name, handed to every command through typer's context.

The root callback of :mod:`mathdrill.cli.app` stores one :class:`RootOptions` as the context's
``obj``; a command takes ``ctx: typer.Context`` and asks :func:`environment` for the clock, the
data directory and the database it works with. Nothing is kept in module-level state, so two
invocations in one process (the in-process tests) never see each other's options.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import typer

from mathdrill.config import Environment, build_environment


@dataclass(frozen=True)
class RootOptions:
    """``--debug``, ``--now`` and ``--db`` as given (None: not given).

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


def environment(ctx: typer.Context) -> Environment:
    """Return the environment of the command running in ``ctx``.

    Args:
        ctx: The command's typer context (its root holds the :class:`RootOptions`).

    Returns:
        The environment.
    """
    options = ctx.find_root().obj
    return (options if isinstance(options, RootOptions) else RootOptions()).environment()
