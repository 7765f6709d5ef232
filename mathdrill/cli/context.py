"""The root options as a command sees them, read from typer's context.

Commands take ``ctx: typer.Context`` and call :func:`environment`, instead of importing the
root application's state (``mathdrill.cli.app`` imports every command module, so importing it
back from a command would make a cycle).
"""

from __future__ import annotations

import os

import typer

from mathdrill.config import Environment, build_environment


def environment(ctx: typer.Context) -> Environment:
    """Build the running command's environment from ``--now``, ``--db`` and the process's.

    Args:
        ctx: The command's context.

    Returns:
        The environment (clock, data directory, database option).

    Raises:
        UsageError: When ``--now`` or a MATHDRILL_* variable is malformed.
    """
    root = ctx.find_root().params
    return build_environment(os.environ, now=root.get("now"), db=root.get("db"))
