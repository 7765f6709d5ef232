"""A bound on the CPU time of a computation that runs in this process.

Size limits (:mod:`mathdrill.mathlang.limits`) keep every single operation cheap, but a deck is
a program: an author (or an attacker who hands a learner a deck file) can chain many cheap
operations, or ask sympy for something whose cost is not visible from the sizes of its inputs.
Learner answers are judged in a killable worker process; deck expressions are evaluated where
the instance is needed (``deck check`` workers, ``deck preview``, the drill), so they are bounded
here instead, with a CPU-time interval timer.

Why CPU time (``ITIMER_PROF``) and not wall time: the bound is about the deck, and a deck must
not pass on an idle machine and fail on a loaded one (CI machines are shared).

How it works: :func:`cpu_deadline` arms ``setitimer(ITIMER_PROF)``; the ``SIGPROF`` handler
raises :class:`_Expired`, a :class:`BaseException`, so the ``except Exception`` blocks inside
sympy cannot swallow it; the timer re-fires every :data:`REFIRE_SECONDS` until the deadline is
left, in case something swallows even that. The context manager that owns the expired deadline
turns it into the error its caller asked for (a :class:`mathdrill.errors.MathdrillError`), so
nothing outside this module ever sees :class:`_Expired`. Deadlines nest: the nearest one is
armed, and each owner converts only its own expiry.

Only the main thread can receive signals; elsewhere (and on platforms without ``setitimer``)
:func:`cpu_deadline` runs the body without a bound, which :func:`available` reports.

A deadline nested in one that ends no later is not armed at all: the outer one fires first,
and its owner would be the one to convert the expiry anyway.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

REFIRE_SECONDS = 0.2
"""After a deadline passed, the timer fires again this often until the body has unwound."""


class _Expired(BaseException):
    """Raised inside the bounded body when a deadline passes (converted by its owner)."""

    def __init__(self, owner: _Deadline) -> None:
        super().__init__(owner.seconds)
        self.owner = owner


@dataclass(eq=False)
class _Deadline:
    target: float
    seconds: float


_ACTIVE: list[_Deadline] = []
_PREVIOUS_HANDLER: object = None
_INSTALLED = False


def available() -> bool:
    """Tell whether a deadline can be enforced here (main thread, ``setitimer`` exists).

    Returns:
        True when :func:`cpu_deadline` bounds its body.
    """
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


def _on_signal(_signum: int, _frame: object) -> None:
    now = time.process_time()
    expired = [d for d in _ACTIVE if d.target <= now]
    if expired:
        # The outermost expired deadline wins: its owner's error explains the whole body.
        raise _Expired(expired[0])
    # A late or early tick (the timer counts all threads' CPU): arm again for what is left.
    _arm()


def _arm() -> None:
    if not _ACTIVE:
        signal.setitimer(signal.ITIMER_PROF, 0)
        return
    nearest = min(d.target for d in _ACTIVE)
    remaining = max(nearest - time.process_time(), 0.001)
    signal.setitimer(signal.ITIMER_PROF, remaining, REFIRE_SECONDS)


@contextmanager
def cpu_deadline(seconds: float, error: Callable[[float], BaseException]) -> Iterator[None]:
    """Run the body with at most ``seconds`` of CPU time, else raise ``error(seconds)``.

    Args:
        seconds: The CPU-time budget of the body (process CPU time, all threads).
        error: Builds the exception raised when the budget is spent; it receives ``seconds``.
            It should be a :class:`mathdrill.errors.MathdrillError` so the CLI reports it.

    Yields:
        Nothing; the body runs inside the bound.

    Raises:
        BaseException: Whatever ``error`` builds, when the deadline passes inside the body.
    """
    if seconds <= 0:
        raise ValueError("a deadline needs a positive number of seconds")
    if not available():
        yield
        return
    target = time.process_time() + seconds
    if _ACTIVE and min(d.target for d in _ACTIVE) <= target:
        # An enclosing deadline ends first: it fires before this one could, and the outermost
        # expired deadline is the one raised, so arming this one would change nothing.
        yield
        return
    deadline = _Deadline(target, seconds)
    _install()
    _ACTIVE.append(deadline)
    try:
        _arm()
        yield
    except _Expired as expired:
        if expired.owner is not deadline:
            raise
        raise error(seconds) from None
    finally:
        _ACTIVE.remove(deadline)
        _arm()
        if not _ACTIVE:
            _uninstall()


def _install() -> None:
    global _PREVIOUS_HANDLER, _INSTALLED
    if not _INSTALLED:
        _PREVIOUS_HANDLER = signal.signal(signal.SIGPROF, _on_signal)
        _INSTALLED = True


def _uninstall() -> None:
    global _INSTALLED
    if _INSTALLED:
        previous = signal.SIG_DFL if _PREVIOUS_HANDLER is None else _PREVIOUS_HANDLER
        signal.signal(signal.SIGPROF, previous)  # type: ignore[arg-type]
        _INSTALLED = False
