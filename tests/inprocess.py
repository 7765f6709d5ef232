"""Run the ``mathdrill`` command line in this process, as typer's ``CliRunner`` does.

The real command line and its one error handler (:func:`mathdrill.cli.app.main`), with its own
streams, environment (data directory, ``MATHDRILL_NOW``) and current folder; no process starts
except the ones the command itself starts (its checking and problem workers).
"""

from __future__ import annotations

import contextlib
import os
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

from mathdrill.cli.app import main


@dataclass(frozen=True)
class Ran:
    """What an in-process command left behind, named like ``subprocess.CompletedProcess``."""

    returncode: int
    stdout: str
    stderr: str


def invoke(
    args: list[str], env: dict[str, str], cwd: Path, stdin: str | bytes | None = None
) -> Ran:
    """Run the command line in this process with ``env`` as its whole environment.

    Args:
        args: The arguments after ``mathdrill``.
        env: The environment the command sees (variables not in it are unset meanwhile).
        cwd: The current folder while it runs.
        stdin: What standard input holds.

    Returns:
        The exit status and the two streams, decoded.
    """
    changes: dict[str, str | None] = {k: None for k in os.environ if k not in env}
    changes.update(env)
    runner = CliRunner()
    with runner.isolation(input=stdin, env=changes) as streams, contextlib.chdir(cwd):
        try:
            main(list(args))
            code = 0
        except SystemExit as leaving:
            code = leaving.code if isinstance(leaving.code, int) else int(leaving.code is not None)
        except Exception:  # uncaught (only --debug lets one out): what the interpreter prints
            traceback.print_exc()
            code = 1
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
        out, err = streams[0].getvalue(), streams[1].getvalue()
    return Ran(code, out.decode("utf-8"), err.decode("utf-8"))
