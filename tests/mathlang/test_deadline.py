"""The CPU-time bound on computations that run in this process (deck expressions)."""

from __future__ import annotations

import signal
import threading
import time

import pytest

from mathdrill.errors import MathdrillError
from mathdrill.mathlang import deadline
from mathdrill.mathlang.deadline import cpu_deadline


class Slow(MathdrillError):
    def __init__(self, seconds: float) -> None:
        super().__init__(f"over {seconds} s")
        self.seconds = seconds


class Outer(Slow):
    pass


def spin(seconds: float) -> None:
    """Burn CPU for ``seconds`` of process time (a pure-Python loop, like sympy's)."""
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


def assert_disarmed() -> None:
    assert signal.getitimer(signal.ITIMER_PROF) == (0.0, 0.0)
    assert not deadline._ACTIVE


def test_a_body_over_budget_raises_the_callers_error_soon_after_the_budget():
    started = time.process_time()
    with pytest.raises(Slow) as caught, cpu_deadline(0.2, Slow):
        spin(30)
    assert caught.value.seconds == 0.2
    assert time.process_time() - started < 1.5  # interrupted, not run to the end
    assert_disarmed()


def test_a_body_within_budget_runs_to_the_end_and_leaves_no_timer():
    with cpu_deadline(5, Slow):
        spin(0.05)
        value = 42
    assert value == 42
    assert_disarmed()
    assert signal.getsignal(signal.SIGPROF) in (signal.SIG_DFL, None)


def test_a_broad_except_inside_the_body_cannot_swallow_the_deadline():
    def stubborn() -> None:
        for _ in range(100):
            try:
                spin(30)
            except Exception:
                continue

    with pytest.raises(Slow), cpu_deadline(0.2, Slow):
        stubborn()
    assert_disarmed()


def test_nested_deadlines_each_convert_only_their_own_expiry():
    with pytest.raises(Slow) as inner, cpu_deadline(10, Outer), cpu_deadline(0.1, Slow):
        spin(30)
    assert type(inner.value) is Slow  # the inner one expired; the outer one is not blamed
    with pytest.raises(Outer), cpu_deadline(0.2, Outer), cpu_deadline(10, Slow):
        spin(30)
    assert_disarmed()


def test_the_outer_budget_still_runs_after_an_inner_block_ends():
    def body() -> None:
        with cpu_deadline(5, Slow):
            spin(0.05)
        spin(30)

    with pytest.raises(Outer), cpu_deadline(0.3, Outer):
        body()
    assert_disarmed()


def test_outside_the_main_thread_the_body_runs_unbounded():
    seen: list[object] = []

    def body() -> None:
        seen.append(deadline.available())
        with cpu_deadline(0.01, Slow):
            spin(0.05)
        seen.append("finished")

    thread = threading.Thread(target=body)
    thread.start()
    thread.join()
    assert seen == [False, "finished"]
    assert deadline.available()


def test_a_nonpositive_budget_is_a_programming_error():
    with pytest.raises(ValueError), cpu_deadline(0, Slow):
        pass


def test_a_deadline_inside_one_that_ends_sooner_leaves_the_outer_timer_armed():
    seen = []

    def body() -> None:
        outer_remaining = signal.getitimer(signal.ITIMER_PROF)[0]
        with cpu_deadline(30, Slow):
            # Not re-armed for 30 s: the outer deadline still fires first.
            seen.append(signal.getitimer(signal.ITIMER_PROF)[0] <= outer_remaining)
            seen.append(len(deadline._ACTIVE))
        with cpu_deadline(30, Slow):
            spin(30)  # the outer expiry passes through the inner block to its owner

    with pytest.raises(Outer), cpu_deadline(1, Outer):
        body()
    assert seen == [True, 1]
    assert_disarmed()
