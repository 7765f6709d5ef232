"""Entry point of a checking worker process: ``python -m mathdrill.answers.serve FD``.

The parent (:class:`mathdrill.answers.worker.Judge`) starts this module with one end of a socket
pair inherited as file descriptor ``FD``. The worker imports sympy and mathdrill once, says
``ready``, then serves ``(spec, text)`` requests until the socket closes or it receives ``None``.
Requests arrive pickled by ``multiprocessing.connection`` — they come from the parent, which
built them — and every answer goes back as JSON bytes, so the parent never unpickles anything.

This is a separate module (not imported by ``mathdrill.answers``) so that running it with
``-m`` does not import it twice.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection

from mathdrill.answers.verdict import AnswerSpec, Verdict

#: Extra address space a worker may use beyond what it starts with (bytes). A memory bomb then
#: fails with MemoryError (reported as undecided) instead of swapping the shared machine.
WORKER_MEMORY_HEADROOM = 1536 * 1024 * 1024

UNDECIDED = "could not decide — simplify your answer"


def limit_memory() -> None:
    """Cap this process's address space (Linux); silently skipped where unsupported."""
    try:
        import resource

        with open("/proc/self/statm", encoding="ascii") as statm:
            pages = int(statm.read().split()[0])
        limit = pages * os.sysconf("SC_PAGE_SIZE") + WORKER_MEMORY_HEADROOM
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, OSError, ValueError):
        return


def watch_parent(interval: float = 1.0) -> None:
    """Exit this worker when its parent dies, even in the middle of a long check.

    Without it a worker orphaned by ``kill -9`` of the parent would finish whatever it was
    computing (possibly for minutes) before noticing the closed connection.

    Args:
        interval: Seconds between checks of the parent's process id.
    """
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(interval)
            if os.getppid() != parent:
                os._exit(0)

    threading.Thread(target=watch, name="mathdrill-parent-watch", daemon=True).start()


def judge_safely(spec: AnswerSpec, text: str) -> Verdict:
    """Judge an answer, turning every failure into an "undecided" verdict.

    In a worker, a learner's answer that exhausts memory or recursion, or trips a bug, must
    cost the learner one "could not decide", never the worker's life.

    Args:
        spec: What the answer should be.
        text: The learner's answer.

    Returns:
        The verdict.
    """
    from mathdrill.answers.kinds import judge

    try:
        return judge(spec, text)
    except MemoryError:
        return Verdict("undecided", "could not decide: too much memory — simplify your answer")
    except RecursionError:
        return Verdict("undecided", "could not decide: too deeply nested — simplify your answer")
    except Exception:
        return Verdict("undecided", UNDECIDED)


def ignore_interrupts() -> None:
    """Ignore Ctrl-C: in a terminal it reaches the whole process group, and the parent decides."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def prepare_worker() -> None:
    """Cap this worker's memory and make it exit with its parent (call after the imports)."""
    limit_memory()
    watch_parent()


def serve(conn: Connection) -> None:
    """Answer checks on ``conn`` until it closes or sends ``None``.

    Args:
        conn: The worker's end of the connection to the parent.
    """
    ignore_interrupts()
    import mathdrill.answers.kinds
    import mathdrill.mathlang  # noqa: F401 - and the parser

    prepare_worker()
    conn.send_bytes(b"ready")
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        try:
            spec, text = message
        except (TypeError, ValueError):
            verdict = Verdict("undecided", UNDECIDED)
        else:
            verdict = judge_safely(spec, text)
        try:
            payload = json.dumps(verdict.to_dict()).encode("utf-8")
        except (TypeError, ValueError):
            payload = json.dumps(Verdict("undecided", UNDECIDED).to_dict()).encode("utf-8")
        try:
            conn.send_bytes(payload)
        except (OSError, ValueError):
            return


def run_on_inherited_fd(
    serve_on: Callable[[Connection], None], module: str, argv: list[str] | None
) -> int:
    """Run a worker loop on the socket inherited as the descriptor named in ``argv``.

    Args:
        serve_on: The worker's loop (e.g. :func:`serve`).
        module: The module run with ``-m`` (for the usage message).
        argv: ``[FD]``; ``sys.argv[1:]`` when None.

    Returns:
        The process exit status: 0, or 2 for a malformed command line.
    """
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or not args[0].isdigit():
        sys.stderr.write(f"usage: python -m {module} FD\n")
        return 2
    serve_on(Connection(int(args[0])))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run a checking worker on the inherited descriptor named in ``argv``.

    Args:
        argv: ``[FD]``; defaults to ``sys.argv[1:]``.

    Returns:
        The process exit status.
    """
    return run_on_inherited_fd(serve, "mathdrill.answers.serve", argv)


if __name__ == "__main__":
    sys.exit(main())
