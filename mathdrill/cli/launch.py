"""The ``mathdrill`` program: start the drill's problem worker first, then the command line.

Serves the first-problem target of a first-ever drill (≤ 1.3 × the time of importing sympy and
numpy): the worker, which has to import both, is started before typer and the command modules
are even imported, so its start-up overlaps everything the command line does before the drill
asks for a problem. Every other command goes straight to :func:`mathdrill.cli.app.main`.
"""

from __future__ import annotations

import sys

#: Options before the command name that take a value (the word after them is not a command).
_VALUE_OPTIONS = frozenset({"--now", "--db"})


def command_name(args: list[str]) -> str | None:
    """Return the command named in ``args`` (the first word that is not a root option).

    Args:
        args: Arguments without the program name.

    Returns:
        The command's name, or None when there is none.
    """
    words = iter(args)
    for word in words:
        if word == "--":
            return next(words, None)
        if word in _VALUE_OPTIONS:
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


def main(argv: list[str] | None = None) -> None:
    """Run mathdrill with ``argv`` (``sys.argv[1:]`` when None) and exit with its status.

    Args:
        argv: Arguments without the program name.
    """
    args = sys.argv[1:] if argv is None else argv
    problems = None
    if command_name(args) == "drill" and not {"-h", "--help"} & set(args):
        from mathdrill.usecases.problems import WorkerProblems

        problems = WorkerProblems()
    try:
        from mathdrill.cli.app import main as run

        run(args, problems=problems)
    finally:
        if problems is not None:
            problems.close()
