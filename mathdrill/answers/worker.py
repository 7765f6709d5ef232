"""The capped checker: :func:`~mathdrill.answers.kinds.judge` in a killable worker process.

Why a process: a learner can type something cheap to parse yet expensive to decide (``simplify``
on a heavy expression, a huge exact power). A thread cannot be stopped; a process can.
:class:`Judge` keeps a worker warm, sends it ``(spec, text)``, and waits at most ``timeout``
seconds. On the cap it kills the worker (SIGKILL), and returns ``status="undecided"``. A worker
that dies for any other reason (killed from outside, crashed) is replaced the same way and the
check is retried once within the same deadline.

How workers start: ``python -I`` running the module (``mathdrill.answers.serve FD``; see
:data:`_BOOTSTRAP`) with one end of a socket pair inherited as ``FD``; isolated mode keeps the
current folder off the worker's import path. Unlike ``multiprocessing``'s ``spawn``/``forkserver``
this never re-imports the caller's ``__main__`` (a script without an ``if __name__ == "__main__"``
guard would start workers recursively) and needs no fork of a threaded parent. Importing sympy makes
a start slow, so the replacement for a killed worker starts in the background at once: by the time
the learner has retyped, it is ready.

Data: requests are pickled by ``multiprocessing.connection`` (the parent built the spec; the
worker trusts it); replies are **JSON bytes**, so the parent never unpickles anything learner
input could influence and never renders a sympy object built from learner text itself.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mathdrill.answers.verdict import AnswerSpec, Verdict
from mathdrill.errors import CheckTimeoutError, UsageError, WorkerError, WorkerStoppedError

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

#: Seconds to wait for a worker's "ready" message before giving up.
DEFAULT_STARTUP_TIMEOUT = 60.0
#: Seconds a worker gets to exit after a polite stop, before SIGKILL.
STOP_GRACE = 1.0
#: The module a worker runs unless told otherwise: the answer checker.
DEFAULT_SERVER = "mathdrill.answers.serve"


def undecided_within(timeout: float) -> Verdict:
    """Return the verdict for a check that hit the cap.

    Args:
        timeout: The cap in seconds.

    Returns:
        ``status="undecided"`` with the reason in words.
    """
    return Verdict("undecided", f"could not decide within {timeout:g} s — simplify your answer")


@dataclass
class _Worker:
    """One worker process and the parent's end of its connection."""

    process: subprocess.Popen[bytes]
    conn: Connection

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self, *, polite: bool) -> None:
        """Stop the process (politely first when asked) and reap it; never raises."""
        if polite and self.alive():
            with contextlib.suppress(OSError, ValueError):
                self.conn.send(None)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(STOP_GRACE)
        if self.alive():
            with contextlib.suppress(OSError):
                self.process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired, OSError):
            self.process.wait(STOP_GRACE)
        with contextlib.suppress(OSError):
            self.conn.close()


#: The worker's first line of Python, run in isolated mode (``python -I``): neither the current
#: folder nor ``PYTHON*`` variables reach its import path, so a ``sympy.py`` lying in the folder
#: a learner runs mathdrill in is never imported. Only the folder mathdrill itself was imported
#: from is added, after the standard paths, so a source checkout finds the same code.
_BOOTSTRAP = (
    "import runpy, sys; sys.path.append(sys.argv.pop(1)); "
    "runpy.run_module(sys.argv.pop(1), run_name='__main__', alter_sys=True)"
)


def _worker_argv(server: str, fd: int) -> list[str]:
    import mathdrill

    root = os.path.dirname(os.path.dirname(os.path.abspath(mathdrill.__file__)))
    return [sys.executable, "-I", "-c", _BOOTSTRAP, root, server, str(fd)]


def spawn_worker(server: str = DEFAULT_SERVER) -> _Worker:
    """Start one worker process; it says ``ready`` on its connection once it has imported.

    Args:
        server: The module the worker runs (as ``python -m MODULE FD`` would, but isolated);
            it must say ``ready`` on the connection and then answer each request with one
            reply.

    Returns:
        The worker, still starting.

    Raises:
        WorkerError: When the process cannot be started.
    """
    parent_sock, child_sock = socket.socketpair()
    try:
        process = subprocess.Popen(
            _worker_argv(server, child_sock.fileno()),
            pass_fds=(child_sock.fileno(),),
            stdin=subprocess.DEVNULL,
            # The CLI owns the terminal: a worker never writes to it (its failures become
            # "undecided" verdicts or WorkerError in the parent).
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            close_fds=True,
        )
    except (OSError, ValueError) as error:
        # ValueError: pass_fds is not supported (Windows); the capped checker needs POSIX.
        parent_sock.close()
        child_sock.close()
        raise WorkerError(f"could not start the checking process: {error}") from None
    child_sock.close()
    # Imported after the process is started, so its start waits for nothing it does not need
    # (the first-ever first-problem target).
    from multiprocessing.connection import Connection

    return _Worker(process, Connection(parent_sock.detach()))


def await_ready(worker: _Worker, startup_timeout: float) -> _Worker:
    """Wait for a spawned worker's ``ready`` message.

    Args:
        worker: A worker from :func:`spawn_worker`.
        startup_timeout: Seconds to wait.

    Returns:
        The same worker, ready.

    Raises:
        WorkerError: When it does not become ready in time (it is stopped then).
    """
    try:
        ready = worker.conn.poll(startup_timeout) and worker.conn.recv_bytes() == b"ready"
    except (EOFError, OSError):
        ready = False
    if not ready:
        worker.stop(polite=False)
        raise WorkerError(f"the checking process did not start within {startup_timeout:g} s")
    return worker


def start_worker(startup_timeout: float, *, server: str = DEFAULT_SERVER) -> _Worker:
    """Start one worker process and wait until it is ready.

    Args:
        startup_timeout: Seconds to wait for the worker's ready message.
        server: The module the worker runs (see :func:`spawn_worker`).

    Returns:
        The running worker.

    Raises:
        WorkerError: When the process cannot be started or does not become ready in time.
    """
    return await_ready(spawn_worker(server), startup_timeout)


@dataclass
class _Slot:
    """A worker being started in the background (or started, or failed)."""

    thread: threading.Thread | None = None
    worker: _Worker | None = None
    error: str | None = None
    process: subprocess.Popen[bytes] | None = None


@dataclass
class _State:
    """What the finalizer needs to stop the workers; holds no reference to the Judge."""

    startup_timeout: float
    server: str = DEFAULT_SERVER
    active: _Slot = field(default_factory=_Slot)
    closed: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def launch(self) -> _Slot:
        """Start a worker now and wait for it in a background thread; return its slot.

        The process is started in the calling thread, so it begins importing at once rather
        than when a busy caller lets a thread run; only the wait for ``ready`` is in the
        background. A closed state returns an empty slot.
        """
        slot = _Slot()
        if self.closed:
            slot.error = "closed"
            return slot
        try:
            spawned = spawn_worker(self.server)
        except WorkerError as error:
            slot.error = str(error)
            return slot
        slot.process = spawned.process

        def run() -> None:
            try:
                worker = await_ready(spawned, self.startup_timeout)
            except Exception as error:  # never let a background thread print a traceback
                slot.error = str(error)
                return
            if self.closed:
                worker.stop(polite=True)
            else:
                slot.worker = worker

        slot.thread = threading.Thread(target=run, name="mathdrill-judge-start", daemon=True)
        slot.thread.start()
        return slot

    def settle(self, slot: _Slot) -> _Worker | None:
        """Wait for a slot's background start; return its worker if it is alive."""
        if slot.thread is not None:
            slot.thread.join(self.startup_timeout)
            slot.thread = None
        worker = slot.worker
        if worker is not None and not worker.alive():
            worker.stop(polite=False)
            slot.worker = worker = None
        return worker

    def shutdown(self) -> None:
        """Stop the worker (SIGKILL) and reap it. Idempotent.

        A worker still starting (importing sympy) is killed rather than waited for, so closing
        a judge right after a cap kill does not wait for the replacement's start.
        """
        self.closed = True
        slot = self.active
        thread = slot.thread
        deadline = time.monotonic() + self.startup_timeout
        while thread is not None and thread.is_alive() and time.monotonic() < deadline:
            if slot.process is not None:
                with contextlib.suppress(OSError):
                    slot.process.kill()
            thread.join(0.05)
        worker = self.settle(slot)
        if worker is not None:
            # Workers hold no state worth a graceful exit (which would spend time tearing
            # down sympy): kill and reap.
            worker.stop(polite=False)
            slot.worker = None


class Judge:
    """A capped answer checker backed by a warm, killable worker process.

    The constructor starts the worker in the background and returns at once; the first check
    waits for it (at most ``startup_timeout``, not counted against ``timeout``). After that every
    :meth:`check` returns within ``timeout`` (plus the round trip to the worker).

    Args:
        timeout: Seconds one check may take (default 2).
        startup_timeout: Seconds to wait for a worker process to start.
        server: The module each worker runs (``python -m MODULE FD``); the default serves
            :meth:`check`. Another server (the drill's problem worker) speaks its own protocol
            through :meth:`exchange`.

    Raises:
        UsageError: When ``timeout`` is not positive.

    Example:
        >>> with Judge(timeout=2.0) as judge:           # doctest: +SKIP
        ...     verdict = judge.check(spec, "sqrt(2)/2")
    """

    def __init__(
        self,
        timeout: float = 2.0,
        *,
        startup_timeout: float = DEFAULT_STARTUP_TIMEOUT,
        server: str = DEFAULT_SERVER,
    ) -> None:
        if not timeout > 0:
            raise UsageError(f"the check timeout must be positive, got {timeout}")
        self.timeout = float(timeout)
        self.startup_timeout = float(startup_timeout)
        self._state = _State(startup_timeout=self.startup_timeout, server=server)
        self._state.active = self._state.launch()
        self._finalizer = weakref.finalize(self, self._state.shutdown)

    # -- worker lifecycle ---------------------------------------------------------------------

    def _ready_worker(self) -> _Worker:
        """Return a live worker: the active one, else a fresh one."""
        state = self._state
        if state.closed:
            raise WorkerError("this checker is closed")
        worker = state.settle(state.active)
        if worker is None:
            state.active = _Slot(worker=start_worker(self.startup_timeout, server=state.server))
            worker = state.active.worker
        assert worker is not None  # start_worker raises rather than return None
        return worker

    def _discard(self, worker: _Worker) -> None:
        """Kill ``worker`` and start its replacement in the background."""
        worker.stop(polite=False)
        self._state.active = self._state.launch()

    @property
    def warm(self) -> bool:
        """Whether a started worker is alive now (never waits for one that is starting)."""
        slot = self._state.active
        if self._state.closed or (slot.thread is not None and slot.thread.is_alive()):
            return False
        return slot.worker is not None and slot.worker.alive()

    @property
    def worker_pid(self) -> int | None:
        """Process id of the worker that will take the next check; None when closed."""
        with self._state.lock:
            if self._state.closed:
                return None
            return self._ready_worker().process.pid

    # -- checking -------------------------------------------------------------------------------

    def check(self, spec: AnswerSpec, text: str) -> Verdict:
        """Judge ``text`` against ``spec`` in the worker, within the time cap.

        Args:
            spec: What the answer should be.
            text: The learner's answer.

        Returns:
            The verdict; ``status="undecided"`` when the cap was hit or the worker died twice.

        Raises:
            UsageError: When the spec names an unknown kind.
            WorkerError: When the judge is closed, the spec cannot be sent to the worker, or no
                worker can be started.
        """
        from mathdrill.answers.kinds import get_kind

        get_kind(spec.kind)  # an unknown kind is the caller's error: raise it, not a verdict
        with self._state.lock:
            if self._state.closed:
                raise WorkerError("this checker is closed")
            return self._check_locked(spec, text)

    def _check_locked(self, spec: AnswerSpec, text: str) -> Verdict:
        """The body of :meth:`check`; the caller holds the lock."""
        try:
            return _decode(self._round_trip(lambda conn: conn.send((spec, text)), self.timeout))
        except _CapHit:
            return undecided_within(self.timeout)
        except _WorkerDied:
            return Verdict(
                "undecided", "could not decide: the checking process stopped unexpectedly"
            )

    def exchange(self, payload: bytes, timeout: float | None = None) -> bytes:
        """Send one request as raw bytes and return the worker's reply bytes.

        For servers with their own protocol (``server=`` in the constructor); the default
        server expects :meth:`check`'s pickled requests instead.

        Args:
            payload: The request, e.g. JSON bytes.
            timeout: Seconds the reply may take (default: the judge's ``timeout``); waiting
                for a worker to start is not counted.

        Returns:
            The reply.

        Raises:
            CheckTimeoutError: No reply within ``timeout``; the worker was killed and its
                replacement is starting.
            WorkerStoppedError: The request found two dead workers in a row.
            WorkerError: The judge is closed or no worker can be started.
        """
        cap = self.timeout if timeout is None else float(timeout)
        with self._state.lock:
            if self._state.closed:
                raise WorkerError("this checker is closed")
            try:
                return self._round_trip(lambda conn: conn.send_bytes(payload), cap)
            except _CapHit:
                raise CheckTimeoutError(f"no reply from the worker within {cap:g} s") from None
            except _WorkerDied:
                raise WorkerStoppedError("the worker process stopped unexpectedly, twice") from None

    def _round_trip(self, send: Callable[[Connection], None], timeout: float) -> bytes:
        """Send one request with ``send`` and return the reply; the caller holds the lock.

        Raises:
            _CapHit: No reply within ``timeout`` (the worker was killed).
            _WorkerDied: The request found two dead workers in a row.
            WorkerError: The request could not be handed over, or no worker can start.
        """
        for _attempt in range(2):
            worker = self._ready_worker()
            # Waiting for a worker to start does not count against the cap.
            deadline = time.monotonic() + timeout
            try:
                send(worker.conn)
            except (BrokenPipeError, ConnectionError, EOFError):
                self._discard(worker)
                continue
            except OSError as error:
                self._discard(worker)
                raise WorkerError(f"could not reach the checking process: {error}") from None
            except Exception as error:
                raise WorkerError(
                    f"could not hand the answer spec to the checking process: {error}"
                ) from None
            try:
                if not worker.conn.poll(max(0.0, deadline - time.monotonic())):
                    self._discard(worker)
                    raise _CapHit
                return worker.conn.recv_bytes()
            except (EOFError, OSError):
                # The worker died mid-request (killed from outside, crashed): retry once
                # on a fresh worker; a request that kills two workers gets no reply.
                self._discard(worker)
                continue
            except _CapHit:
                raise
            except BaseException:
                # Interrupted while waiting (Ctrl-C): the worker may still be busy with this
                # request and would answer the next one with a stale reply. Replace it.
                self._discard(worker)
                raise
        raise _WorkerDied

    def close(self) -> None:
        """Stop the workers and reap them; further checks raise WorkerError. Idempotent.

        Does not wait for a request in progress (say, one waiting for a worker that is still
        starting): its worker is killed and the request fails with WorkerError, so quitting
        right after starting is instant.
        """
        self._finalizer()

    def __enter__(self) -> Judge:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class _CapHit(Exception):
    """A request got no reply within its cap; the worker was killed."""


class _WorkerDied(Exception):
    """A request found two dead workers in a row."""


def _decode(payload: bytes) -> Verdict:
    try:
        return Verdict.from_dict(json.loads(payload.decode("utf-8")))
    except (ValueError, UnicodeDecodeError, AttributeError):
        return Verdict("undecided", "could not decide: the checking process sent a bad reply")
