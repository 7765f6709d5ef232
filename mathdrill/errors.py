"""The one root exception of mathdrill and its typed subclasses.

Every error a user can cause is a :class:`MathdrillError`. Each subclass carries the exit code the
command line maps it to; ``mathdrill.cli.app`` is the one place that turns them into messages
(and shows the traceback only with ``--debug``).

Exit codes follow the convention of the ``check`` command: 0 success, 1 "not correct"/"not sound"
(reported by commands themselves, not by exceptions), 2 bad input or usage, 3 environment
problems (database, files, worker), 4 internal errors, 130 interrupted (Ctrl-C). The table is in
``docs/data.md`` ("Exit status").
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_ENVIRONMENT = 3
EXIT_INTERNAL = 4
EXIT_INTERRUPTED = 130


class MathdrillError(Exception):
    """Root of every error mathdrill reports to a user.

    Args:
        message: A sentence for the user: what is wrong and, where possible, how to fix it.
    """

    exit_code: int = EXIT_INTERNAL

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UsageError(MathdrillError):
    """A command was called with options that do not fit together or make no sense."""

    exit_code = EXIT_USAGE


class DriverMissingError(UsageError):
    """A database URL needs a driver this installation lacks; the message names the extra."""


class InputError(MathdrillError):
    """Input from outside (a learner's answer, a deck file, an import file) could not be used."""

    exit_code = EXIT_USAGE


class MathSyntaxError(InputError):
    """Text could not be read as mathematics.

    Args:
        message: What is wrong, in words ("unknown name 'sinx'").
        text: The input as the user typed it.
        start: Index in ``text`` where the bad span starts (0-based).
        end: Index one past the bad span; at least ``start + 1`` when ``text`` is non-empty.
    """

    def __init__(
        self, message: str, text: str = "", start: int = 0, end: int | None = None
    ) -> None:
        super().__init__(message)
        self.text = text
        self.start = max(0, min(start, len(text)))
        stop = self.start + 1 if end is None else end
        self.end = max(self.start + 1, min(stop, max(len(text), self.start + 1)))

    def caret(self) -> str:
        """Return the input echoed on one line with carets under the bad span on the next.

        Returns:
            Two lines: the input, then ``^`` under the bad span; an empty string when
            there is no input to echo.
        """
        if not self.text:
            return ""
        # Tabs and newlines would shift the caret; the echo shows them as single spaces.
        shown = self.text.replace("\t", " ").replace("\n", " ").replace("\r", " ")
        return f"{shown}\n{' ' * self.start}{'^' * (self.end - self.start)}"

    def describe(self) -> str:
        """Return the message followed by the caret echo (when there is one).

        Returns:
            A multi-line string fit to print as is.
        """
        echo = self.caret()
        return f"{self.message}\n{echo}" if echo else self.message


class LimitExceededError(MathSyntaxError):
    """Input is too large or too costly to work with (length, depth, exponent, literal size)."""


class CheckTimeoutError(MathdrillError):
    """A check could not be decided within its time cap."""

    exit_code = EXIT_ENVIRONMENT


class WorkerError(MathdrillError):
    """The checking worker process failed in a way that is not the input's fault."""

    exit_code = EXIT_ENVIRONMENT


class WorkerStoppedError(WorkerError):
    """A request found the worker dead twice in a row (killed from outside, crashed)."""


class DeckError(InputError):
    """A deck file is invalid. ``problems`` holds every ``path:line: message`` found at once.

    Args:
        message: A one-line summary.
        problems: Each problem as ``path:line: message``.
    """

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = list(problems or [])

    def __str__(self) -> str:
        if not self.problems:
            return self.message
        return "\n".join([self.message, *self.problems])


class StorageError(MathdrillError):
    """The database cannot be opened, read or written (corrupt, read-only, locked, too new)."""

    exit_code = EXIT_ENVIRONMENT


class AnswerNotSavedError(StorageError):
    """A drill answer could not be saved (the database server is away); the drill keeps it."""


class OutputError(MathdrillError):
    """A file or stream written for the user (an export) failed: a full disk, a lost device."""

    exit_code = EXIT_ENVIRONMENT


class NotFoundError(InputError):
    """A deck, template or card named on the command line does not exist."""
