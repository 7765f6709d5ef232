"""Entry point of the drill's problem worker: ``python -m mathdrill.usecases.problem_server FD``.

Started by :class:`mathdrill.usecases.problems.WorkerProblems` (through the capped checker's process
management in :mod:`mathdrill.answers.worker`) with one end of a socket pair inherited as file
descriptor ``FD``. It imports sympy and the deck machinery once, says ``ready``, then answers JSON
requests (see :meth:`mathdrill.usecases.problems.ProblemMaker.handle`) with JSON replies until the
connection closes. Requests and replies are JSON bytes in both directions: nothing is unpickled on
either side.

A separate module (not imported by :mod:`mathdrill.usecases.problems`) so that running it with
``-m`` does not import it twice.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from functools import partial
from multiprocessing.connection import Connection


def _requests(conn: Connection) -> Iterator[bytes]:
    while True:
        try:
            yield conn.recv_bytes()
        except (EOFError, OSError):
            return


def serve(conn: Connection) -> None:
    """Answer problem requests on ``conn`` until it closes.

    Args:
        conn: The worker's end of the connection to the parent.
    """
    from mathdrill.answers.serve import ignore_interrupts, prepare_worker

    ignore_interrupts()
    # Warm everything a first request needs before saying ready: the loader, the generator
    # and the checker (their imports are most of a worker's start).
    import mathdrill.answers.kinds
    import mathdrill.decks.generate
    import mathdrill.decks.loader  # noqa: F401
    from mathdrill.mathlang import warm_up
    from mathdrill.usecases.problems import ProblemMaker, serve_requests

    prepare_worker()
    conn.send_bytes(b"ready")
    # sympy sets up some classes and modules on first use. Pay that while nothing waits, one
    # text at a time, before the first request and after each reply, so a request waits for
    # one text at most: a first-ever drill's first problem (≤ 1.3 × importing sympy and numpy)
    # is not held up, and a first verdict is as quick as the others (p95 ≤ 100 ms).
    waiting = partial(conn.poll, 0)
    warmed = warm_up(stop=waiting)
    for reply in serve_requests(ProblemMaker(), _requests(conn)):
        try:
            conn.send_bytes(reply)
        except (OSError, ValueError):
            return
        if not warmed:
            warmed = warm_up(stop=waiting)


def main(argv: list[str] | None = None) -> int:
    """Run a problem worker on the inherited descriptor named in ``argv``.

    Args:
        argv: ``[FD]``; defaults to ``sys.argv[1:]``.

    Returns:
        The process exit status.
    """
    from mathdrill.answers.serve import run_on_inherited_fd

    return run_on_inherited_fd(serve, "mathdrill.usecases.problem_server", argv)


if __name__ == "__main__":
    sys.exit(main())
